"""Stage 4b — the phrase lexicon: multi-syllable administrative phrases as hard evidence.

``data/admin_terms.tsv`` (built by ``scripts/build_lexicon.py``, described in
``data/LEXICON_CARD.md``) lists 2-8 syllable phrases — organization names, titles,
document types, standard legal phrasing, place names with their unit words and
abbreviation expansions — whose diacritic-stripped form almost always means this one
phrase.  Columns: phrase, count, source (corpus | admin_units | abbrev), dominance.

``PhraseLexicon.matches(candidate_sets)`` finds every phrase that fits a chain of words,
given the set of candidate syllables of each word (lowercase, NFC, traditional tones, as
the candidate generator makes them).  The phrases live in a trie of dicts keyed by
syllable, so a position costs one dict lookup per candidate plus one per surviving
prefix; with ``""`` as the end-of-phrase key no syllable can collide with it.  The
shipped trie is stored built, as numpy arrays (``data/admin_terms.trie.npz``, beside
the TSV it was built from), and its nodes become dicts as matches visit them.  When the
optional C extension is built (vidiacritic.compiled), matches walks those arrays in C
instead, with the same matches.

Strength of a phrase, in (0, 1]: ``dominance * evidence`` with
``evidence = (count + prior) / (count + prior + EVIDENCE_HALF)``: a corpus phrase seen 10
times gets 0.67, one seen 1,000 times 0.995; dictionary phrases (place names,
expansions) start from ``DICT_PRIOR`` pseudo-occurrences, so a name the corpus never
saw still gets 0.5 x dominance.

``best_cover(matches, n)`` picks non-overlapping matches for the rules-only engine.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Collection, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import compiled
from .text import normalize_syllable, strip_diacritics

Match = Tuple[int, int, Tuple[str, ...], float]  # start, end (exclusive), syllables, strength

LEXICON_FILE = "admin_terms.tsv"
HEADER = ("phrase", "count", "source", "dominance")
SOURCES = ("corpus", "admin_units", "abbrev")
# Occurrences that make a phrase's evidence 0.5 (see the module docstring).
EVIDENCE_HALF = 5.0
# Pseudo-occurrences granted to curated dictionary entries.
DICT_PRIOR = {"corpus": 0.0, "admin_units": 5.0, "abbrev": 5.0}
# best_cover: a match of L syllables is worth strength * (L - SEGMENT_COST), so one long
# phrase beats the same span cut into shorter phrases of equal strength.
SEGMENT_COST = 0.5
_END = ""  # trie key marking the end of a phrase (never a syllable)


class _Memo(dict):
    """fn(key), computed once per key."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


def strength_of(count: int, dominance: float, source: str = "corpus") -> float:
    """Confidence in (0, 1] of a phrase from its corpus count and dominance."""
    prior = DICT_PRIOR.get(source, 0.0)
    evidence = (count + prior) / (count + prior + EVIDENCE_HALF)
    return max(1e-6, min(1.0, dominance) * evidence) if evidence > 0 else 1e-6


def default_path() -> Path:
    """The shipped lexicon: ``admin_terms.tsv`` of the data folder in use
    (:func:`vidiacritic.resources.data_dir`)."""
    from .resources import data_dir

    p = data_dir() / LEXICON_FILE
    if p.exists():
        return p
    raise FileNotFoundError(
        f"phrase lexicon {LEXICON_FILE} not found at {p}: "
        "reinstall vidiacritic or rebuild it with scripts/build_lexicon.py")


TRIE_FORMAT = "vidiacritic-trie-2"


def trie_path(tsv_path: Union[str, os.PathLike]) -> Path:
    """``<name>.trie.npz`` next to ``<name>.tsv``: the built trie of that TSV."""
    p = Path(tsv_path)
    stem = p.name[: -len(".tsv")] if p.name.endswith(".tsv") else p.name
    return p.with_name(stem + ".trie.npz")


