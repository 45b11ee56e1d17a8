"""Members of batch inputs — directories, zip and tar archives, single files — one at a time.

``iter_members(path)`` yields a ``Member`` per entry, in archive (or sorted
directory) order.  Nothing is ever extracted: a member's bytes are read into
memory only when ``member.read()`` is called, in bounded chunks, so that a
compression bomb is cut off at the limit instead of filling the disk or memory.
Tar archives are read as a stream (``r|*``), so ``read()`` must be called before
the iterator moves on.

Safety.  A member is refused (``member.error`` set, ``read()`` raises) when its path
is absolute, has a drive letter or a ``..`` component, or when it is a symlink, a
hard link, a device, a FIFO or anything else that is not a regular file.  Only
``member.path`` (a cleaned relative POSIX path) may be used to build an output
path.  Limits (``Limits``): bytes per member and uncompressed bytes per archive;
in a tar archive every byte of the decompressed stream counts towards the total
(headers, padding and members that are not read, since the stream must be
decompressed to pass them).  Directories are not archives: only the per-member limit
applies there.

Names.  A member whose name is not valid UTF-8 (tar, a UTF-8-flagged zip, a folder
on a POSIX disk) or longer than ``MAX_NAME_BYTES`` is refused on its own, recorded
under an escaped name (``\\xff`` for an undecodable byte, long names cut short:
``shown_name``); the other members are read as usual.  A tar extension header (GNU
long name or link, pax) larger than ``MAX_TAR_HEADER_BYTES`` is skipped in bounded
chunks rather than read into memory, and the member it belongs to is refused; GNU
sparse members are refused, their chain of extension blocks read without keeping it
and cut off (the rest of the archive unread) past the same size.
"""
from __future__ import annotations

import bisect
import os
import re
import stat
import struct
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = ["Limits", "Member", "ArchiveError", "LimitExceeded", "UnsafeMember",
           "iter_members", "input_kind", "input_name", "safe_member_path", "parse_size"]

MiB = 1 << 20
CHUNK = 256 * 1024
SKIP_CHUNK = 4 * MiB
# Longest member name accepted (bytes of UTF-8): far above any real path (Linux: 4096).
MAX_NAME_BYTES = 4096
# Largest tar extension header (GNU long name/link, pax records) read into memory.
MAX_TAR_HEADER_BYTES = 1 * MiB
# Characters of a refused name kept in the manifest and messages.
SHOWN_NAME_CHARS = 256

ARCHIVE_SUFFIXES = {
    ".zip": "zip", ".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".tar.bz2": "tar",
    ".tbz2": "tar", ".tbz": "tar", ".tar.xz": "tar", ".txz": "tar",
}


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


def input_kind(path: str) -> str:
    """"dir", "zip", "tar" or "file", by what the path is and its suffix."""
    if os.path.isdir(path):
        return "dir"
    low = path.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if low.endswith(suffix):
            return ARCHIVE_SUFFIXES[suffix]
    return "file"


def input_name(path: str) -> str:
    """The name an input goes by in the output tree: its file or folder name."""
    name = os.path.basename(os.path.normpath(os.path.abspath(path)))
    return name or "root"


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


# ----------------------------------------------------------------- directories
def _iter_dir(root: str, name: str, limits: Limits, exclude: Sequence[str]) -> Iterator[Member]:
    excluded = {os.path.realpath(p) for p in exclude}

    def walk(dirpath: str, rel: str) -> Iterator[Member]:
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError as exc:
            yield Member(name, rel or ".", error=f"cannot list folder: {exc.strerror or exc}")
            return
        for entry in entries:
            relpath = f"{rel}/{entry.name}" if rel else entry.name
            problem = name_problem(entry.name)
            if problem is not None:  # refused whole: a folder's members would carry the name
                yield Member(name, shown_name(relpath), error=problem)
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield Member(name, relpath, error=f"cannot stat: {exc.strerror or exc}")
                continue
            if stat.S_ISLNK(st.st_mode):
                yield Member(name, relpath, error="symlink (refused)")
            elif stat.S_ISDIR(st.st_mode):
                if os.path.realpath(entry.path) in excluded:
                    continue
                yield from walk(entry.path, relpath)
            elif stat.S_ISREG(st.st_mode):
                if st.st_size > limits.max_member_bytes:
                    yield Member(name, relpath, st.st_size,
                                 error=f"member exceeds the size limit ({_fmt_size(limits.max_member_bytes)})")
                else:
                    yield Member(name, relpath, st.st_size,
                                 _reader=lambda p=entry.path: _read_file(p, limits))
            else:
                yield Member(name, relpath, error="not a regular file (device, FIFO or socket)")

    yield from walk(root, "")


