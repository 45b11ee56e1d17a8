"""Stage 4 — decoding: pick one syllable per position with a trigram language model.

A chain (see :func:`vidiacritic.tokens.chains`) becomes a lattice: position i holds
candidate syllable ids and a unary score (channel log-probability times a weight,
plus phrase-lexicon bonuses).  Second-order Viterbi finds the path maximising

    sum_i  LM(w_i | w_{i-2} w_{i-1})  +  unary_i(w_i)

The states are candidate *pairs*, so a position costs K_{i-2}·K_{i-1}·K_i language
model look-ups; with K ≤ 8 that is at most 512, and all look-ups of all chains in a
batch are made in one vectorised call.  A backward pass gives max-marginals, whose
softmax is the confidence reported by ``explain()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Protocol, Sequence, Tuple

import numpy as np


class LanguageModel(Protocol):
    bos_id: int
    eos_id: int

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray: ...


@dataclass
class Lattice:
    """Candidates of one chain: ids[i] and unary[i] are parallel 1-D arrays."""

    ids: List[np.ndarray]
    unary: List[np.ndarray]


@dataclass
class Decoded:
    best: List[int]  # index into the candidates of each position
    marginals: List[np.ndarray]  # per position: softmax of max-marginals over candidates


def _padded(lat: Lattice, lm: LanguageModel):
    one = np.zeros(1)
    ids = [np.array([lm.bos_id]), np.array([lm.bos_id])] + list(lat.ids) + [np.array([lm.eos_id])]
    un = [one, one] + list(lat.unary) + [one]
    return ids, un


def _triples(ids: Sequence[np.ndarray]):
    """All (u, v, w) id triples needed by a padded lattice, position by position."""
    us, vs, ws, shapes = [], [], [], []
    for t in range(2, len(ids)):
        a, b, c = ids[t - 2], ids[t - 1], ids[t]
        # The flattened (a, b, c) grid in C order, without meshgrid's overhead.
        us.append(np.repeat(a, len(b) * len(c)))
        vs.append(np.tile(np.repeat(b, len(c)), len(a)))
        ws.append(np.tile(c, len(a) * len(b)))
        shapes.append((len(a), len(b), len(c)))
    return us, vs, ws, shapes


def _bigram_prune(lattices: Sequence[Lattice], lm, keep: int, lm_weight: float):
    """First-order (bigram) pass: keep the `keep` best candidates per position by
    bigram max-marginal.  It costs K² look-ups per position instead of K³ and rarely
    drops the candidate the trigram pass would choose."""
    padded = [_padded(lat, lm) for lat in lattices]
    vs, ws = [], []
    for ids, _ in padded:
        for t in range(1, len(ids)):
            a, b = ids[t - 1], ids[t]
            vs.append(np.repeat(a, len(b)))
            ws.append(np.tile(b, len(a)))
    scores = lm.logprob_bigram(np.concatenate(vs), np.concatenate(ws)) * lm_weight if vs else np.zeros(0)
    offset = 0
    out: List[Tuple[Lattice, List[np.ndarray]]] = []
    for (ids, unary), lat in zip(padded, lattices):
        n = len(ids)
        mats = []
        for t in range(1, n):
            size = len(ids[t - 1]) * len(ids[t])
            mats.append(scores[offset : offset + size].reshape(len(ids[t - 1]), len(ids[t])))
            offset += size
        alpha = [unary[0]]
        for t in range(1, n):
            alpha.append((alpha[-1][:, None] + mats[t - 1]).max(axis=0) + unary[t])
        beta = [np.zeros(len(ids[n - 1]))]
        for t in range(n - 1, 0, -1):
            beta.append((mats[t - 1] + (unary[t] + beta[-1])[None, :]).max(axis=1))
        beta.reverse()
        kept = []
        for i in range(len(lat.ids)):
            if len(lat.ids[i]) <= keep:
                kept.append(np.arange(len(lat.ids[i])))
                continue
            mm = alpha[i + 2] + beta[i + 2]
            kept.append(np.sort(np.argsort(-mm, kind="stable")[:keep]))
        out.append((Lattice([lat.ids[i][k] for i, k in enumerate(kept)],
                            [lat.unary[i][k] for i, k in enumerate(kept)]), kept))
    return out


def decode_batch(lattices: Sequence[Lattice], lm: LanguageModel, lm_weight: float = 1.0,
                 prune_to: int = 0) -> List[Decoded]:
    """Viterbi-decode many lattices, sharing one language-model call.

    With `prune_to` > 0 a bigram pass first cuts each position to that many candidates;
    results are reported in the original candidate indexing (pruned ones get 0).
    """
    if prune_to and hasattr(lm, "logprob_bigram"):
        pruned = _bigram_prune(lattices, lm, prune_to, lm_weight)
        decoded = decode_batch([p for p, _ in pruned], lm, lm_weight)
        out = []
        for lat, (_, kept), dec in zip(lattices, pruned, decoded):
            marg = []
            for i, k in enumerate(kept):
                full = np.zeros(len(lat.ids[i]))
                full[k] = dec.marginals[i]
                marg.append(full)
            out.append(Decoded([int(k[b]) for k, b in zip(kept, dec.best)], marg))
        return out
    padded = [_padded(lat, lm) for lat in lattices]
    all_u, all_v, all_w, all_shapes = [], [], [], []
    for ids, _ in padded:
        us, vs, ws, shapes = _triples(ids)
        all_u += us
        all_v += vs
        all_w += ws
        all_shapes.append(shapes)
    if all_u:
        scores = lm.logprob(np.concatenate(all_u), np.concatenate(all_v), np.concatenate(all_w)) * lm_weight
    else:
        scores = np.zeros(0)
    out: List[Decoded] = []
    offset = 0
    for (ids, unary), shapes in zip(padded, all_shapes):
        tensors = []
        for shape in shapes:
            size = shape[0] * shape[1] * shape[2]
            tensors.append(scores[offset : offset + size].reshape(shape))
            offset += size
        out.append(_viterbi(unary, tensors))
    return out


def _viterbi(unary: List[np.ndarray], lmt: List[np.ndarray]) -> Decoded:
    n = len(unary)  # padded length: 2 BOS + positions + EOS
    delta = [None] * n
    back = [None] * n
    delta[1] = np.zeros((1, 1))
    for t in range(2, n):
        # cand[z, a, b] = delta[t-1][z, a] + LM(z, a, b) + unary_t[b]
        cand = delta[t - 1][:, :, None] + lmt[t - 2] + unary[t][None, None, :]
        back[t] = cand.argmax(axis=0)
        delta[t] = cand.max(axis=0)
    # Backward max-scores for max-marginals.
    beta = [None] * n
    beta[n - 1] = np.zeros_like(delta[n - 1])
    for t in range(n - 1, 1, -1):
        # beta[t-1][z, a] = max_b LM(z, a, b) + unary_t[b] + beta[t][a, b]
        beta[t - 1] = (lmt[t - 2] + unary[t][None, None, :] + beta[t][None, :, :]).max(axis=2)
    # Backtrack.
    a, b = np.unravel_index(int(delta[n - 1].argmax()), delta[n - 1].shape)
    path = [0] * n
    path[n - 1], path[n - 2] = int(b), int(a)
    for t in range(n - 1, 2, -1):
        z = int(back[t][path[t - 1], path[t]])
        path[t - 2] = z
    marg: List[np.ndarray] = []
    for t in range(2, n - 1):
        mm = (delta[t] + beta[t]).max(axis=0)
        mm = mm - mm.max()
        p = np.exp(mm)
        marg.append(p / p.sum())
    return Decoded(best=path[2 : n - 1], marginals=marg)
