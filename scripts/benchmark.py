#!/usr/bin/env python3
"""Benchmark vidiacritic's engines against pyvi on the same inputs, side by side.

Each system runs in its own subprocess so that load time and peak memory are its
own.  Test sets (line-aligned input/gold):
  dev-ocr       ../shared/dev/seed_ocr.txt → seed_gold.txt  (real OCR)
  dev-stripped  seed_gold.txt with every diacritic removed   (no OCR noise)
  heldout-ocr   Tesseract pairs of held-out legal text, if --heldout-pairs is given
                (scripts/make_ocr_pairs.py --split heldout)
  NAME          any `noisy<TAB>clean` pairs file given as --set NAME=PAIRS.tsv (repeatable):
                the development sets of each kind of issue 9 (poor scans read with `vie`
                or `eng`, partly marked text; data/OCR_NOISE.md names the recipes)
Throughput = syllables of all test inputs / seconds spent restoring them (after load).

Two tables: syllable accuracy (the project's metric, vidiacritic/evaluate.py), with a first
row for the input as given; and, per set, the share of the input's wrong words that each
system gets right ("fixed"), with the count of words right in the input that it makes
wrong ("broken").  A gold word is right when the metric's alignment of its line matches
it, so fixed and broken are counted with the same alignment as the accuracy.

usage: python -m scripts.benchmark [--systems model,statistical,rules,pyvi] [--dev DIR]
                                   [--heldout-pairs TSV] [--set NAME=TSV ...] [--plot PNG]
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from typing import Dict, Optional, Sequence, Tuple

from vidiacritic.evaluate import _words, score, syllable_key
from vidiacritic.text import strip_diacritics

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_DEV = os.path.join(HERE, "..", "..", "shared", "dev")
AS_GIVEN = "input as given"
CONF_SUFFIX = ".conf.json"  # beside an input: its word confidences (read_confidences)


def right_words(hyp_line: str, gold_line: str) -> set:
    """Indices of the gold line's words that `hyp_line` gets right under the reference
    metric (the same words, keys and alignment as vidiacritic.evaluate.score counts)."""
    gw, hw = _words(gold_line), _words(hyp_line)
    m = difflib.SequenceMatcher(None, [syllable_key(t) for t in gw],
                                [syllable_key(t) for t in hw], autojunk=False)
    return {b.a + k for b in m.get_matching_blocks() for k in range(b.size)}


def fixed_and_broken(inp: Sequence[str], hyp: Sequence[str], gold: Sequence[str]) -> Dict[str, int]:
    """Words the input gets wrong (`wrong`), of those the words `hyp` gets right (`fixed`),
    and the words right in the input that `hyp` gets wrong (`broken`)."""
    if not len(inp) == len(hyp) == len(gold):
        raise ValueError(f"line counts differ: input {len(inp)}, output {len(hyp)}, gold {len(gold)}")
    wrong = fixed = broken = 0
    for i, h, g in zip(inp, hyp, gold):
        n = len(_words(g))
        right_in, right_out = right_words(i, g), right_words(h, g)
        wrong += n - len(right_in)
        fixed += len(right_out - right_in)
        broken += len(right_in - right_out)
    return {"wrong": wrong, "fixed": fixed, "broken": broken}


def read_pairs(path: str) -> Tuple[str, str]:
    """(input, gold) texts, one line per pair, from the first two columns of a TSV."""
    with open(path, encoding="utf-8") as fh:
        rows = [ln.rstrip("\n").split("\t") for ln in fh]
    rows = [r for r in rows if len(r) >= 2]
    if not rows:
        raise ValueError(f"{path}: no `noisy<TAB>clean` lines")
    return "\n".join(r[0] for r in rows), "\n".join(r[1] for r in rows)


def read_confidences(path: str) -> Optional[list]:
    """The OCR engine's word confidences of a pairs file made with ``make_ocr_pairs.py
    --confidences`` (its fifth column, 0-100, one per word of the input), as 0-1, one per
    whitespace word of the whole input text; None when a row has none."""
    with open(path, encoding="utf-8") as fh:
        rows = [ln.rstrip("\n").split("\t") for ln in fh]
    rows = [r for r in rows if len(r) >= 2]
    if not rows or any(len(r) < 5 or len(r[4].split()) != len(r[0].split()) for r in rows):
        return None
    return [int(c) / 100 for r in rows for c in r[4].split()]


def parse_set(spec: str) -> Tuple[str, str]:
    """'NAME=PATH' -> (NAME, PATH)."""
    name, eq, path = spec.partition("=")
    name = name.strip()
    if not eq or not path or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"--set wants NAME=PAIRS.tsv (NAME: letters, digits, . _ -), got {spec!r}")
    return name, path


def _load_system(name: str):
    """Return a function text → text for one system (in the worker process)."""
    if name == "pyvi":
        from pyvi import ViUtils

        def one(line: str) -> str:
            try:
                return ViUtils.add_accents(line) if line.strip() else line
            except (KeyError, ValueError, IndexError):  # pyvi crashes on some inputs: keep the line
                return line

        def run(text: str) -> str:
            return "\n".join(one(line) for line in text.split("\n"))

        return run
    from vidiacritic import Restorer

    return Restorer(engine=name).restore


def worker(name: str, inputs: list, outdir: str) -> None:
    t0 = time.perf_counter()
    fn = _load_system(name)
    fn("khoi dong")  # first call outside the timing (lazy imports, caches of nothing)
    load = time.perf_counter() - t0
    texts = [open(p, encoding="utf-8").read() for p in inputs]
    # A set with the OCR engine's word confidences has them beside its input (CONF_SUFFIX);
    # vidiacritic reads them, pyvi cannot.
    confs = [json.load(open(p + CONF_SUFFIX, encoding="utf-8")) if os.path.exists(p + CONF_SUFFIX)
             and name != "pyvi" else None for p in inputs]
    t1 = time.perf_counter()
    outs = [fn(t, confidences=c) if c is not None else fn(t) for t, c in zip(texts, confs)]
    run = time.perf_counter() - t1
    for p, o in zip(inputs, outs):
        with open(os.path.join(outdir, os.path.basename(p)), "w", encoding="utf-8") as fh:
            fh.write(o)
    syl = sum(sum(any(c.isalpha() for c in w) for w in t.split()) for t in texts)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load, "run_s": run, "syllables": syl, "peak_mb": peak_mb}))


def main() -> None:
    ap = argparse.ArgumentParser(description="Side-by-side benchmark of vidiacritic engines and pyvi.")
    ap.add_argument("--systems", default="model,statistical,rules,pyvi")
    ap.add_argument("--dev", default=DEFAULT_DEV)
    ap.add_argument("--heldout-pairs", default=None)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=PAIRS.tsv",
                    help="one more column: a noisy<TAB>clean pairs file (repeatable)")
    ap.add_argument("--markdown", action="store_true", help=argparse.SUPPRESS)  # the table is markdown
    ap.add_argument("--plot", default=None, help="write a PNG of accuracy against speed")
    ap.add_argument("--report-runs", type=int, default=3,
                    help="also time `vidiacritic fix` on the dev OCR from process start to "
                         "finish, this many times (0: skip)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--inputs", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--outdir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.inputs, args.outdir)
        return

    confidences = {}  # set name -> the OCR engine's word confidences (read_confidences)
    try:
        gold = open(os.path.join(args.dev, "seed_gold.txt"), encoding="utf-8").read()
        sets = {"dev-ocr": (open(os.path.join(args.dev, "seed_ocr.txt"), encoding="utf-8").read(), gold),
                "dev-stripped": (strip_diacritics(gold), gold)}
        if args.heldout_pairs:
            inp, g = read_pairs(args.heldout_pairs)
            sets["heldout-ocr"] = (inp, g)
            sets["heldout-stripped"] = (strip_diacritics(g), g)
        for spec in args.set:
            name, path = parse_set(spec)
            if name in sets:
                raise ValueError(f"--set {name}: the name of another column")
            sets[name] = read_pairs(path)
            if (found := read_confidences(path)) is not None:
                confidences[name] = found
    except (OSError, ValueError) as e:
        ap.error(str(e))
    work = tempfile.mkdtemp(prefix="vidiacritic-bench-")
    paths = {}
    for name, (inp, _) in sets.items():
        paths[name] = os.path.join(work, name + ".txt")
        with open(paths[name], "w", encoding="utf-8") as fh:
            fh.write(inp)
        if name in confidences:
            with open(paths[name] + CONF_SUFFIX, "w", encoding="utf-8") as fh:
                json.dump(confidences[name], fh)

    results = [as_given_row(sets)]
    for system in args.systems.split(","):
        outdir = os.path.join(work, system)
        os.makedirs(outdir)
        # -m from the repository root: the worker imports this package like its parent did
        proc = subprocess.run([sys.executable, "-m", "scripts.benchmark", "--worker", system,
                               "--inputs", *paths.values(), "--outdir", outdir],
                              capture_output=True, text=True, cwd=os.path.dirname(HERE))
        if proc.returncode != 0:
            print(f"{system}: failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        stats = json.loads(proc.stdout.strip().splitlines()[-1])
        row = {"system": system}
        for name, (inp, g) in sets.items():
            hyp = open(os.path.join(outdir, name + ".txt"), encoding="utf-8").read()
            row[name] = score(hyp.split("\n"), g.split("\n"))["syl_acc"]
            row["fix:" + name] = fixed_and_broken(inp.split("\n"), hyp.split("\n"), g.split("\n"))
        row["syl/s"] = stats["syllables"] / stats["run_s"]
        row["load s"] = stats["load_s"]
        row["peak MB"] = stats["peak_mb"]
        results.append(row)

    cols = ["system", *sets.keys(), "syl/s", "load s", "peak MB"]
    fmt = {"syl/s": "{:.0f}", "load s": "{:.2f}", "peak MB": "{:.0f}"}
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        cells = [fmt.get(c, "{:.4f}" if isinstance(r.get(c), float) else "{}").format(r[c])
                 if c in r else "–" for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    print()
    print(fix_table(results, list(sets)))
    if args.report_runs:
        print(whole_report(os.path.join(args.dev, "seed_ocr.txt"), work, args.report_runs))
    print(f"(outputs in {work})", file=sys.stderr)
    systems = [r for r in results if r["system"] != AS_GIVEN]
    if args.plot and systems:
        plot(systems, [k for k in sets], args.plot)


def as_given_row(sets) -> dict:
    """The first row: each set's input scored as it is (what the OCR or typist gave)."""
    row = {"system": AS_GIVEN}
    for name, (inp, g) in sets.items():
        row[name] = score(inp.split("\n"), g.split("\n"))["syl_acc"]
    return row


