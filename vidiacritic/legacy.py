"""Legacy Vietnamese encodings: the TCVN3 and VNI font encodings, and Windows-1258
the way Windows writes it; their names, and the Vietnamese letters they encode.

Legacy Vietnamese font encodings (``legacy="auto"|"tcvn3"|"vni"|"none"``):

* **TCVN3 (ABC, TCVN 5712:1993 VN3)** puts the 134 lowercase Vietnamese letters and
  the capitals Ă Â Ê Ô Ơ Ư Đ in 0xA1–0xFE.  Capitals with tone marks were drawn
  with a separate "H" font (.VnTimeH) using the *lowercase* codes, so that case is
  lost in the bytes; the remaining VN1 capital positions of the same standard are
  decoded too.  0x80–0x9F keep their Windows-1252 meaning (smart quotes, dashes).
* **VNI (VNI-Windows)** writes a base letter followed by a mark byte: ``a``+``ø``
  = à, ``a``+``â`` = â, ``a``+``à`` = ầ, ``o``+``ä`` = ộ …; ơ ư đ are the single
  bytes ô ö ñ, the i-vowels with tone are single bytes (ì í æ ó ò) and ỵ is î.

Both are usually met either as raw bytes or, after a font-unaware conversion
to Unicode, as the Windows-1252 characters of those bytes ("Bé T­ph¸p").
Both forms are read here; :mod:`vidiacritic.encodings` decides which, if any,
applies.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Dict, Optional, Tuple

from .text import compose_marks

# ----------------------------------------------------------------- Vietnamese letters
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, grave, acute, hook, tilde, dot
_BASE_VOWELS = "aăâeêioôơuưy"


def _all_letters() -> frozenset:
    out = set("abcdefghijklmnopqrstuvwxyzđ")
    for v in _BASE_VOWELS:
        for t in _TONES:
            out.add(unicodedata.normalize("NFC", v + t))
    out |= {c.upper() for c in out}
    return frozenset(out)


VIETNAMESE_LETTERS = _all_letters()
_TONE_SET = frozenset(_TONES[1:])

# ----------------------------------------------------------------- TCVN3 (ABC)
# 0xA0–0xFF of TCVN 5712:1993 (the VN3 lowercase set plus the VN1 capitals that share
# the range); 0xB0–0xB4 are the standard's combining tone marks.
_TCVN3_HIGH = (
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"                       # A0–AF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"    # B0–BF
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"                             # C0–CF
    "éẹềểễếệìỉỄẾỒĩíịò"                             # D0–DF
    "Ổỏõóọồổỗốộờởỡớợù"                             # E0–EF
    "ỖủũúụừửữứựỳỷỹýỵỐ"                             # F0–FF
)
assert len(_TCVN3_HIGH) == 96


def _cp1252_char(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: undefined, keep Latin-1 meaning
        return chr(b)


_TCVN3_DECODE = "".join(chr(b) for b in range(0x80)) + "".join(
    _cp1252_char(b) for b in range(0x80, 0xA0)) + _TCVN3_HIGH
_TCVN3_ENCODE: Dict[str, int] = {}
for _b, _ch in enumerate(_TCVN3_DECODE):
    if _b >= 0xA0 and not unicodedata.combining(_ch):
        _TCVN3_ENCODE.setdefault(_ch, _b)

# ----------------------------------------------------------------- VNI (VNI-Windows)
# Mark bytes (as their Windows-1252 characters, lowercase form; capitals use the
# uppercase Latin-1 letter): tone only, quality only, quality + tone.
_VNI_TONE = {"ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "à": "\u0300", "á": "\u0301", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "è": "\u0300", "é": "\u0301", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Letters written as a single byte.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_tables() -> Tuple[Dict[str, str], Dict[str, str]]:
    """(two-character sequence → letter, single character → letter), both cases."""
    pairs: Dict[str, str] = {}

    def add(base: str, mark: str, letter: str) -> None:
        letter = unicodedata.normalize("NFC", letter)
        pairs[base + mark] = letter
        pairs[base.upper() + mark.upper()] = letter.upper()
        pairs[base.upper() + mark] = letter.upper()     # title case "Ấn" written "Aán"
        pairs[base + mark.upper()] = letter

    for base in "aeouy":
        for mark, tone in _VNI_TONE.items():
            add(base, mark, base + tone)
    for base in "ôö":  # ơ ư take a tone byte after them
        for mark, tone in _VNI_TONE.items():
            add(base, mark, _VNI_SINGLE[base] + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRC.items():
            add(base, mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a", mark, "a\u0306" + tone)
    single = dict(_VNI_SINGLE)
    single.update({k.upper(): v.upper() for k, v in _VNI_SINGLE.items()})
    return pairs, single


_VNI_PAIRS, _VNI_SINGLES = _vni_tables()
_VNI_MARKS = "".join(sorted({k[1] for k in _VNI_PAIRS}))
_VNI_RE = re.compile("[aeouyAEOUYôöÔÖ][" + re.escape(_VNI_MARKS) + "]|["
                     + re.escape("".join(_VNI_SINGLES)) + "]")


def _vni_sub(m: "re.Match[str]") -> str:
    seq = m.group(0)
    letter = _VNI_PAIRS.get(seq)
    if letter is not None:
        return letter
    # a mark byte where VNI allows none ("eê"): convert each character on its own
    return "".join(_VNI_SINGLES.get(ch, ch) for ch in seq)


def _vni_encode_table() -> Dict[str, str]:
    enc: Dict[str, str] = {}
    for seq, letter in _VNI_PAIRS.items():
        # canonical spelling: the mark byte has the case of the letter
        if (seq[0].isupper() == seq[1].isupper()) or not seq[1].isalpha():
            enc.setdefault(letter, seq)
    for ch, letter in _VNI_SINGLES.items():
        enc[letter] = ch
    return enc


_VNI_ENCODE = _vni_encode_table()


# ----------------------------------------------------------------- conversions
def tcvn3_to_unicode(data: bytes) -> str:
    """Decode TCVN3 (ABC) bytes; NFC."""
    return compose_marks(data.decode("latin-1").translate(_TCVN3_TRANSLATE))


_TCVN3_TRANSLATE = {i: _TCVN3_DECODE[i] for i in range(0x80, 0x100)}


def vni_to_unicode(text: str) -> str:
    """Convert VNI text (its bytes read as Windows-1252 characters) to Unicode; NFC."""
    return compose_marks(_VNI_RE.sub(_vni_sub, text))


def encode_tcvn3(text: str) -> bytes:
    """Unicode → TCVN3 bytes (for tests and tools).  Capitals with tone marks that the
    standard lacks are written with the lowercase code, as the .VnTimeH fonts did."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch.lower() in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch.lower()])
        else:
            out += ch.encode("cp1252")
    return bytes(out)


