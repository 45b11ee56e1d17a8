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
in a tar archive every member counts towards the total, since the stream must be
decompressed to pass it.  Directories are not archives: only the per-member limit
applies there.
"""
from __future__ import annotations

import os
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator, Optional, Sequence

__all__ = ["Limits", "Member", "ArchiveError", "LimitExceeded", "UnsafeMember",
           "iter_members", "input_kind", "input_name", "safe_member_path", "parse_size"]

MiB = 1 << 20
CHUNK = 256 * 1024

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
    max_member_bytes: int = 64 * MiB
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
def _iter_zip(path: str, name: str, limits: Limits) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Member(name, "", error=f"cannot open zip archive: {exc}")
        return
    budget = _Budget(limits)
    with zf:
        for info in zf.infolist():
            raw = info.filename
            mode = info.external_attr >> 16
            if info.is_dir() and not stat.S_ISLNK(mode):
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
def _iter_tar(path: str, name: str, limits: Limits) -> Iterator[Member]:
    budget = _Budget(limits)
    try:
        tf = tarfile.open(path, mode="r|*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield Member(name, "", error=f"cannot open tar archive: {exc}")
        return
    with tf:
        while True:
            tf.members = []  # TarFile keeps every TarInfo it has seen: drop them as we go
            try:
                info = tf.next()
            except Exception as exc:  # tarfile.ReadError, EOFError, zlib/lzma/bz2 errors
                yield Member(name, "", error=f"corrupt tar archive: {type(exc).__name__}: {exc}")
                return
            if info is None:
                return
            if info.isdir():
                continue
            raw = info.name
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
            size = info.size if info.isreg() else None
            # Passing a member in the stream decompresses it: count it, read or not.
            if info.isreg() and budget.used + info.size > limits.max_total_bytes:
                yield Member(name, rel, size, error=(
                    f"archive exceeds the total size limit ({_fmt_size(limits.max_total_bytes)} "
                    f"uncompressed); the rest of the archive was not read"))
                return
            if info.isreg():
                budget.used += info.size
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
        base = os.path.basename(path)
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
