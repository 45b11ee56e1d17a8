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
prefix; with ``""`` as the end-of-phrase key no syllable can collide with it.

Strength of a phrase, in (0, 1]: ``dominance * evidence`` with
``evidence = (count + prior) / (count + prior + EVIDENCE_HALF)``: a corpus phrase seen 10
times gets 0.67, one seen 1,000 times 0.995; dictionary phrases (place names,
expansions) start from ``DICT_PRIOR`` pseudo-occurrences, so a name the corpus never
saw still gets 0.5 x dominance.

``best_cover(matches, n)`` picks non-overlapping matches for the rules-only engine.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
from pathlib import Path
from typing import Collection, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .text import normalize_syllable

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
    """The shipped lexicon: ``vidiacritic.data/admin_terms.tsv`` when installed, else
    ``data/admin_terms.tsv`` of the repository checkout."""
    try:
        from importlib.resources import files

        p = Path(str(files("vidiacritic.data").joinpath(LEXICON_FILE)))
        if p.exists():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    p = Path(__file__).resolve().parent.parent / "data" / LEXICON_FILE
    if p.exists():
        return p
    raise FileNotFoundError(
        f"phrase lexicon {LEXICON_FILE} not found in vidiacritic.data nor at {p}: "
        "reinstall vidiacritic or rebuild it with scripts/build_lexicon.py")


TRIE_FORMAT = "vidiacritic-trie-1"


def trie_path(tsv_path: Union[str, os.PathLike]) -> Path:
    p = Path(tsv_path)
    return p.with_name(p.name[: -len(".tsv")] + ".trie.pickle" if p.name.endswith(".tsv") else p.name + ".trie.pickle")


def _read_trie(path: Path, digest: str) -> Optional[dict]:
    """The pickled trie at `path` if it was built from the TSV with this SHA-1, else None.
    (Our own file, shipped next to the TSV: as trusted as the code.)  The garbage
    collector is paused while ~100k dicts are created: it would scan them repeatedly
    for nothing (0.03 s instead of 0.1–0.2 s)."""
    if not path.exists():
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as fh:
            obj = pickle.load(fh)
    except Exception:  # a damaged or foreign file: parse the TSV instead
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(obj, dict) or obj.get("format") != TRIE_FORMAT or obj.get("tsv_sha1") != digest:
        return None
    return obj["root"]


