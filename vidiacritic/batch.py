"""`vidiacritic batch`: restore every text file of folders and archives.

Members: ``*.txt`` as text, and (``DEFAULT_GLOB``) ``*.hocr`` and ``*.xml`` whose content
is hOCR, ALTO or PAGE XML, restored in place by :mod:`vidiacritic.formats` (other XML
is skipped); the manifest's ``format`` says which.

    vidiacritic batch scans/ 2019.zip old.tar.gz --out restored/ [--jobs N]

Layout.  Member M of input I (a folder, an archive or a single file) is written to
``OUT/<name of I>/<M>`` — UTF-8, NFC; a single file goes to ``OUT/<its name>``.
``OUT/manifest.jsonl`` holds one JSON object per member (``input``, ``member``,
``output``, ``status`` ok/skipped/error, ``error``, ``bytes``, ``syllables``,
``words_changed``, ``mean_confidence``, ``seconds``, plus ``encoding``,
``sha256`` of the source, ``engine_version``, ``decode_options`` and
``output_bytes`` for resuming; ``duplicate`` on the second and later members of an
archive with the same path; ``previous_output`` on a failed member whose earlier
output is still there; a line with status ``writing`` is logged just before an
output is renamed into place and superseded by the member's record).  The exit code
is 1 when any member failed, after all the others were processed; 2 when the
command is refused (see Safety).

How it works.  The main process walks the inputs member by member (archives are
streamed, never extracted; see :mod:`vidiacritic.archives` for the safety rules
and size limits), reads each selected member, hashes it, and hands the bytes to a
worker; the worker decodes them (:mod:`vidiacritic.decoding`) and runs the
restorer, which each worker builds once.  The main process writes every output
through a temporary file in the same folder + fsync + ``os.replace``, then appends
its manifest line, so a crash or ``kill -9`` leaves either the old file or the new
one, never half of one (temporary files carry their writer's pid; the next run
removes those whose writer is dead).  At the end the manifest is rewritten
(atomically) with one line per member in input order.

Safety.  ``--out`` may not be an input nor contain one (exit 2; it may lie inside an
input folder, whose walk then leaves it out), so outputs never replace inputs and
are never read back.  Outputs are written through folder descriptors opened without
following links, so a link planted in ``--out`` sends nothing elsewhere; the
manifest is never opened through a link either.  A file at an output path is
replaced only if the manifest says this job wrote it (``_Manifest`` "Ownership");
anything else there is left alone and the member is an error.  Folders of ``--out``
that hold a manifest of their own belong to another job and are never cleaned.
Files are created with mode 0666 less the umask.  Each member has a time limit
(``--member-timeout``, default 600 s): past it the member is an error and the job
goes on (a pool worker stuck in native code is killed and replaced; with ``--jobs 1``
a native call is only interrupted when it returns; Dask runs have no limit).
Member names are escaped when printed (``printable``).

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
import errno
import fnmatch
import hashlib
import importlib
import json
import os
import re
import secrets
import signal
import stat
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from . import archives
from .stream import explain_pieces
from .archives import ArchiveError, Limits, Member
from .decoding import LEGACY_CHOICES, DecodeError, decode_with_info
from .restorer import ENGINES
from .text import compose_marks

MANIFEST = "manifest.jsonl"
TMP_SUFFIX = ".vidiacritic-tmp"
# Temporary files are named ".<name>.<pid>-<random>.vidiacritic-tmp": the pid tells a
# live writer's file from one left by a killed run.
_TMP_RE = re.compile(r"^\..*" + re.escape(TMP_SUFFIX) + r"$")
_TMP_PID_RE = re.compile(r"\.(\d+)-[0-9a-f]+" + re.escape(TMP_SUFFIX) + r"$")
# A temporary file without a pid (older versions) is only removed past this age.
STRAY_TMP_AGE_S = 60.0
# Default per-member time limit (seconds): a member at the default size limit (4 MiB,
# ~650,000 syllables) at the default engine's speed, with room to spare; 0 disables the
# limit.  Unmarked or OCR text is read twice (restorer.SECOND_READING): a 4 MiB member
# of legal text with its marks stripped took 327 s on a shared 2-core machine (the
# same text with its marks, read once: 193 s), so 300 s was no longer enough.
DEFAULT_MEMBER_TIMEOUT_S = 600.0
# A pool worker still busy this long after the limit (stuck in native code that the
# alarm cannot interrupt) exits; twice as long (native code that holds the interpreter
# lock, so that not even the worker's watchdog runs), the parent kills it.
HARD_KILL_GRACE_S = 2.0
EXIT_USAGE = 2
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Members in flight per worker: enough to keep workers busy, small enough for flat memory.
INFLIGHT_PER_WORKER = 4
# Threads writing outputs: fsync waits on the disk, not the CPU.
WRITER_THREADS = 4
LOG_EVERY_S = 5.0
_MAX_ERROR_CHARS = 300

Task = Tuple[int, bytes, Optional[str], str, float, str]  # index, data, encoding, legacy, time limit, format
# Members selected when --glob is not given: text, and OCR markup (see _member_format).
DEFAULT_GLOB = ("*.txt", "*.hocr", "*.xml")
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
    lexicon: Tuple[str, ...] = ()  # the user's lexicon files (vidiacritic.userterms)

    def __call__(self) -> Any:
        if self.target:
            mod, _, attr = self.target.partition(":")
            obj: Any = importlib.import_module(mod)
            for part in (attr or "Restorer").split("."):
                obj = getattr(obj, part)
            if self.lexicon:
                return obj(engine=self.engine, tone_style=self.tone_style, lexicon=list(self.lexicon))
            return obj(engine=self.engine, tone_style=self.tone_style)
        from . import Restorer
        return Restorer(engine=self.engine, tone_style=self.tone_style, lexicon=list(self.lexicon))


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


def printable(text: str) -> str:
    """`text` safe to print on a terminal or in a log: control characters, escape codes,
    line and paragraph separators and lone surrogates are written as Python escapes
    (``\\n``, ``\\x1b``, ``\\u2028``), so a member name cannot forge a line or drive the
    terminal."""
    if str(text).isprintable():
        return str(text)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def _version_of(restorer: Any) -> str:
    v = getattr(restorer, "version", None)
    if callable(v):
        v = v()
    return str(v) if v is not None else type(restorer).__name__


class MemberTimeout(BaseException):
    """Raised by the alarm in the middle of a member (a BaseException, so that the
    restorer's own `except Exception` cannot swallow it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise MemberTimeout()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` with MemberTimeout.  Signals reach only the
    main thread: elsewhere (Dask worker threads) there is no limit.  Python code and
    regular expressions are interrupted; a call stuck in native code only when it
    returns (pool workers are killed for that: _Watchdog)."""
    if (not seconds or seconds <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timeout_error(seconds: float) -> str:
    return f"member took longer than the time limit ({seconds:g} s, --member-timeout)"


def _member_format(path: str, data: bytes) -> Tuple[Optional[str], Optional[str]]:
    """(format, None) for a selected member, or (None, why it is skipped): hOCR, ALTO
    and PAGE XML are detected from the content; a .xml or .hocr member that is none of
    them is skipped (restored as text, its tags would be rewritten); a .txt member is
    text unless its content is one of them."""
    from .formats import FormatError, detect_format

    try:
        fmt: Optional[str] = detect_format(data, path)
    except FormatError:  # XML of another kind
        fmt = None
    low = path.lower()
    if low.endswith(".txt"):
        return fmt or "text", None
    if fmt is None or fmt == "text" and low.endswith((".xml", ".hocr")):
        return None, "not hOCR, ALTO or PAGE XML"
    return fmt, None


def _process_markup(restorer: Any, data: bytes, fmt: str, res: Result) -> None:
    from .formats import FormatError, restore_markup_explained

    try:
        out, _, words = restore_markup_explained(data, fmt, restorer)
    except FormatError as exc:
        res.update(status="error", error=_one_line(exc))
    except Exception as exc:  # one bad file must not stop the batch
        res.update(status="error", error=_one_line(f"restorer failed: {type(exc).__name__}: {exc}"))
    else:
        res.update(status="ok", data=out, syllables=len(words),
                   words_changed=sum(1 for w in words if w.changed),
                   mean_confidence=(round(sum(float(w.confidence) for w in words) / len(words), 4)
                                    if words else None))


def process_task(restorer: Any, task: Task) -> Result:
    """Decode and restore one member (runs in a worker).  Never raises."""
    index, data, encoding, legacy, timeout = task[:5]
    fmt = task[5] if len(task) > 5 else "text"
    t0 = time.perf_counter()
    res: Result = {"index": index, "format": fmt}
    try:
        with _time_limit(timeout):
            if fmt != "text":  # XML carries its own encoding; only word text changes
                _process_markup(restorer, data, fmt, res)
            else:
                _process(restorer, data, encoding, legacy, res)
    except MemberTimeout:
        res.clear()
        res.update(index=index, format=fmt, status="error", error=_timeout_error(timeout))
    res["seconds"] = round(time.perf_counter() - t0, 4)
    return res


def _process(restorer: Any, data: bytes, encoding: Optional[str], legacy: str, res: Result) -> None:
    """Decode and restore `data` into `res`."""
    try:
        dec = decode_with_info(data, encoding, legacy)
    except DecodeError as exc:
        res.update(status="error", error=_one_line(exc))
    except (LookupError, ValueError) as exc:
        res.update(status="error", error=_one_line(f"cannot decode: {exc}"))
    else:
        res["encoding"] = dec.encoding
        try:
            stats = None
            if hasattr(restorer, "explain"):  # in pieces: memory bounded by the piece size
                parts, stats = [], [0, 0, 0.0]  # words, changed, sum of confidences
                for ex in explain_pieces(restorer, dec.text):
                    parts.append(ex.text)
                    stats[0] += len(ex.words)
                    stats[1] += sum(1 for w in ex.words if w.changed)
                    stats[2] += sum(float(w.confidence) for w in ex.words)
                text = "".join(parts)
            else:
                text = restorer.restore(dec.text)
        except Exception as exc:  # one bad file must not stop the batch
            res.update(status="error", error=_one_line(f"restorer failed: {type(exc).__name__}: {exc}"))
        else:
            out = compose_marks(text).encode("utf-8")
            res.update(status="ok", data=out)
            if stats is not None:
                res["syllables"], res["words_changed"] = stats[0], stats[1]
                res["mean_confidence"] = round(stats[2] / stats[0], 4) if stats[0] else None


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


def _start_watchdog(events: Any) -> None:
    """A pool worker stuck in native code past its member's time limit + grace (the
    alarm only interrupts Python code) names the member to the parent and exits; the
    parent records that member as timed out and restarts the pool."""

    def watch() -> None:
        while True:
            time.sleep(0.2)
            current = _WORKER.get("current")
            if current is None:
                continue
            index, started, limit = current
            if (limit and limit > 0 and time.monotonic() - started > limit + HARD_KILL_GRACE_S
                    and _WORKER.get("current") is current):
                events.put(("timeout", index))
                os._exit(70)

    threading.Thread(target=watch, name="vidiacritic-watchdog", daemon=True).start()


def _init_worker(factory: Factory, ignore_sigint: bool = True, events: Any = None) -> None:
    """Build the restorer.  `events` (pool workers): a queue to the parent, which hears
    of the start of each member and of a member that timed out."""
    if ignore_sigint:  # a pool worker
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
        _exit_with_parent()
    _WORKER["events"] = events
    if events is not None:
        _start_watchdog(events)
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
    _WORKER["current"] = (task[0], time.monotonic(), task[4])
    if task[4] and _WORKER.get("events") is not None:  # the parent's watch on this member
        _WORKER["events"].put(("start", task[0], os.getpid(), time.time()))
    try:
        return process_task(_WORKER["restorer"], task)
    finally:
        _WORKER["current"] = None


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
    """--jobs N: N worker processes, each building the restorer once (pool initializer).

    Time limits: the worker's alarm stops a member in Python code; a worker stuck in
    native code exits by itself (its watchdog thread), or, if that code holds the
    interpreter lock, is killed by this process, which hears of the start of every
    member.  When a worker dies (killed, out of memory, crashed) every task in flight
    fails with BrokenProcessPool: the member that timed out is recorded so, the others
    are submitted again to a new pool (once; a member that breaks a second pool is
    recorded as the reason)."""

    RETRIES = 1
    POLL_S = 1.0  # how often the time limits are checked while waiting

    def __init__(self, factory: Factory, jobs: int):
        import multiprocessing
        methods = multiprocessing.get_all_start_methods()
        # fork: workers inherit the factory (closures allowed) and start fast.
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.factory = factory
        self.workers = jobs
        self.window = INFLIGHT_PER_WORKER * jobs
        self.name = f"{jobs} processes"
        self.futures: Dict[Any, Tuple[Task, int, int]] = {}  # future → task, pool generation, tries
        self.events = self.ctx.SimpleQueue()
        self.started: Dict[int, Tuple[int, float]] = {}  # index → worker pid, start time
        self.timed_out: Set[int] = set()
        self.generation = 0
        self._start()

    def _start(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.ctx,
                                        initializer=_init_worker,
                                        initargs=(self.factory, True, self.events))

    def version(self) -> str:
        return self.pool.submit(_worker_version).result()

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, task: Task, tries: int = 0) -> None:
        try:
            fut = self.pool.submit(_worker_process, task)
        except BrokenProcessPool:
            self._restart()
            fut = self.pool.submit(_worker_process, task)
        self.futures[fut] = (task, self.generation, tries)

    def wait(self) -> List[Result]:
        """Results of the tasks finished by now (possibly none: the caller waits again)."""
        if not self.futures:
            return []
        limited = any(task[4] for task, _, _ in self.futures.values())
        done, _ = futures_wait(list(self.futures), timeout=self.POLL_S if limited else None,
                               return_when=FIRST_COMPLETED)
        out = []
        for fut in done:
            task, generation, tries = self.futures.pop(fut)
            index = task[0]
            self.started.pop(index, None)
            try:
                out.append(fut.result())
            except BrokenProcessPool:
                if generation == self.generation:  # not yet replaced
                    self._restart()
                self._read_events()
                if index in self.timed_out:
                    self.timed_out.discard(index)
                    out.append({"index": index, "status": "error", "seconds": 0.0,
                                "error": _timeout_error(task[4]) + "; worker killed"})
                elif tries < self.RETRIES:
                    self.submit(task, tries + 1)  # an innocent bystander of the broken pool
                else:
                    out.append({"index": index, "status": "error", "seconds": 0.0,
                                "error": "worker process died (out of memory or crashed)"})
            except Exception as exc:
                out.append({"index": index, "status": "error", "seconds": 0.0,
                            "error": _one_line(f"{type(exc).__name__}: {exc}")})
        if limited:
            self._kill_overdue()
        return out

    def _read_events(self) -> None:
        while not self.events.empty():
            event = self.events.get()
            if event[0] == "start":
                self.started[event[1]] = (event[2], event[3])
            else:
                self.timed_out.add(event[1])

    def _kill_overdue(self) -> None:
        """Kill a worker whose member is far past its limit and whose own watchdog did
        not act (native code holding the interpreter lock)."""
        self._read_events()
        now = time.time()
        tasks = {task[0]: task for task, _, _ in self.futures.values()}
        workers = set(getattr(self.pool, "_processes", None) or ())  # this pool's pids only
        for index, (pid, t0) in list(self.started.items()):
            task = tasks.get(index)
            if task is None:  # finished, or retried and not started again yet
                del self.started[index]
            elif task[4] and now - t0 > task[4] + 2 * HARD_KILL_GRACE_S and pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
                self.timed_out.add(index)
                del self.started[index]

    def _restart(self) -> None:
        # Every future of a broken pool fails; wait() handles them one by one.
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.generation += 1
        self.started.clear()  # the old workers' pids
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
            raise SystemExit("vidiacritic: error: Dask is not installed (pip install 'vidiacritic[dask]')")
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
class OutputRefused(ArchiveError):
    """An output would replace something that is not this job's output, or leave --out."""


