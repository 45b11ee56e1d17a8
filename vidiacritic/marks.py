"""Marks as evidence: a channel for text that already carries Vietnamese marks, and
how far one document's marks can be trusted.

The OCR channel of :mod:`vidiacritic.channel` was estimated on Tesseract's English
model, which drops marks; a marked word ("nhầm", "đong") seen through it is nearly
always kept.  Two kinds of documents carry marks and still need repair:

* **typed with marks**, where a keyboard or converter dropped tone marks (and maybe
  the vowel-quality marks and đ) on some share of the words: "đong" for đồng;
* **Vietnamese OCR** (Tesseract ``-l vie``), whose marks are present but sometimes
  wrong (nhầm for nhằm, điếm for điểm) and whose letters sometimes are (tình for
  trình).

``MarksChannel`` is P(observed syllable | true syllable) factored as its toneless
letters, vowel-quality marks and đ included (a character edit model: ô→o, ơ→o, đ→d,
r→t …), times its tone given whether the letters were read right (two 6×6 confusion
tables: a misread glyph often loses its tone too, 49% of the time in the Tesseract
``vie`` training pairs against 3% with the letters right), all estimated from real
(Tesseract ``vie``, clean) pairs by ``scripts/build_marks_channel.py``
(``models/marks.json``).

``DocumentReading`` says how the document was read — eng-ocr, vie-ocr,
typed-unmarked or typed-marked — with the rates estimated from the document itself:
the tone-drop rate r (the share of toned syllables against the share the language
model's unigram counts expect), the quality-drop rate q (the same for ă â ê ô ơ ư đ),
and the mark-error rate e (the share of words a first decoding pass overturns; fitted
in :mod:`vidiacritic.restorer`).  Its ``logp_many`` is the document's channel:

    P(obs | clean) = (1 - e) · T_rq(obs | clean) + e · V(obs | clean, obs ≠ clean)

where T drops the tone mark with probability r and all quality marks with probability
q and changes nothing else, and V is the learned channel given that it erred.  A fully
and correctly marked text (r, q, e ≈ 0) keeps its words; a tone-dropped one (r ≈ 1)
reopens its toneless words to every tone, the language model choosing among them.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from . import compiled
from .channel import CharEditModel, write_json
from .text import split_tone

ENG_OCR, VIE_OCR, TYPED_UNMARKED, TYPED_MARKED = "eng-ocr", "vie-ocr", "typed-unmarked", "typed-marked"
KINDS = (ENG_OCR, VIE_OCR, TYPED_UNMARKED, TYPED_MARKED)
N_TONES = 6
# Letters whose vowel-quality mark (or đ's bar) a keyboard or converter can drop.
_QUALITY = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d"}
_QUALITY_TABLE = str.maketrans(_QUALITY)
# A document whose quality marks are this far below the expected share is read as
# unmarked (eng OCR keeps none of them, typed-unmarked text none): the old channel.
UNMARKED_QUALITY_DROP = 0.85
# Rates are kept inside these bounds: a rate of exactly 0 or 1 would make a reading
# impossible outright, and a few words cannot prove that.
RATE_FLOOR, RATE_CEIL = 0.01, 0.99
ERROR_FLOOR = 1e-4
# A marked document whose fitted mark-error rate reaches this is called vie-ocr.
VIE_OCR_ERROR = 0.01
# Too few words prove nothing about how a document was typed ("đ my" is not a text with
# every tone dropped): below these counts it is read through the OCR channel as before.
MIN_WORDS = 8
MIN_MARKED_WORDS = 4
# Lines are told apart by how many of their words are no syllable: 0, 1, 2 or more.
LINE_CLASSES = 3


@lru_cache(maxsize=200_000)
def letters_and_tone(syllable: str) -> Tuple[str, int]:
    """(lowercase letters without the tone mark, tone number 0–5)."""
    return split_tone(syllable.lower())


def keeps_marks(text: str, form: str) -> bool:
    """Whether syllable `form` is `text` with marks added only: every letter of `text`
    is `form`'s letter or that letter without its marks, and a tone `text` has is
    `form`'s (đieu → điều, not → đều)."""
    letters, tone = letters_and_tone(text.lower())
    f_letters, f_tone = letters_and_tone(form)
    return (not tone or tone == f_tone) and quality_counts(letters, f_letters) is not None


