"""Stage 4a — the syllable n-gram language model at run time (numpy only).

The model is built by ``scripts/build_ngram.py`` (interpolated modified Kneser–Ney,
count-pruned, backoff weights renormalized) and stored ARPA-style in ``models/ngram/``:

  vocab.txt       one unit per line, ``syllable<TAB>count``; the line number is the id.
                  Ids 0–4 are ``<unk> <s> </s> <num> <p>`` (0–3 in a model built
                  before ``<p>``), then syllables by frequency.
  meta.json       order, bits per id, thresholds, corpus counts, metrics.
  1.logp.npy      float32 [V]  log P(w) (natural log)
  1.bow.npy       float32 [V]  log backoff weight of the one-word context w
  n.keys.npy      uint32       the n-gram as ``(row of its context in table n-1) << b | w_n``
                               (for bigrams the row is the id w_1; b = meta "bits"):
                               a trie as sorted arrays.  Low 32 bits of the key, sorted
                               within buckets of equal high bits (key >> 32);
  n.starts.npy    int64        the row where each bucket starts, plus the end
  n.logp.npy      float16, or (highest order) uint8 codes into n.codebook.npy
                  (float32 [256]): log P(w_n | w_1 … w_{n-1})
  n.bow.npy       float16      log backoff weight of the context w_1 … w_n (n < order)

Split keys and 8-bit probabilities take 5 bytes per trigram instead of 12, so the
40 MB budget holds every trigram seen, not only those seen twice (worth 0.1–0.25
points of restoration accuracy, see models/ngram/CARD.md).  The builder computes the
backoff weights from the stored, rounded probabilities, so every context still sums to 1.

Querying is the ARPA recursion, vectorized over arrays of queries with
``np.searchsorted``: a stored n-gram gives its probability, otherwise the context's
backoff weight is added to the probability under the shorter context.  Every stored
n-gram's context is stored too, so a context that is not found ends the search.  No Python
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

from . import plain_memory
from .text import normalize_syllable
from .tokens import NUM_TOKEN, P_TOKEN

UNK, BOS, EOS = "<unk>", "<s>", "</s>"
# ids 0..4 in every vocabulary built now; a model built before P_TOKEN (soft
# punctuation inside a chain, vidiacritic.tokens.chains) has ids 0..3 only
SPECIALS = (UNK, BOS, EOS, NUM_TOKEN, P_TOKEN)

PathLike = Union[str, os.PathLike]

FORMAT = "vidiacritic-ngram-2"  # meta.json "format" of the layout described above
_SORT_MIN = 2048  # below this many queries, sorting them costs more than it saves
_LOW = (1 << 32) - 1


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


def _via_sorted(find, query: np.ndarray):
    """Run `find` on the sorted, flattened queries and put the answers back in place."""
    flat = query.ravel()
    perm = np.argsort(flat)
    found, idx = find(flat[perm])
    out_found, out_idx = np.empty_like(found), np.empty_like(idx)
    out_found[perm], out_idx[perm] = found, idx
    return out_found.reshape(query.shape), out_idx.reshape(query.shape)


class Table:
    """The stored n-grams of one order: sorted keys, log-probabilities, backoff weights.

    Keys (context row << bits | last id) are int64 (``starts`` None: the builder's
    tables) or uint32 low halves sorted within buckets of equal high half (``starts``:
    stored models).  ``logp``
    holds floats, or uint8 codes into ``codebook``.  Unigram tables have no keys.
    """

    def __init__(self, keys, logp, bow=None, starts=None, codebook=None):
        self.keys, self.logp, self.bow = keys, logp, bow
        self.starts, self.codebook = starts, codebook

    def __len__(self) -> int:
        return len(self.logp)

    def logprob(self, rows) -> np.ndarray:
        if self.codebook is not None:
            return self.codebook[self.logp[rows]]
        lp = self.logp[rows]
        return lp.astype(np.float32) if lp.dtype == np.float16 else lp

    def find(self, query: np.ndarray, presorted: bool = False):
        """(found mask, row) of each int64 query key.

        Binary search is several times faster over sorted queries (successive searches
        stay in cache), so large unsorted queries are sorted first; so are all queries
        to a table of several buckets, which is searched bucket by bucket.
        """
        if len(self.keys) == 0 or query.size == 0:  # (no query: _backoff asks none when no context is stored)
            return np.zeros(query.shape, dtype=bool), np.zeros(query.shape, dtype=np.intp)
        buckets = 1 if self.starts is None else len(self.starts) - 1
        if not presorted and (query.size > _SORT_MIN or (buckets > 1 and query.size > 1)):
            return _via_sorted(lambda q: self.find(q, presorted=True), query)
        if self.starts is None:
            rows = np.searchsorted(self.keys, query)
            np.minimum(rows, len(self.keys) - 1, out=rows)
            return self.keys[rows] == query, rows
        low, high = (query & _LOW).astype(np.uint32), query >> 32
        if buckets == 1:
            rows = np.searchsorted(self.keys, low)
            np.minimum(rows, len(self.keys) - 1, out=rows)
            return (self.keys[rows] == low) & (high == 0), rows
        # 1-d queries, sorted or nearly: one search per run of queries in one bucket
        found = np.zeros(low.shape, dtype=bool)
        rows = np.zeros(low.shape, dtype=np.intp)
        cuts = (np.flatnonzero(high[1:] != high[:-1]) + 1).tolist()
        for a, b in zip([0] + cuts, cuts + [len(low)]):
            h = int(high[a])
            if h >= buckets:
                continue
            lo, hi = int(self.starts[h]), int(self.starts[h + 1])
            if lo == hi:
                continue
            keys = self.keys[lo:hi]
            i = np.searchsorted(keys, low[a:b])
            np.minimum(i, hi - lo - 1, out=i)
            found[a:b] = keys[i] == low[a:b]
            rows[a:b] = i + lo
        return found, rows


def _find_runs(table: Table, query: np.ndarray, presorted: bool):
    """table.find(query), searching each run of equal sorted queries once: a context
    repeats for every word it is followed by (K times in a lattice of K candidates)."""
    if not presorted or query.size < 2:
        return table.find(query, presorted)
    first = np.empty(query.shape, dtype=bool)
    first[0] = True
    np.not_equal(query[1:], query[:-1], out=first[1:])
    found, rows = table.find(query[first], True)
    run = np.cumsum(first) - 1  # the run each query belongs to
    return found[run], rows[run]


def backoff_logprob(tables: Sequence[Optional[Table]], bits: int, hist: Sequence,
                    w, bigram=None) -> np.ndarray:
    """log P(w | hist) by the ARPA backoff recursion.

    ``tables[n]`` is the Table of order n = 1..N (index 0 unused; unigrams are indexed
    by id; the highest order has no backoff weights).  `hist` is the list of history
    columns, oldest first; only the last N-1 are used.  Shared by the builder (float64
    tables) and NgramLM (stored tables).
    """
    order = len(tables) - 1
    w = np.asarray(w, dtype=np.int64)
    hist = [np.asarray(h, dtype=np.int64) for h in hist][max(0, len(hist) - (order - 1)):]
    if hist and w.size > _SORT_MIN:
        # Sort the queries once by the full n-gram: that sorts the two largest lookups,
        # the n-gram itself and its context.
        packed = pack([h.ravel() for h in hist] + [w.ravel()], bits)
        if np.all(packed[1:] >= packed[:-1]):  # callers often pass sorted, de-duplicated queries
            return _backoff(tables, bits, [h.ravel() for h in hist], w.ravel(),
                            sorted_top=True, bigram=bigram).reshape(w.shape)
        perm = np.argsort(packed)
        lp = _backoff(tables, bits, [h.ravel()[perm] for h in hist], w.ravel()[perm],
                      sorted_top=True, bigram=bigram)
        out = np.empty_like(lp)
        out[perm] = lp
        return out.reshape(w.shape)
    return _backoff(tables, bits, hist, w, bigram=bigram)


def _backoff(tables, bits, hist, w, sorted_top=False, bigram=None):
    k = len(hist)
    if bigram is not None and k >= 1:  # the order-2 step from a dense table (same values)
        lp, first = bigram(hist[-1], w), 3
    else:
        lp, first = tables[1].logprob(w), 2
    for n in range(first, k + 2):
        ctx = hist[k - (n - 1):]
        presorted = sorted_top and n == k + 1
        # the context's row in table n-1: walk its prefixes down the tables
        row, ok = ctx[0], None
        for m in range(2, n):
            found, row = _find_runs(tables[m], (row << bits) | ctx[m - 1], presorted)
            ok = found if ok is None else ok & found
        ctx_bow = tables[1].bow[row] if ok is None else np.where(ok, tables[n - 1].bow[row], 0)
        key = (row << bits) | w
        if ok is not None and not ok.all():
            # Only the n-grams whose context is stored can be: the others are not
            # searched (on the dev OCR report 53% of the trigram queries; their row is
            # never read, np.where below takes the backoff for them as before).
            found = np.zeros(key.shape, dtype=bool)
            rows = np.zeros(key.shape, dtype=np.intp)
            found[ok], rows[ok] = tables[n].find(key[ok], presorted)
        else:
            found, rows = tables[n].find(key, presorted)
            if ok is not None:
                found &= ok
        lp = np.where(found, tables[n].logprob(rows), ctx_bow + lp)
    return lp


class NgramLM:
    """A loaded n-gram model.  ``NgramLM.load()`` gives the shipped one.

    >>> lm = NgramLM.load()                                   # doctest: +SKIP
    >>> u, v, w = lm.ids(["ủy", "ban", "nhân"])               # doctest: +SKIP
    >>> lm.logprob(np.array([u]), np.array([v]), np.array([w]))  # doctest: +SKIP
    """

    def __init__(self, vocab_words: List[str], counts: np.ndarray,
                 tables: Sequence[Optional[Table]], bits: int, meta: Optional[dict] = None):
        self.words = vocab_words
        self.vocab: Dict[str, int] = {s: i for i, s in enumerate(vocab_words)}
        self.counts = counts
        self.tables = list(tables)
        self.order = len(self.tables) - 1
        self.bits = bits
        self.meta = meta or {}
        self.unk_id, self.bos_id, self.eos_id, self.num_id = (self.vocab[s] for s in SPECIALS[:4])
        # P_TOKEN's id, or None for a model trained on chains cut at every punctuation
        # (the decoders then cut them there too)
        self.p_id: Optional[int] = self.vocab.get(P_TOKEN)
        self._dense2: Optional[np.ndarray] = None  # see bigram_matrix()
        self._tables_for_decoder: Optional[tuple] = None  # see decoder_tables()

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
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path} holds format {meta.get('format')!r}, not {FORMAT!r}; "
                             "rebuild it with scripts/build_ngram.py")
        words, counts = [], []
        with open(path / "vocab.txt", encoding="utf-8") as fh:
            for line in fh:
                word, _, count = line.rstrip("\n").partition("\t")
                words.append(word)
                counts.append(int(count))

        def arr(name):
            f = path / name
            if not f.is_file():
                return None
            a = np.load(f, mmap_mode="r" if mmap else None)
            # A plain ndarray view of the map (which it keeps open): np.memmap's own
            # indexing runs Python code on every slice and take, 0.07 s per restore.
            return a.view(np.ndarray) if isinstance(a, np.memmap) else a

        order = int(meta["order"])
        tables: List[Optional[Table]] = [None]
        for n in range(1, order + 1):
            tables.append(Table(arr(f"{n}.keys.npy"), arr(f"{n}.logp.npy"),
                                arr(f"{n}.bow.npy"), arr(f"{n}.starts.npy"),
                                arr(f"{n}.codebook.npy")))
        return cls(words, np.asarray(counts, dtype=np.int64), tables, int(meta["bits"]), meta)

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
        return backoff_logprob(self.tables, self.bits, [u, v], w,
                               bigram=self.bigram_lookup if self._dense2 is not None else None)

    def bigram_matrix(self) -> np.ndarray:
        """The stored bigram log-probabilities as a dense float16 V × V table (85 MB for
        6.5k syllables), built once in about 0.05–0.1 s.  Unseen bigrams hold the bit
        pattern +0.0 (the table starts all zero) and the seen ones are scattered in (a
        seen log-probability of exactly 0 is stored as -0.0, which is still 0).
        :meth:`bigram_lookup` reads it; the stored values are float16 already, so
        nothing is rounded."""
        if self._dense2 is None:
            V = len(self.words)
            # In small pages, filled a slice of bigrams at a time (vidiacritic.plain_memory:
            # numpy's huge pages cost 1.1–1.8 s here when the memory is fresh).
            dense = plain_memory.zeros((V, V), np.float16)
            flat = dense.reshape(-1)
            for v, w, vals in self._bigram_slices(plain_memory.STEP):
                vals[vals == 0] = np.float16(-0.0)
                flat[v * V + w] = vals
            self._dense2 = dense
        return self._dense2

    def bigram_lookup(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """log P(w | v) from the dense table, bit-identical to :meth:`logprob_bigram`
        (seen: the stored float16 value; unseen: backoff weight + unigram, in float32).
        When the compiled decoder runs (vidiacritic.viterbi.decoder_tables) and the table
        was not built, the same values come from C instead."""
        if self._dense2 is None:
            # With the compiled decoder the table is not built: the look-ups run in C
            # from the stored bigrams (the same values; vidiacritic.viterbi.bigram_lookup).
            from . import viterbi
            tables = viterbi.decoder_tables(self)
            if tables is not None:
                return viterbi.bigram_lookup(tables, v, w)
        dense = self.bigram_matrix()
        # One flat take: numpy's two-array fancy index reads the same cells about three
        # times slower (3.5M lookups on the dev OCR: 0.10 s → 0.035 s).
        d = dense.reshape(-1).take(np.asarray(v, dtype=np.int64) * dense.shape[1] + w)
        # Most candidate pairs are unseen (81% on the dev OCR): the backoff for every
        # pair and one select cost less than picking the unseen ones out (same values).
        t1 = self.tables[1]
        return np.where(d.view(np.uint16) == 0, t1.bow[v] + t1.logprob(w), d.astype(np.float32))

    def decoder_tables(self) -> Optional[tuple]:
        """The arrays the compiled decoder (vidiacritic._decode) reads, as one tuple:
        (bits, unigram log-probabilities and backoff weights, the dense bigram table or
        None, then table 2's keys, bucket starts, backoff weights and log-probabilities,
        table 3's keys, bucket starts, codes and codebook).  None when this model is not
        laid out as the shipped one is (order 3, uint32 keys in buckets, float16 bigram
        tables, uint8 trigram codes): vidiacritic.viterbi then decodes with numpy alone.
        The dense table is passed once :meth:`bigram_matrix` has built it (the same
        values as a search of table 2)."""
        if self._tables_for_decoder is None or self._tables_for_decoder[0] is not self._dense2:
            self._tables_for_decoder = (self._dense2, self._decoder_layout())
        return self._tables_for_decoder[1]

    def _decoder_layout(self) -> Optional[tuple]:
        if self.order != 3 or self.bits > 31:
            return None
        t1, t2, t3 = self.tables[1:]
        want = [(t1.logp, np.float32), (t1.bow, np.float32), (t2.keys, np.uint32), (t2.starts, np.int64),
                (t2.bow, np.float16), (t2.logp, np.float16), (t3.keys, np.uint32), (t3.starts, np.int64),
                (t3.logp, np.uint8), (t3.codebook, np.float32)]
        if t2.codebook is not None or any(
                not isinstance(a, np.ndarray) or a.dtype != dtype or a.ndim != 1 or not a.flags.c_contiguous
                for a, dtype in want):
            return None
        dense = self._dense2
        if dense is not None and (dense.dtype != np.float16 or dense.shape != (len(self.words),) * 2
                                  or not dense.flags.c_contiguous):
            dense = None
        if len(t1.logp) != len(self.words):
            return None
        return (self.bits, t1.logp, t1.bow, dense, t2.keys, t2.starts, t2.bow, t2.logp,
                t3.keys, t3.starts, t3.logp, t3.codebook)

    def _bigram_keys(self) -> np.ndarray:
        """Every stored bigram's int64 key (v << bits | w), in table order."""
        t2 = self.tables[2]
        keys = np.asarray(t2.keys, dtype=np.int64)
        if t2.starts is not None:
            for h in range(len(t2.starts) - 1):
                keys[t2.starts[h] : t2.starts[h + 1]] |= h << 32
        return keys

    def _bigram_slices(self, step: int):
        """(v, w, float16 log-probabilities) of the stored bigrams, at most `step` at a
        time, in table order."""
        t2 = self.tables[2]
        buckets = [0, len(t2)] if t2.starts is None else [int(x) for x in t2.starts]
        mask = (1 << self.bits) - 1
        for h in range(len(buckets) - 1):
            for lo in range(buckets[h], buckets[h + 1], step):
                rows = slice(lo, min(lo + step, buckets[h + 1]))
                keys = np.asarray(t2.keys[rows], dtype=np.int64)
                if t2.starts is not None:
                    keys |= h << 32
                yield keys >> self.bits, keys & mask, np.asarray(t2.logprob(rows), dtype=np.float16)

    def logprob_bigram(self, v, w) -> np.ndarray:
        """Vectorized natural-log P(w | v)."""
        return backoff_logprob(self.tables, self.bits, [v], w)

    def logprob_ngram(self, hist: Sequence, w) -> np.ndarray:
        """Vectorized log P(w | hist) for any number of history columns (oldest first)."""
        return backoff_logprob(self.tables, self.bits, hist, w)

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
        sizes = [len(t) for t in self.tables[1:]]
        return f"NgramLM(order={self.order}, sizes={sizes})"
