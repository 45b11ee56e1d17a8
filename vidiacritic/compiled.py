"""The optional C loops (vidiacritic/_decode.c), the setting that chooses them and the
threads that run them side by side.

setup.py builds the extension when a C compiler is there; without it every loop runs in
numpy or Python, with the same results to the bit (the C code repeats their sums and
maxima in the same order).  VIDIACRITIC_DECODER: "auto" (default) runs the C loops when
they are built, "numpy" never runs them, "compiled" as auto but an error when the
extension is missing.  The loops: the decoder's two passes (vidiacritic.viterbi), the
edit channel's dynamic programming (vidiacritic.channel) and the phrase trie's walk
(vidiacritic.lexicon).  VIDIACRITIC_THREADS: how many threads the decoder's groups of
chains run on (pool)."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Tuple

from .errors import SettingError

try:  # built when a compiler was there
    from . import _decode as ext
except ImportError:
    ext = None

ENV = "VIDIACRITIC_DECODER"
CHOICES = ("auto", "numpy", "compiled")


def wanted(module) -> bool:
    """Whether to run the C loops of `module` (the extension, or None where it is not
    built) under the setting; a bad setting, or "compiled" without it, is an error."""
    setting = os.environ.get(ENV, "auto")
    if setting not in CHOICES:
        raise SettingError(f"{ENV}={setting!r} is not a decoder; choose one of {', '.join(CHOICES)}")
    if setting == "numpy":
        return False
    if module is None:
        if setting == "compiled":
            raise SettingError(f"{ENV}=compiled, but vidiacritic._decode is not built "
                               "(a C compiler at install time builds it)")
        return False
    return True


THREADS_ENV = "VIDIACRITIC_THREADS"
_pool: Optional[Tuple[int, ThreadPoolExecutor]] = None  # (its thread count, the pool)
_pool_lock = threading.Lock()


def threads() -> int:
    """How many threads the C loops may use at once (VIDIACRITIC_THREADS; default: the
    cores this process may run on, at most 2)."""
    setting = os.environ.get(THREADS_ENV)
    if setting is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return min(2, cores)
    if not setting.isdigit() or int(setting) < 1:
        raise SettingError(f"{THREADS_ENV}={setting!r} is not a count of threads (1, 2, ...)")
    return int(setting)


def pool() -> Optional[ThreadPoolExecutor]:
    """The threads that run C loops side by side (None when one thread is all there is):
    made at first use, in each process (a forked child makes its own)."""
    global _pool
    n = threads()
    if n < 2:
        return None
    with _pool_lock:
        if _pool is None or _pool[0] != n:
            _pool = (n, ThreadPoolExecutor(max_workers=n, thread_name_prefix="vidiacritic-decode"))
        return _pool[1]


def _forget_pool() -> None:
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()  # (a forked child has the parent's objects, not its threads)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
