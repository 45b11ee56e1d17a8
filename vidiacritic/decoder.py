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
from typing import List, Protocol, Sequence

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
        shape = (len(a), len(b), len(c))
        uu, vv, ww = np.meshgrid(a, b, c, indexing="ij")
        us.append(uu.ravel())
        vs.append(vv.ravel())
        ws.append(ww.ravel())
        shapes.append(shape)
    return us, vs, ws, shapes


def decode_batch(lattices: Sequence[Lattice], lm: LanguageModel, lm_weight: float = 1.0) -> List[Decoded]:
    """Viterbi-decode many lattices, sharing one language-model call."""
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
