"""Digits read for letters, inside OCR documents only (issue 9, item 3).

Tesseract's English model, on poor scans, writes whole Vietnamese words as digits:
``6`` for có, ở or tổ, ``14`` for là, ``16`` for tổ or lệ, ``190`` for tạo, ``X111`` for
the chapter number XIII.  Such a token is a NUMBER token (vidiacritic.tokens), which
the decoder sees as ``<num>`` and never rewrites; letters mixed with digits ("s6",
"16n") are WORD tokens already and read through the OCR channel as usual.

Here a bare number of an OCR document becomes a lattice slot (``entry``) whose
candidates are

1. the number kept as written, scored by the language model as ``<num>`` — the default;
2. the syllables its digits may stand for, from the OCR channel (models/channel.json,
   estimated from real Tesseract pairs: l read as 1, ó ô ổ ộ as 6, á â ã as 4 …),
   each with DIGIT_MARGIN taken off, so that a letter reading wins only where the
   context prefers it to a number by that margin.

Never a slot (``number_context``): tokens that look like real numbers — with 4 or more
digits or a leading zero (but for two digits, ``06`` for có), after a word that numbers (Điều, khoản, ngày, số …), before
a unit (%, người, năm, đồng, km …; not after một, which no count follows), next to
another number, a list number opening a line, a digit glued to other characters —
except one digit glued to a unit in Tesseract-eng output (``measure_entry``: "4m" for
âm).  Outside OCR documents nothing here applies.

Roman numerals (``roman_numeral``): a heading number whose I Tesseract read as 1
("Chương X111", "111." opening a line) becomes XIII / III.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, FrozenSet, Optional, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from .text import strip_diacritics
from .tokens import DOCUMENT_CODE, DOLLAR_S, NUMBER, PUNCT, SPACE, WORD, Token, ocr_reading

if TYPE_CHECKING:  # pragma: no cover
    from .lattice import LatticeBuilder

# Taken off every letter reading of a number (in the decoder's log-probability units,
# on top of the channel's own score).  Chosen on training-split data only (poor-scan
# eng pairs and numbers lines of the training split; scripts/make_numbers_set.py):
# see models/CHANNEL.md, "Digits read for letters".  2.0 → 1.0 in session 9: on the
# training slices (poor-eng, clean-eng, poor-vie, wiki-eng OCR) 8 words fewer wrong with
# the default engine (5 statistical: "văn bản 46 đang" is đó), and still 0 real numbers
# changed (1,000 training-split and 1,000 held-out numbers lines, 242 lines with counts
# before có/cơ, 1,730 glued measures; at 0.0 one word more).
DIGIT_MARGIN = 1.0
# In OCR output of another domain than the lexicon's administrative text (Restorer.
# _phrase_weight: less than half the phrase bonus), a numbering word before a number or
# a unit after it (NUMBERING_WORDS, UNIT_WORDS) no longer makes it a number by itself:
# the number is a slot whose letter readings lose this much more than DIGIT_MARGIN
# (number_context_kind "weak").  Those word lists are read with marks stripped, and
# outside legal text a word they hold is as often another one: "nằm 6 phòng" (năm),
# "lực 6 các" (lúc), "ngân hàng 6 Trà", "tiết 16 thông tin" (lộ), "6 xã Vạn", all ở or
# lộ.  With no word after the number on its line, a numbering word still makes it one
# ("đầu tháng 6" ending a line).  Chosen on training-split news and wiki eng OCR
# (session 10, /work/work_data/domain10, each slice restored as one document; default
# engine, wrong words on news_a, wiki_a, news_b, wiki_b): weak contexts as numbers 144,
# 115, 124, 152 → slots at this margin 143, 113, 112, 152 (14 more digits read as ở, là,
# lộ; before the domain gate and the rule for a line's end, extra margins 0 / 0.5 / 1 /
# 2 / 3 gave 524 / 524 / 525 / 526 / 529 in all against 538); legal_a (legal eng OCR,
# not another domain) 48 → 48.  Real numbers changed: 0 of the 245 numbers that their
# context keeps in the four slices' gold,
# 0 of 2,032 number chunks of 1,000 training-split numbers lines
# (scripts.make_numbers_set, four ways), on 1,329 training-split news and wiki lines with
# a count or a numbering word 0 of 3,061 as stripped text or an OCR document, and inside
# a real OCR page 1 (as before: "6 CLB" opening a line read as Ở).
WEAK_MARGIN = 1.0
# How many of a neighbour's readings are checked for a numbering word or unit.
READINGS = 3
# The numbering words recognised with one letter damaged (OCR writes Điều as "Ditu",
# "Diku", "Biéu", khoản as "khodn"); only these: a shorter or rarer word one letter
# away is too often another word (nhóm / nhằm).
FUZZY_WORDS = frozenset({"dieu", "khoan", "diem", "chuong"})
# A number with more digits than this is a number (years, amounts, codes).
MAX_DIGITS = 3

# A bare number; or one that Tesseract's "$" for S opens (tokens.DOLLAR_S: "$6" for số,
# "$0" for sở), whose leading zero is no sign of a real number.  Two digits opening with
# a zero are a bare number too: Tesseract-eng writes có as "06" on poor scans (c read as
# 0, ó as 6: 9 of the 9 changed in two training-split poor-scan slices were có or tổ,
# data/OCR_NOISE.md, session 10), and the counts written so ("03 ngày", "02 bản") stand
# before a unit, which keeps them (0 of 3,582 number chunks changed on 927 training-split
# lines with such a count, 0 of 1,778 on the held-out numbers set).
_DIGITS = re.compile(r"^(?:[1-9]\d{0,%d}|0[1-9]|\$\d{1,%d})$" % (MAX_DIGITS - 1, MAX_DIGITS))
# Words a number follows (marks stripped, lowercase, as OCR leaves them): Điều 16,
# khoản 4, ngày 14, số 190, lần 2, Chương 4 …
NUMBERING_WORDS = frozenset("""
dieu khoan diem chuong muc phan so nam thang ngay lan tiet luc trang quy khoa thu
lop tang phong tuan tuoi ky hang cap nhom bang hinh mau gio phut cau buoc s6
""".split())
# Words and signs that follow a count or measure: 16 người, 14 ngày, 190 km, 6 %.
# Not "co" (cơ of 6 cơ sở): its letters are far more often có, cô, cổ, and the 6 before
# them ở ("hòa giải 6 cơ sở" for ở cơ sở: 3 of the digits kept for words in the
# training slices); a count before cơ sở stays a number by the slot's DIGIT_MARGIN
# (0 of 838 number chunks changed on 242 training-split lines with "N có/cơ/cô …").
UNIT_WORDS = frozenset("""
% nguoi nam thang ngay gio phut giay tuan km m cm mm ha kg g tan trieu ty nghin ngan
dong d usd vnd lan xa huyen tinh ho don vi so truong lop tiet trang ban muc dieu
khoan diem chuong phan lit ml m2 m3 cm2 cm3 km2 mw kw kwh nha can cai chiec con
""".split())
# Opening and closing punctuation a bare number may stand inside: (6), “14”.
_OPEN = "(“\"'‘["
_CLOSE = ".,;:!?)”\"'’]"

_ROMAN = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_ROMAN_READ = re.compile(r"^[IVXLC1l]{2,6}$")
# Words before a chapter or part number, which is written in Roman numerals.
ROMAN_HEADINGS = frozenset({"chuong", "phan", "muc"})


def _bare(word: str) -> str:
    return strip_diacritics(word).lower()


def _neighbour(toks: Sequence[Token], i: int, step: int) -> Optional[Token]:
    """The next token from i in direction `step` that is not a space on the same
    line (None at a line break or the text's end)."""
    j = i + step
    while 0 <= j < len(toks):
        tok = toks[j]
        if tok.kind != SPACE:
            return tok
        if "\n" in tok.text:
            return None
        j += step
    return None


def _index_before(toks: Sequence[Token], i: int) -> Optional[int]:
    """Index of the last token before i that is not a space on the same line."""
    j = i - 1
    while j >= 0 and toks[j].kind == SPACE and "\n" not in toks[j].text:
        j -= 1
    return j if j >= 0 and toks[j].kind != SPACE else None


def _reads_as(word: str, words: FrozenSet[str], readings: Callable[[str], Sequence[str]]) -> bool:
    """`word` (marks stripped, lowercase) is one of `words`, or one of its readings is.
    A word one letter from a FUZZY_WORDS word counts only when its own letters spell
    none of its readings (Ditu, Diku for Điều; not hiệu, which is a word)."""
    bare = _bare(word)
    read = [_bare(r) for r in readings(word)]
    if bare in words or any(r in words for r in read):
        return True
    # one letter damaged in a longer word: "Ditu", "Diku" for Điều, "khodn" for khoản;
    # not a word that reads as itself, a syllable one letter from one of them ("phuong"
    # is phương, not Chương: "địa phương 6 Bắc California" is ở)
    if bare in read:
        return False
    return any(w in words and Levenshtein.distance(bare, w) <= 1 for w in FUZZY_WORDS)


def _numeric(tok: Token) -> bool:
    """Whether a neighbour is a number or holds one: a NUMBER, a code with digits (CG1,
    15/2014), a measure or time opening with its digits (16h, 3ha).  A word with a digit
    after its first letter is OCR damage (c6, b6é, I6n for có, bố, lớn), no number."""
    if tok.kind == NUMBER:
        return True
    if not any(c.isdigit() for c in tok.text):
        return False
    return tok.kind != WORD or tok.text[0].isdigit()


def _line_start(toks: Sequence[Token], i: int) -> bool:
    return i == 0 or (toks[i - 1].kind == SPACE and "\n" in toks[i - 1].text) or \
        (i == 1 and toks[0].kind == SPACE)


def number_context(toks: Sequence[Token], i: int,
                   readings: Callable[[str], Sequence[str]] = lambda w: ()) -> bool:
    """True when the NUMBER token `i` looks like a real number (module docstring), or
    is no bare number at all; such a token is never read as letters.  `readings(word)`:
    the syllables a damaged neighbour may stand for (OCR writes Điều as "Diku",
    "Biéu", "Ditu"; the restorer passes its best candidates), so that a numbering
    word or unit is recognised under its damage too."""
    return number_context_kind(toks, i, readings) is not None


def number_context_kind(toks: Sequence[Token], i: int,
                        readings: Callable[[str], Sequence[str]] = lambda w: ()) -> Optional[str]:
    """Why the NUMBER token `i` is a number (number_context): "weak" when only a
    numbering word before it or a unit after it says so (WEAK_MARGIN), "number" for
    every other sign of a real number, None when nothing does."""
    text = toks[i].text
    if toks[i].kind != NUMBER or not _DIGITS.match(text):
        return "number"
    weak = _weak_signs(toks, i, readings)
    if weak is None:
        return "number"
    return "weak" if weak else None


def _weak_signs(toks: Sequence[Token], i: int, readings: Callable[[str], Sequence[str]]) -> Optional[bool]:
    """For a bare number: None where a sign of a real number other than its words says
    it is one, else whether a numbering word before it or a unit after it does."""
    text = toks[i].text
    before = toks[i - 1] if i > 0 else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    # glued to something other than a bracket or quote: 6/7, 14-16, $6, 16h
    if before is not None and before.kind != SPACE and before.text not in _OPEN:
        return None
    if after is not None and after.kind != SPACE and after.text not in _CLOSE:
        return None
    if _line_start(toks, i) and after is not None and after.kind == PUNCT:
        return None  # a list number: "2. Chính phủ …", "3) …", "1, …" (OCR)
    if after is not None and after.text in ".):":
        then = _neighbour(toks, i + 1, +1)
        if then is None or then.text[:1].isupper():
            return None  # an item number inside a line: "… như sau: 1. Doanh nghiệp"
    if before is not None and before.text == "(" and after is not None and after.text == ")":
        return None  # (3)
    prev = _neighbour(toks, i, -1)
    nxt = _neighbour(toks, i, +1)
    if nxt is not None and nxt.text == "(":
        j = i + 1
        while toks[j].kind == SPACE:
            j += 1
        spelled = _neighbour(toks, j, +1)
        if spelled is not None and spelled.kind == WORD and _reads_as(spelled.text, NUMERAL_WORDS, readings):
            return None  # "thêm 01 (một) phương tiện": a count, then its spelling
    if prev is not None and prev.kind in (PUNCT,) and prev.text in _OPEN:
        prev = _neighbour(toks, i - 1, -1)
    if after is not None and after.kind == PUNCT:
        if after.text in ",;-–:" and _neighbour(toks, i + 1, +1) is not None \
                and _neighbour(toks, i + 1, +1).kind == NUMBER:
            return None  # 6, 7 và 8
        nxt = None  # a sentence or clause ends: no unit follows
    for tok in (prev, nxt):
        if tok is not None and _numeric(tok) and not (tok is nxt and _before_document_code(toks, i, tok)):
            return None  # 14 16, tháng 6 năm 2024, CG1 12
    if text[0] == "0" and _after_one(prev, readings):
        return None  # "một 01 thư ký": a count written again in digits, zero first
    if nxt is not None and nxt.text == "%" and not _after_one(prev, readings):
        return None  # 6 %
    if prev is not None and prev.kind == PUNCT and prev.text in ",;-–":
        k = _index_before(toks, i)
        earlier = _neighbour(toks, k, -1) if k is not None else None
        if earlier is not None and earlier.kind == NUMBER:
            return None  # 4, 6
    numbering = prev is not None and prev.kind == WORD and _reads_as(prev.text, NUMBERING_WORDS, readings)
    if numbering and not (nxt is not None and nxt.kind == WORD):
        # with no word after it on its line ("đầu tháng 6" ending a line, "năm 6."), only
        # the numbering word speaks, and it says a number
        return None
    # (a unit read fuzzily only from a damaged word: "6 hiệu lực" is có hiệu lực, not 6 Điều)
    unit = nxt is not None and nxt.kind == WORD and _reads_as(nxt.text, UNIT_WORDS, readings) \
        and not _after_one(prev, readings)
    if (numbering or unit) and text[0] == "0":
        return None  # "trong 03 ngày", "ngày 06 tháng": a count or date written with its zero
    return numbering or unit


def _after_one(prev: Optional[Token], readings: Callable[[str], Sequence[str]]) -> bool:
    """Whether the word before a number reads as một.  No count follows một ("một 56
    điều" is không: a numeral does not follow a numeral), so a unit after the number
    does not make it one there: in OCR output it is số ("thi hành một 56 điều" for
    một số điều, 3 of the 47 digits kept for words in the training slices, where
    "một số" is 10,710 times in legal_phapdien against a few "một N")."""
    return prev is not None and prev.kind == WORD and _reads_as(prev.text, ONE_WORDS, readings)


ONE_WORDS = frozenset({"mot"})
# Numerals spelled out, as a count's spelling in brackets follows it: 01 (một), 15 (mười lăm).
NUMERAL_WORDS = frozenset("mot hai ba bon tu nam sau bay tam chin muoi muoi linh le tram nghin ngan trieu ty".split())


# Words that a lettered item label follows ("điểm a khoản 1"), and the words between two
# labels of one reference ("các điểm a, b và c", "điểm a hoặc b").
LABEL_WORDS = frozenset({"diem"})
LABEL_JOINS = frozenset({"va", "hoac"})
# What may follow a label: a numbering word ("điểm a khoản 1 Điều 5").
LABEL_FOLLOWERS = frozenset({"khoan", "dieu", "diem", "muc", "chuong", "phan", "tiet"})


def item_label(toks: Sequence[Token], i: int,
               readings: Callable[[str], Sequence[str]] = lambda w: ()) -> bool:
    """Whether WORD token `i`, a single letter, labels a lettered item that the text
    refers to: after điểm ("tại điểm b khoản 1", "Điểm c"), or after another such label
    and a comma, và or hoặc ("các điểm b, c, d và e"); and followed by nothing on its
    line, punctuation, a number, a numbering word (khoản, Điều) or và/hoặc.  Such a
    letter is no damaged word: in OCR output the decoder read "điểm b" as "điểm bỏ",
    "điểm d" as "điểm ở".  `readings` as for number_context (damaged neighbours:
    "diém", "Diem")."""
    tok = toks[i]
    if tok.kind != WORD or len(tok.text) != 1 or not tok.text.isalpha():
        return False
    nxt = _neighbour(toks, i, +1)
    if nxt is not None and nxt.kind == WORD and not _reads_as(nxt.text, LABEL_FOLLOWERS | LABEL_JOINS, readings):
        return False
    return _labelled_before(toks, i, readings)


# Signs a formula's letter is glued to: "(n+1)", "x=2", "a*b".
MATH_SIGNS = frozenset("+=*/×÷")


def formula_letter(toks: Sequence[Token], i: int) -> bool:
    """Whether WORD token `i`, a single letter, is a letter of a formula, no word: beside
    an arithmetic sign ("năm (n+1)", "x = 2"), alone in brackets ("năm (n)"), or an x
    between two numbers or codes ("10 x 20 m", "CĐXCS x K1 x K3": the multiplication
    sign), or between a quantity and a number ("5 năm x 400.000 đồng", "46 ngày x 2 giờ":
    in the training-split Tesseract pairs a lone x after a number and its unit and before
    a number was the sign all 6 times; in OCR output the decoder had read it as ở).  In
    OCR output the decoder read such letters as ăn, xã, xứ; Tesseract writes a damaged ở,
    á as a lone letter between words, not glued to a sign."""
    tok = toks[i]
    if tok.kind != WORD or len(tok.text) != 1 or not tok.text.isalpha():
        return False
    before = toks[i - 1] if i > 0 else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if before is not None and after is not None and before.text == "(" and after.text == ")":
        return True
    sides = (_neighbour(toks, i, -1), _neighbour(toks, i, +1))
    if any(t is not None and t.kind == PUNCT and t.text in MATH_SIGNS for t in sides):
        return True
    if tok.text != "x":
        return False
    def numeric(t: Optional[Token]) -> bool:
        return t is not None and (t.kind == NUMBER or any(c.isdigit() for c in t.text))
    if all(numeric(t) or t is not None and len(t.text) > 1 and t.text.isupper() for t in sides):
        return True
    # a quantity before it: a number and one word, its unit ("5 năm x 400.000")
    unit = _index_before(toks, i)
    return numeric(sides[1]) and unit is not None and toks[unit].kind == WORD \
        and numeric(_neighbour(toks, unit, -1))


def _labelled_before(toks: Sequence[Token], i: int, readings, depth: int = 8) -> bool:
    """Whether the single letter at `i` follows điểm, or another label and a joining
    comma or word (item_label); `depth` bounds the walk back along one reference."""
    prev = _index_before(toks, i)
    if prev is None or depth == 0:
        return False
    tok = toks[prev]
    if tok.kind == WORD and _reads_as(tok.text, LABEL_WORDS, readings):
        return True
    if not (tok.kind == PUNCT and tok.text == "," or tok.kind == WORD and _bare(tok.text) in LABEL_JOINS):
        return False
    label = _index_before(toks, prev)
    return label is not None and toks[label].kind == WORD and len(toks[label].text) == 1 \
        and toks[label].text.isalpha() and _labelled_before(toks, label, readings, depth - 1)


def _before_document_code(toks: Sequence[Token], i: int, code: Token) -> bool:
    """Whether the number at `i`, of one or two digits and inside its line, stands
    before a document code (tokens.DOCUMENT_CODE: "Thông tư 96 17/2015/TT-BKHCN"; or a
    law's, LAW_CODE: "Luật 56 08/2022/QH15").
    There it is far more often the word số that Tesseract wrote as digits (56, 86, 96
    for số: 39 of 42 such numbers in 18,000 training-split poor-eng pairs) than a number,
    so the code next to it does not make it one; a row number opening a table's line
    ("1 15/2014/NĐ-CP …") still is."""
    return len(toks[i].text) <= 2 and toks[i].text.isdigit() and not _line_start(toks, i) \
        and (DOCUMENT_CODE.match(code.text) is not None or LAW_CODE.match(code.text) is not None)


# A law's code, whose last part numbers the National Assembly (Luật số 08/2022/QH15):
# no tokens.DOCUMENT_CODE, whose parts are letters only, yet a number before it is as
# often số (4 of 4 in three training-split poor-scan eng slices, session 10).
LAW_CODE = re.compile(r"^\d+/\d{4}/QH\d{1,2}$")


def entry(builder: "LatticeBuilder", toks: Sequence[Token], i: int, other_domain: bool = False):
    """The lattice entry (vidiacritic.lattice.Entry) of NUMBER token `i` of an OCR document: the
    number kept (scored as <num>) and its letter readings less DIGIT_MARGIN; None when
    it looks like a real number (number_context), which the lattice then reads as <num>.
    In OCR of `other_domain` (than the lexicon's), a number only a numbering word or unit
    beside it marks (number_context_kind "weak") is a slot too, less WEAK_MARGIN more.
    A heading number that roman_numeral rewrites gets a kept-only entry, so that the
    restorer's token fixes see it."""
    if roman_numeral(toks, i) is not None:
        return _kept(builder, toks[i].text)
    kind = number_context_kind(toks, i, lambda w: _best_readings(builder, w))
    if kind == "number" or kind == "weak" and not other_domain:
        return None
    margin = DIGIT_MARGIN + (WEAK_MARGIN if kind == "weak" else 0.0)
    text = toks[i].text
    key = ("digit-letters", text, margin)  # (the builder's config is frozen: one cache per builder)
    hit = builder._entries.get(key)
    if hit is not None:
        return hit
    hit = _slot(builder, letters_of(text), builder.ngram.num_id, margin)
    if hit is None:
        hit = _kept(builder, text)
    builder._entries[key] = hit
    return hit


def _slot(builder: "LatticeBuilder", letters: str, kept_id: int, margin: float = DIGIT_MARGIN):
    """A slot's lattice entry: the syllables the OCR channel reads `letters` as, each
    less `margin`, and last the token kept as written (LM id `kept_id`: <num> for a
    number, <unk> for a glued measure); None when the channel reads no syllable."""
    from .lattice import Entry
    vocab = builder.ngram.vocab
    cands = [(f, s) for f, s in builder.generator.ocr_candidates(letters) if f in vocab]
    if not cands:
        return None
    forms: list = [f for f, _ in cands] + [None]
    ids = np.array([vocab[f] for f, _ in cands] + [kept_id])
    scores = np.array([builder.config.channel_weight * s - margin for _, s in cands] + [0.0])
    cset = frozenset(forms[:-1])
    return Entry(forms, ids, scores, cset, None, -1, len(forms) - 1, (), cset)


# One digit glued to a unit's letters ("4m", "6m"), which tokens.is_measure keeps.  In
# OCR output Tesseract's English model writes âm as "4m" and ốm as "6m": in the training
# slices all 12 such tokens of the eng OCR sets stood for words (4m âm/ấm 11, 6m ốm 1),
# where the vowel after the digit is what the channel reads a 4 or 6 as.
_GLUED_MEASURE = re.compile(r"^[1-9][^\W\d_]{1,2}$")


def measure_entry(builder: "LatticeBuilder", toks: Sequence[Token], i: int):
    """The lattice entry of WORD token `i` of an OCR document when it is one digit glued
    to a unit (_GLUED_MEASURE, tokens.is_measure): the measure kept (the default, as
    before: <unk>) and the syllables the OCR channel reads it as, less DIGIT_MARGIN, as
    a number's slot (``entry``); None for any other token, and for a measure beside a
    number or a code with digits ("4m x 6m", "4m 5m"), which stays a measure.
    Why: the measure rule kept "phát 4m" (âm) and "sau 6m đau" (ốm) as written; the
    language model now decides, against the margin that keeps real numbers."""
    text = toks[i].text
    if not _GLUED_MEASURE.match(text):
        return None
    for step in (-1, 1):
        near = _neighbour(toks, i, step)
        if near is not None and (_numeric(near) or near.text.lower() in ("x", "×", "*")):
            return None
    key = ("glued-measure", text)
    hit = builder._entries.get(key)
    if hit is not None:
        return hit
    hit = _slot(builder, text.lower(), builder.ngram.unk_id)
    if hit is not None:
        builder._entries[key] = hit
    return hit


def letters_of(text: str) -> str:
    """The text whose candidates a number slot takes: the number itself, its "$" read
    as the S it stood for ("$6" → "s6", tokens.DOLLAR_S)."""
    return "s" + text[1:] if text.startswith(DOLLAR_S) else text


def _best_readings(builder: "LatticeBuilder", word: str) -> Sequence[str]:
    """The READINGS syllables a damaged word most likely stands for (by channel score)."""
    if not any(c.isalpha() for c in word):
        return ()
    cands = sorted(builder.generator.candidates(ocr_reading(word)), key=lambda c: -c[1])
    return [f for f, _ in cands[:READINGS]]


def _kept(builder: "LatticeBuilder", text: str):
    """An entry whose one choice is the number as written (<num>)."""
    from .lattice import Entry
    return Entry([None], np.array([builder.ngram.num_id]), np.zeros(1), frozenset(), None, -1, 0, (),
                  frozenset())


def roman_numeral(toks: Sequence[Token], i: int) -> Optional[str]:
    """"XIII" for "X111", "III" for "111" …: a heading number whose I Tesseract read as
    1 (or l), or None.  Only where a Roman numeral is expected: after Chương, Phần or
    Mục (any case), or opening a line and followed by ".", ":" or ")".  A token of
    ones only ("111") is a Roman numeral only with three of them (11. and 1. are list
    numbers far more often); one with a Roman letter ("X111", "V1") never is a number."""
    tok = toks[i]
    text = tok.text
    if tok.kind not in (NUMBER, WORD) or not _ROMAN_READ.match(text) or not any(c in text for c in "1l"):
        return None
    read = text.replace("1", "I").replace("l", "I")
    if not _ROMAN.match(read):
        return None
    if set(text) <= {"1"} and text != "111":
        return None
    if "l" in text and "1" not in text:
        return None  # "Ill", "Il": fixes.roman_numeral's case, or a word
    prev = _neighbour(toks, i, -1)
    after = toks[i + 1] if i + 1 < len(toks) else None
    if prev is not None and prev.kind == WORD and _bare(prev.text) in ROMAN_HEADINGS:
        return read if after is None or after.kind in (SPACE, PUNCT) else None
    if _line_start(toks, i) and after is not None and after.text[:1] in ".:)":
        return read
    return None
