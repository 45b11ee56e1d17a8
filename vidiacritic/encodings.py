"""Bytes → text for `vidiacritic fix` and `vidiacritic batch`.

``decode_bytes(data)`` turns the bytes of one file into NFC text (letters with
combining marks composed; other characters exactly as decoded, see
``text.compose_marks``), or raises
``DecodeError`` with a one-line reason.  The order of the checks:

1. An explicit ``encoding`` wins (strict decoding; "tcvn3" and "vni" are accepted
   as names of the legacy font encodings below).
2. A byte-order mark: UTF-8, UTF-32 and UTF-16 with BOM.
3. Binary detection: file signatures (PNG, PDF, ZIP, …), NUL bytes, or a high
   share of control characters.  Binary files are refused, never "decoded".
4. Valid UTF-8.
5. Not valid UTF-8, but mostly UTF-8 (at least as many valid multi-byte sequences
   as invalid ones): damaged UTF-8, an error naming the first bad byte.  It is never
   guessed to be another code page (that turned "Việt" into "Vi·ªát" as mac_iceland).
6. Otherwise the Vietnamese single-byte candidates — Windows-1258 (whose tone marks
   are *combining* characters, hence the NFC), TCVN3 and VNI — are scored by how
   much of the text reads as Vietnamese syllables; a clear winner is taken, cp1258
   preferred on near-ties.  If none reads as Vietnamese, it is an error: the
   encoding is only guessed among those that make sense for Vietnamese text, so a
   Latin-1 or Windows-1252 file (smart quotes in ASCII text) needs ``encoding=``.

``errors="replace"`` turns the errors of 1, 2, 5 and 6 into U+FFFD replacements
(strictly as UTF-8 in 5 and 6), counted in ``DecodedText.replaced``; the default,
``"strict"``, raises ``DecodeError``.

TCVN3 and VNI (``legacy="auto"|"tcvn3"|"vni"|"none"``) are read by
:mod:`vidiacritic.legacy`; ``legacy="auto"`` converts only when the text is clearly
in that encoding: at least a quarter of its words read as Vietnamese after the
conversion, almost none are broken, and it reads much better than before.
"""
from __future__ import annotations

import codecs
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Tuple

from .legacy import (_TONE_SET, UTF8_NAMES, VIETNAMESE_LETTERS, _as_cp1252_bytes, _cp1252_text, encode_cp1258,
                     encode_tcvn3, encode_vni, encoding_key, legacy_name, tcvn3_to_unicode, vni_to_unicode)
from .text import compose_marks

__all__ = ["DecodeError", "DecodedText", "decode_bytes", "decode_with_info", "ERRORS_CHOICES",
           "tcvn3_to_unicode", "vni_to_unicode", "encode_tcvn3", "encode_vni", "encode_cp1258",
           "LEGACY_CHOICES", "known_encoding"]

LEGACY_CHOICES = ("auto", "tcvn3", "vni", "none")
ERRORS_CHOICES = ("strict", "replace")


class DecodeError(ValueError):
    """The bytes are not text we can read; the message is one line.  `replaceable`:
    decoding with errors="replace" would succeed (the file is text with bad bytes)."""

    def __init__(self, message: str, replaceable: bool = False):
        super().__init__(message)
        self.replaceable = replaceable


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # what was used: "utf-8", "utf-8-sig", "utf-16", "cp1258", "tcvn3", "vni", …
    replaced: int = 0  # invalid byte sequences replaced by U+FFFD (errors="replace")




# ----------------------------------------------------------------- scoring
_EDGE_PUNCT = "\"'`()[]{}<>.,;:!?-–—…“”‘’«»*/\\|_+=~^%&#@$"
_ALLOWED_SYMBOLS = frozenset("“”‘’–—…«»°§№€¢®¥©•\u00ad")
_SAMPLE_CHARS = 65536
# Enough text to judge an encoding by (about 1,500 words).
_SCORE_CHARS = 8192


