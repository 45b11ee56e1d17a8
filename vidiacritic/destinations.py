"""What a destination may be: every output is checked here before any work, so that
a refused one costs nothing (the rules are in :mod:`vidiacritic.safeio`'s notes).

``check_output_target`` (``-o``, the review page), ``check_in_place_target``
(``--in-place``) and ``check_backup_target`` (``--backup``) return a ``Target`` or a
path, or raise ``RefusedTarget`` with a one-line message; :mod:`vidiacritic.safeio`
writes them.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Tuple, Union

__all__ = ["RefusedTarget", "Target", "check_output_target", "check_in_place_target",
           "check_backup_target", "backup_path_for", "input_identities", "kind_name"]

_MAX_LINKS = 40  # as the kernel's ELOOP limit
_STD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"^/(?:proc/(?:self|thread-self|(\d+))/fd|dev/fd)/(\d+)$")

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



def kind_name(mode: int) -> str:
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
    raise RefusedTarget(f"{path}: is {kind_name(st.st_mode)}; not written")


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
        raise RefusedTarget(f"{path}: is {kind_name(st.st_mode)}; --in-place rewrites regular files only")
    return Target(path, "file", os.path.realpath(path), mode=stat.S_IMODE(st.st_mode) & 0o1777,
                  owner=(st.st_uid, st.st_gid))



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
        raise RefusedTarget(f"backup {dest}: exists and is {kind_name(st.st_mode)}")
    if (st.st_dev, st.st_ino) in input_identities(inputs):
        raise RefusedTarget(f"backup {dest}: is one of the input files")
    return dest


