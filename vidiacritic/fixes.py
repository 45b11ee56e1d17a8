"""Stage 4c — token fixes outside the lattice: small named rules, each with its reason.

The decoder chooses among syllable readings of a word; a few tokens are not syllables
at all yet still lost a mark, and each such case gets one small function here.  The
restorer applies them after decoding (and ``explain()`` reports them as "fix:…").

``currency_unit``  27.600.000d → 27.600.000đ: "đ" (đồng) after an amount.
``roman_numeral``  Il. → II., Ill. → III.: a heading number whose I was read as l.
``misread_roman_numerals``  Phụ lục H → II, Phụ lục | → I, "HH Thời hạn" → II: the numerals
                   Tesseract-vie misreads after "Phụ lục" and opening a heading (OCR output only).
``area_unit``      9.984.670 km? → km², 25 m?, → m²,: the ² of an area unit after a number,
                   which Tesseract's English model reads as "?" (OCR output only).
``AcronymTable``   HDND → HĐND, BCD → BCĐ, GD&DT → GD&ĐT: all-caps acronyms whose Đ became D, from
                   ``data/acronyms_d.tsv`` (``scripts/build_acronyms.py``; card:
                   ``data/ACRONYMS_CARD.md``).
``CodePartTable``  15/2014/ND-CP → 15/2014/NĐ-CP, 30.2.ND.1.41 → 30.2.NĐ.1.41: the
                   document-type and issuing-body parts of document codes and of the
                   legal code's dotted article codes, from ``data/code_parts_d.tsv``
                   (``scripts/build_code_parts.py``; card: ``data/CODE_PARTS_CARD.md``).
``article_code_separators``  Điều 22.1TT3.5 → Điều 22.1.TT.3.5, 20.1,TT.34.1 → 20.1.TT.34.1:
                   the separators OCR misread in a dotted article code after "Điều".
``defined_acronyms``  tự đánh giá (TDG) → (TĐG), and later TDG: acronyms the document
                   defines, read from the restored words before them.
``foreign_words``  English phrases and "Zalo OA": words kept as written (the restorer
                   gives them no candidates), from ``data/english_words.tsv``
                   (``scripts/build_english_words.py``; card: ``data/ENGLISH_WORDS_CARD.md``),
                   and the acronyms and foreign words the corpus writes without marks
                   ("Bộ CA", "hãng AP", "Top 10", "World Cup"), from ``data/kept_words.tsv``
                   (``KeptWords``; ``scripts/build_kept_words.py``; card: ``data/KEPT_WORDS_CARD.md``).
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Callable, Collection, Container, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

from .text import strip_diacritics
from .tokens import (AMOUNT, NUMBER, SPACE, VOWEL, WORD, Token, article_code_parts,
                     document_code_parts, unit_after_number)

ACRONYM_FILE = "acronyms_d.tsv"
ACRONYM_HEADER = ("written", "acronym", "count", "count_written")


def currency_unit(toks: Sequence[Token], i: int) -> Optional[str]:
    """"đ" (or "Đ") for a token "d"/"D" written right after an amount, or after it and
    one space; None otherwise.  Đồng is abbreviated đ, and a lone "d" is no Vietnamese
    word: stripping or Tesseract's English model made it from đ."""
    tok = toks[i]
    if tok.text not in ("d", "D", "đ", "Đ") or i == 0:
        return None
    j = i - 1
    if toks[j].kind == SPACE:
        if toks[j].text != " " or j == 0:
            return None
        j -= 1
    # tokens.AMOUNT: thousands grouped (1.250.000); a bare number ("5 d", "2d") is too
    # often something else (a list item, a dimension)
    if toks[j].kind != NUMBER or not AMOUNT.match(toks[j].text):
        return None
    return "Đ" if tok.text in ("D", "Đ") else "đ"


# Units whose square follows a number.  Tesseract's English model reads ² as "?": the
# 5 km² of the session-10 training-split wiki eng slices all came out "km?".  After a
# number the corpus writes such a unit with "?" almost never as a question (all its
# lines, number + unit + ² or ?: wiki 1,176 ² / 0 ?, news 18 / 4, one of them a quoted
# question, "760 m?”"; legal 5 / 18, its "m?" an OCR error for m² in its own source).
AREA_UNITS = frozenset({"km", "m", "cm", "mm", "dm", "hm"})
_QUESTION_FOLLOWERS = "\"'“”‘’«»"


def area_unit(toks: Sequence[Token], i: int) -> Optional[str]:
    """"²" for a "?" glued to an area unit (AREA_UNITS) that follows a number and one
    space ("9.984.670 km?"; "25m?" is one measure token), when no sentence goes on: the
    text ends, or punctuation other than a quote, or a space and a lowercase word
    follow ("km? của", "km?),", "km?."); a "?" before a capital or a quote stays a
    question mark ("bao xa, 20 km? Chúng tôi", "760 m?”")."""
    if toks[i].text != "?" or i < 2 or toks[i - 1].kind != WORD or toks[i - 1].text not in AREA_UNITS:
        return None
    if toks[i - 2].text != " " or i < 3 or toks[i - 3].kind != NUMBER:
        return None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if after is None:
        return "²"
    if after.kind == SPACE:
        if "\n" in after.text:
            return None  # the line ends: a question as likely
        word = toks[i + 2] if i + 2 < len(toks) else None
        return "²" if word is not None and word.text[:1].islower() else None
    return "²" if after.text[:1] not in _QUESTION_FOLLOWERS else None


_ROMAN_MISREAD = re.compile(r"^I[Il]{1,3}$")


def roman_numeral(toks: Sequence[Token], i: int) -> Optional[str]:
    """"II"/"III"/"IIII" for "Il", "Ill", "IlI"… that open a line and are followed by
    ".", ":" or ")": a section number whose I Tesseract read as l (in its training pairs
    "Ill." stood for III. every time).  Elsewhere such a token is left alone."""
    text = toks[i].text
    if "l" not in text or not _ROMAN_MISREAD.match(text):
        return None
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is None or nxt.text[:1] not in ".:)":
        return None
    if i > 0 and not (toks[i - 1].kind == SPACE and "\n" in toks[i - 1].text):
        return None
    return text.replace("l", "I")