@dataclass
class _Score:
    good: int = 0      # words with a non-ASCII Vietnamese letter that read as Vietnamese
    bad: int = 0       # words with characters or tone combinations Vietnamese never has
    words: int = 0     # all words with at least one letter

    @property
    def value(self) -> float:
        judged = self.good + self.bad
        return (self.good - 2 * self.bad) / judged if judged else 0.0

    @property
    def density(self) -> float:
        return self.good / self.words if self.words else 0.0


_NOT_WORD, _NEUTRAL, _GOOD, _BAD = 0, 1, 2, 3


@lru_cache(maxsize=4096)
def _classify(tok: str) -> int:
    tok = tok.strip(_EDGE_PUNCT)
    if not tok:
        return _NOT_WORD
    if tok.isascii():
        return _NEUTRAL if any(c.isalpha() for c in tok) else _NOT_WORD
    bad = vi = has_letter = False
    letters = []
    for ch in tok:
        if ch.isalpha():
            has_letter = True
            letters.append(ch)
            if ch in VIETNAMESE_LETTERS:
                vi = vi or ord(ch) > 0x7F
            else:
                bad = True
        elif ord(ch) > 0x7F and ch not in _ALLOWED_SYMBOLS:
            bad = True
    if not has_letter and not bad:
        return _NOT_WORD
    if not bad:
        tones = sum(1 for c in unicodedata.normalize("NFD", tok) if c in _TONE_SET)
        word = "".join(letters)
        casing_ok = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
        bad = tones > 1 or not casing_ok
    return _BAD if bad else _GOOD if vi else _NEUTRAL


def _vietnamese_score(text: str) -> _Score:
    s = _Score()
    for tok in text[:_SCORE_CHARS].split():
        kind = _classify(tok)
        if kind == _NOT_WORD:
            continue
        s.words += 1
        if kind == _GOOD:
            s.good += 1
        elif kind == _BAD:
            s.bad += 1
    return s


def _clearly(candidate: _Score, baseline: _Score) -> bool:
    """Is `candidate` clearly Vietnamese, and clearly better than `baseline`?"""
    return (candidate.good >= 2 and candidate.density >= 0.25 and candidate.value >= 0.6
            and candidate.value >= baseline.value + 0.3)


def _legacy_from_text(text: str, legacy: str) -> Optional[DecodedText]:
    """Convert text that is really TCVN3/VNI shown as Windows-1252 characters."""
    if legacy == "none" or text.isascii():
        return None
    raw = _as_cp1252_bytes(text[:_SCORE_CHARS] if legacy == "auto" else text)
    if raw is None:
        return None
    if legacy == "tcvn3":
        return DecodedText(tcvn3_to_unicode(_as_cp1252_bytes(text) or b""), "tcvn3")
    if legacy == "vni":
        return DecodedText(vni_to_unicode(text), "vni")
    base = _vietnamese_score(text)
    cands = [("tcvn3", tcvn3_to_unicode(raw)), ("vni", vni_to_unicode(text[:_SCORE_CHARS]))]
    best = None
    for name, converted in cands:
        sc = _vietnamese_score(converted)
        if _clearly(sc, base) and (best is None or sc.value > best[1].value):
            best = (name, sc)
    if best is None:
        return None
    full_raw = _as_cp1252_bytes(text)
    if best[0] == "tcvn3":
        return DecodedText(tcvn3_to_unicode(full_raw or b""), "tcvn3")
    return DecodedText(vni_to_unicode(text), "vni")


# ----------------------------------------------------------------- binary detection
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"), (b"PK\x05\x06", "ZIP archive"),
    (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"), (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"), (b"\x1f\x8b", "gzip data"),
    (b"BZh", None), (b"\xfd7zXZ\x00", "xz data"), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"), (b"\x7fELF", "ELF executable"), (b"MZ", None),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (doc/xls)"),
    (b"RIFF", None), (b"\x00\x00\x01\x00", "icon"),
)
_CONTROL_BYTES = frozenset(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1A} | {0x7F})
_CONTROL_RATIO = 0.05