def strip_quality(letters: str) -> str:
    """ă â ê ô ơ ư đ → a a e o o u d (tone marks untouched)."""
    return letters.translate(_QUALITY_TABLE)


def has_quality(letters: str) -> bool:
    return any(c in _QUALITY for c in letters)


@dataclass
class MarksChannel:
    """P(observed | clean) for marked text: letter edits (toneless) × tone confusion
    given whether the letters were read right."""

    tone: np.ndarray  # (6, 6) log P(observed tone | clean tone), all words pooled
    letters: CharEditModel  # on toneless lowercase letters, quality marks included
    meta: dict = field(default_factory=dict)
    # log P(observed tone | clean tone) for words whose letters were read right and for
    # words with a letter misread; a channel file without them uses `tone` for both.
    tone_letters_kept: Optional[np.ndarray] = None
    tone_letters_changed: Optional[np.ndarray] = None
    _identity: Dict[str, float] = field(default_factory=dict, repr=False)
    _letters_identity: Dict[str, float] = field(default_factory=dict, repr=False)  # (identity_logp)
    _error_norm: Dict[str, float] = field(default_factory=dict, repr=False)  # (error_norms)
    _form_rows: Optional["FormRows"] = field(default=None, repr=False)  # (mark_evidence)

    def tone_table(self, letters_changed: bool) -> np.ndarray:
        """log P(observed tone | clean tone) given whether the letters were misread."""
        table = self.tone_letters_changed if letters_changed else self.tone_letters_kept
        return self.tone if table is None else table

    def tone_logps(self, obs_letters: str, obs_tone: int, split: Sequence[Tuple[str, int]]) -> np.ndarray:
        """log P(obs_tone | each form's tone, its letters against obs_letters) for
        forms given as (letters, tone)."""
        # (the two columns as lists: indexing a numpy table per form cost more than the rest)
        kept, changed = self.tone_table(False)[:, obs_tone].tolist(), self.tone_table(True)[:, obs_tone].tolist()
        return np.array([(changed if cl != obs_letters else kept)[ct] for cl, ct in split], dtype=float)

    def logp_many(self, obs: str, forms: Sequence[str]) -> np.ndarray:
        """log V(obs | form) for each form (lowercase NFC syllables)."""
        ol, ot = letters_and_tone(obs)
        split = [letters_and_tone(f) for f in forms]
        lp = self.letters.logp_many(ol, [cl for cl, _ in split]) if forms else np.zeros(0)
        return lp + self.tone_logps(ol, ot, split)

    def error_norms(self, forms: Sequence[str]) -> np.ndarray:
        """log(1 - V(f | f)) of each form f (identity_logp kept below -1e-6): what
        V given an error is renormalised by (mark_evidence), remembered per form."""
        norms = self._error_norm
        missing = [f for f in forms if f not in norms]
        if missing:
            known = self._letters_identity
            new = {cl for cl in (letters_and_tone(f)[0] for f in missing) if cl not in known}
            if new:  # (the letters' identities in one call: identity_logp finds them)
                new = sorted(new)
                known.update(zip(new, self.letters.own_logps(new)))
            for f in missing:
                norms[f] = math.log(-math.expm1(min(self.identity_logp(f), -1e-6)))
        return np.fromiter(map(norms.__getitem__, forms), dtype=float, count=len(forms))

    def identity_logp(self, form: str) -> float:
        """log V(form | form): the chance the channel leaves this syllable intact."""
        hit = self._identity.get(form)
        if hit is None:
            cl, ct = letters_and_tone(form)
            # The letters' DP is remembered by the letters: a syllable's five other
            # tones share it (the dev OCR report asked 4,056 forms, of far fewer letters).
            letters = self._letters_identity.get(cl)
            if letters is None:
                letters = self._letters_identity[cl] = self.letters.logp(cl, cl)
            hit = self._identity[form] = float(letters + self.tone_table(False)[ct, ct])
        return hit

    @property
    def expected_toned(self) -> float:
        return float(self.meta["expected"]["toned_share"])

    @property
    def expected_quality(self) -> float:
        return float(self.meta["expected"]["quality_share"])

    def save(self, path: str) -> None:
        out = {"tone": np.round(self.tone, 5).tolist(), "letters": self.letters.to_json(), "meta": self.meta}
        for name in _TONE_TABLES:
            if getattr(self, name) is not None:
                out[name] = np.round(getattr(self, name), 5).tolist()
        write_json(path, out)

    @classmethod
    def load(cls, path: str) -> "MarksChannel":
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        tables = {name: _tone_table(d[name], path) for name in ("tone", *_TONE_TABLES) if name in d}
        if "tone" not in tables:
            raise ValueError(f"{path}: no tone table")
        return cls(letters=CharEditModel.from_json(d["letters"]), meta=d.get("meta", {}), **tables)


