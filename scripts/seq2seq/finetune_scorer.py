#!/usr/bin/env python3
"""Fine-tune the shipped candidate scorer on the pairs of ``pairs_dataset.py`` (Tesseract
``vie`` output, poor scans, partly marked text, and the old kinds).

No torch checkpoint of the shipped model survives, so the float BART is rebuilt from
``models/seq2seq/scorer.npz`` (int8 rows × their scale, float16 → float32;
``onnx_export.model_from_npz``), and ``--check`` first verifies that it reproduces the
shipped scorer's log-probabilities on a few lines.  Training then uses
``train_scorer.py``'s loss and export and ``loop.py``'s schedule and resumable
checkpoints (``--ckpt-dir``; a second run with the same arguments resumes there).

Batches are drawn from the Arrow dataset (memory-mapped): with probability
``--real-share`` a row of a real Tesseract kind, else the next synthetic row of a
shuffled pass; rows are tokenized, pooled and bucketed by length like train.py.

    nice -n 10 python -m scripts.seq2seq.finetune_scorer --data runs/pairs_ds \\
        --ckpt-dir runs/ft_ckpt --out runs/ft_out --max-minutes 50 --threads 1
"""
from __future__ import annotations

import argparse
import json
import os
import random
import time

_T0 = time.time()
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from scripts.seq2seq import train_scorer as TS  # noqa: E402
from scripts.seq2seq.loop import JsonLog, TrainLoop  # noqa: E402
from scripts.seq2seq.onnx_export import model_from_npz  # noqa: E402
from scripts.seq2seq.data import collate, token_batches  # noqa: E402
from vidiacritic.text import normalize_syllable  # noqa: E402

SHIPPED = os.path.join(ROOT, "models", "seq2seq")
CHECK_LINES = [
    "Dieu 5. Quyen va nghia vu cua co quan, to chuc",
    "Uy ban nhân dân tinh có trách nhiệm hướng dẩn thực hiên",
    "các tình tiết tang nặng, giảm nhẹ của người có hành vỉ vị phạm",
]


def check_rebuild(model, sc, offset: int) -> float:
    """Largest |Δ log p| (over all syllables) between the rebuilt torch model and the
    shipped numpy scorer, teacher-forced on the first-reading ids of CHECK_LINES
    (written here, not corpus text).  Both use the same dequantized float32 weights;
    the numpy runtime uses the tanh form of GELU, so the check swaps it in for the
    comparison (the model trains with BART's exact GELU, as the shipped run did) and
    the difference must be float rounding only."""
    from transformers.activations import ACT2FN
    layers = [m for m in model.modules() if hasattr(m, "activation_fn")]
    exact = [m.activation_fn for m in layers]
    for m in layers:
        m.activation_fn = ACT2FN["gelu_pytorch_tanh"]
    try:
        return _max_dlogp(model, sc, offset)
    finally:
        for m, f in zip(layers, exact):
            m.activation_fn = f


def _max_dlogp(model, sc, offset: int) -> float:
    worst = 0.0
    for line in CHECK_LINES:
        words = TS.words_of(line)
        ids = [sc.syllable_id(normalize_syllable(w.lower())) for w in words]
        ref = sc.log_probs([line], [ids])[0]
        src = torch.tensor([sc.sp.encode(line)])
        dec = torch.tensor([[TS.BOS] + [offset + i for i in ids[:-1]]])
        with torch.no_grad():
            lg = TS.syllable_logits(model, src, torch.ones_like(src), dec, offset)
        lp = torch.log_softmax(lg.float(), -1)[0].numpy()
        worst = max(worst, float(np.abs(lp - ref).max()))
    return worst


