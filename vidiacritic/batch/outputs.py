"""Output files of the batch: written below --out only, never through a link, never
onto a file that is not this job's, never half-written.

Outputs are written through folder descriptors opened without following links
(``_Writer``), each through a temporary file + fsync + rename (``_write_output_at``:
:func:`vidiacritic.safeio.write_at`, the project's one atomic writer).
Temporary files are named ``.<name>.<pid>-<random>.vidiacritic-tmp``: the pid tells
a live writer's file from one left by a killed run, which the next run removes
(``_remove_stray_temps``).
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from typing import Callable, List, Optional

from .. import safeio
from .archives import ArchiveError
from .common import MANIFEST, printable

TMP_SUFFIX = ".vidiacritic-tmp"
# Temporary files are named ".<name>.<pid>-<random>.vidiacritic-tmp": the pid tells a
# live writer's file from one left by a killed run.
_TMP_RE = re.compile(r"^\..*" + re.escape(TMP_SUFFIX) + r"$")
_TMP_PID_RE = re.compile(r"\.(\d+)-[0-9a-f]+" + re.escape(TMP_SUFFIX) + r"$")
# A temporary file without a pid (older versions) is only removed past this age.
STRAY_TMP_AGE_S = 60.0
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class OutputRefused(ArchiveError):
    """An output would replace something that is not this job's output, or leave --out."""


def _temp_name(base: str) -> str:
    return f".{base[:80]}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"


_NOT_OURS = ("output path exists and is not an output of this batch (no manifest record); "
             "not replaced")
_NOT_A_FILE = ("output path exists and is not a regular file (a folder, a link or a device); "
               "not replaced")


def _write_output_at(dir_fd: int, base: str, data: bytes, fsync: bool, may_replace: bool,
                     before_commit: Callable[[], None] = lambda: None) -> None:
    """Write `base` in the folder `dir_fd` with the project's one atomic writer
    (safeio.write_at: temporary file + fsync + rename), under the batch's rules.

    An existing entry is replaced only if it is a regular file and `may_replace` (it is
    this job's output); otherwise the file is linked into place, which fails if the
    name was taken meanwhile, so nothing that is not ours is ever overwritten.
    `before_commit` runs just before the rename (the manifest notes the intent).  The
    folder is not synced after each output: after a power cut, resume checks every
    output against its record and redoes the ones that are not there."""
    try:
        st: Optional[os.stat_result] = os.stat(base, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputRefused(_NOT_A_FILE)
    if st is not None and not may_replace:
        raise OutputRefused(_NOT_OURS)
    try:
        safeio.write_at(dir_fd, base, data, fsync=fsync, sync_folder=False, exclusive=not may_replace,
                        before_replace=before_commit, temp_name=lambda: _temp_name(base))
    except FileExistsError:  # taken since the check above
        raise OutputRefused(_NOT_OURS) from None
    except safeio.RefusedTarget:  # became a folder, a link or a device since the check
        raise OutputRefused(_NOT_A_FILE) from None


def _open_subdir(parent_fd: int, name: str) -> int:
    """Open (creating it if needed) the folder `name` in `parent_fd`, refusing a link
    or anything that is not a folder: a link planted inside --out must not send
    outputs elsewhere."""
    flags = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=parent_fd)
    except FileNotFoundError:
        try:
            os.mkdir(name, 0o777, dir_fd=parent_fd)
        except FileExistsError:
            pass
        try:
            return os.open(name, flags, dir_fd=parent_fd)
        except OSError as exc:
            raise OutputRefused(f"cannot open output folder {printable(name)}: "
                                f"{exc.strerror or exc}") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OutputRefused(f"output folder {printable(name)} is a link or a file (refused: "
                                f"outputs stay inside --out)") from None
        raise


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _is_stray_temp(folder: str, name: str, now: float) -> bool:
    """A temporary file no live writer owns: its pid is gone, or (older versions'
    names without a pid) it is older than STRAY_TMP_AGE_S."""
    if not _TMP_RE.match(name):
        return False
    m = _TMP_PID_RE.search(name)
    if m:
        return not _pid_alive(int(m.group(1)))
    try:
        age = now - os.lstat(os.path.join(folder, name)).st_mtime
    except OSError:
        return False
    return age > STRAY_TMP_AGE_S


def _remove_stray_temps(out: str) -> int:
    """Remove temporary files left by a killed run of this job.  Folders holding a
    manifest of their own are another job's --out (possibly running): never entered."""
    n = 0
    now = time.time()
    for folder, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not os.path.lexists(os.path.join(folder, d, MANIFEST))]
        for f in files:
            if _is_stray_temp(folder, f, now):
                try:
                    os.unlink(os.path.join(folder, f))
                    n += 1
                except OSError:
                    pass
    return n


class _Writer:
    """Writes outputs below the --out folder `out_fd`, folder by folder through file
    descriptors opened without following links: nothing lands outside --out."""

    def __init__(self, out_fd: int, fsync: bool):
        self.out_fd = out_fd
        self.fsync = fsync

    def write(self, rel: str, data: bytes, may_replace: bool,
              before_commit: Callable[[], None] = lambda: None) -> None:
        parts = rel.split("/")
        opened: List[int] = []
        try:
            folder = self.out_fd
            for part in parts[:-1]:
                folder = _open_subdir(folder, part)
                opened.append(folder)
            _write_output_at(folder, parts[-1], data, self.fsync, may_replace, before_commit)
        finally:
            for fd in opened:
                os.close(fd)

