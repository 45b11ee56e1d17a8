"""Build models/confidence.json: how much likelier a Tesseract-vie word is wrong at a given
word confidence, from training-split pairs made with ``make_ocr_pairs.py --confidences``.

Tesseract writes a confidence for every word (hOCR ``x_wconf``, ALTO ``WC``, PAGE
``TextEquiv@conf``, its TSV's ``conf``).  In Tesseract-vie output most wrong words are
valid syllables with wrong marks (nhầm for nhằm), which the marks channel can only
overturn at the document's mark-error rate.  Their confidences are low far more often
than those of right words, so a word's confidence says how far its own marks can be
trusted: the restorer scales the document's rate by the ratio stored here
(``vidiacritic.confidence``).

Words are counted as ``build_marks_channel.py`` counts them (lines whose word counts
match, both sides letters only after edge punctuation, the clean word a syllable of the
language model), by the number of observed words on their line that are no syllable
(0, 1, 2 or more: the marks channel's line classes) and by confidence band.  Stored: for
each line class and band, (wrong + 1) / (words + 1 / rate) / rate, the same smoothed
ratio as ``line_error_ratio``, so a band with few words stays near its line class's
rate; and the counts.  Only aggregate counts, no text.

usage: python -m scripts.build_confidence_table PAIRS.tsv [PAIRS.tsv ...] --out models/confidence.json
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import List

from scripts.build_marks_channel import line_class, syllable_lines
from vidiacritic import resources
from vidiacritic.channel import write_json
from vidiacritic.confidence import BANDS, band_of
from vidiacritic.marks import LINE_CLASSES

HERE = os.path.dirname(os.path.abspath(__file__))


def count_file(path: str, vocab, counts: List[List[List[int]]]) -> dict:
    """Add one pairs file's words to counts[line class][band] = [words, wrong]; returns
    the file's own counts (lines, aligned lines with confidences, words, wrong)."""
    lines = aligned = words = wrong = 0
    for cols, line in syllable_lines(path, vocab):
        if len(cols) < 5:
            continue
        lines += 1
        confs = cols[4].split()
        if line is None or len(confs) != len(cols[0].split()):
            continue
        aligned += 1
        k = line_class(line, vocab)
        for i, o, c in line:
            cell = counts[k][band_of(float(confs[i]) / 100.0)]
            cell[0] += 1
            cell[1] += o != c
            words += 1
            wrong += o != c
    return {"file": os.path.basename(path), "lines": lines, "aligned_lines": aligned,
            "word_pairs": words, "wrong": wrong}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", nargs="+", help="make_ocr_pairs.py --confidences output")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "models", "confidence.json"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    vocab = resources.load_ngram().vocab
    counts = [[[0, 0] for _ in BANDS] for _ in range(LINE_CLASSES)]
    sources = [count_file(p, vocab, counts) for p in args.pairs]
    words = sum(s["word_pairs"] for s in sources)
    if not words:
        print("build_confidence_table: error: no aligned words with confidences "
              "(make the pairs with make_ocr_pairs.py --confidences)", file=sys.stderr)
        return 2
    rate = max(sum(s["wrong"] for s in sources) / words, 1e-3)
    ratio = [[round((wrong + 1) / (n + 1 / rate) / rate, 4) for n, wrong in row] for row in counts]
    out = {"bands": list(BANDS), "error_ratio": ratio, "counts": counts,
           "meta": {"sources": sources, "word_pairs": words, "error_rate": round(rate, 5),
                    "command": "python -m scripts.build_confidence_table "
                               + " ".join(os.path.basename(p) for p in args.pairs)}}
    write_json(args.out, out)
    print(f"build_confidence_table: {words} words, error rate {rate:.4f}, "
          f"{time.perf_counter() - t0:.1f} s → {args.out}")
    for k, row in enumerate(ratio):
        print(f"  line class {k}: " + "  ".join(f"≥{b:.2f}: {r:.2f} ({w} of {n} wrong)" for b, r, (n, w)
                                                in zip(BANDS, row, counts[k])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
