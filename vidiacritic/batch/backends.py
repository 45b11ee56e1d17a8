"""Where the members are restored: this process (--jobs 1), a pool of worker
processes (--jobs N), or a Dask cluster (--dask-scheduler, --dask-local).

Each backend takes tasks (``submit``), hands back finished results (``wait``), says
how many are in flight (``pending``) and how many it wants in flight (``window``),
and reports the restorer's version (``version``), which the resume rules compare.
"""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Dict, List, Optional, Set, Tuple

from .common import HARD_KILL_GRACE_S, Factory, Result, Task, _one_line, _timeout_error
from .worker import (_dask_process_many, _dask_version, _init_worker, _version_of, _worker_process,
                     _worker_version, process_task)

# Members in flight per worker: enough to keep workers busy, small enough for flat memory.
INFLIGHT_PER_WORKER = 4


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