def load_start(folder, dropout=0.1, tol=1e-3):
    """The float BART of the scorer in `folder` (``scorer.npz``), checked against its
    runtime (``check_rebuild``; SystemExit beyond `tol` nats), with training dropout.
    Returns (model, runtime scorer, syllable offset, preset name, worst |Δ log p|).
    Shared by main() and device_kit.py."""
    model, sc = model_from_npz(folder)
    offset = int(sc.cfg["syllable_offset"])
    worst = check_rebuild(model, sc, offset)
    if worst > tol:
        raise SystemExit(f"finetune_scorer: error: rebuilt model differs by {worst:.4g} nats")
    # Dropout 0.1 as in the shipped run (model_from_npz builds the model without it);
    # BART's layers read it from a float attribute, the attention modules keep 0.
    for m in model.modules():
        if type(m).__name__ in ("BartEncoderLayer", "BartDecoderLayer", "BartEncoder", "BartDecoder"):
            m.dropout = dropout
    model.config.dropout = dropout
    preset = next(k for k, v in TS.PRESETS.items()
                  if v == (sc.cfg["d_model"], sc.cfg["encoder_layers"], sc.cfg["decoder_layers"],
                           sc.cfg["heads"], sc.cfg["ffn"]))
    return model, sc, offset, preset, worst


class ArrowPairs(torch.utils.data.IterableDataset):
    """Endless batches from the dataset: (input ids, attention mask, labels).  `ds` is
    anything with ``ds["kind"]`` (a column) and ``ds[i]`` (a row dict with "noisy" and
    "clean"): the ``datasets`` dataset here, device_kit's Parquet rows on the device.
    Each DataLoader worker draws with its own seed."""

    def __init__(self, ds, sp_path, syllables, max_len, max_tokens, real_share, seed,
                 pool_batches=32):
        super().__init__()
        kinds = ds["kind"]
        self.ds = ds
        self.real = [i for i, k in enumerate(kinds) if k.startswith("real-")]
        self.synth = [i for i, k in enumerate(kinds) if not k.startswith("real-")]
        self.sp_path, self.syllables = sp_path, syllables
        self.max_len, self.max_tokens = max_len, max_tokens
        self.real_share, self.seed, self.pool_batches = real_share, seed, pool_batches

    def _rows(self, rng):
        """Row indices: real rows at `real_share`, synthetic ones in shuffled passes."""
        order, k = list(self.synth), len(self.synth)
        while True:
            if self.real and (not self.synth or rng.random() < self.real_share):
                yield self.real[rng.randrange(len(self.real))]
                continue
            if k >= len(order):
                rng.shuffle(order)
                k = 0
            yield order[k]
            k += 1

    def row(self, i, rng):
        """Row `i` as a dict (a subclass may redraw its noisy side)."""
        return self.ds[i]

    def _encode(self, sp, offset, row):
        noisy, clean = row["noisy"], row["clean"]
        cw = TS.words_of(clean)
        if not cw or len(TS.words_of(noisy)) != len(cw) or len(cw) >= self.max_len:
            return None
        s = sp.encode(noisy)[: self.max_len]
        t = [offset + self.syllables.get(normalize_syllable(w), 0) for w in cw]
        return s, t + [TS.EOS]

    def __iter__(self):
        import sentencepiece as spm
        info = torch.utils.data.get_worker_info()
        rng = random.Random(self.seed + (7919 * (info.id + 1) if info is not None else 0))
        sp = spm.SentencePieceProcessor(model_file=self.sp_path)
        offset = sp.get_piece_size()
        rows = self._rows(rng)
        while True:
            pool, used = [], 0
            while used < self.max_tokens * self.pool_batches:
                st = self._encode(sp, offset, self.row(next(rows), rng))
                if st is not None:
                    pool.append(st)
                    used += max(len(st[0]), len(st[1]))
            for b in token_batches(pool, self.max_tokens, rng):
                yield collate(b)


