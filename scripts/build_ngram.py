#!/usr/bin/env python3
"""Build the syllable n-gram LM shipped in models/ngram/ (read by vidiacritic.ngram).

Algorithm: interpolated modified Kneser–Ney (Chen & Goodman 1998), three discounts per
order estimated from counts-of-counts; lower orders use continuation counts (number of
distinct left extensions), except n-grams that begin with <s>, which keep their raw
counts (nothing can precede <s>); the unigram level is interpolated with the uniform
distribution.  Then count pruning: an n-gram (n ≥ 2) is kept when its raw count reaches
the threshold of its order, and every kept n-gram's context is kept too.  The
probability of a kept n-gram is its interpolated estimate over the *pruned* lower-order
model, and each context's backoff weight is recomputed so that P(· | context) sums to 1
over the vocabulary (the mass of pruned n-grams moves into the backoff).

Units: ``lm_units(line, soft_punct=True)`` chains (as the decoders see them: soft
punctuation inside a sentence is one ``<p>`` unit, vidiacritic.tokens.chains), each word mapped by
``normalize_syllable``; a word is kept only if it is a plausible Vietnamese syllable
(``vidiacritic.text.plausible_syllable``: onset + rhyme shape, stop codas only with sắc/nặng tones, at
most 7 letters) seen at least ``--min-count`` times, else it becomes <unk>.  Each chain
is ``<s> … </s>``.

Counting is numpy throughout: words → int ids (one dict over word *forms*), n-grams
packed into int64 keys, ``np.unique`` per chunk, merged by sort + reduceat.

Storage (vidiacritic.ngram): uint32 key halves in buckets, 8-bit codebook
probabilities at the highest order and float16 below, so a trigram costs 5 bytes.
The count thresholds start at ``--min-ngram-count`` (default 1: keep everything) and
rise only as far as needed to fit ``--max-mb``.  Backoff weights are computed from
the rounded probabilities as stored.

Data (defaults): the three legal files in full (the target domain) and one line in
``--general-every`` (2) of Wikipedia and news, so legal text is about 60% of the counts.
Subsampling, not duplicating, keeps the counts-of-counts honest for the KN discounts.

usage: python -m scripts.build_ngram [--corpus ../shared/corpus] [--out models/ngram]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from array import array
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from scripts.corpus import GENERAL_FILES, LEGAL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.ngram import FORMAT, SPECIALS, NgramLM, Table, backoff_logprob, pack
from vidiacritic.text import normalize_syllable, plausible_syllable
from vidiacritic.tokens import lm_units

_HERE = os.path.dirname(os.path.abspath(__file__))

UNK_ID, BOS_ID, EOS_ID, NUM_ID = range(4)
LOG_ZERO = -99.0  # ARPA's log-probability of <s>, which is never predicted

# ----------------------------------------------------------------- tokenized text
class Segment:
    """Tokenized text as raw word-form ids: ``stream`` holds <s> ids… </s> per chain."""

    def __init__(self, stream: np.ndarray, forms: List[str], lines: int = 0):
        self.stream, self.forms, self.lines = stream, forms, lines

    @classmethod
    def encode(cls, lines: Iterable[str]) -> "Segment":
        index: Dict[str, int] = {s: i for i, s in enumerate(SPECIALS)}
        forms = list(SPECIALS)
        buf = array("i")
        n = 0
        for line in lines:
            n += 1
            for chain in lm_units(line, soft_punct=True):
                buf.append(BOS_ID)
                for w in chain:
                    i = index.get(w)
                    if i is None:
                        i = index[w] = len(forms)
                        forms.append(w)
                    buf.append(i)
                buf.append(EOS_ID)
        return cls(np.frombuffer(buf, dtype=np.int32).copy(), forms, n)

    def save(self, path: str) -> None:
        np.save(path + ".npy", self.stream)
        with open(path + ".forms", "w", encoding="utf-8") as fh:
            fh.write(f"{self.lines}\n" + "\n".join(self.forms))

    @classmethod
    def load(cls, path: str) -> "Segment":
        with open(path + ".forms", encoding="utf-8") as fh:
            lines, *forms = fh.read().split("\n")
        return cls(np.load(path + ".npy"), forms, int(lines))

    def form_counts(self) -> np.ndarray:
        return np.bincount(self.stream, minlength=len(self.forms))


def build_vocab(segments: Sequence[Segment], min_count: int) -> Tuple[List[str], np.ndarray]:
    """Vocabulary (specials, then accepted syllables by count) and its unigram counts."""
    syl = Counter()
    special = np.zeros(len(SPECIALS), dtype=np.int64)
    for seg in segments:
        counts = seg.form_counts()
        special += counts[:len(SPECIALS)]
        for form, c in zip(seg.forms[len(SPECIALS):], counts[len(SPECIALS):].tolist()):
            if c:
                syl[normalize_syllable(form)] += c
    kept = sorted((s for s, c in syl.items() if c >= min_count and plausible_syllable(s)),
                  key=lambda s: (-syl[s], s))
    counts = [int(x) for x in special] + [syl[s] for s in kept]
    counts[UNK_ID] = sum(syl.values()) - sum(counts[len(SPECIALS):])
    return list(SPECIALS) + kept, np.asarray(counts, dtype=np.int64)


def map_segment(seg: Segment, vocab_index: Dict[str, int]) -> np.ndarray:
    """The segment's stream in vocabulary ids."""
    fmap = np.fromiter(
        (i if i < len(SPECIALS) else vocab_index.get(normalize_syllable(f), UNK_ID)
         for i, f in enumerate(seg.forms)), dtype=np.int32, count=len(seg.forms))
    return fmap[seg.stream]


