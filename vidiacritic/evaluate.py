"""The project's reference metric (same numbers as ../shared/eval/score.py).

syl_acc     case-insensitive syllable accuracy over the gold's word tokens; tone-mark
            placement style (hòa/hoà) is not an error; tokens aligned per line (difflib)
syl_acc_cs  the same, case-sensitive
cer         character error rate over whole lines (NFC, case-insensitive, spaces collapsed)

Results are identical to the reference's (tests/test_evaluate.py checks them against
it); the edit distance and the stripping of edge punctuation are linear-time versions.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Dict, List, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from .text import TONE_MARKS

_NON_WORD = re.compile(r"[^\w]*")


def _strip_edge_punct(tok: str) -> str:
    r"""`tok` without leading and trailing non-word characters: what the reference's
    re.sub(r"^[^\w]+|[^\w]+$", "", tok) gives, in linear time (that pattern retries its
    tail at every character of an inner run of punctuation: quadratic)."""
    lead = _NON_WORD.match(tok).end()
    if lead == len(tok):
        return ""
    trail = _NON_WORD.match(tok[::-1]).end()
    return tok[lead:len(tok) - trail]


def syllable_key(tok: str, case_sensitive: bool = False) -> str:
    """Placement-insensitive identity: letters without tone + the tone numbers."""
    tok = _strip_edge_punct(unicodedata.normalize("NFC", tok))
    if not case_sensitive:
        tok = tok.lower()
    d = unicodedata.normalize("NFD", tok)
    tones = "".join(str(TONE_MARKS[c]) for c in d if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
    return base + ("#" + tones if tones else "")


def _words(line: str) -> List[str]:
    return [t for t in line.split() if any(c.isalpha() for c in t)]


def levenshtein(a: str, b: str) -> int:
    """Unit-cost edit distance, the reference's: rapidfuzz's bit-parallel algorithm
    (Hyyrö) does 64 cells per machine word, where the reference's pure-Python table
    took 15 s for one pair of 8 KB lines."""
    return Levenshtein.distance(a, b)


# A rectangle of the alignment is searched row by row with numpy (below) when its
# equal pairs would cost difflib more than this many times a numpy row operation over it.
DENSE_RATIO = 1.0
# Rough costs, in nanoseconds, of difflib's inner loop per equal pair and of a numpy row
# (fixed part, per cell).
_PAIR_NS, _ROW_NS, _CELL_NS = 150, 6000, 4


class _Matcher(difflib.SequenceMatcher):
    """difflib.SequenceMatcher(None, a, b, autojunk=False) with the same matching
    blocks, found faster where many tokens are equal.

    difflib's find_longest_match visits every equal pair (i, j) of its rectangle: a
    line made of one repeated syllable has n*m of them (8 KB: 13 s).  Where the pairs
    would cost more than a vectorized pass over the rectangle, the longest common run is
    found row by row with numpy instead, and the tie broken as difflib breaks it (the
    first row, then the first column, where the longest run ends).  Without junk,
    difflib's extension loops add nothing to that run, so the blocks are identical
    (tests/test_evaluate.py compares them)."""

    def __init__(self, a: Sequence[str], b: Sequence[str]):
        super().__init__(None, a, b, autojunk=False)
        ids: Dict[str, int] = {}
        self._a_ids = np.array([ids.setdefault(x, len(ids)) for x in a], dtype=np.int64)
        self._b_ids = np.array([ids.setdefault(x, len(ids)) for x in b], dtype=np.int64)

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        rows, cols = ahi - alo, bhi - blo
        if rows <= 0 or cols <= 0:
            return super().find_longest_match(alo, ahi, blo, bhi)
        pairs = sum(len(self.b2j.get(x, ())) for x in self.a[alo:ahi])  # at most: b2j spans all of b
        if pairs * _PAIR_NS <= DENSE_RATIO * rows * (_ROW_NS + cols * _CELL_NS):
            return super().find_longest_match(alo, ahi, blo, bhi)
        return self._dense_longest_match(alo, ahi, blo, bhi)

    def _dense_longest_match(self, alo: int, ahi: int, blo: int, bhi: int) -> difflib.Match:
        b = self._b_ids[blo:bhi]
        prev = np.zeros(len(b) + 1, dtype=np.int64)  # prev[j + 1]: run ending at (i - 1, blo + j)
        cur = np.zeros_like(prev)
        best, besti, bestj = 0, alo, blo
        for i in range(alo, ahi):
            np.add(prev[:-1], 1, out=cur[1:])
            cur[1:] *= b == self._a_ids[i]
            top = int(cur.max())
            if top > best:
                end = int(cur.argmax()) - 1  # the first column where the row's longest run ends
                best, besti, bestj = top, i - top + 1, blo + end - top + 1
            prev, cur = cur, prev
        return difflib.Match(besti, bestj, best)


def matched_syllables(gold_keys: Sequence[str], hyp_keys: Sequence[str]) -> int:
    """How many of the gold's syllable keys difflib's alignment matches (the
    reference's count: the sum of the sizes of its matching blocks)."""
    return sum(b.size for b in _Matcher(gold_keys, hyp_keys).get_matching_blocks())


def score(hyp_lines: Sequence[str], gold_lines: Sequence[str]) -> Dict[str, float]:
    if len(hyp_lines) != len(gold_lines):
        raise ValueError(f"line count differs: hyp {len(hyp_lines)} gold {len(gold_lines)}")
    tot = ok = ok_cs = edits = chars = 0
    for h, g in zip(hyp_lines, gold_lines):
        gw, hw = _words(g), _words(h)
        tot += len(gw)
        for cs in (False, True):
            n = matched_syllables([syllable_key(t, cs) for t in gw], [syllable_key(t, cs) for t in hw])
            if cs:
                ok_cs += n
            else:
                ok += n
        gn = unicodedata.normalize("NFC", " ".join(g.split())).lower()
        hn = unicodedata.normalize("NFC", " ".join(h.split())).lower()
        edits += levenshtein(gn, hn)
        chars += len(gn)
    return {
        "tokens": tot,
        "syl_acc": round(ok / tot, 5) if tot else 0.0,
        "syl_acc_cs": round(ok_cs / tot, 5) if tot else 0.0,
        "cer": round(edits / chars, 5) if chars else 0.0,
    }


def score_files(hyp_path: str, gold_path: str) -> Dict[str, float]:
    with open(hyp_path, encoding="utf-8") as fh:
        hyp = fh.read().split("\n")
    with open(gold_path, encoding="utf-8") as fh:
        gold = fh.read().split("\n")
    # Tolerate a missing/extra final newline, as the reference script does.
    while hyp and hyp[-1] == "" and len(hyp) > len(gold):
        hyp.pop()
    while gold and gold[-1] == "" and len(gold) > len(hyp):
        gold.pop()
    return score(hyp, gold)