class _TrieArrays(NamedTuple):
    """A built trie, nodes numbered breadth-first (root 0), so that the children of a
    node are consecutive and edge j leads to node j + 1.  Only `edges` becomes a list
    (sliced for every node built); the rest is read once per node, from numpy."""

    syllables: List[str]  # syllable of each id
    starts: np.ndarray  # node n's edges are edges[starts[n]:starts[n + 1]]
    edges: List[int]  # syllable id of each edge
    strength: np.ndarray  # strength of the phrase ending at each node; NaN where none
    parents: np.ndarray  # the node each edge leaves


def _read_trie(path: Path, digest: str) -> Optional[_TrieArrays]:
    """The trie arrays at `path` if they were built from the TSV with this SHA-256 and
    are consistent, else None (the TSV is parsed instead).  numpy reads them with
    allow_pickle=False: a planted file can hold numbers and text, never code."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) != TRIE_FORMAT or str(z["tsv_sha256"]) != digest:
                return None
            text, starts, edges, strength = z["syllables"], z["starts"], z["edges"], z["strength"]
        syllables = text.tobytes().decode("utf-8").split("\n")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # not a trie file: a damaged or foreign file
    parents = _parents(len(syllables), starts, edges, strength)
    return None if parents is None else _TrieArrays(syllables, starts, edges.tolist(), strength, parents)


def _parents(n_syllables: int, starts: np.ndarray, edges: np.ndarray, strength: np.ndarray) -> Optional[np.ndarray]:
    """The node each edge leaves, if the arrays make a breadth-first trie (edge j leads
    to node j + 1 and leaves a node numbered at most j, so every walk up from a node
    ends at the root: no file, however crafted, makes one loop), else None."""
    n = len(strength)
    if (starts.ndim != 1 or edges.ndim != 1 or strength.ndim != 1 or starts.dtype.kind not in "iu"
            or edges.dtype.kind not in "iu" or strength.dtype.kind != "f" or n == 0):
        return None
    if len(starts) != n + 1 or len(edges) != n - 1 or starts[0] != 0 or starts[-1] != n - 1:
        return None
    if len(edges) and not 0 <= edges.min() <= edges.max() < n_syllables:
        return None
    counts = np.diff(starts.astype(np.int64))  # (unsigned differences would wrap)
    if np.any(counts < 0):
        return None
    parents = np.repeat(np.arange(n, dtype=np.int32), counts)
    return parents if np.all(parents <= np.arange(n - 1)) else None


class PhraseLexicon:
    """Multi-syllable phrases indexed in a trie; see the module docstring.

    The nodes are numbered (the root is 0).  A node is a dict mapping a syllable to its
    child's number, and ``_END`` to ``(phrase, strength)`` where a phrase ends.  A lexicon
    loaded with its built trie (``<name>.trie.npz``) makes a node's dict from the trie
    arrays the first time a match visits it: a document visits a few thousand of the
    shipped lexicon's 90k nodes, so loading costs only reading the arrays.
    """

    def __init__(self, phrases: Iterable[Tuple[Sequence[str], float]] = ()):
        self._nodes: List[Optional[dict]] = [{}]  # node number → dict, None until built
        self._arrays: Optional[_TrieArrays] = None
        self._pair_memo: Dict[tuple, tuple] = {}  # see matches()
        # The compiled matcher's view of the trie arrays (_compiled_trie): None until
        # first used, False once phrases were added to a loaded trie (its arrays then
        # hold only part of the lexicon).
        self._c_trie = None
        self._set_ids: Dict[frozenset, np.ndarray] = {}  # a candidate set → its syllables' sorted trie ids
        self._ends: Dict[int, Tuple[Tuple[str, ...], float]] = {}  # node → (phrase, strength)
        self._chain_memo: Dict[tuple, tuple] = {}  # a chain's candidate sets → its matches (compiled walk)
        for syllables, strength in phrases:
            self.add(syllables, strength)

    # ------------------------------------------------------------ building
    def add(self, syllables: Sequence[str], strength: float) -> None:
        """Add a phrase (syllables already normalized); a duplicate keeps the stronger."""
        key = tuple(syllables)
        if key:
            self._pair_memo.clear()  # memoised matches may now be incomplete
            self._insert([(key, strength)])

    def _insert(self, phrases: Iterable[Tuple[Tuple[str, ...], float]]) -> None:
        """Add (syllables, strength) pairs of non-empty phrases, creating nodes."""
        self._c_trie = False  # (the nodes now say more than the arrays)
        nodes = self._nodes
        root = self._node(0)
        for key, strength in phrases:
            node = root
            for s in key:
                child = node.get(s)
                if child is None:
                    child = node[s] = len(nodes)
                    nodes.append({})
                node = nodes[child]
                if node is None:
                    node = self._build(child)
            old = node.get(_END)
            if old is None or strength > old[1]:
                node[_END] = (key, strength)

    def _node(self, n: int) -> dict:
        node = self._nodes[n]
        return node if node is not None else self._build(n)

    def _build(self, n: int) -> dict:
        """Node n's dict from the trie arrays.  Built aside and published whole, so a
        thread sharing the lexicon never walks a half-built node (two threads may both
        build it: same result)."""
        a = self._arrays
        assert a is not None
        lo, hi = int(a.starts[n]), int(a.starts[n + 1])
        node = dict(zip(map(a.syllables.__getitem__, a.edges[lo:hi]), range(lo + 1, hi + 1)))
        st = float(a.strength[n])
        if st == st:  # not NaN: a phrase ends here
            node[_END] = (self._phrase_at(n), st)
        self._nodes[n] = node
        return node

    def _phrase_at(self, n: int) -> Tuple[str, ...]:
        """The syllables on the path from the root to node n of the trie arrays."""
        a = self._arrays
        assert a is not None
        out = []
        while n:
            out.append(a.syllables[a.edges[n - 1]])
            n = int(a.parents[n - 1])
        return tuple(reversed(out))

    def save_trie(self, path: Union[str, os.PathLike], tsv_path: Union[str, os.PathLike]) -> None:
        """Write the trie for :meth:`load` as numpy arrays (``.npz``, no pickled
        objects), tagged with the SHA-256 of the TSV it was built from
        (``scripts/build_lexicon.py`` does this after writing the TSV)."""
        digest = hashlib.sha256(Path(tsv_path).read_bytes()).hexdigest()
        ids: Dict[str, int] = {}
        starts, edges, strength = [0], [], []
        queue, i = [0], 0  # node numbers in breadth-first order
        while i < len(queue):
            node = self._node(queue[i])
            i += 1
            end = node.get(_END)
            strength.append(end[1] if end is not None else float("nan"))
            for s, child in node.items():
                if s != _END:
                    edges.append(ids.setdefault(s, len(ids)))
                    queue.append(child)
            starts.append(len(edges))
        if any("\n" in s for s in ids):
            raise ValueError("a syllable holds a line break: it cannot be stored")
        arrays = {"format": np.array(TRIE_FORMAT), "tsv_sha256": np.array(digest),
                  "syllables": np.frombuffer("\n".join(ids).encode("utf-8"), dtype=np.uint8),
                  "starts": np.array(starts, dtype=np.int32), "edges": np.array(edges, dtype=np.int32),
                  "strength": np.array(strength, dtype=np.float64)}
        tmp = str(path) + ".tmp"
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)

    def build_all(self) -> "PhraseLexicon":
        """Build every node now instead of on first visit, for a long-lived restorer
        whose load time matters less than its first document."""
        for n in range(len(self._nodes)):
            self._node(n)
        return self

    @classmethod
    def load(cls, path: Union[str, os.PathLike, None] = None) -> "PhraseLexicon":
        """Read a lexicon TSV (default: the shipped ``admin_terms.tsv``).

        Lines starting with ``#`` and the header line are skipped.  Phrases are
        normalized (lowercase, NFC, traditional tones) syllable by syllable.

        If ``<name>.trie.npz`` lies next to the TSV and was built from exactly these
        bytes (:meth:`save_trie`), the trie is read from its arrays instead of parsing
        and building (data/LEXICON_CARD.md has the times).  Nothing else is ever read
        from beside the TSV, and no pickle ever.
        """
        path = default_path() if path is None else Path(path)
        raw = Path(path).read_bytes()
        arrays = _read_trie(trie_path(path), hashlib.sha256(raw).hexdigest())
        lex = cls()
        if arrays is not None:
            lex._arrays = arrays
            lex._nodes = [None] * len(arrays.strength)
            return lex
        norm = _Memo(normalize_syllable)  # a document's 50k phrases share ~10k words
        strengths: Dict[tuple, float] = {}  # (count, dominance, source) repeat a lot
        phrases = []
        lines = raw.decode("utf-8").split("\n")
        for lineno, line in enumerate(lines, 1):
            if not line or line[0] == "#" or line.isspace():
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise ValueError(f"{path}:{lineno}: expected 4 tab-separated columns "
                                 f"({', '.join(HEADER)}), got {len(parts)}")
            phrase, count, source, dominance = parts
            if lineno == 1 and phrase == HEADER[0]:
                continue
            st = strengths.get((count, dominance, source))
            if st is None:
                st = strengths[(count, dominance, source)] = strength_of(int(count), float(dominance), source)
            key = tuple(map(norm.__getitem__, phrase.split()))
            if key:
                phrases.append((key, st))
        lex._insert(phrases)
        return lex

    # ------------------------------------------------------------ queries
    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __iter__(self) -> Iterator[Tuple[Tuple[str, ...], float]]:
        """(syllables, strength) of every phrase, in no particular order."""
        stack = [0]
        while stack:
            for s, value in self._node(stack.pop()).items():
                if s == _END:
                    yield value
                else:
                    stack.append(value)

    def get(self, phrase: Union[str, Sequence[str]]) -> Optional[float]:
        """Strength of `phrase` (a string or its syllables), or None if absent."""
        words = [normalize_syllable(w) for w in (phrase.split() if isinstance(phrase, str) else phrase)]
        if not words:
            return None
        node = self._node(0)
        for w in words:
            child = node.get(w) if w != _END else None
            if child is None:
                return None
            node = self._node(child)
        end = node.get(_END)
        return None if end is None else end[1]

    def __contains__(self, phrase: Union[str, Sequence[str]]) -> bool:
        return self.get(phrase) is not None

    def matches(self, candidate_sets: Sequence[Collection[str]]) -> List[Match]:
        """Every phrase occurrence consistent with the candidates of a chain of words.

        ``candidate_sets[i]`` holds the candidate syllables of word i (normalized:
        lowercase, NFC, traditional tones).  Returns ``(start, end_exclusive,
        syllables, strength)`` for each phrase whose k-th syllable is among the
        candidates of word start+k, ordered by start, then end.
        """
        trie = self._compiled_trie()
        if trie is not None:
            return self._compiled_matches(trie, candidate_sets)
        sets = [c if isinstance(c, (set, frozenset, dict)) else set(c) for c in candidate_sets]
        n = len(sets)
        out: List[Match] = []
        for i in range(n):
            if i + 1 < n and isinstance(sets[i], frozenset) and isinstance(sets[i + 1], frozenset):
                # The first two levels depend only on two words' candidate sets, and
                # word pairs repeat: memoised (the restorer passes cached frozensets).
                key = (sets[i], sets[i + 1])
                hit = self._pair_memo.get(key)
                if hit is None:
                    first = self._starts(sets[i])
                    hit = ([node[_END] for node in first if _END in node], self._step(first, sets[i + 1]))
                    if len(self._pair_memo) > 100_000:
                        self._pair_memo.clear()
                    self._pair_memo[key] = hit
                ends1, frontier = hit
                out.extend((i, i + 1, k, st) for k, st in ends1)
                j = i + 2
            else:
                frontier = self._starts(sets[i])
                j = i + 1
            while frontier:
                for node in frontier:
                    end = node.get(_END)
                    if end is not None:
                        out.append((i, j, end[0], end[1]))
                if j >= n:
                    break
                frontier = self._step(frontier, sets[j])
                j += 1
        return out

    def _compiled_trie(self):
        """(starts, syllable ids, children, strength, {syllable: id}) for the compiled
        matcher (vidiacritic._decode.phrase_matches), or None: the extension is not
        built or not wanted (vidiacritic.compiled), the lexicon was not loaded from its
        trie arrays, or phrases were added since.  Each node's edges sorted by
        syllable id, so that the C code finds a child by binary search."""
        if self._c_trie is False or self._arrays is None or not compiled.wanted(compiled.ext):
            return None
        if self._c_trie is None:
            a = self._arrays
            edges = np.asarray(a.edges, dtype=np.int64)
            # (parents are nondecreasing: a node's edges stay together, sorted within)
            order = np.lexsort((edges, a.parents))
            starts = np.ascontiguousarray(a.starts, dtype=np.int64)
            n = len(a.strength)
            if len(starts) != n + 1 or np.any(np.diff(starts) < 0) or starts[0] != 0 or starts[-1] != n - 1:
                self._c_trie = False  # (_read_trie checked this already; never trust one place only)
                return None
            ids = {syl: i for i, syl in enumerate(a.syllables) if syl}
            self._c_trie = (starts, edges[order].astype(np.int32), (order + 1).astype(np.int32),
                            np.ascontiguousarray(a.strength, dtype=np.float64), ids)
        return self._c_trie

    def _compiled_matches(self, trie, candidate_sets: Sequence[Collection[str]]) -> List[Match]:
        """matches() in C: the same matches (as a set; within one start and end the
        order is the walk's, which in Python follows string hashing)."""
        starts, syl, child, strength, ids = trie
        # A chain is matched again with the same candidate sets (the coverage pass, the
        # lattices of each decode, the second reading's fit and decode): its matches
        # are remembered by its sets (frozensets only; a list or set is no key).
        key = tuple(candidate_sets) if all(isinstance(c, frozenset) for c in candidate_sets) else None
        if key is not None:
            hit = self._chain_memo.get(key)
            if hit is not None:
                return list(hit)
        memo = self._set_ids
        pieces, offs = [], [0]
        for c in candidate_sets:
            arr = memo.get(c) if isinstance(c, frozenset) else None
            if arr is None:
                arr = np.array(sorted({ids[s] for s in c if s in ids}), dtype=np.int32)
                if isinstance(c, frozenset):
                    if len(memo) > 100_000:
                        memo.clear()
                    memo[c] = arr
            pieces.append(arr)
            offs.append(offs[-1] + len(arr))
        flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        found = compiled.ext.phrase_matches(starts, syl, child, strength, flat, np.array(offs, dtype=np.int64))
        ends = self._ends
        out = []
        for start, end, node in found:
            hit = ends.get(node)
            if hit is None:
                hit = ends[node] = (self._phrase_at(node), float(strength[node]))
            out.append((start, end, hit[0], hit[1]))
        if key is not None:
            if len(self._chain_memo) > 20_000:
                self._chain_memo.clear()
            self._chain_memo[key] = tuple(out)
        return out

    def _starts(self, cands: Collection[str]) -> List[dict]:
        """The nodes of the phrases' first syllables that are among `cands`."""
        root, nodes = self._node(0), self._nodes
        frontier = []
        for c in cands:
            n = root.get(c)
            if n is not None and c:
                node = nodes[n]
                frontier.append(node if node is not None else self._build(n))
        return frontier

    def _step(self, frontier: List[dict], cands: Collection[str]) -> List[dict]:
        """Advance every trie node of `frontier` by one syllable among `cands`."""
        nodes = self._nodes
        nxt = []
        for node in frontier:
            if len(node) <= len(cands):
                for s, n in node.items():
                    if s in cands and s:
                        child = nodes[n]
                        nxt.append(child if child is not None else self._build(n))
            else:
                for s in cands:
                    n = node.get(s)
                    if n is not None and s:
                        child = nodes[n]
                        nxt.append(child if child is not None else self._build(n))
        return nxt


def best_cover(matches: Iterable[Match], n: int) -> List[Optional[Match]]:
    """Non-overlapping matches covering positions 0..n-1 as well as possible.

    Weighted interval scheduling by dynamic programming: a match of L syllables is worth
    ``strength * (L - SEGMENT_COST)``, the chosen set maximizes the total, and ties go
    to the longer match.  Returns, for each position, the match that covers it or None.
    """
    by_end: List[List[Match]] = [[] for _ in range(n + 1)]
    for m in matches:
        if 0 <= m[0] < m[1] <= n:
            by_end[m[1]].append(m)
    score = [0.0] * (n + 1)
    back: List[Optional[Match]] = [None] * (n + 1)
    for j in range(1, n + 1):
        best, choice = score[j - 1], None
        for m in by_end[j]:
            s = score[m[0]] + m[3] * (m[1] - m[0] - SEGMENT_COST)
            if s > best + 1e-12 or (choice is not None and abs(s - best) <= 1e-12
                                    and m[1] - m[0] > choice[1] - choice[0]):
                best, choice = s, m
        score[j], back[j] = best, choice
    out: List[Optional[Match]] = [None] * n
    j = n
    while j > 0:
        m = back[j]
        if m is None:
            j -= 1
            continue
        for p in range(m[0], m[1]):
            out[p] = m
        j = m[0]
    return out


def names_after_unit_words(lexicon: PhraseLexicon, chosen: Sequence[Optional[str]],
                           written: Sequence[str]) -> List[int]:
    """Positions of a chain's words that a lexicon phrase on the path names: the
    syllables `chosen` for the words (normalized; None where a word has none) hold a
    whole phrase whose first word is written in lowercase (`written`: the words as in
    the text) and two words or more further on written capitalized, and the word at
    the position is one of those: a place name after its unit word ("xã Hồng Ngài",
    "thành phố Hà Nội").  Capitals after a lowercase word are how a text writes a
    proper name; a single one is as often an OCR capital in common words ("năng
    lượng Cao" read from "Ao", Áo), so it names nothing."""
    empty: frozenset = frozenset()
    sets = [frozenset([c]) if c is not None else empty for c in chosen]
    out = set()
    for start, end, _, _ in lexicon.matches(sets):
        out.update(unit_name_words(written, start, end))
    return sorted(out)


# Admin unit words as a place name's phrase opens with them (scripts/build_lexicon.py
# UNIT_WORDS): syllable → the unit word's length in syllables.
UNIT_OPENINGS = {"xã": 1, "phường": 1, "huyện": 1, "quận": 1, "tỉnh": 1,
                 "thị": 2, "thành": 2, "đặc": 2}


def place_name_words(syls: Sequence[str], written: Sequence[str], start: int) -> List[int]:
    """The words of a lexicon phrase `syls` at `start` of a chain (`written`: its
    words as in the text) that are a place name after its unit word: the phrase opens
    with an admin unit word written in lowercase, its letters as written, and the two words or more after the
    unit word are all capitalized ("xã Cồn Cỏ", "thị trấn Cờ Đỏ"); those words.
    Stricter than unit_name_words: a corpus phrase with capitals in it ("lao động
    Việt Nam") names nothing."""
    size = UNIT_OPENINGS.get(syls[0]) if syls else None
    if size is None or not written[start][:1].islower() or any(
            strip_diacritics(written[start + k]) != strip_diacritics(syls[k]) for k in range(size)):
        return []  # (the unit word written as itself, marks aside: "va", "si" read as xã name nothing)
    name = range(start + size, start + len(syls))
    return list(name) if len(name) >= 2 and all(written[p][:1].isupper() for p in name) else []


def unit_name_words(written: Sequence[str], start: int, end: int) -> List[int]:
    """The words of a phrase at [start, end) of a chain (`written`: its words as in
    the text) that are a place name after its unit word: the phrase opens with a
    lowercase word and two words or more after it are capitalized; those words
    (see names_after_unit_words)."""
    if not written[start][:1].islower():
        return []
    capitals = [p for p in range(start + 1, end) if written[p][:1].isupper()]
    return capitals if len(capitals) >= 2 else []
