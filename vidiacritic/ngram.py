"""Stage 4a — the syllable n-gram language model at run time (numpy only).

The model is built by ``scripts/build_ngram.py`` (interpolated modified Kneser–Ney,
count-pruned, backoff weights renormalized) and stored ARPA-style in ``models/ngram/``:

  vocab.txt          one unit per line, ``syllable<TAB>count``; the line number is the id.
                     Ids 0–3 are ``<unk> <s> </s> <num>``, then syllables by frequency.
  meta.json          order, bits per id, thresholds, corpus counts, metrics.
  1.logp.npy         float32 [V]   log P(w) (natural log)
  1.bow.npy          float32 [V]   log backoff weight of the one-word context w
  n.keys.npy         int64 sorted  packed n-gram ids, ``((w1 << b) | w2) << b | w3 …``
  n.logp.npy         float32       interpolated log P(w_n | w_1 … w_{n-1})
  n.bow.npy          float32       log backoff weight of the context w_1 … w_n (n < order)

Querying is the ARPA recursion, vectorized over arrays of queries with
``np.searchsorted``: a stored n-gram gives its probability, otherwise the context's
backoff weight is added to the probability under the shorter context.  No Python
dict over n-grams exists; only the vocabulary is a dict.

Units are what ``vidiacritic.tokens.lm_units`` yields, mapped by
``vidiacritic.text.normalize_syllable`` (lowercase, traditional tone placement);
anything the builder did not accept as a syllable is ``<unk>``.  A sentence is scored
as ``<s> <s> w1 … wn </s>``: the missing context (<s>, <s>) is never stored, so the
first word falls back to P(w1 | <s>) on its own.
"""
from __future__ import annotations

import importlib.resources
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .text import normalize_syllable
from .tokens import NUM_TOKEN

UNK, BOS, EOS = "<unk>", "<s>", "</s>"
SPECIALS = (UNK, BOS, EOS, NUM_TOKEN)  # ids 0..3 in every vocabulary

PathLike = Union[str, os.PathLike]


def default_model_dir() -> Path:
    """The shipped model: the installed package vidiacritic.models, else the repo's models/."""
    try:
        path = Path(str(importlib.resources.files("vidiacritic.models") / "ngram"))
        if (path / "vocab.txt").is_file():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "models" / "ngram"


def pack(cols: Sequence[np.ndarray], bits: int) -> np.ndarray:
    """Pack id columns (oldest first) into one int64 key per row."""
    key = np.asarray(cols[0], dtype=np.int64)
    for col in cols[1:]:
        key = (key << bits) | np.asarray(col, dtype=np.int64)
    return key


_SORT_MIN = 2048  # below this many queries, sorting them costs more than it saves


def _find(keys: np.ndarray, query: np.ndarray, presorted: bool = False):
    """(found mask, index) of each query key in the sorted array `keys`.

    Binary search is several times faster over sorted queries (successive searches
    stay in cache), so a large unsorted query is sorted first.
    """
    if len(keys) == 0:
        return np.zeros(query.shape, dtype=bool), np.zeros(query.shape, dtype=np.intp)
    if not presorted and query.size > _SORT_MIN:
        perm = np.argsort(query)
        found, idx = _find(keys, query[perm], presorted=True)
        out_found, out_idx = np.empty_like(found), np.empty_like(idx)
        out_found[perm], out_idx[perm] = found, idx
        return out_found, out_idx
    idx = np.searchsorted(keys, query)
    np.minimum(idx, len(keys) - 1, out=idx)
    return keys[idx] == query, idx


def backoff_logprob(logp: List[np.ndarray], bow: List[np.ndarray], keys: List[np.ndarray],
                    bits: int, hist: Sequence[np.ndarray], w: np.ndarray) -> np.ndarray:
    """log P(w | hist) by the ARPA backoff recursion.

    Tables are indexed by order n = 1..N (index 0 unused): ``logp[n]``, ``keys[n]``
    (``keys[1]`` unused: unigrams are indexed by id) and ``bow[n]`` for n < N.
    `hist` is the list of history columns, oldest first; only the last N-1 are used.
    Shared by the builder (float64 tables) and NgramLM (float32 tables).
    """
    order = len(logp) - 1
    w = np.asarray(w, dtype=np.int64)
    hist = [np.asarray(h, dtype=np.int64) for h in hist][max(0, len(hist) - (order - 1)):]
    if hist and w.size > _SORT_MIN:
        # Sort the queries once by the full n-gram: that sorts the two largest lookups,
        # the n-gram itself and its context (see _find).
        shape = w.shape
        perm = np.argsort(pack([h.ravel() for h in hist] + [w.ravel()], bits))
        lp = _backoff(logp, bow, keys, bits, [h.ravel()[perm] for h in hist], w.ravel()[perm],
                      sorted_top=True)
        out = np.empty_like(lp)
        out[perm] = lp
        return out.reshape(shape)
    return _backoff(logp, bow, keys, bits, hist, w)


