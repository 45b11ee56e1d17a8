#!/usr/bin/env python3
"""Keep the lines of a pairs file whose gold text the scorer did not train on.

`make_ocr_pairs --split train` samples each corpus file at a stride set by --n-lines and
wraps around to the file's start when a --start runs out, so two training-split sets of
different sizes share lines (a 400-line set's stride is a multiple of a 2,000-line one's).
A slice used to choose weights for a scorer trained on pairs of the same split must not
hold the text of those pairs: the scorer has learned their gold words, and the slice
would overrate it.  This drops every line whose gold shares a run of N words (default 8,
long enough that shared stock phrases of legal text do not count) with the gold of any
training pair file.

    python -m scripts.seq2seq.unseen_lines --train A.tsv --train B.tsv IN.tsv OUT.tsv
"""
from __future__ import annotations

import argparse
import os
from typing import Iterable, Set, Tuple

from scripts.tables import read_pairs


def word_runs(text: str, n: int) -> Set[Tuple[str, ...]]:
    """The runs of `n` consecutive words of `text`, lower-cased."""
    w = text.lower().split()
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def unseen(lines: Iterable[str], seen: Set[Tuple[str, ...]], n: int) -> Tuple[list, int]:
    """(the pair lines whose gold shares no run of `n` words with `seen`, how many were dropped)."""
    kept, dropped = [], 0
    for line in lines:
        row = line.rstrip("\n").split("\t")
        if len(row) >= 2 and word_runs(row[1], n) & seen:
            dropped += 1
        else:
            kept.append(line)
    return kept, dropped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs")
    ap.add_argument("out")
    ap.add_argument("--train", action="append", required=True, help="a training pair file (repeatable)")
    ap.add_argument("--words", type=int, default=8, help="shared run length that counts as seen")
    a = ap.parse_args(argv)
    if os.path.realpath(a.out) in {os.path.realpath(p) for p in [a.pairs] + a.train}:
        raise SystemExit("unseen_lines: error: OUT is one of the inputs")
    seen: Set[Tuple[str, ...]] = set()
    for _, gold in read_pairs(a.train):
        seen |= word_runs(gold, a.words)
    with open(a.pairs, encoding="utf-8") as fh:
        kept, dropped = unseen(fh, seen, a.words)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(kept)
    os.replace(tmp, a.out)
    print(f"{a.pairs}: kept {len(kept)}, dropped {dropped} (a run of {a.words} words in the training pairs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
