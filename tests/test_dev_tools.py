"""The development tools behind the speed notes: scripts/compare_trees.py (outputs of
two checkouts compared byte for byte), scripts/time_report.py (alternated timing) and
scripts/line_by_line.py (lines restored together or one at a time)."""
import json
import subprocess
import sys

import pytest

from scripts import compare_trees


def test_inputs_are_made_as_the_benchmark_feeds_them(tmp_path):
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "seed_ocr.txt").write_text("Uy ban MTTQ\r\nthanh phd\n", encoding="utf-8")
    (dev / "seed_gold.txt").write_text("Ủy ban MTTQ\r\nthành phố\n", encoding="utf-8")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("cua\tcủa\nno tab here\nla\tlà\t\t\t90\n", encoding="utf-8")
    conf = tmp_path / "c.tsv"
    conf.write_text("cua toi\tcủa tôi\tx\ty\t90 45\n", encoding="utf-8")
    names = compare_trees.prepare(str(tmp_path / "out"), str(dev), [("p", str(pairs)), ("c", str(conf))])
    assert names == ["dev-ocr", "dev-stripped", "dev-gold", "p", "c"]
    inputs = tmp_path / "out" / "inputs"
    # (read in text mode, as scripts/benchmark.py reads them: newlines become \n)
    assert (inputs / "dev-ocr.txt").read_bytes().decode("utf-8") == "Uy ban MTTQ\nthanh phd\n"
    assert (inputs / "dev-stripped.txt").read_bytes().decode("utf-8") == "Uy ban MTTQ\nthanh pho\n"
    assert (inputs / "p.txt").read_text(encoding="utf-8") == "cua\nla"  # (a row without a tab is no pair)
    assert not (inputs / "p.txt.conf.json").exists()  # (not every row has confidences)
    assert json.loads((inputs / "c.txt.conf.json").read_text()) == [0.9, 0.45]
    assert (inputs / "ORDER").read_text().split() == names


