#!/usr/bin/env python3
"""Learn two-letter OCR rewrites → models/rewrites.tsv (read by vidiacritic/candidates.py).

Tesseract's English model often reads one Vietnamese letter as two: ư as "ir", "it",
"tr", "iv" (từ → "tir", sử → "str", chức → "chire"), l as "id" or "ig".  Candidate
retrieval looks up skeletons within a small deletion distance, which cannot bridge a
two-for-one substitution plus another slip, so these words had no correct candidate
at all.  This script finds the rewrites in Tesseract training pairs:

1. Word-align the pairs (lines with as many words on both sides) and keep the words
   whose correct syllable is *not* among the generator's candidates (run without
   rewrites, and without the precomputed table).
2. For each such word, every two-letter window XY of the observed skeleton that lines
   up with one letter Z of the correct skeleton (same prefix, Z at that position, the
   rest within one edit) counts as evidence for XY → Z.  Windows where Z is one of X, Y
   are dropped: those are a single inserted letter, which retrieval already handles.
3. Rewrites seen at least ``--min-count`` times are written, most frequent first.

    python -m scripts.build_rewrites /work/work_data/ocr_pairs_train.tsv --out models/rewrites.tsv

The pairs are Tesseract output of training-split corpus lines (scripts/make_ocr_pairs.py);
the held-out pairs and the dev set are never read.
"""
from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter

from rapidfuzz.distance import Levenshtein


from scripts.tables import write_tsv
from vidiacritic import Restorer
from vidiacritic.candidates import REWRITES_HEADER, skeleton
from vidiacritic.text import normalize_syllable
from vidiacritic.tokens import WORD, tokenize

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def evidence(observed: str, correct: str) -> set:
    """The (XY, Z) rewrites that explain a two-for-one letter in `observed`."""
    out = set()
    for i in range(len(observed) - 1):
        if i >= len(correct) or observed[:i] != correct[:i]:
            break
        pair, letter = observed[i:i + 2], correct[i]
        if letter in pair or letter not in LETTERS or not pair.isalpha():
            continue
        if Levenshtein.distance(observed[i + 2:], correct[i + 1:]) <= 1:
            out.add((pair, letter))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", nargs="+", help="Tesseract (ocr, clean) TSV files")
    ap.add_argument("--min-count", type=int, default=20)
    ap.add_argument("--max-lines", type=int, default=0)
    ap.add_argument("--out", default="models/rewrites.tsv")
    a = ap.parse_args()
    t0 = time.time()
    with warnings.catch_warnings():  # a stale candidate table is expected here
        warnings.simplefilter("ignore")
        gen = Restorer(engine="statistical").generator
    gen.rewrites, gen._table = [], {}  # what retrieval finds without rewrites
    gen._cache.clear()
    counts: Counter = Counter()
    words = misses = 0
    for path in a.pairs:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if a.max_lines and n >= a.max_lines:
                    break
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 2:
                    continue
                ow = [t.text for t in tokenize(cols[0]) if t.kind == WORD]
                cw = [t.text for t in tokenize(cols[1]) if t.kind == WORD]
                if len(ow) != len(cw):
                    continue
                for o, c in zip(ow, cw):
                    words += 1
                    gold = normalize_syllable(c.lower())
                    osk, gsk = skeleton(o), skeleton(gold)
                    if osk == gsk or gold in {f for f, _ in gen.candidates(o)}:
                        continue
                    misses += 1
                    counts.update(evidence(osk, gsk))
    rows = [(pair, letter, k) for (pair, letter), k in counts.most_common() if k >= a.min_count]
    write_tsv(a.out, rows, header=REWRITES_HEADER)
    print(f"{words:,} aligned words, {misses:,} without their syllable among the candidates; "
          f"{len(rows)} rewrites seen >= {a.min_count} times -> {a.out} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