_TONE_TABLES = ("tone_letters_kept", "tone_letters_changed")


def _tone_table(rows, path: str) -> np.ndarray:
    table = np.array(rows, dtype=np.float64)
    if table.shape != (N_TONES, N_TONES):
        raise ValueError(f"{path}: tone table must be {N_TONES}x{N_TONES}")
    return table


# ---------------------------------------------------------------- one document
@dataclass(frozen=True)
class DocumentReading:
    """How a document was read, and how far its marks can be trusted.

    kind: eng-ocr, vie-ocr, typed-unmarked or typed-marked.  tone_drop (r): the share
    of toned words whose tone mark is missing; quality_drop (q): the same for ă â ê ô ơ
    ư đ; mark_error (e): the share of words whose marks or letters are wrong in other
    ways (fitted by a first decoding pass); words: how many words it was estimated on;
    ocr_odds (typed-unmarked only): the log-odds that the document is OCR output that
    wrote too few OCR marks to be read as such (DocumentReader.ocr_odds), or None.
    """

    kind: str
    tone_drop: float = 0.0
    quality_drop: float = 0.0
    mark_error: float = ERROR_FLOOR
    words: int = 0
    ocr_odds: Optional[float] = None
    reach: int = 0  # letter edits beyond Config.neighbour_edits a word's candidates go (for_word)

    @property
    def marked(self) -> bool:
        """Whether the marks channel reads this document (else the OCR channel does)."""
        return self.kind in (VIE_OCR, TYPED_MARKED)

    def with_error(self, e: float) -> "DocumentReading":
        e = min(max(e, ERROR_FLOOR), 0.5)
        return DocumentReading(VIE_OCR if e >= VIE_OCR_ERROR else TYPED_MARKED,
                               self.tone_drop, self.quality_drop, e, self.words)

    def typed_logp(self, obs: str, forms: Sequence[str]) -> np.ndarray:
        """log T(obs | form): tones dropped at rate r, each quality mark at rate q,
        nothing else changed (-inf where T cannot produce obs)."""
        ol, ot = letters_and_tone(obs)
        r, q = self.tone_drop, self.quality_drop
        out = np.full(len(forms), -np.inf)
        for k, f in enumerate(forms):
            cl, ct = letters_and_tone(f)
            if ot == ct:
                tone = math.log1p(-r) if ct else 0.0
            elif ot == 0:
                tone = math.log(r)
            else:
                continue
            let = _quality_drop_logp(ol, cl, q)
            if let is not None:
                out[k] = tone + let
        return out

    def logp_many(self, channel: MarksChannel, obs: str, forms: Sequence[str]) -> np.ndarray:
        """The document's channel: log[(1-e)·T(obs|form) + e·V(obs|form, erred)]."""
        return self.score(mark_evidence(channel, obs, forms))

    def score(self, ev: "MarkEvidence") -> np.ndarray:
        """logp_many from a word's MarkEvidence (computed once per word, scored here for
        each document's rates)."""
        r, q, e = self.tone_drop, self.quality_drop, self.mark_error
        typed = (ev.toned_kept * math.log1p(-r) + ev.tone_dropped * math.log(r)
                 + ev.quality_kept * math.log1p(-q) + ev.quality_dropped * math.log(q))
        typed = np.where(ev.typed_ok, typed + math.log1p(-e), -np.inf)
        return np.logaddexp(typed, ev.err + math.log(e))

    def for_line(self, channel: MarksChannel, invalid_words: int) -> "DocumentReading":
        """This reading on one line of a vie-OCR document: OCR errors cluster on bad
        lines, so the mark-error rate is scaled by how much likelier a word is wrong
        on a line with that many non-syllables (line_error_ratio, from the training
        pairs).  Other kinds of documents are read the same on every line."""
        ratios = channel.meta.get("line_error_ratio")
        if self.kind != VIE_OCR or not ratios:
            return self
        return self._scaled(ratios[min(invalid_words, len(ratios) - 1)])

    def for_word(self, ratio: float, reach: int = 0) -> "DocumentReading":
        """This reading of one word of a vie-OCR document whose OCR engine gave it a
        confidence: the rate scaled by `ratio`, how much likelier a word of its
        confidence band and line class is wrong (vidiacritic.confidence), instead of by
        its line class alone (for_line), its candidates `reach` letters further."""
        if self.kind != VIE_OCR:
            return self
        return self._scaled(ratio, reach)

    def _scaled(self, ratio: float, reach: int = 0) -> "DocumentReading":
        """This vie-OCR reading with its mark-error rate times `ratio` (kept within its
        bounds) and the candidates' `reach`."""
        return DocumentReading(self.kind, self.tone_drop, self.quality_drop,
                               min(max(self.mark_error * ratio, ERROR_FLOOR), 0.5), self.words, reach=reach)

    def describe(self) -> str:
        return (f"{self.kind} (tone marks dropped {self.tone_drop:.0%}, quality marks dropped "
                f"{self.quality_drop:.0%}, other mark/letter errors {self.mark_error:.1%}; {self.words} words)")


