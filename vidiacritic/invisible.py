"""Invisible format characters: read through, written back in place.

Text copied from PDFs and web pages carries Unicode's default-ignorable format
characters: zero-width space, non-joiner and joiner, word joiner, BOM / zero-width
no-break space, soft hyphen.  As punctuation tokens each cut its word and the decoding
chain ("nguo\\u200bi dan" came out "nguo\\u200bi dần").  So a document that has any is
read as the text without them (Restorer._run), and each is written back where it was:
between tokens exactly there, inside a token at the same index of the text it became (at
its end when that is shorter).  "nguo\\u200bi dan" is read as người dân and comes out
"ngườ\\u200bi dân"; the output, read without them, is the text without them restored, and
restoring it again reads the same text without them, so changes nothing.

Where each character goes comes from the readings' `positions` (every token whose text
changed, Restorer._run_once), composed over the readings (through), so every change of
the output is accounted for: code fixes, list markers, words merged and split
(explain()'s words were not enough: session 12).  explain()'s words take the characters
inside them the same way, so they give the output.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .explanation import Explanation
from .text import compose_marks

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ANY = re.compile(f"[{INVISIBLE}]")
_RUN = re.compile(f"[{INVISIBLE}]+")
_BEFORE_MARKS = re.compile(f"([{INVISIBLE}]+)([\u0300-\u036f]+)")

# A reading of a text: its explanation, and the readings that made it, (input, output,
# positions) each (Restorer._readings).
Steps = List[Tuple[str, str, Dict[int, Tuple[int, str, str]]]]


def has(text: str) -> bool:
    """Whether `text` has any invisible format character (a fast search)."""
    return _ANY.search(text) is not None


def strip(text: str) -> str:
    """`text` without its invisible format characters."""
    return _ANY.sub("", text)


def read_without(text: str, read: Callable[[str], Tuple[Explanation, Steps]]) -> Optional[Explanation]:
    """The explanation of `text` (NFC letters: compose_marks) read by `read` as the text
    without its invisible characters, those written back where they were (the module
    docstring).  None where that cannot be done exactly (not seen: a character between
    a letter and its combining marks that stays there, or a reading's positions that do
    not give its output): the caller then reads `text` as it is."""
    if compose_marks(clean := strip(text)) != clean:
        # (one between a letter and its combining marks: it goes after the marks)
        text = compose_marks(_BEFORE_MARKS.sub(r"\2\1", text))
        if compose_marks(clean := strip(text)) != clean:
            return None
    # the runs of invisible characters: (offset in `clean` of the character after it, run)
    runs, removed = [], 0
    for m in _RUN.finditer(text):
        runs.append((m.start() - removed, m.group()))
        removed += len(m.group())
    offsets = [j for j, _ in runs]
    ex, steps = read(clean)
    words = sorted(ex.words, key=lambda w: w.start)
    ends = [(w.start, w.start + len(w.original)) for w in words]
    # (inside a word: the runs after its first character, before its end)
    inner = [runs[bisect.bisect_right(offsets, s):bisect.bisect_left(offsets, e)] for s, e in ends]
    queries = sorted({*offsets, *(s for (s, _), rs in zip(ends, inner) if rs)})
    at = dict(zip(queries, queries))
    for before, after, positions in steps:
        mapped = through(before, after, positions, [at[j] for j in queries])
        if mapped is None:
            return None
        at = dict(zip(queries, mapped))
    out, done = [], 0
    for j, run in runs:
        out += [ex.text[done:at[j]], run]
        done = at[j]
    out.append(ex.text[done:])
    # explain()'s words: at their places in `text`, their texts with the runs inside
    lengths = [0]
    for _, run in runs:
        lengths.append(lengths[-1] + len(run))

    def original_at(j: int) -> int:  # where clean[j] is in `text`
        return j + lengths[bisect.bisect_right(offsets, j)]

    kept = []
    for w, (s, e), rs in zip(words, ends, inner):
        chosen = w.chosen
        for j, run in reversed(rs):  # (from the end: inserting keeps the lower indices)
            k = min(max(at[j] - at[s], 0), len(chosen))
            chosen = chosen[:k] + run + chosen[k:]
        start = original_at(s) if s < len(clean) else len(text)
        end = original_at(e - 1) + 1 if e > s else start
        kept.append(replace(w, original=text[start:end], chosen=chosen, start=start))
    return Explanation("".join(out), kept, ex.reading, ex.ocr_lines)


def through(before: str, after: str, positions: Dict[int, Tuple[int, str, str]],
            offsets: Sequence[int]) -> Optional[List[int]]:
    """Where each of `offsets` (ascending, in `before`, a reading's input) is in `after`,
    its output (`positions`: every token whose text changed, Restorer._run_once): past
    the changes before it, shifted by them; inside a changed token, at the same index of
    its new text (its end when that is shorter); at a changed token's start, at its new
    text's start.  None when `positions` do not give `after` from `before`."""
    changes = sorted(positions.items())
    shift = 0
    for out_start, (start, old, new) in changes:
        if start + shift != out_start or before[start:start + len(old)] != old \
                or after[out_start:out_start + len(new)] != new:
            return None
        shift += len(new) - len(old)
    if len(before) + shift != len(after):
        return None
    out: List[int] = []
    k = shift = 0
    for x in offsets:
        while k < len(changes) and changes[k][1][0] + len(changes[k][1][1]) <= x:
            shift += len(changes[k][1][2]) - len(changes[k][1][1])
            k += 1
        if k < len(changes) and changes[k][1][0] <= x:
            out_start, (start, old, new) = changes[k]
            out.append(out_start + min(x - start, len(new)))
        else:
            out.append(x + shift)
    return out
