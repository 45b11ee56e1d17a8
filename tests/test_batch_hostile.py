"""`vidiacritic batch` against a careless or hostile user (issue 11): output folders that
hold the inputs, planted links, hostile archive headers and names, nested jobs,
members that never finish.  The archives come from tests/hostile/generators.py.

All runs use test_batch.FakeRestorer (instant, deterministic) unless a slow or stuck
variant below is the point of the test.
"""
import json
import os
import signal
import stat
import subprocess
import sys
import time
import tracemalloc

import pytest

from test_batch import FAKE, GOOD, RESTORED, FakeRestorer, _env, read_manifest, run_batch, tree
from hostile import generators as gen
from vidiacritic import batch

MiB = 1 << 20


class SlowRestorer(FakeRestorer):
    """Sleeps 60 s on a text containing SLOW (an alarm can interrupt it)."""

    def explain(self, text):
        if "SLOW" in text:
            time.sleep(60)
        return super().explain(text)


class StuckRestorer(FakeRestorer):
    """Blocks SIGALRM and sleeps 60 s on a text containing STUCK: like a native call
    that the alarm cannot interrupt, only killing the worker stops it."""

    def explain(self, text):
        if "STUCK" in text:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return super().explain(text)


class GILStuckRestorer(FakeRestorer):
    """On a text containing GILSTUCK, blocks SIGALRM and sleeps 60 s in C while holding
    the interpreter lock (ctypes.PyDLL): neither the alarm nor the worker's watchdog
    thread can run, only the parent can kill the worker."""

    def explain(self, text):
        if "GILSTUCK" in text:
            import ctypes
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            ctypes.PyDLL("libc.so.6").sleep(60)
        return super().explain(text)


def cli(args, **kw):
    """`python -m vidiacritic.cli batch ARGS` with the fake restorer."""
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", "batch"] + args
                          + ["--restorer-factory", FAKE, "--jobs", "1"],
                          env=_env(0), capture_output=True, text=True, timeout=120, **kw)


def assert_one_line_error(res, code):
    assert res.returncode == code, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vidiacritic: error: "), res.stderr
    assert "Traceback" not in res.stderr


