"""`vidiacritic batch`: restore every text file of folders and archives.

    vidiacritic batch scans/ 2019.zip old.tar.gz --out restored/ [--jobs N]

Layout.  Member M of input I (a folder, an archive or a single file) is written to
``OUT/<name of I>/<M>`` — UTF-8, NFC; a single file goes to ``OUT/<its name>``.
``OUT/manifest.jsonl`` holds one JSON object per member (``input``, ``member``,
``output``, ``status`` ok/skipped/error, ``error``, ``bytes``, ``syllables``,
``words_changed``, ``mean_confidence``, ``seconds``, plus ``encoding``,
``sha256`` of the source, ``engine_version``, ``decode_options`` and
``output_bytes`` for resuming).  The exit code is 1 when any member failed, after
all the others were processed.

How it works.  The main process walks the inputs member by member (archives are
streamed, never extracted; see :mod:`vidiacritic.archives` for the safety rules
and size limits), reads each selected member, hashes it, and hands the bytes to a
worker; the worker decodes them (:mod:`vidiacritic.decoding`) and runs the
restorer, which each worker builds once.  The main process writes every output
through a temporary file in the same folder + fsync + ``os.replace``, then appends
its manifest line, so a crash or ``kill -9`` leaves either the old file or the new
one, never half of one (stray temporary files are removed by the next run).  At the
end the manifest is rewritten (atomically) with one line per member in input order.

Resume.  A member is skipped when the manifest says it was done with the same
source SHA-256, the same ``Restorer.version`` and the same decoding options, and
its output is still there; rerunning an interrupted command completes the rest
and gives the same bytes as an uninterrupted run.

Memory.  At most ``4 × workers`` members (Dask: 16 per worker thread) are in flight,
and as many outputs waiting for the writer threads; file contents are never
accumulated, so memory does not grow with the number of files.

Scale-out.  ``--dask-scheduler tcp://HOST:8786`` sends the work to a Dask
distributed cluster (``pip install vidiacritic[dask]``; the workers need
vidiacritic and its models installed too); ``--dask-local N`` starts a
``LocalCluster`` of N single-threaded worker processes.  The client still reads the
inputs and writes the outputs and the manifest, with the same resume rules, so the
results are the same as with ``--jobs``.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import importlib
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import archives
from .archives import ArchiveError, Limits, Member
from .decoding import LEGACY_CHOICES, DecodeError, decode_with_info
from .restorer import ENGINES
from .text import compose_marks

MANIFEST = "manifest.jsonl"
TMP_SUFFIX = ".vidiacritic-tmp"
_TMP_RE = re.compile(r"^\..*" + re.escape(TMP_SUFFIX) + r"$")
# Members in flight per worker: enough to keep workers busy, small enough for flat memory.
INFLIGHT_PER_WORKER = 4
# Threads writing outputs: fsync waits on the disk, not the CPU.
WRITER_THREADS = 4
LOG_EVERY_S = 5.0
_MAX_ERROR_CHARS = 300

Task = Tuple[int, bytes, Optional[str], str]        # index, data, encoding, legacy
Result = Dict[str, Any]
Factory = Callable[[], Any]


# ============================================================ restorer factories
@dataclass(frozen=True)
class RestorerSpec:
    """A picklable factory: ``RestorerSpec("rules", "traditional")()`` builds the restorer.

    ``target`` ("module:callable") replaces vidiacritic.Restorer with any callable taking
    ``engine=`` and ``tone_style=`` that returns an object with ``explain``/``restore``
    and ``version``.
    """
    engine: str = "auto"
    tone_style: str = "traditional"
    target: Optional[str] = None

    def __call__(self) -> Any:
        if self.target:
            mod, _, attr = self.target.partition(":")
            obj: Any = importlib.import_module(mod)
            for part in (attr or "Restorer").split("."):
                obj = getattr(obj, part)
            return obj(engine=self.engine, tone_style=self.tone_style)
        from . import Restorer
        return Restorer(engine=self.engine, tone_style=self.tone_style)


_TRIM: Any = None
TRIM_EVERY = 1000


def _trim_memory() -> None:
    """Give freed heap memory back to the OS (glibc keeps it otherwise, and RSS creeps up
    with the number of files although nothing is kept)."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes
            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS - 1] + "…"


