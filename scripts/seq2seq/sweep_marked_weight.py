#!/usr/bin/env python3
"""Syllable accuracy of the model engine for several scorer folders and values of the
restorer's ``model_marked_weight`` (the scorer's weight factor in documents read as
marked), with the statistical engine beside them.

Each pairs file (noisy<TAB>clean...) is restored as one document, as
``scripts/benchmark.py`` does, so the document-level reading (eng OCR, vie OCR, typed)
is the same as there.  Choose the weight on TRAINING-split pairs that no model trained
on, then confirm on the held-out sets with the benchmark.

    python scripts/seq2seq/sweep_marked_weight.py --model-dir models/seq2seq \\
        --model-dir runs/ft_out --weights 0,0.5,1 --set val-vie=PAIRS.tsv
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from vidiacritic import Restorer  # noqa: E402
from vidiacritic.evaluate import score  # noqa: E402


def read_set(path: str):
    rows = [ln.rstrip("\n").split("\t") for ln in open(path, encoding="utf-8")]
    rows = [r for r in rows if len(r) >= 2]
    return "\n".join(r[0] for r in rows), [r[1] for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", action="append", default=[], help="repeatable")
    ap.add_argument("--weights", default="0.5,1.0")
    ap.add_argument("--set", action="append", default=[], help="NAME=PAIRS.tsv, repeatable")
    a = ap.parse_args()
    sets = [(s.partition("=")[0], *read_set(s.partition("=")[2])) for s in a.set]
    print("system marked_weight " + " ".join(n for n, _, _ in sets) + " seconds")
    stat = Restorer(engine="statistical")
    accs = [score(stat.restore(t).split("\n"), g)["syl_acc"] for _, t, g in sets]
    print("statistical - " + " ".join(f"{x:.4f}" for x in accs), flush=True)
    for d in a.model_dir:
        r = Restorer(engine="model", model_dir=d)
        for w in map(float, a.weights.split(",")):
            r.model_marked_weight = w
            t0 = time.perf_counter()
            accs = [score(r.restore(t).split("\n"), g)["syl_acc"] for _, t, g in sets]
            print(f"{d} {w} " + " ".join(f"{x:.4f}" for x in accs)
                  + f" {time.perf_counter() - t0:.1f}", flush=True)


if __name__ == "__main__":
    main()
