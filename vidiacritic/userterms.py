"""The user's own terms: names and phrases a person teaches the restorer once.

A lexicon file is UTF-8 text, one term or phrase per line, written exactly as it
should come out (``Sùng Phài``, ``bản Huổi Luông``, ``Ban Chỉ đạo 35``); ``#`` starts
a comment (a whole line, or the rest of one), blank lines are ignored.  A term's
words are letters, digits and hyphens (``Nà-Tăm``).  Anything else — bytes that are
not UTF-8, a control character, a line longer than MAX_LINE characters or with more
than MAX_WORDS words, a word with other characters — is a :class:`LexiconError`
naming the file and the line.

The restorer (``Restorer(lexicon=...)``) uses the terms through its lattice, like the
built-in phrase lexicon but ahead of it: a term is matched over the words' candidate
sets, so it is chosen only where the OCR could have produced it, and a syllable of a
term is a candidate of every word whose letters read as it (a local name's syllable
that the language model never saw, like ``Phài``, included).  A term syllable written
with a capital (a name) matches only words written with one: ``Nậm`` is never put for
the lowercase ``năm`` (year).
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from typing import Dict, Iterable, List, NamedTuple, Sequence, Tuple, Union

from .errors import VidiacriticError
from .text import nfc, normalize_syllable

# A line longer than this is no term (a pasted paragraph, a binary file).
MAX_LINE = 200
# Words of one term at most (the built-in lexicon's phrases have 2-8 syllables).
MAX_WORDS = 12
# Characters of one syllable at most (the longest Vietnamese syllable has 7 letters;
# numbers such as 35 or 2025 are shorter than this too).
MAX_SYLLABLE = 12

PathLike = Union[str, "os.PathLike[str]"]


class LexiconError(VidiacriticError, ValueError):
    """A lexicon file that cannot be read or has a bad line (file and line named)."""


class Part(NamedTuple):
    """One syllable of a term."""

    syllable: str  # normalized (lowercase, NFC, traditional tones), or a number's digits
    capital: bool  # written with a capital first letter: matches capitalized words only
    hyphen: bool  # joined to the previous part by a hyphen (not a space)


class Term(NamedTuple):
    text: str  # as written in the file
    parts: Tuple[Part, ...]
    where: str  # "FILE:LINE", for messages


class UserTerms:
    """The terms of one or more lexicon files (see the module docstring)."""

    def __init__(self, terms: Iterable[Term] = ()):
        self.terms: List[Term] = []
        self._by_first: Dict[str, List[Term]] = {}
        self.syllables: Dict[str, bool] = {}  # letter syllables → any written with a capital
        self._seen: set = set()
        for t in terms:
            self.add(t)

    def add(self, term: Term) -> None:
        key = tuple(term.parts)
        if key in self._seen:
            return
        self._seen.add(key)
        self.terms.append(term)
        self._by_first.setdefault(term.parts[0].syllable, []).append(term)

    def __len__(self) -> int:
        return len(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def starting_with(self, syllable: str) -> List[Term]:
        return self._by_first.get(syllable, [])

    def letter_syllables(self) -> Dict[str, Tuple[bool, bool]]:
        """Every letter syllable of the terms → (written lowercase somewhere,
        written with a capital somewhere)."""
        out: Dict[str, Tuple[bool, bool]] = {}
        for t in self.terms:
            for p in t.parts:
                if p.syllable.isdigit():
                    continue
                low, cap = out.get(p.syllable, (False, False))
                out[p.syllable] = (low or not p.capital, cap or p.capital)
        return out

    def digest(self) -> str:
        """Identifies the terms (part of Restorer.version: batch redoes outputs made
        with other terms)."""
        h = hashlib.sha256()
        for t in sorted(self.terms, key=lambda t: t.parts):
            h.update(repr(tuple(t.parts)).encode("utf-8"))
        return h.hexdigest()[:16]


def parse_line(line: str, where: str) -> Union[Term, None]:
    """The term of one line (comments and blanks: None), or LexiconError."""
    bad = next((c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
                and c != "\t"), None)
    if bad is not None:
        raise LexiconError(f"{where}: control or unassigned character U+{ord(bad):04X}")
    if len(line) > MAX_LINE:
        raise LexiconError(f"{where}: line is {len(line)} characters long (at most {MAX_LINE})")
    text = nfc(line.split("#", 1)[0]).strip()
    if not text:
        return None
    words = text.split()
    if len(words) > MAX_WORDS:
        raise LexiconError(f"{where}: {len(words)} words in one term (at most {MAX_WORDS})")
    parts: List[Part] = []
    for word in words:
        pieces = word.split("-")
        for k, piece in enumerate(pieces):
            if not piece:
                raise LexiconError(f"{where}: {word!r}: a hyphen must join two words")
            if not (piece.isalpha() or piece.isdigit()) or len(piece) > MAX_SYLLABLE:
                raise LexiconError(f"{where}: {word!r} is not a word (letters, digits and hyphens "
                                   f"only, at most {MAX_SYLLABLE} characters between hyphens)")
            syl = piece if piece.isdigit() else normalize_syllable(piece)
            parts.append(Part(syl, piece[0].isupper(), k > 0))
    return Term(text, tuple(parts), where)


def parse_bytes(data: bytes, name: str) -> List[Term]:
    """The terms of a lexicon file's bytes; LexiconError on the first bad line."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark (Windows editors)
        data = data[3:]
    terms: List[Term] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if raw.endswith(b"\r"):  # CRLF line ends
            raw = raw[:-1]
        where = f"{name}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LexiconError(f"{where}: not UTF-8 (byte 0x{raw[e.start]:02X} at column {e.start + 1})") from None
        term = parse_line(line, where)
        if term is not None:
            terms.append(term)
    return terms


def load(paths: Union[PathLike, Sequence[PathLike], "UserTerms", None]) -> UserTerms:
    """UserTerms from one path or several (or an existing UserTerms, returned as is)."""
    if isinstance(paths, UserTerms):
        return paths
    if paths is None:
        return UserTerms()
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    out = UserTerms()
    for path in paths:
        name = os.fsdecode(path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise LexiconError(f"cannot read lexicon {name}: {e.strerror or e}") from None
        for term in parse_bytes(data, name):
            out.add(term)
    return out


def format_term(text: str) -> str:
    """`text` checked as one lexicon line (LexiconError if it is not a term) and
    returned NFC, stripped: what the review page appends to a lexicon file."""
    if "\n" in text or "\r" in text or "#" in text:
        raise LexiconError("a term is one line without '#'")
    term = parse_line(text, "term")
    if term is None:
        raise LexiconError("empty term")
    return term.text
