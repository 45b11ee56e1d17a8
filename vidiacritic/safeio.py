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
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

__all__ = ["RefusedTarget", "Target", "check_output_target", "check_in_place_target",
           "check_backup_target", "backup_path_for", "input_identities", "atomic_write_bytes", "backup_original",
           "clean_stale_temps",
           "TEMP_PREFIX", "TEMP_SUFFIX", "TEMP_RE", "STALE_AFTER"]

TEMP_PREFIX = ".vidiacritic-"
TEMP_SUFFIX = ".tmp"
# exactly what _temp_name makes (and what tempfile.mkstemp made in earlier versions)
TEMP_RE = re.compile(r"^\.vidiacritic-[a-z0-9_]{8}\.tmp$")
STALE_AFTER = 3600.0  # seconds
COPY_BYTES = 1 << 16  # a backup is copied this many bytes at a time

_MAX_LINKS = 40  # as the kernel's ELOOP limit
_STD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"^/(?:proc/(?:self|thread-self|(\d+))/fd|dev/fd)/(\d+)$")

Data = Union[bytes, bytearray, memoryview, Iterable[bytes]]
Inputs = Union[Sequence[Union[str, int, "os.PathLike[str]"]], FrozenSet[Tuple[int, int]]]


class RefusedTarget(ValueError):
    """This destination must not be written (a directory, an input, a device where no
    stream is allowed, …); the message is one line."""


@dataclass(frozen=True)
class Target:
    """A checked destination.

    kind: "new" (create `real`), "file" (replace the regular file `real`),
    "stream" (open `real` and write through), "fd" (write to descriptor `fd`).
    """
    path: str                 # as given
    kind: str
    real: str                 # the file that is created, replaced or opened
    fd: Optional[int] = None
    mode: Optional[int] = None  # permission bits to keep ("file")
    owner: Optional[Tuple[int, int]] = None


# ------------------------------------------------------------------ checks
def _kind_name(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _own_fd(path: str) -> Optional[int]:
    """N when `path` (or the chain of links it starts) names this process's open
    descriptor N: /dev/stdout, /dev/fd/N, /proc/self/fd/N.  Writing there must go to
    the descriptor itself: renaming over the name would replace a system link, and
    reopening a file descriptor would truncate a `>>` log."""
    p = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        if p in _STD_STREAMS:
            return _STD_STREAMS[p]
        m = _FD_PATH.match(p)
        if m and (m.group(1) is None or int(m.group(1)) == os.getpid()):
            return int(m.group(2))
        if not os.path.islink(p):
            return None
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    return None


def input_identities(inputs: Inputs) -> FrozenSet[Tuple[int, int]]:
    """(device, inode) of the regular files among `inputs` (paths or descriptors).
    Every function taking `inputs` also takes this set: compute it once when checking
    many destinations against many inputs."""
    if isinstance(inputs, frozenset):
        return inputs
    out = set()
    for item in inputs:
        try:
            st = os.fstat(item) if isinstance(item, int) else os.stat(item)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(st.st_mode):
            out.add((st.st_dev, st.st_ino))
    return frozenset(out)


def _is_input(st: os.stat_result, inputs: Inputs, shown: str) -> None:
    if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) in input_identities(inputs):
        raise RefusedTarget(f"{shown}: is one of the input files (use --in-place to rewrite it)")


def check_output_target(path: str, inputs: Inputs = (), *, links: str = "follow",
                        streams: bool = True) -> Target:
    """Decide how `path` may be written, or raise RefusedTarget.  See the module notes.

    inputs: paths or open descriptors that must not be overwritten (compared by
    device and inode, so hard links and symbolic links to an input count).
    links: "follow" (replace the file a link points to, keep the link) or "refuse".
    streams: allow writing through to devices, FIFOs, sockets and open descriptors.
    """
    if links not in ("follow", "refuse"):
        raise ValueError(f"links must be 'follow' or 'refuse', not {links!r}")
    path = os.fspath(path)
    if not path:
        raise RefusedTarget("empty output path")
    fd = _own_fd(path) if streams else None
    if fd is not None:
        try:
            st = os.fstat(fd)
        except OSError:
            raise RefusedTarget(f"{path}: descriptor {fd} is not open") from None
        _is_input(st, inputs, path)
        return Target(path, "fd", path, fd=fd)
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        return _new_file(path)
    except OSError as e:
        raise RefusedTarget(f"{path}: {e.strerror}") from None
    if stat.S_ISLNK(lst.st_mode):
        if links == "refuse":
            raise RefusedTarget(f"{path}: is a symbolic link (not followed here)")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise RefusedTarget(f"{path}: is a symbolic link to a missing file") from None
        except OSError as e:  # a loop, a permission problem on the way
            raise RefusedTarget(f"{path}: {e.strerror}") from None
        real = os.path.realpath(path)
    else:
        st, real = lst, os.path.abspath(path)
    _is_input(st, inputs, path)
    if stat.S_ISREG(st.st_mode):
        return Target(path, "file", real, mode=stat.S_IMODE(st.st_mode) & 0o1777,
                      owner=(st.st_uid, st.st_gid))
    if streams and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode)):
        return Target(path, "stream", path)
    raise RefusedTarget(f"{path}: is {_kind_name(st.st_mode)}; not written")


