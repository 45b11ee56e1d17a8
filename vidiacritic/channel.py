"""The OCR channel: how likely is the observed token, given the clean syllable?

P(observed | clean) is a mixture of three ways a word reaches us:
  * identity — the text was typed or OCR'd correctly ("chức" → "chức");
  * stripped — all marks were lost ("chức" → "chuc"), as in unaccented typing;
  * OCR      — Tesseract's English model misread it ("chức" → "chic", "chire").
The OCR part is a character edit model (substitution, deletion, insertion
probabilities) estimated by ``scripts/build_channel.py`` from (OCR, clean) pairs made
by rendering corpus text and running Tesseract — never tuned on the dev set.  The
edit cost of a token pair is the best (Viterbi) alignment under those probabilities.
"""
from __future__ import annotations

import itertools
import json
import math
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import compiled
from .text import strip_diacritics

# Log-probability for an edit never seen in the training pairs: rare but possible.
UNSEEN_EDIT_LOGP = math.log(1e-5)


def _lse(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


@dataclass
class CharEditModel:
    """Per-character edit probabilities (natural log)."""

    sub: Dict[str, Dict[str, float]] = field(default_factory=dict)  # clean → {obs or "" (deleted): logp}
    ins: Dict[str, float] = field(default_factory=dict)  # obs char inserted → logp (includes P(insert))
    no_ins: float = 0.0  # log P(no insertion at a position)
    _rows: Dict[str, Dict[str, float]] = field(default_factory=dict, repr=False)
    _dense: Optional[tuple] = field(default=None, repr=False)
    _codes: Dict[str, List[int]] = field(default_factory=dict, repr=False)
    _observed: Dict[str, tuple] = field(default_factory=dict, repr=False)  # (_compiled_dp)

    def _row(self, c: str) -> Dict[str, float]:
        """The substitution row of clean letter `c`, with the fallback for unseen letters."""
        row = self._rows.get(c)
        if row is None:
            row = dict(self.sub.get(c) or {})
            if c not in self.sub:  # unseen clean letter (rare accented form): like its base letter
                base = self.sub.get(strip_diacritics(c), {})
                row = {o: lp for o, lp in base.items() if o != strip_diacritics(c)}
                row[c] = base.get(strip_diacritics(c), UNSEEN_EDIT_LOGP)
            row.setdefault("", UNSEEN_EDIT_LOGP)
            self._rows[c] = row
        return row

    def logp(self, obs: str, clean: str) -> float:
        """Best-alignment log P(obs | clean) by dynamic programming, one pair at a time:
        the plain reference that :meth:`logp_many` vectorises (tests compare the two).
        The same DP runs in C when the extension is built (vidiacritic.compiled), for
        a form whose letters the tables hold (a letter never seen takes _row's fallback
        here, and the tables are not grown for it)."""
        if compiled.wanted(compiled.ext):
            self._tables()
            cidx = self._cidx
            if clean and all(c in cidx for c in clean):
                return float(self._compiled_dp(obs, [cidx[c] for c in clean], [len(clean)], raw=True)[0])
        m = len(obs)
        unseen = UNSEEN_EDIT_LOGP
        no_ins = self.no_ins
        ins = [self.ins.get(o, unseen + unseen) for o in obs]
        prev = [0.0] * (m + 1)
        for j in range(m):
            prev[j + 1] = prev[j] + ins[j]
        for c in clean:
            row = self._row(c)
            get = row.get
            dele = row[""] + no_ins
            cur = [prev[0] + dele]
            for j in range(m):
                best = prev[j] + get(obs[j], unseen) + no_ins
                d = prev[j + 1] + dele
                if d > best:
                    best = d
                i = cur[j] + ins[j]
                if i > best:
                    best = i
                cur.append(best)
            prev = cur
        return prev[m]

    def own_logps(self, words: Sequence[str]) -> List[float]:
        """[self.logp(w, w) for w in words] (each word read as itself: the marks
        channel's identity, MarksChannel.error_norms), those whose letters the tables
        hold in one C call (vidiacritic._decode.edit_dp_own), as logp runs them."""
        if not compiled.wanted(compiled.ext):
            return [self.logp(w, w) for w in words]
        sub, dele = self._tables()
        cidx = self._cidx
        inside = [bool(w) and all(c in cidx for c in w) for w in words]
        out = [0.0 if ok else self.logp(w, w) for w, ok in zip(words, inside)]
        chosen = [w for w, ok in zip(words, inside) if ok]
        if chosen:
            letters = "".join(chosen)
            got = np.empty(len(chosen))
            oid, ins = self._observed_arrays(letters)  # (each word's own, one after another)
            compiled.ext.edit_dp_own(
                np.fromiter((cidx[c] for c in letters), dtype=np.int64, count=len(letters)),
                np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen)), oid,
                self._raw_sub, sub.shape[0], sub.shape[1], dele, ins, float(self.no_ins), True, got)
            values = iter(got.tolist())
            out = [next(values) if ok else v for v, ok in zip(out, inside)]
        return out

    def _tables(self):
        """Dense arrays of the model for vectorised scoring: built once, on first use."""
        if self._dense is None:
            clean_chars = sorted(set(self.sub) | {c for c in "abcdefghijklmnopqrstuvwxyz"})
            self._cidx = {c: i + 1 for i, c in enumerate(clean_chars)}  # 0 = padding
            rows = {c: self._row(c) for c in clean_chars}
            # Observed letters of every row, fallback rows of unseen letters included.
            obs_chars = sorted({o for row in rows.values() for o in row if o} | set(self.ins))
            self._oidx = {o: i + 1 for i, o in enumerate(obs_chars)}  # 0 = unknown char
            sub = np.full((len(clean_chars) + 1, len(obs_chars) + 1), UNSEEN_EDIT_LOGP)
            dele = np.full(len(clean_chars) + 1, UNSEEN_EDIT_LOGP)
            for c, ci in self._cidx.items():
                row = rows[c]
                for o, lp in row.items():
                    if o:
                        sub[ci, self._oidx[o]] = lp
                dele[ci] = row[""]
            # (logp_many reads substitution + no_ins; logp, and its C twin, add no_ins
            # after the substitution: a sum in another order, kept apart to the bit)
            self._dense = (sub + self.no_ins, dele + self.no_ins)
            self._raw_sub = sub
            self._observed = {}  # (the observed letters' columns may have moved)
        return self._dense

    def _observed_arrays(self, obs: str):
        """The observed letters' columns of the tables (0: a letter they lack) and their
        insertion scores (int64, float64 arrays); call _tables() first."""
        return (np.fromiter((self._oidx.get(o, 0) for o in obs), dtype=np.int64, count=len(obs)),
                np.array([self.ins.get(o, 2 * UNSEEN_EDIT_LOGP) for o in obs], dtype=np.float64))

    def _observation(self, obs: str):
        """_observed_arrays(obs), remembered: a word is read against many forms (cleared
        when the tables are rebuilt, which may move the columns)."""
        known = self._observed.get(obs)
        if known is None:
            if len(self._observed) > 100_000:
                self._observed.clear()
            known = self._observed[obs] = self._observed_arrays(obs)
        return known

    def _compiled_dp(self, obs: str, flat_codes, lens, raw: bool) -> np.ndarray:
        """The DP of logp (raw) or logp_many in C (vidiacritic._decode.edit_dp): the
        forms given as their letters' rows of the tables, one after another (lens)."""
        sub, dele = self._tables()
        table = self._raw_sub if raw else sub
        oid, ins = self._observation(obs)
        out = np.empty(len(lens))
        compiled.ext.edit_dp(np.asarray(flat_codes, dtype=np.int64), np.asarray(lens, dtype=np.int64), oid,
                             table, table.shape[0], table.shape[1], dele, ins, float(self.no_ins), raw, out)
        return out

    def _clean_index(self, c: str) -> int:
        i = self._cidx.get(c)
        if i is None:  # a letter seen for the first time: extend the tables
            self._dense = None
            self._codes.clear()
            self.sub.setdefault(c, {})
            self._rows.pop(c, None)
            self._tables()
            i = self._cidx[c]
        return i

    def logp_many(self, obs: str, forms: Sequence[str]) -> np.ndarray:
        """log P(obs | form) for many forms at once (same DP as :meth:`logp`, vectorised
        over the forms; about ten times faster for the usual 20–60 forms)."""
        self._tables()  # builds the letter indices that _clean_index reads
        codes = self._codes  # form → its letters' rows (cleared when the tables grow)
        new = [f for f in forms if f not in codes]
        if new:
            # Letters never seen extend the tables first: extending renumbers the
            # letters (and forgets every code), so codes taken before would point at
            # the wrong rows.
            for c in {c for f in new for c in f} - self._cidx.keys():
                self._clean_index(c)
            for f in forms:
                if f not in codes:
                    codes[f] = [self._clean_index(c) for c in f]
        n = len(forms)
        lens = np.fromiter(map(len, forms), dtype=np.int64, count=n)
        if compiled.wanted(compiled.ext):
            return self._compiled_dp(obs, np.fromiter(itertools.chain.from_iterable(codes[f] for f in forms),
                                                      dtype=np.int64, count=int(lens.sum())), lens, raw=False)
        L = int(lens.max()) if n else 0
        cid = np.zeros((n, L), dtype=np.int64)  # row 0 of the tables pads short forms
        cid[np.arange(L) < lens[:, None]] = np.fromiter(
            itertools.chain.from_iterable(codes[f] for f in forms), dtype=np.int64, count=int(lens.sum()))
        sub, dele = self._tables()
        oid, ins = self._observation(obs)
        m = len(obs)
        prev = np.zeros((n, m + 1))
        prev[:, 1:] = np.cumsum(ins)[None, :]
        # Row i of the table holds every form's i-th clean letter.  Substitution and
        # deletion read the previous row only, so they are done for all of a row's
        # cells at once; only the insertion term runs along the row, one column at a
        # time.  Each cell is the same max of the same sums as in logp (and as a
        # cell-by-cell loop), so the scores are the same to the bit.
        subs = sub[:, oid][cid]  # (n, L, m): the form's letter i read as obs[j]
        dels = dele[cid][:, :, None]  # (n, L, 1)
        steps = ins.tolist()
        last = np.full((n, L + 1), -np.inf)  # column m of row i: where each form ends
        for i in range(L):
            cur = np.empty((n, m + 1))
            cur[:, :1] = prev[:, :1] + dels[:, i]
            best = np.maximum(prev[:, :-1] + subs[:, i], prev[:, 1:] + dels[:, i])
            for j in range(m):
                np.maximum(best[:, j], cur[:, j] + steps[j], out=cur[:, j + 1])
            last[:, i + 1] = cur[:, m]
            prev = cur
        # (a form of length 0 keeps -inf)
        return last[np.arange(n), lens] if n else np.full(0, -np.inf)

    def to_json(self) -> dict:
        return {"sub": self.sub, "ins": self.ins, "no_ins": self.no_ins}

    @classmethod
    def from_json(cls, d: dict) -> "CharEditModel":
        return cls(sub=d["sub"], ins=d["ins"], no_ins=d["no_ins"])