# What Tesseract-vie writes for a Roman numeral's I besides I and l (ï, Í, Ì, "|", and 1
# beside such a letter: "1ï," and "1Í." for II.), and whole shapes it writes for a numeral
# (H for II, HI for III, TV for IV, IL for II).  From the training-split Tesseract-vie
# pairs only (/work/work_data/vie12, train; session 17): after "Phụ lục" H, HH → II, HI →
# III, TV and ïV → IV, "|", Í, Ì → I; opening a line before a heading 1ï, 1Í., HH → II, L → I.
_ROMAN_I_SHAPES = frozenset("IÍÌÏÎíìïîl|1")
_MARKED_I = frozenset("ÍÌÏÎíìïî")
# Opening a line, only shapes no word or acronym has: a digit with a marked I (1Í, 1ï), an
# I with a mark Vietnamese has not (ïV), and these.
_FOREIGN_I = frozenset("ÏÎïî")
_LINE_START_SHAPES = frozenset({"HH", "HI", "IH", "IL"})
_ROMAN_SHAPES = {"H": "II", "HH": "II", "HI": "III", "IH": "III", "IL": "II", "TV": "IV"}
_ROMAN_NUMERAL = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
# The words that close an appendix's name where a document cites it ("Phụ lục II ban hành
# kèm theo …", "Phụ lục IV kèm theo"): after them an H is a misread II, not appendix H.
_APPENDIX_CITED = frozenset({"ban", "kem"})


def _roman_shape(text: str) -> Optional[str]:
    """The Roman numeral an OCR shape `text` stands for ("ïV" → IV, "1Í" → II, "H" → II),
    or None: for a numeral written right (II, V), a number (a digit without a marked I
    beside it) or no shape."""
    if not text or _ROMAN_NUMERAL.match(text) or len(text) > 4:
        return None
    if any(c.isdigit() for c in text) and not any(c in _MARKED_I for c in text):
        return None  # 1, 11, "1l": a number or a list number (digit_letters reads X111)
    norm = "".join("I" if c in _ROMAN_I_SHAPES else c for c in text)
    read = _ROMAN_SHAPES.get(norm, norm)
    return read if _ROMAN_NUMERAL.match(read) else None


def misread_roman_numerals(toks: Sequence[Token], restored: Sequence[str]) -> Dict[int, str]:
    """{token index: Roman numeral} for the numerals Tesseract-vie misread (_roman_shape)
    where the document's structure says a numeral stands (OCR output only: the restorer
    gates it; `restored`: each token's restored text):

    - right after "Phụ lục" (any case, the word possibly ending the line before):
      appendices are numbered in Roman ("Phụ lục TV" → IV); a shape of one character
      only where the appendix is cited ("Phụ lục | kèm theo" → I: a lone "|" is also a
      table's rule), and H moreover only where the document letters no appendix (standards
      letter theirs A, B … H);
    - opening a line, a shape of two characters or more that no word or acronym has
      (_LINE_START_SHAPES, 1Í, ïV; not a list marker closed by ")") before a capitalised word, as a heading's number ("HH Thời hạn …" → II), and L
      before a word in capitals ("L THÔNG TIN VỀ DỰ ÁN" → I; L read as the numeral 50
      heads no section).
    Digits alone are never read as a numeral here (a number stays a number)."""
    out: Dict[int, str] = {}
    lettered = None
    for i, tok in enumerate(toks):
        if tok.kind == SPACE:
            continue
        text = tok.text
        if _after_appendix(toks, restored, i):
            read = _roman_shape(text)
            if read is None:
                continue
            if len(text) == 1:  # (a lone letter or sign: a table's "|", an appendix's letter)
                nxt = _word_after(toks, i)
                if nxt is None or strip_diacritics(restored[nxt]).lower() not in _APPENDIX_CITED:
                    continue
            if text == "H":
                if lettered is None:
                    lettered = _letters_appendices(toks, restored)
                if lettered:
                    continue
            out[i] = read
        elif (i == 0 or toks[i - 1].kind == SPACE and "\n" in toks[i - 1].text) and \
                (len(text) >= 2 or text == "L"):
            read = "I" if text == "L" else _roman_shape(text)
            if read is None or not (text == "L" or text in _LINE_START_SHAPES or any(c in _FOREIGN_I for c in text)
                                    or any(c.isdigit() for c in text)):
                continue  # (VÍ, XÍ: words in capitals; TV an acronym; "1Í.", "ïV" numerals)
            j = i + 1
            if j < len(toks) and toks[j].kind != SPACE:
                if text == "L" or toks[j].text not in (".", ",", ":"):
                    continue
                j += 1
            if j >= len(toks) or toks[j].text != " " or j + 1 >= len(toks):
                continue
            head = toks[j + 1].text
            if toks[j + 1].kind != WORD or not head[:1].isupper() or text == "L" and not (
                    len(head) >= 2 and head.isupper()):
                continue
            out[i] = read
    return out


def _after_appendix(toks: Sequence[Token], restored: Sequence[str], i: int) -> bool:
    """Whether token i follows the words "Phụ lục" (spaces and one line break between)."""
    words = []
    j = i - 1
    while j >= 0 and len(words) < 2:
        if toks[j].kind == SPACE:
            if toks[j].text.count("\n") > 1:
                return False
        elif toks[j].kind == WORD:
            words.append(strip_diacritics(restored[j]).lower())
        else:
            return False
        j -= 1
    return words == ["luc", "phu"]


def _word_after(toks: Sequence[Token], i: int) -> Optional[int]:
    """The index of the word after token i on its line past one space, or None."""
    j = i + 1
    if j + 1 < len(toks) and toks[j].text == " " and toks[j + 1].kind == WORD:
        return j + 1
    return None


def _letters_appendices(toks: Sequence[Token], restored: Sequence[str]) -> bool:
    """Whether the document letters an appendix: "Phụ lục A" … "Phụ lục G"."""
    return any(len(t.text) == 1 and "A" <= t.text <= "G" and _after_appendix(toks, restored, i)
               for i, t in enumerate(toks))


def _load_d_table(path: Union[str, Path], header: Tuple[str, ...], what: str,
                  valid: Callable[[str, str], bool]) -> Dict[str, str]:
    """written → form with Đ, from a TSV `written<TAB>{what}<TAB>count<TAB>count_written`
    (an optional header line); a line that is not one, or whose pair `valid` refuses, is
    a ValueError naming the file and line (the acronym and code-part tables)."""
    table: Dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if lineno == 1 and tuple(parts) == header:
                continue
            if len(parts) != len(header) or not valid(parts[0], parts[1]):
                raise ValueError(f"{path}:{lineno}: expected written<TAB>{what}<TAB>count"
                                 f"<TAB>count_written, the {what} being the written form with Đ")
            table[parts[0]] = parts[1]
    return table