# ----------------------------------------------------------------- counting
CHUNK = 8_000_000


def _merge(parts: List[Tuple[np.ndarray, np.ndarray]]) -> Tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([k for k, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(counts, starts)


def count_ngrams(streams: Sequence[np.ndarray], order: int, bits: int, vocab_size: int):
    """Raw counts per order: ``result[n] = (sorted int64 keys, counts)``, n = 1..order.

    An n-gram is a window inside one chain: no </s> before its last position and
    no <s> after its first.  Unigram keys are simply the ids 0..V-1.
    """
    result = [None, (np.arange(vocab_size, dtype=np.int64),
                     sum(np.bincount(s, minlength=vocab_size) for s in streams))]
    for n in range(2, order + 1):
        parts = []
        for s in streams:
            for a in range(0, max(len(s) - n + 1, 0), CHUNK):
                win = s[a:min(len(s), a + CHUNK + n - 1)].astype(np.int64)
                m = len(win) - n + 1
                bad = np.zeros(m, dtype=bool)
                for k in range(n - 1):
                    bad |= win[k:k + m] == EOS_ID
                    bad |= win[k + 1:k + 1 + m] == BOS_ID
                cols = [win[k:k + m][~bad] for k in range(n)]
                keys, counts = np.unique(pack(cols, bits), return_counts=True)
                parts.append((keys, counts.astype(np.int64)))
        result.append(_merge(parts))
    return result


# ----------------------------------------------------------------- estimation
def kn_discounts(adjusted: np.ndarray) -> np.ndarray:
    """[0, D1, D2, D3+] from counts-of-counts (Chen & Goodman); index with min(count, 3)."""
    nk = np.bincount(np.minimum(adjusted, 5).astype(np.int64), minlength=6)[1:5].astype(float)
    n1, n2, n3, n4 = nk
    with np.errstate(divide="ignore", invalid="ignore"):
        y = n1 / (n1 + 2 * n2)
        d = np.array([0.0, 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3])
    fallback = np.array([0.0, 0.5, 1.0, 1.5])  # tiny corpora with empty count classes
    bad = ~np.isfinite(d) | (d <= 0) | (d >= np.array([1.0, 1.0, 2.0, 3.0]))
    bad[0] = False
    d[bad] = fallback[bad]
    return d


def _groups(ctx: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """For sorted context keys: start index of each run and the run id of each row."""
    starts = np.flatnonzero(np.r_[True, ctx[1:] != ctx[:-1]]) if len(ctx) else np.zeros(0, np.intp)
    run = np.zeros(len(ctx), dtype=np.intp)
    if len(starts) > 1:
        run[starts[1:]] = 1
    return starts, np.cumsum(run)


def bytes_per_ngram(n: int, order: int, quantize: bool) -> int:
    """Stored bytes of one n-gram (n >= 2): uint32 key, log-prob, backoff weight."""
    if quantize:
        return 4 + (1 if n == order else 2 + 2)
    return 4 + 4 + (4 if n < order else 0)


def unk_singletons(counts, bits: int) -> np.ndarray:
    """Which top-order n-grams were seen once with <unk> among their units: the first
    to go when the model is over its budget (an <unk> stands for acronyms, foreign
    words and debris, whose one-off contexts say little about a Vietnamese word)."""
    order = len(counts) - 1
    keys, raw = counts[order]
    has_unk = np.zeros(len(keys), dtype=bool)
    for j in range(order):
        has_unk |= ((keys >> (bits * j)) & ((1 << bits) - 1)) == UNK_ID
    return has_unk & (raw == 1)


def choose_thresholds(counts, min_counts: Sequence[int], max_bytes: int, quantize: bool = True,
                      bits: Optional[int] = None):
    """Raise the count thresholds until the stored arrays fit max_bytes.

    With `bits` (ids packed in the keys), the top order's singletons with <unk>
    (unk_singletons) are dropped first, when that is enough.  Then each step raises
    the order that takes the most bytes; thresholds never decrease with the order.
    Returns (thresholds indexed by order, estimated bytes, whether the <unk>
    singletons go).
    """
    order = len(counts) - 1
    t = [0, 0] + list(min_counts)
    dropped = 0

    def sizes(t):
        return [((int((counts[n][1] >= t[n]).sum()) - (dropped if n == order else 0))
                 * bytes_per_ngram(n, order, quantize), n) for n in range(2, order + 1)]

    def total(t):
        return sum(b for b, _ in sizes(t)) + len(counts[1][0]) * 8

    if bits is not None and total(t) > max_bytes and t[order] <= 1:
        dropped = int(unk_singletons(counts, bits).sum())
        if total(t) <= max_bytes:
            return t, total(t), True
        dropped = 0
    while total(t) > max_bytes:
        n = max(sizes(t))[1]
        t[n] += 1
        for m in range(n + 1, order + 1):
            t[m] = max(t[m], t[n])
    return t, total(t), False


def quantize_codebook(x: np.ndarray, levels: int = 256):
    """8-bit codes for log-probabilities and the codebook they index.

    Centers: a third at quantiles (fine where most values lie), a third on an even
    log grid (bounded error in the tails) and a third on an even probability grid
    (fine for likely n-grams, whose errors would move the most mass); each center
    then moves to the mean of the values it codes.
    """
    third = levels // 3
    centers = np.unique(np.r_[np.quantile(x, np.linspace(0, 1, levels - 2 * third)),
                              np.linspace(x.min(), x.max(), third),
                              np.log(np.linspace(1, third, third) / third)])
    centers = centers[:levels]
    codes = np.searchsorted((centers[1:] + centers[:-1]) / 2, x)
    n = np.bincount(codes, minlength=len(centers))
    centers = np.where(n > 0, np.bincount(codes, weights=x, minlength=len(centers)) /
                       np.maximum(n, 1), centers)
    return codes.astype(np.uint8), centers.astype(np.float32)


def estimate(counts, bits: int, thresholds: Sequence[int], quantize: bool = True, log=print,
             drop_unk_singletons: bool = False):
    """Modified-KN probabilities and backoff weights of the kept n-grams.

    `counts` from count_ngrams; `thresholds[n]` the minimum raw count of a kept n-gram;
    `drop_unk_singletons`: the top order's unk_singletons are not kept either.
    Returns (tables, info): Tables indexed by order as NgramLM uses them (int64 keys,
    split into uint32 halves only when saved).  With `quantize` the log-probabilities are rounded as they will be
    stored (uint8 codebook at the highest order, float16 below, float32 unigrams) and
    each backoff weight is computed from the rounded values, so contexts sum to 1.
    """
    order = len(counts) - 1
    V = len(counts[1][0])
    keys = [None] + [counts[n][0] for n in range(1, order + 1)]
    raw = [None] + [counts[n][1] for n in range(1, order + 1)]
    mask = lambda n: (1 << (n * bits)) - 1  # noqa: E731

    # adjusted counts: continuation counts below the top order
    adj = [None] * (order + 1)
    adj[order] = raw[order]
    for n in range(order - 1, 0, -1):
        left, ext = np.unique(keys[n + 1] & mask(n), return_counts=True)
        a = np.zeros(len(keys[n]), dtype=np.int64)
        a[np.searchsorted(keys[n], left)] = ext
        starts_bos = (keys[n] >> ((n - 1) * bits)) == BOS_ID
        a[starts_bos] = raw[n][starts_bos]
        if n == 1:
            a[BOS_ID] = 0
        adj[n] = a
    disc = [None] + [kn_discounts(adj[n]) for n in range(1, order + 1)]

    # unigrams: discounted continuation counts + uniform over the V-1 predictable ids
    a1 = adj[1].astype(float)
    d1 = disc[1][np.minimum(adj[1], 3)]
    p1 = (a1 - d1) / a1.sum() + d1.sum() / a1.sum() / (V - 1)
    p1[BOS_ID] = 0.0
    with np.errstate(divide="ignore"):
        logp1 = np.where(p1 > 0, np.log(p1), LOG_ZERO)
    tables: List[Optional[Table]] = [
        None, Table(None, logp1.astype(np.float32) if quantize else logp1)]
    full_keys: List[Optional[np.ndarray]] = [None, None]  # kept n-grams as packed ids

    # which n-grams stay: threshold, then close under prefixes (contexts)
    keep = [None, None] + [raw[n] >= thresholds[n] for n in range(2, order + 1)]
    if drop_unk_singletons:
        keep[order] &= ~unk_singletons(counts, bits)
    for n in range(order, 2, -1):
        ctx = keys[n][keep[n]] >> bits
        keep[n - 1][np.searchsorted(keys[n - 1], ctx)] = True

    info = {"discounts": {n: [round(float(x), 4) for x in disc[n][1:]] for n in range(1, order + 1)},
            "ngrams_seen": {n: int(len(keys[n])) for n in range(1, order + 1)},
            "ngrams_kept": {1: int(V)}}
    for n in range(2, order + 1):
        a = adj[n]
        d = disc[n][np.minimum(a, 3)]
        ctx = keys[n] >> bits
        starts, run = _groups(ctx)
        denom = np.add.reduceat(a.astype(float), starts)
        gamma = np.add.reduceat(d, starts) / denom
        alpha = (a - d) / denom[run]
        k = keep[n]
        kept_keys, kept_run = keys[n][k], run[k]
        hist = [(kept_keys >> (bits * (n - 1 - j))) & mask(1) for j in range(1, n - 1)]
        w = kept_keys & mask(1)
        # the pruned lower-order model as stored, complete up to order n-1
        lower = np.exp(backoff_logprob(tables, bits, hist, w).astype(np.float64))
        p = alpha[k] + gamma[kept_run] * lower
        # stored keys: the context's row in the table below, then the last id
        ctx_rows = (kept_keys >> bits) if n == 2 else \
            np.searchsorted(full_keys[n - 1], kept_keys >> bits)
        row_keys = (ctx_rows << bits) | w
        if not quantize:
            table = Table(row_keys, np.log(p))
        elif n == order:
            codes, codebook = quantize_codebook(np.log(p))
            table = Table(row_keys, codes, codebook=codebook)
        else:
            table = Table(row_keys, np.log(p).astype(np.float16))
        stored_p = np.exp(table.logprob(np.arange(len(table))).astype(np.float64))
        # backoff weight of each context: the mass its kept n-grams leave, over the mass
        # the lower order gives them.  Unrounded, the numerator is gamma * den plus the
        # discounted mass of pruned n-grams; rounding may not take it below half that.
        pruned_alpha = np.bincount(run[~k], weights=alpha[~k], minlength=len(starts))
        kept_lower = np.bincount(kept_run, weights=lower, minlength=len(starts))
        kept_p = np.bincount(kept_run, weights=stored_p, minlength=len(starts))
        den = np.maximum(1.0 - kept_lower, 1e-12)
        num = np.maximum(1.0 - kept_p, 0.5 * (gamma * den + pruned_alpha))
        used = np.bincount(kept_run, minlength=len(starts)) > 0  # contexts with kept n-grams
        ctx_keys = ctx[starts][used]
        rows = ctx_keys if n == 2 else np.searchsorted(full_keys[n - 1], ctx_keys)
        bow = np.zeros(len(tables[n - 1]))
        bow[rows] = np.log(num / den)[used]
        tables[n - 1].bow = bow.astype(np.float16) if quantize and n > 2 else \
            bow.astype(np.float32) if quantize else bow
        tables.append(table)
        full_keys.append(kept_keys)
        info["ngrams_kept"][n] = int(k.sum())
        log(f"  order {n}: seen {len(keys[n]):,} kept {int(k.sum()):,} "
            f"(count >= {thresholds[n]}), D = {np.round(disc[n][1:], 3).tolist()}")
    return tables, info


def split_keys(keys: np.ndarray):
    """Sorted int64 keys → (uint32 low halves, int64 bucket starts), the stored form
    that vidiacritic.ngram.Table reads (``starts=``).

    Trigram keys take 20 + 13 bits with a million bigram contexts: two buckets.
    """
    high = keys >> 32
    buckets = int(high[-1]) + 1 if len(keys) else 1
    starts = np.searchsorted(high, np.arange(buckets + 1)).astype(np.int64)
    return (keys & 0xFFFFFFFF).astype(np.uint32), starts


def save_model(out: str, vocab: List[str], vocab_counts: np.ndarray, tables, bits: int,
               meta: dict) -> int:
    """Write the model directory (see vidiacritic.ngram); returns its size in bytes."""
    os.makedirs(out, exist_ok=True)
    order = len(tables) - 1
    for f in os.listdir(out):  # stale tables of another order or layout
        if re.fullmatch(r"\d+\.(keys|starts|logp|codebook|bow)\.npy", f):
            os.remove(os.path.join(out, f))
    write_tsv(os.path.join(out, "vocab.txt"), zip(vocab, vocab_counts.tolist()))

    def save(name, a):
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        np.save(os.path.join(out, name), a)

    for n in range(1, order + 1):
        t = tables[n]
        save(f"{n}.logp.npy", t.logp)
        if t.codebook is not None:
            save(f"{n}.codebook.npy", t.codebook)
        if n < order:
            save(f"{n}.bow.npy", t.bow)
        if n > 1:
            low, starts = split_keys(t.keys)
            save(f"{n}.keys.npy", low)
            save(f"{n}.starts.npy", starts)
    meta = dict(meta, format=FORMAT, order=order, bits=bits)
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
    return model_bytes(out)


def model_bytes(out: str) -> int:
    return sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)
               if f.endswith((".npy", ".txt", ".json")))


def build(segments: Sequence[Segment], order: int = 3, min_count: int = 3,
          min_ngram_counts: Sequence[int] = (1, 1), max_bytes: Optional[int] = None,
          quantize: bool = True, log=print):
    """Vocabulary, counts and pruned KN tables from tokenized segments.

    Returns (vocab, vocab_counts, tables, bits, info).
    """
    if len(min_ngram_counts) != order - 1:
        raise ValueError(f"need {order - 1} n-gram thresholds (orders 2..{order})")
    t0 = time.time()
    vocab, vocab_counts = build_vocab(segments, min_count)
    index = {s: i for i, s in enumerate(vocab)}
    bits = max(1, (len(vocab) - 1).bit_length())
    if bits * order > 63:
        raise ValueError(f"{len(vocab)} ids x order {order} do not fit an int64 key")
    streams = [map_segment(seg, index) for seg in segments]
    log(f"vocab {len(vocab):,} ({bits} bits/id), <unk> {vocab_counts[UNK_ID]:,} tokens "
        f"[{time.time() - t0:.0f}s]")
    counts = count_ngrams(streams, order, bits, len(vocab))
    log(f"counted {', '.join(f'{len(counts[n][0]):,}' for n in range(2, order + 1))} "
        f"n-gram types (orders 2..{order}) [{time.time() - t0:.0f}s]")
    if max_bytes:
        vocab_bytes = sum(len(s.encode()) + len(str(c)) + 2 for s, c in zip(vocab, vocab_counts))
        thresholds, _, drop_unk = choose_thresholds(counts, min_ngram_counts, max_bytes - vocab_bytes - 4096,
                                                    quantize, bits)
    else:
        thresholds, drop_unk = [0, 0] + list(min_ngram_counts), False
    if drop_unk:
        log(f"  over budget: dropping the {int(unk_singletons(counts, bits).sum()):,} "
            f"order-{order} singletons with <unk>")
    tables, info = estimate(counts, bits, thresholds, quantize, log=log, drop_unk_singletons=drop_unk)
    info["dropped_unk_singletons"] = drop_unk
    tokens = int(sum(int(((s != BOS_ID) & (s != EOS_ID)).sum()) for s in streams))
    info.update(thresholds={n: thresholds[n] for n in range(2, order + 1)},
                vocab_size=len(vocab), min_count=min_count, train_tokens=tokens,
                train_chains=int(vocab_counts[BOS_ID]), train_unk=int(vocab_counts[UNK_ID]))
    log(f"estimated [{time.time() - t0:.0f}s]")
    return vocab, vocab_counts, tables, bits, info


# ----------------------------------------------------------------- evaluation
def chain_ids(lm: NgramLM, lines: Iterable[str]):
    """History columns and targets for every token of every chain of `lines`."""
    hist = [array("q") for _ in range(lm.order - 1)]
    targets = array("q")
    for line in lines:
        for chain in lm_units(line, lm.p_id is not None):
            ids = list(lm.ids(chain)) + [lm.eos_id]
            pad = [lm.bos_id] * (lm.order - 1) + ids
            for k in range(lm.order - 1):
                hist[k].extend(pad[k:k + len(ids)])
            targets.extend(ids)
    return [np.frombuffer(h, dtype=np.int64) for h in hist], np.frombuffer(targets, dtype=np.int64)


def perplexity(lm: NgramLM, lines: Iterable[str]) -> dict:
    """Per-token perplexity over chains (</s> included, <s> not predicted); with <p>
    units, also over the other tokens only (ppl_without_p: a model whose chains cut at
    punctuation predicts none of them)."""
    hist, targets = chain_ids(lm, lines)
    if len(targets) == 0:
        return {"tokens": 0, "ppl": None, "ppl_known": None, "unk_rate": None}
    lp = lm.logprob_ngram(hist, targets).astype(np.float64)
    known = targets != lm.unk_id
    out = {"tokens": int(len(targets)), "ppl": float(np.exp(-lp.mean())),
           "ppl_known": float(np.exp(-lp[known].mean())),
           "unk_rate": round(float(1 - known.mean()), 5)}
    if lm.p_id is not None:
        words = targets != lm.p_id
        out.update(p_tokens=int((~words).sum()), ppl_without_p=float(np.exp(-lp[words].mean())))
    return out


def query_speed(lm: NgramLM, n: int = 100_000, repeats: int = 5) -> float:
    """Trigram queries per second for one vectorized call of n random known-word triples."""
    rng = np.random.default_rng(0)
    p = lm.counts / lm.counts.sum()
    u, v, w = (rng.choice(len(p), size=n, p=p) for _ in range(3))
    lm.logprob(u, v, w)  # warm the pages
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        lm.logprob(u, v, w)
        best = min(best, time.perf_counter() - t)
    return n / best


# ----------------------------------------------------------------- CLI
def load_segment(corpus: str, name: str, split: str, every: int, cache: Optional[str], log=print):
    """Tokenize one corpus file (or reuse the cached tokenization)."""
    # (".p": chains with <p> units; a cache made before them is not reused)
    path = os.path.join(cache, f"{name}.{split}.every{every}.p") if cache else None
    if path and os.path.exists(path + ".forms"):
        return Segment.load(path)
    t = time.time()
    seg = Segment.encode(iter_lines(corpus, name, split=split, every=every))
    log(f"  {name} [{split}, every {every}]: {seg.lines:,} lines, "
        f"{int((seg.stream > EOS_ID).sum()):,} tokens [{time.time() - t:.0f}s]")
    if path:
        os.makedirs(cache, exist_ok=True)
        seg.save(path)
    return seg


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_corpus_args(ap)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(_HERE), "models", "ngram"))
    ap.add_argument("--order", type=int, default=3)
    ap.add_argument("--legal-every", type=int, default=1, help="keep 1 line in N of legal files")
    ap.add_argument("--general-every", type=int, default=2,
                    help="keep 1 line in N of the wiki/news files (0: leave them out)")
    ap.add_argument("--min-count", type=int, default=3,
                    help="a syllable enters the vocabulary when seen this often")
    ap.add_argument("--min-ngram-count", type=int, nargs="+", default=[1, 1],
                    help="minimum raw count of a kept n-gram, orders 2..N (raised to fit --max-mb)")
    ap.add_argument("--max-mb", type=float, default=40.0,
                    help="size budget of the model files in MB (0: no budget)")
    ap.add_argument("--no-quantize", action="store_true",
                    help="store float32 probabilities instead of 8-bit (top order) / float16")
    ap.add_argument("--cache", default=None,
                    help="directory to keep tokenized corpus files between runs (optional)")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    t0 = time.time()
    plan = [(n, args.legal_every) for n in LEGAL_FILES]
    if args.general_every > 0:
        plan += [(n, args.general_every) for n in GENERAL_FILES]
    log(f"tokenizing {len(plan)} files (train split)")
    segments = [load_segment(args.corpus, n, "train", e, args.cache, log) for n, e in plan]
    per_file = {n: {"every": e, "lines": s.lines, "tokens": int((s.stream > EOS_ID).sum())}
                for (n, e), s in zip(plan, segments)}
    log(f"tokenized [{time.time() - t0:.0f}s]")

    vocab, vocab_counts, tables, bits, info = build(
        segments, args.order, args.min_count, args.min_ngram_count,
        int(args.max_mb * 1e6) if args.max_mb else None, not args.no_quantize, log)
    del segments
    meta = {"log_base": "e", "smoothing":
            "interpolated modified Kneser-Ney, count-pruned, renormalized backoff",
            "corpus_files": per_file, **info,
            "command": " ".join(["python -m scripts.build_ngram"]
                                + list(argv if argv is not None else sys.argv[1:]))}
    size = save_model(args.out, vocab, vocab_counts, tables, bits, meta)
    del tables
    log(f"saved {args.out}: {size / 1e6:.1f} MB [{time.time() - t0:.0f}s]")

    t = time.perf_counter()
    lm = NgramLM.load(args.out)
    load_s = time.perf_counter() - t
    held = [line for name in LEGAL_FILES for line in iter_lines(args.corpus, name, split="heldout")]
    ppl = perplexity(lm, held)
    qps = query_speed(lm)
    meta_path = os.path.join(args.out, "meta.json")
    with open(meta_path, encoding="utf-8") as fh:
        meta = json.load(fh)
    meta.update(size_bytes=size, load_seconds=round(load_s, 3), heldout_legal=ppl,
                queries_per_second=int(qps), build_seconds=int(time.time() - t0))
    with open(meta_path, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=1)
    log(f"held-out legal: {ppl}; load {load_s:.3f}s; {qps / 1e6:.2f}M trigram queries/s; "
        f"total {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
