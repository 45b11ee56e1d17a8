"""The CLI through a subprocess, as users run it."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", *args], input=input, capture_output=True,
                          cwd=ROOT, timeout=120)


def test_stdin_to_stdout():
    p = cli("fix", "--engine", "statistical", input="Uy ban nhan dan\n".encode())
    assert p.returncode == 0 and p.stdout.decode() == "Ủy ban nhân dân\n"


def test_dash_is_standard_input_and_standard_output(tmp_path):
    """`-` as FILE reads standard input and `-o -` writes standard output, as in most
    command-line tools; neither makes or reads a file named "-"."""
    p = cli("fix", "--engine", "statistical", "-", input="Uy ban nhan dan\n".encode())
    assert p.returncode == 0 and p.stdout.decode() == "Ủy ban nhân dân\n", p.stderr
    src = tmp_path / "a.txt"
    src.write_text("hoi dong nhan dan\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "fix", "--engine", "statistical", "-o", "-",
                        str(src)], capture_output=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 0 and p.stdout.decode() == "hội đồng nhân dân\n", p.stderr
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]
    p = cli("explain", "--engine", "statistical", "-", input="Uy ban\n".encode())
    assert p.returncode == 0 and "Ủy" in p.stdout.decode(), p.stderr


@pytest.mark.parametrize("args", [["-", "-"], ["-o", "-", "a.txt", "b.txt"], ["-o", "-", "--in-place", "a.txt"]])
def test_dash_misuse_is_a_usage_error(args):
    p = cli("fix", *args, input=b"a\n")
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode().count("\n") == 1 and "Traceback" not in p.stderr.decode()


def test_file_to_output_and_options_in_any_order(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("hoi dong nhan dan\r\n", encoding="utf-8")
    out = tmp_path / "b.txt"
    p = cli("fix", "-o", str(out), "--tone-style", "modern", str(src), "--engine", "statistical")
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == "hội đồng nhân dân\r\n".encode()


def test_ocr_markup_from_a_file_and_from_stdin_is_restored_alike(tmp_path):
    with open(os.path.join(ROOT, "tests", "fixtures", "ocr_formats", "heading.eng.hocr"), "rb") as fh:
        data = fh.read()
    src = tmp_path / "page.hocr"
    src.write_bytes(data)
    from_file = cli("fix", "--engine", "statistical", str(src))
    from_stdin = cli("fix", "--engine", "statistical", input=data)
    assert from_file.returncode == 0 and from_stdin.returncode == 0, (from_file.stderr, from_stdin.stderr)
    assert from_file.stdout == from_stdin.stdout != data  # restored, still the page's markup
    assert b"ocrx_word" in from_file.stdout


def test_in_place_with_backup(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    p = cli("fix", "--in-place", "--backup", ".orig", str(src))
    assert p.returncode == 0, p.stderr
    assert src.read_text(encoding="utf-8") == "quyết định\n"
    assert (tmp_path / "a.txt.orig").read_text(encoding="utf-8") == "quyet dinh\n"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "a.txt.orig"]  # no temp files left


@pytest.mark.parametrize("setup,needle", [
    (lambda d: str(d / "missing.txt"), "cannot read"),
    (lambda d: (d / "bin.dat").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00") and str(d / "bin.dat"), "binary"),
    (lambda d: str(d), "is a directory"),
])
def test_bad_input_is_one_line_error(tmp_path, setup, needle):
    p = cli("fix", setup(tmp_path))
    err = p.stderr.decode()
    assert p.returncode != 0
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_usage_errors():
    p = cli("fix", "a", "b", "-o", "c")
    assert p.returncode != 0 and "Traceback" not in p.stderr.decode()
    p = cli("fix", "--engine", "bogus")
    assert p.returncode == 2 and "Traceback" not in p.stderr.decode()


def test_eval_matches_reference_format(tmp_path):
    gold = tmp_path / "g.txt"
    gold.write_text("Ủy ban nhân dân\nhòa bình\n", encoding="utf-8")
    hyp = tmp_path / "h.txt"
    hyp.write_text("Ủy ban nhan dân\nhoà bình\n", encoding="utf-8")
    p = cli("eval", str(hyp), str(gold))
    assert p.returncode == 0
    assert p.stdout.decode().strip() == "tokens=6 syl_acc=0.83333 syl_acc_cs=0.83333 cer=0.13043"  # as ../shared/eval/score.py prints


# ------------------------------------------------------------------ data safety (issue 11)
# Devices are only ever reached through links made in tmp_path: on a version that
# renamed over its target, these tests replace a link in tmp_path, never /dev itself.
import stat  # noqa: E402
import time  # noqa: E402

from vidiacritic import cli as cli_module  # noqa: E402
from vidiacritic.encodings import encode_cp1258, encode_tcvn3, encode_vni  # noqa: E402

FIX = ("fix", "--engine", "rules")


def one_line_error(p, code, needle=""):
    err = p.stderr.decode()
    assert p.returncode == code, (p.returncode, err)
    assert err.startswith("vidiacritic: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and needle in err, err


def leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp") or ".vidiacritic" in n]


def test_output_through_a_link_to_stdout_writes_to_stdout(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    link = tmp_path / "so"
    os.symlink("/proc/self/fd/1", link)
    p = cli(*FIX, str(src), "-o", str(link))
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == "quyết định\n"
    assert os.readlink(link) == "/proc/self/fd/1"


def test_output_to_dev_fd_1_writes_to_stdout(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    p = cli(*FIX, str(src), "-o", "/dev/fd/1")
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == "quyết định\n"


def test_output_to_a_device_is_written_through_not_replaced(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    null = tmp_path / "null"
    os.symlink("/dev/null", null)
    p = cli(*FIX, str(src), "-o", str(null))
    assert p.returncode == 0, p.stderr
    assert os.path.islink(null) and stat.S_ISCHR(os.stat(null).st_mode)
    full = tmp_path / "full"
    os.symlink("/dev/full", full)
    p = cli(*FIX, str(src), "-o", str(full))
    one_line_error(p, 1, "No space left on device")
    assert os.path.islink(full) and stat.S_ISCHR(os.stat(full).st_mode)
    assert leftovers(tmp_path) == []


def test_output_device_node_is_not_replaced(tmp_path):
    node = tmp_path / "nullnode"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here")
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    p = cli(*FIX, str(src), "-o", str(node))
    assert p.returncode == 0, p.stderr
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_output_to_a_fifo_is_written_through(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the writer's open succeeds
    try:
        p = cli(*FIX, str(src), "-o", str(fifo))
        assert p.returncode == 0, p.stderr
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
        assert os.read(reader, 1000).decode() == "quyết định\n"
    finally:
        os.close(reader)


def test_output_through_a_link_to_a_file_rewrites_the_file_and_keeps_the_link(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    real = tmp_path / "sub" / "real.txt"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "out.txt"
    os.symlink(os.path.join("sub", "real.txt"), link)
    p = cli(*FIX, str(src), "-o", str(link))
    assert p.returncode == 0, p.stderr
    assert os.readlink(link) == os.path.join("sub", "real.txt")
    assert real.read_text(encoding="utf-8") == "quyết định\n"
    dangling = tmp_path / "dangling"
    os.symlink("nowhere.txt", dangling)
    one_line_error(cli(*FIX, str(src), "-o", str(dangling)), 2, "missing file")


def test_in_place_on_a_link_rewrites_its_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("quyet dinh\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    os.symlink("real.txt", link)
    p = cli(*FIX, "--in-place", "--backup", ".orig", str(link))
    assert p.returncode == 0, p.stderr
    assert os.path.islink(link) and os.readlink(link) == "real.txt"
    assert real.read_text(encoding="utf-8") == "quyết định\n"
    assert (tmp_path / "link.txt.orig").read_bytes() == b"quyet dinh\n"


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "stdin"])
def test_output_onto_an_input_is_refused(tmp_path, how):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    out = src
    if how == "hardlink":
        out = tmp_path / "hard.txt"
        os.link(src, out)
    elif how == "symlink":
        out = tmp_path / "sym.txt"
        os.symlink("a.txt", out)
    if how == "stdin":
        with open(src, "rb") as fh:
            p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", *FIX, "-o", str(src)], stdin=fh,
                               capture_output=True, cwd=ROOT, timeout=120)
    else:
        p = cli(*FIX, str(src), "-o", str(out))
    one_line_error(p, 2, "is one of the input files")
    assert src.read_bytes() == b"quyet dinh\n"


def test_in_place_refuses_fifos_and_devices(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line_error(cli(*FIX, "--in-place", str(fifo)), 2, "FIFO")  # (it used to block reading it)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    dev = tmp_path / "dev"
    os.symlink("/dev/null", dev)
    one_line_error(cli(*FIX, "--in-place", str(dev)), 2, "character device")
    assert os.path.islink(dev)


ENCODED = {
    "utf-16": "quyet dinh cua Uy ban\n".encode("utf-16"),
    "utf-32": "quyet dinh cua Uy ban\n".encode("utf-32"),
    "utf-8-bom": b"\xef\xbb\xbf" + "quyết dinh cua Uy ban\r\n".encode("utf-8"),
    "nfd": __import__("unicodedata").normalize("NFD", "Quyết định của Ủy ban nhân dân tinh\n").encode("utf-8"),
    "cp1258": encode_cp1258("Quyết định của Ủy ban nhân dân tỉnh về việc giao đất\n"),
    "tcvn3": encode_tcvn3("quyết định của ủy ban nhân dân tỉnh về việc giao đất\n"),
    "vni": encode_vni("Quyết định của Ủy ban nhân dân tỉnh về việc giao đất\n"),
}


@pytest.mark.parametrize("kind", sorted(ENCODED))
def test_backup_is_the_original_bytes(tmp_path, kind):
    src = tmp_path / "a.txt"
    src.write_bytes(ENCODED[kind])
    os.chmod(src, 0o640)
    p = cli(*FIX, "--in-place", "--backup", "~", str(src))
    assert p.returncode == 0, p.stderr
    backup = tmp_path / "a.txt~"
    assert backup.read_bytes() == ENCODED[kind]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o640 == stat.S_IMODE(os.stat(src).st_mode)
    assert src.read_bytes() != ENCODED[kind] and src.read_text(encoding="utf-8")  # rewritten as UTF-8


@pytest.mark.parametrize("suffix,make,needle", [
    ("", None, "backup suffix is empty"),
    ("/x", None, "path separator"),
    (".bak", "dir", "is a directory"),
    (".bak", "link", "symbolic link"),
])
def test_bad_backup_is_a_one_line_error_before_anything_is_written(tmp_path, suffix, make, needle):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    if make == "dir":
        (tmp_path / "a.txt.bak").mkdir()
    elif make == "link":
        os.symlink("elsewhere", tmp_path / "a.txt.bak")
    one_line_error(cli(*FIX, "--in-place", "--backup", suffix, str(src)), 2, needle)
    assert src.read_bytes() == b"quyet dinh\n"


@pytest.mark.parametrize("where,needle", [
    (lambda d: str(d / "missing" / "out.txt"), "does not exist"),
    (lambda d: str(d), "is a directory"),
])
def test_output_into_a_missing_folder_or_onto_a_folder(tmp_path, where, needle):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    one_line_error(cli(*FIX, str(src), "-o", where(tmp_path)), 2, needle)


def test_stdout_on_a_full_disk_is_one_line(tmp_path):
    with open("/dev/full", "wb") as full:
        p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", *FIX], input=b"quyet dinh\n",
                           stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    one_line_error(p, 1, "No space left on device")


@pytest.mark.parametrize("redirect,needle", [(">&-", "standard output"), ("<&-", "standard input")])
def test_closed_stdout_or_stdin_is_one_line(tmp_path, redirect, needle):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    args = " ".join(FIX) + (f" '{src}'" if redirect == ">&-" else "")
    p = subprocess.run(["sh", "-c", f"'{sys.executable}' -m vidiacritic.cli {args} {redirect}"],
                       capture_output=True, cwd=ROOT, timeout=120)
    one_line_error(p, 1, needle)


def test_explain_writes_utf8_whatever_the_stdout_encoding():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "explain", "--engine", "rules"],
                       input=b"quyet dinh\n", capture_output=True, cwd=ROOT, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    assert "quyết" in p.stdout.decode("utf-8")


def test_explain_columns_line_up_whatever_the_source():
    """The source column is as wide as the longest source (fix:currency), so the
    confidence starts in the same column on every row (it was 6 wide, and a
    'fix:currency' or 'lexicon' row pushed its confidence right)."""
    from vidiacritic.explanation import SOURCES, WordDecision

    rows = [cli_module._explain_line(WordDecision("dong", "đồng", 0, s, 0.5, [("đông", 0.25)]), 0, False)
            for s in SOURCES]
    assert len({row.index("0.50") for row in rows}) == 1, rows
    assert all(s in row for s, row in zip(SOURCES, rows))


def test_undecodable_input_is_an_error_or_replaced_with_a_count(tmp_path):
    src = tmp_path / "a.txt"
    src.write_bytes("Quyết định của Ủy ban ".encode() + b"\xff" + b" so 12\n")
    one_line_error(cli(*FIX, str(src)), 1, "not valid UTF-8")
    p = cli(*FIX, "--errors", "replace", str(src))
    assert p.returncode == 0
    assert p.stderr.decode() == f"vidiacritic: warning: {src}: 1 invalid byte sequence(s) replaced with U+FFFD\n"
    out = p.stdout.decode()
    assert out.count("\ufffd") == 1 and out.startswith("Quyết định của Ủy ban \ufffd ") and out.endswith(" 12\n")


def test_new_outputs_follow_the_umask_and_replaced_ones_keep_their_mode(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    os.chmod(src, 0o604)
    new = tmp_path / "new.txt"
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", *FIX, str(src), "-o", str(new)],
                       capture_output=True, cwd=ROOT, timeout=120, preexec_fn=lambda: os.umask(0o027))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o640
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", *FIX, "--in-place", "--backup", ".b", str(src)],
                       capture_output=True, cwd=ROOT, timeout=120, preexec_fn=lambda: os.umask(0o077))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(os.stat(src).st_mode) == 0o604
    assert stat.S_IMODE(os.stat(str(src) + ".b").st_mode) == 0o604


def test_stale_temp_files_are_cleaned_exactly(tmp_path):
    old = time.time() - 2 * 3600
    names = {".vidiacritic-abcd1234.tmp": old,        # a killed run's: removed
             ".vidiacritic-fresh123.tmp": time.time(),  # maybe a live writer's: kept
             ".vidiacritic-abcd1234.tmp.keep": old, ".vidiacritic-ab.tmp": old,
             "vidiacritic-abcd1234.tmp": old, ".vidiacritic-ABCD1234.tmp": old}
    for name, mtime in names.items():
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (mtime, mtime))
    os.symlink("/nonexistent", tmp_path / ".vidiacritic-link0000.tmp")
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    p = cli(*FIX, str(src), "-o", str(tmp_path / "out.txt"))
    assert p.returncode == 0, p.stderr
    left = set(os.listdir(tmp_path))
    assert ".vidiacritic-abcd1234.tmp" not in left
    assert left == set(names) - {".vidiacritic-abcd1234.tmp"} | {".vidiacritic-link0000.tmp", "a.txt", "out.txt"}


def test_exit_codes_are_documented():
    for args in (("--help",), ("fix", "--help")):
        p = cli(*args)
        out = p.stdout.decode()
        assert p.returncode == 0 and "exit codes:" in out
        for code in ("0 ", "1 ", "2 ", "130"):
            assert "\n  " + code in out, (args, code)
    assert "130" in cli_module.__doc__ and "exit codes" in cli_module.__doc__.lower()


def test_usage_errors_exit_2(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("x\n", encoding="utf-8")
    one_line_error(cli(*FIX, str(src), str(src), "-o", str(tmp_path / "o")), 2, "exactly one input")
    one_line_error(cli(*FIX, "--backup", ".b", str(src)), 2, "--backup only")
    p = cli(*FIX, str(src), "-o", "")  # used to write to stdout
    one_line_error(p, 2, "empty output path")
    assert p.stdout == b""


# in-process: failures that cannot be produced as root from outside
def _run_main(argv, capsys):
    code = cli_module.main(list(argv))
    return code, capsys.readouterr()


def test_unwritable_folder_in_place_is_one_line_and_changes_nothing(tmp_path, monkeypatch, capsys):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", deny)
    code, out = _run_main([*FIX, "--in-place", str(src)], capsys)
    assert code == 1 and out.err.startswith("vidiacritic: error: ") and "Permission denied" in out.err
    assert len(out.err.strip().splitlines()) == 1
    assert src.read_bytes() == b"quyet dinh\n" and leftovers(tmp_path) == []
    code, out = _run_main([*FIX, "--in-place", "--backup", ".orig", str(src)], capsys)
    assert code == 1 and "Permission denied" in out.err and len(out.err.strip().splitlines()) == 1
    assert src.read_bytes() == b"quyet dinh\n" and sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_temporary_file_not_creatable_is_one_line(tmp_path, monkeypatch, capsys):
    """A read-only folder, as root cannot make one: creating the temporary file fails."""
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")
    real_open = os.open

    def no_new_files(path, flags, *a, **k):
        if flags & os.O_CREAT and flags & os.O_EXCL:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", no_new_files)
    for argv in ([*FIX, "--in-place", "--backup", ".b", str(src)], [*FIX, str(src), "-o", str(tmp_path / "o.txt")]):
        code, out = _run_main(argv, capsys)
        assert code == 1 and out.err.startswith("vidiacritic: error: cannot write ") and "Permission denied" in out.err
        assert len(out.err.strip().splitlines()) == 1
    assert src.read_bytes() == b"quyet dinh\n" and sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    src = tmp_path / "a.txt"
    src.write_text("quyet dinh\n", encoding="utf-8")

    class Hungry:
        def restore(self, text):
            raise MemoryError()
    monkeypatch.setattr(cli_module, "_restorer", lambda args: Hungry())
    code, out = _run_main([*FIX, str(src), "-o", str(tmp_path / "out.txt")], capsys)
    assert code == 1 and out.err == "vidiacritic: error: out of memory (split the input into smaller files)\n"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


class _FailsMidway:
    """Restores the first piece, then the input fails: the file changes under the
    reader (an invalid byte appended) or memory runs out."""

    def __init__(self, path, how):
        self.path, self.how, self.calls = path, how, 0

    def restore(self, text, **kw):
        self.calls += 1
        if self.calls == 1 and self.how == "changed":
            with open(self.path, "ab") as fh:
                fh.write(b"\xff")
        if self.calls == 2 and self.how == "memory":
            raise MemoryError()
        return text.upper()


@pytest.mark.parametrize("how,needle", [("changed", "changed while being read"), ("memory", "out of memory")])
def test_in_place_failing_midway_touches_neither_the_file_nor_the_old_backup(tmp_path, monkeypatch, capsys, how, needle):
    """A streamed --in-place input (larger than stream.HEAD_BYTES) that fails after its
    first piece: the file keeps its bytes, an old backup is not replaced by a new one
    (the backup is made only once the output is complete), no temporary file is left."""
    from vidiacritic import stream

    src = tmp_path / "a.txt"
    original = b"quyet dinh so mot\n" * (2 * stream.HEAD_BYTES // 18 + 1)
    src.write_bytes(original)
    (tmp_path / "a.txt.orig").write_bytes(b"the first run's backup\n")
    monkeypatch.setattr(cli_module, "_restorer", lambda args: _FailsMidway(str(src), how))
    code, out = _run_main([*FIX, "--in-place", "--backup", ".orig", str(src)], capsys)
    assert code == 1 and out.err.startswith("vidiacritic: error: ") and needle in out.err, out.err
    assert src.read_bytes()[:len(original)] == original and src.stat().st_size <= len(original) + 1
    assert (tmp_path / "a.txt.orig").read_bytes() == b"the first run's backup\n"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "a.txt.orig"]


def test_in_place_backup_of_a_streamed_file_is_its_bytes_copied_in_bounded_memory(tmp_path, monkeypatch, capsys):
    """A large UTF-8 file (streamed, its bytes never held whole): the backup is the
    original bytes, copied in chunks of safeio.COPY_BYTES, never read whole."""
    from vidiacritic import safeio, stream

    src = tmp_path / "a.txt"
    original = "\ufeffQuyết định số một, quyet dinh\r\n".encode("utf-8") * (3 * stream.HEAD_BYTES // 30)
    src.write_bytes(original)
    reads = []
    real_open = open

    class Counting:
        def __init__(self, fh):
            self.fh = fh

        def read(self, n=-1):
            reads.append(n)
            return self.fh.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def spy_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        return Counting(fh) if path == str(src) and mode == "rb" else fh
    monkeypatch.setattr(safeio, "open", spy_open, raising=False)
    monkeypatch.setattr(cli_module, "_restorer", lambda args: _FailsMidway(str(src), "none"))
    code, out = _run_main([*FIX, "--in-place", "--backup", ".orig", str(src)], capsys)
    assert code == 0, out.err
    assert (tmp_path / "a.txt.orig").read_bytes() == original
    assert reads and all(0 < n <= safeio.COPY_BYTES for n in reads)
    assert src.read_bytes().decode("utf-8") == original.decode("utf-8-sig").upper()


def test_explain_is_streamed_piece_by_piece_with_positions_in_the_whole_text(tmp_path, monkeypatch, capsys):
    """`explain` on a text larger than a piece: the restorer never sees more than
    stream.PIECE_CHARS characters at once (memory bounded), and the JSON records are
    those of explaining the whole text, starts counted in the whole text."""
    import json

    from vidiacritic import stream
    from vidiacritic.restorer import Restorer

    paragraph = "quyet dinh so mot cua uy ban nhan dan tinh\n" * 400 + "\n"
    text = paragraph * (stream.PIECE_WORDS // 4000 + 1)  # more words than a piece holds: two pieces
    src = tmp_path / "a.txt"
    src.write_text(text, encoding="utf-8")
    real = Restorer(engine="rules")
    seen = []

    class Spy:
        config = real.config

        def ocr_word_counts(self, piece):
            return real.ocr_word_counts(piece)

        def explain(self, piece, **kw):
            seen.append(len(piece))
            return real.explain(piece, **kw)
    monkeypatch.setattr(cli_module, "_restorer", lambda args: Spy())
    code, out = _run_main(["explain", "--engine", "rules", "--json", str(src)], capsys)
    assert code == 0, out.err
    assert len(seen) > 1 and max(seen) <= stream.PIECE_CHARS and sum(seen) == len(text)
    got = [(r["original"], r["chosen"], r["start"]) for r in map(json.loads, out.out.splitlines())]
    assert got == [(w.original, w.chosen, w.start) for w in real.explain(text).words]


def test_fix_and_batch_take_their_option_choices_from_one_place():
    """Issue 10: the choices of the options fix, explain and batch share are defined once
    (vidiacritic.options), not copied into each command line."""
    import argparse

    from vidiacritic import options

    ap = cli_module.build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("fix", "explain", "batch"):
        acts = {a.dest: a for a in sub.choices[name]._actions}
        assert acts["engine"].choices is options.ENGINES, name
        assert acts["tone_style"].choices is options.TONE_STYLES, name
        assert acts["legacy_encoding"].choices is options.LEGACY_CHOICES, name
        assert acts["lexicon"].help == {a.dest: a for a in sub.choices["fix"]._actions}["lexicon"].help


def test_a_light_command_does_not_import_review_or_batch(tmp_path):
    """Speed (issue 9): `fix` and its like parse their command line without importing
    the review page's web server or batch's archive readers and process pools (about
    0.1 s of CPU of a one-report run); `batch` and `review` are still parsed, and the
    top-level help still lists them."""
    hyp = tmp_path / "h.txt"
    hyp.write_text("Ủy ban\n", encoding="utf-8")
    probe = ("import sys; from vidiacritic import cli; "
             f"code = cli.main(['eval', {str(hyp)!r}, {str(hyp)!r}]); "
             "print(code, sorted(m for m in ('vidiacritic.batch', 'vidiacritic.review', 'http.server') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
    top = cli("--help")
    assert top.returncode == 0 and b"batch" in top.stdout and b"review" in top.stdout
    for name in ("batch", "review"):
        r = cli(name, "--help")
        assert r.returncode == 0 and f"usage: vidiacritic {name}".encode() in r.stdout, r.stderr
    bad = cli("fixx")
    assert bad.returncode == 2 and b"'batch'" in bad.stderr and b"'review'" in bad.stderr


def test_the_collector_pauses_only_while_the_models_load(monkeypatch):
    """_restorer loads the models with the cyclic collector off and turns it back on,
    also when loading fails; only a process that ends with the command (entry())
    freezes the loaded objects, an in-process caller of main() keeps its collector as
    it was."""
    import argparse
    import gc

    from vidiacritic import cli as cli_module, restorer
    from vidiacritic.cli_io import UserError
    from vidiacritic.errors import VidiacriticError

    seen = []

    class Loading:
        def __init__(self, **kw):
            seen.append(gc.isenabled())
            if kw["engine"] == "broken":
                raise VidiacriticError("damaged model")

    monkeypatch.setattr(restorer, "Restorer", Loading)
    args = argparse.Namespace(engine="statistical", tone_style="traditional", exits_after=False)
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    assert isinstance(cli_module._restorer(args, terms=[]), Loading)
    assert seen == [False] and gc.isenabled() and gc.get_freeze_count() == frozen
    with pytest.raises(UserError):
        cli_module._restorer(argparse.Namespace(engine="broken", tone_style="traditional"), terms=[])
    assert seen == [False, False] and gc.isenabled()
    gc.disable()  # a caller that runs without the collector keeps it off
    try:
        cli_module._restorer(args, terms=[])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_one_report_process_freezes_the_loaded_models(tmp_path):
    """entry() (python -m vidiacritic.cli) passes exits_after: the models' objects are
    frozen once loaded, the young objects collected less often, and the restore is the
    usual one."""
    src = tmp_path / "a.txt"
    src.write_text("Uy ban nhan dan\n", encoding="utf-8")
    code = "\n".join([
        "import gc, sys",
        "import vidiacritic.cli as c",
        "load = c._restorer",
        "def probe(*a, **k):",
        "    r = load(*a, **k)",
        "    print('frozen', gc.get_freeze_count() > 0, file=sys.stderr)",
        "    print('threshold', gc.get_threshold()[0] == c.RUN_COLLECTION_THRESHOLD, file=sys.stderr)",
        "    return r",
        "c._restorer = probe",
        f"sys.argv = ['vidiacritic', 'fix', '--engine', 'statistical', {str(src)!r}]",
        "c.entry()"])
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert b"frozen True" in p.stderr and b"threshold True" in p.stderr
    assert p.stdout.decode() == "Ủy ban nhân dân\n"
