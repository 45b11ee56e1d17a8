"""scripts/benchmark.py: --set columns, the input-as-given row and the fixed-words share."""
import os
import subprocess
import sys

import pytest

from scripts import benchmark as bm
from vidiacritic.evaluate import score

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
GOLD = ["Cộng hòa xã hội chủ nghĩa Việt Nam", "Điều 5. Ủy ban nhân dân tỉnh, năm 2024",
        "Độc lập - Tự do - Hạnh phúc"]
INP = ["Cong hoa xa hoi chu nghia Viet Nam", "Dieu 5. Uy ban nhan dan tinh, nam 2024",
       "Độc lập - Tự do - Hạnh phúc"]


def test_right_words_count_what_the_metric_counts():
    hyps = [["Cộng hoà xã hội chủ nghĩa Việt Nam", "Điều 5. Uỷ ban nhân dân tình, năm 2024",
             "Độc lập Tự do Hạnh phúc"], INP, GOLD,
            ["Cộng xã hội chủ nghĩa Việt Nam Nam", "Điều 5 . Ủy ban dân tỉnh", ""]]
    for hyp in hyps:
        right = sum(len(bm.right_words(h, g)) for h, g in zip(hyp, GOLD))
        s = score(hyp, GOLD)
        assert right == round(s["syl_acc"] * s["tokens"])


def test_fixed_and_broken():
    hyp = ["Cộng hòa xã hội chủ nghĩa Việt Nam",      # all 6 wrong input words fixed
           "Điều 5. Ủy ban nhân dân tình, năm 2024",  # 6 of 7 wrong words fixed (tình)
           "Độc lập - Tự do - Hạnh phục"]             # phúc was right, now broken
    f = bm.fixed_and_broken(INP, hyp, GOLD)
    assert f == {"wrong": 6 + 7, "fixed": 6 + 6, "broken": 1}
    assert bm.fixed_and_broken(INP, INP, GOLD) == {"wrong": 13, "fixed": 0, "broken": 0}
    with pytest.raises(ValueError):
        bm.fixed_and_broken(INP, hyp[:2], GOLD)


def test_parse_set_and_read_pairs(tmp_path):
    assert bm.parse_set("poor-vie=/a/b=c.tsv") == ("poor-vie", "/a/b=c.tsv")
    for bad in ("nopath", "=x.tsv", "name=", "../x=a.tsv"):
        with pytest.raises(ValueError):
            bm.parse_set(bad)
    p = tmp_path / "pairs.tsv"
    p.write_text("a b\tá b\tFont\t20\nc\tc\t0.3\n", encoding="utf-8")
    assert bm.read_pairs(str(p)) == ("a b\nc", "á b\nc")
    (tmp_path / "empty.tsv").write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError):
        bm.read_pairs(str(tmp_path / "empty.tsv"))


def test_read_confidences(tmp_path):
    p = tmp_path / "conf.tsv"
    p.write_text("a b\tá b\tFont\t20\t90 41\nc\tc\tFont\t20\t100\n", encoding="utf-8")
    assert bm.read_confidences(str(p)) == [0.9, 0.41, 1.0]
    p.write_text("a b\tá b\tFont\t20\t90\nc\tc\tFont\t20\t100\n", encoding="utf-8")
    assert bm.read_confidences(str(p)) is None  # (one per word, or none at all)
    p.write_text("a b\tá b\tFont\t20\n", encoding="utf-8")
    assert bm.read_confidences(str(p)) is None


def test_worker_passes_a_sets_confidences(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(bm, "_load_system", lambda name: lambda t, **kw: seen.append(kw) or t)
    (tmp_path / "a.txt").write_text("x y", encoding="utf-8")
    (tmp_path / "b.txt").write_text("z", encoding="utf-8")
    (tmp_path / ("a.txt" + bm.CONF_SUFFIX)).write_text("[0.5, 0.9]", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    bm.worker("model", [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], str(out))
    assert seen == [{}, {"confidences": [0.5, 0.9]}, {}]  # (the warm-up call first)


def _run(args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "scripts.benchmark", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_set_columns_end_to_end(tmp_path):
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "seed_gold.txt").write_text("\n".join(GOLD) + "\n", encoding="utf-8")
    (dev / "seed_ocr.txt").write_text("\n".join(INP) + "\n", encoding="utf-8")
    pairs = tmp_path / "kind.tsv"
    pairs.write_text("".join(f"{i}\t{g}\n" for i, g in zip(INP, GOLD)), encoding="utf-8")
    proc = _run(["--systems", "rules", "--dev", str(dev), "--report-runs", "0",
                 "--set", f"my-kind={pairs}"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = lines[0].strip("| ").split(" | ")
    assert header[:4] == ["system", "dev-ocr", "dev-stripped", "my-kind"]
    given = [l for l in lines if l.startswith("| " + bm.AS_GIVEN)][0].strip("| ").split(" | ")
    expected = score(INP, GOLD)["syl_acc"]
    assert float(given[1]) == pytest.approx(expected, abs=1e-4)
    assert float(given[3]) == pytest.approx(expected, abs=1e-4)
    fixed_rows = [l for l in lines if l.startswith("| rules |") and "%" in l]
    assert len(fixed_rows) == 1 and "/13; broken" in fixed_rows[0]


def test_bad_set_is_one_error_line(tmp_path):
    proc = _run(["--systems", "rules", "--report-runs", "0", "--dev", str(tmp_path),
                 "--set", f"x={tmp_path}/missing.tsv"])
    assert proc.returncode == 2 and "seed_gold.txt" in proc.stderr   # no dev set there
    (tmp_path / "seed_gold.txt").write_text("\n".join(GOLD), encoding="utf-8")
    (tmp_path / "seed_ocr.txt").write_text("\n".join(INP), encoding="utf-8")
    proc = _run(["--systems", "rules", "--report-runs", "0", "--dev", str(tmp_path),
                 "--set", f"x={tmp_path}/missing.tsv"])
    assert proc.returncode == 2
    assert "missing.tsv" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run(["--systems", "rules", "--report-runs", "0", "--dev", str(tmp_path),
                 "--set", "dev-ocr=" + __file__])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
