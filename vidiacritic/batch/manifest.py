"""The batch's manifest (``OUT/manifest.jsonl``): one JSON record per member, the
record of what this job wrote (ownership) and what it may skip (resume), and the lock
that keeps two runs out of one --out."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .. import safeio
from .common import MANIFEST, printable
from .outputs import _O_NOFOLLOW, OutputRefused, _temp_name

_CHUNK = 1 << 20


def _manifest_temp() -> str:
    """A temporary name for the manifest (the batch's: with the writer's pid)."""
    return _temp_name(MANIFEST)


def _key(rec: Dict[str, Any]) -> Tuple[str, str]:
    """A record's identity: input and member, and for the second and later members of
    an archive with the same path their number (so that the duplicate's error never
    replaces the record of the member that was restored)."""
    member = rec.get("member") or ""
    if rec.get("duplicate"):
        member = f"{member}\x00{rec['duplicate']}"  # NUL: never in a member path
    return (rec.get("input") or "", member)


def _key_hash(key: Tuple[str, str]) -> int:
    h = hashlib.blake2b(digest_size=8)
    h.update(key[0].encode("utf-8", "surrogatepass") + b"\x00" + key[1].encode("utf-8", "surrogatepass"))
    return int.from_bytes(h.digest(), "little")


class _Manifest:
    """The manifest, with memory that does not grow with the number of members.

    During a run every finished member is appended (one flushed line) to
    manifest.jsonl, so a crash loses nothing that was written; lines cut short by a
    crash are ignored when reading.  The same records also stream, in input order
    (a small reorder buffer absorbs the workers' out-of-order completion), to a
    temporary file that becomes the new manifest at the end: records of members not
    seen in this run (other inputs, earlier runs) first, then this run's.  Previous
    records are kept as file offsets and parsed only when looked up.

    Ownership.  A file at a member's output path is replaced only if the manifest
    says this job wrote it: a line of that member with an ``output`` (an ok record,
    or the "writing" line logged just before the rename) or a ``previous_output``
    (an error record of a member whose earlier output is still ours).
    """

    def __init__(self, path: str, fresh: bool = False):
        self.path = path
        self.previous: Dict[int, int] = {}   # key hash → offset of its last line
        self.seen: set = set()               # key hashes recorded in this run
        self.owned: Dict[int, int] = {}      # key hash → offset of its last line naming an output
        self.fresh = fresh
        self.log_lock = threading.Lock()     # the writer threads log intents
        self.reader = None
        needs_newline = False
        if os.path.exists(path):
            offset = 0
            with _open_nofollow(path, os.O_RDONLY) as fh:
                for raw in fh:
                    needs_newline = not raw.endswith(b"\n")
                    try:
                        rec = json.loads(raw)
                    except ValueError:
                        rec = None
                    if isinstance(rec, dict):
                        h = _key_hash(_key(rec))
                        self.previous.pop(h, None)  # file order of the last version
                        self.previous[h] = offset
                        if rec.get("output") or rec.get("previous_output"):
                            self.owned[h] = offset
                    offset += len(raw)
            # --no-resume (fresh) forgets the records (the new manifest has this run's
            # only) but not which outputs are ours; the log keeps the old lines until then
            self.reader = _open_nofollow(path, os.O_RDONLY)
        self.log = _open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        if needs_newline:
            self.log.write(b"\n")
        folder = os.path.dirname(path) or "."
        fd, self.ordered_path = safeio.create_temp(folder, name=_manifest_temp)
        self.ordered = os.fdopen(fd, "wb")
        self.next_index = 0
        self.reorder: Dict[int, bytes] = {}

    def _line_at(self, off: Optional[int], key: Tuple[str, str]) -> Optional[Dict[str, Any]]:
        if off is None or self.reader is None:
            return None
        self.reader.seek(off)
        try:
            rec = json.loads(self.reader.readline())
        except ValueError:
            return None
        return rec if isinstance(rec, dict) and _key(rec) == key else None

    def get(self, key: Tuple[str, str]) -> Optional[Dict[str, Any]]:
        """The member's last record of earlier runs (None with --no-resume)."""
        return None if self.fresh else self._line_at(self.previous.get(_key_hash(key)), key)

    def owned_output(self, key: Tuple[str, str]) -> Optional[str]:
        """The output path this job wrote for the member in an earlier run, if any."""
        rec = self._line_at(self.owned.get(_key_hash(key)), key)
        if rec is None:
            return None
        out = rec.get("output") or rec.get("previous_output")
        return out if isinstance(out, str) else None

    def knows(self, key: Tuple[str, str]) -> bool:
        """Whether a file at the member's output path is this job's (may be replaced)."""
        return _key_hash(key) in self.owned

    def intent(self, input_name: str, member: str, output: str) -> None:
        """Log that the member's output is about to be renamed into place (status
        "writing"), so that after a crash between the rename and its record the next
        run knows the file is this job's output; the member's record supersedes the
        line.  Called from the writer threads."""
        line = {"input": input_name, "member": member, "output": output, "status": "writing"}
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        with self.log_lock:
            self.log.write(data)
            self.log.flush()

    def record(self, index: int, rec: Dict[str, Any], append: bool = True) -> None:
        line = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        if append:
            with self.log_lock:
                self.log.write(line)
                self.log.flush()
        h = _key_hash(_key(rec))
        if h in self.previous:  # only needed to leave out superseded previous records
            self.seen.add(h)
        self.reorder[index] = line
        while self.next_index in self.reorder:
            self.ordered.write(self.reorder.pop(self.next_index))
            self.next_index += 1

    def finalize(self) -> None:
        """Replace the manifest, atomically (safeio.write_at), by the records of the
        members not seen in this run, then this run's in input order."""
        assert not self.reorder, "records missing from the manifest"
        self.log.close()
        self.ordered.close()
        safeio.write_at(None, self.path, self._final_chunks(), temp_name=_manifest_temp)

    def _final_chunks(self) -> Iterator[bytes]:
        """The new manifest, in chunks of about 1 MiB."""
        lines: List[bytes] = []
        size = 0
        if self.reader is not None and not self.fresh:
            for h, off in self.previous.items():
                if h not in self.seen:
                    self.reader.seek(off)
                    lines.append(self.reader.readline().rstrip(b"\n") + b"\n")
                    size += len(lines[-1])
                    if size >= _CHUNK:
                        yield b"".join(lines)
                        lines, size = [], 0
        if lines:
            yield b"".join(lines)
        with open(self.ordered_path, "rb") as fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")

    def close(self) -> None:
        for fh in (self.log, self.ordered, self.reader):
            if fh is not None and not fh.closed:
                fh.close()
        _unlink(self.ordered_path)


def _open_nofollow(path: str, flags: int) -> Any:
    """open() of the manifest that refuses a link (a link planted in --out must not make
    batch write elsewhere) and anything but a regular file (O_NONBLOCK: a FIFO must not
    hang the run).  Raises OutputRefused for those."""
    try:
        fd = os.open(path, flags | _O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO) or os.path.islink(path):
            raise OutputRefused(f"{printable(path)} is a link or not a regular file; "
                                f"refusing to use it") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputRefused(f"{printable(path)} is not a regular file; refusing to use it")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb" if (flags & os.O_ACCMODE) == os.O_RDONLY else "ab")


def _lock(path: str) -> Optional[Any]:
    """An exclusive lock on the manifest for the whole run, or None if another run holds it."""
    fh = _open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        return fh
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    return fh


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass

