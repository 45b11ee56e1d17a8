"""What the restorer tells about each word (``Restorer.explain``), and how the accounts
of a document's two readings become one (see ``Restorer._run``)."""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Tuple

from .marks import DocumentReading


# What can decide a word (WordDecision.source):
SOURCES = (
    "model",         # the model engine's decoding: n-gram and OCR channel, re-scored by the seq2seq scorer
    "ngram",         # the statistical engine's decoding: trigram LM and OCR channel
    "unigram",       # the rules engine's decoding: word frequencies and OCR channel
    "lexicon",       # a phrase of the built-in lexicon (data/admin_terms.tsv) matched there
    "user",          # a term of the user's lexicon matched there (Restorer(lexicon=...))
    "document",      # a pair of words or a rare word the document writes elsewhere (vidiacritic.document_memory)
    "fix:acronym",   # an acronym's Đ (data/acronyms_d.tsv, or an acronym the document defines)
    "fix:code",      # a document code's Đ (data/code_parts_d.tsv: 15/2014/ND-CP)
    "fix:currency",  # đ after an amount (27.600.000d)
    "fix:roman",     # a Roman numeral OCR read with l for I (Ill.)
    "fix:list-marker",  # a line-start list marker OCR misread, decided by its list (e) for c))
    "fix:unit",      # the ² of an area unit that OCR read as "?" (9.984.670 km? → km²)
    "kept",          # kept as written: no plausible Vietnamese reading, or a foreign word
)


@dataclass(frozen=True)
class WordDecision:
    """What happened to one input word."""

    original: str
    chosen: str
    start: int
    source: str  # what decided the word: one of SOURCES
    confidence: float
    alternatives: List[Tuple[str, float]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.chosen != self.original


@dataclass(frozen=True)
class Explanation:
    text: str
    words: List[WordDecision]
    # How the document was read (eng-ocr, vie-ocr, typed-unmarked, typed-marked) and
    # the rates estimated from it (vidiacritic.marks.DocumentReading).
    reading: Optional[DocumentReading] = None
    # Lines of a typed-marked document read as Tesseract-vie output for the damage no
    # typist writes on them (DocumentReader.typed_damage).
    ocr_lines: int = 0


def merge_readings(first: List[WordDecision], second: List[WordDecision],
                   positions: Dict[int, Tuple[int, str, str]], text: Optional[str] = None) -> List[WordDecision]:
    """The words of a two-reading explanation (Restorer._run): the first reading's,
    except where the second changed a word the first had changed (its decision, with
    the input's word and start); a word the first kept is at the same place in both.
    A word of the second reading that spans several of the first's (word_breaks
    joined "đun g", the first reading's output of "dun g", into "đung") replaces them,
    as the input's text from the first one's start to the last one's end (`text`: the
    first reading's input; without it such a word is not reported)."""
    out = {w.start: w for w in first}
    shift = start_map(first, positions)
    spans = _output_spans(first, positions, shift) if text is not None else []
    for w in second:
        if not w.changed:
            continue
        hit = positions.get(w.start)
        if hit is not None and hit[2] == w.original:  # a word the first reading changed
            start, original = hit[0], hit[1]
        elif w.start in shift:  # a word the first reading kept
            start, original = shift[w.start], w.original
        else:  # the second reading cut its words otherwise: a word over several of the first's
            end = w.start + len(w.original)
            k = bisect.bisect_left(spans, (w.start,))
            covered = list(itertools.takewhile(lambda sp: sp[1] <= end, itertools.islice(spans, k, None)))
            if not covered or covered[0][0] != w.start or covered[-1][1] != end:
                continue  # (not a whole number of them: the first reading's record stays)
            start, original = covered[0][2], text[covered[0][2]:covered[-1][3]]
            for sp in covered:
                out.pop(sp[2], None)
        out[start] = replace(w, original=original, start=start)
        for inside in range(start + 1, start + len(original)):  # (words it merged)
            out.pop(inside, None)
    # A word the first reading kept and the second split (word_breaks: "Thôngtư", read
    # as marked text only in the second reading, is "Thông tư"): its pieces, at their
    # places in the kept word, as a split of the first reading is told.
    kept = {o: out[i] for o, i in shift.items() if i in out and not out[i].changed}
    starts = sorted(kept)
    pieces: Dict[int, List[WordDecision]] = {}
    for w in second:
        k = bisect.bisect_right(starts, w.start) - 1  # (the kept word at or before it)
        o = starts[k] if k >= 0 else None
        if o is not None and w.start + len(w.original) <= o + len(kept[o].original) \
                and len(w.original) < len(kept[o].original):
            pieces.setdefault(o, []).append(w)
    for o, ws in pieces.items():
        whole = kept[o]
        if "".join(w.original for w in ws) != whole.original:
            continue  # (not a clean cut of the word)
        del out[whole.start]
        for w in ws:
            start = whole.start + (w.start - o)
            out[start] = replace(w, start=start)
    return sorted(out.values(), key=lambda w: w.start)


def _output_spans(first: List[WordDecision], positions: Dict[int, Tuple[int, str, str]],
                  shift: Dict[int, int]) -> List[Tuple[int, int, int, int]]:
    """(start, end) in the output and (start, end) in the input of each word of the
    first reading, in order (merge_readings): kept words by `shift` (start_map),
    changed ones by `positions`."""
    length = {w.start: len(w.original) for w in first}
    spans = [(o, o + length[i], i, i + length[i]) for o, i in shift.items()]
    spans += [(o, o + len(new), i, i + len(old)) for o, (i, old, new) in positions.items()]
    return sorted(spans)


def start_map(first: List[WordDecision], positions: Dict[int, Tuple[int, str, str]]) -> Dict[int, int]:
    """{start in the output: start in the input} of the words the first reading kept:
    the output is the input with the changed tokens of `positions` replaced."""
    changes = sorted((start_in, len(old) - len(new)) for _, (start_in, old, new) in positions.items())
    out: Dict[int, int] = {}
    k = delta = 0
    for w in sorted(first, key=lambda w: w.start):
        while k < len(changes) and changes[k][0] < w.start:
            delta += changes[k][1]
            k += 1
        if not w.changed:
            out[w.start - delta] = w.start
    return out
