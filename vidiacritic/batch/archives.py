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

import os
import stat
from typing import Iterator, Optional, Sequence

from .members import (ArchiveError, LimitExceeded, Limits, Member, UnsafeMember, _fmt_size, _read_bounded,
                      name_problem, parse_size, safe_member_path, shown_name)
from .tarread import _iter_tar
from .zipread import _iter_zip

__all__ = ["Limits", "Member", "ArchiveError", "LimitExceeded", "UnsafeMember",
           "iter_members", "input_kind", "input_name", "safe_member_path", "parse_size"]

ARCHIVE_SUFFIXES = {
    ".zip": "zip", ".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".tar.bz2": "tar",
    ".tbz2": "tar", ".tbz": "tar", ".tar.xz": "tar", ".txz": "tar",
}


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
