"""List markers OCR misread, repaired from the markers around them (OCR output only).

Administrative text numbers its items at the start of a line: a), b), c), d), đ), e),
g)… (the Vietnamese alphabet: no f, j, w, z), A., B., I., II., III., 1., 2.  On poor
scans Tesseract misreads these markers (``€)`` or ``e)`` for c), ``4)`` for d), ``â)``
for a), ``C]`` for C), ``1.`` for the heading I.), and the decoder cannot help: a
marker is no word.  What the marker must be is decided by its list: when the markers
before and after it in the same list (same alphabet, case and closing mark) agree on
its value, and what the OCR wrote is confusable with that value, it is replaced.

Only ever applied to OCR output (the restorer gates it), and conservative:

- a marker that already fits its list (the one before or after is its neighbour in the
  sequence) is never touched, nor any literal numeric marker (1) 2) 3) 4) stay);
- digits are never written: a misread number stays as it was;
- a marker with no agreeing neighbours is kept, so is a list that skips a letter;
  except (lone_repairs, after repair) a marker that is no list letter at all (``©)``,
  ``â)``, ``a}``), read alone as the letter the training pairs nearly always show for it.

The confusion table (SHAPES) holds the OCR shapes seen for markers in the training-split
Tesseract pairs (/work/work_data/marks_*_train.tsv: ``©)``, ``€)``, ``¢)``, ``£)``,
``e)`` for c); ``3)``, ``4)``, ``8)``, ``ä)`` for a); ``4)``, ``1)``, ``đ)`` for d);
``ø)``, ``&)`` for g); ``})``, ``†)`` for l); ``a}``, ``c}``, ``đ]`` for the closing
bracket; ``1.``, ``ll.`` for Roman I, II), never from held-out sets.

Measured (branch list-markers): the corpus-derived benchmark sets (poor-vie, poor-eng,
held-out OCR) and the corpus held-out split are shuffled lines, not documents, so their
lists are not in order and this repair (rightly) finds no agreeing neighbours there: their
outputs are byte-identical with and without it (44/51/70 lettered markers, 19/14/8 still
wrong).  Read as OCR, the first 4,202 held-out legal lines (2,200 line-start markers)
get no change at all.  It helps on real documents, whose lists run in order.

lone_repairs (branch poor-vie), measured on those shuffled sets: poor-vie fixes 253 → 257
of its 366 wrong words (default engine), poor-eng 4,342 → 4,349, broken words unchanged;
on 1,000 training-split Tesseract-vie lines 756 → 770 of 971.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .marks import VIE_OCR
from .text import strip_diacritics
from .tokens import SPACE, Token

# The Vietnamese list alphabet, in order (administrative lists skip f, j, w, z).
LETTERS = "abcdđeghiklmnopqrstuvxy"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX")

# OCR shape → the list letters it was read for (besides the letter itself, any case, and
# the letter under marks: Tesseract-vie adds marks, â/ä/á for a, đ for d).  From the
# training-split Tesseract pairs (see the module docstring).
SHAPES: Dict[str, str] = {
    "©": "ce", "€": "ce", "¢": "ce", "£": "c", "e": "c", "&": "eg", "+": "e", "@": "e",
    "3": "a", "4": "adđ", "8": "a", "1": "dl", "ø": "go", "6": "g", "9": "o",
    "}": "l", "†": "l", "|": "l", "d": "đ",
}
# OCR shapes of a Roman numeral's I (Tesseract reads I as 1, l or |: 1., ll., Ill.).
ROMAN_I = frozenset("1l|I")
# Closing marks OCR read for ")" (a}, c}, đ], C]); "." lists are read as "." only.
CLOSERS = {")": ")", "]": ")", "}": ")", "|": ")", ".": "."}
# How far a list is searched for a marker's neighbours: items of it (a misread marker
# between counts as one), and markers of any list (SPAN: a nested list between two items
# is short; the cap keeps a document's cost linear).  ROUNDS: repairs that decide others.
WINDOW = 3
SPAN = 40
ROUNDS = 4

_MARKER = re.compile(r"^(?P<body>[^\s]{1,4}?)(?P<close>[)\]}|.])$")

LOWER, UPPER, ROMAN_STYLE, DIGITS, LATIN = "lower", "upper", "roman", "digits", "latin"
# Letters only a Latin-alphabet list (a–f) uses: such a list is another list, never read
# as the Vietnamese one.
LATIN_ONLY = "fjwz"


@dataclass(frozen=True)
class Marker:
    """A line-start chunk shaped like a list marker: its tokens and text."""

    first: int  # index of its first token
    last: int  # index of its last token (inclusive)
    body: str
    close: str  # the closing mark as written (")", "]", "}", "|", ".")


def line_start_markers(toks: Sequence[Token], texts: Sequence[str]) -> List[Marker]:
    """The marker-shaped chunks (1–4 characters and a closing mark, alone before a space)
    that open a line, in text order.  `texts`: each token's current text."""
    out: List[Marker] = []
    i, n = 0, len(toks)
    while i < n:
        if not _opens_line(toks, i) or toks[i].kind == SPACE:
            i += 1
            continue
        j = i
        while j + 1 < n and toks[j + 1].kind != SPACE:
            j += 1
        # a marker is followed by a space on its line (a lone "1." line is something else)
        if j + 1 < n and "\n" not in toks[j + 1].text:
            m = _MARKER.match("".join(texts[i : j + 1]))
            if m:
                out.append(Marker(i, j, m.group("body"), m.group("close")))
        i = j + 1
    return out