def _version_of(restorer: Any) -> str:
    v = getattr(restorer, "version", None)
    if callable(v):
        v = v()
    return str(v) if v is not None else type(restorer).__name__


def process_task(restorer: Any, task: Task) -> Result:
    """Decode and restore one member (runs in a worker).  Never raises."""
    index, data, encoding, legacy = task
    t0 = time.perf_counter()
    res: Result = {"index": index}
    try:
        dec = decode_with_info(data, encoding, legacy)
    except DecodeError as exc:
        res.update(status="error", error=_one_line(exc))
    except (LookupError, ValueError) as exc:
        res.update(status="error", error=_one_line(f"cannot decode: {exc}"))
    else:
        res["encoding"] = dec.encoding
        try:
            if hasattr(restorer, "explain"):
                ex = restorer.explain(dec.text)
                text, words = ex.text, list(ex.words)
            else:
                text, words = restorer.restore(dec.text), None
        except Exception as exc:  # one bad file must not stop the batch
            res.update(status="error", error=_one_line(f"restorer failed: {type(exc).__name__}: {exc}"))
        else:
            out = compose_marks(text).encode("utf-8")
            res.update(status="ok", data=out)
            if words is not None:
                res["syllables"] = len(words)
                res["words_changed"] = sum(1 for w in words if w.changed)
                res["mean_confidence"] = (round(sum(float(w.confidence) for w in words) / len(words), 4)
                                          if words else None)
    res["seconds"] = round(time.perf_counter() - t0, 4)
    return res


# ============================================================ workers
_WORKER: Dict[str, Any] = {"restorer": None, "error": None, "key": None}
_WORKER_LOCK = threading.Lock()