def monitor_sets(specs, limit):
    """label=path pairs files read for the log only (teacher-forced accuracy)."""
    out = {}
    for spec in specs:
        label, _, path = spec.partition("=")
        out[label] = TS.read_pairs(path, limit)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="runs/pairs_ds")
    ap.add_argument("--model", default=SHIPPED, help="folder of the scorer to start from")
    ap.add_argument("--out", default="runs/ft_out")
    ap.add_argument("--ckpt-dir", default="runs/ft_ckpt")
    ap.add_argument("--max-minutes", type=float, default=50.0, help="this invocation")
    ap.add_argument("--train-minutes", type=float, default=0.0,
                    help="planned length of the whole schedule (default: --max-minutes - 1)")
    ap.add_argument("--extend-minutes", type=float, default=0.0,
                    help="on resume, lengthen the planned schedule by this much")
    ap.add_argument("--replan-minutes", type=float, default=0.0,
                    help="on resume, set the whole schedule's planned length to this (a run that "
                         "must stop sooner than planned still ends on a decayed learning rate)")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--max-tokens", type=int, default=3000)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--real-share", type=float, default=0.22)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-minutes", type=float, default=15.0)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--monitor", action="append", default=[],
                    help="LABEL=PATH pairs for the log's teacher-forced accuracy only")
    ap.add_argument("--monitor-lines", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--check", action="store_true", help="only check the rebuild and stop")
    ap.add_argument("--export-only", action="store_true",
                    help="write the runtime files of the checkpoint in --ckpt-dir to --out")
    a = ap.parse_args(argv)

    import datasets
    import sentencepiece as spm

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    log = JsonLog(os.path.join(a.out, "train_log.jsonl"), _T0)
    model, sc, offset, preset, worst = load_start(a.model)
    log({"event": "rebuild_check", "max_abs_dlogp": round(worst, 6)})
    if a.check:
        return

    tok = os.path.join(a.model, "spm.model")
    syl_path = os.path.join(a.model, "syllables.txt")
    syllables = {w: i + 1 for i, w in enumerate(TS.load_syllables(syl_path))}
    ds = datasets.load_from_disk(a.data)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98),
                            weight_decay=0.01, eps=1e-8)
    loop = TrainLoop(model, opt, a.ckpt_dir, log, lr=a.lr, warmup=a.warmup, finetune_frac=1.0,
                     plan_s=a.train_minutes * 60 if a.train_minutes else a.max_minutes * 60 - 60,
                     deadline=_T0 + a.max_minutes * 60 - 30, preset=preset,
                     extend_s=a.extend_minutes * 60, replan_s=a.replan_minutes * 60)
    if a.export_only:
        TS.export(model, a.out, preset, tok, syl_path, offset)
        log({"event": "export", "step": loop.step, "out": a.out})
        return
    monitors = monitor_sets(a.monitor, a.monitor_lines)
    log({"event": "start", "params": sum(p.numel() for p in model.parameters()),
         "rows": len(ds), "fingerprint": ds._fingerprint, "threads": torch.get_num_threads(),
         "real_share": a.real_share, "lr": a.lr, "plan_s": round(loop.plan, 1),
         "torch": torch.__version__, "datasets": datasets.__version__})
    n_syl = len(syllables) + 1

    def make_loader(phase):
        return iter(ArrowPairs(ds, tok, syllables, a.max_len, a.max_tokens, a.real_share,
                               a.seed * 1009 + loop.step))

    train_step = TS.make_train_step(model, opt, offset, n_syl, torch.device("cpu"))

    sp = spm.SentencePieceProcessor(model_file=tok)

    def evaluate(final):
        res = {}
        for label, pairs in monitors.items():
            res[label + "_tf"], _ = TS.tf_accuracy(model, sp, pairs, syllables, offset,
                                                   torch.device("cpu"))
        if final:
            TS.export(model, a.out, preset, tok, syl_path, offset)
        return res

    loop.run(make_loader, train_step, evaluate, log_every=a.log_every,
             eval_minutes=a.eval_minutes, ckpt_minutes=a.ckpt_minutes, max_steps=a.max_steps,
             rate_key="syl_s")
    with open(os.path.join(a.out, "recipe.json"), "w", encoding="utf-8") as fh:
        json.dump({"args": vars(a), "fingerprint": ds._fingerprint, "step": loop.step,
                   "elapsed_s": round(loop.elapsed, 1)}, fh, indent=1)


if __name__ == "__main__":
    main()
