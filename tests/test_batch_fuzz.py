"""Property tests of `vidiacritic batch` over generated hostile archives (issue 11).

Member names are drawn from the characters that broke or could break batch: path
separators of both kinds, dots, drive letters, control characters and escape codes,
NUL, bytes that are not UTF-8 (tar), non-ASCII letters (zip's UTF-8 flag), duplicates
and long names.  Whatever the names, a run must finish with exit 0 or 1, write every
file inside --out and nothing elsewhere, leave a manifest of valid one-line JSON
records (one per member), and give the same records when run again.
"""
import io
import json
import os
import tarfile
import zipfile

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_batch import GOOD, read_manifest, run_batch  # noqa: E402

PIECES = ["a", "b.txt", ".", "..", "/", "\\", "C:", "\x00", "\n", "\x1b[2J", "\u202e", "é",
          "Đ", " ", ":", "*", "manifest.jsonl", "x" * 300]
RAW_PIECES = [p.encode("utf-8") for p in PIECES] + [b"\xff", b"\xc3", b"\xed\xa0\x80"]

text_names = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
byte_names = st.lists(st.sampled_from(RAW_PIECES), min_size=1, max_size=6).map(b"".join)
contents = st.sampled_from([GOOD.encode(), b"\x00\x01binary", GOOD.encode("utf-16"), b""])


def _tar(path, members):
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tf:
        for raw, data in members:
            info = tarfile.TarInfo(raw.decode("utf-8", "surrogateescape"))
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def _zip(path, members):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members:
                zf.writestr(name.replace("\x00", "") or "empty", data)


def _files_under(root):
    found = set()
    for folder, dirs, files in os.walk(root):
        for f in files + dirs:
            found.add(os.path.relpath(os.path.join(folder, f), root))
    return found


def _check_run(tmp, archive, nmembers):
    out = os.path.join(tmp, "out")
    before = _files_under(tmp)
    rc = run_batch([archive, "--out", out, "--jobs", "1"])
    assert rc in (0, 1)
    created = _files_under(tmp) - before
    assert all(p == "out" or p.startswith("out" + os.sep) for p in created), created
    with open(os.path.join(out, "manifest.jsonl"), "rb") as fh:
        lines = fh.read().splitlines()
    records = [json.loads(line) for line in lines]
    assert all(r["status"] in ("ok", "skipped", "error") for r in records)
    assert len(records) <= nmembers
    for r in records:
        if r["status"] == "ok":
            path = os.path.join(out, *r["output"].split("/"))
            assert os.path.isfile(path) and not os.path.islink(path)
            assert os.path.realpath(path).startswith(os.path.realpath(out) + os.sep)
    statuses = [(r["member"], r["status"]) for r in records]
    assert run_batch([archive, "--out", out, "--jobs", "1"]) == rc
    assert [(r["member"], r["status"]) for r in read_manifest(out)] == statuses


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.tuples(byte_names, contents), min_size=1, max_size=5))
def test_tar_member_names(tmp_path_factory, members):
    tmp = str(tmp_path_factory.mktemp("tarfuzz"))
    archive = os.path.join(tmp, "in.tar.gz")
    _tar(archive, members)
    _check_run(tmp, archive, len(members))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.tuples(text_names, contents), min_size=1, max_size=5))
def test_zip_member_names(tmp_path_factory, members):
    tmp = str(tmp_path_factory.mktemp("zipfuzz"))
    archive = os.path.join(tmp, "in.zip")
    _zip(archive, members)
    _check_run(tmp, archive, len(members))