def _exit_with_parent() -> None:
    """A pool worker whose parent was killed (kill -9) would wait for work forever:
    watch the parent and leave with it."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="vidiacritic-parent-watch", daemon=True).start()


def _init_worker(factory: Factory, ignore_sigint: bool = True) -> None:
    if ignore_sigint:  # a pool worker
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
        _exit_with_parent()
    try:
        _WORKER["restorer"] = factory()
        _WORKER["error"] = None
    except BaseException as exc:  # reported through _worker_version / each task
        _WORKER["restorer"] = None
        _WORKER["error"] = _one_line(f"cannot load the restorer: {type(exc).__name__}: {exc}")


def _worker_version() -> str:
    if _WORKER["restorer"] is None:
        raise RuntimeError(_WORKER["error"] or "restorer not initialised")
    return _version_of(_WORKER["restorer"])


def _worker_process(task: Task) -> Result:
    _WORKER["count"] = _WORKER.get("count", 0) + 1
    if _WORKER["count"] % TRIM_EVERY == 0:
        _trim_memory()
    if _WORKER["restorer"] is None:
        return {"index": task[0], "status": "error", "error": _WORKER["error"], "seconds": 0.0}
    return process_task(_WORKER["restorer"], task)


def _dask_ensure(key: str, factory: Factory) -> None:
    """Build the restorer once per Dask worker process (per run key)."""
    with _WORKER_LOCK:
        if _WORKER["key"] != key:
            _init_worker(factory, ignore_sigint=False)
            _WORKER["key"] = key


def _dask_version(key: str, factory: Factory) -> str:
    _dask_ensure(key, factory)
    return _worker_version()


def _dask_process_many(key: str, factory: Factory, tasks: List[Task]) -> List[Result]:
    _dask_ensure(key, factory)
    return [_worker_process(t) for t in tasks]


# ============================================================ backends
class _InlineBackend:
    """--jobs 1: everything in this process."""

    name = "1 process"

    def __init__(self, factory: Factory):
        self.restorer = factory()
        self.done: List[Result] = []
        self.workers = 1
        self.window = 2

    def version(self) -> str:
        return _version_of(self.restorer)

    @property
    def pending(self) -> int:
        return len(self.done)

    def submit(self, task: Task) -> None:
        self.done.append(process_task(self.restorer, task))

    def wait(self) -> List[Result]:
        out, self.done = self.done, []
        return out

    def close(self, cancel: bool = False) -> None:
        pass


class _PoolBackend:
    """--jobs N: N worker processes, each building the restorer once (pool initializer)."""

    def __init__(self, factory: Factory, jobs: int):
        import multiprocessing
        methods = multiprocessing.get_all_start_methods()
        # fork: workers inherit the factory (closures allowed) and start fast.
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.factory = factory
        self.workers = jobs
        self.window = INFLIGHT_PER_WORKER * jobs
        self.name = f"{jobs} processes"
        self.futures: Dict[Any, int] = {}
        self._start()

    def _start(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx,
                                        initializer=_init_worker, initargs=(self.factory,))

    def version(self) -> str:
        return self.pool.submit(_worker_version).result()

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, task: Task) -> None:
        try:
            fut = self.pool.submit(_worker_process, task)
        except BrokenProcessPool:
            self._restart()
            fut = self.pool.submit(_worker_process, task)
        self.futures[fut] = task[0]

    def wait(self) -> List[Result]:
        if not self.futures:
            return []
        done, _ = futures_wait(list(self.futures), return_when=FIRST_COMPLETED)
        out = []
        broken = False
        for fut in done:
            index = self.futures.pop(fut)
            try:
                out.append(fut.result())
            except BrokenProcessPool:
                broken = True
                out.append({"index": index, "status": "error", "seconds": 0.0,
                            "error": "worker process died (out of memory or crashed)"})
            except Exception as exc:
                out.append({"index": index, "status": "error", "seconds": 0.0,
                            "error": _one_line(f"{type(exc).__name__}: {exc}")})
        if broken:
            self._restart()
        return out

    def _restart(self) -> None:
        # Every future of a broken pool fails; they are reported by wait() one by one.
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._start()

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _DaskBackend:
    """--dask-scheduler / --dask-local: members travel to Dask workers in small chunks
    (a round trip through the scheduler costs milliseconds; one per member would
    dominate), at most two chunks in flight per worker thread."""

    CHUNK_MEMBERS = 8
    CHUNK_BYTES = 1 << 20

    def __init__(self, factory: Factory, address: Optional[str], local_workers: Optional[int]):
        try:
            import distributed
        except ImportError:
            raise SystemExit("batch: error: Dask is not installed (pip install 'vidiacritic[dask]')")
        import logging
        self.distributed = distributed
        self.cluster = None
        if address:
            self.client = distributed.Client(address)
            self.name = f"Dask cluster at {address}"
        else:
            n = local_workers or 1
            self.cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR)
            self.client = distributed.Client(self.cluster)
            self.name = f"Dask LocalCluster of {n} workers"
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.window = 2 * self.CHUNK_MEMBERS * self.workers
        self.factory = factory
        self.key = f"vidiacritic-batch-{os.getpid()}-{time.time_ns()}"
        self.futures: Dict[Any, List[int]] = {}
        self.buffer: List[Task] = []
        self.buffered_bytes = 0
        self.in_flight = 0

    def version(self) -> str:
        return self.client.submit(_dask_version, self.key, self.factory, pure=False).result()

    @property
    def pending(self) -> int:
        return self.in_flight

    def submit(self, task: Task) -> None:
        self.buffer.append(task)
        self.buffered_bytes += len(task[1])
        self.in_flight += 1
        if len(self.buffer) >= self.CHUNK_MEMBERS or self.buffered_bytes >= self.CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            fut = self.client.submit(_dask_process_many, self.key, self.factory, self.buffer,
                                     pure=False)
            self.futures[fut] = [t[0] for t in self.buffer]
            self.buffer, self.buffered_bytes = [], 0

    def wait(self) -> List[Result]:
        self._flush()
        if not self.futures:
            return []
        done, _ = self.distributed.wait(list(self.futures), return_when="FIRST_COMPLETED")
        out: List[Result] = []
        for fut in done:
            indices = self.futures.pop(fut)
            self.in_flight -= len(indices)
            try:
                out.extend(fut.result())
            except Exception as exc:
                msg = _one_line(f"Dask task failed: {type(exc).__name__}: {exc}")
                out.extend({"index": i, "status": "error", "seconds": 0.0, "error": msg}
                           for i in indices)
            fut.release()
        return out

    def close(self, cancel: bool = False) -> None:
        try:
            if cancel and self.futures:
                self.client.cancel(list(self.futures))
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


# ============================================================ output files
def _atomic_write(dest: str, data: bytes, fsync: bool = True) -> None:
    """Write via a temporary file in the same folder + fsync + os.replace."""
    folder, base = os.path.split(dest)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + base[:80] + ".", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_stray_temps(out: str) -> int:
    """Temporary files left by a run that was killed: never outputs, always safe to drop."""
    n = 0
    for folder, _dirs, files in os.walk(out):
        for f in files:
            if _TMP_RE.match(f):
                try:
                    os.unlink(os.path.join(folder, f))
                    n += 1
                except OSError:
                    pass
    return n


class _Writer:
    def __init__(self, out: str, fsync: bool):
        self.out = out
        self.real_out = os.path.realpath(out)
        self.fsync = fsync
        self.made: set = set()

    def path_of(self, rel: str) -> str:
        return os.path.join(self.out, *rel.split("/"))

    def write(self, rel: str, data: bytes) -> None:
        dest = self.path_of(rel)
        folder = os.path.dirname(dest)
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            real = os.path.realpath(folder)
            if os.path.commonpath([self.real_out, real]) != self.real_out:
                raise ArchiveError("output path leaves the output folder")
            self.made.add(folder)
        if os.path.islink(dest) or os.path.isdir(dest):
            raise ArchiveError("output path is a folder or a link")
        _atomic_write(dest, data, self.fsync)


# ============================================================ manifest
def _key(rec: Dict[str, Any]) -> Tuple[str, str]:
    return (rec.get("input") or "", rec.get("member") or "")


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
    """

    def __init__(self, path: str, fresh: bool = False):
        self.path = path
        self.previous: Dict[int, int] = {}   # key hash → offset of its last line
        self.seen: set = set()               # key hashes recorded in this run
        self.reader = None
        needs_newline = False
        if os.path.exists(path) and not fresh:
            offset = 0
            with open(path, "rb") as fh:
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
                    offset += len(raw)
            self.reader = open(path, "rb")
        self.log = open(path, "wb" if fresh else "ab")
        if needs_newline:
            self.log.write(b"\n")
        fd, self.ordered_path = tempfile.mkstemp(dir=os.path.dirname(path) or ".",
                                                 prefix="." + MANIFEST + ".", suffix=TMP_SUFFIX)
        self.ordered = os.fdopen(fd, "wb")
        self.next_index = 0
        self.reorder: Dict[int, bytes] = {}

    def get(self, key: Tuple[str, str]) -> Optional[Dict[str, Any]]:
        off = self.previous.get(_key_hash(key))
        if off is None or self.reader is None:
            return None
        self.reader.seek(off)
        try:
            rec = json.loads(self.reader.readline())
        except ValueError:
            return None
        return rec if isinstance(rec, dict) and _key(rec) == key else None

    def record(self, index: int, rec: Dict[str, Any], append: bool = True) -> None:
        line = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        if append:
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
        assert not self.reorder, "records missing from the manifest"
        self.log.close()
        self.ordered.close()
        folder = os.path.dirname(self.path) or "."
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + MANIFEST + ".", suffix=TMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                if self.reader is not None:
                    for h, off in self.previous.items():
                        if h not in self.seen:
                            self.reader.seek(off)
                            out.write(self.reader.readline().rstrip(b"\n") + b"\n")
                with open(self.ordered_path, "rb") as fh:
                    while True:
                        chunk = fh.read(1 << 20)
                        if not chunk:
                            break
                        out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            _unlink(tmp)
            raise

    def close(self) -> None:
        for fh in (self.log, self.ordered, self.reader):
            if fh is not None and not fh.closed:
                fh.close()
        _unlink(self.ordered_path)