class PhraseLexicon:
    """Multi-syllable phrases indexed in a trie; see the module docstring.

    The trie is grown lazily, one first syllable at a time: loading only groups the
    phrases by first syllable, and the sub-trie of a first syllable is built the first
    time a candidate asks for it (so ``load`` stays fast on 50k+ phrases).
    """

    def __init__(self, phrases: Iterable[Tuple[Sequence[str], float]] = ()):
        self._root: Dict[str, dict] = {}  # first syllable → built sub-trie
        self._pending: Dict[str, List[Tuple[Tuple[str, ...], float]]] = {}
        self._pair_memo: Dict[tuple, tuple] = {}  # see matches()
        for syllables, strength in phrases:
            self.add(syllables, strength)

    # ------------------------------------------------------------ building
    def add(self, syllables: Sequence[str], strength: float) -> None:
        """Add a phrase (syllables already normalized); a duplicate keeps the stronger."""
        key = tuple(syllables)
        if not key:
            return
        self._pair_memo.clear()  # memoised matches may now be incomplete
        node = self._root.get(key[0])
        if node is None:
            self._pending.setdefault(key[0], []).append((key, strength))
        else:
            _insert(node, key, strength)

    def save_trie(self, path: Union[str, os.PathLike], tsv_path: Union[str, os.PathLike]) -> None:
        """Write the whole built trie for :meth:`load`, tagged with the TSV's SHA-1
        (``scripts/build_lexicon.py`` does this after writing the TSV)."""
        self.build_all()
        digest = hashlib.sha1(Path(tsv_path).read_bytes()).hexdigest()
        tmp = str(path) + ".tmp"
        with open(tmp, "wb") as fh:
            pickle.dump({"format": TRIE_FORMAT, "tsv_sha1": digest, "root": self._root}, fh, protocol=4)
        os.replace(tmp, path)

    def build_all(self) -> "PhraseLexicon":
        """Build the whole trie now (about 0.3 s) instead of on first use, for a
        long-lived restorer whose load time matters less than its first document."""
        for first in list(self._pending):
            self._expand(first)
        return self

    def _expand(self, first: str) -> Optional[dict]:
        """Build (once) and return the sub-trie of phrases starting with `first`.  The
        sub-trie is built aside and published whole, so a thread sharing the lexicon
        never walks a half-built one (two threads may both build it: same result)."""
        node = self._root.get(first)
        todo = self._pending.get(first)
        if todo is None:
            return node
        node = dict(node) if node is not None else {}
        for key, strength in todo:
            _insert(node, key, strength)
        self._root[first] = node
        self._pending.pop(first, None)
        return node

    @classmethod
    def load(cls, path: Union[str, os.PathLike, None] = None) -> "PhraseLexicon":
        """Read a lexicon TSV (default: the shipped ``admin_terms.tsv``).

        Lines starting with ``#`` and the header line are skipped.  Phrases are
        normalized (lowercase, NFC, traditional tones) syllable by syllable.

        If ``<name>.trie.pickle`` lies next to the TSV and was built from exactly these
        bytes (:meth:`save_trie`), the built trie is read from it instead: 0.03 s
        against 0.25 s for parsing and building.
        """
        path = default_path() if path is None else Path(path)
        raw = Path(path).read_bytes()
        digest = hashlib.sha1(raw).hexdigest()
        cached = _read_trie(trie_path(path), digest)
        if cached is not None:
            lex = cls()
            lex._root = cached
            return lex
        lex = cls()
        pending = lex._pending
        norm = _Memo(normalize_syllable)  # a document's 50k phrases share ~10k words
        strengths: Dict[tuple, float] = {}  # (count, dominance, source) repeat a lot
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
            key = tuple(map(norm.__getitem__, phrase.split()))
            if not key:
                continue
            st = strengths.get((count, dominance, source))
            if st is None:
                st = strengths[(count, dominance, source)] = strength_of(int(count), float(dominance), source)
            lst = pending.get(key[0])
            if lst is None:
                lst = pending[key[0]] = []
            lst.append((key, st))
        return lex

    # ------------------------------------------------------------ queries
    def _expand_all(self) -> None:
        for first in list(self._pending):
            self._expand(first)

    def __len__(self) -> int:
        self._expand_all()
        return sum(_count(node) for node in self._root.values())

    def __iter__(self) -> Iterator[Tuple[Tuple[str, ...], float]]:
        """(syllables, strength) of every phrase, in no particular order."""
        self._expand_all()
        for node in self._root.values():
            yield from _walk(node)

    def get(self, phrase: Union[str, Sequence[str]]) -> Optional[float]:
        """Strength of `phrase` (a string or its syllables), or None if absent."""
        words = [normalize_syllable(w) for w in (phrase.split() if isinstance(phrase, str) else phrase)]
        if not words:
            return None
        node = self._expand(words[0])
        for w in words[1:]:
            if node is None:
                return None
            node = node.get(w)
        end = None if node is None else node.get(_END)
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
                    hit = ([node[_END] for node in first if _END in node], _step(first, sets[i + 1]))
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
                frontier = _step(frontier, sets[j])
                j += 1
        return out

    def _starts(self, cands: Collection[str]) -> List[dict]:
        """Sub-tries of the phrases whose first syllable is among `cands`."""
        root, pending = self._root, self._pending
        frontier = []
        for c in cands:
            node = root.get(c)
            if node is None:
                if c not in pending:
                    continue
                node = self._expand(c)
            frontier.append(node)
        return frontier


def _step(frontier: List[dict], cands: Collection[str]) -> List[dict]:
    """Advance every trie node of `frontier` by one syllable among `cands`."""
    nxt = []
    for node in frontier:
        if len(node) <= len(cands):
            for s, child in node.items():
                if s in cands and s:
                    nxt.append(child)
        else:
            for s in cands:
                child = node.get(s)
                if child is not None and s:
                    nxt.append(child)
    return nxt


def _insert(node: dict, key: Tuple[str, ...], strength: float) -> None:
    """Insert key[1:] below `node` (the sub-trie of key[0])."""
    for s in key[1:]:
        nxt = node.get(s)
        if nxt is None:
            nxt = node[s] = {}
        node = nxt
    old = node.get(_END)
    if old is None or strength > old[1]:
        node[_END] = (key, strength)


def _walk(node: dict) -> Iterator[Tuple[Tuple[str, ...], float]]:
    for s, child in node.items():
        if s == _END:
            yield child
        else:
            yield from _walk(child)


def _count(node: dict) -> int:
    return sum(1 if s == _END else _count(child) for s, child in node.items())


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
