"""Integrity of the shipped files (issue 10): no file that can run code when loaded,
a version that follows every byte of the models, and a broken model that is an error,
never a silently weaker engine.

Damage is always done to copies: the VIDIACRITIC_MODELS / VIDIACRITIC_DATA folders
below are copied from the checkout's models/ and data/.
"""
import argparse
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vidiacritic import Restorer, batch, integrity, resources
from vidiacritic.errors import CorruptResource, MissingResource, SettingError, VidiacriticError
from vidiacritic.lexicon import PhraseLexicon, trie_path

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Uy ban nhan dan tinh quyet dinh giao dat cho nguoi su dung.\n"


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One copy of models/ and data/ to copy again per test (faster than the checkout's
    tree, and never the checkout itself)."""
    base = tmp_path_factory.mktemp("pristine")
    return _copy(resources.models_dir(), base / "models"), _copy(resources.data_dir(), base / "data")


@pytest.fixture
def folders(pristine, tmp_path, monkeypatch):
    """Fresh copies of models/ and data/, in use through the environment."""
    models, data = _copy(pristine[0], tmp_path / "models"), _copy(pristine[1], tmp_path / "data")
    monkeypatch.setenv("VIDIACRITIC_MODELS", str(models))
    monkeypatch.setenv("VIDIACRITIC_DATA", str(data))
    return models, data


def _flip(path: Path, offset=None) -> None:
    """Invert one byte (the middle one by default) in place: same size, other content."""
    with open(path, "r+b") as fh:
        fh.seek(0, 2)
        where = fh.tell() // 2 if offset is None else offset
        fh.seek(where)
        byte = fh.read(1)
        fh.seek(where)
        fh.write(bytes([byte[0] ^ 0xFF]))


def _manifest_names(folder: Path):
    return sorted(json.loads((folder / integrity.MANIFEST).read_text(encoding="utf-8"))["files"])


# ---------------------------------------------------------------- 1. no pickle
class _Plant:
    """Unpickling this creates the file `marker`: proof that a load ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_planted_pickle_next_to_a_user_tsv_is_never_executed(tmp_path):
    tsv = tmp_path / "mine.tsv"
    tsv.write_text("phrase\tcount\tsource\tdominance\nhội đồng nhân dân\t10\tcorpus\t1.0\n", encoding="utf-8")
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Plant(marker), protocol=4)
    (tmp_path / "mine.trie.pickle").write_bytes(payload)  # the name the old loader read
    trie_path(tsv).write_bytes(payload)  # a pickle under the new name
    lex = PhraseLexicon.load(tsv)
    assert not marker.exists(), "loading the lexicon ran code from a planted file"
    assert lex.get("hội đồng nhân dân") is not None

    # an .npz holding a pickled object array: numpy must refuse it, not run it
    with open(trie_path(tsv), "wb") as fh:
        np.savez(fh, format=np.array([_Plant(marker)], dtype=object))
    lex = PhraseLexicon.load(tsv)
    assert not marker.exists() and lex.get("hội đồng nhân dân") is not None


def test_no_pickle_is_shipped_or_loaded():
    for folder in (resources.models_dir(), resources.data_dir()):
        for path in folder.rglob("*"):
            assert path.suffix not in (".pickle", ".pkl"), path
        for name in _manifest_names(folder):
            with open(folder / name, "rb") as fh:
                assert fh.read(1) != b"\x80", f"{name} starts like a pickle"
    code_loading = re.compile(r"^\s*import (pickle|marshal|shelve)|\bpickle\.loads?\(|allow_pickle\s*=\s*True",
                              re.M)
    for src in (ROOT / "vidiacritic").rglob("*.py"):
        assert not code_loading.search(src.read_text(encoding="utf-8")), src


def test_a_crafted_trie_that_loops_is_refused(tmp_path):
    """Numbers only, with the TSV's own digest, but node 1 owns the edge that leads to
    itself: building node 2 (build_all) would walk up from it forever.  Refused: the
    TSV is parsed instead."""
    import hashlib
    from vidiacritic.lexicon import TRIE_FORMAT
    tsv = tmp_path / "t.tsv"
    tsv.write_text("phrase\tcount\tsource\tdominance\nủy ban\t10\tcorpus\t1.0\n", encoding="utf-8")
    with open(trie_path(tsv), "wb") as fh:
        np.savez(fh, format=np.array(TRIE_FORMAT), tsv_sha256=np.array(hashlib.sha256(tsv.read_bytes()).hexdigest()),
                 syllables=np.frombuffer("ủy\nban".encode("utf-8"), dtype=np.uint8),
                 starts=np.array([0, 0, 2, 2], dtype=np.int32), edges=np.array([0, 1], dtype=np.int32),
                 strength=np.array([np.nan, np.nan, 0.5]))
    lex = PhraseLexicon.load(tsv).build_all()
    assert lex._arrays is None and sorted(lex) == [(("ủy", "ban"), pytest.approx(10 / 15))]


