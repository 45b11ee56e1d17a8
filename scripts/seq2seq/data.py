"""Training pairs for the seq2seq candidate scorer (scripts/seq2seq/train_scorer.py).

Pairs are drawn on the fly from the clean chunks written by make_pairs.py: each
batch gets fresh noisy sources (stripped, partly stripped, synthetic OCR from
``noise.py``, identity, real Tesseract pairs) in the mix of the phase

  pretrain  (first part of the run): legal + general text
  finetune  (the rest): legal text; real OCR pairs upweighted

and is cut into length-sorted batches of about ``max_tokens`` tokens.  Also the BART
skeleton the scorer is built on.  These came from the free-generation trainer
(train.py), retired with its model (models/seq2seq/generator/CARD.md).
"""
from __future__ import annotations

import lzma
import os
import random

import torch

from scripts.seq2seq.noise import CharNoise, partial_strip, span_length, strip_line

PAD, UNK, BOS, EOS = 0, 1, 2, 3

MIX = {
    # kind: weight (real is dropped when there are no real pairs)
    "pretrain": {"stripped": 0.30, "partial": 0.12, "ocr": 0.45, "identity": 0.05,
                 "real": 0.08},
    "finetune": {"stripped": 0.25, "partial": 0.08, "ocr": 0.37, "identity": 0.05,
                 "real": 0.25},
}
LEGAL_SHARE = {"pretrain": 0.6, "finetune": 0.92}


def read_xz_lines(path: str, limit: int = 0):
    """The lines of an .xz text (none when it is absent), at most `limit` if given."""
    out = []
    if not os.path.exists(path):
        return out
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(line.rstrip("\n"))
            if limit and len(out) >= limit:
                break
    return out


def token_batches(pool, max_tokens: int, rng: random.Random) -> list:
    """The (source ids, target ids) pairs of `pool` in batches of at most `max_tokens`
    padded tokens (pairs of like length together, so little padding), in random order."""
    pool = sorted(pool, key=lambda p: (len(p[0]), len(p[1])))
    batches, cur, width = [], [], 0
    for s, t in pool:
        w = max(width, len(s), len(t))
        if cur and w * (len(cur) + 1) > max_tokens:
            batches.append(cur)
            cur, w = [], max(len(s), len(t))
        cur.append((s, t))
        width = w
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


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
            for b in token_batches(pool, self.max_tokens, rng):
                yield collate(b)


def collate(batch):
    """(input ids, attention mask, labels) of (source, target) id lists; labels are
    padded with -100 (ignored by the loss)."""
    ls = max(len(s) for s, _ in batch)
    lt = max(len(t) for _, t in batch)
    inp = torch.full((len(batch), ls), PAD, dtype=torch.long)
    lab = torch.full((len(batch), lt), -100, dtype=torch.long)
    for i, (s, t) in enumerate(batch):
        inp[i, : len(s)] = torch.tensor(s)
        lab[i, : len(t)] = torch.tensor(t)
    return inp, (inp != PAD).long(), lab


def build_model(vocab: int, preset: str, max_pos: int = 256, dropout: float = 0.1, *,
                presets):
    """A BART from scratch; `presets` maps a name to (d_model, encoder layers, decoder
    layers, heads, ffn) (train_scorer.PRESETS)."""
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
