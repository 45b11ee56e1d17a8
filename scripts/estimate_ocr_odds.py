#!/usr/bin/env python3
"""The word classes behind Config.typed_ocr_llr: their shares in Tesseract-eng output and in
typed text without marks, and the log-likelihood ratios that DocumentReader.ocr_odds adds
per word.

Each word a document's OCR decision counts (DocumentReader.word_classes: lone debris,
measures, units after a number and codes count nothing) falls into one class: a word with OCR marks, a
lowercase word whose letters spell syllables, or one whose letters spell none; other
words (capitalised, in capitals) count nothing.  The shares are over all words.

usage:
  python -m scripts.estimate_ocr_odds --ocr PAIRS.tsv [--ocr PAIRS.tsv ...] \\
      [--corpus ../shared/corpus] [--typed-files news_baomoi,news_dantri,wiki_viwiki] [--every 200]

OCR side: the first column of training-split Tesseract-eng pairs (scripts/make_ocr_pairs.py
--split train --lang eng).  Typed side: training-split corpus lines with every mark removed.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections import Counter

from scripts.corpus import DEFAULT_CORPUS, iter_lines
from scripts.tables import read_pairs
from vidiacritic import Restorer
from vidiacritic.text import strip_diacritics
from vidiacritic.tokens import WORD, tokenize

CLASSES = ("spelled", "unspelled", "marked")  # (the order of Config.typed_ocr_llr)


def tally(reader, lines) -> Counter:
    counts: Counter = Counter()
    for line in lines:
        toks = tokenize(line)
        counts["words"] += sum(1 for t in toks if t.kind == WORD)
        counts.update(reader.word_classes(toks))
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ocr", action="append", required=True, metavar="PAIRS.tsv")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--typed-files", default="news_baomoi,news_dantri,wiki_viwiki")
    ap.add_argument("--every", type=int, default=200, help="keep one corpus line in EVERY")
    args = ap.parse_args(argv)
    reader = Restorer(engine="statistical").reader
    try:
        ocr_lines = [ocr for ocr, _ in read_pairs(args.ocr)]
        typed_lines = [strip_diacritics(ln) for name in args.typed_files.split(",")
                       for ln in iter_lines(args.corpus, name, "train", every=args.every)]
    except OSError as e:
        print(f"estimate_ocr_odds: error: {e}", file=sys.stderr)
        return 2
    ocr, typed = tally(reader, ocr_lines), tally(reader, typed_lines)
    print(f"OCR: {len(ocr_lines)} lines, {ocr['words']} words; typed: {len(typed_lines)} lines, {typed['words']} words")
    print("| class | OCR share | typed share | log-likelihood ratio |")
    print("|---|---|---|---|")
    for c in CLASSES:
        a, b = ocr[c] / max(1, ocr["words"]), typed[c] / max(1, typed["words"])
        llr = math.log(a / b) if a > 0 and b > 0 else float("nan")
        print(f"| {c} | {a:.4f} | {b:.4f} | {llr:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