def test_the_built_trie_is_read_back_identically(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("phrase\tcount\tsource\tdominance\nủy ban nhân dân\t10\tcorpus\t1.0\n"
                   "ủy ban\t3\tcorpus\t0.9\nhội đồng nhân dân tỉnh\t0\tadmin_units\t0.8\n", encoding="utf-8")
    parsed = PhraseLexicon.load(tsv)
    parsed.save_trie(trie_path(tsv), tsv)
    built = PhraseLexicon.load(tsv)
    assert built._arrays is not None and sorted(built) == sorted(parsed)
    cands = [{"ủy", "uy"}, {"ban", "bản"}, {"nhân"}, {"dân", "dần"}]
    assert built.matches(cands) == parsed.matches(cands)


# ---------------------------------------------------------------- 2. the version covers content
def test_one_byte_of_any_shipped_file_changes_the_fingerprint(folders):
    before = resources.fingerprint()
    for folder in folders:
        for name in _manifest_names(folder):
            _flip(folder / name)
            assert resources.fingerprint() != before, name
            _flip(folder / name)  # back
    assert resources.fingerprint() == before


def test_restorer_version_follows_the_models_and_model_dir(folders):
    models, _ = folders
    before = Restorer(engine="rules").version
    _flip(models / "ngram" / "3.keys.npy")  # a retrained model of the same size
    after = Restorer(engine="rules").version
    assert after != before
    other = _copy(models / "seq2seq", models.parent / "other_model")
    plain = Restorer(engine="model").version
    with_dir = Restorer(engine="model", model_dir=other)
    assert with_dir.version != plain
    _flip(other / "scorer.npz")
    assert Restorer(engine="model", model_dir=other).version != with_dir.version


class _Counting(Restorer):
    calls = 0

    def explain(self, text, **kw):
        type(self).calls += 1
        return super().explain(text, **kw)

    def restore(self, text, **kw):
        type(self).calls += 1
        return super().restore(text, **kw)


def _batch(src: Path, out: Path) -> int:
    ap = argparse.ArgumentParser()
    batch.add_arguments(ap)
    args = ap.parse_args([str(src), "--out", str(out), "--jobs", "1", "--quiet"])
    _Counting.calls = 0
    assert batch.run(args, restorer_factory=lambda: _Counting(engine="rules")) == 0
    return _Counting.calls


def test_batch_redoes_its_members_after_a_model_byte_changes(folders, tmp_path):
    models, _ = folders
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    assert _batch(src, out) == 3
    assert _batch(src, out) == 0  # same version: already done
    _flip(models / "ngram" / "3.keys.npy")
    assert _batch(src, out) == 3  # the outputs of the old model are not kept as done
    versions = {json.loads(line)["engine_version"] for line in (out / "manifest.jsonl").open(encoding="utf-8")}
    assert len(versions) == 1


# ---------------------------------------------------------------- 3. broken is an error
def _fix(env_extra, models=None, data=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_extra)
    for key, folder in (("VIDIACRITIC_MODELS", models), ("VIDIACRITIC_DATA", data)):
        if folder is not None:
            env[key] = str(folder)
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", "fix"], input=TEXT.encode("utf-8"),
                          env=env, capture_output=True, timeout=300)


def _one_line_error(res, *words):
    err = res.stderr.decode("utf-8")
    assert res.returncode == 1, err
    assert res.stdout == b""
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("vidiacritic: error: "), err
    for w in words:
        assert w in lines[0], err


def _rebuild_manifest(models: Path):
    subprocess.run([sys.executable, "-m", "scripts.build_manifest", "--models", str(models)], cwd=ROOT,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True, capture_output=True)


@pytest.mark.parametrize("manifest", ["stale", "rebuilt"])
def test_corrupt_scorer_json_is_an_error(folders, manifest):
    models, data = folders
    (models / "seq2seq" / "scorer.json").write_text('{"d_model": 256,', encoding="utf-8")
    if manifest == "rebuilt":  # damaged by its own build: the parser catches it
        _rebuild_manifest(models)
    _one_line_error(_fix({}, models, data), "scorer.json")


