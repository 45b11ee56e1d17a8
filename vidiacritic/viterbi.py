"""Stage 4 — decoding: pick one syllable per position with a trigram language model.

A chain (see :func:`vidiacritic.tokens.chains`) becomes a lattice: position i holds
candidate syllable ids and a unary score (channel log-probability times a weight,
plus phrase-lexicon bonuses).  Second-order Viterbi finds the path maximising

    sum_i  LM(w_i | w_{i-2} w_{i-1})  +  unary_i(w_i)

The states are candidate *pairs*, so a position costs K³ language-model look-ups.  A
first-order (bigram) pass with max-marginals first cuts every position to a few
candidates, which rarely loses the word the trigram pass would pick.  A backward pass
gives max-marginals, whose softmax is the confidence reported by ``explain()``.

Speed comes from batching: chains of equal length are stacked into arrays
(chains × positions × candidates) and decoded together, so the number of numpy calls
grows with the longest chain, not with the number of words; all language-model
look-ups of a batch are one vectorised call.

The same two passes are also written in C (``vidiacritic/_decode.c``, built by setup.py
when a compiler is there), with the stored model's look-ups inside their loops; they give
the numpy code's results to the bit and run when built, unless VIDIACRITIC_DECODER=numpy
(:func:`decoder_tables`).  This numpy code is the fallback and the reference.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Dict, List, Optional, Protocol, Sequence, Tuple

import numpy as np

from . import compiled, plain_memory
from .compiled import CHOICES as DECODERS, ENV as DECODER_ENV

# The hot loops in C (vidiacritic/_decode.c), built when a compiler was there.  "auto"
# (default): the compiled decoder when it is built and the language model is a stored
# trigram model (NgramLM.decoder_tables), else numpy; "numpy": numpy alone; "compiled":
# as auto, but an error when the extension is not built (vidiacritic.compiled).  Both
# give the same results to the bit (tests/test_compiled_decoder.py).
_compiled = compiled.ext
_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # lm -> (its layout, decoder_tables)


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



NEG = -1e9  # score of a padding candidate (finite, so that max-marginals stay finite)
# Lattices of different lengths are decoded together when the longest is at most this
# many times the shortest (plus one): see _groups.
GROUP_STRETCH = 1.5
GROUP_CELLS = 1 << 18  # a group's arrays: 2 MB each at most (see _groups)
# The decoders' per-step max: the ufunc's reduce, which ndarray.max calls through a Python
# wrapper (numpy/_core/_methods.py) on each of a report's ~25,000 steps; the same values.
_max = np.maximum.reduce


def chosen_share(marginals: np.ndarray, forms: Sequence, k: int) -> float:
    """How sure a decoding is of a word's chosen form forms[k]: the marginals of every
    candidate with that form (a place name's syllable is offered twice, as a word and
    as an unknown one: lattice.as_unknown_too; split in two, its share would look
    unsure and send the segment to the scorer, rescoring.Rescorer.rescore, or widen
    the word, lattice.LatticeBuilder.widen)."""
    if isinstance(forms, (list, tuple)) and forms.count(forms[k]) == 1:
        return float(marginals[k])  # (the usual case: the sum below is 0 + that one marginal)
    return float(sum(m for f, m in zip(forms, marginals) if f == forms[k]))


def _unique_calls(fn, *cols: np.ndarray) -> np.ndarray:
    """Call the LM once per distinct n-gram: lattices repeat many (padding, common words).
    Ids are packed 21 bits each (the vocabulary is a few thousand syllables)."""
    packed = cols[0].astype(np.int64)
    for c in cols[1:]:
        packed = (packed << 21) | c
    uniq, inverse = np.unique(packed, return_inverse=True)
    if len(uniq) == len(packed):
        return fn(*cols)
    mask = (1 << 21) - 1
    parts = [(uniq >> (21 * (len(cols) - 1 - i))) & mask for i in range(len(cols))]
    return fn(*parts)[inverse]


def _stack(lattices: Sequence[Lattice], lm: LanguageModel, K: int, n_bos: int):
    """Pad lattices into (B, n_bos + n + 1, K) id and score arrays (n: the longest),
    with BOS positions in front and an EOS position at the end.  A shorter lattice gets
    more BOS positions in front (n - its length; see _front): its words end where the
    longest one's do.  Returns ids, scores and each lattice's count of extra BOS."""
    B, n = len(lattices), max(len(lat.ids) for lat in lattices)
    ids = np.full((B, n_bos + n + 1, K), lm.eos_id, dtype=np.int64)
    un = np.full((B, n_bos + n + 1, K), NEG)
    front = np.array([n - len(lat.ids) for lat in lattices], dtype=np.int64)
    bos = np.arange(n_bos + n)[None, :] < (n_bos + front)[:, None]  # (B, n_bos + n)
    ids[:, :-1, 0][bos] = lm.bos_id
    un[:, :-1, 0][bos] = 0.0
    un[:, -1, 0] = 0.0
    # Every position's candidates in one scatter each (a position's ids and scores are
    # placed on their own: they may differ in length)
    rows = [(b * (n_bos + n + 1) + n_bos + int(front[b]) + i) * K
            for b, lat in enumerate(lattices) for i in range(len(lat.ids))]
    _scatter(ids.reshape(-1), rows, [a for lat in lattices for a in lat.ids])
    _scatter(un.reshape(-1), rows, [u for lat in lattices for u in lat.unary])
    return ids, un, front


def _scatter(flat: np.ndarray, starts: Sequence[int], parts: Sequence[np.ndarray]) -> None:
    """flat[starts[k] : starts[k] + len(parts[k])] = parts[k] for every k."""
    lens = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    total = int(lens.sum())
    if total:
        ends = np.cumsum(lens)
        offset = np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lens), lens)
        flat[np.arange(total) + offset] = np.concatenate(parts)


def _front(scores: np.ndarray, front: Optional[np.ndarray]) -> np.ndarray:
    """Set to exactly 0 the language-model scores (B, T', ...) of the steps into a
    lattice's extra BOS positions, its first `front` steps.  A path then reaches the
    last BOS with score 0 + 0 + ... = 0, exactly as with the usual BOS positions alone,
    and every number the decoder computes for the lattice's words is the same to the
    bit (the extra positions' other candidates are padding, NEG, and never win a max)."""
    if front is not None and front.any():
        scores[np.arange(scores.shape[1])[None, :] < front[:, None]] = 0.0
    return scores


def _bigram_scores(ids: np.ndarray, valid: np.ndarray, lm, lm_weight: float) -> np.ndarray:
    """(B, T-1, K, K) bigram log-probabilities between neighbouring candidates, times
    lm_weight; 0 where either side is padding (its unary score is NEG already, so
    nothing is looked up)."""
    M = _bigram_lookups(ids, valid, lm)[0]
    if lm_weight != 1.0:  # (in place: the same products, one array less; x * 1.0 is x)
        M *= lm_weight
    return M


def _bigram_lookups(ids: np.ndarray, valid: np.ndarray, lm):
    """The unweighted scores of _bigram_scores (float64), and the dtype the language
    model gave them in (they are exact in it)."""
    pair = valid[:, :-1, :, None] & valid[:, 1:, None, :]
    v = np.broadcast_to(ids[:, :-1, :, None], pair.shape)[pair]
    w = np.broadcast_to(ids[:, 1:, None, :], pair.shape)[pair]
    M = np.zeros(pair.shape)
    if hasattr(lm, "bigram_lookup"):  # dense table: one fancy index, no search
        scores = lm.bigram_lookup(v, w)
    else:
        scores = _unique_calls(lm.logprob_bigram, v, w)
    M[pair] = scores
    return M, np.result_type(scores, np.float16)


def _bigram_keep(ids: np.ndarray, un: np.ndarray, lm, keep: int, lm_weight: float,
                 memo: Optional[dict] = None, front: Optional[np.ndarray] = None) -> np.ndarray:
    """Indices (B, n, keep) of the best candidates by bigram max-marginal (1 BOS pad,
    `front` more per lattice: see _stack).  `memo` keeps the bigram scores of lattices
    seen before (_remembered_bigram_scores)."""
    B, T, K = ids.shape
    valid = un > NEG / 2
    M = _remembered_bigram_scores(ids, valid, lm, lm_weight, memo,
                                  np.zeros(B, dtype=np.int64) if front is None else front)
    # Each step reads only the candidates some lattice of the group has at its two
    # positions (w[t]: the group's widest at t; K is the widest anywhere, and on the
    # dev OCR the padding made 22M of the passes' cells against 7.5M this way).  A
    # padding candidate (unary NEG) never wins a max over a position that has a real
    # one, so every real candidate's max-marginal is the same to the bit; the cells
    # left out stay -inf and sort after every real one, and a padding candidate kept
    # instead of another is the same padding (eos_id, NEG) to _viterbi2.
    w = (K - np.argmax(valid.any(axis=0)[:, ::-1], axis=1)).tolist()
    alpha = np.full((B, T, K), -np.inf)
    beta = np.zeros((B, T, K))
    alpha[:, 0] = un[:, 0]
    for t in range(1, T):
        a, b = w[t - 1], w[t]
        alpha[:, t, :b] = _max(alpha[:, t - 1, :a, None] + M[:, t - 1, :a, :b], 1) + un[:, t, :b]
    for t in range(T - 2, -1, -1):
        a, b = w[t], w[t + 1]
        beta[:, t, :a] = _max(M[:, t, :a, :b] + (un[:, t + 1, :b] + beta[:, t + 1, :b])[:, None, :], 2)
    mm = (alpha + beta)[:, 1:-1]
    return np.sort(np.argsort(-mm, axis=2, kind="stable")[:, :, :keep], axis=2)


def _remembered_bigram_scores(ids: np.ndarray, valid: np.ndarray, lm, lm_weight: float,
                              memo: Optional[dict], front: np.ndarray) -> np.ndarray:
    """_bigram_scores of (B, T, K) arrays, 0 for the steps into `front` extra BOS.
    `memo` (a dict, or None) keeps each lattice's own unweighted scores, by its
    candidates: the model engine decodes the same candidates again, with other unary
    scores, in other groups.  A lattice's scores are the block from its last BOS on, as
    wide as its widest position; every other cell of its row is 0 (padding, extra
    BOS), and each cell is computed alone, so the block is the same in any group.  It
    is kept in the language model's own dtype (float32 for the shipped one: exact)."""
    if memo is None:
        return _front(_bigram_scores(ids, valid, lm, lm_weight), front)
    B, T, K = ids.shape
    widths = valid.sum(axis=2).max(axis=1).tolist()
    keys = [_block_key(ids[b, int(front[b]):, :widths[b]], valid[b, int(front[b]):, :widths[b]]) for b in range(B)]
    blocks = [memo.get(key) for key in keys]
    todo = [b for b in range(B) if blocks[b] is None]
    if len(todo) == B:  # (no array for the mix of remembered and new rows)
        M, dtype = _bigram_lookups(ids, valid, lm)
        new = M
    else:
        M = np.zeros((B, T - 1, K, K))
        for b, block in enumerate(blocks):
            if block is not None:
                f = int(front[b])
                M[b, f:, : widths[b], : widths[b]] = block
        if todo:
            new, dtype = _bigram_lookups(ids[todo], valid[todo], lm)
            M[todo] = new
    for j, b in enumerate(todo):
        f, k = int(front[b]), widths[b]
        memo[keys[b]] = new[j, f:, :k, :k].astype(dtype)
    # weighted as _bigram_scores weighs (the decoders' weight is 1.0: a pass over every
    # cell of the group's arrays saved), then the extra BOS steps set to 0
    if lm_weight != 1.0:
        M *= lm_weight
    return _front(M, front)


def _block_key(ids: np.ndarray, valid: np.ndarray) -> tuple:
    """The memo key of a lattice's bigram block (_remembered_bigram_scores): its (rows,
    width) ids from its last BOS on, and their valid mask."""
    return ids.shape[0], ids.shape[1], ids.tobytes(), valid.tobytes()


def _viterbi2(ids: np.ndarray, un: np.ndarray, lm: LanguageModel, lm_weight: float,
              temperature: float = 1.0, front: Optional[np.ndarray] = None):
    """Second-order Viterbi over (B, 2 + n + 1, K) padded arrays (2 BOS, 1 EOS; `front`
    more BOS per lattice: see _stack).

    Returns best candidate index (B, n) and max-marginal softmax (B, n, K)."""
    B, T, K = ids.shape
    shape = (B, T - 2, K, K, K)
    u = np.broadcast_to(ids[:, :-2, :, None, None], shape)
    v = np.broadcast_to(ids[:, 1:-1, None, :, None], shape)
    w = np.broadcast_to(ids[:, 2:, None, None, :], shape)
    L = _unique_calls(lm.logprob, u.ravel(), v.ravel(), w.ravel()).reshape(shape)
    L = _front(L * lm_weight if lm_weight != 1.0 else L, front)  # (a fresh array: _front writes into it)
    L = L + un[:, 2:, None, None, :]  # fold the unary score of the new word in
    delta = np.empty((B, T, K, K))
    back = np.zeros((B, T, K, K), dtype=np.int64)
    delta[:, 1] = NEG
    delta[:, 1, 0, 0] = 0.0  # (BOS, BOS)
    for t in range(2, T):
        cand = delta[:, t - 1, :, :, None] + L[:, t - 2]  # (B, z, a, b)
        back[:, t] = cand.argmax(axis=1)
        delta[:, t] = _max(cand, 1)
    beta = np.zeros((B, T, K, K))
    for t in range(T - 1, 2, -1):
        beta[:, t - 1] = _max(L[:, t - 2] + beta[:, t, None, :, :], 3)
    rows = np.arange(B)
    flat = delta[:, T - 1].reshape(B, -1).argmax(axis=1)
    path = np.zeros((B, T), dtype=np.int64)
    path[:, T - 2], path[:, T - 1] = np.divmod(flat, K)
    for t in range(T - 1, 2, -1):
        path[:, t - 2] = back[rows, t, path[:, t - 1], path[:, t]]
    mm = (delta[:, 2 : T - 1] + beta[:, 2 : T - 1]).max(axis=2)  # (B, n, K)
    return path[:, 2 : T - 1], _softmax(mm, temperature)


def _softmax(mm: np.ndarray, temperature: float) -> np.ndarray:
    """The marginals _viterbi2 reports: the softmax of max-marginals (B, n, K) / T."""
    mm = (mm - mm.max(axis=2, keepdims=True)) / temperature
    p = np.exp(mm)
    return p / p.sum(axis=2, keepdims=True)


def decoder_tables(lm) -> Optional[tuple]:
    """The language model's arrays for the compiled decoder, or None when it decodes
    with numpy: the extension is not built, VIDIACRITIC_DECODER=numpy, or `lm` is not a
    stored trigram model (a test's fake model, the rules engine's unigrams)."""
    if not compiled.wanted(_compiled):
        return None
    layout = getattr(lm, "decoder_tables", None)
    base = layout() if layout is not None else None
    if base is None:
        return None
    known = _TABLES.get(lm)
    if known is None or known[0] is not base:
        # the stored bigrams as a bitmap (bit v * V + w), which the compiled decoder reads
        # before any table (5 MB in plain pages: vidiacritic.plain_memory), and where
        # each id's bigrams start in table 2; built in C
        V = len(base[1])
        seen, index = plain_memory.zeros(((V * V + 7) // 8,), np.uint8), np.empty(V + 1, dtype=np.int64)
        _compiled.seen_bigrams(base[4], base[5], base[0], V, seen, index)
        known = (base, base + (seen, index))
        _TABLES[lm] = known
    return known[1]


def bigram_lookup(tables: tuple, v, w) -> np.ndarray:
    """NgramLM.bigram_lookup in C from decoder_tables(lm) (the same float32 values),
    without the 85 MB dense table: NgramLM.bigram_lookup calls it when the compiled
    decoder runs and that table was not built."""
    v, w = np.broadcast_arrays(np.asarray(v, dtype=np.int64), np.asarray(w, dtype=np.int64))
    v, w = np.ascontiguousarray(v), np.ascontiguousarray(w)
    out = np.empty(v.shape, dtype=np.float32)
    _compiled.bigram_lookup(tables, v.size, v, w, out)
    return out


def _compiled_keep(ids: np.ndarray, un: np.ndarray, tables: tuple, keep: int, lm_weight: float,
                   front: np.ndarray, start: int) -> np.ndarray:
    """_bigram_keep(ids[:, start:], un[:, start:], ...) in C (the same indices)."""
    B, T, K = ids.shape
    kept = np.empty((B, T - start - 2, min(K, keep)), dtype=np.int64)
    _compiled.bigram_keep(tables, B, T, K, start, ids, un, front, keep, float(lm_weight), kept)
    return kept


def _compiled_viterbi2(ids: np.ndarray, un: np.ndarray, tables: tuple, lm_weight: float,
                       temperature: float, front: np.ndarray):
    """_viterbi2 in C (the same best paths and marginals)."""
    B, T, K = ids.shape
    path = np.empty((B, T - 3), dtype=np.int64)
    mm = np.empty((B, T - 3, K))
    _compiled.viterbi2(tables, B, T, K, np.ascontiguousarray(ids), np.ascontiguousarray(un), front,
                       float(lm_weight), path, mm)
    return path, _softmax(mm, temperature)


def _decode_group(lattices: Sequence[Lattice], lm, lm_weight: float, prune_to: int,
                  temperature: float, memo: Optional[dict] = None,
                  tables: Optional[tuple] = None) -> List[Decoded]:
    """`tables`: decoder_tables(lm), the compiled decoder's (None: numpy's; the compiled
    one needs no memo, its bigram look-ups are cheap)."""
    K = max(len(a) for lat in lattices for a in lat.ids)
    ids, un, front = _stack(lattices, lm, K, n_bos=2)
    kept = None
    if prune_to and K > prune_to and hasattr(lm, "logprob_bigram"):
        if tables is not None:
            kept = _compiled_keep(ids, un, tables, prune_to, lm_weight, front, 1)
        else:
            kept = _bigram_keep(ids[:, 1:], un[:, 1:], lm, prune_to, lm_weight, memo, front)  # (B, n, keep)
        pad = np.broadcast_to(np.arange(prune_to), (len(lattices), 2, prune_to))
        sel = np.concatenate([pad, kept, pad[:, :1]], axis=1)
        sel[:, [0, 1, -1]] = np.arange(prune_to)
        ids = np.take_along_axis(ids, sel, axis=2)
        un = np.take_along_axis(un, sel, axis=2)
    if tables is not None:
        best, marg = _compiled_viterbi2(ids, un, tables, lm_weight, temperature, front)
    else:
        best, marg = _viterbi2(ids, un, lm, lm_weight, temperature, front)
    out = []
    if kept is not None:
        # Back in the original candidate indexing, the whole group at once (a Python
        # step per word had cost more than the scatter): a kept candidate's marginal
        # at its index, 0 for the pruned; the padding kept where a word has fewer
        # candidates than prune_to lands past its own (cut off by the slices below).
        full = np.zeros((len(lattices), kept.shape[1], K))
        np.put_along_axis(full, kept, marg, axis=2)
        best = np.take_along_axis(kept, best[:, :, None], axis=2)[:, :, 0]
        marg = full
    for b, lat in enumerate(lattices):
        f = int(front[b])  # the lattice's words start after its extra BOS positions
        out.append(Decoded(best[b, f:].tolist(), [marg[b, f + i, : len(a)] for i, a in enumerate(lat.ids)]))
    return out


def _groups(lengths: Sequence[int], widths: Sequence[int], prune_to: int = 0,
            stretch: float = GROUP_STRETCH, budget: int = GROUP_CELLS) -> List[List[int]]:
    """Indices of non-empty lattices, grouped to be decoded together: by length, the
    longest of a group at most `stretch` times its shortest (plus one), and a group's
    cells (lattices × positions × the larger of width², the bigram arrays, and
    (width after pruning)³, the trigram arrays) at most `budget` unless one lattice
    alone has more.  One group costs a Python loop step per position of its longest
    lattice, whatever its size; the stretch bounds the padding (extra BOS positions) it
    adds, the budget its memory.  widths[i]: lattice i's most candidates at a position."""
    def cells(width: int) -> int:
        k = min(width, prune_to) if prune_to else width
        return max(width * width, k * k * k)

    order = sorted((n, i) for i, n in enumerate(lengths) if n > 0)
    groups: List[List[int]] = []
    low = width = 0
    for n, i in order:
        wider = max(width, widths[i])
        if not groups or n > low * stretch + 1 or (len(groups[-1]) + 1) * (n + 3) * cells(wider) > budget:
            groups.append([])
            low, wider = n, widths[i]
        groups[-1].append(i)
        width = wider
    return groups


def decode_batch(lattices: Sequence[Lattice], lm: LanguageModel, lm_weight: float = 1.0,
                 prune_to: int = 0, temperature: float = 1.0,
                 memo: Optional[dict] = None) -> List[Decoded]:
    """Viterbi-decode many lattices; chains of equal length are decoded together.

    With `prune_to` > 0 a bigram pass first cuts each position to that many candidates;
    results are reported in the original candidate indexing (pruned ones get 0).
    `temperature` flattens the max-marginal softmax (calibrated confidences).
    `memo`: a dict shared by calls that decode the same candidates again (each
    lattice's bigram scores; it grows with the lattices decoded, so share it only
    among the decodes of one document slice).
    """
    out: List[Decoded] = [Decoded([], []) for lat in lattices]  # (empty lattices stay so)
    widths = [max(map(len, lat.ids), default=0) for lat in lattices]
    tables = decoder_tables(lm)
    groups = _groups([len(lat.ids) for lat in lattices], widths, prune_to)

    def group(members: List[int]) -> List[Decoded]:
        return _decode_group([lattices[i] for i in members], lm, lm_weight, prune_to, temperature, memo, tables)

    # The compiled passes release the GIL, so groups decoded on threads overlap (each
    # group's numbers are its own: the same output in any order); numpy's share of a
    # group runs mostly under the GIL, and its memo is a dict shared by the groups.
    pool = compiled.pool() if tables is not None and len(groups) > 1 else None
    for members, decs in zip(groups, pool.map(group, groups) if pool is not None else map(group, groups)):
        for i, dec in zip(members, decs):
            out[i] = dec
    return out


def _memo_key(ids: Sequence[np.ndarray], lm) -> Tuple[tuple, np.ndarray, np.ndarray]:
    """The memo key of a lattice with candidate ids `ids` (_remembered_bigram_scores:
    its last BOS, its positions and its EOS, as wide as its widest position, padded
    with eos_id), and those (n + 2, width) ids and their valid mask."""
    n, width = len(ids), max(max(map(len, ids), default=1), 1)
    full = np.full((n + 2, width), lm.eos_id, dtype=np.int64)
    valid = np.zeros((n + 2, width), dtype=bool)
    full[0, 0], valid[0, 0], valid[-1, 0] = lm.bos_id, True, True
    for i, a in enumerate(ids):
        full[i + 1, :len(a)] = a
        valid[i + 1, :len(a)] = True
    return _block_key(full, valid), full, valid


def memo_grown(memo: Optional[dict], ids: Sequence[np.ndarray], old: Dict[int, int], lm) -> None:
    """A lattice (candidate ids `ids`) whose positions `old` ({position: its former
    candidate count}) grew new candidates at their end: put its bigram scores into
    `memo` (decode_batch) from those of the lattice before, looking up only the steps
    into and out of a grown position.  A later decode of the grown lattice then finds
    them (a chain grown at one word costs two steps, not the chain's): the model
    engine's second decode had looked up every grown chain again (LatticeBuilder.widen;
    bigram look-ups of the dev OCR report +31%, with this +4.5%)."""
    if not memo or not old:  # (empty: nothing to grow from; the compiled decoder keeps none)
        return
    before = [a[:old[i]] if i in old else a for i, a in enumerate(ids)]
    key0, _, _ = _memo_key(before, lm)
    block0 = memo.get(key0)
    if block0 is None:
        return
    key, full, valid = _memo_key(ids, lm)
    if key in memo:
        return
    w0 = block0.shape[1]
    block = np.zeros((full.shape[0] - 1, full.shape[1], full.shape[1]), dtype=block0.dtype)
    block[:, :w0, :w0] = block0
    for t in sorted({t for i in old for t in (i, i + 1)}):  # the steps into and out of row i + 1
        block[t] = _bigram_lookups(full[None, t:t + 2], valid[None, t:t + 2], lm)[0][0, 0].astype(block0.dtype)
    memo[key] = block
