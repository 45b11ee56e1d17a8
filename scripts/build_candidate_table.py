#!/usr/bin/env python3
"""Precompute candidates for frequent observed tokens → models/candidates.tsv.gz.

Candidate generation (vidiacritic/candidates.py) costs about a millisecond per new
token; a table of the tokens users send most often makes first lookups free:
every vocabulary syllable as written, its diacritic-free form, and every OCR form
seen at least --min-count times in Tesseract training pairs.  The table carries a
fingerprint of the channel and vocabulary, and a digest of the files they are read from
(which the restorer checks instead of computing the fingerprint): if either changes, the
restorer ignores the stale table (and a test fails), so rebuild it after rebuilding
either model.

usage: python -m scripts.build_candidate_table [PAIRS.tsv ...] [--min-count 2]
"""
import argparse
import os
import time
import warnings
from collections import Counter


from vidiacritic import Restorer
from vidiacritic.resources import candidate_inputs, model_path
from vidiacritic.text import strip_diacritics
from vidiacritic.tokens import WORD, tokenize


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs", nargs="*", help="Tesseract (ocr, clean) TSV files from scripts/make_ocr_pairs.py")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--out", default=str(model_path() / "candidates.tsv.gz"))
    args = ap.parse_args()
    t0 = time.time()
    with warnings.catch_warnings():  # the table being replaced is expected to be stale
        warnings.simplefilter("ignore")
        gen = Restorer(engine="statistical").generator
    obs = set()
    for form in gen.log_prior:
        obs.add(form)
        obs.add(strip_diacritics(form))
    ocr = Counter()
    for p in args.pairs:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                for t in tokenize(line.split("\t", 1)[0]):
                    if t.kind == WORD:
                        ocr[t.text.lower()] += 1
    obs |= {o for o, k in ocr.items() if k >= args.min_count}
    n = gen.save_table(args.out, obs, inputs_digest=gen.inputs_digest(candidate_inputs()))
    print(f"{n} observations -> {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