@pytest.mark.parametrize("manifest", ["stale", "rebuilt"])
def test_truncated_onnx_is_an_error(folders, manifest):
    models, data = folders
    onnx = models / "seq2seq" / "scorer.int8.onnx"
    with open(onnx, "r+b") as fh:
        fh.truncate(os.path.getsize(onnx) // 3)
    if manifest == "rebuilt":
        _rebuild_manifest(models)
    _one_line_error(_fix({}, models, data), "scorer.int8.onnx")


def test_unknown_runtime_setting_is_an_error(folders, monkeypatch):
    _one_line_error(_fix({"VIDIACRITIC_RUNTIME": "onnx"}, *folders), "VIDIACRITIC_RUNTIME", "'onnx'")
    monkeypatch.setenv("VIDIACRITIC_RUNTIME", "numpyy")
    with pytest.raises(SettingError, match="numpyy"):
        Restorer(engine="auto")


def test_missing_acronym_table_is_an_error(folders):
    models, data = folders
    (data / "acronyms_d.tsv").unlink()
    _one_line_error(_fix({}, models, data), "acronyms_d.tsv")


@pytest.mark.parametrize("kind,name,loader", [
    ("data", "acronyms_d.tsv", resources.load_acronyms),
    ("data", "code_parts_d.tsv", resources.load_code_parts),
    ("data", "english_words.tsv", resources.load_english_words),
    ("data", "kept_words.tsv", resources.load_kept_words),
    ("data", "admin_terms.tsv", resources.load_lexicon),
    ("models", "rewrites.tsv", resources.load_rewrites),
    ("models", "ocr_forms.tsv", resources.load_ocr_forms),
    ("models", "confidence.json", resources.load_confidence),
])
def test_a_missing_shipped_table_never_becomes_none(folders, kind, name, loader):
    folder = folders[0] if kind == "models" else folders[1]
    (folder / name).unlink()
    with pytest.raises(MissingResource, match=re.escape(name)):
        loader()


@pytest.mark.parametrize("name,loader", [("rewrites.tsv", resources.load_rewrites),
                                         ("ocr_forms.tsv", resources.load_ocr_forms),
                                         ("confidence.json", resources.load_confidence)])
def test_a_damaged_table_is_a_vidiacritic_error(folders, name, loader):
    models, _ = folders
    _flip(models / name, offset=0)
    with pytest.raises(CorruptResource, match=re.escape(name)) as exc:
        loader()
    assert isinstance(exc.value, VidiacriticError)


def test_absent_model_files_fall_back_with_a_warning(folders):
    models, data = folders
    (models / "seq2seq" / "scorer.npz").unlink()
    res = _fix({}, models, data)
    assert res.returncode == 0, res.stderr
    assert "unavailable" in res.stderr.decode("utf-8") and "statistical" in res.stderr.decode("utf-8")
    assert res.stdout.decode("utf-8").startswith("Ủy ban nhân dân")


# ---------------------------------------------------------------- vidiacritic check
def test_check_reports_each_damaged_file(folders):
    models, data = folders
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ok = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "check"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "match their manifests" in ok.stdout, ok.stderr
    _flip(models / "ngram" / "3.keys.npy")  # the middle: only the whole hash sees it
    (data / "sample_ocr.txt").unlink()
    bad = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "check"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    lines = bad.stderr.strip().split("\n")
    assert len(lines) == 2 and all(line.startswith("vidiacritic: error: ") for line in lines), bad.stderr
    assert "3.keys.npy" in bad.stderr and "sample_ocr.txt: missing" in bad.stderr


def test_checkout_manifests_are_fresh():
    """models/ and data/ match their manifests (rebuild: python -m scripts.build_manifest)."""
    for folder in (resources.models_dir(), resources.data_dir()):
        assert integrity.full_problems(folder) == []
    from scripts.build_manifest import shipped_names  # the tests run from the checkout

    for kind, folder in (("models", resources.models_dir()), ("data", resources.data_dir())):
        assert shipped_names(folder, kind) == _manifest_names(folder), f"{kind}: rebuild the manifest"


def test_a_damaged_built_trie_is_an_error_not_a_slower_lexicon(folders):
    _, data = folders
    _flip(data / "admin_terms.trie.npz", offset=100)
    with pytest.raises(CorruptResource, match="admin_terms.trie.npz"):
        resources.load_lexicon()


@pytest.mark.parametrize("manifest,content,says", [
    ("stale", '{"weight": 1.0, "gate": 0.8,', "the manifest says"),
    ("rebuilt", '{"weight": 1.0, "gate": 0.8,', "weights.json: cannot be loaded"),
    ("rebuilt", '{"weight": 1.0, "gate": 0.8, "marked_weight": 0.5, "passes": 2}', "keys"),
])
def test_a_bad_model_weights_file_is_an_error(folders, manifest, content, says):
    """The scorer's tuned weights (models/seq2seq/weights.json) are a model file like
    the others: damaged, or rebuilt wrongly with its manifest, a one-line error."""
    models, data = folders
    (models / "seq2seq" / "weights.json").write_text(content, encoding="utf-8")
    if manifest == "rebuilt":
        _rebuild_manifest(models)
    _one_line_error(_fix({}, models, data), "weights.json", says)