class AcronymTable:
    """D-spelling → acronym with Đ (HDND → HĐND), for all-caps tokens only."""

    def __init__(self, table: Dict[str, str]):
        self.table = table

    @classmethod
    def load(cls, path: Union[str, Path]) -> "AcronymTable":
        return cls(_load_d_table(path, ACRONYM_HEADER, "acronym",
                                 lambda written, fixed: fixed.replace("Đ", "D") == written))

    def restore(self, token: str) -> Optional[str]:
        """The acronym with its Đ, or None.  Mixed-case tokens are left alone (Dd, Db:
        not acronyms)."""
        return self.table.get(token) if token.isupper() else None

    def __len__(self) -> int:
        return len(self.table)


CODE_PART_FILE = "code_parts_d.tsv"
CODE_PART_OCR_FILE = "code_parts_ocr.tsv"  # Đ read as B, P, O by Tesseract-eng: NB-CP (OCR output only)
CODE_PART_HEADER = ("written", "part", "count", "count_written")


class CodePartTable:
    """D-spelling → code part with Đ (QD → QĐ, ND → NĐ, HDND → HĐND), applied to the
    document-type and issuing-body parts of document codes (15/2014/ND-CP →
    15/2014/NĐ-CP) and to the letter part of the legal code's dotted article codes
    (30.2.ND.1.41 → 30.2.NĐ.1.41) only.  The numbers, the year, the separators and
    every part not in the table are kept as written.

    `ocr`: in OCR output only, the spellings Tesseract's English model gives a part
    when it reads one of its Đ as B, P or O (NB-CP for NĐ-CP; data/code_parts_ocr.tsv,
    from the same build), spellings no code of the corpus uses."""

    def __init__(self, table: Dict[str, str], ocr: Optional[Dict[str, str]] = None):
        self.table = table
        self.ocr = ocr or {}

    @classmethod
    def load(cls, path: Union[str, Path], ocr_path: Optional[Union[str, Path]] = None) -> "CodePartTable":
        ocr = None if ocr_path is None else _load_d_table(ocr_path, CODE_PART_HEADER, "part", _misread_part)
        return cls(_load_d_table(path, CODE_PART_HEADER, "part",
                                 lambda written, fixed: written != fixed and
                                 fixed.replace("Đ", "D").replace("đ", "d") == written), ocr)

    def restore(self, code: str, ocr: bool = False) -> Optional[str]:
        """The code with the Đ of its listed parts restored (in OCR output, `ocr`, of
        its misread parts too), or None when `code` is no document code
        (tokens.document_code_parts) nor dotted article code (tokens.article_code_parts),
        or none of its parts is listed."""
        found = document_code_parts(code) or article_code_parts(code)
        if found is None:
            return None
        num, pieces = found
        misread = self.ocr if ocr else {}
        fixed = [self.table.get(p) or misread.get(p, p) for p in pieces]  # separators are never keys
        return num + "".join(fixed) if fixed != pieces else None

    def __len__(self) -> int:
        return len(self.table)


def _misread_part(written: str, part: str) -> bool:
    """Whether `written` is `part` with its Đ read as D, B, P or O, one of them not D
    (the rows of data/code_parts_ocr.tsv)."""
    return len(written) == len(part) and written != part.replace("Đ", "D") and all(
        w == p or p == "Đ" and w in "DBPO" for w, p in zip(written, part))


# A dotted article code as OCR writes it (30.2.NĐ.1.41, tokens.ARTICLE_CODE): its dots
# read as "," ":" or ";", or lost between a number and the letter part (22.1TT3.5), or
# a dot read inside the letter part (20.3.L.Q.50).  Measured on the training-split
# Tesseract-vie pairs (/work/work_data/marks_*_vie_train.tsv): of 22 such tokens after
# "Điều", 20 become the clean side's code and 2 only mend their separators (a digit was
# misread too); a one-letter part is left (T1 is TT, L9 is LQ: the letters are misread
# as well, and T.1 would be no better).  Restoring lines 1001–3008 of
# marks_poor_vie_train.tsv: 1,790 → 1,807 of their 2,425 wrong words fixed, the broken
# ones unchanged (44).
# Tesseract-vie also reads a dot as a slash (13.2/TT.64.11, 19/5.LQ.1), a hyphen
# (45.10,TT-1.49, 12.1.NĐ.14-30) or twice (19.5.TL..11.17), and a 1 as I, l, | or !
# (30.2.NĐ.I.78, 34.9.TT.I1.16, 35.4.TL..!.3).  Of the 113 article codes it misread in this
# machine's training-split vie pairs, 14 had a slash, all kept as written before (session
# 29).  So between the numbers any of these separators, one or two, and in the numbers
# those four signs for 1; a number of the code's first two has at most three digits and
# opens with a digit (a document code's year has four: 5/2013/QH13 is none).  A part is
# capitals, or single capitals a dot apart (L.Q), never a part and a letter (TT.S1 is
# TT.51 misread, not TTS).
_SEP = r"[.,:;]"
_LOOSE_SEP = r"[.,:;/\u2044-]"
_LOOSE_NUM = r"[\dIl|!]"
_LOOSE_ARTICLE_CODE = re.compile(
    rf"^(?P<topic>\d{_LOOSE_NUM}{{0,2}}){_LOOSE_SEP}{{1,2}}(?P<chapter>\d{_LOOSE_NUM}{{0,2}}){_LOOSE_SEP}{{0,2}}"
    rf"(?P<part>[A-ZĐ](?:\.[A-ZĐ])+|[A-ZĐ]{{2,}}){_LOOSE_SEP}{{0,2}}(?P<source>{_LOOSE_NUM}+)"
    rf"(?P<rest>(?:{_LOOSE_SEP}{{1,2}}{_LOOSE_NUM}+)*)$")
_ONES = str.maketrans("Il|!", "1111")


def article_code_separators(toks: Sequence[Token], restored: Sequence[str], i: int) -> Optional[str]:
    """Token i (a code token, as written) with the separators of a dotted article code
    mended, when the restored word before it is "Điều" (the article a code names):
    "22.1TT3.5" → "22.1.TT.3.5"; None when it is written right or no such code.
    Numbers and letters are kept: only separators change.  For OCR output only (typed
    text's codes are as the writer typed them)."""
    text = toks[i].text
    if article_code_parts(text) is not None or not _after_dieu(toks, restored, i):
        return None
    m = _LOOSE_ARTICLE_CODE.match(text)
    if m is None:
        return article_code_type(text)
    part = m["part"].replace(".", "")
    if "I" in part:
        return None  # (an I among the capitals is a misread 1 or L: 33.4.TI..116 is TL.1.6)
    topic, chapter, source = (m[k].translate(_ONES) for k in ("topic", "chapter", "source"))
    rest = re.sub(rf"{_LOOSE_SEP}{{1,2}}", ".", m["rest"]).translate(_ONES)
    mended = f"{topic}.{chapter}.{part}.{source}{rest}"
    return article_code_type(mended) or mended  # (39.13,NB.106.57: its NĐ misread too)


