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


def test_file_to_output_and_options_in_any_order(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("hoi dong nhan dan\r\n", encoding="utf-8")
    out = tmp_path / "b.txt"
    p = cli("fix", "-o", str(out), "--tone-style", "modern", str(src), "--engine", "statistical")
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == "hội đồng nhân dân\r\n".encode()


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