@dataclass
class Channel:
    """The three-way mixture; weights are priors over how the text was produced."""

    edits: CharEditModel
    w_identity: float = 0.35
    w_stripped: float = 0.25
    w_ocr: float = 0.40
    meta: dict = field(default_factory=dict)

    def logp_many(self, obs: str, forms: Sequence[str]) -> np.ndarray:
        """log P(obs | form) for each candidate form; all lowercase NFC."""
        total = math.log(self.w_ocr) + self.edits.logp_many(obs, forms)
        stripped = strip_diacritics(obs) == obs
        for k, f in enumerate(forms):
            if f == obs:
                total[k] = _lse(total[k], math.log(self.w_identity))
            elif stripped and strip_diacritics(f) == obs:
                total[k] = _lse(total[k], math.log(self.w_stripped))
        return total

    def save(self, path: str) -> None:
        data = {
            "weights": {"identity": self.w_identity, "stripped": self.w_stripped, "ocr": self.w_ocr},
            "edits": self.edits.to_json(),
            "meta": self.meta,
        }
        write_json(path, data)

    @classmethod
    def load(cls, path: str) -> "Channel":
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        w = d["weights"]
        return cls(CharEditModel.from_json(d["edits"]), w["identity"], w["stripped"], w["ocr"], d.get("meta", {}))


def write_json(path: str, data: dict) -> None:
    """A model file's JSON (sorted keys, one item a line), written to a temporary file
    and renamed: a build interrupted midway never leaves half a model."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=0, sort_keys=True)
    os.replace(tmp, path)
