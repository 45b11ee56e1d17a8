"""vidiacritic.safeio: the one safe writer (checks, atomic replace, write-through,
backups, modes, temporary-file cleanup).  Devices are reached through links made in
tmp_path, and /dev/stdout only in a child process."""
import os
import stat
import subprocess
import sys
import time

import pytest

from vidiacritic import safeio
from vidiacritic.safeio import RefusedTarget

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def names(folder):
    return sorted(os.listdir(folder))


def test_kinds_of_targets(tmp_path):
    f = tmp_path / "f.txt"
    f.write_bytes(b"x")
    os.chmod(f, 0o4751)
    t = safeio.check_output_target(str(f))
    assert (t.kind, t.real, t.mode) == ("file", str(f), 0o751)  # set-id bits are not kept
    assert safeio.check_output_target(str(tmp_path / "new.txt")).kind == "new"
    os.symlink("f.txt", tmp_path / "l")
    t = safeio.check_output_target(str(tmp_path / "l"))
    assert (t.kind, t.real) == ("file", str(f))
    os.symlink("/dev/null", tmp_path / "null")
    assert safeio.check_output_target(str(tmp_path / "null")).kind == "stream"
    os.mkfifo(tmp_path / "fifo")
    assert safeio.check_output_target(str(tmp_path / "fifo")).kind == "stream"
    for name in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", f"/proc/{os.getpid()}/fd/1"):
        t = safeio.check_output_target(name)
        assert (t.kind, t.fd) == ("fd", 1), name
    os.symlink("/dev/stderr", tmp_path / "err")
    assert safeio.check_output_target(str(tmp_path / "err")).fd == 2


@pytest.mark.parametrize("make,kwargs,needle", [
    (lambda d: str(d), {}, "is a directory"),
    (lambda d: str(d / "no" / "x"), {}, "does not exist"),
    (lambda d: (d / "f").write_bytes(b"") or str(d / "f" / "x"), {}, "(?i)not a directory"),
    (lambda d: os.symlink("gone", d / "l") or str(d / "l"), {}, "missing file"),
    (lambda d: os.symlink("loop", d / "loop") or str(d / "loop"), {}, "symbolic links"),
    (lambda d: (d / "f").write_bytes(b"") or os.symlink("f", d / "l") or str(d / "l"), {"links": "refuse"},
     "is a symbolic link"),
    (lambda d: os.symlink("/dev/null", d / "n") or str(d / "n"), {"streams": False}, "character device"),
    (lambda d: os.mkfifo(d / "p") or str(d / "p"), {"streams": False}, "FIFO"),
    (lambda d: "", {}, "empty"),
])
def test_refused_targets(tmp_path, make, kwargs, needle):
    with pytest.raises(RefusedTarget, match=needle) as exc:
        safeio.check_output_target(make(tmp_path), **kwargs)
    assert "\n" not in str(exc.value)


def test_inputs_are_refused_by_identity(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"original")
    os.link(src, tmp_path / "hard")
    os.symlink("in.txt", tmp_path / "sym")
    for out in ("in.txt", "hard", "sym"):
        with pytest.raises(RefusedTarget, match="is one of the input files"):
            safeio.atomic_write_bytes(str(tmp_path / out), b"new", refuse=[str(src)])
    with open(src, "rb") as fh:  # an input given as an open descriptor (stdin)
        with pytest.raises(RefusedTarget):
            safeio.check_output_target(str(tmp_path / "hard"), [fh.fileno()])
    assert src.read_bytes() == b"original"
    # a device may be both input and output (`fix /dev/stdin -o /dev/stdout` on a tty)
    os.symlink("/dev/null", tmp_path / "n")
    assert safeio.check_output_target(str(tmp_path / "n"), ["/dev/null"]).kind == "stream"


def test_atomic_write_chunks_and_links(tmp_path):
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    os.symlink("real.txt", tmp_path / "link")
    safeio.atomic_write_bytes(str(tmp_path / "link"), (c for c in [b"ab", b"", b"cd"]))
    assert real.read_bytes() == b"abcd" and os.readlink(tmp_path / "link") == "real.txt"
    with pytest.raises(TypeError):
        safeio.atomic_write_bytes(str(real), "text")
    assert names(tmp_path) == ["link", "real.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_bytes(b"old")

    def chunks():
        yield b"half"
        raise OSError(28, "No space left on device")
    with pytest.raises(OSError, match="No space"):
        safeio.atomic_write_bytes(str(dest), chunks())
    assert dest.read_bytes() == b"old" and names(tmp_path) == ["out.txt"]


def test_a_device_appearing_after_the_check_is_not_replaced(tmp_path):
    dest = tmp_path / "out.txt"
    target = safeio.check_output_target(str(dest))
    os.mkfifo(dest)
    with pytest.raises(RefusedTarget, match="FIFO"):
        safeio.atomic_write_bytes(target, b"x")
    assert stat.S_ISFIFO(os.lstat(dest).st_mode) and names(tmp_path) == ["out.txt"]


def test_modes_follow_the_umask_or_the_replaced_file(tmp_path):
    old = os.umask(0o027)
    try:
        safeio.atomic_write_bytes(str(tmp_path / "new"), b"x")
        (tmp_path / "kept").write_bytes(b"x")
        os.chmod(tmp_path / "kept", 0o604)
        safeio.atomic_write_bytes(str(tmp_path / "kept"), b"y")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "kept").st_mode) == 0o604