def _lock(path: str) -> Optional[Any]:
    """An exclusive lock on the manifest for the whole run, or None if another run holds it."""
    fh = open(path, "ab")
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


# ============================================================ progress
class _Progress:
    def __init__(self, mode: str, workers_desc: str):
        self.t0 = time.perf_counter()
        self.files = self.ok = self.skipped = self.failed = self.resumed = 0
        self.syllables = 0
        self.bar = None
        self.mode = mode
        self.last_log = self.t0
        if mode == "bar":
            from tqdm import tqdm
            self.bar = tqdm(unit=" files", file=sys.stderr, dynamic_ncols=True, smoothing=0.1,
                            desc="batch")
        elif mode == "log":
            self._log(f"batch: started ({workers_desc})")

    @staticmethod
    def _log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def update(self, rec: Dict[str, Any], resumed: bool) -> None:
        self.files += 1
        status = rec["status"]
        if status == "ok":
            self.ok += 1
            self.resumed += resumed
            if not resumed:
                self.syllables += rec.get("syllables") or 0
        elif status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            if self.mode != "quiet":
                msg = f"batch: error: {rec['input']}/{rec['member']}: {rec['error']}"
                if self.bar is not None:
                    self.bar.write(msg, file=sys.stderr)
                else:
                    self._log(msg)
        now = time.perf_counter()
        if self.bar is not None:
            el = max(now - self.t0, 1e-9)
            self.bar.set_postfix_str(f"ok={self.ok} failed={self.failed} {self.syllables / el:,.0f} syl/s",
                                     refresh=False)
            self.bar.update(1)
        elif self.mode == "log" and now - self.last_log >= LOG_EVERY_S:
            self.last_log = now
            self._log("batch: " + self.status_line())

    def status_line(self) -> str:
        el = max(time.perf_counter() - self.t0, 1e-9)
        return (f"{self.files} files ({self.ok} ok, {self.skipped} skipped, {self.failed} failed), "
                f"{self.files / el:.1f} files/s, {self.syllables / el:,.0f} syllables/s")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def summary(self, manifest: str) -> str:
        el = time.perf_counter() - self.t0
        done = f" ({self.resumed} already done)" if self.resumed else ""
        return (f"batch: {self.ok} ok{done}, {self.skipped} skipped, {self.failed} failed; "
                f"{self.syllables:,} syllables in {el:.1f} s ({self.syllables / max(el, 1e-9):,.0f} "
                f"syllables/s, {(self.files - self.resumed) / max(el, 1e-9):.1f} files/s); "
                f"manifest: {manifest}")