def _read_file(path: str, limits: Limits) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ArchiveError(f"cannot open: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ArchiveError("not a regular file")
        try:
            return _read_bounded(fh, limits.max_member_bytes)
        except OSError as exc:
            raise ArchiveError(f"cannot read: {exc.strerror or exc}") from None


# ----------------------------------------------------------------- zip
_ZIP_UTF8_FLAG = 0x800


class _FlagPatchedFile:
    """A read-only view of a zip file with the UTF-8 flag cleared in some central
    directory entries, so that zipfile reads their names as cp437 instead of failing
    on the whole archive (zipfile raises UnicodeDecodeError at open)."""

    def __init__(self, fh: BinaryIO, positions: Sequence[int]):
        self.fh = fh
        self.positions = sorted(positions)  # offsets of the flags' high byte
        self.name = getattr(fh, "name", None)

    def read(self, n: int = -1) -> bytes:
        start = self.fh.tell()
        data = self.fh.read(n)
        lo = bisect.bisect_left(self.positions, start)
        hi = bisect.bisect_left(self.positions, start + len(data))
        if lo == hi:
            return data
        buf = bytearray(data)
        for pos in self.positions[lo:hi]:
            buf[pos - start] &= ~(_ZIP_UTF8_FLAG >> 8) & 0xFF
        return bytes(buf)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def tell(self) -> int:
        return self.fh.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self.fh.close()


def _central_directory(fh: BinaryIO) -> Tuple[int, int, int]:
    """(start, size, entries) of a zip's central directory, as zipfile finds it."""
    end = fh.seek(0, 2)
    tail_len = min(end, 22 + 0xFFFF)
    fh.seek(end - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ArchiveError("cannot open zip archive: no end of central directory")
    eocd = end - tail_len + at
    _, _, _, _, entries, size, offset, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    location = eocd
    if offset == 0xFFFFFFFF or size == 0xFFFFFFFF or entries == 0xFFFF:  # zip64
        if eocd < 20:
            raise ArchiveError("cannot open zip archive: bad zip64 locator")
        fh.seek(eocd - 20)
        sig, _, rec_at, _ = struct.unpack("<4sLQL", fh.read(20))
        if sig != b"PK\x06\x07":
            raise ArchiveError("cannot open zip archive: bad zip64 locator")
        location = eocd - 20 - 56  # zipfile's rule: the zip64 record just before the locator
        fh.seek(location)
        rec = fh.read(56)
        if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
            raise ArchiveError("cannot open zip archive: bad zip64 end record")
        _, _, _, _, _, _, _, entries, size, offset = struct.unpack("<4sQ2H2L4Q", rec)
    concat = location - size - offset  # bytes prepended to the archive (self-extractors)
    return offset + concat, size, entries


def _undecodable_utf8_names(fh: BinaryIO) -> Tuple[List[int], Dict[int, str]]:
    """Central directory entries flagged UTF-8 whose names are not: the offsets of
    their flags' high byte, and {entry index: escaped name}."""
    start, size, _ = _central_directory(fh)
    fh.seek(start)
    positions: List[int] = []
    bad: Dict[int, str] = {}
    pos, index = start, 0
    while pos + 46 <= start + size:
        head = fh.read(46)
        if len(head) < 46 or head[:4] != b"PK\x01\x02":
            break
        flags = struct.unpack("<H", head[8:10])[0]
        n, m, k = struct.unpack("<3H", head[28:34])
        raw = fh.read(n)
        if flags & _ZIP_UTF8_FLAG:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                positions.append(pos + 9)
                bad[index] = shown_name(raw.decode("utf-8", "surrogateescape"))
        fh.seek(m + k, 1)
        pos += 46 + n + m + k
        index += 1
    return positions, bad


def _open_zip(path: str) -> Tuple[zipfile.ZipFile, Dict[int, str], Optional[BinaryIO]]:
    """The ZipFile, {index in infolist(): escaped name} of the members whose
    UTF-8-flagged names are not UTF-8 (refused one by one, not the whole archive), and
    the file to close after the ZipFile when zipfile did not open it itself."""
    try:
        return zipfile.ZipFile(path), {}, None
    except UnicodeDecodeError:
        pass
    fh = open(path, "rb")
    try:
        positions, bad = _undecodable_utf8_names(fh)
        zf = zipfile.ZipFile(_FlagPatchedFile(fh, positions))  # type: ignore[arg-type]
    except BaseException:
        fh.close()
        raise
    return zf, bad, fh


def _iter_zip(path: str, name: str, limits: Limits) -> Iterator[Member]:
    try:
        zf, bad_names, own_fh = _open_zip(path)
    except (zipfile.BadZipFile, OSError, ValueError, ArchiveError, struct.error) as exc:
        msg = str(exc) if isinstance(exc, ArchiveError) else f"cannot open zip archive: {exc}"
        yield Member(name, "", error=msg)
        return
    try:
        yield from _zip_members(zf, bad_names, name, limits)
    finally:
        zf.close()
        if own_fh is not None:
            own_fh.close()


def _zip_members(zf: zipfile.ZipFile, bad_names: Dict[int, str], name: str,
                 limits: Limits) -> Iterator[Member]:
    budget = _Budget(limits)
    for index, info in enumerate(zf.infolist()):
        if index in bad_names:
            yield Member(name, bad_names[index], info.file_size,
                         error="member name is not valid UTF-8 (refused)")
            continue
        raw = info.filename
        mode = info.external_attr >> 16
        if info.is_dir() and not stat.S_ISLNK(mode):
            continue
        problem = name_problem(raw)
        if problem is not None:
            yield Member(name, shown_name(raw), info.file_size, error=problem)
            continue
        try:
            rel = safe_member_path(raw)
        except UnsafeMember as exc:
            yield Member(name, raw, info.file_size, error=str(exc))
            continue
        if stat.S_ISLNK(mode):
            yield Member(name, rel, info.file_size, error="symlink (refused)")
        elif mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            yield Member(name, rel, info.file_size, error="not a regular file (device, FIFO or socket)")
        elif info.flag_bits & 0x1:
            yield Member(name, rel, info.file_size, error="encrypted member (refused)")
        elif info.file_size > limits.max_member_bytes:
            yield Member(name, rel, info.file_size,
                         error=f"member exceeds the size limit ({_fmt_size(limits.max_member_bytes)})")
        elif budget.used + info.file_size > limits.max_total_bytes:
            yield Member(name, rel, info.file_size,
                         error=f"archive exceeds the total size limit "
                               f"({_fmt_size(limits.max_total_bytes)} uncompressed)")
        else:
            yield Member(name, rel, info.file_size,
                         _reader=lambda i=info: _read_zip_member(zf, i, limits, budget))


def _read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                     budget: _Budget) -> bytes:
    try:
        with zf.open(info) as fh:
            return _read_bounded(fh, limits.max_member_bytes, budget)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            ValueError, RuntimeError) as exc:  # zlib.error is not an OSError subclass but is caught below
        raise ArchiveError(f"corrupt zip member: {exc}") from None
    except Exception as exc:  # zlib.error, lzma.LZMAError, ...
        raise ArchiveError(f"corrupt zip member: {type(exc).__name__}: {exc}") from None


