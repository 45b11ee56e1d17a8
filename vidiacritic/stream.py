"""Streaming restoration: memory bounded by a constant, whatever the input's size.

The restorer holds every token, lattice and score of the text it is given, about
1 GB per MB of text.  This module restores a document in *pieces* of at most
PIECE_CHARS characters and PIECE_WORDS words instead, so that memory depends on the
piece size only:

* a piece ends after a blank line (a paragraph break) when it can: chains, the
  scorer's segments and every other context already stop there, so restoring the
  document piece by piece gives what restoring it whole gives (the dev report, one
  piece, is byte-identical; the seq2seq scorer batches segments per call, which could
  move a near-tie);
* a paragraph longer than a piece is cut after a line end, a line longer than a piece
  after a whitespace character, and a run without whitespace (a 50 MB token) at
  PIECE_CHARS, before an ASCII character so that NFC reads
  both sides alike.  Only these cuts change what the restorer sees (a context ends
  there).
The cuts depend on the text only, never on how it was read, so the output of
``restore_stream`` is always ``"".join(restorer.restore(p, ...) for p in pieces(text))``.

Whether a document is OCR output (the restorer reads OCR marks only then) is decided
for the whole document, as ``Restorer.restore`` would: a first pass counts the words
with OCR marks over every piece, then a second pass restores.  A file is therefore read
twice; standard input is first copied to an anonymous temporary file (disk, not
memory, grows with the input).

Decoding: a valid UTF-8 file (the usual case) is decoded incrementally.  Anything else
(another or a legacy encoding, a BOM other than UTF-8's, an invalid byte) is decoded
whole by :func:`vidiacritic.encodings.decode_bytes`, as before: detection needs all the
bytes.  The head of every streamed file is decoded both ways and must agree, so the
streamed text is the text ``decode_bytes`` gives.
"""
from __future__ import annotations

import codecs
import itertools
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, Tuple

from .errors import VidiacriticError
from .legacy import UTF8_NAMES, encoding_key
from .text import compose_marks

# Largest piece the restorer sees: at most PIECE_CHARS characters and PIECE_WORDS
# words.  Memory grows with words times candidates, so dense one-letter words are the
# worst case: in pieces of this size "a a a …" peaked at 519 MB and "s6 d¢ …" (OCR
# marks, 24 candidates each) at 541 MB (models loaded: ~260 MB; whole, 32k such words
# took 936 MB); 330k syllables of legal text through `fix`: 462 MB (2.86 GB whole).
# A call costs ~1 ms of fixed overhead, so pieces this size cost no speed.
PIECE_CHARS = 65536
PIECE_WORDS = 8192
# Bytes read at a time.
READ_BYTES = 1 << 16
# Files up to this size are decoded whole; larger ones are checked on their first
# HEAD_BYTES (binary magic, control characters, legacy encodings look there) and then
# streamed when they are plain UTF-8.
HEAD_BYTES = 1 << 18

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")  # symmetric: also found in the reversed text
_WHITESPACE = re.compile(r"\s")
_WORD_START = re.compile(r"(?<!\S)\S")  # a non-space character after a space or at the start
_LAST_ASCII = re.compile(r"[\x00-\x7f]")  # searched in the reversed text