# ============================================================ the job
@dataclass
class _Pending:
    input: str
    member: str
    output: str
    nbytes: int
    sha256: str


def _selected(path: str, patterns: Sequence[str]) -> bool:
    low = path.lower()
    base = low.rsplit("/", 1)[-1]
    for pat in patterns:
        pat = pat.lower()
        if fnmatch.fnmatchcase(low if "/" in pat else base, pat):
            return True
    return False


def _input_names(inputs: Sequence[str]) -> List[str]:
    """Output names of the inputs: their own names, made unique ("x.txt", "x-2.txt")."""
    names: List[str] = []
    used: set = {MANIFEST}
    for p in inputs:
        name = archives.input_name(p)
        stem, ext = os.path.splitext(name)
        n = 1
        while name in used:
            n += 1
            name = f"{stem}-{n}{ext}"
        used.add(name)
        names.append(name)
    return names


def _record(member: Member, **kw: Any) -> Dict[str, Any]:
    rec: Dict[str, Any] = {"input": member.input, "member": member.path, "output": None,
                           "status": "error", "error": None, "bytes": member.size,
                           "syllables": None, "words_changed": None, "mean_confidence": None,
                           "seconds": 0.0}
    rec.update(kw)
    return rec


class BatchJob:
    """One run of the batch command (see the module docstring)."""

    def __init__(self, inputs: Sequence[str], out: str, *, glob: Sequence[str] = ("*.txt",),
                 encoding: Optional[str] = None, legacy: str = "auto", limits: Limits = Limits(),
                 fsync: bool = True, progress: str = "log", resume: bool = True):
        self.inputs = list(inputs)
        self.out = os.path.abspath(out)
        self.glob = list(glob) or ["*.txt"]
        self.encoding = encoding
        self.legacy = legacy
        self.limits = limits
        self.fsync = fsync
        self.progress_mode = progress
        self.resume = resume
        self.decode_options = f"encoding={encoding or 'auto'};legacy={legacy}"

    # -- the stream of members -------------------------------------------------
    def _work(self, version: str, manifest: _Manifest, seen_out: set
              ) -> Iterator[Tuple[int, Union[Dict[str, Any], Tuple[_Pending, bytes]], bool]]:
        index = 0
        for path, name in zip(self.inputs, _input_names(self.inputs)):
            single = archives.input_kind(path) == "file"
            seen_out.clear()  # output paths of different inputs cannot clash: one folder each
            for m in archives.iter_members(path, name, self.limits, exclude=[self.out]):
                i, index = index, index + 1
                if m.error is not None:
                    yield i, _record(m, error=_one_line(m.error)), False
                    continue
                if not _selected(m.path, self.glob):
                    yield i, _record(m, status="skipped",
                                     error="not selected by --glob " + " ".join(self.glob)), False
                    continue
                out_rel = name if single else f"{name}/{m.path}"
                out_hash = _key_hash((out_rel, ""))
                if out_rel == MANIFEST or out_hash in seen_out:
                    yield i, _record(m, error="duplicate member path" if out_hash in seen_out
                                     else "name clashes with the manifest"), False
                    continue
                seen_out.add(out_hash)
                try:
                    data = m.read()
                except ArchiveError as exc:
                    yield i, _record(m, error=_one_line(exc)), False
                    continue
                sha = hashlib.sha256(data).hexdigest()
                prev = manifest.get((name, m.path)) if self.resume else None
                if (prev and prev.get("status") == "ok" and prev.get("sha256") == sha
                        and prev.get("engine_version") == version
                        and prev.get("decode_options") == self.decode_options
                        and prev.get("output") == out_rel
                        and self._output_intact(out_rel, prev.get("output_bytes"))):
                    yield i, prev, True
                    continue
                yield i, (_Pending(name, m.path, out_rel, len(data), sha), data), False

    def _output_intact(self, rel: str, size: Any) -> bool:
        try:
            st = os.lstat(os.path.join(self.out, *rel.split("/")))
        except OSError:
            return False
        return size is None or st.st_size == size

    # -- results -----------------------------------------------------------------
    def _finish(self, res: Result, p: _Pending, version: str, writer: _Writer) -> Dict[str, Any]:
        rec = {"input": p.input, "member": p.member, "output": None, "status": res["status"],
               "error": res.get("error"), "bytes": p.nbytes, "syllables": res.get("syllables"),
               "words_changed": res.get("words_changed"),
               "mean_confidence": res.get("mean_confidence"), "seconds": res.get("seconds", 0.0),
               "encoding": res.get("encoding"), "sha256": p.sha256, "engine_version": version,
               "decode_options": self.decode_options}
        if res["status"] == "ok":
            data = res["data"]
            try:
                writer.write(p.output, data)
            except (OSError, ArchiveError) as exc:
                rec.update(status="error", error=_one_line(f"cannot write output: "
                                                           f"{getattr(exc, 'strerror', None) or exc}"))
            else:
                rec.update(output=p.output, output_bytes=len(data))
        return rec

    def run(self, backend_factory: Callable[[], Any]) -> int:
        os.makedirs(self.out, exist_ok=True)
        manifest_path = os.path.join(self.out, MANIFEST)
        lock = _lock(manifest_path)
        if lock is None:
            print(f"batch: error: another batch is writing to {self.out}", file=sys.stderr)
            return 1
        try:
            return self._run_locked(backend_factory, manifest_path)
        finally:
            lock.close()

    def _run_locked(self, backend_factory: Callable[[], Any], manifest_path: str) -> int:
        _remove_stray_temps(self.out)
        manifest = _Manifest(manifest_path, fresh=not self.resume)
        io = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="vidiacritic-write")
        backend = None
        try:
            try:
                backend = backend_factory()
                version = backend.version()
            except Exception as exc:  # the restorer (or the cluster) cannot be had
                print(f"batch: error: {_one_line(exc)}", file=sys.stderr)
                return 1
            mode = self.progress_mode
            progress = _Progress(mode, backend.name)
            writer = _Writer(self.out, self.fsync)
            pending: Dict[int, _Pending] = {}
            writes: Dict[Future, Tuple[int, _Pending]] = {}
            window = max(2, backend.window)

            def done(index: int, rec: Dict[str, Any], resumed: bool = False) -> None:
                manifest.record(index, rec, append=not resumed)
                progress.update(rec, resumed)
                if progress.files % TRIM_EVERY == 0:
                    _trim_memory()

            def harvest(block: bool) -> None:
                """Record the outputs the writer threads have finished."""
                if not writes:
                    return
                if block:
                    ready = futures_wait(list(writes), return_when=FIRST_COMPLETED)[0]
                else:
                    ready = [f for f in writes if f.done()]
                for fut in ready:
                    index, p = writes.pop(fut)
                    try:
                        rec = fut.result()
                    except Exception as exc:  # pragma: no cover - _finish handles I/O errors
                        rec = self._finish({"index": index, "status": "error",
                                            "error": _one_line(f"cannot write output: {exc}")},
                                           p, version, writer)
                    done(index, rec)

            def collect() -> None:
                for res in backend.wait():
                    index = res["index"]
                    p = pending.pop(index)
                    if res["status"] == "ok":
                        # fsync waits on the disk: writer threads keep it off the main loop
                        while len(writes) >= window:
                            harvest(block=True)
                        writes[io.submit(self._finish, res, p, version, writer)] = (index, p)
                    else:
                        done(index, self._finish(res, p, version, writer))
                harvest(block=False)

            for i, item, resumed in self._work(version, manifest, set()):
                if isinstance(item, dict):
                    done(i, item, resumed)
                    continue
                p, data = item
                while backend.pending >= window:
                    collect()
                pending[i] = p
                backend.submit((i, data, self.encoding, self.legacy))
                del data, item
            while backend.pending:
                collect()
            while writes:
                harvest(block=True)
            progress.close()
            manifest.finalize()
            print(progress.summary(manifest_path), flush=True)
            return 1 if progress.failed else 0
        except BaseException:
            if backend is not None:
                backend.close(cancel=True)
                backend = None
            raise
        finally:
            io.shutdown(wait=True, cancel_futures=True)
            manifest.close()
            if backend is not None:
                backend.close()