def _opens_line(toks: Sequence[Token], i: int) -> bool:
    """Whether token i is the first non-space token of its line."""
    if i == 0:
        return True
    prev = toks[i - 1]
    return prev.kind == SPACE and ("\n" in prev.text or i == 1)


def literal_values(body: str, close: str) -> Dict[Tuple[str, str], int]:
    """{(style, closing mark): position in its sequence} for a marker written exactly as
    a list marker (b) → lower, D. → upper and (as D is no Roman) only that; I. → upper
    and roman; 12) → digits).  Empty for a misread one."""
    if close not in ")." or not body:
        return {}
    out: Dict[Tuple[str, str], int] = {}
    if body.isdigit() and body.isascii():
        out[(DIGITS, close)] = int(body)
    if len(body) == 1 and body.lower() in LETTERS:
        out[(LOWER if body.islower() else UPPER, close)] = LETTERS.index(body.lower())
    elif len(body) == 1 and body.lower() in LATIN_ONLY:
        out[(LATIN, close)] = 0  # another list's item (f), j)…): not a misread marker
    if body in ROMAN:
        out[(ROMAN_STYLE, close)] = ROMAN.index(body)
    return out


def value_text(style: str, k: int) -> Optional[str]:
    """The marker body at position k of a style's sequence (None outside it; digits are
    never written by this module)."""
    if style == ROMAN_STYLE:
        return ROMAN[k] if 0 <= k < len(ROMAN) else None
    if style in (LOWER, UPPER) and 0 <= k < len(LETTERS):
        return LETTERS[k] if style == LOWER else LETTERS[k].upper()
    return None


def reads_as(body: str, target: str, style: str) -> bool:
    """Whether the OCR could have written `body` for marker body `target` (SHAPES)."""
    if style == ROMAN_STYLE:
        return len(body) == len(target) and all(_roman_char(c) == t for c, t in zip(body, target))
    letter = target.lower()
    if len(body) == 1:
        return _letter_shape(body, letter)
    # two characters: a shape doubled (€© for c) or a speck before the letter (PB for B)
    return len(body) == 2 and _letter_shape(body[1], letter) and (
        _letter_shape(body[0], letter) or not body[0].isdigit())


def _letter_shape(c: str, letter: str) -> bool:
    low = c.lower()
    return (low == letter or strip_diacritics(low) == letter
            or letter in SHAPES.get(low, "") or letter in SHAPES.get(c, ""))


def _roman_char(c: str) -> str:
    if c in ROMAN_I:
        return "I"
    base = strip_diacritics(c).upper()  # Í, Ì for I
    return base if base in "IVX" else ""


