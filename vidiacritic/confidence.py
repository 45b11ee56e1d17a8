"""The OCR engine's word confidences as evidence of which marks to trust.

Tesseract gives every word a confidence (hOCR ``x_wconf``, ALTO ``WC``, PAGE
``TextEquiv@conf``).  In Tesseract-vie output the words it misread are mostly valid
syllables with wrong marks (nhầm for nhằm), which the marks channel can only overturn
at the document's mark-error rate, the same for every word of a line.  On training-split
poor scans a word read with confidence 0.95 or more was wrong about 2% of the time, one
below 0.9 about a quarter of the time (``models/confidence.json``; models/CHANNEL.md,
"Word confidences").  So where the caller has them, each word of a document read as
Tesseract-vie output gets the document's rate scaled by how much likelier a word of its
confidence band (and line class, as without confidences) is wrong
(``DocumentReading.for_word``): context then overturns a doubtful word more easily and
a sure one less.

Confidences come with the text, one per whitespace-separated word (``restore(text,
confidences=[...])``; the markup formats pass their words' own), as numbers from 0 to 1
or None for a word without one.  They only change how a document read as Tesseract-vie
output is decoded: other documents' channels have no per-word error rate to scale.
"""
from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

# Lower edges of the confidence bands (0-1) of models/confidence.json.
BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)


def band_of(conf: float) -> int:
    """Index of the band `conf` (0-1) falls in."""
    return max(0, bisect.bisect_right(BANDS, conf) - 1)


@dataclass(frozen=True)
class ConfidenceTable:
    """error_ratio[line class][band]: how much likelier than the document's rate a word
    is wrong (line class: how many words of its line are no syllable, 0, 1, 2+)."""

    error_ratio: tuple

    def ratio(self, line_class: int, conf: float) -> float:
        row = self.error_ratio[min(line_class, len(self.error_ratio) - 1)]
        return float(row[band_of(conf)])

    @classmethod
    def load(cls, path: str) -> "ConfidenceTable":
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        bands, ratio = d.get("bands"), d.get("error_ratio")
        if tuple(bands or ()) != BANDS or not ratio or any(len(row) != len(BANDS) for row in ratio):
            raise ValueError(f"{path}: bands must be {list(BANDS)} with one ratio per band and line class")
        if not all(isinstance(r, (int, float)) and math.isfinite(r) and r > 0 for row in ratio for r in row):
            raise ValueError(f"{path}: error ratios must be positive numbers")
        return cls(tuple(tuple(float(r) for r in row) for row in ratio))


def check_confidences(text: str, confidences: Sequence[Optional[float]]) -> List[Optional[float]]:
    """The confidences as a list, one per whitespace-separated word of `text`; ValueError
    (one line) when their number differs or a value is not a number from 0 to 1 (or None)."""
    values = list(confidences)
    n = len(text.split())
    if len(values) != n:
        raise ValueError(f"confidences: {len(values)} given for {n} words (one per whitespace-separated word)")
    for k, c in enumerate(values):
        if c is None:
            continue
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0.0 <= float(c) <= 1.0:
            raise ValueError(f"confidences: word {k + 1} has {c!r}; expected a number from 0 to 1 or None")
    return [None if c is None else float(c) for c in values]


def word_spans(text: str) -> List[tuple]:
    """(start, end) of each whitespace-separated word of `text`, in order."""
    spans, start = [], None
    for i, ch in enumerate(text):
        if ch.isspace():
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(text)))
    return spans


def by_token(toks, text: str, confidences: Sequence[Optional[float]]) -> Dict[int, float]:
    """{token index: confidence} for the tokens inside words that have one (a token that
    spans several words, words joined by the word-break repair, gets the lowest)."""
    spans = word_spans(text)
    starts = [s for s, _ in spans]
    out: Dict[int, float] = {}
    for i, tok in enumerate(toks):
        if tok.start < 0 or not tok.text or tok.text.isspace():
            continue
        k = bisect.bisect_right(starts, tok.start) - 1
        found = []
        while 0 <= k < len(spans) and spans[k][0] < tok.start + len(tok.text):
            if spans[k][1] > tok.start and confidences[k] is not None:
                found.append(confidences[k])
            k += 1
        if found:
            out[i] = min(found)
    return out

