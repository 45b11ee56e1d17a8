"""Typed text with marks and damage no typist writes (Config.typed_damage): a good
Tesseract-vie page is read as typed with marks, and its few damaged lines are read as
Tesseract-vie output (DocumentReader.typed_damage, _damaged_lines).  Cases are data
(tests/cases/typed_damage.json)."""
import dataclasses

import pytest

from casedata import load_json, read_lines
from vidiacritic.marks import TYPED_MARKED, VIE_OCR
from vidiacritic.tokens import WORD, tokenize

CASES = load_json("typed_damage.json")
BODY = read_lines("partly_marked.txt") * 6  # correct typed text, 30 lines


def _document(line):
    return "\n".join(BODY[:3] + [line] + BODY[3:])


@pytest.mark.parametrize("token", CASES["damage"])
def test_damage_no_typist_writes(stat, token):
    assert stat.reader.typed_damage(token)
    typed = stat.explain("\n".join(BODY)).reading
    assert typed.kind == TYPED_MARKED
    assert stat.reader.marked_keep_logp(token, stat.config.keep_logp, typed) == stat.config.lower_keep_logp


@pytest.mark.parametrize("token", CASES["not_damage"])
def test_words_typed_text_writes(stat, token):
    assert not stat.reader.typed_damage(token)


def test_only_the_damaged_line_is_read_as_vie_ocr(stat):
    line = CASES["documents"][0][0]
    text = _document(line)
    toks = tokenize(text)
    typed = stat.explain(text).reading
    assert typed.kind == TYPED_MARKED
    by_line = stat.reader.line_readings(toks, typed)
    at = text.index(line)
    damaged = {i for i, t in enumerate(toks) if t.kind == WORD and at <= t.start < at + len(line)}
    assert damaged and set(by_line) == damaged  # (the line's words, and no other)
    assert all(by_line[i].kind == VIE_OCR and by_line[i].mark_error >= typed.mark_error for i in damaged)
    off = dataclasses.replace(stat.config, typed_damage=False)
    assert stat.with_config(off).reader.line_readings(toks, typed) is None


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("line,expected", CASES["documents"])
def test_typed_document_with_a_damaged_line(request, engine, line, expected):
    restorer = request.getfixturevalue(engine)
    out = restorer.restore(_document(line)).split("\n")
    assert out == BODY[:3] + [expected] + BODY[3:]  # (the correct lines unchanged)
    assert restorer.restore("\n".join(out)) == "\n".join(out)


def test_typed_damage_off_keeps_the_old_reading(stat):
    off = stat.with_config(dataclasses.replace(stat.config, typed_damage=False))
    line = CASES["documents"][0][0]
    assert off.restore(_document(line)).split("\n")[3] == line


def test_explain_counts_the_lines_read_as_vie_ocr(stat, tmp_path, capsys):
    line = CASES["documents"][0][0]
    assert stat.explain(_document(line)).ocr_lines == 1
    assert stat.explain("\n".join(BODY + [line, line])).ocr_lines == 2
    assert stat.explain(_document(CASES["documents"][1][0])).ocr_lines == 0  # no damage
    src = tmp_path / "a.txt"
    src.write_text(_document(line) + "\n", encoding="utf-8")
    from vidiacritic import cli
    assert cli.main(["explain", "--engine", "statistical", str(src)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("# read as typed-marked") and first.endswith("; 1 line with OCR damage read as vie-ocr")
