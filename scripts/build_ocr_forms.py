#!/usr/bin/env python3
"""Learn whole-word OCR misreadings → models/ocr_forms.tsv (read by vidiacritic/candidates.py).

The character channel (models/channel.json) and the two-letter rewrites explain most of
what Tesseract does to a word, one letter at a time.  Heavier damage of common words
recurs in the same few shapes: được is read `dutge`, `durge`, `dug`, `due`; thực `thy`,
`thye`, `thyte`; người `nguéi`, `ngudi`; and a letter-by-letter channel charges each of
those as several unlikely edits, so the right syllable scores far below a nearby wrong
one, or is not a candidate at all.  In 2,300 training lines of poor scans, 90% of the
words Tesseract got wrong in 406 other lines appeared as the same (OCR form, word) pair.

This script counts those pairs in Tesseract training pairs:

1. Word-align the pairs (lines with as many words on both sides).
2. Keep the words whose OCR form has other letters than the word (mark damage alone is
   the character channel's job: `nguoi` for người is left to it).
3. For a pair seen at least ``--min-count`` times, write log P(form | word) =
   log(count(form, word) / count(word)), the word counted over all its aligned
   occurrences, read right or not.

    python -m scripts.build_ocr_forms PAIRS.tsv ... --out models/ocr_forms.tsv

The pairs are Tesseract output of training-split corpus lines (scripts/make_ocr_pairs.py);
the held-out pairs and the dev set are never read.
"""
from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from typing import Iterable, Iterator, Tuple

from scripts.tables import read_pairs, write_tsv
from vidiacritic.candidates import OCR_FORMS_HEADER, skeleton
from vidiacritic.text import nfc, normalize_syllable, plausible_syllable
from vidiacritic.tokens import NUMBER, WORD, ocr_reading, tokenize


def aligned_words(paths: Iterable[str]) -> Iterator[Tuple[str, str]]:
    """(observed form as candidate generation sees it, correct text) for every word and
    number of the lines whose OCR and clean sides have as many (a bare number of OCR
    output may be a word: `14` for là, read by vidiacritic/digit_letters.py)."""
    for ocr, clean in read_pairs(paths):
        ow = [t.text for t in tokenize(ocr) if t.kind in (WORD, NUMBER)]
        cw = [t.text for t in tokenize(clean) if t.kind in (WORD, NUMBER)]
        if len(ow) != len(cw):
            continue
        for o, c in zip(ow, cw):
            yield nfc(ocr_reading(o)).lower(), normalize_syllable(c.lower())


def count_forms(pairs: Iterable[Tuple[str, str]]) -> Tuple[Counter, Counter, Counter]:
    """(count of each (form, syllable) with other letters, count of each syllable, count
    of each form)."""
    forms: Counter = Counter()
    words: Counter = Counter()
    seen: Counter = Counter()
    for obs, gold in pairs:
        if not plausible_syllable(gold):
            continue  # names, codes, foreign words: not the vocabulary's
        words[gold] += 1
        seen[obs] += 1
        if skeleton(obs) != skeleton(gold):
            forms[(obs, gold)] += 1
    return forms, words, seen


def table_rows(forms: Counter, words: Counter, min_count: int, seen: Counter = None, min_share: float = 0.0):
    """(form, syllable, log P(form | syllable)) rows, by form, most likely first: pairs
    seen at least `min_count` times that account for at least `min_share` of the form's
    occurrences (a common word paired once with a far one is a misaligned line, not a
    reading: `nha` for nước)."""
    rows = [(obs, gold, round(math.log(k / words[gold]), 4))
            for (obs, gold), k in forms.items()
            if k >= min_count and (seen is None or k >= min_share * seen[obs])]
    rows.sort(key=lambda r: (r[0], -r[2], r[1]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", nargs="+", help="Tesseract (ocr, clean) TSV files")
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--min-share", type=float, default=0.0,
                    help="least share of the form's aligned occurrences a pair must account for")
    ap.add_argument("--out", default="models/ocr_forms.tsv")
    a = ap.parse_args()
    t0 = time.time()
    forms, words, seen = count_forms(aligned_words(a.pairs))
    rows = table_rows(forms, words, a.min_count, seen, a.min_share)
    write_tsv(a.out, rows, header=OCR_FORMS_HEADER)
    print(f"{sum(words.values()):,} aligned words, {sum(forms.values()):,} read with other letters; "
          f"{len(rows)} (form, syllable) pairs seen >= {a.min_count} times, >= {a.min_share:.0%} of their form -> {a.out} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
