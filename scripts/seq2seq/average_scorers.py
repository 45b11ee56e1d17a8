#!/usr/bin/env python3
"""Average the weights of two candidate scorers of the same architecture (a fine-tuned
model and the one it started from): ``alpha`` × A + (1 − alpha) × B, written as the
runtime files (``scorer.npz``, ``scorer.int8.onnx``, ``scorer.json``) to ``--out``.

Both are read from their ``scorer.npz`` (dequantized float32, onnx_export.model_from_npz).
Fine-tuning from one starting point keeps the two in one basin, so the average keeps much
of each one's skills; it is the cheap alternative to a longer mixed fine-tune.

    python -m scripts.seq2seq.average_scorers runs/ft_out runs/old_scorer --alpha 0.5 --out runs/avg
"""
from __future__ import annotations

import argparse
import os


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--alpha", type=float, default=0.5, help="weight of A")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    import torch
    from scripts.seq2seq import train_scorer as TS
    from scripts.seq2seq.onnx_export import model_from_npz

    ma, sa = model_from_npz(a.a)
    mb, sb = model_from_npz(a.b)
    if sa.cfg != sb.cfg:
        raise SystemExit("average_scorers: error: the two scorers differ in architecture")
    sd_b = mb.state_dict()
    seen = set()  # tied embeddings appear under several names: average them once
    with torch.no_grad():
        for k, v in ma.state_dict().items():
            if v.is_floating_point() and v.data_ptr() not in seen:
                seen.add(v.data_ptr())
                v.mul_(a.alpha).add_(sd_b[k], alpha=1 - a.alpha)
    preset = next(k for k, v in TS.PRESETS.items()
                  if v == (sa.cfg["d_model"], sa.cfg["encoder_layers"], sa.cfg["decoder_layers"],
                           sa.cfg["heads"], sa.cfg["ffn"]))
    TS.export(ma, a.out, preset, os.path.join(a.a, "spm.model"), os.path.join(a.a, "syllables.txt"),
              int(sa.cfg["syllable_offset"]))
    print(f"wrote {a.out}: {a.alpha} x {a.a} + {1 - a.alpha:g} x {a.b}")


if __name__ == "__main__":
    main()