def repair(toks: Sequence[Token], texts: Sequence[str]) -> Dict[int, str]:
    """{token index: new text} repairing misread list markers at line starts (see the
    module docstring); `texts`: each token's current text (the restored words).  A
    repaired marker can decide its neighbour (b) e) 4) đ): once 4) is d), e) is c)), so
    this runs until nothing changes, at most ROUNDS rounds."""
    current = list(texts)
    for _ in range(ROUNDS):
        edits = _one_round(toks, current)
        if not edits:
            break
        for i, text in edits.items():
            current[i] = text
    return {i: t for i, t in enumerate(current) if t != texts[i]}


def _one_round(toks: Sequence[Token], texts: Sequence[str]) -> Dict[int, str]:
    """The repairs the markers that fit their lists decide, all at once (each decision
    reads only those, which no repair of this round changes)."""
    markers = line_start_markers(toks, texts)
    literal = [literal_values(m.body, m.close) for m in markers]
    # markers that fit their list: the only ones whose values decide other markers
    # (a literal e) between b) and d) is itself in doubt, an item of unknown value)
    # (twice: a marker whose neighbour is a stray number, 4) between c) and đ), fits
    # once that number, which fits no list of its own, counts as an item of unknown value)
    first = [values if _fits(at, markers, literal) else {} for at, values in enumerate(literal)]
    anchors = [values if first[at] or _fits_among(at, values, markers, first) else {}
               for at, values in enumerate(literal)]
    edits: Dict[int, str] = {}
    for at, m in enumerate(markers):
        if anchors[at]:
            continue  # already right by its list: never touched
        fixed = _repaired(at, markers, anchors)
        if fixed is not None:
            edits.update(_token_edits(m, fixed[0], fixed[1], toks, texts))
    return edits


def _neighbours(at: int, style: Tuple[str, str], markers, values, step: int) -> List[Tuple[int, int]]:
    """(distance, value) of the (at most two) markers of list `style` after (step 1) or
    before (step -1) marker `at`, nearest first; `values`: each marker's {style:
    position}.  A marker with no value is counted as an item of this list (a misread
    one, perhaps); a marker of another list is skipped (a nested 1., 2. between a) and
    b)).  Searched over at most SPAN markers, so a document costs linear time."""
    out: List[Tuple[int, int]] = []
    dist, j = 0, at + step
    while 0 <= j < len(markers) and abs(j - at) <= SPAN and dist < WINDOW and len(out) < 2:
        if style in values[j]:
            dist += 1
            out.append((dist, values[j][style]))
        elif not values[j]:
            dist += 1
        j += step
    return out


def _fits(at: int, markers, literal) -> bool:
    """Whether marker `at` is written as a marker that one of the two before it or
    after it in one of its lists agrees with (d) in a) b) e) d): b) two items back)."""
    for style, k in literal[at].items():
        before = _neighbours(at, style, markers, literal, -1)
        after = _neighbours(at, style, markers, literal, 1)
        if any(v == k - d for d, v in before) or any(v == k + d for d, v in after):
            return True
    return False


def _fits_among(at: int, values, markers, others) -> bool:
    """_fits for marker `at` (its literal `values`) among the markers' `others` values."""
    view = list(others)
    view[at] = values
    return bool(values) and _fits(at, markers, view)


def _repaired(at: int, markers, anchors) -> Optional[Tuple[str, str]]:
    """(body, closing mark) marker `at` must be by its list, when the OCR could have
    written it that way and it differs; None otherwise."""
    m = markers[at]
    close = CLOSERS.get(m.close)
    if close is None:
        return None
    for family in (LOWER, UPPER, ROMAN_STYLE):
        style = (family, close)
        k = _agreed_value(at, style, markers, anchors)
        target = None if k is None else value_text(family, k)
        if target is None or (target, close) == (m.body, m.close):
            continue
        if reads_as(m.body, target, family):
            return target, close
    return None


