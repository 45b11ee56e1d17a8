#!/usr/bin/env python3
"""Restore the benchmark's inputs with a checkout's code and compare the outputs with
another checkout's, byte for byte: the check behind every "same outputs" speed change.

Each input is restored as one document, as scripts/benchmark.py feeds a column: the dev
OCR, the dev gold with its marks stripped, the dev gold itself (correct text), and the
first column of each pairs file given with --set (its rows joined by newlines; a fifth
column of word confidences, when every row has one, goes with it).  One Restorer per
engine restores them all in turn, in a fresh process that imports TREE's own
vidiacritic (build its C extension first: `python setup.py build_ext --inplace`).

usage:
    python -m scripts.compare_trees TREE OUTDIR [--ref REFDIR] [--set NAME=PAIRS.tsv ...]
                                    [--engines model,statistical] [--dev ../shared/dev]
writes OUTDIR/NAME.ENGINE.txt (and OUTDIR/inputs/); with --ref, prints for each output
whether REFDIR's is the same, and the number of lines that differ, and exits 1 if any does.
example: the outputs of main before a change, then of the change:
    python -m scripts.compare_trees ../before /tmp/ref --set poor-vie=poor_vie_heldout.tsv
    python -m scripts.compare_trees . /tmp/new --ref /tmp/ref --set poor-vie=poor_vie_heldout.tsv
"""
import argparse
import json
import os
import subprocess
import sys

# Run in TREE (its vidiacritic first on sys.path): restore OUTDIR/inputs/NAME.txt for
# every NAME of OUTDIR/inputs/ORDER with one engine.
RESTORE = r"""
import json, os, sys
sys.path.insert(0, '.')
import vidiacritic
from vidiacritic import Restorer
tree, outdir, engine = os.path.realpath('.'), sys.argv[1], sys.argv[2]
if not os.path.realpath(vidiacritic.__file__).startswith(tree + os.sep):
    sys.exit(f'compare_trees: {tree} imports vidiacritic from {vidiacritic.__file__}, not its own')
restore = Restorer(engine=engine).restore
restore('khoi dong')  # (as the benchmark's worker warms up)
for name in open(os.path.join(outdir, 'inputs', 'ORDER'), encoding='utf-8').read().split():
    path = os.path.join(outdir, 'inputs', name + '.txt')
    text = open(path, encoding='utf-8', newline='').read()
    conf = path + '.conf.json'
    out = restore(text, confidences=json.load(open(conf))) if os.path.exists(conf) else restore(text)
    with open(os.path.join(outdir, f'{name}.{engine}.txt'), 'w', encoding='utf-8', newline='') as fh:
        fh.write(out)
"""


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def prepare(outdir: str, dev: str, sets) -> list:
    """Write the inputs (OUTDIR/inputs/NAME.txt, their ORDER); the names."""
    from vidiacritic.text import strip_diacritics
    os.makedirs(os.path.join(outdir, "inputs"), exist_ok=True)
    read = lambda p: open(p, encoding="utf-8").read()  # noqa: E731  (text mode, as benchmark.py reads them)
    gold = read(os.path.join(dev, "seed_gold.txt"))
    docs = {"dev-ocr": read(os.path.join(dev, "seed_ocr.txt")), "dev-stripped": strip_diacritics(gold),
            "dev-gold": gold}
    for name, path in sets:
        if name in docs:
            sys.exit(f"compare_trees: the name {name} is used twice")
        with open(path, encoding="utf-8") as fh:
            rows = [r for r in (line.rstrip("\n").split("\t") for line in fh) if len(r) >= 2]
        docs[name] = "\n".join(r[0] for r in rows)
        if rows and all(len(r) >= 5 and len(r[4].split()) == len(r[0].split()) for r in rows):
            with open(os.path.join(outdir, "inputs", name + ".txt.conf.json"), "w") as fh:
                json.dump([int(c) / 100 for r in rows for c in r[4].split()], fh)
    for name, text in docs.items():
        _write(os.path.join(outdir, "inputs", name + ".txt"), text)
    _write(os.path.join(outdir, "inputs", "ORDER"), "\n".join(docs) + "\n")
    return list(docs)


def compare(outdir: str, refdir: str, names, engines) -> int:
    """Print each output's comparison with REFDIR's; the number that differ."""
    bad = 0
    for name in names:
        for engine in engines:
            f = f"{name}.{engine}.txt"
            a, b = os.path.join(outdir, f), os.path.join(refdir, f)
            if not os.path.exists(b):
                print(f"{f:40} not in {refdir}")
                bad += 1
                continue
            x, y = open(a, "rb").read().split(b"\n"), open(b, "rb").read().split(b"\n")
            if x == y:
                print(f"{f:40} identical")
                continue
            bad += 1
            print(f"{f:40} DIFFERS: {sum(p != q for p, q in zip(x, y)) + abs(len(x) - len(y))} lines")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree")
    ap.add_argument("outdir")
    ap.add_argument("--ref", help="a folder of outputs made the same way, to compare with")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=PAIRS.tsv")
    ap.add_argument("--engines", default="model,statistical")
    ap.add_argument("--dev", default=os.path.join("..", "shared", "dev"))
    args = ap.parse_args()
    sets = []
    for s in args.set:
        name, eq, path = s.partition("=")
        if not eq or not name or not os.path.isfile(path):
            sys.exit(f"compare_trees: --set wants NAME=PAIRS.tsv of an existing file, not {s!r}")
        sets.append((name, path))
    for f in ("seed_ocr.txt", "seed_gold.txt"):
        if not os.path.isfile(os.path.join(args.dev, f)):
            sys.exit(f"compare_trees: no {f} in {args.dev} (--dev)")
    outdir = os.path.abspath(args.outdir)
    names = prepare(outdir, args.dev, sets)
    engines = [e for e in args.engines.split(",") if e]
    for engine in engines:
        done = subprocess.run([sys.executable, "-c", RESTORE, outdir, engine], cwd=args.tree)
        if done.returncode:
            sys.exit(f"compare_trees: restoring with {engine} in {args.tree} failed (exit {done.returncode})")
    if args.ref:
        bad = compare(outdir, args.ref, names, engines)
        print(f"{len(names) * len(engines) - bad} of {len(names) * len(engines)} outputs identical")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