def snapshot(root):
    """{relative path: (bytes, mode)} of every file under root, links included."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for f in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            p = os.path.join(folder, f)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(p).encode()
            else:
                with open(p, "rb") as fh:
                    data = fh.read()
            out[os.path.relpath(p, root)] = (data, stat.S_IMODE(st.st_mode))
    return out


# ---------------------------------------------------------------- item 1: --out and the inputs
def _inputs(tmp_path):
    src = tmp_path / "C"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(GOOD)
    (src / "sub" / "b.txt").write_text(GOOD)
    return src


@pytest.mark.parametrize("case", ["parent", "file-in-out", "same", "out-is-link-to-parent"])
def test_out_that_holds_an_input_is_refused(tmp_path, case):
    src = _inputs(tmp_path)
    if case == "parent":              # batch C --out .
        args, cwd = ["C", "--out", "."], tmp_path
    elif case == "file-in-out":       # batch D/f.txt --out D
        args, cwd = ["C/a.txt", "--out", "C"], tmp_path
    elif case == "same":              # batch X --out X (would read its own outputs back)
        args, cwd = ["C", "--out", "C"], tmp_path
    else:
        os.symlink(str(tmp_path), tmp_path / "link")
        args, cwd = [str(src), "--out", str(tmp_path / "link")], tmp_path
    before = snapshot(tmp_path)
    res = cli(args, cwd=str(cwd))
    assert_one_line_error(res, 2)
    assert "contains the input" in res.stderr
    assert snapshot(tmp_path) == before  # nothing written, nothing replaced


def test_out_inside_an_input_folder_is_allowed_and_not_read_back(tmp_path):
    src = _inputs(tmp_path)
    out = src / "restored"
    for _ in range(2):  # the second run must not see the first run's outputs as inputs
        assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    assert sorted(tree(out)) == ["C/a.txt", "C/sub/b.txt"]
    assert (src / "a.txt").read_text() == GOOD


def test_existing_files_that_are_not_outputs_are_never_replaced(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    (src / "b.txt").write_text(GOOD)
    out = tmp_path / "out"
    (out / "in").mkdir(parents=True)
    (out / "in" / "a.txt").write_text("the user's own file\n")
    for _ in range(2):  # and not on a rerun either
        assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 1
        assert (out / "in" / "a.txt").read_text() == "the user's own file\n"
        recs = {r["member"]: r for r in read_manifest(out)}
        assert "not an output of this batch" in recs["a.txt"]["error"]
        assert recs["b.txt"]["status"] == "ok"
    # the user moves the file away: the member is restored, and rewritten on change
    (out / "in" / "a.txt").unlink()
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    (src / "a.txt").write_text("Viet " + GOOD)
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    assert (out / "in" / "a.txt").read_text() == "Việt " + RESTORED


def test_output_written_before_a_crash_is_known_by_its_intent_line(tmp_path):
    """kill -9 between the rename of an output and its manifest record: the intent line
    logged before the rename lets the rerun replace the file (it is ours)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    manifest = out / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    assert len(lines) == 1
    intent = {"input": "in", "member": "a.txt", "output": "in/a.txt", "status": "writing"}
    manifest.write_text(json.dumps(intent) + "\n")
    (src / "a.txt").write_text("Viet " + GOOD)
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    assert (out / "in" / "a.txt").read_text() == "Việt " + RESTORED
    # and --no-resume keeps knowing which outputs are ours
    assert run_batch([str(src), "--out", str(out), "--jobs", "1", "--no-resume"]) == 0


