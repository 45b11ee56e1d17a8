"""A member of a batch input, the size limits it is read under, and the rules for
its name (see :mod:`vidiacritic.batch.archives` for the whole of the safety rules)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Optional

MiB = 1 << 20
CHUNK = 256 * 1024
# Longest member name accepted (bytes of UTF-8): far above any real path (Linux: 4096).
MAX_NAME_BYTES = 4096
# Characters of a refused name kept in the manifest and messages.
SHOWN_NAME_CHARS = 256


class ArchiveError(Exception):
    """A member (or a whole input) cannot be read; the message is one line."""


class LimitExceeded(ArchiveError):
    pass


class UnsafeMember(ArchiveError):
    pass


@dataclass(frozen=True)
class Limits:
    """Size limits.  The member default (4 MiB of text, about 700,000 syllables, some
    2,000 pages) keeps one member within the restorer's memory and within the default
    per-member time limit of batch; raise it with ``--max-member-size``."""
    max_member_bytes: int = 4 * MiB
    max_total_bytes: int = 4096 * MiB


@dataclass
class Member:
    input: str                       # the input's name (the first component of the output path)
    path: str                        # cleaned relative POSIX path, or the raw name if refused
    size: Optional[int] = None       # declared size, when known
    error: Optional[str] = None      # why the member is refused; None for a readable file
    _reader: Optional[Callable[[], bytes]] = field(default=None, repr=False)

    def read(self) -> bytes:
        """The member's bytes (at most the member limit); raises ArchiveError."""
        if self.error is not None:
            raise ArchiveError(self.error)
        assert self._reader is not None
        return self._reader()


def parse_size(text: str) -> int:
    """"64M", "4G", "1500k", "123" → bytes (binary multiples)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 500K, 64M, 4G)")
    mult = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


def _fmt_size(n: int) -> str:
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} bytes"


# ----------------------------------------------------------------- paths
_DRIVE = re.compile(r"^[A-Za-z]:")


def shown_name(raw: str) -> str:
    """`raw` as it may be recorded and printed: valid text (bytes that were not UTF-8,
    kept by Python as lone surrogates, become ``\\xNN``), at most SHOWN_NAME_CHARS
    characters."""
    text = "".join(map(_escape_surrogate, raw)) if _undecodable(raw) else raw
    if len(text) > SHOWN_NAME_CHARS:
        text = text[:SHOWN_NAME_CHARS - 1] + "…"
    return text


def _escape_surrogate(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte kept by the surrogateescape error handler
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return ch


def _undecodable(raw: str) -> bool:
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def name_problem(raw: str) -> Optional[str]:
    """Why a member name cannot be used as is (None when it can)."""
    if _undecodable(raw):
        return "member name is not valid UTF-8 (refused)"
    if len(raw.encode("utf-8")) > MAX_NAME_BYTES:
        return f"member name longer than {MAX_NAME_BYTES} bytes (refused)"
    return None


def safe_member_path(name: str) -> str:
    """The cleaned relative POSIX path of an archive member, or UnsafeMember.

    Backslashes count as separators (archives made on Windows), empty and "."
    components are dropped; "..", absolute paths, drive letters and NUL are refused.
    """
    if "\x00" in name:
        raise UnsafeMember("unsafe path (NUL character)")
    if name.startswith(("/", "\\")):
        raise UnsafeMember("unsafe path (absolute)")
    if _DRIVE.match(name):
        raise UnsafeMember("unsafe path (drive letter)")
    parts = [p for p in re.split(r"[/\\]+", name) if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafeMember("unsafe path (.. component)")
    if any(_DRIVE.match(p) for p in parts):
        raise UnsafeMember("unsafe path (drive letter)")
    if not parts:
        raise UnsafeMember("unsafe path (empty)")
    return "/".join(parts)



# ----------------------------------------------------------------- bounded reading
class _Budget:
    """Uncompressed bytes an archive may still yield."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.used = 0

    def charge(self, n: int) -> None:
        self.used += n
        if self.used > self.limits.max_total_bytes:
            raise LimitExceeded(f"archive exceeds the total size limit "
                                f"({_fmt_size(self.limits.max_total_bytes)} uncompressed)")


def _read_bounded(fh: BinaryIO, limit: int, budget: Optional[_Budget] = None) -> bytes:
    chunks = []
    total = 0
    while True:
        chunk = fh.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if budget is not None:
            budget.charge(len(chunk))
        if total > limit:
            raise LimitExceeded(f"member exceeds the size limit ({_fmt_size(limit)})")
        chunks.append(chunk)
    return b"".join(chunks)

