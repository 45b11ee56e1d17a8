#!/usr/bin/env python3
"""Time the candidate scorer's runtimes on the same segments: onnxruntime int8 and numpy
(both shipped) against PyTorch (transformers BART, fp32) at 1 and 2 threads, and check
how far their scores are from numpy's.

The segments are the ones the model engine sends when it restores INPUT (default: the
dev OCR), captured from a real run.

    python -m scripts.seq2seq.bench_scorer [INPUT] [--model models/seq2seq] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", default=os.path.join(HERE, "..", "..", "..", "shared", "dev", "seed_ocr.txt"))
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "models", "seq2seq"))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    from vidiacritic import Restorer
    from vidiacritic.model.scorer import CandidateScorer
    os.environ["VIDIACRITIC_RUNTIME"] = "numpy"
    r = Restorer(engine="model", model_dir=a.model)
    captured = []
    real = r.scorer.score
    r.scorer.score = lambda segs, **kw: captured.extend(segs) or real(segs, **kw)
    text = open(a.input, encoding="utf-8").read()
    r.restore(text)
    segs = list(captured)
    words = sum(len(s[1]) for s in segs)
    sc = real.__self__

    def best(fn):
        times = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return min(times), out

    def compare(theirs):
        pairs = [(x, y) for s1, s2 in zip(ours, theirs) for x, y in zip(s1, s2) if len(x) > 1]
        return {"max_abs_diff": max(float(np.abs(x - y).max()) for x, y in pairs),
                "same_best": float(np.mean([np.argmax(x) == np.argmax(y) for x, y in pairs]))}

    rows = []
    t, ours = best(lambda: sc.score(segs))
    rows.append({"runtime": "numpy (fallback)", "threads": "BLAS default", "words_s": words / t})
    t0 = time.perf_counter()
    ort_sc = CandidateScorer(a.model, runtime="onnxruntime")
    load = time.perf_counter() - t0
    t, theirs = best(lambda: ort_sc.score(segs))
    rows.append({"runtime": f"onnxruntime int8 (default; load {load:.2f} s)", "threads": "all cores",
                 "words_s": words / t, **compare(theirs)})

    import torch
    from scripts.seq2seq.onnx_export import model_from_npz
    model, _ = model_from_npz(a.model)
    off = sc.offset

    def torch_score():
        out = []
        order = sorted(range(len(segs)), key=lambda i: len(segs[i][0]))
        for k in range(0, len(order), 32):
            idx = order[k:k + 32]
            src = [sc.sp.encode(segs[i][0])[:250] or [3] for i in idx]
            S = max(map(len, src))
            T = max(len(segs[i][1]) for i in idx)
            inp = torch.zeros((len(idx), S), dtype=torch.long)
            dec = torch.zeros((len(idx), T), dtype=torch.long)
            for b, i in enumerate(idx):
                inp[b, :len(src[b])] = torch.tensor(src[b])
                p = segs[i][1]
                dec[b, 0] = 2
                if len(p) > 1:
                    dec[b, 1:len(p)] = torch.tensor(p[:-1]) + off
            with torch.no_grad():
                h = model.model(input_ids=inp, attention_mask=(inp != 0).long(),
                                decoder_input_ids=dec).last_hidden_state.numpy()
            for b, i in enumerate(idx):
                out.append((i, sc.candidate_log_probs(h[b], segs[i][2])))
        return [x for _, x in sorted(out, key=lambda p: p[0])]

    for th in (1, 2):
        torch.set_num_threads(th)
        t, theirs = best(torch_score)
        rows.append({"runtime": "torch 2.13 fp32", "threads": th, "words_s": words / t, **compare(theirs)})
    print(f"{len(segs)} segments, {words} words")
    print("| runtime | threads | words/s | max abs diff of log p vs numpy | same best candidate |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['runtime']} | {row['threads']} | {row['words_s']:.0f} | "
              f"{row.get('max_abs_diff', 0):.4f} | {row.get('same_best', 1):.4f} |")


if __name__ == "__main__":
    main()