# ---------------------------------------------------------------- item 2: tar headers
@pytest.mark.parametrize("kind", ["gnu", "pax"])
def test_huge_tar_header_is_skipped_in_bounded_memory(tmp_path, kind):
    tgz = tmp_path / f"{kind}.tar.gz"
    gen.long_header_tgz(str(tgz), 256 * MiB, kind)
    assert tgz.stat().st_size < 2 * MiB
    out = tmp_path / "out"
    tracemalloc.start()
    try:
        rc = run_batch([str(tgz), "--out", str(out), "--jobs", "1"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rc == 1
    assert peak < 64 * MiB, f"peak {peak / MiB:.0f} MiB"
    raw = (out / "manifest.jsonl").read_bytes()
    assert max(len(line) for line in raw.splitlines()) < 2000
    recs = read_manifest(out)
    assert [r["status"] for r in recs] == ["error", "ok"]
    assert "refused" in recs[0]["error"] and ("4096 bytes" in recs[0]["error"]
                                              or "pax header" in recs[0]["error"])
    assert (out / f"{kind}.tar.gz" / "after.txt").read_text() == RESTORED


def test_tar_header_bytes_count_towards_the_total_limit(tmp_path):
    tgz = tmp_path / "pax.tar.gz"
    gen.many_pax_headers_tgz(str(tgz), members=8, header_bytes=900 * 1024)
    out = tmp_path / "out"
    rc = run_batch([str(tgz), "--out", str(out), "--jobs", "1", "--max-total-size", "4M"])
    assert rc == 1
    recs = read_manifest(out)
    # 8 members of 60 bytes, but ~900 KiB of header each: the 5th passes 4 MiB
    assert [r["status"] for r in recs] == ["ok"] * 4 + ["error"]
    assert "total size limit" in recs[-1]["error"]


def test_gnu_sparse_members_are_refused_and_their_header_chain_bounded(tmp_path):
    short, long = tmp_path / "short.tar.gz", tmp_path / "long.tar.gz"
    gen.sparse_chain_tgz(str(short), 3)
    gen.sparse_chain_tgz(str(long), 20_000)  # 10 MB of extension blocks, 420,000 entries
    out = tmp_path / "out"
    tracemalloc.start()
    try:
        rc = run_batch([str(short), str(long), "--out", str(out), "--jobs", "1"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rc == 1
    assert peak < 8 * MiB, f"peak {peak / MiB:.0f} MiB"  # tarfile itself: 38 MiB
    recs = read_manifest(out)
    assert [(r["input"], r["member"], r["status"]) for r in recs] == [
        ("short.tar.gz", "sparse.txt", "error"), ("short.tar.gz", "after.txt", "ok"),
        ("long.tar.gz", "", "error")]
    assert "sparse" in recs[0]["error"] and "sparse header longer" in recs[2]["error"]


# ---------------------------------------------------------------- item 3: names that are not UTF-8
def test_tar_member_name_not_utf8(tmp_path):
    tgz = tmp_path / "names.tar.gz"
    gen.non_utf8_name_tgz(str(tgz))
    out = tmp_path / "out"
    for _ in range(2):  # reruns do not crash either
        assert run_batch([str(tgz), "--out", str(out), "--jobs", "1"]) == 1
        recs = read_manifest(out)
        assert [(r["member"], r["status"]) for r in recs] == [
            ("good.txt", "ok"), ("bad\\xff.txt", "error"), ("after.txt", "ok")]
        assert "not valid UTF-8" in recs[1]["error"]


def test_zip_with_one_bad_utf8_name_keeps_the_others(tmp_path):
    zpath = tmp_path / "names.zip"
    gen.non_utf8_name_zip(str(zpath))
    out = tmp_path / "out"
    assert run_batch([str(zpath), "--out", str(out), "--jobs", "1"]) == 1
    recs = read_manifest(out)
    assert [(r["member"], r["status"]) for r in recs] == [
        ("good.txt", "ok"), ("b\\xff\\xfed.txt", "error"), ("after.txt", "ok")]
    assert tree(out) == {"names.zip/good.txt": RESTORED.encode(),
                         "names.zip/after.txt": RESTORED.encode()}


def test_folder_member_name_not_utf8(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD)
    with open(os.path.join(os.fsencode(str(src)), b"bad\xff.txt"), "wb") as fh:
        fh.write(GOOD.encode())
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 1
    recs = read_manifest(out)
    assert [(r["member"], r["status"]) for r in recs] == [("a.txt", "ok"), ("bad\\xff.txt", "error")]


# ---------------------------------------------------------------- item 4: links planted in --out
def test_manifest_link_planted_in_out_is_refused(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.jsonl"
    victim.write_text("precious\n")
    os.symlink(str(victim), out / "manifest.jsonl")
    dangling = tmp_path / "created-elsewhere.jsonl"
    res = cli([str(src), "--out", str(out)])
    assert_one_line_error(res, 2)
    assert victim.read_text() == "precious\n"
    os.unlink(out / "manifest.jsonl")
    os.symlink(str(dangling), out / "manifest.jsonl")
    assert_one_line_error(cli([str(src), "--out", str(out)]), 2)
    assert not os.path.lexists(dangling)


def test_input_folder_link_planted_in_out_writes_nothing_outside(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(str(elsewhere), out / "C")
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 1
    assert os.listdir(elsewhere) == []
    recs = read_manifest(out)
    assert all(r["status"] == "error" and "link" in r["error"] for r in recs)
    # a link further down, created by hand after a first run, is refused the same way
    os.unlink(out / "C")
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    (out / "C" / "sub" / "b.txt").unlink()
    (out / "C" / "sub").rmdir()
    os.symlink(str(elsewhere), out / "C" / "sub")
    (src / "sub" / "b.txt").write_text("Viet " + GOOD)
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 1
    assert os.listdir(elsewhere) == []


def test_output_file_link_planted_in_out_is_not_followed(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (out / "C" / "a.txt").unlink()
    os.symlink(str(victim), out / "C" / "a.txt")
    (src / "a.txt").write_text("Viet " + GOOD)
    assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 1
    assert victim.read_text() == "precious\n"
    assert os.path.islink(out / "C" / "a.txt")


# ---------------------------------------------------------------- item 5: nested jobs, stray temps
def test_stray_temp_removal_spares_live_and_nested_jobs(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    inner = out / "inner"  # another job's --out, nested in ours
    (inner / "x").mkdir(parents=True)
    (inner / "manifest.jsonl").write_text("")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        (out / "C").mkdir(parents=True)
        live_inner = inner / "x" / f".f.txt.{dead.pid}-ab12.vidiacritic-tmp"  # never entered
        live_ours = out / "C" / f".g.txt.{sleeper.pid}-ab12.vidiacritic-tmp"  # a live writer
        stray = out / "C" / f".h.txt.{dead.pid}-ab12.vidiacritic-tmp"  # a killed writer
        legacy_new = out / "C" / ".i.txt.abc.vidiacritic-tmp"  # old-style name, recent
        legacy_old = out / "C" / ".j.txt.abc.vidiacritic-tmp"  # old-style name, 2 min old
        for p in (live_inner, live_ours, stray, legacy_new, legacy_old):
            p.write_bytes(b"partial")
        old = time.time() - 120
        os.utime(legacy_old, (old, old))
        assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
        assert live_inner.exists() and live_ours.exists() and legacy_new.exists()
        assert not stray.exists() and not legacy_old.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_temp_names_carry_the_writer_pid():
    name = batch._temp_name("a.txt")
    assert name.startswith(".a.txt.") and f".{os.getpid()}-" in name
    assert batch._TMP_RE.match(name) and batch._TMP_PID_RE.search(name)


# ---------------------------------------------------------------- item 6: bad --out
def test_out_on_a_file_or_unwritable_path(tmp_path):
    src = _inputs(tmp_path)
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert_one_line_error(cli([str(src), "--out", str(afile)]), 2)
    assert afile.read_text() == "x"
    assert_one_line_error(cli([str(src), "--out", str(afile / "sub")]), 1)
    assert_one_line_error(cli([str(src), "--out", "/proc/vidiacritic-test/out"]), 1)


# ---------------------------------------------------------------- item 7: modes, names, duplicates
def test_outputs_and_manifest_follow_the_umask(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert run_batch([str(src), "--out", str(out), "--jobs", "1"]) == 0
    finally:
        os.umask(old)
    modes = {p: m for p, (_, m) in snapshot(out).items()}
    assert modes == {"manifest.jsonl": 0o644, "C/a.txt": 0o644, "C/sub/b.txt": 0o644}


def test_member_names_are_escaped_when_printed(tmp_path):
    zpath = tmp_path / "forged.zip"
    gen.forged_name_zip(str(zpath))
    res = subprocess.run([sys.executable, "-m", "vidiacritic.batch", str(zpath), "--out",
                          str(tmp_path / "out"), "--jobs", "1", "--restorer-factory", FAKE],
                         env=_env(0), capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, res.stderr
    assert errors[0].startswith("batch: error: forged.zip/evil\\x1b[2J")
    assert "\\nbatch: 99 ok" in errors[0]
    assert all(line.startswith("batch: ") for line in res.stderr.splitlines())


def test_duplicate_zip_member_does_not_shadow_the_first(tmp_path):
    zpath = tmp_path / "dup.zip"
    gen.duplicate_member_zip(str(zpath))
    out = tmp_path / "out"
    for run in range(3):
        assert run_batch([str(zpath), "--out", str(out), "--jobs", "1"]) == 1
        recs = read_manifest(out)
        assert [(r["member"], r["status"], r.get("duplicate")) for r in recs] == [
            ("a.txt", "ok", None), ("a.txt", "error", 2), ("b.txt", "ok", None)]
        assert (out / "dup.zip" / "a.txt").read_text() == RESTORED
    # the first a.txt is not redone on reruns (its record is not replaced by the error)
    res = subprocess.run([sys.executable, "-m", "vidiacritic.batch", str(zpath), "--out", str(out),
                          "--jobs", "1", "--restorer-factory", FAKE, "--quiet"],
                         env=_env(0), capture_output=True, text=True, timeout=120)
    assert "2 ok (2 already done)" in res.stdout


# ---------------------------------------------------------------- item 8: time and size limits
@pytest.mark.parametrize("jobs, factory", [("1", "SlowRestorer"), ("2", "SlowRestorer"),
                                           ("2", "StuckRestorer"), ("2", "GILStuckRestorer")])
def test_member_time_limit(tmp_path, jobs, factory):
    src = tmp_path / "in"
    src.mkdir()
    word = {"SlowRestorer": "SLOW", "StuckRestorer": "STUCK", "GILStuckRestorer": "GILSTUCK"}[factory]
    for i in range(6):
        (src / f"{i}.txt").write_text(GOOD if i != 2 else f"{word} " + GOOD)
    out = tmp_path / "out"
    t0 = time.monotonic()
    rc = run_batch([str(src), "--out", str(out), "--jobs", jobs, "--member-timeout", "1",
                    "--restorer-factory", f"test_batch_hostile:{factory}"], fake=False)
    elapsed = time.monotonic() - t0
    assert rc == 1
    assert elapsed < 30
    recs = read_manifest(out)
    assert [r["status"] for r in recs] == ["ok", "ok", "error", "ok", "ok", "ok"]
    assert "time limit (1 s" in recs[2]["error"]
    # a member stuck where the alarm cannot reach is stopped by killing its worker; the
    # members in flight beside it are retried and come out ok (above)
    assert ("worker killed" in recs[2]["error"]) == (factory != "SlowRestorer")


_WATCHDOG = """
import sys, time
from vidiacritic import batch
class Events:  # the pool's event queue: what the worker tells the parent
    def put(self, event):
        print(repr(event), flush=True)
started, limit = float(sys.argv[1]), float(sys.argv[2])
batch._WORKER["current"] = (7, time.monotonic() - started, limit)
batch._start_watchdog(Events())
time.sleep(1.5)
print("alive", flush=True)
"""


@pytest.mark.parametrize("started_ago, limit, stopped", [(60, 1, True), (0, 30, False), (60, 0, False)])
def test_a_worker_past_its_members_limit_stops_itself(started_ago, limit, stopped):
    # the worker's own watchdog ends a member that the alarm cannot interrupt, names it
    # to the parent, and leaves a member within its limit (or without one) alone
    res = subprocess.run([sys.executable, "-c", _WATCHDOG, str(started_ago), str(limit)],
                         env=_env(0), capture_output=True, text=True, timeout=60)
    if stopped:
        assert res.returncode != 0 and res.stdout == "('timeout', 7)\n", (res.stdout, res.stderr)
    else:
        assert res.returncode == 0 and res.stdout == "alive\n", (res.stdout, res.stderr)


def test_default_member_limits_are_sane():
    ap = __import__("argparse").ArgumentParser()
    batch.add_arguments(ap)
    args = ap.parse_args(["x", "--out", "o"])
    assert args.max_member_size <= 16 * MiB
    assert 0 < args.member_timeout <= 600


def test_big_member_refused_by_default(tmp_path):
    zpath = tmp_path / "big.zip"
    gen.big_member_zip(str(zpath), 5 * MiB)
    assert zpath.stat().st_size < 200_000
    out = tmp_path / "out"
    assert run_batch([str(zpath), "--out", str(out), "--jobs", "1"]) == 1
    recs = read_manifest(out)
    assert [r["status"] for r in recs] == ["error", "ok"]
    assert "size limit" in recs[0]["error"]