def _temp_name(base: str) -> str:
    return f".{base[:80]}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}"


def _create_temp(base: str, dir_fd: Optional[int] = None, folder: Optional[str] = None
                 ) -> Tuple[int, str]:
    """A new temporary file next to `base` (in `dir_fd`, or in `folder`): (fd, name).
    Created with mode 0666 less the umask, like any file the user makes (mkstemp's
    0600 would leave outputs unreadable to the user's group), never through a link."""
    for _ in range(100):
        name = _temp_name(base)
        path = name if folder is None else os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW, 0o666,
                         dir_fd=dir_fd)
        except FileExistsError:
            continue
        return fd, name
    raise FileExistsError(f"cannot create a temporary file for {base}")


def _write_all(fd: int, data: bytes, fsync: bool) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())


def _atomic_write_at(dir_fd: int, base: str, data: bytes, fsync: bool, may_replace: bool,
                     before_commit: Callable[[], None] = lambda: None) -> None:
    """Write `base` in the folder `dir_fd` via a temporary file + fsync + rename.

    An existing entry is replaced only if it is a regular file and `may_replace` (it is
    this job's output); otherwise the file is linked into place, which fails if the
    name was taken meanwhile, so nothing that is not ours is ever overwritten.
    `before_commit` runs just before the rename (the manifest notes the intent)."""
    try:
        st: Optional[os.stat_result] = os.stat(base, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputRefused("output path exists and is not a regular file (a folder, a link "
                            "or a device); not replaced")
    if st is not None and not may_replace:
        raise OutputRefused("output path exists and is not an output of this batch "
                            "(no manifest record); not replaced")
    fd, tmp = _create_temp(base, dir_fd=dir_fd)
    try:
        _write_all(fd, data, fsync)
        before_commit()
        if may_replace:
            os.replace(tmp, base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        try:
            os.link(tmp, base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        except FileExistsError:
            raise OutputRefused("output path exists and is not an output of this batch "
                                "(no manifest record); not replaced") from None
        except OSError:  # no hard links on this file system: the check above must do
            os.replace(tmp, base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        os.unlink(tmp, dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


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
            _atomic_write_at(folder, parts[-1], data, self.fsync, may_replace, before_commit)
        finally:
            for fd in opened:
                os.close(fd)


# ============================================================ manifest
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
        fd, name = _create_temp(MANIFEST, folder=folder)
        self.ordered_path = os.path.join(folder, name)
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
        assert not self.reorder, "records missing from the manifest"
        self.log.close()
        self.ordered.close()
        folder = os.path.dirname(self.path) or "."
        fd, name = _create_temp(MANIFEST, folder=folder)
        tmp = os.path.join(folder, name)
        try:
            with os.fdopen(fd, "wb") as out:
                if self.reader is not None and not self.fresh:
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
                msg = "batch: error: " + printable(f"{rec['input']}/{rec['member']}: {rec['error']}")
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
def _fatal(msg: str) -> None:
    print(f"vidiacritic: error: {printable(_one_line(msg))}", file=sys.stderr)


def _inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies below it (both absolute and normalised)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_out_folder(inputs: Sequence[str], out: str) -> Optional[str]:
    """Why `out` cannot be the output folder of `inputs` (None when it can).

    Refused: an --out that exists and is not a folder, and an --out that equals or
    contains an input (a folder, an archive or a file), whether by its path or after
    resolving links: outputs would land on the inputs (``batch C --out .`` writes
    ./C/<member>, i.e. the input files) and a folder input would read the outputs back.
    Allowed: an --out inside an input folder; the walk of that folder leaves --out
    out, and no input lies inside --out, so no output can replace an input."""
    if os.path.lexists(out) and not os.path.isdir(out):
        return f"--out {out}: exists and is not a folder"
    out_abs, out_real = os.path.abspath(out), os.path.realpath(out)
    for path in inputs:
        if not os.path.lexists(path):
            continue  # reported as that input's error
        in_abs, in_real = os.path.abspath(path), os.path.realpath(path)
        if (_inside(in_abs, out_abs) or _inside(in_real, out_real)
                or _inside(in_abs, out_real) or _inside(in_real, out_abs)):
            return (f"--out {out} contains the input {path}: outputs could overwrite it or be "
                    f"read back; choose an output folder outside the inputs")
    return None


@dataclass
class _Pending:
    input: str
    member: str
    output: str
    nbytes: int
    sha256: str
    may_replace: bool = False   # the output path is this job's (a manifest record exists)
    format: str = "text"


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
        name = archives.shown_name(archives.input_name(p))
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
                           "seconds": 0.0, "format": None}
    rec.update(kw)
    return rec


class BatchJob:
    """One run of the batch command (see the module docstring)."""

    def __init__(self, inputs: Sequence[str], out: str, *, glob: Sequence[str] = DEFAULT_GLOB,
                 encoding: Optional[str] = None, legacy: str = "auto", limits: Limits = Limits(),
                 fsync: bool = True, progress: str = "log", resume: bool = True,
                 member_timeout: float = DEFAULT_MEMBER_TIMEOUT_S):
        self.inputs = list(inputs)
        self.member_timeout = member_timeout
        self.out = os.path.abspath(out)
        self.glob = list(glob) or list(DEFAULT_GLOB)
        self.encoding = encoding
        self.legacy = legacy
        self.limits = limits
        self.fsync = fsync
        self.progress_mode = progress
        self.resume = resume
        self.decode_options = f"encoding={encoding or 'auto'};legacy={legacy}"

    # -- the stream of members -------------------------------------------------
    def _work(self, version: str, manifest: _Manifest, seen_out: Dict[int, int]
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
                if out_hash in seen_out:
                    # the first member of that path is restored; this one is reported under
                    # its own key, so its error never shadows the first one's record
                    seen_out[out_hash] += 1
                    yield i, _record(m, duplicate=seen_out[out_hash],
                                     error=f"duplicate member path (occurrence "
                                           f"{seen_out[out_hash]}; the first one is restored)"), False
                    continue
                seen_out[out_hash] = 1
                if out_rel == MANIFEST:
                    yield i, _record(m, error="name clashes with the manifest"), False
                    continue
                try:
                    data = m.read()
                except ArchiveError as exc:
                    yield i, _record(m, error=_one_line(exc)), False
                    continue
                fmt, why = _member_format(m.path, data)
                if fmt is None:
                    yield i, _record(m, status="skipped", error=_one_line(why)), False
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
                yield i, (_Pending(name, m.path, out_rel, len(data), sha,
                                   manifest.knows((name, m.path)), fmt), data), False

    def _output_intact(self, rel: str, size: Any) -> bool:
        try:
            st = os.lstat(os.path.join(self.out, *rel.split("/")))
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and (size is None or st.st_size == size)

    # -- results -----------------------------------------------------------------
    def _finish(self, res: Result, p: _Pending, version: str, writer: _Writer,
                manifest: _Manifest) -> Dict[str, Any]:
        rec = {"input": p.input, "member": p.member, "output": None, "status": res["status"],
               "error": res.get("error"), "bytes": p.nbytes, "syllables": res.get("syllables"),
               "words_changed": res.get("words_changed"),
               "mean_confidence": res.get("mean_confidence"), "seconds": res.get("seconds", 0.0),
               "encoding": res.get("encoding"), "sha256": p.sha256, "engine_version": version,
               "decode_options": self.decode_options, "format": p.format}
        if res["status"] == "ok":
            data = res["data"]
            try:
                writer.write(p.output, data, p.may_replace,
                             lambda: manifest.intent(p.input, p.member, p.output))
            except (OSError, ArchiveError) as exc:
                rec.update(status="error", error=_one_line(f"cannot write output: "
                                                           f"{getattr(exc, 'strerror', None) or exc}"))
            else:
                rec.update(output=p.output, output_bytes=len(data))
        return rec

    def run(self, backend_factory: Callable[[], Any]) -> int:
        problem = check_out_folder(self.inputs, self.out)
        if problem is not None:
            _fatal(problem)
            return EXIT_USAGE
        try:
            os.makedirs(self.out, exist_ok=True)
            out_fd = os.open(self.out, os.O_RDONLY | _O_DIRECTORY)
        except OSError as exc:
            _fatal(f"cannot create the output folder {self.out}: {exc.strerror or exc}")
            return 1
        manifest_path = os.path.join(self.out, MANIFEST)
        try:
            lock = _lock(manifest_path)
        except OutputRefused as exc:
            os.close(out_fd)
            _fatal(str(exc))
            return EXIT_USAGE
        except OSError as exc:
            os.close(out_fd)
            _fatal(f"cannot write the manifest {manifest_path}: {exc.strerror or exc}")
            return 1
        if lock is None:
            os.close(out_fd)
            print(f"vidiacritic: error: another batch is writing to {self.out}", file=sys.stderr)
            return 1
        try:
            return self._run_locked(backend_factory, manifest_path, out_fd)
        finally:
            lock.close()
            os.close(out_fd)

    def _run_locked(self, backend_factory: Callable[[], Any], manifest_path: str,
                    out_fd: int) -> int:
        _remove_stray_temps(self.out)
        try:
            manifest = _Manifest(manifest_path, fresh=not self.resume)
        except (OutputRefused, OSError) as exc:
            _fatal(f"cannot use the manifest {manifest_path}: "
                   f"{getattr(exc, 'strerror', None) or exc}")
            return 1
        io = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="vidiacritic-write")
        backend = None
        try:
            try:
                backend = backend_factory()
                version = backend.version()
            except Exception as exc:  # the restorer (or the cluster) cannot be had
                print(f"vidiacritic: error: {_one_line(exc)}", file=sys.stderr)
                return 1
            mode = self.progress_mode
            progress = _Progress(mode, backend.name)
            writer = _Writer(out_fd, self.fsync)
            pending: Dict[int, _Pending] = {}
            writes: Dict[Future, Tuple[int, _Pending]] = {}
            window = max(2, backend.window)

            def done(index: int, rec: Dict[str, Any], resumed: bool = False) -> None:
                if rec.get("status") != "ok" and not resumed:
                    # an earlier output still on disk stays this job's to replace
                    owned = manifest.owned_output(_key(rec))
                    if owned and owned != rec.get("output"):
                        rec["previous_output"] = owned
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
                                           p, version, writer, manifest)
                    done(index, rec)

            def collect() -> None:
                for res in backend.wait():
                    index = res["index"]
                    p = pending.pop(index)
                    if res["status"] == "ok":
                        # fsync waits on the disk: writer threads keep it off the main loop
                        while len(writes) >= window:
                            harvest(block=True)
                        writes[io.submit(self._finish, res, p, version, writer, manifest)] = (index, p)
                    else:
                        done(index, self._finish(res, p, version, writer, manifest))
                harvest(block=False)

            for i, item, resumed in self._work(version, manifest, {}):
                if isinstance(item, dict):
                    done(i, item, resumed)
                    continue
                p, data = item
                while backend.pending >= window:
                    collect()
                pending[i] = p
                backend.submit((i, data, self.encoding, self.legacy, self.member_timeout, p.format))
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


def _seconds_arg(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if not n >= 0 or n == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return n


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
                        "path if the pattern has a /); repeatable; default *.txt *.hocr *.xml "
                        "(XML only when it is hOCR, ALTO or PAGE)")
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("--tone-style", choices=("traditional", "modern"), default="traditional")
    p.add_argument("--encoding", metavar="CODEC",
                   help="force the input encoding (default: detect; tcvn3 and vni accepted)")
    p.add_argument("--legacy-encoding", choices=LEGACY_CHOICES, default="auto",
                   help="TCVN3/VNI font encodings: detect (auto), force, or never convert")
    p.add_argument("--max-member-size", type=_size_arg, default=Limits.max_member_bytes,
                   metavar="SIZE", help="refuse members larger than this (default 4M: about "
                                        "700,000 syllables, within the restorer's memory)")
    p.add_argument("--member-timeout", type=_seconds_arg, default=DEFAULT_MEMBER_TIMEOUT_S,
                   metavar="SECONDS", help="record a member that takes longer as an error and go "
                                           "on (default 300; 0: no limit; not enforced on Dask)")
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
    from .cli import add_lexicon_option
    add_lexicon_option(p)
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
    lexicon = tuple(os.path.abspath(f) for f in getattr(args, "lexicon", None) or ())
    if lexicon:  # checked here: a bad line is one error before any work
        from . import userterms
        try:
            userterms.load(lexicon)
        except userterms.LexiconError as e:
            print(f"vidiacritic: error: {e}", file=sys.stderr)
            return 2
    factory: Factory = restorer_factory or RestorerSpec(
        args.engine, args.tone_style, getattr(args, "restorer_factory", None), lexicon)
    if args.encoding and args.encoding.lower().replace("_", "-") not in (
            "tcvn3", "tcvn", "abc", "vni", "vni-windows"):
        import codecs
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            print(f"vidiacritic: error: unknown encoding: {args.encoding}", file=sys.stderr)
            return 2
    if getattr(args, "quiet", False):
        mode = "quiet"
    elif getattr(args, "progress", False) or sys.stderr.isatty():
        mode = "bar"
    else:
        mode = "log"
    job = BatchJob(args.inputs, args.out, glob=args.glob or list(DEFAULT_GLOB), encoding=args.encoding,
                   legacy=args.legacy_encoding,
                   limits=Limits(args.max_member_size, args.max_total_size),
                   fsync=not args.no_fsync, progress=mode, resume=not args.no_resume,
                   member_timeout=getattr(args, "member_timeout", DEFAULT_MEMBER_TIMEOUT_S))
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
