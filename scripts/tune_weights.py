#!/usr/bin/env python3
"""Choose the decoder's weights on generated held-out data (never on the dev set).

Input: Tesseract pairs of held-out corpus lines (scripts/make_ocr_pairs.py --split heldout).
For each (channel_weight, phrase_bonus) it restores the OCR side and the diacritic-
stripped clean side and prints syllable accuracy on both; pick the best mean and set
channel_weight / phrase_bonus in vidiacritic/config.py.  With --model-weight it runs
the model engine instead and sweeps model_weight (the seq2seq scorer's weight in the
second pass; the shipped values are models/seq2seq/weights.json) at the shipped channel weight
and phrase bonus.

usage: python -m scripts.tune_weights HELDOUT_PAIRS.tsv [--channel 0.5,1,1.5] [--bonus 0,1,2,3]
       python -m scripts.tune_weights HELDOUT_PAIRS.tsv --model-weight 0,0.5,1,1.5 [--model-dir D]
"""
import argparse
import itertools
from dataclasses import replace


from vidiacritic import Restorer
from vidiacritic.config import ModelWeights
from vidiacritic.evaluate import score
from vidiacritic.text import strip_diacritics


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("--channel", default="0.5,0.75,1,1.5")
    ap.add_argument("--bonus", default="0,1,2,3")
    ap.add_argument("--max-lines", type=int, default=800)
    ap.add_argument("--model-weight", default="", help="sweep the seq2seq scorer's weight")
    ap.add_argument("--model-gate", default="1.0", help="with --model-weight: gates to sweep")
    ap.add_argument("--model-marked", default="1.0", help="with --model-weight: factors on the weight "
                    "in documents read as marked")
    ap.add_argument("--model-dir", default=None, help="scorer folder (default: models/seq2seq)")
    args = ap.parse_args()
    rows = [ln.rstrip("\n").split("\t") for ln in open(args.pairs, encoding="utf-8")]
    rows = [r for r in rows if len(r) >= 2][: args.max_lines]
    ocr = [r[0] for r in rows]
    gold = [r[1] for r in rows]
    stripped = [strip_diacritics(g) for g in gold]
    if args.model_weight:
        import time
        base = Restorer(engine="model", model_dir=args.model_dir)
        print("model_weight gate marked ocr stripped mean seconds")
        grid = itertools.product(map(float, args.model_weight.split(",")),
                                 map(float, args.model_gate.split(",")),
                                 map(float, args.model_marked.split(",")))
        for mw, gate, marked in grid:
            r = base.with_config(replace(base.config, model=ModelWeights(mw, gate, marked)))
            t = time.perf_counter()
            a = score([r.restore(x) for x in ocr], gold)["syl_acc"]
            b = score([r.restore(x) for x in stripped], gold)["syl_acc"]
            dt = time.perf_counter() - t
            print(f"{mw:<12} {gate:<6} {marked:<6} {a:.4f} {b:.4f} {(a + b) / 2:.4f} {dt:.1f}", flush=True)
        return
    base = Restorer(engine="statistical")
    print("channel_weight phrase_bonus ocr stripped mean")
    for cw, pb in itertools.product(map(float, args.channel.split(",")), map(float, args.bonus.split(","))):
        r = base.with_config(replace(base.config, channel_weight=cw, phrase_bonus=pb))
        a = score([r.restore(x) for x in ocr], gold)["syl_acc"]
        b = score([r.restore(x) for x in stripped], gold)["syl_acc"]
        print(f"{cw:<14} {pb:<12} {a:.4f} {b:.4f} {(a + b) / 2:.4f}", flush=True)


if __name__ == "__main__":
    main()