def _binary_reason(data: bytes) -> Optional[str]:
    for magic, what in _MAGIC:
        if what and data.startswith(magic):
            return f"binary file ({what})"
    head = data[:_SAMPLE_CHARS]
    if b"\x00" in head or b"\x00" in data:
        return "binary file (NUL bytes)"
    if head:
        controls = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
        if controls / len(head) > _CONTROL_RATIO:
            return "binary file (control characters)"
    return None


# ----------------------------------------------------------------- decoding
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1]
        raise DecodeError(f"cannot decode as {encoding}: {exc.reason} "
                          f"(byte 0x{bad.hex()} at offset {exc.start})", replaceable=True) from None
    except LookupError:
        raise DecodeError(f"unknown encoding: {encoding}") from None


_COUNTER = threading.local()


def _count_and_replace(exc: UnicodeError) -> Tuple[str, int]:
    """The "replace" error handler, counting its replacements (per thread)."""
    _COUNTER.n += 1
    return "\ufffd", exc.end  # type: ignore[attr-defined]


codecs.register_error("vidiacritic.replace", _count_and_replace)


def _replacing(data: bytes, encoding: str) -> Tuple[str, int]:
    """`data` decoded with each invalid sequence replaced by U+FFFD, and how many were."""
    _COUNTER.n = 0
    try:
        return data.decode(encoding, "vidiacritic.replace"), _COUNTER.n
    except LookupError:
        raise DecodeError(f"unknown encoding: {encoding}") from None


def _decode(data: bytes, encoding: str, errors: str) -> Tuple[str, int]:
    if errors == "replace":
        return _replacing(data, encoding)
    return _strict(data, encoding), 0


def _finish(text: str, encoding: str, legacy: str, replaced: int = 0) -> DecodedText:
    if text.startswith("\ufeff"):
        text = text[1:]
    converted = _legacy_from_text(text, legacy)
    if converted is not None:
        return DecodedText(converted.text, converted.encoding, replaced)
    return DecodedText(compose_marks(text), encoding, replaced)


def _single_byte(data: bytes, legacy: str) -> Optional[DecodedText]:
    """Bytes that are not UTF-8: the Vietnamese single-byte candidates (Windows-1258,
    TCVN3, VNI), or None when none of them clearly reads as Vietnamese.  Other code
    pages are never guessed: a general detector (charset-normalizer) read one stray
    byte in UTF-8 text as mac_iceland and Latin-1 as cp1257, silently."""
    sample = data[:_SCORE_CHARS]
    if legacy == "tcvn3":
        return DecodedText(tcvn3_to_unicode(data), "tcvn3")
    if legacy == "vni":
        return DecodedText(vni_to_unicode(_cp1252_text(data)), "vni")
    cands: List[Tuple[str, str, _Score]] = []
    try:
        cp = unicodedata.normalize("NFC", sample.decode("cp1258"))
        cands.append(("cp1258", cp, _vietnamese_score(cp)))
    except UnicodeDecodeError:
        pass
    plain = _vietnamese_score(_cp1252_text(sample))
    cp1258 = cands[0][2] if cands else _Score()
    if legacy == "auto":
        best_legacy: Optional[Tuple[str, _Score]] = None
        for name, converted in (("tcvn3", tcvn3_to_unicode(sample)),
                                ("vni", vni_to_unicode(_cp1252_text(sample)))):
            sc = _vietnamese_score(converted)
            if (_clearly(sc, plain) and sc.value >= cp1258.value + 0.2
                    and (best_legacy is None or sc.value > best_legacy[1].value)):
                best_legacy = (name, sc)
        if best_legacy is not None:
            if best_legacy[0] == "tcvn3":
                return DecodedText(tcvn3_to_unicode(data), "tcvn3")
            return DecodedText(vni_to_unicode(_cp1252_text(data)), "vni")
    if cands and cp1258.good >= 1 and cp1258.value >= 0.5 and cp1258.value >= plain.value:
        try:
            return DecodedText(compose_marks(data.decode("cp1258")), "cp1258")
        except UnicodeDecodeError:  # an undefined byte past the sample
            pass
    return None


