#!/usr/bin/env python3
"""What a caller loses by restoring a document one line at a time.

For each set, the syllable accuracy of the reference metric (vidiacritic.evaluate,
as ``vidiacritic eval``) of three ways to restore the same lines:

  whole      restore() of the whole text (what `vidiacritic fix` does)
  lines      Restorer.restore_lines(lines): the lines read as one document
  one-by-one restore() called once per line: each line a document of its own

usage:
  python -m scripts.line_by_line --set dev-ocr=../shared/dev/seed_ocr.txt:../shared/dev/seed_gold.txt \\
      --set poor-vie=PAIRS.tsv [--engine model]

A set is NAME=PAIRS.tsv (input<TAB>gold per line, as scripts/benchmark.py reads them)
or NAME=INPUT:GOLD (two line-aligned files).
"""
from __future__ import annotations

import argparse
import sys
import time

from scripts.tables import read_pairs
from vidiacritic import Restorer
from vidiacritic.evaluate import score


def read_set(spec: str):
    """'NAME=PAIRS.tsv' or 'NAME=INPUT:GOLD' -> (name, input lines, gold lines)."""
    name, eq, where = spec.partition("=")
    if not eq or not name or not where:
        raise ValueError(f"--set wants NAME=PAIRS.tsv or NAME=INPUT:GOLD, got {spec!r}")
    if where.endswith(".tsv"):
        rows = list(read_pairs([where]))
        return name, [ocr for ocr, _ in rows], [clean for _, clean in rows]
    src, colon, gold = where.partition(":")
    if not colon:
        raise ValueError(f"--set wants NAME=PAIRS.tsv or NAME=INPUT:GOLD, got {spec!r}")
    with open(src, encoding="utf-8") as a, open(gold, encoding="utf-8") as b:
        inp, ref = a.read().split("\n"), b.read().split("\n")
    if len(inp) != len(ref):
        raise ValueError(f"{name}: {len(inp)} input lines, {len(ref)} gold lines")
    return name, inp, ref


def ways(restorer: Restorer, lines):
    """{way: restored lines} for the three ways of the module docstring."""
    return {
        "whole": restorer.restore("\n".join(lines)).split("\n"),
        "lines": list(restorer.restore_lines(lines)),
        "one-by-one": [restorer.restore(line) for line in lines],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", required=True, metavar="NAME=PATH")
    ap.add_argument("--engine", default="auto")
    args = ap.parse_args(argv)
    try:
        sets = [read_set(s) for s in args.set]
    except (OSError, ValueError) as e:
        print(f"line_by_line: error: {e}", file=sys.stderr)
        return 2
    restorer = Restorer(engine=args.engine)
    print(f"| set | lines | as given | whole | restore_lines | one line a call |")
    print("|---|---|---|---|---|---|")
    for name, inp, gold in sets:
        t = time.perf_counter()
        got = {way: score(out, gold)["syl_acc"] for way, out in ways(restorer, inp).items()}
        print(f"| {name} | {len(inp)} | {score(inp, gold)['syl_acc']:.4f} | {got['whole']:.4f} | "
              f"{got['lines']:.4f} | {got['one-by-one']:.4f} |", flush=True)
        print(f"  ({name}: {time.perf_counter() - t:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
