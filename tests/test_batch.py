"""`vidiacritic batch` and its archive reader: hostile archives, resume after kill -9, Dask.

Most tests use FakeRestorer (below): deterministic, instant, same interface as
vidiacritic.Restorer.  One end-to-end test uses the real rules engine when its
resources are installed.
"""
import argparse
import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from types import SimpleNamespace

import pytest

from vidiacritic import batch
from vidiacritic.batch import archives
from vidiacritic.batch.archives import Limits, UnsafeMember, iter_members, safe_member_path
from vidiacritic.encodings import encode_cp1258

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


class FakeRestorer:
    """Knows a dozen words; `FAKE_RESTORER_DELAY` seconds per file slows it down."""

    TABLE = {"uy": "ủy", "nhan": "nhân", "dan": "dân", "tinh": "tỉnh", "viet": "việt",
             "quyet": "quyết", "dinh": "định", "giao": "giao", "dat": "đất", "cho": "cho",
             "nguoi": "người", "su": "sử", "dung": "dụng"}

    def __init__(self, engine="auto", tone_style="traditional"):
        self.version = f"fake-1/{engine}/{tone_style}"
        self.delay = float(os.environ.get("FAKE_RESTORER_DELAY", "0"))

    def explain(self, text):
        words = []

        def sub(m):
            w = m.group(0)
            new = self.TABLE.get(w.lower(), w.lower())
            if w[:1].isupper():
                new = new[:1].upper() + new[1:]
            if w.isupper() and len(w) > 1:
                new = new.upper()
            words.append(SimpleNamespace(original=w, chosen=new, start=m.start(), source="rule",
                                         confidence=0.9 if new != w else 0.6, alternatives=[],
                                         changed=new != w))
            return new

        out = re.sub(r"[^\W\d_]+", sub, text)
        if self.delay:
            time.sleep(self.delay)
        return SimpleNamespace(text=out, words=words)

    def restore(self, text):
        return self.explain(text).text


FAKE = "test_batch:FakeRestorer"
GOOD = "Uy ban nhan dan tinh quyet dinh giao dat cho nguoi su dung.\n"
RESTORED = "Ủy ban nhân dân tỉnh quyết định giao đất cho người sử dụng.\n"
CP1258 = "Ủy ban nhân dân tỉnh Hà Nam quyết định giao đất cho người sử dụng lâu dài.\n"


def run_batch(argv, factory=None, fake=True):
    """Run in this process; FakeRestorer unless `fake` is False or a factory is given."""
    ap = argparse.ArgumentParser()
    batch.add_arguments(ap)
    if fake and factory is None:
        argv = argv + ["--restorer-factory", FAKE]
    args = ap.parse_args(argv + ["--quiet"])
    return batch.run(args, restorer_factory=factory)