def fix_table(results, set_names) -> str:
    """Markdown: per system and set, fixed / wrong words of the input, and broken words."""
    lines = ["share of the input's wrong words fixed (fixed/wrong; broken: words right in the "
             "input made wrong)", "",
             "| system | " + " | ".join(set_names) + " |", "|" + "---|" * (len(set_names) + 1)]
    for r in results:
        if r["system"] == AS_GIVEN:
            continue
        cells = []
        for name in set_names:
            f = r["fix:" + name]
            share = f["fixed"] / f["wrong"] if f["wrong"] else 0.0
            cells.append(f"{share:.1%} ({f['fixed']}/{f['wrong']}; broken {f['broken']})")
        lines.append("| " + r["system"] + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def whole_report(path: str, work: str, runs: int) -> str:
    """Wall time of the CLI on one report with the default engine, process start to
    finish (interpreter start, imports, loading and restoring included)."""
    from vidiacritic.tokens import NUMBER, WORD, tokenize
    text = open(path, encoding="utf-8").read()
    syllables = sum(1 for t in tokenize(text) if t.kind in (WORD, NUMBER))
    cli = [sys.executable, "-m", "vidiacritic.cli", "fix", path, "-o", os.path.join(work, "report.txt")]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cli, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    times.sort()
    return (f"whole report ({os.path.basename(path)}, {syllables:,} syllables), process start to finish, "
            f"{runs} runs: " + ", ".join(f"{x:.2f} s" for x in times) +
            f" = {syllables / times[-1]:,.0f}–{syllables / times[0]:,.0f} syllables/s")


def plot(results, set_names, path) -> None:
    """Accuracy against throughput, one marker per system and test set: a shape per
    set (hollow after the first dozen, so that twenty-odd sets stay told apart), a
    colour per system, the legend beside the axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 5))
    shapes = "osD^vP*Xph<>"  # one per column, however many --set columns there are
    markers = {name: (shapes[i % len(shapes)], i >= len(shapes)) for i, name in enumerate(set_names)}
    for k, r in enumerate(results):
        color = "C%d" % k
        for name in set_names:
            shape, hollow = markers[name]
            ax.scatter(r["syl/s"], r[name], marker=shape, s=40, color=color,
                       facecolors="none" if hollow else color)
        ax.annotate(r["system"], (r["syl/s"], max(r[n] for n in set_names)),
                    textcoords="offset points", xytext=(4, 4), fontsize=9)
    for name in set_names:  # (the legend's shapes in grey: the colours are the systems')
        shape, hollow = markers[name]
        ax.scatter([], [], marker=shape, s=40, color="0.4", facecolors="none" if hollow else "0.4", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("syllables / second (2-core CPU, after load)")
    ax.set_ylabel("syllable accuracy")
    ax.set_title("vidiacritic engines and pyvi: accuracy against speed")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              ncol=2 if len(set_names) > 14 else 1)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
