#!/usr/bin/env python3
"""Train the seq2seq OCR-repair model (BART, from scratch) on pairs drawn on the fly.

Data: the folder written by make_pairs.py (clean legal/general chunks, optional real
Tesseract pairs, noise.json, dev set + scorer).  Every batch draws fresh noisy sources:

  pretrain  (first 1 - --finetune-frac of the time): legal + general text;
            stripped / partly stripped / synthetic OCR / identity / real OCR
  finetune  (last --finetune-frac):  legal text; real OCR pairs upweighted

The schedule is defined over *time* (--train-minutes), so a run planned for N minutes
warms up, switches to fine-tuning and decays its learning rate within those minutes;
--max-minutes bounds one invocation (process start to exit) and a run resumes from
--ckpt-dir where it stopped (step, elapsed time, optimizer).  Works on CPU and GPU
(bf16 autocast on CUDA).  Logs JSON lines (loss, tokens/s, dev syl_acc on the OCR and
on the stripped gold) and draws curve.png.

GPU run (device tool), for instance:
    python scripts/seq2seq/train.py --data runs/s2s_data --tokenizer models/seq2seq/spm.model \
        --out $OUT --ckpt-dir /tmp/ckpt --max-minutes 8.5 --workers 14
Tiny CPU check:
    python scripts/seq2seq/train.py --preset tiny --max-minutes 1 --dev-limit 20
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import lzma
import os
import random
import sys
import time

_T0 = time.time()
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # loop.py

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from loop import JsonLog, TrainLoop  # noqa: E402
from vidiacritic.model.noise import CharNoise, partial_strip, strip_line  # noqa: E402
from vidiacritic.text import strip_diacritics  # noqa: E402

PAD, UNK, BOS, EOS = 0, 1, 2, 3

PRESETS = {
    # name: d_model, encoder layers, decoder layers, heads, ffn
    "tiny": (64, 1, 1, 2, 128),
    "small": (256, 3, 3, 4, 1024),
    "base": (384, 6, 2, 6, 1536),  # deep encoder, shallow decoder: fast greedy decoding
    "wide": (384, 4, 4, 6, 1536),
}

MIX = {
    # kind: weight (real is dropped when there are no real pairs)
    "pretrain": {"stripped": 0.30, "partial": 0.12, "ocr": 0.45, "identity": 0.05,
                 "real": 0.08},
    "finetune": {"stripped": 0.25, "partial": 0.08, "ocr": 0.37, "identity": 0.05,
                 "real": 0.25},
}
LEGAL_SHARE = {"pretrain": 0.6, "finetune": 0.92}


# ---------------------------------------------------------------------------- data

def read_xz_lines(path: str, limit: int = 0):
    out = []
    if not os.path.exists(path):
        return out
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(line.rstrip("\n"))
            if limit and len(out) >= limit:
                break
    return out


def span_length(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.55:
        return rng.randint(3, 18)
    if r < 0.85:
        return rng.randint(18, 36)
    return rng.randint(36, 64)


class PairStream(torch.utils.data.IterableDataset):
    """Endless stream of collated batches (input_ids, attention_mask, labels).

    ``draw`` makes one (noisy, clean) pair and ``sample`` encodes it; subclasses (the
    candidate scorer's stream in train_scorer.py) override those and share the rest."""

    # A small real set is repeated less often (about 14 passes at 3k pairs).
    scale_real = True

    def __init__(self, legal, general, real, sp_path, noise_json, phase, max_len,
                 max_tokens, seed, pool_batches=32):
        super().__init__()
        self.legal, self.general, self.real = legal, general, real
        self.sp_path, self.noise_json, self.phase = sp_path, noise_json, phase
        self.max_len, self.max_tokens, self.seed = max_len, max_tokens, seed
        self.pool_batches = pool_batches
        mix = dict(MIX[phase])
        if not real:
            mix.pop("real")
        elif self.scale_real:
            mix["real"] *= min(1.0, len(real) / 40000)
        self.kinds = list(mix)
        self.weights = [mix[k] for k in self.kinds]

    def ocr(self, clean, rng, noise):
        return noise.line(clean, rng)

    def draw(self, rng, noise):
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "real":
            return self.real[rng.randrange(len(self.real))]
        src = self.legal if (not self.general or rng.random() < LEGAL_SHARE[self.phase]) \
            else self.general
        words = src[rng.randrange(len(src))].split(" ")
        n = span_length(rng)
        if len(words) > n:
            i = rng.randrange(len(words) - n + 1)
            words = words[i:i + n]
        clean = " ".join(words)
        if rng.random() < 0.04:
            clean = clean.upper()
        if kind == "stripped":
            return strip_line(clean), clean
        if kind == "partial":
            return partial_strip(clean, rng), clean
        if kind == "ocr":
            return self.ocr(clean, rng, noise), clean
        return clean, clean

    def sample(self, rng, sp, noise):
        """(source ids, target ids) of one drawn pair, or None to skip it."""
        noisy, clean = self.draw(rng, noise)
        s = sp.encode(noisy)[: self.max_len]
        t = sp.encode(clean)[: self.max_len - 1] + [EOS]
        return s, t

    def __iter__(self):
        import sentencepiece as spm
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        rng = random.Random(self.seed * 7919 + wid * 104729 + (self.phase == "finetune"))
        sp = spm.SentencePieceProcessor(model_file=self.sp_path)
        noise = CharNoise.from_json(self.noise_json)
        while True:
            pool = []
            budget = self.max_tokens * self.pool_batches
            used = 0
            while used < budget:
                st = self.sample(rng, sp, noise)
                if st is None:
                    continue
                pool.append(st)
                used += max(len(st[0]), len(st[1]))
            pool.sort(key=lambda p: (len(p[0]), len(p[1])))
            batches, cur, width = [], [], 0
            for s, t in pool:
                w = max(width, len(s), len(t))
                if cur and w * (len(cur) + 1) > self.max_tokens:
                    batches.append(cur)
                    cur, w = [], max(len(s), len(t))
                cur.append((s, t))
                width = w
            if cur:
                batches.append(cur)
            rng.shuffle(batches)
            for b in batches:
                yield collate(b)


def collate(batch):
    ls = max(len(s) for s, _ in batch)
    lt = max(len(t) for _, t in batch)
    inp = torch.full((len(batch), ls), PAD, dtype=torch.long)
    lab = torch.full((len(batch), lt), -100, dtype=torch.long)
    for i, (s, t) in enumerate(batch):
        inp[i, : len(s)] = torch.tensor(s)
        lab[i, : len(t)] = torch.tensor(t)
    return inp, (inp != PAD).long(), lab


# --------------------------------------------------------------------------- model

def build_model(vocab: int, preset: str, max_pos: int = 256, dropout: float = 0.1,
                presets=PRESETS):
    from transformers import BartConfig, BartForConditionalGeneration
    d, el, dl, h, ffn = presets[preset]
    cfg = BartConfig(
        vocab_size=vocab, d_model=d, encoder_layers=el, decoder_layers=dl,
        encoder_attention_heads=h, decoder_attention_heads=h, encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn, max_position_embeddings=max_pos, dropout=dropout,
        attention_dropout=0.0, activation_dropout=0.0, activation_function="gelu",
        pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, decoder_start_token_id=BOS,
        forced_bos_token_id=None, forced_eos_token_id=None, scale_embedding=True,
        tie_word_embeddings=True, is_encoder_decoder=True)
    return BartForConditionalGeneration(cfg)


@torch.no_grad()
def translate(model, sp, lines, device, max_tokens=6000, amp=False):
    """Greedy-decode `lines` (one output line per input line, empty stays empty)."""
    model.eval()
    out = [""] * len(lines)
    items = [(i, sp.encode(" ".join(l.split()))[:250]) for i, l in enumerate(lines)
             if l.strip()]
    items.sort(key=lambda x: len(x[1]))
    k = 0
    while k < len(items):
        n = 1
        while k + n < len(items) and len(items[k + n][1]) * (n + 1) <= max_tokens:
            n += 1
        chunk = items[k:k + n]
        k += n
        L = max(len(s) for _, s in chunk)
        inp = torch.full((len(chunk), L), PAD, dtype=torch.long)
        for j, (_, s) in enumerate(chunk):
            inp[j, : len(s)] = torch.tensor(s)
        inp = inp.to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            gen = model.generate(input_ids=inp, attention_mask=(inp != PAD).long(),
                                 num_beams=1, do_sample=False,
                                 max_new_tokens=min(256, int(L * 1.4) + 10))
        for j, (i, _) in enumerate(chunk):
            ids = [x for x in gen[j].tolist() if x > EOS]
            out[i] = sp.decode(ids)
    model.train()
    return out


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("s2s_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.score


def evaluate_dev(model, sp, dev, device, amp, limit=0):
    ocr, gold, score = dev
    if limit:
        ocr, gold = ocr[:limit], gold[:limit]
    res = {}
    t = time.time()
    hyp = translate(model, sp, ocr, device, amp=amp)
    res["dev_ocr"] = score(hyp, gold)["syl_acc"]
    hyp2 = translate(model, sp, [strip_diacritics(g) for g in gold], device, amp=amp)
    res["dev_stripped"] = score(hyp2, gold)["syl_acc"]
    res["eval_s"] = round(time.time() - t, 1)
    return res, hyp


# ---------------------------------------------------------------------------- plot

def plot(log_path, png_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    rows = [json.loads(x) for x in open(log_path, encoding="utf-8")]
    tr = [r for r in rows if "loss" in r]
    ev = [r for r in rows if "dev_ocr" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if tr:
        ax.plot([r["step"] for r in tr], [r["loss"] for r in tr], color="tab:blue",
                lw=1, label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("train loss (label-smoothed CE)")
    ax.set_yscale("log")
    ax2 = ax.twinx()
    if ev:
        ax2.plot([r["step"] for r in ev], [r["dev_ocr"] for r in ev], "o-",
                 color="tab:red", label="dev syl_acc (OCR)")
        ax2.plot([r["step"] for r in ev], [r["dev_stripped"] for r in ev], "s-",
                 color="tab:green", label="dev syl_acc (stripped gold)")
    ax2.set_ylabel("dev syllable accuracy")
    ax2.set_ylim(0, 1)
    ph = [r for r in rows if r.get("event") == "phase" and r.get("phase") == "finetune"]
    for r in ph:
        ax.axvline(r["step"], color="gray", ls="--", lw=1)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right", fontsize=8)
    ax.set_title("seq2seq OCR repair: training loss and dev accuracy")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="runs/s2s_data")
    ap.add_argument("--tokenizer", default="models/seq2seq/spm.model")
    ap.add_argument("--out", default="runs/s2s_out", help="final model, log, curve")
    ap.add_argument("--ckpt-dir", default="runs/s2s_ckpt")
    ap.add_argument("--preset", default="base", choices=sorted(PRESETS))
    ap.add_argument("--max-minutes", type=float, default=10.0,
                    help="wall-clock bound of this invocation, process start to exit")
    ap.add_argument("--train-minutes", type=float, default=0.0,
                    help="length of the whole schedule (default: what --max-minutes leaves)")
    ap.add_argument("--reserve-minutes", type=float, default=0.6,
                    help="kept free at the end for the final eval and saving")
    ap.add_argument("--finetune-frac", type=float, default=0.3)
    ap.add_argument("--lr", type=float, default=7e-4)
    ap.add_argument("--warmup", type=int, default=600)
    ap.add_argument("--max-tokens", type=int, default=0,
                    help="padded tokens per batch (default 24000 GPU, 1500 CPU)")
    ap.add_argument("--max-len", type=int, default=192)
    ap.add_argument("--label-smoothing", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--limit-lines", type=int, default=0, help="read at most N chunks per file")
    ap.add_argument("--eval-minutes", type=float, default=1.0)
    ap.add_argument("--dev-limit", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--save-on-eval", action="store_true",
                    help="write the fp16 model to --out after every dev evaluation")
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="auto")
    a = ap.parse_args(argv)

    import sentencepiece as spm
    from transformers.models.bart.modeling_bart import shift_tokens_right
    torch.manual_seed(a.seed)
    device = torch.device("cuda" if (a.device == "auto" and torch.cuda.is_available())
                          else ("cpu" if a.device == "auto" else a.device))
    amp = device.type == "cuda"
    if amp:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    max_tokens = a.max_tokens or (24000 if amp else 1500)
    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, "train_log.jsonl")
    log = JsonLog(log_path, _T0)

    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    legal = read_xz_lines(os.path.join(a.data, "legal.txt.xz"), a.limit_lines)
    general = read_xz_lines(os.path.join(a.data, "general.txt.xz"), a.limit_lines)
    real = [tuple(x.split("\t")[:2]) for x in
            read_xz_lines(os.path.join(a.data, "real_ocr.tsv.xz"), a.limit_lines)]
    real = [r for r in real if len(r) == 2]
    npath = os.path.join(a.data, "noise.json")
    noise_json = (open(npath, encoding="utf-8").read() if os.path.exists(npath)
                  else CharNoise.default().to_json())
    dev_dir = os.path.join(a.data, "dev")
    dev = (open(os.path.join(dev_dir, "seed_ocr.txt"), encoding="utf-8").read().split("\n"),
           open(os.path.join(dev_dir, "seed_gold.txt"), encoding="utf-8").read().split("\n"),
           load_scorer(os.path.join(dev_dir, "score.py")))

    model = build_model(sp.get_piece_size(), a.preset).to(device)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98),
                            weight_decay=0.01, eps=1e-8, **({"fused": True} if amp else {}))
    reserve = a.reserve_minutes * 60
    loop = TrainLoop(model, opt, a.ckpt_dir, log, lr=a.lr, warmup=a.warmup,
                     finetune_frac=a.finetune_frac,
                     plan_s=(a.train_minutes * 60 if a.train_minutes
                             else a.max_minutes * 60 - reserve - (time.time() - _T0)),
                     deadline=_T0 + a.max_minutes * 60 - reserve, preset=a.preset, device=device)
    log({"event": "start", "device": str(device),
         "gpu": torch.cuda.get_device_name(0) if amp else None, "params": nparams,
         "preset": a.preset, "config": PRESETS[a.preset], "vocab": sp.get_piece_size(),
         "legal_chunks": len(legal), "general_chunks": len(general), "real_pairs": len(real),
         "plan_s": round(loop.plan, 1), "max_tokens": max_tokens, "torch": torch.__version__})

    def make_loader(phase):
        ds = PairStream(legal, general, real, a.tokenizer, noise_json, phase, a.max_len,
                        max_tokens, a.seed + loop.step)
        dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=a.workers,
                                         pin_memory=amp,
                                         prefetch_factor=8 if a.workers else None,
                                         persistent_workers=False)
        return iter(dl)

    def save_final(out):
        """fp16 safetensors + config + tokenizer + curve (also mid-run, so a killed
        run still leaves its latest weights)."""
        import copy
        import shutil
        copy.deepcopy(model).half().save_pretrained(out, safe_serialization=True)
        shutil.copy(a.tokenizer, os.path.join(out, "spm.model"))
        plot(log_path, os.path.join(out, "curve.png"))

    def train_step(batch):
        inp, att, lab = (x.to(device, non_blocking=True) for x in batch)
        dec_in = shift_tokens_right(lab, PAD, BOS)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
            logits = model(input_ids=inp, attention_mask=att,
                           decoder_input_ids=dec_in).logits
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), lab.view(-1),
                               ignore_index=-100, label_smoothing=a.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        # on the GPU the padded count (no device sync); on the CPU the exact one
        return loss, lab.numel() if amp else int((lab != -100).sum())

    def evaluate(final):
        res, hyp = evaluate_dev(model, sp, dev, device, amp, a.dev_limit)
        if final:
            with open(os.path.join(a.out, "dev_hyp.txt"), "w", encoding="utf-8") as fh:
                fh.write("\n".join(hyp))
        return res

    loop.run(make_loader, train_step, evaluate, log_every=a.log_every, eval_minutes=a.eval_minutes,
             ckpt_minutes=a.ckpt_minutes, max_steps=a.max_steps, rate_key="tgt_tok_s",
             on_eval=(lambda: save_final(a.out)) if a.save_on_eval else None)
    save_final(a.out)

if __name__ == "__main__":
    main()
