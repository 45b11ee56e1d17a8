#!/usr/bin/env python3
"""Measure a learned OCR forms table (models/ocr_forms.tsv) on Tesseract pairs it was not
built from: the pairs' OCR column restored as one document by the statistical engine,
without the table and with it at each share, scored with the reference metric
(vidiacritic.evaluate) and the benchmark's fixed/broken counts.

    python -m scripts.measure_ocr_forms VALIDATION.tsv --forms TABLE.tsv --shares 0.3,0.5,0.7

Choose with training-split pairs only (scripts/make_ocr_pairs.py --split train), never
with the held-out sets or the dev set.
"""
from __future__ import annotations

import argparse
import warnings

from scripts.benchmark import fixed_and_broken, read_pairs
from vidiacritic import Restorer, candidates
from vidiacritic.evaluate import score


def measure(restorer: Restorer, forms, share: float, text: str, gold: str) -> dict:
    """Accuracy of `restorer` on `text` with the table `forms` at `share` (None: no table)."""
    gen = restorer.generator
    saved = gen.ocr_forms, candidates.OCR_FORMS_SHARE
    try:
        gen.ocr_forms = {} if forms is None else {
            obs: tuple((f, lp) for f, lp in rows if f in gen.log_prior) for obs, rows in forms.items()}
        candidates.OCR_FORMS_SHARE = share
        gen._ocr_cache.clear()
        restorer.lattices.forget_entries()
        restorer.lattices._widen_cache.clear()  # (widened words' forms read the table too)
        out = restorer.restore(text)
    finally:
        gen.ocr_forms, candidates.OCR_FORMS_SHARE = saved
        gen._ocr_cache.clear()
        restorer.lattices.forget_entries()
        restorer.lattices._widen_cache.clear()  # (widened words' forms read the table too)
    result = score(out.split("\n"), gold.split("\n"))
    result.update(fixed_and_broken(text.split("\n"), out.split("\n"), gold.split("\n")))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", help="Tesseract (ocr, clean) TSV the table was not built from")
    ap.add_argument("--forms", default="models/ocr_forms.tsv")
    ap.add_argument("--shares", default="0.5", help="comma-separated OCR_FORMS_SHARE values")
    a = ap.parse_args()
    text, gold = read_pairs(a.pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restorer = Restorer(engine="statistical")
    forms = candidates.load_ocr_forms(a.forms)
    rows = [("none", measure(restorer, None, 0.5, text, gold))]
    rows += [(f"share {s}", measure(restorer, forms, float(s), text, gold)) for s in a.shares.split(",")]
    for name, r in rows:
        print(f"{name}: syl_acc {r['syl_acc']:.4f}  fixed {r['fixed']}/{r['wrong']}  broken {r['broken']}")


if __name__ == "__main__":
    main()