@dataclass(frozen=True)
class MarkEvidence:
    """What a document's channel needs to know about an observed word against each of
    its candidate forms, whatever the document's rates: whether the typed channel can
    produce the word (and with a tone kept or dropped, how many quality marks kept and
    dropped) and log V(obs | form, erred), the learned channel given an error (-inf for
    the form itself)."""

    forms: Tuple[str, ...]
    typed_ok: np.ndarray
    toned_kept: np.ndarray
    tone_dropped: np.ndarray
    quality_kept: np.ndarray
    quality_dropped: np.ndarray
    err: np.ndarray


ROWS_FROM = 40  # (mark_evidence: pools of this many forms or more are read by FormRows)


class FormRows:
    """What mark_evidence needs of each form, whatever the observation, in arrays with
    a row per form (filled as forms are first asked): its tone, its letters' count and
    an id for its letters, its error renormaliser (MarksChannel.error_norms) and its
    letters' rows of the channel's edit tables, so that a word's evidence over its pool
    (100-250 forms in Tesseract-vie output, one letter away) is a few array operations
    and one compiled DP instead of a loop over the forms.  The values are those of the
    loop, to the bit: the same tables, DP and scalar arithmetic, gathered."""

    def __init__(self, channel: MarksChannel):
        self.channel = channel
        self.tables = channel.letters._tables()  # (extending the tables renumbers their rows: then start again)
        self.row: Dict[str, int] = {}
        self.letters: list = []  # row → letters
        self.letter_id: Dict[str, int] = {}
        self.bare_id: Dict[str, int] = {}  # letters less their quality marks → id
        n, width = 1024, 8
        self.tone = np.zeros(n, dtype=np.int64)
        self.length = np.zeros(n, dtype=np.int64)
        self.lid = np.zeros(n, dtype=np.int64)
        self.bid = np.zeros(n, dtype=np.int64)
        self.norm = np.zeros(n)
        self.codes = np.zeros((n, width), dtype=np.int64)

    def rows(self, forms: Sequence[str]) -> Optional[np.ndarray]:
        """The rows of `forms` (added where new), or None where a form has a letter the
        tables lack (the caller then takes the loop, which extends them)."""
        row = self.row
        new = [f for f in dict.fromkeys(forms) if f not in row]
        if new and not self._add(new):
            return None
        return np.fromiter(map(row.__getitem__, forms), dtype=np.int64, count=len(forms))

    def _add(self, forms: Sequence[str]) -> bool:
        cidx = self.channel.letters._cidx
        split = [letters_and_tone(f) for f in forms]
        if any(c not in cidx for cl, _ in split for c in cl):
            return False
        norms = self.channel.error_norms(forms)
        start, end = len(self.letters), len(self.letters) + len(forms)
        width = max(self.codes.shape[1], max(len(cl) for cl, _ in split))
        if end > len(self.tone) or width > self.codes.shape[1]:
            n = max(2 * len(self.tone), end) if end > len(self.tone) else len(self.tone)
            self.tone, self.length, self.lid, self.bid, self.norm = (
                np.resize(a, n) for a in (self.tone, self.length, self.lid, self.bid, self.norm))
            codes = np.zeros((n, width), dtype=np.int64)
            codes[:start, :self.codes.shape[1]] = self.codes[:start]
            self.codes = codes
        for k, (f, (cl, ct)) in enumerate(zip(forms, split), start):
            self.row[f] = k
            self.letters.append(cl)
            self.tone[k], self.length[k] = ct, len(cl)
            self.lid[k] = self.letter_id.setdefault(cl, len(self.letter_id))
            bare = strip_quality(cl)
            self.bid[k] = self.bare_id.setdefault(bare, len(self.bare_id))
            self.codes[k, :len(cl)] = [cidx[c] for c in cl]
        self.norm[start:end] = norms
        return True

    def evidence(self, obs: str, forms: Sequence[str]) -> Optional["MarkEvidence"]:
        """mark_evidence(channel, obs, forms) from the rows (obs lowercase), or None
        where the loop must do it."""
        ids = self.rows(forms)
        if ids is None:
            return None
        channel, n = self.channel, len(forms)
        ol, ot = letters_and_tone(obs)
        tone, length = self.tone[ids], self.length[ids]
        # (typed text only drops marks: the letters less their quality marks are the
        # observation's, which quality_counts then reads letter by letter)
        same = self.bid[ids] == self.bare_id.get(strip_quality(ol), -1)
        typed = _typed_arrays(ol, ot, n, ((k, self.letters[ids[k]], int(tone[k]))
                                          for k in np.flatnonzero((tone == ot) & same if ot else same).tolist()))
        if n:
            mask = np.arange(self.codes.shape[1]) < length[:, None]
            lp = channel.letters._compiled_dp(ol, self.codes[ids][mask], length, raw=False)
        else:
            lp = np.zeros(0)
        changed = self.lid[ids] != self.letter_id.get(ol, -1)
        tones = np.where(changed, channel.tone_table(True)[tone, ot], channel.tone_table(False)[tone, ot])
        err = (lp + tones) - self.norm[ids]
        own = self.row.get(obs)
        if own is not None:
            err[ids == own] = -np.inf  # (an error never leaves the word as it was)
        return MarkEvidence(tuple(forms), *typed, err)


