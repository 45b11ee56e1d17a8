"""The one TSV writer of the build scripts (acronyms, code parts, English words, phrase
lexicon, rewrites, n-gram vocabulary, partly-marked pairs).

A table is written whole to a temporary file next to its destination and renamed over
it: a build that fails midway leaves the previous table, never half of one.  Cells are
written as ``str(cell)`` (a caller formats its floats first); a cell holding a tab or
a line break would shift the columns of every reader, so it is an error, raised before
the destination is touched.
"""
from __future__ import annotations

import os
from typing import Iterable, Iterator, Optional, Sequence, Tuple

_BREAKS = ("\t", "\n", "\r")


def tsv_line(cells: Sequence[object]) -> str:
    """One row: cells joined by tabs, ending in a line break (ValueError for a cell that
    holds a tab or a line break)."""
    texts = [str(c) for c in cells]
    for t in texts:
        if any(b in t for b in _BREAKS):
            raise ValueError(f"a TSV cell holds a tab or a line break: {t!r}")
    return "\t".join(texts) + "\n"


def write_tsv(path: str, rows: Iterable[Sequence[object]], header: Optional[Sequence[str]] = None,
              comments: Sequence[str] = ()) -> int:
    """Write `comments` (each as a ``# `` line), the `header` row, then `rows` to
    `path` in UTF-8 with ``\\n`` line ends, atomically; returns the number of rows."""
    tmp = f"{path}.tmp{os.getpid()}"
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for c in comments:
                if "\n" in c or "\r" in c:
                    raise ValueError(f"a TSV comment holds a line break: {c!r}")
                fh.write(f"# {c}\n")
            if header is not None:
                fh.write(tsv_line(header))
            for row in rows:
                fh.write(tsv_line(row))
                n += 1
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n


def read_pairs(paths: Iterable[str]) -> Iterator[Tuple[str, str]]:
    """(OCR, clean) of every row of Tesseract pair files (``ocr<TAB>clean<TAB>…``, as
    scripts/make_ocr_pairs.py writes them); rows with fewer than two cells are skipped."""
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 2:
                    yield cols[0], cols[1]
