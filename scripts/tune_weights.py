#!/usr/bin/env python3
"""Choose the decoder's weights on generated held-out data (never on the dev set).

Input: Tesseract pairs of held-out corpus lines (scripts/make_ocr_pairs.py --split heldout).
For each (channel_weight, phrase_bonus) it restores the OCR side and the diacritic-
stripped clean side and prints syllable accuracy on both; pick the best mean and set
channel_weight / phrase_bonus in vidiacritic/config.py.  With --model-weight it runs
the model engine instead and sweeps model_weight (the seq2seq scorer's weight in the
second pass; the shipped values are models/seq2seq/weights.json) at the shipped channel weight
and phrase bonus.

With --settings it restores each pairs file's OCR side as ONE document, as the
benchmark's --set columns do (a document's reading kind decides which of the scorer's
factors counts), under each whole ModelWeights setting given, and prints one accuracy
per file: the sweep behind models/seq2seq/CARD.md, "GPU fine-tune (session 26)".

usage: python -m scripts.tune_weights HELDOUT_PAIRS.tsv [--channel 0.5,1,1.5] [--bonus 0,1,2,3]
       python -m scripts.tune_weights HELDOUT_PAIRS.tsv --model-weight 0,0.5,1,1.5 [--model-dir D]
       python -m scripts.tune_weights A.tsv B.tsv ... --settings "0.4,0.9375,0.3125,0.3,0.8;0.8,..."
           (each setting: weight, marked_weight, typed_weight, typed_marked_weight, gate)
"""
import argparse
import itertools
import os
from dataclasses import replace


from scripts.benchmark import read_pairs
from vidiacritic import Restorer
from vidiacritic.config import ModelWeights
from vidiacritic.evaluate import score
from vidiacritic.text import strip_diacritics


def parse_settings(spec: str) -> list:
    """ModelWeights from 'weight,marked,typed,typed_marked,gate;...'."""
    out = []
    for item in filter(None, (x.strip() for x in spec.split(";"))):
        vals = [float(v) for v in item.split(",")]
        if len(vals) != 5:
            raise SystemExit(f"tune_weights: error: a setting has 5 numbers, not {item!r}")
        w, marked, typed, typed_marked, gate = vals
        out.append(ModelWeights(w, gate, marked, typed, typed_marked))
    return out


def sweep_documents(paths, spec: str, model_dir=None) -> None:
    """Each pairs file's OCR column restored as one document under each setting."""
    settings = parse_settings(spec)
    docs = [(path, *read_pairs(path)) for path in paths]  # (as the benchmark reads a --set column)
    base = Restorer(engine="model", model_dir=model_dir)
    print("weight marked typed typed_marked gate " + " ".join(os.path.basename(p) for p, _, _ in docs))
    for mw in settings:
        r = base.with_config(replace(base.config, model=mw))
        accs = [score(r.restore(text).split("\n"), gold.split("\n"))["syl_acc"] for _, text, gold in docs]
        print(f"{mw.weight} {mw.marked_weight} {mw.typed_weight} {mw.typed_marked_weight} {mw.gate} "
              + " ".join(f"{a:.5f}" for a in accs), flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs", nargs="+", help="pair files (one, except with --settings)")
    ap.add_argument("--channel", default="0.5,0.75,1,1.5")
    ap.add_argument("--bonus", default="0,1,2,3")
    ap.add_argument("--max-lines", type=int, default=800)
    ap.add_argument("--model-weight", default="", help="sweep the seq2seq scorer's weight")
    ap.add_argument("--model-gate", default="1.0", help="with --model-weight: gates to sweep")
    ap.add_argument("--model-marked", default="1.0", help="with --model-weight: factors on the weight "
                    "in documents read as marked")
    ap.add_argument("--model-dir", default=None, help="scorer folder (default: models/seq2seq)")
    ap.add_argument("--settings", default="", help="whole ModelWeights settings, ';'-separated "
                    "'weight,marked,typed,typed_marked,gate': each pairs file restored as one document")
    args = ap.parse_args(argv)
    if args.settings:
        return sweep_documents(args.pairs, args.settings, args.model_dir)
    if len(args.pairs) != 1:
        raise SystemExit("tune_weights: error: one pairs file, except with --settings")
    rows = [ln.rstrip("\n").split("\t") for ln in open(args.pairs[0], encoding="utf-8")]
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