# Tesseract misreads a document code's separators too (training-split pairs, session 29):
# a fraction slash for a slash (31⁄NQ-CP), a colon or stop between the number and the year
# or after the year (105:2017.NĐ-CP, 87:2021/ND-CP), a stop beside a hyphen (TT-.NHNN) or
# inside a part (TT-BL.ĐTBXH).
_NUMBER_YEAR = re.compile(r"^(\d{1,4})[.,:;](?=\d{4}[/.,:;])")
_YEAR_PART = re.compile(r"^(\d{1,4}/\d{4})[.,:;](?=[A-ZĐ])")
_DOT_BESIDE_SEP = re.compile(r"(?<=[-/])\.|\.(?=[-/])")
_DOT_IN_PART = re.compile(r"(?<=[-/])([A-ZĐ]+)\.([A-ZĐ]+)(?=[-/]|$)")


def document_code_separators(text: str, parts: Container[str] = ()) -> Optional[str]:
    """A token with the separators of a document code mended, when it is one once mended
    and not as written: "31⁄NQ-CP" → "31/NQ-CP", "105:2017.NĐ-CP" → "105/2017/NĐ-CP",
    "06/2013/TT-.NHNN" → "06/2013/TT-NHNN", and "08/2020/TT-BL.ĐTBXH" → "08/2020/TT-BLĐTBXH"
    where the joined part is one of `parts` (the code parts with Đ: a stop between two
    other capitals may be an abbreviation's); else None.  Numbers and letters are kept,
    only separators change.  For OCR output only."""
    if document_code_parts(text) is not None:
        return None
    mended = _NUMBER_YEAR.sub(r"\1/", text.replace("\u2044", "/"))
    mended = _DOT_BESIDE_SEP.sub("", _YEAR_PART.sub(r"\1/", mended))
    mended = _DOT_IN_PART.sub(lambda m: m[1] + m[2] if m[1] + m[2] in parts else m[0], mended)
    return mended if mended != text and document_code_parts(mended) is not None else None


# The document-type parts of the legal code's article codes, by how many numbers follow
# them (30.2.NĐ.1.41: two; 22.1.LQ.28: one), with their counts in the training split of
# legal_phapdien (138,534 codes; parts under 500 left out).
ARTICLE_TYPES = {1: {"LQ": 34726, "NĐ": 3599, "PL": 1290},
                 2: {"TT": 55218, "NĐ": 33832, "TL": 5605, "QĐ": 2976, "NQ": 820}}
# The capitals of those parts that Tesseract writes as another character (training-split
# pairs: 27.1.1T.77.2 and 13.1.17.72.1 for TT, 39.13.N).84.3 and 39.13,NB.106.57 for NĐ,
# 35,10.1.Q,53 for 35.10.LQ.53, 41.5.NÐ.1.35 with an Icelandic eth).
_TYPE_GLYPHS = {"1": "TL", "7": "T", ")": "Đ", "B": "Đ", "Ð": "Đ", "D": "Đ",
                # (session 29: a 0, O or 9 for a Q, 37.5.L0.54, 28.2.10.54, 55:4.LO.116,
                # 23.6.LỌ.3 with Tesseract-vie's dot below, 17.1.9D.9.19 for QĐ)
                "0": "Q", "O": "Q", "Ọ": "Q", "9": "Q"}
# Which of the parts a misread one stands for must be this many times likelier (by the
# counts above) than the next: 71 is TT (55,218) rather than TL (5,605).
TYPE_DOMINANCE = 5
_GLYPH_ARTICLE_CODE = re.compile(
    rf"^(?P<topic>\d+){_SEP}{{1,2}}(?P<chapter>\d+){_SEP}{{1,2}}"
    rf"(?P<part>[A-ZĐÐ17)0Ọ9]{_SEP}?[A-ZĐÐ17)0Ọ9]){_SEP}{{1,2}}(?P<nums>\d+(?:{_SEP}\d+)?)$")


def article_code_type(text: str) -> Optional[str]:
    """An article code (after "Điều", in OCR output) whose document-type part Tesseract
    misread as digits or other signs, read back: "27.1.1T.77.2" → "27.1.TT.77.2",
    "13.1.17.72.1" → "13.1.TT.72.1", "39.13.N).84.3" → "39.13.NĐ.84.3",
    "35,10.1.Q,53" → "35.10.LQ.53"; None when no part of ARTICLE_TYPES with as many
    numbers after it reads as the written one (each character itself or one of its
    _TYPE_GLYPHS), or when two read so and neither is TYPE_DOMINANCE times likelier.
    Why: article_code_separators mends only a part written in letters, and the
    numbers of a code whose part became digits (a NUMBER token) stayed as OCR read them.
    Only the part and the separators change, the numbers are kept."""
    m = _GLYPH_ARTICLE_CODE.match(text)
    if m is None:
        return None
    part = re.sub(_SEP, "", m["part"])
    if part.isdigit() and part != m["part"]:
        return None  # two numbers ("1.1" of 0.0.1.1.0.0), not a part OCR read as digits
    nums = re.split(_SEP, m["nums"])
    types = ARTICLE_TYPES[len(nums)]
    if part in types:
        return None  # its letters are right: article_code_separators' case
    found = sorted((count, t) for t, count in types.items()
                   if all(o == c or c in _TYPE_GLYPHS.get(o, "") for o, c in zip(part, t)))
    if not found or len(found) > 1 and found[-1][0] < TYPE_DOMINANCE * found[-2][0]:
        return None
    return ".".join([m["topic"], m["chapter"], found[-1][1]] + nums)


def is_article_code(text: str) -> bool:
    """Whether `text` is a dotted article code of the legal code (22.1.LQ.28,
    30.2.NĐ.1.41), as written or as OCR misreads one (22.1TT3.5, 13.1.17.72.1:
    article_code_separators' and article_code_type's shapes)."""
    return article_code_parts(text) is not None or _LOOSE_ARTICLE_CODE.match(text) is not None \
        or article_code_type(text) is not None


def names_article(toks: Sequence[Token], i: int) -> bool:
    """Whether word i stands right before an article code, one space apart on the same
    line: the place of "Điều", which is the word before 99.6% of the article codes of
    legal_phapdien (15,220 of 15,276 in its first 60,000 lines; the rest glued to the word
    before, THỂĐiều).  A chain ends at a code, so the decoder reads such a word with its
    left context only, which can be another text's last line: "... Việt Nam; Diéu" then
    "Diéu 34.4.TT.10.15." read as Kiện after the first Điều."""
    return i + 2 < len(toks) and toks[i + 1].kind == SPACE and "\n" not in toks[i + 1].text \
        and toks[i + 2].kind != WORD and is_article_code(toks[i + 2].text)


