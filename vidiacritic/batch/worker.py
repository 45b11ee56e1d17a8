"""The batch's work on one member, and the worker processes that do it.

A worker builds the restorer once (``RestorerSpec``, picklable, so that pool and Dask
workers can be handed it), then decodes and restores member after member
(``process_task``), each under its time limit: the alarm interrupts Python code; a
pool worker stuck in native code is named to the parent by its watchdog thread and
exits (see backends._PoolBackend).  Nothing here raises for a bad member: every
failure is a result with status "error".
"""
from __future__ import annotations

import importlib
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .. import compiled
from ..encodings import DecodeError, decode_with_info
from ..stream import explain_pieces
from ..text import compose_marks
from .common import HARD_KILL_GRACE_S, TRIM_EVERY, Factory, Result, Task, _one_line, _timeout_error


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
        from .. import Restorer
        return Restorer(engine=self.engine, tone_style=self.tone_style, lexicon=list(self.lexicon))


_TRIM: Any = None


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


def _member_format(path: str, data: bytes) -> Tuple[Optional[str], Optional[str]]:
    """(format, None) for a selected member, or (None, why it is skipped): hOCR, ALTO
    and PAGE XML are detected from the content; a .xml or .hocr member that is none of
    them is skipped (restored as text, its tags would be rewritten); a .txt member is
    text unless its content is one of them."""
    from ..formats import FormatError, detect_format

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
    from ..formats import FormatError, restore_markup_explained

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


# ---------------------------------------------------------------- worker processes
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
        # (the workers keep the cores busy already: a worker's decoder runs on its own
        # thread unless VIDIACRITIC_THREADS says otherwise, vidiacritic.compiled.pool)
        os.environ.setdefault(compiled.THREADS_ENV, "1")
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