# ----------------------------------------------------------------- tar
class _BoundedTarInfo(tarfile.TarInfo):
    """TarInfo whose extension headers (GNU long name/link, pax) are read into memory
    only up to MAX_TAR_HEADER_BYTES: larger ones are skipped in chunks, counted against
    the archive's total limit, and the member they describe is refused (``refused``).
    tarfile itself reads such a header whole: a 256 MiB name costs 256 MiB and more."""

    refused: Optional[str] = None
    total_limit: int = Limits.max_total_bytes  # set per archive by _tarinfo_class

    def _proc_gnulong(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size <= MAX_TAR_HEADER_BYTES:
            return super()._proc_gnulong(tf)  # type: ignore[misc]
        head = self._skip(tf)
        nxt = self._next_header(tf)
        if self.type == tarfile.GNUTYPE_LONGNAME:
            nxt.name = head.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            nxt.refused = f"member name longer than {MAX_NAME_BYTES} bytes (refused)"
        else:
            nxt.refused = f"link target longer than {MAX_NAME_BYTES} bytes (refused)"
        return nxt

    def _proc_pax(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size <= MAX_TAR_HEADER_BYTES:
            return super()._proc_pax(tf)  # type: ignore[misc]
        self._skip(tf)
        nxt = self._next_header(tf)
        nxt.refused = (f"tar pax header larger than {_fmt_size(MAX_TAR_HEADER_BYTES)} "
                       f"({_fmt_size(self.size)}, refused)")
        return nxt

    def _proc_sparse(self, tf: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        """A GNU sparse member: refused (text is never sparse).  Its chain of extension
        blocks is passed without keeping its entries, and cut off past
        MAX_TAR_HEADER_BYTES (tarfile keeps 21 tuples per 512-byte block, unbounded)."""
        _, extended, origsize = self._sparse_structs  # type: ignore[attr-defined]
        del self._sparse_structs  # type: ignore[attr-defined]
        passed = 0
        while extended:
            buf = tf.fileobj.read(tarfile.BLOCKSIZE)  # type: ignore[union-attr]
            if len(buf) < tarfile.BLOCKSIZE:
                raise tarfile.ReadError("unexpected end of data")
            passed += len(buf)
            if passed > MAX_TAR_HEADER_BYTES:
                raise tarfile.ReadError(f"GNU sparse header longer than "
                                        f"{_fmt_size(MAX_TAR_HEADER_BYTES)}")
            extended = bool(buf[504])
        self.sparse = []
        self.offset_data = tf.fileobj.tell()  # type: ignore[union-attr]
        tf.offset = self.offset_data + self._block(self.size)  # type: ignore[attr-defined]
        self.size = origsize
        self.refused = "GNU sparse file (refused)"
        return self

    def _skip(self, tf: tarfile.TarFile) -> bytes:
        """Read past this header's data in bounded chunks; return its first bytes."""
        left = self._block(self.size)  # type: ignore[attr-defined]
        head = b""
        while left > 0:
            # large pieces: tarfile's stream copies its whole decompressed buffer per read
            chunk = tf.fileobj.read(min(SKIP_CHUNK, left))  # type: ignore[union-attr]
            if not chunk:
                raise tarfile.ReadError("unexpected end of data")
            if not head:
                head = chunk[:SHOWN_NAME_CHARS * 4]
            left -= len(chunk)
            if tf.fileobj.tell() > self.total_limit:  # type: ignore[union-attr]
                raise LimitExceeded(f"archive exceeds the total size limit "
                                    f"({_fmt_size(self.total_limit)} uncompressed)")
        return head

    def _next_header(self, tf: tarfile.TarFile) -> "_BoundedTarInfo":
        try:
            nxt = self.fromtarfile(tf)
        except tarfile.HeaderError as exc:
            raise tarfile.ReadError(str(exc)) from None
        nxt.offset = self.offset
        return nxt


def _tarinfo_class(limits: Limits) -> type:
    return type("_BoundedTarInfo", (_BoundedTarInfo,), {"total_limit": limits.max_total_bytes})


def _total_exceeded(limits: Limits) -> str:
    return (f"archive exceeds the total size limit ({_fmt_size(limits.max_total_bytes)} "
            f"uncompressed); the rest of the archive was not read")


def _iter_tar(path: str, name: str, limits: Limits) -> Iterator[Member]:
    try:
        tf = tarfile.open(path, mode="r|*", tarinfo=_tarinfo_class(limits))
    except LimitExceeded:
        yield Member(name, "", error=_total_exceeded(limits))
        return
    except Exception as exc:  # tarfile.ReadError, OSError, EOFError, zlib/lzma/bz2 errors
        yield Member(name, "", error=f"cannot open tar archive: {exc}")
        return
    with tf:
        while True:
            tf.members = []  # TarFile keeps every TarInfo it has seen: drop them as we go
            try:
                info = tf.next()
            except LimitExceeded:
                yield Member(name, "", error=_total_exceeded(limits))
                return
            except Exception as exc:  # tarfile.ReadError, EOFError, zlib/lzma/bz2 errors
                yield Member(name, "", error=f"corrupt tar archive: {type(exc).__name__}: {exc}")
                return
            if info is None:
                return
            # tf.offset is where this member's data ends in the decompressed stream: every
            # byte read so far, headers and padding included.
            if tf.offset > limits.max_total_bytes:
                yield Member(name, shown_name(info.name), info.size if info.isreg() else None,
                             error=_total_exceeded(limits))
                return
            if info.isdir() and info.refused is None:
                continue
            raw = info.name
            size = info.size if info.isreg() else None
            problem = info.refused or name_problem(raw)
            if problem is not None:
                yield Member(name, shown_name(raw), size, error=problem)
                continue
            try:
                rel = safe_member_path(raw)
            except UnsafeMember as exc:
                rel, err = raw, str(exc)
            else:
                err = None
                if info.issym():
                    err = "symlink (refused)"
                elif info.islnk():
                    err = "hard link (refused)"
                elif not info.isreg():
                    err = "not a regular file (device, FIFO or socket)"
                elif info.size > limits.max_member_bytes:
                    err = f"member exceeds the size limit ({_fmt_size(limits.max_member_bytes)})"
            if err is not None:
                yield Member(name, rel, size, error=err)
                continue
            yield Member(name, rel, size, _reader=lambda i=info: _read_tar_member(tf, i, limits))


def _read_tar_member(tf: tarfile.TarFile, info: tarfile.TarInfo, limits: Limits) -> bytes:
    try:
        fh = tf.extractfile(info)
        if fh is None:
            raise ArchiveError("not a regular file")
        return _read_bounded(fh, limits.max_member_bytes)
    except ArchiveError:
        raise
    except tarfile.StreamError:
        raise ArchiveError("member can no longer be read (the tar stream moved on)") from None
    except Exception as exc:  # tarfile.ReadError, zlib/lzma/bz2 errors, EOFError, OSError
        raise ArchiveError(f"corrupt tar member: {type(exc).__name__}: {exc}") from None


# ----------------------------------------------------------------- entry point
def iter_members(path: str, name: Optional[str] = None, limits: Limits = Limits(),
                 exclude: Sequence[str] = ()) -> Iterator[Member]:
    """Yield the members of one input.  `name` defaults to `input_name(path)`;
    `exclude` lists folders to leave out of a directory walk (the output folder)."""
    name = name or input_name(path)
    if not os.path.exists(path):
        yield Member(name, "", error="no such file or folder")
        return
    kind = input_kind(path)
    if kind == "dir":
        yield from _iter_dir(path, name, limits, exclude)
    elif kind == "zip":
        yield from _iter_zip(path, name, limits)
    elif kind == "tar":
        yield from _iter_tar(path, name, limits)
    else:
        base = shown_name(os.path.basename(path))
        try:
            st = os.stat(path)
        except OSError as exc:
            yield Member(name, base, error=f"cannot stat: {exc.strerror or exc}")
            return
        if not stat.S_ISREG(st.st_mode):
            yield Member(name, base, error="not a regular file (device, FIFO or socket)")
        elif st.st_size > limits.max_member_bytes:
            yield Member(name, base, st.st_size,
                         error=f"member exceeds the size limit ({_fmt_size(limits.max_member_bytes)})")
        else:
            real = os.path.realpath(path)  # a file named on the command line may be a link
            yield Member(name, base, st.st_size, _reader=lambda: _read_file(real, limits))
