"""What every part of the batch shares: the manifest's name, exit codes, the task and
result types, and how messages and member names are made safe to print."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

MANIFEST = "manifest.jsonl"
EXIT_USAGE = 2
# Default per-member time limit (seconds): a member at the default size limit (4 MiB,
# ~650,000 syllables) at the default engine's speed, with room to spare; 0 disables the
# limit.  Unmarked or OCR text is read twice (restorer.STAGES: the second reading): a 4 MiB member
# of legal text with its marks stripped took 327 s on a shared 2-core machine (the
# same text with its marks, read once: 193 s), so 300 s was no longer enough.
DEFAULT_MEMBER_TIMEOUT_S = 600.0
# A pool worker still busy this long after the limit (stuck in native code that the
# alarm cannot interrupt) exits; twice as long (native code that holds the interpreter
# lock, so that not even the worker's watchdog runs), the parent kills it.
HARD_KILL_GRACE_S = 2.0
# Freed heap memory is given back to the OS every this many members (_trim_memory).
TRIM_EVERY = 1000
_MAX_ERROR_CHARS = 300

Task = Tuple[int, bytes, Optional[str], str, float, str]  # index, data, encoding, legacy, time limit, format
# Members selected when --glob is not given: text, and OCR markup (see worker._member_format).
DEFAULT_GLOB = ("*.txt", "*.hocr", "*.xml")
Result = Dict[str, Any]
Factory = Callable[[], Any]


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


def _timeout_error(seconds: float) -> str:
    return f"member took longer than the time limit ({seconds:g} s, --member-timeout)"