def _not_utf8(data: bytes, exc: UnicodeDecodeError, legacy: str, errors: str) -> DecodedText:
    """Bytes with no BOM that are not valid UTF-8: damaged UTF-8 (an error), a
    Vietnamese single-byte encoding, or an error."""
    where = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    replaced_text, replaced = _replacing(data, "utf-8")
    non_ascii = len(replaced_text) - len(replaced_text.encode("ascii", "ignore"))
    valid = non_ascii - replaced  # characters UTF-8 encodes in 2-4 bytes, read as such
    if valid >= 1 and valid >= replaced:
        if errors == "replace":
            return _finish(replaced_text, "utf-8", legacy, replaced)
        raise DecodeError(f"not valid UTF-8: {replaced} invalid byte sequence(s) in UTF-8 text, the first "
                          f"{where}; if it is another encoding, name it with --encoding",
                          replaceable=True)
    found = _single_byte(data, legacy)
    if found is not None:
        return found
    if errors == "replace":
        return _finish(replaced_text, "utf-8", legacy, replaced)
    raise DecodeError(f"cannot detect the encoding: not UTF-8 ({where}) and not Vietnamese in "
                      "Windows-1258, TCVN3 or VNI; name it with --encoding (e.g. cp1252, latin-1)",
                      replaceable=True)


def decode_with_info(data: bytes, encoding: Optional[str] = None, legacy: str = "auto",
                     errors: str = "strict") -> DecodedText:
    """Like `decode_bytes`, also saying which encoding was used (and how many byte
    sequences were replaced, with errors="replace")."""
    if legacy not in LEGACY_CHOICES:
        raise ValueError(f"legacy must be one of {', '.join(LEGACY_CHOICES)}, not {legacy!r}")
    if errors not in ERRORS_CHOICES:
        raise ValueError(f"errors must be one of {', '.join(ERRORS_CHOICES)}, not {errors!r}")
    if encoding:
        font = legacy_name(encoding)
        if font == "tcvn3":
            return DecodedText(tcvn3_to_unicode(data), "tcvn3")
        if font == "vni":
            return DecodedText(vni_to_unicode(_cp1252_text(data)), "vni")
        if encoding_key(encoding) in UTF8_NAMES and data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        text, replaced = _decode(data, encoding, errors)
        return _finish(text, encoding, legacy, replaced)
    if not data:
        return DecodedText("", "utf-8")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text, replaced = _decode(data, enc, errors)
            return _finish(text, enc, legacy, replaced)
    reason = _binary_reason(data)
    if reason:
        raise DecodeError(reason)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(data, exc, legacy, errors)
    return _finish(text, "utf-8" if not text.isascii() else "ascii", legacy)


def decode_bytes(data: bytes, encoding: Optional[str] = None, legacy: str = "auto",
                 errors: str = "strict") -> str:
    """Decode one file's bytes to NFC text.

    encoding: force a codec; None detects (UTF-8, a BOM, Windows-1258, TCVN3, VNI: no
    other code page is guessed).  legacy: "auto" converts TCVN3/VNI text when it is
    clearly in that encoding, "tcvn3"/"vni" force the conversion, "none" never
    converts.  errors: "strict" raises DecodeError (a ValueError) with a one-line
    message on bytes that do not decode; "replace" puts U+FFFD in their place
    (`decode_with_info` says how many).

    >>> decode_bytes("Việt Nam".encode("utf-8"))
    'Việt Nam'
    >>> decode_bytes(b"Vi\\xd6t Nam \\xae\\xe9c l\\xcbp", legacy="tcvn3")
    'Việt Nam độc lập'
    """
    return decode_with_info(data, encoding, legacy, errors).text


def known_encoding(name: str) -> bool:
    """Whether `encoding=name` is accepted: a Python codec or a legacy font encoding's name."""
    if legacy_name(name) is not None:
        return True
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