def _typed_arrays(ol: str, ot: int, n: int, candidates: Iterable[Tuple[int, str, int]]):
    """(typed_ok, toned_kept, tone_dropped, quality_kept, quality_dropped) of
    MarkEvidence over n forms, observed letters `ol` and tone `ot`, from the forms
    `candidates` gives as (index, letters, tone): those the typed channel may have
    made, the tone kept or dropped (the others stay False and 0)."""
    typed_ok = np.zeros(n, dtype=bool)
    toned_kept, tone_dropped = np.zeros(n), np.zeros(n)
    kept, dropped = np.zeros(n), np.zeros(n)
    for k, cl, ct in candidates:
        counts = quality_counts(ol, cl)
        if counts is None:
            continue
        typed_ok[k] = True
        toned_kept[k] = ot == ct and ct != 0
        tone_dropped[k] = ot != ct
        kept[k], dropped[k] = counts
    return typed_ok, toned_kept, tone_dropped, kept, dropped


def mark_evidence(channel: MarksChannel, obs: str, forms: Sequence[str]) -> MarkEvidence:
    """The MarkEvidence of lowercase observation `obs` against `forms`."""
    obs = obs.lower()
    # The forms' rows in arrays (FormRows, with the compiled DP) pay from about 40 forms: a
    # vie-OCR word's pool of 100-250 forms took a third of the loop's time, while for the
    # 10-30 forms of a word of typed text the arrays' fixed cost is more than the loop's.
    if len(forms) >= ROWS_FROM and compiled.wanted(compiled.ext):
        rows = channel._form_rows
        if rows is None or rows.tables is not channel.letters._tables():
            rows = channel._form_rows = FormRows(channel)
        fast = rows.evidence(obs, forms)
        if fast is not None:
            return fast
    ol, ot = letters_and_tone(obs)
    split = [letters_and_tone(f) for f in forms]
    n = len(forms)
    # (quality_counts gives None for letters of another length: not asked)
    typed = _typed_arrays(ol, ot, n, ((k, cl, ct) for k, (cl, ct) in enumerate(split)
                                      if (ot == ct or ot == 0) and len(cl) == len(ol)))
    v = (channel.letters.logp_many(ol, [cl for cl, _ in split]) if n else np.zeros(0)) \
        + channel.tone_logps(ol, ot, split)
    err = v - channel.error_norms(forms)  # V given an error: renormalised by 1 - V(f | f)
    err[[k for k, f in enumerate(forms) if f == obs]] = -np.inf  # (an error never leaves the word as it was)
    return MarkEvidence(tuple(forms), *typed, err)