def _agreed_value(at: int, style, markers, anchors) -> Optional[int]:
    """The position in list `style` that the markers around `at` agree on: the one
    before and the one after; for a list's first item (a, A, I), the next two."""
    before = _neighbours(at, style, markers, anchors, -1)
    after = _neighbours(at, style, markers, anchors, 1)
    if not after:
        return None
    from_after = after[0][1] - after[0][0]
    if before:
        return from_after if before[0][1] + before[0][0] == from_after else None
    if from_after == 0 and len(after) == 2 and after[1][1] - after[1][0] == 0:
        return 0
    return None


def _token_edits(m: Marker, body: str, close: str, toks: Sequence[Token],
                 texts: Sequence[str]) -> Dict[int, str]:
    """The token texts that write marker `m` as body + close: the new body in its first
    token, the other body tokens emptied, the closing mark's token rewritten only if it
    changed."""
    idx = list(range(m.first, m.last + 1))
    if len(idx) > 1 and texts[idx[-1]] == m.close:
        body_idx, close_idx = idx[:-1], idx[-1]
        edits = {i: "" for i in body_idx[1:]}
        edits[body_idx[0]] = body
        if close != m.close:
            edits[close_idx] = close
    else:
        edits = {i: "" for i in idx[1:]}
        edits[idx[0]] = body + close
    return {i: t for i, t in edits.items() if t != texts[i]}


# --- Markers no list decides (shuffled lines, a list of one) --------------------------
# A marker that is no list letter at all (``©)``, ``€)``, ``ø)``) is wrong whatever its
# list, but repair() leaves it when no agreeing neighbours say what it was, as on a lone
# item or a page whose lines came out of order.  Read alone, such a shape is replaced by
# the letter Tesseract wrote it for in nearly every line-start marker of the
# training-split pairs (at least 80% of at least 3; /work/work_data/marks_*_vie_train.tsv
# for Tesseract-vie, memory/*eng_train*.tsv and ocr_letters_*eng_train*.tsv for -eng;
# counts by scripts/list_marker_shapes.py):
#   ©: vie c 16/17, eng c 168/181 (C 6 of these);  ¢: eng c 271/282;  ø: vie g 5/5;
#   }: l 2/2 vie, 1/1 eng.
# € is c for Tesseract-vie (10/11) but c or e for -eng (c 20, e 16 of 39): it is read alone
# only in a document read as Tesseract-vie output.  Shapes whose readings split (@: đ 45,
# a 23, d 12; &: đ, g, k, e; £: c, E, r) or that are letters themselves (e for c, 4 for
# a/d, đ for d) stay as written: only a list can decide them.
LONE_SHAPES: Dict[str, str] = {"©": "c", "¢": "c", "ø": "g", "}": "l"}
LONE_SHAPES_BY_KIND: Dict[str, Dict[str, str]] = {VIE_OCR: {"€": "c"}}
# A list letter with "}" for its closing bracket (a}, b}, c}, d}, i}, k}: 29 markers of
# the pairs, ")" every time) is read with ")".
LONE_CLOSERS = {"}": ")"}


def lone_repairs(toks: Sequence[Token], texts: Sequence[str], kind: Optional[str] = None) -> Dict[int, str]:
    """{token index: new text} for line-start markers that cannot be right whatever their
    list (see LONE_SHAPES): a shape that is no list letter, a list letter under marks
    (â), ä), ï): the list alphabet's only marked letter is đ), or one closed by "}".
    `texts`: each token's current text (after repair(), which decides by the list and
    goes first); `kind`: the document's reading (vidiacritic.marks: "vie-ocr", …)."""
    shapes = {**LONE_SHAPES, **LONE_SHAPES_BY_KIND.get(kind or "", {})}
    edits: Dict[int, str] = {}
    for m in line_start_markers(toks, texts):
        close = LONE_CLOSERS.get(m.close, m.close)
        if close != ")":
            continue  # ". " markers: digits and Roman numerals, which only a list decides
        letter = _lone_letter(m.body, shapes)
        if letter is None and (m.close == close or m.body.lower() not in LETTERS):
            continue  # (a misread closer is mended only after a list letter: 3} stays)
        body = m.body if letter is None else _marker_case(letter, toks, texts, m.last)
        edits.update(_token_edits(m, body, close, toks, texts))
    for i in marked_i_markers(toks, kind):
        edits[i] = _marker_case(toks[i].text[0], toks, texts, i) + ")"
    return edits


