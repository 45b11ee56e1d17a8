"""The bridge between markup words and the restorer: one page of plain text.

Each format module reads its document into ``Block``s of ``Line``s of ``Unit``s (a
unit is one markup word, or a whole line where a format has no word level).  The
page text is built exactly as a plain-text page would look:

    units of a line joined by one space, lines by "\\n", blocks by a blank line

so that the restorer sees each line with the whole page as context, the same
segments, chains and paragraph breaks as for the plain text of the page.  The
restorer's per-word decisions (``WordDecision.start`` + ``original`` → ``chosen``)
are then mapped back to the units they fall in.

Units are separated by whitespace in the page text, and the tokenizer only ever
joins tokens that touch (``join_ocr_splits``: "tu’", "Ngu@i"), so every decision
lies inside one unit; one that does not (a bug elsewhere) leaves its units unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

from ..text import nfc


@dataclass
class Unit:
    """One piece of markup text that may be rewritten."""

    text: str                        # as read from the document (characters, not escapes)
    write: Callable[[str], None]     # puts new text back into the document
    node: Any = None                 # the element, for confidence writing
    new_text: Optional[str] = None   # set by restore_units when the restorer changed it
    confidence: Optional[float] = None  # lowest confidence among its changed words
    ocr_confidence: Optional[float] = None  # the OCR engine's confidence in it (0-1), as the markup gives it


@dataclass
class Line:
    units: List[Unit] = field(default_factory=list)
    node: Any = None


@dataclass
class Block:
    lines: List[Line] = field(default_factory=list)


def ocr_confidence(value, scale: float = 1.0) -> Optional[float]:
    """A markup confidence attribute (`value`, a string or None) as 0-1 (divided by
    `scale`: hOCR's x_wconf is 0-100), or None when it is missing or no number in range
    (an engine's -1 for "none", a typo): a bad attribute only loses that evidence."""
    try:
        conf = float(value) / scale
    except (TypeError, ValueError):
        return None
    return conf if 0.0 <= conf <= 1.0 else None


def page_confidences(text: str, spans: Sequence[Tuple[Unit, int, int]]) -> Optional[List[Optional[float]]]:
    """The OCR engine's confidences of the page text's whitespace words (each word has
    its unit's; a unit with spaces inside gives each of its words its own), or None
    when no unit has one."""
    if all(unit.ocr_confidence is None for unit, _, _ in spans):
        return None
    out: List[Optional[float]] = []
    for unit, lo, hi in spans:
        out.extend([unit.ocr_confidence] * len(text[lo:hi].split()))
    return out


def page_text(blocks: Sequence[Block]) -> Tuple[str, List[Tuple[Unit, int, int]]]:
    """The page as plain text and each unit's (start, end) in it.  Units with no
    visible text are left out (nothing to restore, and no empty "word" in a line)."""
    parts: List[str] = []
    spans: List[Tuple[Unit, int, int]] = []
    pos = 0

    def add(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    first_block = True
    for block in blocks:
        lines = [[u for u in line.units if u.text.strip()] for line in block.lines]
        lines = [units for units in lines if units]
        if not lines:
            continue
        if not first_block:
            add("\n\n")
        first_block = False
        for li, units in enumerate(lines):
            if li:
                add("\n")
            for ui, unit in enumerate(units):
                if ui:
                    add(" ")
                # NFC here: the restorer's offsets are offsets into NFC text; line
                # breaks inside a unit's markup are not the page's line breaks
                shown = _flat(nfc(unit.text))
                spans.append((unit, pos, pos + len(shown)))
                add(shown)
    return "".join(parts), spans


def _flat(s: str) -> str:
    """Every whitespace character as a space (same length, so offsets hold)."""
    return "".join(" " if c.isspace() else c for c in s) if any(c.isspace() for c in s) else s


def _keeping_word_breaks(restorer):
    """The restorer without word-break repair (vidiacritic.word_breaks): in markup the
    words are the OCR engine's elements, so their boundaries are the markup's, not the
    restorer's to move.  Made once per restorer (it shares the loaded models)."""
    config = getattr(restorer, "config", None)
    if config is None or not (config.word_breaks or config.word_breaks_marked_text):
        return restorer  # a stand-in restorer, or breaks already off
    made = getattr(restorer, "_markup_restorer", None)  # (the config it was made from, it)
    if made is None or made[0] is not config:
        from dataclasses import replace

        made = config, restorer.with_config(replace(config, word_breaks=False, word_breaks_marked_text=False))
        restorer._markup_restorer = made
    return made[1]


def restore_units(blocks: Sequence[Block], restorer) -> Tuple[int, list]:
    """Restore the page and give every changed unit its new text (``new_text``) and
    confidence; returns (units changed, the restorer's WordDecisions).  Nothing is
    written yet."""
    import bisect

    text, spans = page_text(blocks)
    if not spans:
        return 0, []
    confidences = page_confidences(text, spans)
    # (a stand-in restorer of the tests may not take confidences)
    explanation = _keeping_word_breaks(restorer).explain(
        text, **({"confidences": confidences} if confidences is not None else {}))
    starts = [s for _, s, _ in spans]
    per_unit: dict = {}
    for d in explanation.words:
        if d.chosen == d.original:
            continue
        k = bisect.bisect_right(starts, d.start) - 1
        if k < 0:
            continue
        unit, lo, hi = spans[k]
        end = d.start + len(d.original)
        if end > hi or text[d.start:end] != d.original:
            per_unit[k] = None  # straddles units: keep them as they were
            continue
        if k in per_unit and per_unit[k] is None:
            continue
        per_unit.setdefault(k, []).append(d)
    changed = 0
    for k, decisions in per_unit.items():
        if not decisions:
            continue
        unit, lo, hi = spans[k]
        shown = nfc(unit.text)  # the unit's own whitespace, not the flattened one
        out, pos = [], 0
        for d in sorted(decisions, key=lambda d: d.start):
            out.append(shown[pos:d.start - lo])
            out.append(d.chosen)
            pos = d.start - lo + len(d.original)
        out.append(shown[pos:])
        new = "".join(out)
        if new != shown:
            unit.new_text = new
            unit.confidence = min(d.confidence for d in decisions)
            changed += 1
    return changed, explanation.words


def write_units(blocks: Sequence[Block]) -> None:
    for block in blocks:
        for line in block.lines:
            for unit in line.units:
                if unit.new_text is not None:
                    unit.write(unit.new_text)
