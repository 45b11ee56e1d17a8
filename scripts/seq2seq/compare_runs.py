#!/usr/bin/env python3
"""Compare scorer training runs (train_log.jsonl of train_scorer.py): a markdown table
and a PNG of teacher-forced held-out accuracy against training time.

Used for the model card's tokenizer and model-size choices: runs of equal wall-clock
budget on the same machine, started together so that they share it evenly.

    python -m scripts.seq2seq.compare_runs spm-small=runs/cmp_spm/train_log.jsonl \\
        char-small=runs/cmp_char/train_log.jsonl --png models/seq2seq/choices.png
"""
from __future__ import annotations

import argparse
import json


def read(path):
    rows = [json.loads(x) for x in open(path, encoding="utf-8") if x.strip()]
    start = next((r for r in rows if r.get("event") == "start"), {})
    evals = [r for r in rows if "heldout_tf" in r]
    steps = [r for r in rows if "loss" in r]
    return start, evals, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="NAME=path/to/train_log.jsonl")
    ap.add_argument("--png", default="")
    a = ap.parse_args()
    table = []
    curves = {}
    for spec in a.runs:
        name, _, path = spec.partition("=")
        start, evals, steps = read(path)
        if not evals:
            raise SystemExit(f"error: {path} has no held-out evaluation yet")
        last = evals[-1]
        rates = sorted(r.get("syl_s", 0) for r in steps)
        syl = rates[len(rates) // 2] if rates else 0  # median of the logged intervals
        table.append((name, start.get("params", 0), start.get("spm", 0), last["step"],
                      syl, last["heldout_tf"], last.get("dev_tf", float("nan"))))
        curves[name] = ([r["t"] / 60 for r in evals], [r["heldout_tf"] for r in evals])
    print("| run | parameters | source vocabulary | steps | target syllables/s | held-out TF acc. | dev TF acc. |")
    print("|---|---|---|---|---|---|---|")
    for name, params, vocab, step, syl, ho, dv in table:
        print(f"| {name} | {params / 1e6:.1f}M | {vocab} | {step:,} | {syl:,.0f} | {ho:.3f} | {dv:.3f} |")
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, (x, y) in curves.items():
            ax.plot(x, y, "o-", label=name)
        ax.set_xlabel("wall-clock minutes (1 CPU thread each)")
        ax.set_ylabel("held-out teacher-forced syllable accuracy")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(a.png, dpi=110)


if __name__ == "__main__":
    main()