def encode_vni(text: str) -> bytes:
    """Unicode → VNI-Windows bytes (for tests and tools)."""
    return "".join(_VNI_ENCODE.get(ch, ch)
                   for ch in unicodedata.normalize("NFC", text)).encode("cp1252")


def encode_cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 the way Windows writes it: letters with their vowel-quality
    marks precomposed, tone marks as combining characters (for tests and tools)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in nfd if c in _TONE_SET)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONE_SET))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def _as_cp1252_bytes(text: str) -> Optional[bytes]:
    """The bytes a font-unaware converter started from, or None if `text` has
    characters outside Windows-1252/Latin-1."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            out.append(ord(ch))
    return bytes(out)


def _cp1252_text(data: bytes) -> str:
    """Windows-1252 decoding that never fails (undefined bytes keep their Latin-1 meaning)."""
    return data.decode("latin-1").translate(_CP1252_TRANSLATE)


_CP1252_TABLE = [chr(b) if b < 0x80 else _cp1252_char(b) for b in range(256)]
_CP1252_TRANSLATE = {b: _CP1252_TABLE[b] for b in range(0x80, 0x100)}


# ----------------------------------------------------------------- names
# The names encoding= and --encoding accept for the font encodings (after encoding_key).
LEGACY_NAMES = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vni": "vni", "vni-windows": "vni"}
UTF8_NAMES = ("utf-8", "utf8")


def encoding_key(name: str) -> str:
    """An encoding name as compared here: lowercase, with "_" read as "-"."""
    return name.lower().replace("_", "-")


def legacy_name(encoding: str) -> Optional[str]:
    """"tcvn3" or "vni" when `encoding` names a legacy font encoding, else None."""
    return LEGACY_NAMES.get(encoding_key(encoding))