def opens_article(toks: Sequence[Token], i: int) -> bool:
    """Whether word i opens its line and names an article code (names_article): an
    article's heading, "Điều 34.4.TT.10.15. Tài khoản …", whose first word the line
    before does not lead to (Restorer._cut_chains starts a chain there: read across the
    line break, "người đại" above became "người đủ" for đủ điều)."""
    return (i == 0 or toks[i - 1].kind == SPACE and "\n" in toks[i - 1].text) and names_article(toks, i)


def _after_dieu(toks: Sequence[Token], restored: Sequence[str], i: int) -> bool:
    """Whether the word before token i, past one space, is restored as "Điều"."""
    return i >= 2 and toks[i - 1].kind == SPACE and restored[i - 2].lower() == "điều"


def defined_acronyms(toks: Sequence[Token], restored: Sequence[str]) -> Dict[int, str]:
    """Acronyms the document itself defines, with the Đ its OCR lost: in "tự đánh giá
    (TDG)" the restored words before the parentheses have the initials T Đ G, so TDG is
    TĐG there and in every later bare TDG of the same document.

    `restored` holds each token's text after restoration.  An acronym is rewritten only
    when it is all-caps, as long as the run of words right before "(" (whitespace
    between them, no punctuation, no blank line), and their initials equal its letters
    except D for Đ, at least once.
    Returns token index → acronym with Đ."""
    defined: Dict[str, str] = {}
    out: Dict[int, str] = {}
    for i, tok in enumerate(toks):
        text = tok.text
        if tok.kind != WORD or "D" not in text or not text.isupper() or not text.isalpha():
            continue
        if text in defined:
            out[i] = defined[text]
            continue
        if not (0 < i < len(toks) - 1 and toks[i - 1].text == "(" and toks[i + 1].text == ")"):
            continue
        initials = _initials_before(toks, restored, i - 1, len(text))
        if initials is not None and _matches_with_dj(text, initials):
            defined[text] = out[i] = "".join("Đ" if b == "Đ" else a for a, b in zip(text, initials))
    return out


# An acronym the document writes out elsewhere (written_acronyms): one of at least
# WRITTEN_ANYWHERE letters is matched against the whole document's phrases, a shorter
# one (three letters or four) only against those within WRITTEN_NEAR words of it, as
# short initials recur by chance in a long document.
WRITTEN_ANYWHERE = 5
WRITTEN_NEAR = 40


def written_acronyms(toks: Sequence[Token], restored: Sequence[str], skip: Collection[int] = ()) -> Dict[int, str]:
    """Acronyms whose phrase the document writes out elsewhere, with the Đ its OCR lost
    or misread: in a report that writes "Toàn dân đoàn kết xây dựng nông thôn mới, đô
    thị văn minh", "cuộc vận động “TDDKXDNTM" is TDĐKXDNTM (issue 9: an
    acronym defined in the document, or used nearby; defined_acronyms reads the
    parenthesized definitions).  A phrase is consecutive restored words with only
    whitespace between them (one paragraph), whose initials are the acronym's letters
    (marks aside) but for D where the word begins with Đ, at least once; an acronym
    shorter than WRITTEN_ANYWHERE letters only counts phrases within WRITTEN_NEAR words
    of it, and one that two phrases would spell two ways is left as it is.  All-caps
    tokens of three letters or more that the decoder kept as written; `skip`: token
    indices already fixed.  Time: linear in the text (a look-up per acronym).
    Returns token index → acronym.

    Measured (session 14): on the training slices (shuffled lines of many documents,
    the hardest case for chance matches) nothing changes; with every length matched
    document-wide, 3-letter acronyms were rewritten wrongly by chance (CDC, USD, GDP),
    and with 4 letters one (TTCP, Thanh tra Chính phủ, P read as Tesseract's Đ in
    Tesseract-vie output).  P read as Đ was dropped: within WRITTEN_NEAR words it still
    gave CPP → CĐĐ and THPT → THĐT on held-out sets.  Dev OCR: 1 fewer wrong word."""
    words = [i for i, tok in enumerate(toks) if tok.kind == WORD]
    todo = [k for k, i in enumerate(words)
            if i not in skip and restored[i] == toks[i].text and len(toks[i].text) >= 3
            and toks[i].text.isalpha() and toks[i].text.isupper() and "D" in toks[i].text]
    if not todo:
        return {}
    # The document's phrases: runs of words with only whitespace between them (one
    # paragraph), each word as its restored initial, marks aside but Đ ("#": none).
    runs: List[List[Tuple[int, str]]] = []
    for k, i in enumerate(words):
        if k == 0 or not all(_in_paragraph_space(t) for t in toks[words[k - 1] + 1:i]):
            runs.append([])
        first = restored[i][:1].upper()
        runs[-1].append((k, first if first == "Đ" else strip_diacritics(first) if first.isalpha() else "#"))
    # Every window of an acronym's length with a Đ in it, by its letters with D for Đ
    # (what such an acronym is written as): a look-up per acronym, linear in the text.
    index: Dict[str, List[Tuple[int, str]]] = {}
    run_letters = ["".join(c for _, c in run) for run in runs]
    for n in {len(toks[words[k]].text) for k in todo}:
        for run, letters in zip(runs, run_letters):
            for j in range(len(run) - n + 1):
                window = letters[j:j + n]
                if "Đ" in window:
                    index.setdefault(window.replace("Đ", "D"), []).append((run[j][0], window))
    out: Dict[int, str] = {}
    for k in todo:
        acronym = toks[words[k]].text
        found = index.get(acronym, [])
        if len(acronym) < WRITTEN_ANYWHERE:  # (the phrases within WRITTEN_NEAR words only)
            found = found[bisect.bisect_left(found, (k - WRITTEN_NEAR,)):
                          bisect.bisect_left(found, (k + WRITTEN_NEAR + 1,))]
        spelled = {window for start, window in found if start != k}
        if len(spelled) == 1:
            out[words[k]] = spelled.pop()
    return out


def _initials_before(toks: Sequence[Token], restored: Sequence[str], paren: int, n: int) -> Optional[str]:
    """Upper-cased first letters of the `n` restored words right before toks[paren],
    separated by whitespace within one paragraph (no punctuation between), or None."""
    j = paren - 1
    if j >= 0 and _in_paragraph_space(toks[j]):
        j -= 1
    letters = []
    while len(letters) < n:
        if j < 0 or toks[j].kind != WORD:
            return None
        letters.append(restored[j][:1].upper())
        j -= 1
        if len(letters) < n:
            if j < 0 or not _in_paragraph_space(toks[j]):
                return None
            j -= 1
    return "".join(reversed(letters))


