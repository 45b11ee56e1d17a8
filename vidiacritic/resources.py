"""Finding and loading the shipped model files (models/ and data/ of the repository,
installed as the packages ``vidiacritic.models`` and ``vidiacritic.data``)."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .channel import Channel

_HERE = Path(__file__).resolve().parent


class MissingResource(RuntimeError):
    """A shipped model or data file is missing (broken install or checkout)."""


def _locate(package: str, repo_dir: str, *parts: str) -> Path:
    try:
        from importlib.resources import files

        p = Path(str(files(package).joinpath(*parts)))
        if p.exists():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    p = _HERE.parent.joinpath(repo_dir, *parts)
    if p.exists():
        return p
    raise MissingResource(f"missing {repo_dir}/{'/'.join(parts)}: reinstall vidiacritic or rebuild it (see {repo_dir}/)")


def model_path(*parts: str) -> Path:
    return _locate("vidiacritic.models", "models", *parts)


def data_path(*parts: str) -> Path:
    return _locate("vidiacritic.data", "data", *parts)


@lru_cache(maxsize=None)
def load_ngram():
    from .ngram import NgramLM

    return NgramLM.load(str(model_path("ngram")))


@lru_cache(maxsize=None)
def load_channel() -> Channel:
    return Channel.load(str(model_path("channel.json")))


@lru_cache(maxsize=None)
def load_marks():
    """The marks channel (models/marks.json), or None when it is not installed: then
    every document is read through the OCR channel as before."""
    from .marks import MarksChannel

    try:
        return MarksChannel.load(str(model_path("marks.json")))
    except MissingResource:
        return None


@lru_cache(maxsize=None)
def load_lexicon():
    from .rules import PhraseLexicon

    try:
        return PhraseLexicon.load(str(data_path("admin_terms.tsv")))
    except MissingResource:
        return None


@lru_cache(maxsize=None)
def load_acronyms():
    """HDND → HĐND table (data/acronyms_d.tsv), or None when it is not installed."""
    from .fixes import ACRONYM_FILE, AcronymTable

    try:
        return AcronymTable.load(str(data_path(ACRONYM_FILE)))
    except MissingResource:
        return None


@lru_cache(maxsize=None)
def load_rewrites():
    """Learned two-letter OCR rewrites (models/rewrites.tsv), or () when absent."""
    from .candidates import load_rewrites as _load

    try:
        return tuple(_load(str(model_path("rewrites.tsv"))))
    except MissingResource:
        return ()


def candidate_table_path() -> Optional[Path]:
    """The precomputed candidate table, if shipped (it only speeds things up)."""
    try:
        return model_path("candidates.tsv.gz")
    except MissingResource:
        return None


@lru_cache(maxsize=None)
def load_scorer():
    """The seq2seq candidate scorer (models/seq2seq/scorer.npz and friends).

    Raises MissingResource when the files are absent, ImportError when sentencepiece is."""
    from .model.scorer import CandidateScorer

    folder = model_path("seq2seq")
    for name in ("scorer.npz", "scorer.json", "spm.model", "syllables.txt"):
        model_path("seq2seq", name)  # raises MissingResource with the file's name
    return CandidateScorer(folder)


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """Short hash of the shipped files' names and sizes: changes when a model is replaced."""
    h = hashlib.sha1()
    for base in (model_path(), data_path()):
        for root, _, names in sorted(os.walk(base)):
            for n in sorted(names):
                if n.endswith((".py", ".pyc", ".md")):
                    continue
                p = os.path.join(root, n)
                h.update(f"{os.path.relpath(p, base)}:{os.path.getsize(p)};".encode())
    return h.hexdigest()[:12]