def test_dev_stdout_is_written_through_in_a_child():
    code = "from vidiacritic import safeio; safeio.atomic_write_bytes('/dev/stdout', [b'through ', b'stdout'])"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"through stdout"
    assert os.path.islink("/dev/stdout")


def test_backup_original(tmp_path):
    src = tmp_path / "a.txt"
    src.write_bytes(b"\xff\xfeo\x00r\x00")
    os.chmod(src, 0o600)
    assert safeio.backup_original(str(src), ".orig") == str(src) + ".orig"
    backup = tmp_path / "a.txt.orig"
    assert backup.read_bytes() == b"\xff\xfeo\x00r\x00"
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600  # a private file's backup stays private
    safeio.backup_original(str(src), ".orig", b"given bytes")  # replaces an old backup file
    assert backup.read_bytes() == b"given bytes"
    for suffix, needle in (("", "empty"), ("/b", "separator"), ("a\0", "separator")):
        with pytest.raises(RefusedTarget, match=needle):
            safeio.backup_original(str(src), suffix)
    (tmp_path / "a.txt.d").mkdir()
    with pytest.raises(RefusedTarget, match="is a directory"):
        safeio.backup_original(str(src), ".d")
    os.symlink("a.txt", tmp_path / "a.txt.l")
    with pytest.raises(RefusedTarget, match="symbolic link"):
        safeio.backup_original(str(src), ".l")
    with pytest.raises(RefusedTarget, match="is one of the input files"):
        safeio.check_backup_target(str(src), ".orig", inputs=[str(backup)])
    assert names(tmp_path) == ["a.txt", "a.txt.d", "a.txt.l", "a.txt.orig"]


def test_in_place_targets(tmp_path):
    (tmp_path / "f").write_bytes(b"")
    os.symlink("f", tmp_path / "l")
    assert safeio.check_in_place_target(str(tmp_path / "l")).real == str(tmp_path / "f")
    os.mkfifo(tmp_path / "p")
    for bad, needle in (("p", "FIFO"), ("", "directory"), ("missing", "No such file")):
        with pytest.raises(RefusedTarget, match=needle):
            safeio.check_in_place_target(str(tmp_path / bad) if bad else str(tmp_path))


def test_temp_names_match_the_cleaning_pattern(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", spy)
    safeio.atomic_write_bytes(str(tmp_path / "x"), b"x")
    assert len(seen) == 1 and safeio.TEMP_RE.match(seen[0])


def test_clean_stale_temps_removes_only_old_exact_matches(tmp_path):
    now = time.time()
    files = {".vidiacritic-abc_1234.tmp": now - 7200, ".vidiacritic-abc_9999.tmp": now - 60,
             ".vidiacritic-abc_1234.tmpx": now - 7200, "x.vidiacritic-abc_1234.tmp": now - 7200}
    for name, mtime in files.items():
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (mtime, mtime))
    (tmp_path / ".vidiacritic-dir_0000.tmp").mkdir()
    os.utime(tmp_path / ".vidiacritic-dir_0000.tmp", (now - 7200, now - 7200))
    assert safeio.clean_stale_temps(str(tmp_path)) == [".vidiacritic-abc_1234.tmp"]
    assert ".vidiacritic-abc_9999.tmp" in names(tmp_path) and len(names(tmp_path)) == 4
    assert safeio.clean_stale_temps(str(tmp_path / "missing")) == []


def test_write_at_through_a_folder_descriptor(tmp_path):
    """The one atomic writer (batch writes below --out this way): a name in a folder
    opened as a descriptor; exclusive never replaces what is there, a folder or link
    is never replaced, and no temporary file is left behind either way."""
    (tmp_path / "other").write_bytes(b"not ours")
    (tmp_path / "d").mkdir()
    os.symlink(tmp_path / "other", tmp_path / "link")
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        safeio.write_at(fd, "new.txt", [b"ab", b"cd"], exclusive=True)
        safeio.write_at(fd, "new.txt", b"replaced")
        with pytest.raises(FileExistsError):
            safeio.write_at(fd, "other", b"x", exclusive=True)
        for taken in ("d", "link"):
            with pytest.raises(RefusedTarget):
                safeio.write_at(fd, taken, b"x")
    finally:
        os.close(fd)
    assert (tmp_path / "new.txt").read_bytes() == b"replaced"
    assert (tmp_path / "other").read_bytes() == b"not ours" and os.path.islink(tmp_path / "link")
    assert names(tmp_path) == ["d", "link", "new.txt", "other"]
