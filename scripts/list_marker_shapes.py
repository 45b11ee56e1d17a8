#!/usr/bin/env python3
"""Count what line-start list markers OCR wrote for, on TRAINING-split Tesseract pairs
(never on held-out or dev): the counts behind vidiacritic.list_markers.LONE_SHAPES.

    python -m scripts.list_marker_shapes PAIRS.tsv [PAIRS.tsv ...] [--min 1]

For each OCR line (TSV: ocr, clean, ...) that opens with a marker-shaped chunk (1–4
characters and a closing mark, then a space; list_markers.line_start_markers) whose body
is no number, counts the clean line's opening marker (a list letter or Roman numeral
with ")" or "."; "-" when the clean line opens with none).  Prints one line per OCR
marker, the most frequent first: the marker, its count and its readings.
"""
import argparse
import collections
import re
from typing import Dict, Iterable

from scripts.tables import read_pairs
from vidiacritic.list_markers import line_start_markers
from vidiacritic.tokens import tokenize

_CLEAN = re.compile(r"^([a-zđA-ZĐ]|[IVX]+)([).])\s")


def shape_counts(paths: Iterable[str]) -> Dict[str, collections.Counter]:
    """{OCR marker as written: Counter of the clean markers it stood for}."""
    out: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for ocr, gold in read_pairs(paths):
        toks = tokenize(ocr)
        found = line_start_markers(toks, [t.text for t in toks])
        if not found or found[0].first != 0 or found[0].body.isdigit():
            continue
        clean = _CLEAN.match(gold + " ")
        out[found[0].body + found[0].close][clean.group(1) + clean.group(2) if clean else "-"] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", nargs="+", help="training-split pairs (scripts/make_ocr_pairs.py --split train)")
    ap.add_argument("--min", type=int, default=1, help="print markers seen at least this often")
    args = ap.parse_args()
    counts = shape_counts(args.pairs)
    for marker, readings in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(readings.values())
        if n >= args.min:
            print(f"{marker}\t{n}\t" + " ".join(f"{k}:{v}" for k, v in readings.most_common()))


if __name__ == "__main__":
    main()
