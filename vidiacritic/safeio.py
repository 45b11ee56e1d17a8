"""The project's one safe writer: nothing is half-written, nothing is written onto an
input, a device is never replaced, and a link is never replaced by a file.

    target = check_output_target(path, inputs)      # refuse early, before any work
    atomic_write_bytes(target, data_or_chunks)       # later: write it
    backup_original(path, ".orig", original_bytes)   # --in-place --backup

What a destination may be, and what happens to it (``check_output_target``):

* **missing**: a new file, created through a temporary file in the same folder and
  renamed into place; its mode is ``0666 & ~umask`` (the kernel applies the umask).
  The folder must exist.
* **a regular file**: replaced atomically (temporary file in *its* folder, fsync,
  rename); the new file keeps the old one's permission bits (without set-id bits)
  and, where allowed, its owner.  Readers see the old or the new file, never a mix.
* **a symbolic link to a regular file** (``links="follow"``, the CLI's choice): the
  file it points to is replaced atomically, as above; the link stays a link.  With
  ``links="refuse"`` (for folders a program fills itself, where a planted link is
  an attack) any link is refused.  A dangling link or a loop is always refused.
* **a character device, FIFO or socket** (``/dev/null``, ``/dev/tty``, a named
  pipe; ``streams=True``): written *through*, opened and written like a shell's
  ``>`` does, never renamed over.  ``/dev/stdout``, ``/dev/fd/N``,
  ``/proc/self/fd/N`` (or a link to them) write to this process's open descriptor
  N, as a shell does.
* refused (``RefusedTarget``): a directory, a missing folder, a device or FIFO when
  ``streams=False``, and any destination that is one of the ``inputs`` (same device
  and inode: the same name, a hard link or a symbolic link to it).

Temporary files are named ``.vidiacritic-XXXXXXXX.tmp`` (``TEMP_RE``).  A run
killed with ``kill -9`` can leave one; ``clean_stale_temps(folder)`` removes those
left in one folder, and only files that match the name exactly, are regular files
(not links), belong to this user and were last written more than ``STALE_AFTER``
seconds ago (a live writer writes its temporary file in one go, so an hour-old
one is dead).  Nothing else is ever deleted.

The writer itself is ``write_at``: one temporary file + fsync + rename, in a folder
given by path or by an open descriptor (``vidiacritic.batch`` writes below its
--out through descriptors opened without following links); ``atomic_write_bytes``
and ``backup_original`` are built on it.  The checks live in
:mod:`vidiacritic.destinations` and are re-exported here.

Errors: ``RefusedTarget`` (a ``ValueError``, one-line message) for a destination that
is not allowed; ``OSError`` for failures while writing (full disk, permissions), after
the temporary file has been removed.
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from .destinations import (Inputs, RefusedTarget, Target, backup_path_for, check_backup_target,
                           check_in_place_target, check_output_target, input_identities, kind_name)

__all__ = ["RefusedTarget", "Target", "check_output_target", "check_in_place_target",
           "check_backup_target", "backup_path_for", "input_identities", "atomic_write_bytes", "backup_original",
           "clean_stale_temps", "write_at", "create_temp",
           "TEMP_PREFIX", "TEMP_SUFFIX", "TEMP_RE", "STALE_AFTER"]

TEMP_PREFIX = ".vidiacritic-"
TEMP_SUFFIX = ".tmp"
# exactly what _temp_name makes (and what tempfile.mkstemp made in earlier versions)
TEMP_RE = re.compile(r"^\.vidiacritic-[a-z0-9_]{8}\.tmp$")
STALE_AFTER = 3600.0  # seconds
COPY_BYTES = 1 << 16  # a backup is copied this many bytes at a time
# a new file only (O_EXCL), never through a link, not inherited by programs run later
_CREATE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_NOFOLLOW", 0))

Data = Union[bytes, bytearray, memoryview, Iterable[bytes]]


# ------------------------------------------------------------------ writing
def _chunks(data: Data) -> Iterable[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return (data,)
    if isinstance(data, str):
        raise TypeError("atomic_write_bytes takes bytes, not str (encode first)")
    return data


def _write_all(fd: int, data: Data) -> None:
    for chunk in _chunks(data):
        view = memoryview(chunk)
        while view:
            n = os.write(fd, view)
            view = view[n:]


def _temp_name() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
    return TEMP_PREFIX + "".join(secrets.choice(alphabet) for _ in range(8)) + TEMP_SUFFIX


def _at(dir_fd: Optional[int]) -> Dict[str, int]:
    """The dir_fd keyword of an os call: none for a path (as a plain call makes it)."""
    return {} if dir_fd is None else {"dir_fd": dir_fd}


def create_temp(folder: str = "", *, dir_fd: Optional[int] = None,
                name: Callable[[], str] = _temp_name) -> Tuple[int, str]:
    """A new temporary file in `folder` (or in the folder open as `dir_fd`), never
    through a link, mode 0666 & ~umask (the kernel applies the umask, so no
    process-wide umask() call is needed; mkstemp's 0600 would leave outputs unreadable
    to the user's group).  `name()` makes the names tried.  Returns (fd, its path:
    `folder` joined to the name, relative to `dir_fd` when given)."""
    for _ in range(100):
        tmp = os.path.join(folder, name())
        try:
            return os.open(tmp, _CREATE, 0o666, **_at(dir_fd)), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", folder)


def _fsync_folder(folder: str, dir_fd: Optional[int] = None) -> None:
    fd = dir_fd
    if fd is None:
        try:
            fd = os.open(folder or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot sync a directory; the data is synced
        pass
    finally:
        if dir_fd is None:
            os.close(fd)


def _refuse_unless_regular(dir_fd: Optional[int], name: str) -> None:
    """A directory, link or device that appeared at `name` since it was checked is
    not replaced either."""
    try:
        now = os.stat(name, follow_symlinks=False, **_at(dir_fd))
    except FileNotFoundError:
        return
    if not stat.S_ISREG(now.st_mode):
        raise RefusedTarget(f"{name}: became {kind_name(now.st_mode)}; not replaced")


def _commit(dir_fd: Optional[int], tmp: str, name: str, exclusive: bool) -> None:
    """Rename the complete temporary file onto `name`; `exclusive`: link it there
    instead, which fails (FileExistsError) if the name was taken meanwhile."""
    fds = {} if dir_fd is None else {"src_dir_fd": dir_fd, "dst_dir_fd": dir_fd}
    if exclusive:
        try:
            os.link(tmp, name, follow_symlinks=False, **fds)
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system: the caller's check must do
            pass
        else:
            os.unlink(tmp, **_at(dir_fd))
            return
    os.replace(tmp, name, **fds)


def write_at(dir_fd: Optional[int], name: str, data: Data, *, fsync: bool = True,
             sync_folder: Optional[bool] = None, exclusive: bool = False,
             mode: Optional[int] = None, owner: Optional[Tuple[int, int]] = None,
             before_replace: Optional[Callable[[], Any]] = None,
             temp_name: Callable[[], str] = _temp_name) -> None:
    """The project's one atomic write: `data` (bytes or chunks) to a temporary file
    next to `name`, synced (`fsync`), then renamed onto `name`, and the folder synced
    (`sync_folder`, default `fsync`).  `name` is a path, or with `dir_fd` a name in
    the folder open as that descriptor.

    mode, owner: given to the new file (a replaced file's permission bits and owner).
    before_replace: runs once the temporary file is complete, just before the rename
    (a backup; the batch's manifest notes its intent): if `data` fails midway,
    nothing else happened.  exclusive: `name` must be free; the file is linked into
    place, so nothing is ever overwritten (FileExistsError if the name was taken).
    An entry at `name` that is not a regular file is never replaced (RefusedTarget).
    On any error the temporary file is removed and `name` is unchanged."""
    folder = "" if dir_fd is not None else os.path.dirname(name)
    fd, tmp = create_temp(folder, dir_fd=dir_fd, name=temp_name)
    try:
        try:
            _write_all(fd, data)
            if owner is not None:
                try:
                    os.fchown(fd, *owner)
                except OSError:  # not ours to give away: keep the mode at least
                    pass
            if mode is not None:
                os.fchmod(fd, mode)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        _refuse_unless_regular(dir_fd, name)
        if before_replace is not None:
            before_replace()
        _commit(dir_fd, tmp, name, exclusive)
    except BaseException:
        try:
            os.unlink(tmp, **_at(dir_fd))
        except OSError:
            pass
        raise
    if fsync if sync_folder is None else sync_folder:
        _fsync_folder(folder, dir_fd)


def _write_through(target: Target, data: Data) -> None:
    if target.kind == "fd":
        assert target.fd is not None
        _write_all(target.fd, data)
        return
    # no O_CREAT: if the device vanished, fail rather than create a regular file
    fd = os.open(target.real, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def atomic_write_bytes(dest: Union[str, Target], data: Data, *, refuse: Inputs = (),
                       links: str = "follow", streams: bool = True, fsync: bool = True,
                       before_replace: Optional[Callable[[], Any]] = None) -> Target:
    """Write `data` (bytes, or an iterable of bytes chunks) to `dest` safely.

    dest: a path (checked here with `check_output_target(dest, refuse, links=links,
    streams=streams)`) or a Target checked earlier.  Files are written to a temporary
    file in the destination's folder and renamed; streams are written through.
    Returns the Target written.  Raises RefusedTarget or OSError; on any error no
    temporary file is left and an existing destination file is unchanged.
    before_replace: called (files only) once all of `data` is written, just before the
    rename (--in-place's backup: made only when the new file is complete).
    """
    target = dest if isinstance(dest, Target) else check_output_target(dest, refuse, links=links,
                                                                         streams=streams)
    if target.kind in ("fd", "stream"):
        _write_through(target, data)
    elif target.kind == "file":
        write_at(None, target.real, data, fsync=fsync, mode=target.mode, owner=target.owner,
                 before_replace=before_replace)
    elif target.kind == "new":
        write_at(None, target.real, data, fsync=fsync, before_replace=before_replace)
    else:
        raise ValueError(f"unknown target kind {target.kind!r}")
    return target


def backup_original(path: str, suffix: str, original: Optional[bytes] = None, *,
                    fsync: bool = True) -> str:
    """Save the original bytes of `path` as `path + suffix`, atomically; returns that path.

    original: the bytes already read from `path` (what was restored; saves a second
    read); None copies the file in chunks (memory bounded whatever its size).  The backup gets the original's permission bits (a
    private file's backup stays private).  An existing backup file is replaced; an
    existing directory, link or device there is refused (RefusedTarget).
    """
    source = check_in_place_target(path)
    dest = check_backup_target(path, suffix)
    if original is not None:
        write_at(None, os.path.abspath(dest), original, fsync=fsync, mode=source.mode)
        return dest
    with open(source.real, "rb") as fh:
        write_at(None, os.path.abspath(dest), iter(lambda: fh.read(COPY_BYTES), b""), fsync=fsync,
                 mode=source.mode)
    return dest


# ------------------------------------------------------------------ cleaning
def clean_stale_temps(folder: str, older_than: float = STALE_AFTER, now: Optional[float] = None) -> List[str]:
    """Remove temporary files a killed writer left in `folder` (not its subfolders):
    exact name `TEMP_RE`, a regular file (links are never followed or removed), owned
    by this user, last modified more than `older_than` seconds ago.  Returns the names
    removed; errors are ignored (cleaning is a courtesy, never a failure)."""
    import time

    now = time.time() if now is None else now
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    for name in names:
        if not TEMP_RE.match(name):
            continue
        full = os.path.join(folder, name)
        try:
            st = os.lstat(full)
            if (stat.S_ISREG(st.st_mode) and (uid is None or st.st_uid == uid)
                    and now - st.st_mtime > older_than):
                os.unlink(full)
                removed.append(name)
        except OSError:
            continue
    return removed
