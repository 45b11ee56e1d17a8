#!/usr/bin/env python3
"""Train the seq2seq *candidate scorer*: a BART that reads the noisy line and writes its
words back one syllable token per input word.

Why not free generation: the first GPU run (models/seq2seq/generator/CARD.md, sentencepiece on both sides,
greedy decoding) reached only 0.72 on the dev OCR and rewrote 15% of correct words,
because it could drop, repeat and invent words.  Here the decoder's vocabulary is the
Vietnamese syllables themselves (lower case, traditional tone placement, ~6k), and its
output sequence has exactly one token per WORD token of the input (``vidiacritic.tokens``),
so every output position is aligned to an input word by construction.  At inference the
model does not generate: it scores, in one teacher-forced pass, the candidates that the
OCR channel proposes for every word (``vidiacritic/model/scorer.py``), and the Viterbi
decoder combines those scores with the n-gram LM.

Encoder input: the noisy line through the sentencepiece model (ids 0..S-1).
Decoder tokens: S + syllable index (S + 0 is "not a known syllable": acronyms, names,
foreign words).  Embeddings are shared, as in BART.

Pairs are drawn on the fly from the clean chunks of make_pairs.py (legal + general),
with the noise kinds and the pretraining → fine-tuning schedule of data.py, plus the
real Tesseract pairs (--real, word counts must match after tokenization).

CPU (background, resumable; a run resumes from --ckpt-dir):
    nohup python -m scripts.seq2seq.train_scorer --max-minutes 100 --train-minutes 100 \
        --real /work/work_data/ocr_pairs_train.tsv > runs/scorer.log 2>&1 &
GPU (device tool): add --max-tokens 30000 --workers 12.
"""
from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import time

_T0 = time.time()

import numpy as np
import torch
import torch.nn.functional as F

from scripts.seq2seq.data import PairStream, collate, read_xz_lines
from scripts.seq2seq.data import build_model as train_build_model
from scripts.seq2seq.loop import JsonLog, TrainLoop
from scripts.seq2seq.noise import CharNoise, strip_line
from vidiacritic.text import normalize_syllable
from vidiacritic.tokens import WORD, tokenize

PAD, UNK, BOS, EOS = 0, 1, 2, 3

PRESETS = {
    # name: d_model, encoder layers, decoder layers, heads, ffn
    "tiny": (64, 1, 1, 2, 128),  # tests only
    "mini": (128, 2, 2, 4, 512),
    "small": (256, 4, 2, 4, 1024),
    "base": (384, 6, 2, 6, 1536),
}


def words_of(line: str):
    return [t.text for t in tokenize(line) if t.kind == WORD]


def load_syllables(path):
    with open(path, encoding="utf-8") as fh:
        return [x.rstrip("\n") for x in fh if x.strip()]


class ScorerStream(PairStream):
    """data.py's pair stream with syllable labels: one per input word, then EOS."""

    scale_real = False

    def __init__(self, legal, general, real, sp_path, noise_json, syllables, phase,
                 max_len, max_tokens, seed, pool_batches=32):
        super().__init__(legal, general, real, sp_path, noise_json, phase, max_len,
                         max_tokens, seed, pool_batches)
        self.syllables = syllables

    def ocr(self, clean, rng, noise):
        for _ in range(3):  # a split or merged word breaks the 1:1 alignment: redraw
            noisy = noise.line(clean, rng)
            if len(words_of(noisy)) == len(words_of(clean)):
                return noisy
        return strip_line(clean)

    def sample(self, rng, sp, noise):
        noisy, clean = self.draw(rng, noise)
        cw = words_of(clean)
        if not cw or len(words_of(noisy)) != len(cw):
            return None
        s = sp.encode(noisy)[: self.max_len]
        offset = sp.get_piece_size()
        t = [offset + self.syllables.get(normalize_syllable(w), 0) for w in cw]
        if len(t) >= self.max_len:
            return None
        return s, t + [EOS]