def _in_paragraph_space(tok: Token) -> bool:
    return tok.kind == SPACE and tok.text.count("\n") < 2


def _matches_with_dj(acronym: str, initials: str) -> bool:
    """Same letters, except that the acronym has D where the words begin with Đ (at
    least once)."""
    if len(acronym) != len(initials):
        return False
    differs = False
    for a, b in zip(acronym, initials):
        if a == "D" and b == "Đ":
            differs = True
        elif a != b:
            return False
    return differs


def load_word_frequencies(path: Union[str, Path]) -> Dict[str, float]:
    """word<TAB>frequency lines ("#" lines are comments) → {word: frequency}."""
    out: Dict[str, float] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            word, _, freq = line.rstrip("\n").partition("\t")
            try:
                out[word] = float(freq)
            except ValueError:
                raise ValueError(f"{path}:{lineno}: expected word<TAB>frequency") from None
    return out


KEPT_FILE = "kept_words.tsv"
KEPT_HEADER = ("kind", "written", "count", "count_marked")
KEPT_KINDS = ("caps", "word", "joined")


class KeptWords:
    """Tokens the corpus writes without marks where their letters could take some
    (data/kept_words.tsv, scripts/build_kept_words.py): ``caps``, all-caps tokens standing
    alone in capitals (caps_alone) that are acronyms there (CA, AP, BOT); ``word``, words
    whose unmarked spelling is no Vietnamese syllable (Top, Cup), case as written;
    ``joined``, such words glued to a word before them by a full stop (Vnexpress.net)."""

    def __init__(self, caps: FrozenSet[str] = frozenset(), words: FrozenSet[str] = frozenset(),
                 joined: FrozenSet[str] = frozenset()):
        self.caps, self.words, self.joined = frozenset(caps), frozenset(words), frozenset(joined)

    @classmethod
    def load(cls, path: Union[str, Path]) -> "KeptWords":
        kinds: Dict[str, Set[str]] = {k: set() for k in KEPT_KINDS}
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                parts = line.rstrip("\n").split("\t")
                if lineno == 1 and tuple(parts) == KEPT_HEADER:
                    continue
                if len(parts) != len(KEPT_HEADER) or parts[0] not in kinds or not parts[1].isalpha() \
                        or (len(parts[1]) >= 2 and parts[1].isupper()) != (parts[0] == "caps"):
                    raise ValueError(f"{path}:{lineno}: expected kind<TAB>written<TAB>count<TAB>count_marked, "
                                     f"the kind caps (an all-caps token) or word (any other word)")
                kinds[parts[0]].add(parts[1])
        return cls(frozenset(kinds["caps"]), frozenset(kinds["word"]), frozenset(kinds["joined"]))

    def keeps(self, toks: Sequence[Token], i: int, ocr: bool = False) -> bool:
        """Whether WORD token `i` is one to keep as written: a ``caps`` token standing
        alone in capitals, a ``word`` as written, or a ``joined`` one right after a full
        stop glued to a word ("Vnexpress.net").  In OCR output (`ocr`) only caps
        tokens of OCR_ACRONYM_MIN letters or more: there Tesseract's English model makes
        such spellings of Vietnamese words ("mic" for mức, "true" for trước, "Hip" for
        Hợp, "DO" for Đỗ, "KY" for Kỳ: with every entry, the training-split eng OCR
        slices of 400 lines each left 20 more words wrong, news 104 → 105, Wikipedia
        171 → 178, poor scans 232 → 241, clean scans 54 → 57; the caps of 3 letters
        or more changed none)."""
        text = toks[i].text
        if len(text) >= 2 and text.isupper():
            return text in self.caps and (not ocr or len(text) >= OCR_ACRONYM_MIN) and caps_alone(toks, i)
        if ocr:
            return False
        return text in self.words or text in self.joined and i >= 2 and toks[i - 1].text == "." \
            and toks[i - 2].kind == WORD

    def __len__(self) -> int:
        return len(self.caps) + len(self.words) + len(self.joined)


def caps_alone(toks: Sequence[Token], i: int) -> bool:
    """Whether toks[i] stands alone in capitals: the nearest word before or after it in
    its clause (_word_beside; one at least) is no all-caps word of two letters or more
    ("Bộ CA nói", "hãng AP đưa tin"; not "BỘ CÔNG AN", a heading)."""
    beside = [t for t in (_word_beside(toks, i, -1), _word_beside(toks, i, +1)) if t is not None]
    return bool(beside) and not any(len(t.text) >= 2 and t.text.isupper() for t in beside)


ENGLISH_FILE = "english_words.tsv"
# A run of English words is kept as written when it holds at least FOREIGN_EVIDENCE
# lowercase words with no Vietnamese reading ("released", "she", "with"), and they are
# at least FOREIGN_EVIDENCE_SHARE of it.  One is not enough: Vietnamese sentences
# borrow single words ("nhận like là chính").  Capitalised words are not evidence:
# names (Premier League, Donald Trump) stand in Vietnamese sentences as often as in
# English ones.
FOREIGN_EVIDENCE = 2
FOREIGN_EVIDENCE_SHARE = 1 / 3
# A word that is also a Vietnamese syllable without its marks ("on", "at", "the": ôn,
# át, thế) belongs to an English run only when its frequency in English text is at
# least this share of its skeleton's frequency in Vietnamese text: "at" and "the" do,
# "va" (và) and "la" (là), which the English list holds as abbreviations, do not.
ENGLISH_MEMBER_RATIO = 0.1
# In OCR output a short English word is as often a Vietnamese word that Tesseract's
# English model damaged into one ("nude" nước, "thee" theo, "chic" chức, "hide" hiệu,
# "wing" tổng).  There a word is evidence of English only when the OCR channel reads it
# as no Vietnamese syllable: its best reading's log P(word | syllable) is below this.
# Otherwise it is a member of a run (kept with real evidence, making none itself).
# Training-split poor-scan eng pairs (poor_eng_train7/8, 18,000 lines; models/CHANNEL.md):
# 193 words kept as English were Vietnamese, 105 English; the English evidence words lay
# at −10 or below (transaction, goods −23, video −13.5), the damaged ones mostly above it.
OCR_EVIDENCE_LOGP = -10.0