def quality_counts(obs: str, clean: str) -> Optional[Tuple[int, int]]:
    """(quality marks kept, dropped) when obs letters are clean letters with some of
    their quality marks (ă â ê ô ơ ư đ) dropped and nothing else changed, else None."""
    if len(obs) != len(clean):
        return None
    kept = dropped = 0
    for o, c in zip(obs, clean):
        if o == c:
            kept += c in _QUALITY
        elif _QUALITY.get(c) == o:
            dropped += 1
        else:
            return None
    return kept, dropped


def _quality_drop_logp(obs: str, clean: str, q: float) -> Optional[float]:
    """log P(obs letters | clean letters) when each quality mark (ă â ê ô ơ ư đ) is
    dropped with probability q and nothing else changes; None when that cannot give obs."""
    counts = quality_counts(obs, clean)
    if counts is None:
        return None
    kept, dropped = counts
    return kept * math.log1p(-q) + (dropped * math.log(q) if dropped else 0.0)


def _share(words: Sequence[str], test) -> float:
    return sum(1 for w in words if test(w)) / len(words) if words else 0.0


def read_document(words: Iterable[str], ocr_document: bool, channel: Optional[MarksChannel]) -> DocumentReading:
    """First estimate from the document's own words (alphabetic tokens): its kind and
    the tone- and quality-drop rates.  The mark-error rate starts at the training
    pairs' and is fitted by the restorer's first decoding pass."""
    low = [w.lower() for w in words if w.isalpha()]
    n = len(low)
    if channel is None or n == 0:
        return DocumentReading(ENG_OCR if ocr_document else TYPED_UNMARKED, words=n)
    split = [letters_and_tone(w) for w in low]
    toned = _share(split, lambda s: s[1] > 0)
    quality = _share(split, lambda s: has_quality(s[0]))
    r = _clip(1.0 - toned / channel.expected_toned)
    q = _clip(1.0 - quality / channel.expected_quality)
    marked = sum(1 for letters, tone in split if tone or has_quality(letters))
    if q >= UNMARKED_QUALITY_DROP or n < MIN_WORDS or marked < MIN_MARKED_WORDS:
        return DocumentReading(ENG_OCR if ocr_document else TYPED_UNMARKED, r, q, ERROR_FLOOR, n)
    e0 = float(channel.meta.get("error_rate", VIE_OCR_ERROR))
    return DocumentReading(VIE_OCR if ocr_document else TYPED_MARKED, r, q, e0, n)


def _clip(x: float) -> float:
    return min(max(x, RATE_FLOOR), RATE_CEIL)