build_model = functools.partial(train_build_model, presets=PRESETS)


def syllable_logits(model, inp, att, dec_in, offset):
    """Decoder states projected on the syllable rows of the shared embedding only."""
    out = model.model(input_ids=inp, attention_mask=att, decoder_input_ids=dec_in)
    h = out.last_hidden_state
    return h @ model.model.shared.weight[offset:].T  # (B, T, n_syllables + 1 for EOS below)


def shift_right(lab):
    dec = lab.new_full(lab.shape, PAD)
    dec[:, 0] = BOS
    dec[:, 1:] = lab[:, :-1].clamp(min=0)
    dec[dec == -100] = PAD
    return dec


def targets(lab, offset):
    """Labels in the syllable slice; EOS positions are ignored (the length is known)."""
    t = lab.clone()
    t[(t == EOS) | (t == -100)] = -100
    t[t >= 0] -= offset
    return t


@torch.no_grad()
def tf_accuracy(model, sp, pairs, syllables, offset, device, batch=64):
    """Teacher-forced accuracy of the argmax syllable on word-aligned (noisy, clean)
    pairs, over words whose gold form is a known syllable: a proxy for how much the
    model knows, independent of the candidate generator."""
    model.eval()
    items = []
    for noisy, clean in pairs:
        cw = words_of(clean)
        if cw and len(words_of(noisy)) == len(cw):
            items.append((sp.encode(noisy)[:250],
                          [offset + syllables.get(normalize_syllable(w), 0) for w in cw][:250]))
    right = total = 0
    for k in range(0, len(items), batch):
        inp, att, lab = collate([(s, t) for s, t in items[k:k + batch]])
        inp, att, lab = inp.to(device), att.to(device), lab.to(device)
        lg = syllable_logits(model, inp, att, shift_right(lab), offset)
        pred = lg.argmax(-1) + offset
        ok = (lab > offset)  # known syllables only
        right += int(((pred == lab) & ok).sum())
        total += int(ok.sum())
    model.train()
    return right / max(1, total), len(items)