# ---------------------------------------------------------------- cutting into pieces
def _cut(window: str) -> int:
    """Where to end a piece that must fit in `window` (more text follows it): after
    the last paragraph break, else the last line end, else the last whitespace, else at
    an ASCII character in the window's second half (else at its end).  Always >= 1."""
    rev = window[::-1]  # the first match in the reversed window is the last one
    m = _PARAGRAPH_BREAK.search(rev)
    if m is not None:
        return len(window) - m.start()
    nl = window.rfind("\n")
    if nl >= 0:
        return nl + 1
    m = _WHITESPACE.search(rev)
    if m is not None:
        return len(window) - m.start()
    # No whitespace at all: cut before an ASCII character, which composes with nothing
    # before it and is never reordered, so NFC of each side is NFC of the whole.
    for cut in range(len(window) - 1, len(window) // 2, -1):
        if window[cut].isascii():
            return cut
    return len(window)


def pieces(chunks: Iterable[str], max_chars: int = PIECE_CHARS,
           max_words: int = PIECE_WORDS) -> Iterator[str]:
    """The text of `chunks` (concatenated) in pieces of at most `max_chars` characters
    and `max_words` whitespace-separated words, cut as the module docstring says.  The
    pieces depend only on the text, not on how it is chunked."""
    if max_chars < 2 or max_words < 1:
        raise ValueError("pieces need max_chars >= 2 and max_words >= 1")
    buf = ""
    for chunk in chunks:
        buf += chunk
        start = 0
        # Cut only while more than a piece is buffered: the cut is then a function of
        # the text of the window alone.
        while True:
            window = _window(buf, start, max_chars, max_words)
            if window is None:
                break
            end = start + _cut(window)
            yield buf[start:end]
            start = end
        buf = buf[start:]
    while buf:  # the end of the text: the rest, cut as above where it is too long
        window = _window(buf, 0, max_chars, max_words)
        end = len(buf) if window is None else _cut(window)
        yield buf[:end]
        buf = buf[end:]


def _window(buf: str, start: int, max_chars: int, max_words: int) -> Optional[str]:
    """The text a piece starting at `start` must fit in, or None while `buf` from there
    holds no more than a piece (at most max_chars characters, at most max_words words:
    the word after the last one that fits has not started)."""
    window = buf[start:start + max_chars + 1]
    over = None
    for i, m in enumerate(_WORD_START.finditer(window)):
        if i == max_words:  # where word max_words + 1 starts
            over = m.start()
            break
    if over is not None:
        return window[:over]
    if len(window) > max_chars:
        return window[:max_chars]
    return None


# ---------------------------------------------------------------- restoring
def ocr_document(restorer, texts: Iterable[str]) -> bool:
    """Whether the document made of `texts` is OCR output, counted as the restorer
    counts it on the whole document (Restorer.ocr_word_counts), at the restorer's own
    share (Config.ocr_document_share), as Restorer.restore decides it for one text."""
    from .reading import is_ocr_document

    marked = words = 0
    odds: Optional[float] = None
    for text in texts:
        m, w, o = restorer.ocr_word_counts(text)
        marked += m
        words += w
        if o is not None:
            odds = o if odds is None else odds + o
    return is_ocr_document(marked, words, restorer.config.ocr_document_share, odds)


def restore_stream(restorer, read: Callable[[], Iterable[str]], max_chars: int = PIECE_CHARS,
                   max_words: int = PIECE_WORDS) -> Iterator[str]:
    """Restore the document that `read()` yields in chunks (called twice: once to
    decide whether it is OCR output, once to restore it), one restored piece at a time."""
    if not hasattr(restorer, "ocr_word_counts"):  # another restorer (tests, plug-ins): piece by piece
        for piece in pieces(read(), max_chars, max_words):
            yield restorer.restore(piece)
        return
    whole, decision = _first_pass(restorer, read, max_chars, max_words)
    if whole is not None:  # (one piece, or none: the restorer decides on it, as on any text)
        if whole:
            yield restorer.restore(whole)
        return
    for piece in pieces(read(), max_chars, max_words):
        yield restorer.restore(piece, ocr_document=decision)


def _first_pass(restorer, read: Callable[[], Iterable[str]], max_chars: int,
                max_words: int) -> Tuple[Optional[str], bool]:
    """(the document's text, False) when it makes one piece ("" when it is empty), else
    (None, whether the document is OCR output: ocr_document over all its pieces), in one
    reading of `read()`.  A text of one piece is restored as restore() restores it,
    which decides from the text whether it is OCR output, as ocr_document would
    (Restorer.ocr_word_counts counts what the restorer counts): only a text of several
    pieces needs the decision made first over all of them.  (For the dev OCR report, one
    piece, the pass counting its words had cost 0.05 s.)"""
    it = pieces(read(), max_chars, max_words)
    try:
        first = next(it, None)
        second = next(it, None) if first is not None else None
        if second is None:
            return first or "", False
        return None, ocr_document(restorer, itertools.chain((first, second), it))
    finally:
        it.close()  # (the file the chunks come from is closed now, not when collected)


def explain_stream(restorer, read: Callable[[], Iterable[str]], max_chars: int = PIECE_CHARS,
                   max_words: int = PIECE_WORDS) -> Iterator[Tuple[int, Any]]:
    """restorer.explain of the document that `read()` yields in chunks (called twice,
    as restore_stream calls it), piece by piece: (offset of the piece in the text, its
    Explanation), the OCR decision made for the whole document.  A word's position in
    the whole text is the offset plus its start in the piece."""
    offset = 0
    if not hasattr(restorer, "ocr_word_counts"):
        for piece in pieces(read(), max_chars, max_words):
            yield offset, restorer.explain(piece)
            offset += len(piece)
        return
    whole, decision = _first_pass(restorer, read, max_chars, max_words)
    if whole is not None:  # (as restore_stream)
        if whole:
            yield offset, restorer.explain(whole)
        return
    for piece in pieces(read(), max_chars, max_words):
        yield offset, restorer.explain(piece, ocr_document=decision)
        offset += len(piece)


def explain_pieces(restorer, text: str, max_chars: int = PIECE_CHARS,
                   max_words: int = PIECE_WORDS) -> Iterator[Any]:
    """restorer.explain(text) piece by piece: one Explanation per piece, the OCR
    decision made for the whole text (as restore_stream makes it), so that a caller
    that only sums the per-word records holds one piece's lattices at a time."""
    for _, ex in explain_stream(restorer, lambda: (text,), max_chars, max_words):
        yield ex


def restore_text(restorer, text: str, max_chars: int = PIECE_CHARS, max_words: int = PIECE_WORDS) -> str:
    """`text` restored piece by piece: the same as restorer.restore(text) wherever its
    paragraphs fit in a piece, in memory bounded by the piece size."""
    return "".join(restore_stream(restorer, lambda: (text,), max_chars, max_words))


def restore_lines(restorer, lines: Iterable[str], max_chars: int = PIECE_CHARS,
                  max_words: int = PIECE_WORDS) -> Iterator[str]:
    """The lines of one document restored together, one output per line.

    Why: a line alone is a short document.  Its kind (OCR output or typed text) and its
    rates are estimated from a dozen words, and its first and last words have no
    context across the line ends.  Restored one call per line, the dev OCR scores
    0.965 instead of 0.980 (models/CHANNEL.md, "Lines of one document").  Here the
    lines are read as the text they make, in pieces as `restore_stream` reads a file,
    and the output is cut again at the same line breaks, which restoring keeps.

    A line may end with its own line break (as a file's lines do) or not (as
    str.splitlines gives them); each output ends as its line ends.  A line with
    line breaks inside gives one output with the same line breaks.  The lines are read
    twice (the OCR decision is made over the whole document first), so an iterator is
    first listed."""
    if not isinstance(lines, (list, tuple)):
        if isinstance(lines, (str, bytes)):
            raise TypeError("restore_lines takes a sequence of lines, not one "
                            f"{type(lines).__name__} (restore() takes a text)")
        lines = list(lines)
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise TypeError(f"line {i} is {type(line).__name__}, not str (decode bytes first)")
    return _restored_lines(restorer, lines, max_chars, max_words)


def _restored_lines(restorer, lines, max_chars: int, max_words: int) -> Iterator[str]:
    """restore_lines' outputs, once the lines are checked (a generator: checked first,
    so that a bad line is an error at the call, not at the first output)."""
    def chunks() -> Iterator[str]:
        for line in lines:
            yield line if line.endswith("\n") else line + "\n"

    restored = _lines_of(restore_stream(restorer, chunks, max_chars, max_words))
    for line in lines:
        breaks = line.count("\n") + (not line.endswith("\n"))
        out = "".join(next(restored, "") for _ in range(breaks))
        if out.count("\n") != breaks:  # restoring keeps every line break; never seen otherwise
            raise VidiacriticError("restore_lines: the restored text lost a line break")
        yield out if line.endswith("\n") else out[:-1]


def _lines_of(texts: Iterable[str]) -> Iterator[str]:
    """The text of `texts` (concatenated) as lines, each with its line break (the last
    without, when the text does not end with one).  A line longer than a text is kept
    in parts until it ends, so a long line costs linear time."""
    rest: list = []
    for text in texts:
        parts = text.split("\n")
        if len(parts) == 1:
            rest.append(text)
            continue
        rest.append(parts[0])
        yield "".join(rest) + "\n"
        yield from (part + "\n" for part in parts[1:-1])
        rest = [parts[-1]]
    if "".join(rest):
        yield "".join(rest)


# ---------------------------------------------------------------- reading
class Source:
    """A checked input that can be read more than once: a file (opened again for each
    reading, so that many inputs hold no file open), standard input copied to a
    temporary file, or, for what is decoded whole, its text."""

    def __init__(self, name: str, *, path: Optional[str] = None, fh: Optional[BinaryIO] = None,
                 text: Optional[str] = None):
        self.name = name
        self._path, self._fh, self._text = path, fh, text  # the temporary file is this Source's to close

    @property
    def streamed(self) -> bool:
        """Whether the text is decoded as it is read (else it was decoded whole)."""
        return self._text is None

    def chunks(self) -> Iterator[str]:
        """The decoded text, in chunks (one, when it was decoded whole)."""
        if self._text is not None:
            yield self._text
        elif self._fh is not None:
            self._fh.seek(0)
            yield from _utf8_chunks(self._fh)
        else:
            with open(self._path, "rb") as fh:  # type: ignore[arg-type]
                yield from _utf8_chunks(fh)

    def text(self) -> str:
        """The whole decoded text (memory grows with the input)."""
        return "".join(self.chunks())

    def restore(self, restorer, max_chars: int = PIECE_CHARS, max_words: int = PIECE_WORDS) -> Iterator[str]:
        """The restored text, one piece at a time (see restore_stream)."""
        return restore_stream(restorer, self.chunks, max_chars, max_words)

    def explain(self, restorer, max_chars: int = PIECE_CHARS,
                max_words: int = PIECE_WORDS) -> Iterator[Tuple[int, Any]]:
        """(offset, Explanation) one piece at a time (see explain_stream)."""
        return explain_stream(restorer, self.chunks, max_chars, max_words)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh = None

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _utf8_chunks(fh: BinaryIO) -> Iterator[str]:
    """Text of a UTF-8 file in chunks: strict, the leading BOM(s) dropped as
    decode_bytes drops them, NFC (decode_bytes normalizes; the restorer would too).
    Each chunk ends before an ASCII character, so NFC of the chunks is NFC of the text."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    pending, first = "", True
    while True:
        data = fh.read(READ_BYTES)
        try:
            text = pending + decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:  # it was valid UTF-8 when open_source checked it
            from .encodings import DecodeError
            raise DecodeError(f"changed while being read: not UTF-8 any more ({e.reason})") from None
        if first and text:
            text = _strip_boms(text)
            first = False
        if not data:
            if text:
                yield compose_marks(text)
            return
        cut = _nfc_safe_end(text)
        pending = text[cut:]
        if cut:
            yield compose_marks(text[:cut])


def _strip_boms(text: str) -> str:
    # decode_bytes decodes a file starting with a UTF-8 BOM as utf-8-sig (drops it) and
    # then drops one more U+FEFF at the start of the text
    if text.startswith("\ufeff"):
        text = text[1:]
        if text.startswith("\ufeff"):
            text = text[1:]
    return text


def _nfc_safe_end(text: str) -> int:
    """The position of the last ASCII character in `text`: text before it normalizes on
    its own.  Text without any (a whole read of CJK or of unspaced Vietnamese) is cut
    before its last character that is no combining mark, which is exact for all but a
    few scripts' compositions (Hangul jamo), so that the buffer stays bounded."""
    m = _LAST_ASCII.search(text[::-1])
    if m is not None:
        return len(text) - 1 - m.start()
    for i in range(len(text) - 1, 0, -1):
        if not unicodedata.combining(text[i]):
            return i
    return len(text)  # nothing but combining marks: cut anyway


def open_source(path: Optional[str], encoding: Optional[str] = None, legacy: str = "auto",
                spooled: Optional[BinaryIO] = None) -> Source:
    """Open and check `path` (None: standard input, copied to a temporary file, or
    `spooled`, such a copy already made, which the Source then owns) for
    restore_stream.  Raises OSError, encodings.DecodeError or LookupError as
    encodings.decode_bytes on the whole file would, before anything is restored."""
    if path is not None and os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    if path is None:
        fh: BinaryIO = spooled if spooled is not None else spool_stdin(encoding, legacy)
    else:
        fh = open(path, "rb")
    name = path or "<stdin>"
    try:
        head = fh.read(HEAD_BYTES + 1)
        _refuse_binary(head, head, encoding, legacy)
        if (len(head) > HEAD_BYTES and _is_utf8_request(encoding) and _head_streams(head, encoding, legacy)
                and _valid_utf8(fh, head, encoding, legacy)):
            if path is None:
                return Source(name, fh=fh)
            fh.close()
            return Source(name, path=path)
        return Source(name, text=_decode_whole(fh, encoding, legacy))  # as before
    except BaseException:
        fh.close()
        raise


def _is_utf8_request(encoding: Optional[str]) -> bool:
    return encoding is None or encoding_key(encoding) in UTF8_NAMES


def _decode_bytes(data: bytes, encoding: Optional[str], legacy: str) -> str:
    from .encodings import decode_bytes
    return decode_bytes(data, encoding=encoding, legacy=legacy)


def _decode_whole(fh: BinaryIO, encoding: Optional[str], legacy: str) -> str:
    fh.seek(0)
    with fh:
        data = fh.read()
    return _decode_bytes(data, encoding, legacy)


def _refuse_binary(head: bytes, data: bytes, encoding: Optional[str], legacy: str) -> None:
    """Raise decode_bytes' error for a file starting with `head` that holds `data`,
    when `data` has a NUL byte and no encoding was given: decode_bytes refuses such a
    file as binary, and reading all of it first could take forever (/dev/zero)."""
    if encoding is None and b"\x00" in data:
        _decode_bytes(head[:HEAD_BYTES] + data, encoding, legacy)


def _head_streams(head: bytes, encoding: Optional[str], legacy: str) -> bool:
    """Whether a file starting with `head` may be streamed: its start, cut at a space
    or line end, decodes as decode_bytes decodes it (no other encoding detected, no
    legacy conversion; decode_bytes raises here if it is binary)."""
    from .encodings import decode_with_info

    cut = max(head.rfind(b"\n", 0, HEAD_BYTES), head.rfind(b" ", 0, HEAD_BYTES))
    if cut < HEAD_BYTES // 2:  # too little to look at as decode_bytes looks at a file
        return False
    decoded = decode_with_info(head[:cut], encoding=encoding, legacy=legacy)
    if decoded.encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig", "ascii"):
        return False
    try:
        mine = compose_marks(_strip_boms(head[:cut].decode("utf-8")))
    except UnicodeDecodeError:
        return False
    return mine == decoded.text


def _valid_utf8(fh: BinaryIO, head: bytes, encoding: Optional[str], legacy: str) -> bool:
    """Whether the whole file is strict UTF-8 (read in chunks; a NUL byte is refused
    as decode_bytes refuses it)."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while True:
            data = fh.read(READ_BYTES)
            _refuse_binary(head, data, encoding, legacy)
            decoder.decode(data, final=not data)
            if not data:
                return True
    except UnicodeDecodeError:
        return False


def spool_stdin(encoding: Optional[str] = None, legacy: str = "auto") -> BinaryIO:
    """Standard input copied to an anonymous temporary file, positioned at its start."""
    return _spool(sys.stdin.buffer, encoding, legacy)


def _spool(stream: BinaryIO, encoding: Optional[str], legacy: str) -> BinaryIO:
    """Standard input copied to an anonymous temporary file (deleted when closed);
    binary input is refused as soon as it shows (see _refuse_binary)."""
    tmp = tempfile.TemporaryFile(prefix="vidiacritic-stdin-")
    head = b""
    try:
        while True:
            data = stream.read(READ_BYTES)
            if not data:
                break
            if len(head) < HEAD_BYTES:
                head += data[:HEAD_BYTES - len(head)]
            _refuse_binary(head, data, encoding, legacy)
            tmp.write(data)
    except BaseException:
        tmp.close()
        raise
    tmp.seek(0)
    return tmp