def _backoff(logp, bow, keys, bits, hist, w, sorted_top=False):
    lp = logp[1][w]
    top = len(hist) + 1
    for n in range(2, len(hist) + 2):
        ctx = hist[len(hist) - (n - 1):]
        if n == 2:
            ctx_bow = bow[1][ctx[0]]
            ctx_key = ctx[0]
        else:
            ctx_key = pack(ctx, bits)
            found, i = _find(keys[n - 1], ctx_key, presorted=sorted_top and n == top)
            ctx_bow = np.where(found, bow[n - 1][i], 0)
        found, i = _find(keys[n], (ctx_key << bits) | w, presorted=sorted_top and n == top)
        lp = np.where(found, logp[n][i], ctx_bow + lp)
    return lp


class NgramLM:
    """A loaded n-gram model.  ``NgramLM.load()`` gives the shipped one.

    >>> lm = NgramLM.load()                                   # doctest: +SKIP
    >>> u, v, w = lm.ids(["ủy", "ban", "nhân"])               # doctest: +SKIP
    >>> lm.logprob(np.array([u]), np.array([v]), np.array([w]))  # doctest: +SKIP
    """

    def __init__(self, vocab_words: List[str], counts: np.ndarray, logp, bow, keys,
                 bits: int, meta: Optional[dict] = None):
        self.words = vocab_words
        self.vocab: Dict[str, int] = {s: i for i, s in enumerate(vocab_words)}
        self.counts = counts
        self.order = len(logp) - 1
        self.bits = bits
        self.meta = meta or {}
        self._logp, self._bow, self._keys = logp, bow, keys
        self.unk_id, self.bos_id, self.eos_id, self.num_id = (self.vocab[s] for s in SPECIALS)

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: Optional[PathLike] = None, mmap: bool = True) -> "NgramLM":
        """Load a model directory (default: the shipped models/ngram).

        With ``mmap`` (default) the arrays are memory-mapped: loading costs almost
        nothing and pages are read on first use.
        """
        path = Path(path) if path is not None else default_model_dir()
        if not (path / "vocab.txt").is_file():
            raise FileNotFoundError(
                f"no n-gram model in {path}; build one with scripts/build_ngram.py")
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        words, counts = [], []
        with open(path / "vocab.txt", encoding="utf-8") as fh:
            for line in fh:
                word, _, count = line.rstrip("\n").partition("\t")
                words.append(word)
                counts.append(int(count))
        mode = "r" if mmap else None
        order = int(meta["order"])
        logp, bow, keys = [None], [None], [None]
        for n in range(1, order + 1):
            logp.append(np.load(path / f"{n}.logp.npy", mmap_mode=mode))
            bow.append(np.load(path / f"{n}.bow.npy", mmap_mode=mode) if n < order else None)
            keys.append(np.load(path / f"{n}.keys.npy", mmap_mode=mode) if n > 1 else None)
        return cls(words, np.asarray(counts, dtype=np.int64), logp, bow, keys,
                   int(meta["bits"]), meta)

    # ------------------------------------------------------------ ids
    def id(self, word: str) -> int:
        """Id of one unit: exact match, else its normalized syllable, else unk_id."""
        i = self.vocab.get(word)
        if i is None:
            i = self.vocab.get(normalize_syllable(word), self.unk_id)
        return i

    def ids(self, words: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.id(w) for w in words), dtype=np.int64, count=len(words))

    # ------------------------------------------------------------ scoring
    def logprob(self, u, v, w) -> np.ndarray:
        """Vectorized natural-log P(w | u v) for id arrays of equal shape (float32).

        Pad the start of a chain with bos_id: P(w | <s> <s>) = P(w | <s>).
        """
        return backoff_logprob(self._logp, self._bow, self._keys, self.bits, [u, v], w)

    def logprob_bigram(self, v, w) -> np.ndarray:
        """Vectorized natural-log P(w | v)."""
        return backoff_logprob(self._logp, self._bow, self._keys, self.bits, [v], w)

    def logprob_ngram(self, hist: Sequence, w) -> np.ndarray:
        """Vectorized log P(w | hist) for any number of history columns (oldest first)."""
        return backoff_logprob(self._logp, self._bow, self._keys, self.bits, hist, w)

    def token_logprobs(self, words: Sequence[str], eos: bool = True) -> np.ndarray:
        """Per-token log-probabilities of one chain: w1 … wn (and </s> when `eos`)."""
        ids = self.ids(words)
        if eos:
            ids = np.append(ids, self.eos_id)
        pad = np.concatenate([np.full(self.order - 1, self.bos_id, dtype=np.int64), ids])
        hist = [pad[k:k + len(ids)] for k in range(self.order - 1)]
        return self.logprob_ngram(hist, ids)

    def sentence_logprob(self, words: Sequence[str], eos: bool = True) -> float:
        """Natural-log probability of one chain (list of syllables / "<num>")."""
        return float(np.sum(self.token_logprobs(words, eos), dtype=np.float64))

    def __repr__(self) -> str:
        sizes = [len(self._logp[n]) for n in range(1, self.order + 1)]
        return f"NgramLM(order={self.order}, sizes={sizes})"
