"""Fault injection on the write paths of `vidiacritic batch` and `vidiacritic fix`.

Written against public behaviour only (the command line and the files it leaves), so
that the writers can be rewritten freely: a rename that fails or a crash between
writing and renaming must leave the destination with its old bytes and no partial
file beside it; a full disk likewise; and a rerun of a batch redoes exactly the
outputs that are not intact (truncated, deleted) and nothing else.
"""
import errno
import json
import os

import pytest

from vidiacritic import cli


class Upper:
    """A stand-in restorer: upper-cases the text and remembers what it was given."""

    seen = []
    version = "upper-1"

    def __init__(self, engine="auto", tone_style="traditional"):
        pass

    def restore(self, text):
        Upper.seen.append(text)
        return text.upper()


class Crash(BaseException):
    """A simulated power cut: nothing after it runs, not even `except Exception`."""


def batch(src, out):
    Upper.seen.clear()
    return cli.main(["batch", str(src), "--out", str(out), "--jobs", "1", "--quiet",
                     "--restorer-factory", "test_write_faults:Upper"])


def make_inputs(tmp_path, texts):
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    for name, text in texts.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def files_in(folder):
    return sorted(os.listdir(folder))


def failing(real, target_name, exc):
    """os.replace (or os.link: a new output is linked into place so that it never
    replaces a file) that raises `exc` when the destination is `target_name`."""
    def replace(src, dst, *args, **kwargs):
        if os.path.basename(os.fspath(dst)) == target_name:
            raise exc
        return real(src, dst, *args, **kwargs)
    return replace


TEXTS = {"a.txt": "uy ban nhan dan\n", "b.txt": "quyet dinh giao dat " * 40 + "\n",
         "c.txt": "nguoi su dung\n"}


# ---------------------------------------------------------------- batch: resume
def test_batch_rerun_redoes_a_truncated_output_and_only_it(tmp_path):
    src = make_inputs(tmp_path, TEXTS)
    out = tmp_path / "out"
    assert batch(src, out) == 0
    b = out / "in" / "b.txt"
    full = b.read_bytes()
    assert full == TEXTS["b.txt"].upper().encode()
    b.write_bytes(full[: len(full) // 2])  # a copy cut short, an interrupted sync...
    assert batch(src, out) == 0
    assert b.read_bytes() == full
    assert Upper.seen == [TEXTS["b.txt"]]  # a.txt and c.txt were intact: not redone


def test_batch_rerun_redoes_a_deleted_output(tmp_path):
    src = make_inputs(tmp_path, TEXTS)
    out = tmp_path / "out"
    assert batch(src, out) == 0
    (out / "in" / "c.txt").unlink()
    assert batch(src, out) == 0
    assert (out / "in" / "c.txt").read_text(encoding="utf-8") == TEXTS["c.txt"].upper()
    assert Upper.seen == [TEXTS["c.txt"]]


# ---------------------------------------------------------------- batch: write faults
@pytest.mark.parametrize("exc", [OSError(errno.EIO, "rename failed"), Crash()], ids=["error", "crash"])
def test_batch_failure_between_write_and_rename_keeps_the_old_output(tmp_path, monkeypatch, exc):
    src = make_inputs(tmp_path, TEXTS)
    out = tmp_path / "out"
    assert batch(src, out) == 0
    old = (out / "in" / "b.txt").read_bytes()
    (src / "b.txt").write_text("van ban moi\n", encoding="utf-8")  # changed: must be redone
    with monkeypatch.context() as m:
        m.setattr(os, "replace", failing(os.replace, "b.txt", exc))
        try:
            rc = batch(src, out)
        except Crash:
            rc = None
    assert rc != 0
    assert (out / "in" / "b.txt").read_bytes() == old  # the old output, whole
    if not isinstance(exc, Crash):  # an orderly failure cleans up after itself
        assert files_in(out / "in") == ["a.txt", "b.txt", "c.txt"]
    # the next run finishes the job and leaves no temporary file behind
    assert batch(src, out) == 0
    assert (out / "in" / "b.txt").read_text(encoding="utf-8") == "VAN BAN MOI\n"
    assert files_in(out / "in") == ["a.txt", "b.txt", "c.txt"]
    assert Upper.seen == ["van ban moi\n"]


def test_batch_failed_write_of_a_new_output_leaves_no_file(tmp_path, monkeypatch):
    src = make_inputs(tmp_path, TEXTS)
    out = tmp_path / "out"
    monkeypatch.setattr(os, "replace", failing(os.replace, "b.txt", OSError(errno.EIO, "no")))
    monkeypatch.setattr(os, "link", failing(os.link, "b.txt", OSError(errno.EIO, "no")))
    assert batch(src, out) != 0
    assert files_in(out / "in") == ["a.txt", "c.txt"]
    with open(out / "manifest.jsonl", encoding="utf-8") as fh:
        recs = {r["member"]: r for r in map(json.loads, fh)}
    assert recs["b.txt"]["status"] == "error" and recs["b.txt"]["output"] is None
    assert recs["a.txt"]["status"] == "ok"


# ---------------------------------------------------------------- fix: write faults
def run_fix(argv):
    """cli.main; an OSError escaping it counts as a failure (how it is reported is
    test_cli's business: here only the files matter)."""
    try:
        return cli.main(["fix", "--engine", "rules"] + argv)
    except OSError:
        return None


@pytest.mark.parametrize("exc", [OSError(errno.EIO, "rename failed"), Crash()], ids=["error", "crash"])
def test_fix_output_survives_a_failed_rename(tmp_path, monkeypatch, exc):
    src = tmp_path / "scan.txt"
    src.write_text("Uy ban nhan dan tinh\n", encoding="utf-8")
    dest = tmp_path / "restored.txt"
    dest.write_bytes(b"previous result\n")
    monkeypatch.setattr(os, "replace", failing(os.replace, "restored.txt", exc))
    try:
        rc = run_fix([str(src), "-o", str(dest)])
    except Crash:
        rc = None
    assert rc != 0
    assert dest.read_bytes() == b"previous result\n"
    if not isinstance(exc, Crash):
        assert files_in(tmp_path) == ["restored.txt", "scan.txt"]
    monkeypatch.undo()
    assert run_fix([str(src), "-o", str(dest)]) == 0  # and it does work without the fault
    assert dest.read_text(encoding="utf-8") == "Ủy ban nhân dân tỉnh\n"


def test_fix_in_place_keeps_the_input_when_the_rename_fails(tmp_path, monkeypatch):
    src = tmp_path / "scan.txt"
    original = "Uy ban nhan dan tinh\r\n".encode("utf-8")
    src.write_bytes(original)
    monkeypatch.setattr(os, "replace", failing(os.replace, "scan.txt", OSError(errno.EIO, "no")))
    assert run_fix(["--in-place", str(src)]) != 0
    assert src.read_bytes() == original
    assert files_in(tmp_path) == ["scan.txt"]


def test_fix_on_a_full_disk_keeps_the_old_output(tmp_path, monkeypatch):
    src = tmp_path / "scan.txt"
    src.write_text("Uy ban nhan dan tinh\n", encoding="utf-8")
    dest = tmp_path / "restored.txt"
    dest.write_bytes(b"previous result\n")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    assert run_fix([str(src), "-o", str(dest)]) != 0
    assert dest.read_bytes() == b"previous result\n"
    assert files_in(tmp_path) == ["restored.txt", "scan.txt"]