def foreign_words(toks: Sequence[Token], english: Dict[str, float],
                  vietnamese: Callable[[str], float],
                  ocr_reading: Optional[Callable[[str], float]] = None,
                  kept: Optional[KeptWords] = None) -> Set[int]:
    """Indices of WORD tokens to keep as written because they are foreign, not
    Vietnamese that lost its marks.  `english` maps English words to their frequency;
    ``vietnamese(word)`` is the frequency of the word's readings in Vietnamese text (0
    when it has none).

    * English phrases: a run of English words (numbers, codes, punctuation, names and
      acronyms with no Vietnamese reading may stand between them; any other word or a
      blank line ends it) is kept when FOREIGN_EVIDENCE of its words, and at least
      FOREIGN_EVIDENCE_SHARE of them, are lowercase with no Vietnamese reading.
      "was released on 2023-11-15 at 09:30 UTC" keeps "on" and "at"; "MTTQ to chuc"
      and "Donald Trump va Mike Pence" are restored.
    * One- or two-letter all-caps tokens right after a capitalised word with no
      Vietnamese reading, one space between: the OA of "Zalo OA" is not ÓA, the S of
      "Model S" not Sẽ.
    * One letter glued by an apostrophe to a name ("d'Estaing", "O'Neill":
      _letter_before_name).
    * English endings after an apostrophe ("America's": _english_clitic) and a small
      English word between two such capitalised words ("The Conduct of Life":
      _word_between_foreign_names).
    * A unit of measure after a number (tokens.unit_after_number): "154.8 cc", "3 ml" are not
      cực, mũ, which OCR candidates would make of them.
    * An acronym inside lowercase text (_acronym_among_lowercase): "bộ phận IT của",
      "Giám đốc CDC tỉnh" keep IT and CDC, not ÍT, CÁC.
    * A token of `kept` (KeptWords.keeps): what the corpus writes without marks there,
      "Bộ CA nói", "hãng AP", "Top 10", "World Cup", not CÁ, ÁP, Tốp, Cúp.

    In OCR output (`ocr_reading` given: a word's best Vietnamese reading's channel log
    P) a word without a vowel is no English word but a damaged Vietnamese one, which
    ends a run ("hd sd" hồ sơ, tokens.VOWEL), an English word is evidence only when
    no Vietnamese syllable reads as it (OCR_EVIDENCE_LOGP), and an acronym among
    lowercase words has OCR_ACRONYM_MIN letters or more.
    """
    keep: Set[int] = set()
    run: List[int] = []
    evidence = 0
    memo: Dict[str, float] = {}  # a document repeats its words

    def vi_freq(word: str) -> float:
        if word not in memo:
            memo[word] = vietnamese(word)
        return memo[word]

    def close() -> None:
        nonlocal evidence
        if evidence >= FOREIGN_EVIDENCE and evidence >= FOREIGN_EVIDENCE_SHARE * len(run):
            keep.update(run)
        run.clear()
        evidence = 0

    for i, tok in enumerate(toks):
        if tok.kind == WORD:
            text = tok.text
            en = english.get(text.lower(), 0.0)
            if ocr_reading is not None and en and not VOWEL.search(text):
                # A word without a vowel letter.  The English list holds such abbreviations
                # (hd, sd, cb, md, th, cc), but in OCR output they are nearly always a
                # Vietnamese word Tesseract's English model damaged ("hd sd" for hồ sơ, "cc"
                # for các): in 1,200 training-split poor-scan lines they were 18 of the 37
                # words kept as English, and the runs they made English kept their
                # neighbours too ("cc 18 chic" for các tổ chức).  (The English list is
                # ASCII, so tokens.VOWEL sees its words' vowels as written.)
                en = 0.0
            name_like = text[:1].isupper() and text.isalpha()
            vi = vi_freq(text) if en or name_like else 0.0
            if en and not vi and text.islower():
                run.append(i)
                if ocr_reading is None or ocr_reading(text) < OCR_EVIDENCE_LOGP:
                    evidence += 1
            elif en and vi and en >= ENGLISH_MEMBER_RATIO * vi:
                run.append(i)
            elif vi or not name_like:
                close()  # a Vietnamese word, or something else; names and acronyms pass
            if _caps_after_foreign_name(toks, i, vi_freq) or _english_clitic(toks, i, vi_freq) or \
                    _letter_before_name(toks, i) or \
                    _word_between_foreign_names(toks, i, english, vi_freq) or unit_after_number(toks, i) or \
                    abbreviation_before_number(toks, i) or \
                    _acronym_among_lowercase(toks, i, english, vi_freq, OCR_ACRONYM_MIN if ocr_reading is not None else 2) or \
                    kept is not None and kept.keeps(toks, i, ocr_reading is not None):
                keep.add(i)
        elif tok.kind == SPACE and tok.text.count("\n") >= 2:
            close()
    close()
    return keep


# The longest all-caps token _acronym_among_lowercase considers (CERN, DSLR, THPT).
ACRONYM_MAX = 5
# In OCR output a two-letter all-caps token among lowercase words is mostly a damaged
# capitalised word: Tesseract-eng writes Bộ as "BO", "BG", "BS", Mỹ as "MY", Tổ as "TO"
# (in training-split Tesseract pairs 271 of 343 such tokens stood for another word, and
# 53 of 309 of three to five letters, nearly all of those acronyms with Đ or words with
# a Vietnamese reading).  There only acronyms of this many letters or more are kept.
OCR_ACRONYM_MIN = 3


def _word_beside(toks: Sequence[Token], i: int, step: int) -> Optional[Token]:
    """The nearest WORD token from i in direction `step` on the same line and in the
    same clause (None when a line break, a sentence or clause end, a bracket or a
    quote comes first)."""
    j = i + step
    while 0 <= j < len(toks):
        tok = toks[j]
        if tok.kind == WORD:
            return tok
        if tok.kind == SPACE and "\n" in tok.text or tok.kind != SPACE and any(c in ".!?;:()[]\"“”" for c in tok.text):
            return None
        j += step
    return None