def _new_file(path: str) -> Target:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        what = "does not exist" if not os.path.lexists(folder) else "is not a directory"
        raise RefusedTarget(f"{path}: folder {folder} {what}")
    return Target(path, "new", os.path.abspath(path))


def check_in_place_target(path: str) -> Target:
    """`path` as a file to rewrite in place: it must be a regular file (a link to one
    is followed: its file is rewritten, the link stays).  Devices, FIFOs and
    directories are refused: there is nothing to rewrite."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise RefusedTarget(f"{path}: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise RefusedTarget(f"{path}: is {_kind_name(st.st_mode)}; --in-place rewrites regular files only")
    return Target(path, "file", os.path.realpath(path), mode=stat.S_IMODE(st.st_mode) & 0o1777,
                  owner=(st.st_uid, st.st_gid))


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


def _create_temp(folder: str) -> Tuple[int, str]:
    """A new temporary file in `folder`, mode 0666 & ~umask (the kernel applies the
    umask, so no process-wide umask() call is needed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(folder, _temp_name())
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", folder)


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot sync a directory; the data is synced
        pass
    finally:
        os.close(fd)


def _replace(final: str, data: Data, mode: Optional[int], owner: Optional[Tuple[int, int]],
             fsync: bool, before_replace: Optional[Callable[[], Any]] = None) -> None:
    """Temporary file next to `final`, written, synced, then renamed onto `final`.
    `before_replace` (a backup) runs once the temporary file is complete: if the data
    fails midway (an input that cannot be read to its end), nothing else happened."""
    folder = os.path.dirname(final)
    fd, tmp = _create_temp(folder)
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
        # a device or directory that appeared since the check is not replaced either
        try:
            now = os.lstat(final)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(now.st_mode):
                raise RefusedTarget(f"{final}: became {_kind_name(now.st_mode)}; not replaced")
        if before_replace is not None:
            before_replace()
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if fsync:
        _fsync_folder(folder)


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
        _replace(target.real, data, target.mode, target.owner, fsync, before_replace)
    elif target.kind == "new":
        _replace(target.real, data, None, None, fsync, before_replace)
    else:
        raise ValueError(f"unknown target kind {target.kind!r}")
    return target


def backup_path_for(path: str, suffix: str) -> str:
    """FILE+SUFFIX, refusing suffixes that would not name a sibling of FILE."""
    if not suffix:
        raise RefusedTarget("the backup suffix is empty (it would name the file itself)")
    if os.sep in suffix or (os.altsep and os.altsep in suffix) or "\0" in suffix:
        raise RefusedTarget(f"the backup suffix {suffix!r} contains a path separator")
    return os.fspath(path) + suffix


def check_backup_target(path: str, suffix: str, inputs: Inputs = ()) -> str:
    """The backup's path, or RefusedTarget when it exists as anything but a regular
    file (a directory, a link, a device), is one of `inputs` (another file being
    rewritten), or its folder does not exist."""
    dest = backup_path_for(path, suffix)
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(folder):
            raise RefusedTarget(f"backup {dest}: folder {folder} does not exist") from None
        return dest
    except OSError as e:
        raise RefusedTarget(f"backup {dest}: {e.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise RefusedTarget(f"backup {dest}: exists and is a symbolic link; not replaced")
    if not stat.S_ISREG(st.st_mode):
        raise RefusedTarget(f"backup {dest}: exists and is {_kind_name(st.st_mode)}")
    if (st.st_dev, st.st_ino) in input_identities(inputs):
        raise RefusedTarget(f"backup {dest}: is one of the input files")
    return dest


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
        _replace(os.path.abspath(dest), original, source.mode, None, fsync)
        return dest
    with open(source.real, "rb") as fh:
        _replace(os.path.abspath(dest), iter(lambda: fh.read(COPY_BYTES), b""), source.mode, None, fsync)
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
