#!/usr/bin/env python3
"""Calibrate explain()'s confidences on held-out Tesseract pairs (never the dev set).

For each temperature, words of lines whose OCR and clean sides have the same number of
words are binned by confidence; prints the expected calibration error (ECE: mean |accuracy
- confidence| over bins, weighted by bin size) and the accuracy of low-confidence words.

usage: python -m scripts.calibrate_confidence HELDOUT_PAIRS.tsv [--temperatures 1,2,3,5,8]
"""
import argparse
from dataclasses import replace

import numpy as np


from vidiacritic import Restorer
from vidiacritic.evaluate import syllable_key
from vidiacritic.tokens import WORD, tokenize


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("--temperatures", default="1,2,3,5,8")
    ap.add_argument("--max-lines", type=int, default=1500)
    args = ap.parse_args()
    rows = [ln.rstrip("\n").split("\t") for ln in open(args.pairs, encoding="utf-8")][: args.max_lines]
    base = Restorer(engine="statistical")
    print("temperature ECE mean_conf accuracy acc(conf<0.8) n(conf<0.8)")
    for temp in map(float, args.temperatures.split(",")):
        r = base.with_config(replace(base.config, confidence_temperature=temp))
        conf, ok = [], []
        for row in rows:
            if len(row) < 2:
                continue
            gold = [t.text for t in tokenize(row[1]) if t.kind == WORD]
            words = r.explain(row[0]).words
            if len(words) != len(gold):
                continue
            for w, g in zip(words, gold):
                conf.append(w.confidence)
                ok.append(syllable_key(w.chosen) == syllable_key(g))
        c, k = np.array(conf), np.array(ok, dtype=float)
        bins = np.minimum((c * 10).astype(int), 9)
        ece = sum(abs(k[bins == b].mean() - c[bins == b].mean()) * (bins == b).mean()
                  for b in range(10) if (bins == b).any())
        low = c < 0.8
        print(f"{temp:<11} {ece:.4f} {c.mean():.4f} {k.mean():.4f} "
              f"{k[low].mean() if low.any() else float('nan'):.4f} {int(low.sum())}", flush=True)


if __name__ == "__main__":
    main()
