"""One run of the batch command: walk the inputs, skip what is done, hand the rest to
a backend, write each output and record it in the manifest (see the package notes)."""
from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import archives
from .archives import ArchiveError, Limits, Member
from .common import (DEFAULT_GLOB, DEFAULT_MEMBER_TIMEOUT_S, EXIT_USAGE, MANIFEST, TRIM_EVERY, Result,
                     _one_line, printable)
from .manifest import _key, _key_hash, _lock, _Manifest
from .outputs import _O_DIRECTORY, OutputRefused, _remove_stray_temps, _Writer
from .progress import _Progress
from .worker import _member_format, _trim_memory

# Threads writing outputs: fsync waits on the disk, not the CPU.
WRITER_THREADS = 4


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

