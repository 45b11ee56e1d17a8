"""Progress of a batch run on stderr: a bar (a terminal, --progress), a line every
LOG_EVERY_S seconds (a log), or nothing but the summary (--quiet)."""
from __future__ import annotations

import sys
import time
from typing import Any, Dict

from .common import printable

LOG_EVERY_S = 5.0


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

