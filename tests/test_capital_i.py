"""A capital I read for a lowercase l at a word's start, inside OCR output only (issue 9):
the cases of tests/cases/capital_i.tsv, and the two helpers that make it."""
import pytest

from vidiacritic.assembly import casing_like
from vidiacritic.tokens import capital_i_reading, opens_sentence, tokenize

from casedata import read_tsv


def _rows():
    rows = read_tsv("capital_i.tsv")
    assert rows and all(len(r) == 3 and r[0] in ("ocr", "typed") for r in rows)
    return rows


@pytest.mark.parametrize("reading,text,expected", _rows())
@pytest.mark.parametrize("engine", ["stat", "model"])
def test_capital_i_cases(request, engine, reading, text, expected):
    restorer = request.getfixturevalue(engine)
    assert restorer.restore(text, ocr_document=reading == "ocr") == expected


@pytest.mark.parametrize("word,expected", [
    ("Igi", "lgi"), ("Iya", "lya"), ("Iợi", "lợi"), ("Ia", "la"), ("Il", "ll"), ("I6i", "l6i"),
    ("I", None), ("II", None), ("IIi", None), ("ĐIỀU", None), ("Iuật", "luật"), ("iya", None), ("lya", None),
    ("IUAT", None), ("I6", None), ("Ỉa", None)])
def test_capital_i_reading(word, expected):
    assert capital_i_reading(word) == expected


def test_a_word_read_with_l_is_cased_as_that_reading_in_ocr_only():
    assert casing_like("Igi", "lợi", ocr=True) == "lgi"
    assert casing_like("Igi", "lợi", ocr=False) == "Igi"  # typed text: the original's casing
    assert casing_like("Ich", "ích", ocr=True) == "Ich"  # read as written: Ích stays capital
    assert casing_like("Igi", None, ocr=True) == "Igi"  # kept as written
    assert casing_like("Lgi", "lợi", ocr=True) == "Lgi"


@pytest.mark.parametrize("text,word,expected", [
    ("Iuật mới", "Iuật", True), ("“Iuật”", "Iuật", True), ("điều này. Iuật", "Iuật", True),
    ("1. Iuật", "Iuật", True), ("sau:\nIuật", "Iuật", True), ("a\n- Iuật", "Iuật", True),
    ("a\n\nIuật", "Iuật", True), ("của Iuật", "Iuật", False), ("của\nIuật", "Iuật", False),
    ("sau: Iuật", "Iuật", False), ("a - Iuật", "Iuật", False), ("(a), Iuật", "Iuật", False)])
def test_opens_sentence(text, word, expected):
    toks = tokenize(text)
    i = max(k for k, t in enumerate(toks) if t.text == word)
    assert opens_sentence(toks, i) is expected