def _acronym_among_lowercase(toks: Sequence[Token], i: int, english: Dict[str, float],
                             vietnamese: Callable[[str], float], shortest: int = 2) -> bool:
    """Whether toks[i] is an acronym to keep as written: `shortest` to ACRONYM_MAX unmarked
    capital letters between lowercase words of its line (each neighbour word there is
    lowercase, one at least), and either no Vietnamese reading (CDC, which OCR
    candidates would read as CÁC) or an English word at least ENGLISH_MEMBER_RATIO as
    frequent as its Vietnamese readings (IT, not ÍT).

    Why: in training-split Tesseract pairs of legal and news text, 114 of 125 such
    tokens were written without marks in the clean text, and the 11 others were
    acronyms with Đ (HĐXX, ĐKTS), which the acronym table restores, not the decoder.
    Vietnamese words written in capitals for emphasis ("tuyệt đối KHONG được") have a
    Vietnamese reading and no English one, and are restored as before; a caps heading
    has caps neighbours."""
    text = toks[i].text
    if not (shortest <= len(text) <= ACRONYM_MAX and text.isascii() and text.isalpha() and text.isupper()):
        return False
    beside = [t for t in (_word_beside(toks, i, -1), _word_beside(toks, i, +1)) if t is not None]
    if not beside or not all(t.text[:1].islower() for t in beside):
        return False
    vi = vietnamese(text)
    return not vi or english.get(text.lower(), 0.0) >= ENGLISH_MEMBER_RATIO * vi


# Lowercase consonant letters that abbreviate a word before a year: "(s. 1909)" sinh,
# "(m. 1980)" mất, the birth and death years of Vietnamese Wikipedia.  Not d or đ (đồng,
# and the item label đ.), nor a vowel, which is a syllable of its own (ở, ý, à).
ABBREVIATION_LETTERS = frozenset("bcghklmnpqrstvx")


def abbreviation_before_number(toks: Sequence[Token], i: int) -> bool:
    """Whether WORD token `i` is one lowercase consonant letter (ABBREVIATION_LETTERS)
    followed by a full stop, blanks (a line break at most) and a number: "(s. 1909)",
    "(m.\n1980)".  No syllable is one consonant, so the decoder gave it a damaged word's
    readings: "(sở. 1909)", "(mỹ. 1980)" (9 words of 1,000 training-split Wikipedia
    OCR lines).  In the corpus's first 40 MB of each file, "s." and "m." stand before a
    number 4,457 times in wiki_viwiki; a single consonant and a full stop before a number
    once in legal_phapdien (h.), never in legal_congbao, 8 times in news_baomoi (t.)."""
    tok = toks[i]
    if tok.kind != WORD or tok.text not in ABBREVIATION_LETTERS or i + 3 >= len(toks):
        return False
    stop, blank, number = toks[i + 1], toks[i + 2], toks[i + 3]
    return stop.text == "." and blank.kind == SPACE and blank.text.count("\n") <= 1 \
        and number.kind == NUMBER


# An English possessive or contraction's ending, written after an apostrophe ("America's",
# "McDonald's", "we'll").  After a word with no Vietnamese reading it is English: the
# apostrophe a Vietnamese OCR word carries stands for a lost horn or hook inside a syllable
# ("ngu'oi", "Nhu'ng"), whose first part is a syllable itself.
ENGLISH_CLITICS = frozenset({"s", "t", "d", "m", "ll", "re", "ve"})
APOSTROPHES = frozenset("'\u2019")


def _english_clitic(toks: Sequence[Token], i: int, vietnamese: Callable[[str], float]) -> bool:
    """Whether toks[i] ends an English word after an apostrophe: "s" of "America's" (Tesseract-
    eng documents read it as ở, a wiki slice's "America'ở"), the word before it having
    no Vietnamese reading."""
    if toks[i].text.lower() not in ENGLISH_CLITICS or i < 2 or toks[i - 1].text not in APOSTROPHES:
        return False
    if i + 1 < len(toks) and toks[i + 1].kind == WORD:
        return False
    word = toks[i - 2]
    return word.kind == WORD and len(word.text) >= 2 and word.text.isalpha() and not vietnamese(word.text)


def _letter_before_name(toks: Sequence[Token], i: int) -> bool:
    """Whether toks[i] is one Latin letter glued by an apostrophe to a capitalised word
    ("d'Estaing", "l'Oréal", "O'Neill", "M'Drăk"): an elided article or a name's prefix,
    never a Vietnamese syllable that lost its marks.  The decoder read that lone letter as a
    damaged word ("Giscard ở'Estaing", "de'Estaing" in text read as Tesseract-vie output).
    The word after it needs two letters or more and a lowercase one: Tesseract's damage
    of a capitalised syllable ("Ý'Y" for Ủy) is neither."""
    tok = toks[i]
    if tok.kind != WORD or len(tok.text) != 1 or not tok.text.isascii() or not tok.text.isalpha() \
            or i + 2 >= len(toks) or toks[i + 1].text not in APOSTROPHES:
        return False
    name = toks[i + 2]
    return name.kind == WORD and len(name.text) >= 2 and name.text[0].isupper() \
        and any(c.islower() for c in name.text[1:])


def _word_between_foreign_names(toks: Sequence[Token], i: int, english: Dict[str, float],
                                vietnamese: Callable[[str], float]) -> bool:
    """Whether toks[i] is a lowercase English word with no Vietnamese reading between two
    capitalised words with none, one space either side: the "of" of "The Conduct of Life",
    "Bank of America" (a Tesseract-eng document read it as ở).  A title's capitals are no
    evidence for an English run (FOREIGN_EVIDENCE: names stand in Vietnamese sentences), but
    the small word a title joins them with is English where no Vietnamese word reads as it."""
    text = toks[i].text
    if not text.islower() or not text.isascii() or not english.get(text) or vietnamese(text):
        return False
    if i < 2 or i + 2 >= len(toks) or toks[i - 1].text != " " or toks[i + 1].text != " ":
        return False
    # (the name after it may be a title's abbreviation: "the Benefit of Mr. Kite")
    return _foreign_name(toks[i - 2], vietnamese) and _foreign_name(toks[i + 2], vietnamese, min_letters=2)


def _foreign_name(tok: Token, vietnamese: Callable[[str], float], min_letters: int = 3) -> bool:
    """Whether `tok` is a capitalised ASCII word (Conduct, Zalo) with no Vietnamese reading."""
    text = tok.text
    return (tok.kind == WORD and len(text) >= min_letters and text.isascii() and text.isalpha()
            and text[0].isupper() and text[1:].islower() and not vietnamese(text))


def _caps_after_foreign_name(toks: Sequence[Token], i: int, vietnamese: Callable[[str], float]) -> bool:
    """Whether toks[i] is a one- or two-letter all-caps word right after a capitalised
    word with no Vietnamese reading ("Zalo OA", "Model S": a Tesseract-eng wiki slice's
    document memory made that S the word sẽ; in the training slices' gold a capital
    letter after such a word was never a Vietnamese word: "Nam Á" follows a syllable)."""
    text = toks[i].text
    if len(text) not in (1, 2) or not text.isupper() or not text.isascii() or i < 2 or toks[i - 1].text != " ":
        return False
    return _foreign_name(toks[i - 2], vietnamese, min_letters=2)