# ============================================================ command line
def _size_arg(text: str) -> int:
    try:
        return archives.parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="folders, .zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz archives, or files")
    p.add_argument("--out", "-o", required=True, metavar="DIR",
                   help="output folder: DIR/<input name>/<member path>, plus DIR/manifest.jsonl")
    p.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes, each loading the model once (default: number of cores)")
    p.add_argument("--glob", action="append", metavar="PATTERN",
                   help="members to restore (case-insensitive; on the file name, or on the whole "
                        "path if the pattern has a /); repeatable; default *.txt")
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--tone-style", choices=("traditional", "modern"), default="traditional")
    p.add_argument("--encoding", metavar="CODEC",
                   help="force the input encoding (default: detect; tcvn3 and vni accepted)")
    p.add_argument("--legacy-encoding", choices=LEGACY_CHOICES, default="auto",
                   help="TCVN3/VNI font encodings: detect (auto), force, or never convert")
    p.add_argument("--max-member-size", type=_size_arg, default=Limits.max_member_bytes,
                   metavar="SIZE", help="refuse members larger than this (default 64M)")
    p.add_argument("--max-total-size", type=_size_arg, default=Limits.max_total_bytes,
                   metavar="SIZE", help="stop reading an archive past this many uncompressed "
                                        "bytes (default 4G)")
    p.add_argument("--no-resume", action="store_true",
                   help="redo every member even if the manifest says it is done")
    p.add_argument("--no-fsync", action="store_true",
                   help="skip fsync of each output (faster; a power cut may then lose recent files)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--dask-scheduler", metavar="ADDRESS",
                      help="run on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786)")
    dask.add_argument("--dask-local", type=_positive_int, metavar="N",
                      help="start a Dask LocalCluster of N worker processes")
    prog = p.add_mutually_exclusive_group()
    prog.add_argument("--progress", action="store_true", help="force the progress bar")
    prog.add_argument("--quiet", "-q", action="store_true", help="only the summary line")
    p.add_argument("--restorer-factory", metavar="MODULE:CALLABLE",
                   help="use this callable(engine=, tone_style=) instead of vidiacritic.Restorer")


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `batch` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "batch", help="restore whole folders and archives (resumable, parallel)",
        description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace, restorer_factory: Optional[Factory] = None) -> int:
    """Run the batch command; returns the exit code (0: no member failed, 1: some did)."""
    factory: Factory = restorer_factory or RestorerSpec(
        args.engine, args.tone_style, getattr(args, "restorer_factory", None))
    if args.encoding and args.encoding.lower().replace("_", "-") not in (
            "tcvn3", "tcvn", "abc", "vni", "vni-windows"):
        import codecs
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            print(f"batch: error: unknown encoding: {args.encoding}", file=sys.stderr)
            return 2
    if getattr(args, "quiet", False):
        mode = "quiet"
    elif getattr(args, "progress", False) or sys.stderr.isatty():
        mode = "bar"
    else:
        mode = "log"
    job = BatchJob(args.inputs, args.out, glob=args.glob or ["*.txt"], encoding=args.encoding,
                   legacy=args.legacy_encoding,
                   limits=Limits(args.max_member_size, args.max_total_size),
                   fsync=not args.no_fsync, progress=mode, resume=not args.no_resume)
    if args.dask_scheduler or args.dask_local:
        def backend() -> Any:
            return _DaskBackend(factory, args.dask_scheduler, args.dask_local)
    elif args.jobs <= 1:
        def backend() -> Any:
            return _InlineBackend(factory)
    else:
        def backend() -> Any:
            return _PoolBackend(factory, args.jobs)
    return job.run(backend)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="vidiacritic batch", description=__doc__.split("\n\n")[0])
    add_arguments(ap)
    args = ap.parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("batch: interrupted (rerun the same command to resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # Run the copy imported as vidiacritic.batch, not this __main__ module: worker
    # functions must pickle by reference (Dask, spawn) to the real module.
    from vidiacritic.batch import main as _main
    sys.exit(_main())
