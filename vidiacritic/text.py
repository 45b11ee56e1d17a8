"""Stage 1 — the text layer: Unicode normalization, diacritics, tone placement and casing.

Everything here works on single syllables or plain strings and knows Vietnamese
orthography; it knows nothing about OCR or language models.

A Vietnamese syllable carries two kinds of marks:
  * vowel-quality marks that change the letter (a→ă/â, e→ê, o→ô/ơ, u→ư, d→đ), and
  * one of five tone marks (grave, acute, hook, tilde, dot below) or none.
Tone placement style differs between the *traditional* convention (hòa, thủy, Ủy) and
the *modern* one (hoà, thuỷ, Uỷ) only for the open diphthongs oa, oe, uy.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Tuple

# Combining tone marks (NFD) → tone number; 0 means no tone (ngang).
TONE_MARKS = {"\u0300": 2, "\u0301": 1, "\u0303": 4, "\u0309": 3, "\u0323": 5}
TONE_CHARS = {v: k for k, v in TONE_MARKS.items()}
# Vowel-quality marks (NFD): breve, circumflex, horn.
QUALITY_MARKS = {"\u0306", "\u0302", "\u031b"}

VOWELS = set("aăâeêioôơuưy")
# Vowels that attract the tone mark whenever they occur in the nucleus.  "ơ" before
# "ư" so that ươ takes the tone on ơ (người); ư alone still takes it (hữu, cửa).
_MARKED_PRIORITY = "êơâăôư"
# Open diphthongs whose tone position is a matter of style.
_STYLE_DIPHTHONGS = {"oa", "oe", "uy"}

TRADITIONAL = "traditional"
MODERN = "modern"
TONE_STYLES = (TRADITIONAL, MODERN)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _composes_backward(ch: str) -> bool:
    """Does `ch` compose with the character before it under NFC?  Combining marks
    (categories Mn, Mc, Me: tone marks, Indic vowel signs) and Hangul medial and
    final jamo do."""
    return unicodedata.category(ch)[0] == "M" or "\u1160" <= ch <= "\u11ff"


def _compose_run(m: "re.Match[str]") -> str:
    run = m.group()
    if unicodedata.is_normalized("NFC", run):
        return run
    out = []
    start = 0
    for i in range(1, len(run) + 1):
        if i == len(run) or not _composes_backward(run[i]):
            piece = run[start:i]  # one base character and the marks after it
            if len(piece) > 1:
                base = piece[0]
                # a base that NFC itself would replace (U+212A KELVIN SIGN) stays too
                piece = (unicodedata.normalize("NFC", piece) if unicodedata.is_normalized("NFC", base)
                         else base + unicodedata.normalize("NFC", piece[1:]))
            out.append(piece)
            start = i
    return "".join(out)


# A run of non-ASCII characters with the character before it (the base letter of a
# decomposed "e" + U+0301).
_NON_ASCII_RUN = re.compile("[\x00-\x7f]?[^\x00-\x7f]+")


def compose_marks(text: str) -> str:
    """NFC for every character followed by combining marks (decomposed Vietnamese,
    Windows-1258's separate tone marks); every other character exactly as it was.

    Plain NFC also replaces characters that have a one-character canonical equivalent
    (U+2000 EN QUAD → U+2002 EN SPACE, U+037E GREEK QUESTION MARK → ';', U+212A KELVIN
    SIGN → 'K', CJK compatibility ideographs → the unified ones): punctuation and
    symbols that the restorer promises to keep.  Here only the runs of a base
    character and its marks are normalised, so Vietnamese letters come out NFC and
    nothing else changes.

    >>> compose_marks("Vie\\u0323\\u0302t\\u2000Nam\\u037e") == "Việt\\u2000Nam\\u037e"
    True
    """
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return _NON_ASCII_RUN.sub(_compose_run, text)


@lru_cache(maxsize=200_000)
def split_tone(syllable: str) -> Tuple[str, int]:
    """Split a syllable into (letters without tone mark, tone number). Case is kept.

    >>> split_tone("Thủy")
    ('Thuy', 3)
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = 0
    kept = []
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _strip_slow(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    out = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", out.replace("đ", "d").replace("Đ", "D"))


# Precomposed Latin letters → their base letter, combining marks → nothing: one
# str.translate does what NFD + filter + NFC does, 30x faster (the candidate index
# strips every vocabulary syllable at load).
_STRIP_TABLE = {cp: _strip_slow(chr(cp)) for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
                if _strip_slow(chr(cp)) != chr(cp)}
_STRIP_TABLE.update({cp: None for cp in range(0x300, 0x370)})


@lru_cache(maxsize=200_000)
def strip_diacritics(text: str) -> str:
    """Remove every mark, tone and quality alike; đ becomes d. Case is kept.

    >>> strip_diacritics("Ủy ban Đoàn kết")
    'Uy ban Doan ket'
    """
    if text.isascii():
        return text
    out = text.translate(_STRIP_TABLE)
    # other scripts' marks (Greek tonos, Cyrillic й) take the general path
    return out if out.isascii() else _strip_slow(out)


def _nucleus_span(low: str) -> Tuple[int, int]:
    """Start and end index of the vowel nucleus of a toneless lowercase syllable.

    The glide letters of the onsets "qu" and "gi" are not part of the nucleus
    (quá, giá), except "gi" with no other vowel (gì).
    """
    start = 0
    if low.startswith("qu"):
        start = 2
    elif low.startswith("gi") and len(low) > 2 and low[2] in VOWELS:
        start = 2
    while start < len(low) and low[start] not in VOWELS:
        start += 1
    end = start
    while end < len(low) and low[end] in VOWELS:
        end += 1
    if start == len(low) and low.startswith("gi"):  # "gi" + tone: gì, gỉ
        return 1, 2
    return start, end


def tone_position(toneless: str, style: str = TRADITIONAL) -> int:
    """Index of the letter that carries the tone mark, or -1 if there is no vowel."""
    low = toneless.lower()
    start, end = _nucleus_span(low)
    if start >= end:
        return -1
    nucleus = low[start:end]
    for mark in _MARKED_PRIORITY:
        pos = nucleus.rfind(mark) if mark == "ơ" else nucleus.find(mark)
        if pos >= 0:
            return start + pos
    if len(nucleus) == 1:
        return start
    has_coda = end < len(low)
    if has_coda:
        return end - 1  # hoàn, toán, huỳnh
    if len(nucleus) >= 3:
        return start + 1  # ngoài, khuỷu
    if style == MODERN and nucleus in _STYLE_DIPHTHONGS:
        return start + 1  # hoà, thuỷ
    return start  # hòa, thủy, mùa, tài


def apply_tone(toneless: str, tone: int, style: str = TRADITIONAL) -> str:
    """Put tone number `tone` on a toneless syllable following `style`.

    >>> apply_tone("thuy", 3), apply_tone("thuy", 3, MODERN), apply_tone("Uy", 3)
    ('thủy', 'thuỷ', 'Ủy')
    """
    if tone == 0:
        return toneless
    pos = tone_position(toneless, style)
    if pos < 0:
        return toneless
    letter = unicodedata.normalize("NFD", toneless[pos]) + TONE_CHARS[tone]
    return toneless[:pos] + unicodedata.normalize("NFC", letter) + toneless[pos + 1 :]


@lru_cache(maxsize=200_000)
def place_tone(syllable: str, style: str = TRADITIONAL) -> str:
    """Re-place the tone mark of a (possibly mis-placed, NFD or mixed) syllable.

    Tokens that are not Vietnamese-looking (more than one tone mark, tone on a
    consonant) are returned NFC but otherwise untouched.
    """
    syllable = nfc(syllable)
    decomposed = unicodedata.normalize("NFD", syllable)
    if sum(ch in TONE_MARKS for ch in decomposed) != 1:
        return syllable
    toneless, tone = split_tone(syllable)
    if not all(ch.isalpha() for ch in toneless):
        return syllable
    return apply_tone(toneless, tone, style)


def normalize_syllable(syllable: str, style: str = TRADITIONAL) -> str:
    """Canonical form used as language-model vocabulary: NFC, lowercase, `style` tones."""
    return place_tone(nfc(syllable).lower(), style)


# ---------------------------------------------------------------- casing
LOWER, TITLE, UPPER, MIXED = "lower", "title", "upper", "mixed"


def casing_of(token: str) -> str:
    if token.islower():  # fast paths (C string methods): nearly every token
        return LOWER
    if token.isupper():
        return UPPER if sum(c.isalpha() for c in token) > 1 else TITLE
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return LOWER
    if all(c.isupper() for c in letters):
        return UPPER if len(letters) > 1 else TITLE
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return TITLE
    if all(c.islower() for c in letters):
        return LOWER
    return MIXED


def apply_casing(word: str, like: str) -> str:
    """Give `word` (lowercase) the casing of the input token `like`.

    Mixed-case input is OCR noise, and the word takes the casing it most likely had: one
    opening with a lowercase letter ("cSng", "cGing": a capital Tesseract read for a
    lowercase letter inside) is lowercase, as its first letter says ("công", not "cÔng");
    one that ends in a capital with most of its letters capitals is a capitalised word
    whose marked letters Tesseract wrote lowercase ("HUYéN", "ĐIềU" → HUYỆN, ĐIỀU); any
    other opens with its capital ("PhUong", "LGi": a capital read for a lowercase
    letter → Phương, Lõi).  No Vietnamese syllable is written in mixed case, so keeping
    each position's case gave words such as "PhƯơng", "LỢi".
    """
    kind = casing_of(like)
    if kind == LOWER or like[:1].islower():
        return word
    if kind == UPPER:
        return word.upper()
    if kind == TITLE:
        return word[:1].upper() + word[1:]
    letters = [c for c in like if c.isalpha()]  # (MIXED, opening with a capital)
    if letters[-1].isupper() and 2 * sum(c.isupper() for c in letters) > len(letters):
        return word.upper()
    return word[:1].upper() + word[1:]


# ----------------------------------------------------------------- syllable shape
# Vietnamese spelling: which strings can be one syllable (the n-gram's vocabulary filter,
# the acronym table's test for words that are ordinary syllables).
_ONSETS = "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x".split()
# Rhymes without a final consonant only (they end in a glide or are closed diphthongs).
_OPEN_ONLY = ("ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu iêu yêu oai oay oao "
              "oeo uây uôi ươi ươu uya uyu uơ").split()
# Nuclei that may stand alone or take a final consonant.
_FREE = "a e ê i o ô ơ u ư y oa oe uê uy".split()
# Nuclei that need a final consonant.
_CLOSED = "ă â iê yê uô ươ uâ oă uyê oo".split()
_CODAS = "ch ng nh c m n p t k".split()  # k: Đắk Lắk and other place names
_STOP_CODAS = ("c", "ch", "p", "t", "k")  # only with the sắc (1) or nặng (5) tone


def _alt(items: Iterable[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(
    f"^(?:{_alt(_ONSETS)})?(?:(?:{_alt(_OPEN_ONLY)})|(?:{_alt(_FREE)})(?P<c1>{_alt(_CODAS)})?"
    f"|(?:{_alt(_CLOSED)})(?P<c2>{_alt(_CODAS)}))$")
MAX_SYLLABLE_LETTERS = 7


def plausible_syllable(s: str) -> bool:
    """Is `s` (normalized: lowercase NFC) shaped like one Vietnamese syllable?

    >>> [plausible_syllable(x) for x in ["nghiêng", "khuyếch", "đắk", "ubnd", "tăng", "tăc", "the"]]
    [True, True, True, False, True, False, True]
    """
    if not s or len(s) > MAX_SYLLABLE_LETTERS or not s.isalpha():
        return False
    if sum(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", s)) > 1:
        return False
    toneless, tone = split_tone(s)
    m = _SYLLABLE.match(toneless)
    if not m:
        return False
    coda = m.group("c1") or m.group("c2")
    return coda not in _STOP_CODAS or tone in (1, 5)
