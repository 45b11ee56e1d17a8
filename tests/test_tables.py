"""scripts/tables.py, the build scripts' one TSV writer: the shipped tables (written by
each script's own loop before) come out byte-identical through it, and a failed write
leaves the previous table."""
import os

import pytest

from scripts.build_lexicon import write_lexicon
from scripts.tables import write_tsv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(rel):
    with open(os.path.join(ROOT, rel), "rb") as fh:
        return fh.read()


def _split(data: bytes):
    """(comment texts, header cells, rows of cells) of a TSV."""
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    comments = [l[2:] for l in lines if l.startswith("# ")]
    rest = [l.split("\t") for l in lines if not l.startswith("# ")]
    return comments, rest[0], rest[1:]


@pytest.mark.parametrize("rel", ["data/acronyms_d.tsv", "data/code_parts_d.tsv", "models/rewrites.tsv"])
def test_headed_tables_round_trip(rel, tmp_path):
    _, header, rows = _split(_read(rel))
    out = tmp_path / "t.tsv"
    assert write_tsv(str(out), ([r[0], r[1], int(r[2])] + r[3:] for r in rows), header=header) == len(rows)
    assert out.read_bytes() == _read(rel)


def test_english_words_round_trip(tmp_path):
    """Comment lines first, floats formatted by the caller (as build_english_words does)."""
    comments, first, rows = _split(_read("data/english_words.tsv"))
    rows = [first] + rows  # no header row: the first row is a word
    out = tmp_path / "e.tsv"
    write_tsv(str(out), ((w, f"{float(f):.3g}") for w, f in rows), comments=comments)
    assert out.read_bytes() == _read("data/english_words.tsv")


def test_lexicon_round_trip(tmp_path):
    _, header, rows = _split(_read("data/admin_terms.tsv"))
    assert header == ["phrase", "count", "source", "dominance"]
    out = tmp_path / "sub" / "lex.tsv"  # the folder is made
    write_lexicon([(p, int(c), s, float(d)) for p, c, s, d in rows], str(out))
    assert out.read_bytes() == _read("data/admin_terms.tsv")


def test_ngram_vocabulary_round_trip(tmp_path):
    data = _read("models/ngram/vocab.txt")
    rows = [l.split("\t") for l in data.decode("utf-8").split("\n")[:-1]]
    out = tmp_path / "vocab.txt"
    write_tsv(str(out), ((s, int(c)) for s, c in rows))
    assert out.read_bytes() == data


def _rows_then_failure():
    yield ("a", 1)
    raise RuntimeError("the build failed midway")


@pytest.mark.parametrize("rows, error", [(_rows_then_failure, RuntimeError),
                                         (lambda: [("a", 1), ("b\tc", 2)], ValueError),
                                         (lambda: [("a\nb", 1)], ValueError)])
def test_failed_write_keeps_the_previous_table(tmp_path, rows, error):
    out = tmp_path / "t.tsv"
    out.write_bytes(b"old\ttable\n")
    with pytest.raises(error):
        write_tsv(str(out), rows(), header=("x", "y"))
    assert out.read_bytes() == b"old\ttable\n"
    assert os.listdir(tmp_path) == ["t.tsv"]  # no temporary file left


def test_a_comment_cannot_break_the_table(tmp_path):
    with pytest.raises(ValueError):
        write_tsv(str(tmp_path / "t.tsv"), [], comments=["one\nx\ty"])
    assert not os.listdir(tmp_path)