def make_train_step(model, opt, offset, n_syl, device, amp=False, label_smoothing=0.0):
    """One optimizer step on a batch (input ids, attention mask, labels): the forward pass
    under bf16 autocast when `amp` (CUDA), the loss over the syllable rows in float32,
    clipped gradients.  Returns (loss tensor, target syllables).  Shared by this trainer,
    finetune_scorer.py and device_kit.py."""

    def train_step(batch):
        inp, att, lab = (x.to(device, non_blocking=True) for x in batch)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = syllable_logits(model, inp, att, shift_right(lab), offset)
        tgt = targets(lab, offset)
        loss = F.cross_entropy(logits.float().reshape(-1, n_syl), tgt.reshape(-1),
                               ignore_index=-100, label_smoothing=label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss, int((tgt != -100).sum())

    return train_step


def read_pairs(path, limit=0):
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip():
                out.append((p[0], p[1]))
            if limit and len(out) >= limit:
                break
    return out


def plot(log_path, png_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    rows = [json.loads(x) for x in open(log_path, encoding="utf-8")]
    tr = [r for r in rows if "loss" in r]
    ev = [r for r in rows if "heldout_tf" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot([r["step"] for r in tr], [r["loss"] for r in tr], lw=1, label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("train loss (CE, syllable tokens)")
    ax.set_yscale("log")
    ax2 = ax.twinx()
    if ev:
        ax2.plot([r["step"] for r in ev], [r["heldout_tf"] for r in ev], "o-", color="tab:red",
                 label="held-out Tesseract: argmax syllable acc.")
        dv = [r for r in ev if "dev_tf" in r]
        ax2.plot([r["step"] for r in dv], [r["dev_tf"] for r in dv], "s-", color="tab:green",
                 label="dev OCR: argmax syllable acc.")
    ax2.set_ylabel("teacher-forced syllable accuracy")
    ax2.set_ylim(0.5, 1)
    for r in rows:
        if r.get("event") == "phase" and r.get("phase") == "finetune":
            ax.axvline(r["step"], color="gray", ls="--", lw=1)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right", fontsize=8)
    ax.set_title("seq2seq candidate scorer: loss and accuracy")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


def export(model, out_dir, preset, sp_path, syllables_path, offset):
    """The runtime files (vidiacritic/model/scorer.py): ``scorer.npz`` (int8 matrices
    with a scale per row, float16 for the rest) for the numpy runtime, and
    ``scorer.int8.onnx`` for onnxruntime (onnx_export.py)."""
    import shutil
    from scripts.seq2seq.quantize import quantize_rows
    os.makedirs(out_dir, exist_ok=True)
    d, el, dl, h, ffn = PRESETS[preset]
    # Tied copies of model.shared (encoder/decoder embed_tokens, lm_head) are left out.
    sd = {k: v.detach().float().cpu().numpy()
          for k, v in model.state_dict().items() if k != "lm_head.weight"
          and not k.endswith(("final_logits_bias", "embed_tokens.weight"))}
    tmp = os.path.join(out_dir, "scorer.npz.tmp.npz")
    np.savez(tmp, **quantize_rows(sd))
    os.replace(tmp, os.path.join(out_dir, "scorer.npz"))
    cfg = {"d_model": d, "encoder_layers": el, "decoder_layers": dl, "heads": h, "ffn": ffn,
           "syllable_offset": offset, "scale_embedding": True, "activation": "gelu",
           "pad": PAD, "bos": BOS, "eos": EOS,
           "max_positions": int(model.config.max_position_embeddings)}
    with open(os.path.join(out_dir, "scorer.json"), "w", encoding="utf-8") as fh:
        json.dump(cfg, fh, indent=1)
    if os.path.abspath(sp_path) != os.path.abspath(os.path.join(out_dir, "spm.model")):
        shutil.copy(sp_path, os.path.join(out_dir, "spm.model"))
    if os.path.abspath(syllables_path) != os.path.abspath(os.path.join(out_dir, "syllables.txt")):
        shutil.copy(syllables_path, os.path.join(out_dir, "syllables.txt"))
    from scripts.seq2seq.onnx_export import ONNX_FILE, export_onnx
    was_training = model.training
    export_onnx(copy.deepcopy(model).eval(), os.path.join(out_dir, ONNX_FILE), PAD)
    model.train(was_training)


def main(argv=None, t0=None):
    """`t0`: when the run started (its deadline and log times count from it; default:
    this module's import, the process's start when run as a script)."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="runs/s2s_data")
    ap.add_argument("--tokenizer", default="models/seq2seq/spm.model")
    ap.add_argument("--syllables", default="models/seq2seq/syllables.txt")
    ap.add_argument("--real", default="", help="real Tesseract pairs (ocr<TAB>clean...)")
    ap.add_argument("--heldout", default="", help="held-out Tesseract pairs for the log")
    ap.add_argument("--dev", default="runs/s2s_data/dev")
    ap.add_argument("--out", default="runs/scorer_out")
    ap.add_argument("--ckpt-dir", default="runs/scorer_ckpt")
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--max-minutes", type=float, default=10.0)
    ap.add_argument("--train-minutes", type=float, default=0.0)
    ap.add_argument("--finetune-frac", type=float, default=0.3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--max-tokens", type=int, default=0, help="default 3000 CPU, 30000 GPU")
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--limit-lines", type=int, default=0)
    ap.add_argument("--eval-minutes", type=float, default=10.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extend-minutes", type=float, default=0.0,
                    help="on resume, lengthen the planned schedule by this much")
    ap.add_argument("--export-only", action="store_true",
                    help="write the weights of the checkpoint in --ckpt-dir to --out and stop")
    a = ap.parse_args(argv)
    start = _T0 if t0 is None else t0

    import sentencepiece as spm
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda"
    max_tokens = a.max_tokens or (30000 if amp else 3000)
    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, "train_log.jsonl")
    log = JsonLog(log_path, start)

    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    offset = sp.get_piece_size()
    syl_list = load_syllables(a.syllables)
    syllables = {w: i + 1 for i, w in enumerate(syl_list)}  # 0: not a known syllable
    legal = read_xz_lines(os.path.join(a.data, "legal.txt.xz"), a.limit_lines)
    general = read_xz_lines(os.path.join(a.data, "general.txt.xz"), a.limit_lines)
    real = read_pairs(a.real, a.limit_lines)
    heldout = read_pairs(a.heldout, 600)
    dev_pairs = []
    if os.path.isdir(a.dev):
        ocr = open(os.path.join(a.dev, "seed_ocr.txt"), encoding="utf-8").read().split("\n")
        gold = open(os.path.join(a.dev, "seed_gold.txt"), encoding="utf-8").read().split("\n")
        dev_pairs = [(o, g) for o, g in zip(ocr, gold) if o.strip()]
    npath = os.path.join(a.data, "noise.json")
    noise_json = (open(npath, encoding="utf-8").read() if os.path.exists(npath)
                  else CharNoise.default().to_json())

    # Positions: 256 covers spans of up to 64 words in sentencepiece pieces; a
    # character tokenizer (--max-len 400) needs more.
    model = build_model(offset + len(syl_list) + 1, a.preset, max_pos=max(256, a.max_len + 2)).to(device)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98),
                            weight_decay=0.01, eps=1e-8)
    loop = TrainLoop(model, opt, a.ckpt_dir, log, lr=a.lr, warmup=a.warmup,
                     finetune_frac=a.finetune_frac,
                     plan_s=a.train_minutes * 60 if a.train_minutes else a.max_minutes * 60 - 60,
                     deadline=start + a.max_minutes * 60 - 30, preset=a.preset,
                     extend_s=a.extend_minutes * 60, device=device)
    if a.export_only:
        export(model, a.out, a.preset, a.tokenizer, a.syllables, offset)
        log({"event": "export", "step": loop.step, "out": a.out})
        return
    log({"event": "start", "device": str(device), "params": nparams, "preset": a.preset,
         "config": PRESETS[a.preset], "spm": offset, "syllables": len(syl_list),
         "legal_chunks": len(legal), "general_chunks": len(general), "real_pairs": len(real),
         "plan_s": round(loop.plan, 1), "max_tokens": max_tokens, "threads": torch.get_num_threads(),
         "torch": torch.__version__})

    def make_loader(phase):
        ds = ScorerStream(legal, general, real, a.tokenizer, noise_json, syllables, phase,
                          a.max_len, max_tokens, a.seed + loop.step)
        return iter(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=a.workers,
                                                prefetch_factor=8 if a.workers else None))

    n_syl = len(syl_list) + 1

    train_step = make_train_step(model, opt, offset, n_syl, device, amp, a.label_smoothing)

    def evaluate(final):
        res = {}
        if heldout:
            res["heldout_tf"], res["heldout_n"] = tf_accuracy(model, sp, heldout, syllables,
                                                              offset, device)
        if dev_pairs:
            res["dev_tf"], res["dev_n"] = tf_accuracy(model, sp, dev_pairs, syllables, offset,
                                                      device)
        export(model, a.out, a.preset, a.tokenizer, a.syllables, offset)
        return res

    loop.run(make_loader, train_step, evaluate, log_every=a.log_every, eval_minutes=a.eval_minutes,
             ckpt_minutes=a.ckpt_minutes, max_steps=a.max_steps, rate_key="syl_s",
             on_eval=lambda: plot(log_path, os.path.join(a.out, "curve.png")))
    plot(log_path, os.path.join(a.out, "curve.png"))

if __name__ == "__main__":
    main()
