#!/usr/bin/env python3
"""Choose Config.capital_i_logp on TRAINING-split Tesseract pairs (never on held-out or dev).

    python -m scripts.tune_capital_i PAIRS.tsv [PAIRS.tsv ...] [--costs off,0,-1,-2,-3,-4]

Only lines holding a word that tokens.capital_i_reading reads ("Igi", "Iya") can change,
so each such line is restored with two lines of context on either side, as an OCR
document, once per cost ("off": no l reading), and scored against its clean side
(vidiacritic.evaluate.score).  Prints one line per cost; pick the best and set
capital_i_logp in vidiacritic/config.py (models/CHANNEL.md, "Capital I read for l").
"""
import argparse
from dataclasses import replace
from typing import List, Tuple

from vidiacritic import Restorer
from vidiacritic.evaluate import score
from vidiacritic.tokens import WORD, capital_i_reading, tokenize

CONTEXT = 2  # lines of context on each side of a line with such a word


def windows(paths: List[str]) -> List[Tuple[List[str], int, str]]:
    """(OCR lines around the line, its index among them, its clean side) for every line
    of `paths` (TSV: ocr, clean, ...) that holds a word capital_i_reading reads."""
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            rows = [r for r in (ln.rstrip("\n").split("\t") for ln in fh) if len(r) >= 2]
        for k, row in enumerate(rows):
            if any(t.kind == WORD and capital_i_reading(t.text) for t in tokenize(row[0])):
                lo, hi = max(0, k - CONTEXT), min(len(rows), k + CONTEXT + 1)
                out.append(([r[0] for r in rows[lo:hi]], k - lo, row[1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", nargs="+", help="training-split pairs (scripts/make_ocr_pairs.py --split train)")
    ap.add_argument("--costs", default="off,0,-0.5,-1,-1.5,-2,-3,-4,-5,-6")
    ap.add_argument("--engine", default="auto")
    args = ap.parse_args()
    found = windows(args.pairs)
    print(f"{len(found)} lines hold a word opening with I and lowercase letters")
    base = Restorer(engine=args.engine)
    gold = [clean for _, _, clean in found]
    for cost in args.costs.split(","):
        value = None if cost == "off" else float(cost)
        restorer = base.with_config(replace(base.config, capital_i_logp=value))
        hyp = [restorer.restore("\n".join(ctx), ocr_document=True).split("\n")[mid] for ctx, mid, _ in found]
        s = score(hyp, gold)
        print(f"capital_i_logp={cost}\tsyl_acc={s['syl_acc']:.5f}\tsyl_acc_cs={s['syl_acc_cs']:.5f}", flush=True)


if __name__ == "__main__":
    main()