# Tesseract's Vietnamese model reads a small list letter and its ")" as one word: the
# bracket's curve as an i or y under a tone mark ("bì", "bỳ", "dị", "đị", "nỳ" for b), d),
# đ), n)).  In the training-split Tesseract-vie pairs (/work/work_data/vie10: 8,800 poor
# and clean lines) 24 lines opened with a list letter and a marked i or y before a
# capitalised word: 23 were such markers (b) 17, d) 3, đ) 1, n) 1; once a) read "dì"),
# one the word bị, before an acronym ("bị CSGT tạm giữ").  In a document read as
# Tesseract-vie output such a word opening a line is read as the marker (the letter, in
# its list's case) before what opens an item: a capitalised word, or two all-capital
# words (a heading; 22 of the 23 markers, not the bị).  Only the letters of a list's
# first eight items (a–h): later items are rare, and their letters under a marked i or y
# are common words that a wrapped line opens before a name ("Cục Quản / lý Dược", "kỳ
# Họp", "mỹ Thuật"); in 25 training-split Tesseract-vie slices (session 18) every such
# marker was a), b), d) or đ), and the one l) was the word lý.
_BRACKET_I = re.compile(r"^[abcdđegh][ìíỉĩịỳýỷỹỵ]$")


def marked_i_markers(toks: Sequence[Token], kind: Optional[str]) -> List[int]:
    """Indices of the line-opening words that are a list marker Tesseract-vie read as a
    letter and a marked i or y ("bì Sử dụng" for b) Sử dụng; _BRACKET_I) before an item's
    first words, in a document read as Tesseract-vie output."""
    if kind != VIE_OCR:
        return []
    return [i for i, tok in enumerate(toks) if _BRACKET_I.match(tok.text) and _opens_line(toks, i)
            and _item_opens(toks, i + 1)]


def _item_opens(toks: Sequence[Token], j: int) -> bool:
    """Whether the words after the space at toks[j] open a list item: a capitalised word
    (Sử, Các), or two all-capital words (THỦ TỤC), on the same line."""
    words: List[str] = []
    while j < len(toks) and toks[j].kind == SPACE and "\n" not in toks[j].text and len(words) < 2:
        j += 1
        word = ""
        while j < len(toks) and toks[j].kind != SPACE:
            word += toks[j].text
            j += 1
        words.append("".join(c for c in word if c.isalpha()))
    if not words or not words[0][:1].isupper():
        return False
    if len(words[0]) == 1 or words[0][1:].islower():
        return True
    return len(words) == 2 and len(words[1]) >= 2 and words[0].isupper() and words[1].isupper()


def _lone_letter(body: str, shapes: Dict[str, str]) -> Optional[str]:
    """The list letter a marker body that is none stands for, read alone: a shape of
    `shapes` (doubled: €©), or a vowel under marks (â → a); None for anything else."""
    if len(body) == 2 and body[0] in shapes and shapes[body[0]] == shapes.get(body[1]):
        return shapes[body[1]]
    if len(body) != 1:
        return None
    if body in shapes:
        return shapes[body]
    base = strip_diacritics(body.lower())
    if body.lower() != base and body.lower() != "đ" and len(base) == 1 and base in LETTERS:
        return base if body.islower() else base.upper()
    return None


def _marker_case(letter: str, toks: Sequence[Token], texts: Sequence[str], last: int) -> str:
    """`letter` in the case of its list: capital when the two words after the marker
    are capitals (``C) PHÓNG XẠ``: 46 of 46 capital markers of the training pairs, and
    none of 931 small ones, had two all-capital words after them)."""
    if letter.isupper():
        return letter
    words: List[str] = []
    j = last + 1
    while j < len(toks) and len(words) < 2 and "\n" not in toks[j].text:
        letters = "".join(c for c in texts[j] if c.isalpha())
        if letters:
            words.append(letters)
        j += 1
    caps = bool(words) and all(len(w) >= 2 and w.isupper() for w in words)
    return letter.upper() if caps else letter