def read_manifest(out):
    with open(os.path.join(out, "manifest.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def tree(root, skip=("manifest.jsonl",)):
    """{relative path: bytes} of every file under root."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(folder, f)
            rel = os.path.relpath(p, root)
            if rel not in skip:
                with open(p, "rb") as fh:
                    out[rel] = fh.read()
    return out


def without_timing(records):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


# ---------------------------------------------------------------- hostile archives
def _zip_symlink(zf, name, target):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, target)


def make_hostile_zip(path, escape_name):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.txt", GOOD)
        zf.writestr("docs/2019/good2.TXT", GOOD.upper())
        zf.writestr("../" + escape_name, "evil")
        zf.writestr("/tmp/" + escape_name, "evil")
        zf.writestr("C:/Windows/" + escape_name, "evil")
        zf.writestr("..\\..\\" + escape_name, "evil")
        _zip_symlink(zf, "passwd.txt", "/etc/passwd")
        zf.writestr("binary.txt", b"\x00\x01\x02binary\x00" * 10)
        zf.writestr("legacy-cp1258.txt", encode_cp1258(CP1258))
        zf.writestr("scan.png", PNG)
        zf.writestr("scan-named.txt", PNG)


def _tar_add(tf, name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def make_hostile_tgz(path, escape_name):
    with tarfile.open(path, "w:gz") as tf:
        _tar_add(tf, "good.txt", GOOD.encode())
        _tar_add(tf, "docs/good2.txt", GOOD.encode())
        _tar_add(tf, "../" + escape_name, b"evil")
        _tar_add(tf, "/tmp/" + escape_name, b"evil")
        _tar_add(tf, "passwd.txt", kind=tarfile.SYMTYPE, linkname="/etc/passwd")
        _tar_add(tf, "hard.txt", kind=tarfile.LNKTYPE, linkname="/etc/passwd")
        _tar_add(tf, "dev.txt", kind=tarfile.CHRTYPE)
        _tar_add(tf, "binary.txt", b"\x00\x01\x02binary\x00" * 10)
        _tar_add(tf, "legacy-cp1258.txt", encode_cp1258(CP1258))
        _tar_add(tf, "scan.png", PNG)
        _tar_add(tf, "after/good3.txt", GOOD.encode())


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_hostile_zip_and_tgz(tmp_path, jobs):
    escape = f"vidiacritic-escape-{os.getpid()}-{jobs}.txt"
    work = tmp_path / "work"
    work.mkdir()
    make_hostile_zip(work / "hostile.zip", escape)
    make_hostile_tgz(work / "hostile.tar.gz", escape)
    before = set(os.listdir(tmp_path)), set(os.listdir(work))
    out = work / "out"
    rc = run_batch([str(work / "hostile.zip"), str(work / "hostile.tar.gz"), "--out", str(out),
                    "--jobs", jobs])
    assert rc == 1
    # nothing outside OUT
    assert (set(os.listdir(tmp_path)), set(os.listdir(work) ) - {"out"}) == before
    assert not os.path.exists(os.path.join("/tmp", escape))
    assert not os.path.exists(os.path.join(os.path.dirname(str(tmp_path)), escape))
    files = tree(out)
    assert files == {
        "hostile.zip/good.txt": RESTORED.encode(),
        "hostile.zip/docs/2019/good2.TXT": RESTORED.upper().encode(),
        "hostile.zip/legacy-cp1258.txt": CP1258.encode(),
        "hostile.tar.gz/good.txt": RESTORED.encode(),
        "hostile.tar.gz/docs/good2.txt": RESTORED.encode(),
        "hostile.tar.gz/legacy-cp1258.txt": CP1258.encode(),
        "hostile.tar.gz/after/good3.txt": RESTORED.encode(),
    }
    recs = read_manifest(out)
    by = {(r["input"], r["member"]): r for r in recs}
    for r in recs:
        assert set(r) >= {"input", "member", "output", "status", "error", "bytes", "syllables",
                          "words_changed", "mean_confidence", "seconds"}
        assert r["status"] in ("ok", "skipped", "error")
        if r["status"] == "error":
            assert r["error"] and "\n" not in r["error"] and r["output"] is None
    assert by[("hostile.zip", "good.txt")]["status"] == "ok"
    assert by[("hostile.zip", "good.txt")]["words_changed"] == 10
    assert by[("hostile.zip", "good.txt")]["syllables"] == 13
    assert by[("hostile.zip", "legacy-cp1258.txt")]["encoding"] == "cp1258"
    for inp in ("hostile.zip", "hostile.tar.gz"):
        assert by[(inp, "../" + escape)]["error"].startswith("unsafe path")
        assert by[(inp, "/tmp/" + escape)]["error"].startswith("unsafe path")
        assert "symlink" in by[(inp, "passwd.txt")]["error"]
        assert by[(inp, "binary.txt")]["error"].startswith("binary file")
        assert by[(inp, "scan.png")]["status"] == "skipped"
    assert "drive letter" in by[("hostile.zip", "C:/Windows/" + escape)]["error"]
    assert by[("hostile.zip", "scan-named.txt")]["error"] == "binary file (PNG image)"
    assert "hard link" in by[("hostile.tar.gz", "hard.txt")]["error"]
    assert "regular file" in by[("hostile.tar.gz", "dev.txt")]["error"]
    assert len(recs) == 11 + 11


def test_safe_member_path():
    assert safe_member_path("a/./b//c.txt") == "a/b/c.txt"
    assert safe_member_path("dir\\file.txt") == "dir/file.txt"
    for bad in ["../x", "a/../../x", "/etc/passwd", "\\\\server\\share", "C:\\x", "c:x",
                "a/..\\..\\x", "", "./", "a\x00b"]:
        with pytest.raises(UnsafeMember):
            safe_member_path(bad)


def test_compression_bomb_is_cut_off(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"a" * (8 << 20))
        zf.writestr("ok.txt", GOOD)
    members = [(m, m.read() if m.error is None else None)
               for m in iter_members(str(bomb), limits=Limits(max_member_bytes=1 << 20))]
    assert "size limit" in members[0][0].error
    assert members[1][1] == GOOD.encode()
    tgz = tmp_path / "many.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        for i in range(5):
            _tar_add(tf, f"f{i}.txt", b"x" * 400_000)
    got = [m for m in iter_members(str(tgz), limits=Limits(max_member_bytes=1 << 20,
                                                           max_total_bytes=1 << 20))
           if m.error is not None or m.read()]
    assert [m.error is None for m in got] == [True, True, False]
    assert "total size limit" in got[2].error
    out = tmp_path / "out"
    rc = run_batch([str(bomb), str(tgz), "--out", str(out), "--jobs", "1",
                    "--max-member-size", "1M", "--max-total-size", "1M"])
    assert rc == 1
    recs = read_manifest(out)
    assert [r["status"] for r in recs] == ["error", "ok", "ok", "ok", "error"]


def test_lying_zip_header_is_bounded(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"a" * (4 << 20))
    raw = bytearray(path.read_bytes())
    # shrink the declared uncompressed size in both headers to 10 bytes
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = raw.find(sig)
        raw[pos + off:pos + off + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    (m,) = iter_members(str(path), limits=Limits(max_member_bytes=1 << 20))
    with pytest.raises(archives.ArchiveError):
        m.read()


def test_directory_and_single_file_inputs(tmp_path):
    src = tmp_path / "scans"
    (src / "a").mkdir(parents=True)
    (src / "a" / "one.txt").write_text(GOOD, encoding="utf-8")
    (src / "two.txt").write_bytes(GOOD.encode("utf-16"))
    (src / "notes.md").write_text("x")
    os.symlink("/etc/passwd", src / "link.txt")
    single = tmp_path / "single.txt"
    single.write_text(GOOD)
    out = src / "out"  # the output folder inside an input is not read back
    rc = run_batch([str(src), str(single), "--out", str(out), "--jobs", "1"])
    assert rc == 1
    assert tree(out) == {"scans/a/one.txt": RESTORED.encode(),
                         "scans/two.txt": RESTORED.encode(), "single.txt": RESTORED.encode()}
    recs = read_manifest(out)
    assert [(r["member"], r["status"]) for r in recs] == [
        ("a/one.txt", "ok"), ("link.txt", "error"), ("notes.md", "skipped"),
        ("two.txt", "ok"), ("single.txt", "ok")]
    assert recs[3]["encoding"] == "utf-16"
    # --glob selects, rerun resumes everything that is done
    rc = run_batch([str(src), "--out", str(out), "--jobs", "1", "--glob", "*.md", "--glob", "a/*"])
    recs = {r["member"]: r for r in read_manifest(out)}
    assert recs["notes.md"]["status"] == "ok" and recs["a/one.txt"]["status"] == "ok"
    assert recs["two.txt"]["status"] == "skipped"


# ---------------------------------------------------------------- resume after kill -9
def make_corpus_zip(path, n):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"d{i % 7}/f{i:04d}.txt", (f"Van ban so {i}. " + GOOD) * (1 + i % 5))


def _env(delay):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, HERE, env.get("PYTHONPATH", "")])
    env["FAKE_RESTORER_DELAY"] = str(delay)
    return env


def test_a_second_batch_on_a_busy_output_folder_refuses_and_touches_nothing(tmp_path, capsys):
    import fcntl
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out)]) == 0
    (src / "b.txt").write_text(GOOD, encoding="utf-8")
    before = tree(str(out), skip=())
    capsys.readouterr()
    with open(out / "manifest.jsonl", "a") as held:  # a batch still running there
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc = run_batch([str(src), "--out", str(out)])
    err = capsys.readouterr().err.splitlines()
    assert rc == 1  # a run that did not do its work, not a usage error
    assert len(err) == 1 and err[0].startswith("vidiacritic: error: another batch") and str(out) in err[0], err
    assert tree(str(out), skip=()) == before


def test_default_jobs_is_at_least_one_where_the_cpu_count_is_unknown(monkeypatch):
    monkeypatch.setattr(batch.os, "cpu_count", lambda: None)  # os.cpu_count() may be None
    ap = argparse.ArgumentParser()
    batch.add_arguments(ap)
    assert ap.parse_args(["x", "--out", "o"]).jobs >= 1


def test_an_unknown_encoding_is_a_usage_error_before_any_work(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out), "--encoding", "no-such-codec"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("vidiacritic: error: ") and "no-such-codec" in err[0]
    assert not out.exists()


def test_resume_after_kill_9_is_byte_identical(tmp_path):
    n = 200
    src = tmp_path / "corpus.zip"
    make_corpus_zip(src, n)
    ref = tmp_path / "ref"
    assert run_batch([str(src), "--out", str(ref), "--jobs", "2"]) == 0

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "vidiacritic.batch", str(src), "--out", str(out), "--jobs", "2",
           "--restorer-factory", FAKE, "--quiet"]
    proc = subprocess.Popen(cmd, env=_env(0.01), cwd=str(tmp_path), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= 40:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        # the pool workers notice that their parent is gone and leave too
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("worker processes outlived the killed batch")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # orphaned pool workers, if any
        except ProcessLookupError:
            pass
    done_before = sum(1 for line in manifest.read_bytes().splitlines() if line.strip())
    assert 0 < done_before < n, "the kill came too late to test anything"
    # a crash may also leave a temporary file (named with the dead writer's pid) and a
    # half-written manifest line
    stray = out / "corpus.zip" / "d0" / f".f0000.txt.{proc.pid}-abc0.vidiacritic-tmp"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"partial")
    with open(manifest, "ab") as fh:
        fh.write(b'{"input": "corpus.zip", "mem')

    res = subprocess.run(cmd, env=_env(0), cwd=str(tmp_path), capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "already done" in res.stdout
    assert tree(out) == tree(ref)
    assert len(tree(out)) == n
    got, want = read_manifest(out), read_manifest(ref)
    assert without_timing(got) == without_timing(want)

    # a third run does nothing but confirm
    res = subprocess.run(cmd, env=_env(0), capture_output=True, text=True, timeout=120)
    assert f"{n} ok ({n} already done)" in res.stdout


def test_resume_redoes_changed_sources_and_engine(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    (src / "b.txt").write_text(GOOD)
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    before = {r["member"]: r["sha256"] for r in read_manifest(out)}
    (src / "b.txt").write_text("Viet " + GOOD)
    run_batch([str(src), "--out", str(out), "--jobs", "1"])
    assert (out / "in" / "b.txt").read_text() == "Việt " + RESTORED
    after = {r["member"]: r["sha256"] for r in read_manifest(out)}
    # the changed source's record now holds the new source's hash; the other is as it was
    assert after["b.txt"] == hashlib.sha256(("Viet " + GOOD).encode()).hexdigest() != before["b.txt"]
    assert after["a.txt"] == before["a.txt"] == hashlib.sha256(GOOD.encode()).hexdigest()
    run_batch([str(src), "--out", str(out), "--jobs", "1", "--tone-style", "modern"])
    assert all(r["engine_version"].endswith("/modern") for r in read_manifest(out))


def test_manifest_has_one_line_per_member_after_reruns(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.txt").write_text(GOOD)
    out = tmp_path / "out"
    for _ in range(3):
        run_batch([str(src), "--out", str(out), "--jobs", "1"])
    assert [r["member"] for r in read_manifest(out)] == [f"{i}.txt" for i in range(5)]


# ---------------------------------------------------------------- command line
def test_register_adds_batch_subcommand():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command")
    batch.register(sub)
    args = ap.parse_args(["batch", "x.zip", "--out", "o", "--jobs", "3", "--legacy-encoding", "vni",
                          "--max-member-size", "10M"])
    assert args.func is batch.run and args.jobs == 3 and args.legacy_encoding == "vni"
    assert args.max_member_size == 10 << 20


def test_plain_log_lines_and_summary_when_not_a_tty(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    (src / "bad.txt").write_bytes(b"\x00\x01")
    res = subprocess.run([sys.executable, "-m", "vidiacritic.batch", str(src), "--out",
                          str(tmp_path / "out"), "--jobs", "2", "--restorer-factory", FAKE],
                         env=_env(0), capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "batch: error: in/bad.txt: binary file (NUL bytes)" in res.stderr
    assert re.search(r"batch: 1 ok, 0 skipped, 1 failed; 13 syllables in [\d.]+ s", res.stdout)


def test_restorer_that_cannot_load(tmp_path):
    def broken():
        raise RuntimeError("no model here")
    (tmp_path / "a.txt").write_text(GOOD)
    for jobs in ("1", "2"):
        assert run_batch([str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--jobs", jobs],
                         factory=broken) == 1


# ---------------------------------------------------------------- Dask
def test_dask_local_cluster_matches_local_run(tmp_path):
    pytest.importorskip("distributed")
    src = tmp_path / "corpus.zip"
    make_corpus_zip(src, 30)
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("../escape.txt", "x")
        zf.writestr("bin.txt", b"\x00" * 10)
    local, dask = tmp_path / "local", tmp_path / "dask"
    spec = batch.RestorerSpec(target=FAKE)
    assert run_batch([str(src), "--out", str(local), "--jobs", "2"], factory=spec) == 1
    assert run_batch([str(src), "--out", str(dask), "--dask-local", "2"], factory=spec) == 1
    assert tree(dask) == tree(local) and len(tree(local)) == 30
    assert without_timing(read_manifest(dask)) == without_timing(read_manifest(local))


# ---------------------------------------------------------------- the real restorer
def test_end_to_end_with_rules_engine(tmp_path):
    # no skip: the rules engine's resources ship with the package, so one that cannot
    # load is a failure
    src = tmp_path / "docs.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("a.txt", "Uy ban nhan dan tinh\n")
        zf.writestr("b.txt", encode_cp1258("Ủy ban nhân dân tỉnh\n"))
    out = tmp_path / "out"
    rc = run_batch([str(src), "--out", str(out), "--jobs", "1", "--engine", "rules"], fake=False)
    assert rc == 0
    a = (out / "docs.zip" / "a.txt").read_text(encoding="utf-8")
    assert a.startswith("Ủy ban nhân dân")
    recs = read_manifest(out)
    assert recs[0]["words_changed"] >= 3 and 0 < recs[0]["mean_confidence"] <= 1
    assert recs[0]["engine_version"].startswith("vidiacritic-")


def test_a_member_is_restored_in_bounded_pieces():
    """A big member goes to the restorer in pieces of at most stream.PIECE_CHARS
    characters (memory bounded by the piece, not the member), and the output and the
    manifest's counts are those of the whole member."""
    from vidiacritic import stream

    class Recording:
        version = "recording"
        sizes = []

        def explain(self, text):
            self.sizes.append(len(text))
            words = [SimpleNamespace(changed=w == "hoa", confidence=0.5) for w in text.split()]
            return SimpleNamespace(text=text.replace("hoa", "hòa"), words=words)

    para = "hoa binh va hop tac " * 200 + "\n\n"
    text = para * 60  # 240k characters, paragraphs of 4k
    res = batch.process_task(Recording(), (0, text.encode(), None, "auto", 0, "text"))
    assert res["status"] == "ok", res
    assert len(Recording.sizes) > 1 and max(Recording.sizes) <= stream.PIECE_CHARS
    assert res["data"].decode() == text.replace("hoa", "hòa")
    assert res["syllables"] == 5 * 200 * 60 and res["words_changed"] == 200 * 60


def _stub_restorer():
    return object()


@pytest.mark.parametrize("setting", [None, "2"])
def test_pool_workers_decode_on_one_thread_unless_told(setting, monkeypatch):
    """--jobs N already keeps the cores busy: a pool worker's decoder stays on its own
    thread (vidiacritic.compiled.pool), unless VIDIACRITIC_THREADS says otherwise."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from vidiacritic import compiled
    from vidiacritic.batch.worker import _init_worker
    if setting is None:
        monkeypatch.delenv(compiled.THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(compiled.THREADS_ENV, setting)
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker, initargs=(_stub_restorer, True, None)) as pool:
        assert pool.submit(compiled.threads).result(timeout=60) == (1 if setting is None else 2)
    assert os.environ.get(compiled.THREADS_ENV) == setting  # (the parent's own setting untouched)
