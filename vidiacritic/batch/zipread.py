"""Zip archives as batch inputs: members read one at a time, within the limits,
never extracted; a member whose UTF-8-flagged name is not UTF-8 is refused on its
own instead of failing the whole archive (zipfile raises at open)."""
from __future__ import annotations

import bisect
import stat
import struct
import zipfile
from typing import BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple

from .members import (ArchiveError, Limits, Member, UnsafeMember, _Budget, _fmt_size, _read_bounded,
                      name_problem, safe_member_path, shown_name)

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

