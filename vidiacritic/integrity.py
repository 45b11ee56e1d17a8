"""Integrity of the shipped files: a manifest of content hashes per folder.

``models/MANIFEST.json`` and ``data/MANIFEST.json`` (written by
``python -m scripts.build_manifest`` after a shipped file is rebuilt;
``scripts/build_lexicon.py`` runs it itself, and ``tests/test_integrity.py`` fails while
a manifest is stale) list every shipped model and data file of their folder with its
size, its SHA-256 and the SHA-256 of its two ends (the first and last ``ENDS`` bytes;
the whole file when it is smaller).  Cards and other documentation are not listed:
they change nothing the library computes.

Three uses:
  at load      :func:`verify_quick` checks the size and the ends of every listed file
               under the path a loader asks for (128 KB per file at most, once
               per process): a truncated, swapped or partly rewritten
               file is an error instead of a silently different engine;
  the version  :func:`content_digest` hashes the files' whole contents (~60 MB, once
               per Restorer that is asked), so
               ``Restorer.version`` changes with any byte of any model file (``batch``
               then redoes its members);
  ``vidiacritic check``  :func:`full_problems` compares every file's whole SHA-256
               with the manifest, one line per problem.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .errors import CorruptResource, MissingResource, VidiacriticError

MANIFEST = "MANIFEST.json"
FORMAT = "vidiacritic-manifest-1"
ENDS = 64 * 1024  # bytes hashed at each end of a file by the load-time check
_CHUNK = 1 << 20

Entry = Dict[str, object]  # {"size": int, "sha256": hex, "ends": hex}


def sha256_file(path: Path) -> str:
    """SHA-256 of the whole file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def ends_sha256(path: Path) -> str:
    """SHA-256 of the first and last ENDS bytes (of the whole file when it is shorter
    than both ends together)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= 2 * ENDS:
            h.update(fh.read())
        else:
            h.update(fh.read(ENDS))
            fh.seek(size - ENDS)
            h.update(fh.read(ENDS))
    return h.hexdigest()


def _file(folder: Path, name: str) -> Path:
    return folder.joinpath(*name.split("/"))


# ---------------------------------------------------------------- writing (build time)
def write_manifest(folder: Path, names: Iterable[str]) -> Path:
    """Write ``folder/MANIFEST.json`` for these files (paths relative to `folder`, with
    "/"), atomically; returns its path."""
    folder = Path(folder)
    files = {}
    for name in sorted(set(names)):
        path = _file(folder, name)
        files[name] = {"size": path.stat().st_size, "sha256": sha256_file(path), "ends": ends_sha256(path)}
    from . import safeio  # the project's one atomic writer

    out = folder / MANIFEST
    data = json.dumps({"format": FORMAT, "files": files}, indent=1, sort_keys=True) + "\n"
    safeio.write_at(None, str(out), data.encode("utf-8"), mode=0o644)
    return out


# ---------------------------------------------------------------- reading (run time)
_MANIFESTS: Dict[str, Tuple[Tuple[int, int], Dict[str, Entry]]] = {}
_QUICK_OK: Dict[str, tuple] = {}  # file → (size, mtime, manifest's ends hash) when it matched


def _stamp(path: Path) -> Tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def read_manifest(folder: Path) -> Dict[str, Entry]:
    """The files listed in ``folder/MANIFEST.json`` (read again only when it changes)."""
    path = Path(folder) / MANIFEST
    try:
        stamp = _stamp(path)
    except FileNotFoundError:
        raise MissingResource(f"missing {path}: reinstall vidiacritic, or rebuild it with "
                              "python -m scripts.build_manifest") from None
    cached = _MANIFESTS.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CorruptResource(f"{path}: not a readable manifest ({e})") from None
    files = doc.get("files") if isinstance(doc, dict) and doc.get("format") == FORMAT else None
    if not isinstance(files, dict) or not all(_valid_entry(k, v) for k, v in files.items()):
        raise CorruptResource(f"{path}: not a {FORMAT} manifest: rebuild it with python -m scripts.build_manifest")
    _MANIFESTS[str(path)] = (stamp, files)
    return files


def _valid_entry(name: object, entry: object) -> bool:
    def hexdigest(x):
        return isinstance(x, str) and len(x) == 64 and all(c in "0123456789abcdef" for c in x)

    return (isinstance(name, str) and bool(name) and not name.startswith("/") and ".." not in name.split("/")
            and isinstance(entry, dict) and isinstance(entry.get("size"), int)
            and hexdigest(entry.get("sha256")) and hexdigest(entry.get("ends")))


def verify_quick(folder: Path, rel: str) -> None:
    """Check the size and ends of every listed file at or under `rel` (a path relative
    to `folder`) that is present; raise CorruptResource on the first mismatch.  Absent
    files are the loaders' business (some are optional).  Each file is checked once
    per process, again if it or its manifest entry changes."""
    folder = Path(folder)
    for name, entry in read_manifest(folder).items():
        if rel and name != rel and not name.startswith(rel + "/"):
            continue
        path = _file(folder, name)
        try:
            stamp = _stamp(path)
        except FileNotFoundError:
            continue
        ok = (*stamp, entry["ends"])
        if _QUICK_OK.get(str(path)) == ok:
            continue
        problem = _quick_problem(path, entry, stamp[0])
        if problem:
            raise CorruptResource(f"{path}: {problem}: reinstall vidiacritic, or rebuild the file "
                                  "(and its manifest: python -m scripts.build_manifest)")
        _QUICK_OK[str(path)] = ok  # (one dict store: safe from the scorer's loading thread)


def _quick_problem(path: Path, entry: Entry, size: int) -> Optional[str]:
    if size != entry["size"]:
        return f"{size:,} bytes where the manifest says {entry['size']:,}"
    if ends_sha256(path) != entry["ends"]:
        return "content differs from the manifest"
    return None


def full_problems(folder: Path) -> List[str]:
    """One line per listed file of `folder` that is missing or whose whole content
    differs from the manifest."""
    folder = Path(folder)
    try:
        listed = read_manifest(folder)
    except VidiacriticError as e:
        return [str(e)]
    problems = []
    for name, entry in sorted(listed.items()):
        path = _file(folder, name)
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"{path}: {path.stat().st_size:,} bytes where the manifest says {entry['size']:,}")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{path}: content differs from the manifest (sha256)")
    return problems


def content_digest(files: Iterable[Tuple[str, Path]]) -> str:
    """Short SHA-256 over (label, whole-content SHA-256) of each file, "-" for an
    absent one: changes with any byte of any of them."""
    h = hashlib.sha256()
    for label, path in files:
        h.update(f"{label}\0{sha256_file(path) if path.is_file() else '-'}\n".encode("utf-8"))
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- `vidiacritic check`
def cmd_check(args: argparse.Namespace) -> int:
    """Verify every shipped file against its folder's manifest (whole SHA-256): one
    line per problem on stderr and exit 1, or a summary line and exit 0."""
    from . import resources

    problems: List[str] = []
    checked = 0
    for folder_of in (resources.models_dir, resources.data_dir):
        try:
            folder = folder_of()
        except VidiacriticError as e:
            problems.append(str(e))
            continue
        problems += full_problems(folder)
        try:
            checked += len(read_manifest(folder))
        except VidiacriticError:
            pass
    for p in problems:
        print(f"vidiacritic: error: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"vidiacritic check: {checked} files match their manifests")
    return 0