def test_outputs_are_compared_byte_for_byte(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.model.txt").write_bytes(b"m\xe1\xbb\x99t\nhai\n")
    (b / "x.model.txt").write_bytes(b"m\xe1\xbb\x99t\nhai\n")
    (a / "y.model.txt").write_bytes(b"one\ntwo\n")
    (b / "y.model.txt").write_bytes(b"one\ntwo \n")  # (a trailing space is a difference)
    assert compare_trees.compare(str(a), str(b), ["x", "y", "z"], ["model"]) == 2
    out = capsys.readouterr().out
    assert "x.model.txt" in out and "identical" in out and "DIFFERS: 1 lines" in out and "not in" in out


@pytest.mark.parametrize("args", [["--set", "nothing"], ["--set", "a=/no/such/file.tsv"], ["--dev", "/no/such/dir"]])
def test_bad_arguments_are_one_line_errors(args, tmp_path):
    done = subprocess.run([sys.executable, "-m", "scripts.compare_trees", ".", str(tmp_path / "o"), *args],
                          capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.startswith("compare_trees: ") and "Traceback" not in done.stderr


def test_time_report_refuses_a_missing_input(tmp_path):
    done = subprocess.run([sys.executable, "-m", "scripts.time_report", "--input", str(tmp_path / "none.txt"), "."],
                          capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.startswith("time_report: no such file") and "Traceback" not in done.stderr


def test_time_report_faster_half():
    from scripts.time_report import faster_half
    assert faster_half([3.0, 1.0, 2.0, 10.0]) == 1.5  # (1, 2: the slow tail left out)
    assert faster_half([4.0, 2.0, 9.0]) == 2.0
    assert faster_half([5.0]) == 5.0


def test_line_by_line_reads_both_kinds_of_set_and_prints_the_three_ways(tmp_path, capsys):
    # scripts/line_by_line.py: the measurement behind Restorer.restore_lines.  A pairs
    # file and an input:gold pair of files give the same table row; a bad set is one
    # line of error and exit 2.
    from scripts import line_by_line
    pairs = tmp_path / "p.tsv"
    pairs.write_text("Uy ban nhan dan tinh\tỦy ban nhân dân tỉnh\nhoa binh\thòa bình\n", encoding="utf-8")
    (tmp_path / "in.txt").write_text("Uy ban nhan dan tinh\nhoa binh", encoding="utf-8")
    (tmp_path / "gold.txt").write_text("Ủy ban nhân dân tỉnh\nhòa bình", encoding="utf-8")
    name, inp, gold = line_by_line.read_set(f"p={pairs}")
    assert (name, inp, gold) == ("p", ["Uy ban nhan dan tinh", "hoa binh"], ["Ủy ban nhân dân tỉnh", "hòa bình"])
    assert line_by_line.read_set(f"f={tmp_path / 'in.txt'}:{tmp_path / 'gold.txt'}")[1:] == (inp, gold)
    assert line_by_line.main(["--set", f"p={pairs}", "--engine", "statistical"]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    assert row == "| p | 2 | 0.1429 | 1.0000 | 1.0000 | 1.0000 |"  # (ban: 1 of 7 as given)
    assert line_by_line.main(["--set", "nothing"]) == 2
    assert line_by_line.main(["--set", f"x={tmp_path / 'missing.tsv'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("line_by_line: error:") == 2 and "Traceback" not in err


def test_estimate_ocr_odds_prints_each_class_share_and_ratio(tmp_path, capsys):
    # scripts/estimate_ocr_odds.py: the shares behind Config.typed_ocr_llr, counted by
    # the reader's own word classes (DocumentReader.word_classes).
    import lzma
    from scripts import estimate_ocr_odds
    with lzma.open(tmp_path / "tiny.txt.xz", "wt", encoding="utf-8") as fh:
        fh.write("Ủy ban nhân dân tỉnh ban hành kế hoạch\ncác cơ quan thực hiện kế hoạch này\n")
    ocr = tmp_path / "ocr.tsv"
    ocr.write_text("cac co quan thye hién ké hoach nay\tcác cơ quan thực hiện kế hoạch này\n", encoding="utf-8")
    assert estimate_ocr_odds.main(["--ocr", str(ocr), "--corpus", str(tmp_path), "--typed-files", "tiny",
                                   "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "OCR: 1 lines, 8 words; typed: 2 lines, 17 words" in out
    rows = {r.split("|")[1].strip(): r.split("|")[2:5] for r in out.splitlines() if r.startswith("| ") and "class" not in r}
    # OCR: cac co quan ké hoach nay spelled (ké is a syllable), thye unspelled, hién
    # marked; typed: 16 of 17 spelled (Ủy, capitalised, counts nothing)
    assert [x.strip() for x in rows["spelled"]] == ["0.7500", "0.9412", "-0.23"]
    assert [x.strip() for x in rows["unspelled"]][:2] == ["0.1250", "0.0000"]
    assert [x.strip() for x in rows["marked"]][:2] == ["0.1250", "0.0000"]
    assert estimate_ocr_odds.main(["--ocr", str(tmp_path / "missing.tsv")]) == 2
    assert "estimate_ocr_odds: error:" in capsys.readouterr().err


def test_tune_weights_settings_restore_each_file_as_one_document(tmp_path, capsys):
    """scripts/tune_weights.py --settings: whole ModelWeights settings, each pairs file's
    OCR side restored as one document, one accuracy per file and setting."""
    from scripts import tune_weights
    from vidiacritic.config import ModelWeights

    assert tune_weights.parse_settings("0.4,0.9375,0.3125,0.3,0.8; ") == [ModelWeights(0.4, 0.8, 0.9375, 0.3125, 0.3)]
    with pytest.raises(SystemExit):
        tune_weights.parse_settings("1,2")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("Uy ban nhan dan tinh\tỦy ban nhân dân tỉnh\nthanh pho Ha Noi\tthành phố Hà Nội\n",
                     encoding="utf-8")
    tune_weights.main([str(pairs), "--settings", "0.4,0.9375,0.3125,0.3,0.8;0,1,1,1,1"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(" p.tsv") and len(out) == 3
    assert [ln.split()[:5] for ln in out[1:]] == [["0.4", "0.9375", "0.3125", "0.3", "0.8"],
                                                  ["0.0", "1.0", "1.0", "1.0", "1.0"]]
    assert [ln.split()[5] for ln in out[1:]] == ["1.00000", "1.00000"]  # (both lines restored right)
    with pytest.raises(SystemExit):
        tune_weights.main([str(pairs), str(pairs)])  # (two files only with --settings)
