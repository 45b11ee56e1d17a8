"""Finding and loading the shipped model files (models/ and data/ of the repository,
installed as the packages ``vidiacritic.models`` and ``vidiacritic.data``).

The environment variables ``VIDIACRITIC_MODELS`` and ``VIDIACRITIC_DATA`` name other
folders to use instead (a copy, another build).  Every file is checked against its
folder's manifest before it is loaded (:mod:`vidiacritic.integrity`): a missing shipped
file raises :class:`MissingResource`, a damaged one :class:`CorruptResource`; neither is
ever replaced by a silent default.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, List, Optional, Tuple, TypeVar

from . import integrity
from .channel import Channel
from .errors import CorruptResource, MissingResource, SettingError, VidiacriticError

__all__ = ["MissingResource", "CorruptResource", "SettingError", "models_dir", "data_dir", "model_path",
           "data_path", "load_ngram", "load_channel", "load_lexicon", "load_acronyms", "load_code_parts",
           "load_english_words", "load_kept_words", "load_rewrites", "load_ocr_forms",
           "candidate_table_path", "load_scorer", "load_scorer_from", "load_model_weights", "fingerprint"]

_HERE = Path(__file__).resolve().parent
FOLDER_ENV = {"models": "VIDIACRITIC_MODELS", "data": "VIDIACRITIC_DATA"}
RUNTIME_ENV = "VIDIACRITIC_RUNTIME"
# What the seq2seq scorer reads (scorer.int8.onnx too, when it is there).
SCORER_FILES = ("scorer.npz", "scorer.json", "spm.model", "syllables.txt")

T = TypeVar("T")


def _folder(kind: str) -> Path:
    """models/ or data/: the environment's override, else the checkout's folder beside
    the package (so a source tree uses its own files even where another checkout is
    installed), else the installed package."""
    env = os.environ.get(FOLDER_ENV[kind])
    if env:
        if not Path(env).is_dir():
            raise MissingResource(f"{FOLDER_ENV[kind]}={env}: no such folder")
        return Path(env)
    beside = _HERE.parent / kind
    if (_HERE.parent / "setup.cfg").is_file() and (beside / "__init__.py").is_file():
        return beside  # a checkout (not site-packages, where "models" may be anyone's)
    try:
        from importlib.resources import files

        p = Path(str(files(f"vidiacritic.{kind}")))
        if p.is_dir():
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    raise MissingResource(f"missing {kind}/: reinstall vidiacritic")


def models_dir() -> Path:
    return _folder("models")


def data_dir() -> Path:
    return _folder("data")


def _path(folder: Path, kind: str, parts: Tuple[str, ...]) -> Path:
    p = folder.joinpath(*parts)
    if not p.exists():
        raise MissingResource(f"missing {kind}/{'/'.join(parts)} (in {folder}): reinstall vidiacritic "
                              f"or rebuild it (see {kind}/)")
    if parts:  # (the folder itself is only a place to look in)
        integrity.verify_quick(folder, "/".join(parts))
    return p


def model_path(*parts: str) -> Path:
    """A file or folder of models/, checked against models/MANIFEST.json."""
    return _path(models_dir(), "models", parts)


def data_path(*parts: str) -> Path:
    """A file of data/, checked against data/MANIFEST.json."""
    return _path(data_dir(), "data", parts)


def _parse(path: Path, load: Callable[[str], T]) -> T:
    """load(path), any failure to parse a file that passed its manifest check (one
    rebuilt wrongly, or with its manifest) reported as CorruptResource."""
    try:
        return load(str(path))
    except (VidiacriticError, ImportError, MemoryError):
        raise
    except Exception as e:  # numpy, json, gzip, onnxruntime... each has its own errors
        detail = str(e) if isinstance(e, ValueError) and str(e) else f"{type(e).__name__}: {e}"
        raise CorruptResource(f"{path}: cannot be loaded ({detail}); "
                              "reinstall vidiacritic or rebuild the file") from e


# Loaders are cached per path, so that a process that switches folders (tests, tools)
# never gets the files of another.
def load_ngram():
    return _ngram_at(model_path("ngram"))


@lru_cache(maxsize=None)
def _ngram_at(path: Path):
    from .ngram import NgramLM

    return _parse(path, NgramLM.load)


def load_channel() -> Channel:
    return _channel_at(model_path("channel.json"))


@lru_cache(maxsize=None)
def _channel_at(path: Path) -> Channel:
    return _parse(path, Channel.load)


def load_marks():
    """The marks channel (models/marks.json: vidiacritic.marks), read like every
    shipped file: missing or damaged is an error, never a quiet switch of method."""
    return _marks_at(model_path("marks.json"))


@lru_cache(maxsize=None)
def _marks_at(path: Path):
    from .marks import MarksChannel

    return _parse(path, MarksChannel.load)


def load_confidence():
    """How much likelier a Tesseract-vie word of each confidence band is wrong
    (models/confidence.json: vidiacritic.confidence), read like every shipped file."""
    return _confidence_at(model_path("confidence.json"))


@lru_cache(maxsize=None)
def _confidence_at(path: Path):
    from .confidence import ConfidenceTable

    return _parse(path, ConfidenceTable.load)


def load_lexicon():
    """The phrase lexicon (data/admin_terms.tsv with its built trie)."""
    from .lexicon import LEXICON_FILE, trie_path

    path = data_path(LEXICON_FILE)
    if trie_path(path).exists():
        data_path(trie_path(path).name)  # read beside the TSV: checked like it
    return _lexicon_at(path)


@lru_cache(maxsize=None)
def _lexicon_at(path: Path):
    from .lexicon import PhraseLexicon

    return _parse(path, PhraseLexicon.load)


def load_acronyms():
    """HDND → HĐND table (data/acronyms_d.tsv)."""
    from .fixes import ACRONYM_FILE

    return _acronyms_at(data_path(ACRONYM_FILE))


@lru_cache(maxsize=None)
def _acronyms_at(path: Path):
    from .fixes import AcronymTable

    return _parse(path, AcronymTable.load)


def load_code_parts():
    """QD → QĐ table for the parts of document codes (data/code_parts_d.tsv), with the
    parts OCR misread (NB → NĐ, data/code_parts_ocr.tsv)."""
    from .fixes import CODE_PART_FILE, CODE_PART_OCR_FILE

    return _code_parts_at(data_path(CODE_PART_FILE), data_path(CODE_PART_OCR_FILE))


@lru_cache(maxsize=None)
def _code_parts_at(path: Path, ocr_path: Path):
    from .fixes import CodePartTable

    return _parse(path, lambda p: CodePartTable.load(p, ocr_path))


def load_kept_words():
    """Acronyms and foreign words the corpus writes without marks (data/kept_words.tsv),
    kept as written (fixes.foreign_words)."""
    from .fixes import KEPT_FILE

    return _kept_words_at(data_path(KEPT_FILE))


@lru_cache(maxsize=None)
def _kept_words_at(path: Path):
    from .fixes import KeptWords

    return _parse(path, KeptWords.load)


def load_english_words() -> dict:
    """English word → frequency (data/english_words.tsv), for keeping English phrases
    as written (fixes.foreign_words)."""
    from .fixes import ENGLISH_FILE

    return _english_words_at(data_path(ENGLISH_FILE))


@lru_cache(maxsize=None)
def _english_words_at(path: Path) -> dict:
    from .fixes import load_word_frequencies

    return _parse(path, load_word_frequencies)


def load_rewrites():
    """Learned two-letter OCR rewrites (models/rewrites.tsv)."""
    return _rewrites_at(model_path("rewrites.tsv"))


@lru_cache(maxsize=None)
def _rewrites_at(path: Path):
    from .candidates import load_rewrites as _load

    return tuple(_parse(path, _load))


def load_ocr_forms():
    """Learned whole-word OCR misreadings (models/ocr_forms.tsv)."""
    return _ocr_forms_at(model_path("ocr_forms.tsv"))


@lru_cache(maxsize=None)
def _ocr_forms_at(path: Path):
    from .candidates import load_ocr_forms as _load

    return _parse(path, _load)


def candidate_inputs() -> Tuple[Path, ...]:
    """The files the candidate generator's inputs are read from, in the order
    CandidateGenerator.inputs_digest takes them: the language model's vocabulary and
    counts, the channel, the rewrites, the OCR forms."""
    return (model_path("ngram", "vocab.txt"), model_path("channel.json"), model_path("rewrites.tsv"),
            model_path("ocr_forms.tsv"))


def candidate_table_path() -> Optional[Path]:
    """The precomputed candidate table, if shipped (it only speeds things up)."""
    try:
        return model_path("candidates.tsv.gz")
    except MissingResource:
        return None


def runtime_setting() -> str:
    """VIDIACRITIC_RUNTIME (default "auto"); a value the scorer does not know is an
    error, not a silent switch of engine."""
    from .model.scorer import RUNTIMES

    value = os.environ.get(RUNTIME_ENV, "auto")
    if value not in RUNTIMES:
        raise SettingError(f"{RUNTIME_ENV}={value!r} is not a runtime; choose one of {', '.join(RUNTIMES)}")
    return value


def load_scorer():
    """The shipped seq2seq candidate scorer (models/seq2seq/).

    Raises MissingResource when its files are absent, ImportError when sentencepiece
    is, CorruptResource when a file is damaged, SettingError for a bad
    VIDIACRITIC_RUNTIME."""
    runtime = runtime_setting()
    for name in SCORER_FILES:
        model_path("seq2seq", name)  # raises MissingResource with the file's name
    return _scorer_at(model_path("seq2seq"), runtime)


def load_scorer_from(folder) -> object:
    """The scorer of another trained model in `folder` (``Restorer(model_dir=...)``),
    with the same errors as :func:`load_scorer` (the folder needs no manifest)."""
    runtime = runtime_setting()
    folder = Path(folder)
    for name in SCORER_FILES:
        if not (folder / name).is_file():
            raise MissingResource(f"missing {folder / name}")
    return _scorer_at(folder, runtime)


@lru_cache(maxsize=None)
def _scorer_at(folder: Path, runtime: str):
    from .model.scorer import CandidateScorer

    return _parse(folder, lambda f: CandidateScorer(f, runtime=runtime))


def load_model_weights(folder=None):
    """The seq2seq scorer's tuned weights (vidiacritic.config.ModelWeights): the shipped
    model's (models/seq2seq/weights.json, checked against the manifest), or those of
    the model in `folder`, whose weights.json may be absent (then the untuned
    defaults).  A file that is no valid weights file raises CorruptResource."""
    from .config import WEIGHTS_FILE, ModelWeights

    if folder is None:
        return _weights_at(model_path("seq2seq", WEIGHTS_FILE))
    path = Path(folder) / WEIGHTS_FILE
    return _weights_at(path) if path.exists() else ModelWeights()


def _weights_at(path: Path):
    from .config import ModelWeights

    def read(p: str):
        with open(p, encoding="utf-8") as f:
            return ModelWeights.from_json(json.load(f))
    return _parse(path, read)


def _scorer_files(folder: Path) -> List[Path]:
    from .config import WEIGHTS_FILE
    from .model.scorer import ONNX_FILE

    return [folder / n for n in SCORER_FILES + (ONNX_FILE, WEIGHTS_FILE)]


def fingerprint(model_dir=None) -> str:
    """Short hash of the whole content of every file listed in the manifests of the
    models and data folders in use, and of the scorer files of `model_dir` when one is
    given: any changed byte changes it (``Restorer.version``).  Hashes ~60 MB: call it
    once per Restorer, not per document."""
    files = []
    for kind, folder in (("models", models_dir()), ("data", data_dir())):
        files += [(f"{kind}/{name}", folder.joinpath(*name.split("/")))
                  for name in sorted(integrity.read_manifest(folder))]
    if model_dir is not None:
        files += [(f"model_dir/{p.name}", p) for p in _scorer_files(Path(model_dir))]
    return integrity.content_digest(files)
