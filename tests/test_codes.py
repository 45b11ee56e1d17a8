"""Codes beside Vietnamese words.  A typed line holding one code (S8, U23, F1, 8bit) is
no OCR output (DocumentReader.is_code, Config.code_channel_logp and
caps_code_channel_logp), while a short OCR line whose only damage is a capital and a
digit (B6 for Bộ) still is; all-caps words joined by slashes whose parts are words
(XA/PHUONG) are read as words, codes of acronyms (KH/UBND) stay (tokens.split_slashed_caps).
Cases are data (tests/cases/codes.json)."""
import pytest

from vidiacritic.tokens import PROTECTED, PUNCT, WORD, split_slashed_caps, tokenize

from casedata import assert_restores, load_json

CASES = load_json("codes.json")


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["typed"])
def test_a_typed_line_with_a_code_is_no_ocr_output(request, engine, src, expected):
    explained = request.getfixturevalue(engine).explain(src)
    assert explained.reading.kind == "typed-unmarked"
    assert explained.text == expected


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["marked"])
def test_a_code_in_a_line_read_as_marked_stays(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    explained = restorer.explain(src)
    assert explained.reading.marked  # (typed-marked or vie-ocr: the line is OCR output by its share)
    assert explained.text == expected
    assert restorer.restore(expected) == expected


@pytest.mark.parametrize("token", CASES["codes"])
def test_codes_are_no_ocr_marks(stat, token):
    assert stat.reader.has_ocr_marks(token) and stat.reader.is_code(token)
    assert stat.reader.ocr_word_counts(tokenize(f"tai {token} moi"))[0] == 0


@pytest.mark.parametrize("token", CASES["damage"])
def test_tesseract_damage_stays_an_ocr_mark(stat, token):
    assert stat.reader.has_ocr_marks(token) and not stat.reader.is_code(token)
    assert stat.reader.ocr_word_counts(tokenize(f"tai {token} moi"))[:2] == (1, 3)


def test_codes_follow_the_config(stat):
    from dataclasses import replace
    plain = stat.with_config(replace(stat.config, code_channel_logp=None, caps_code_channel_logp=None))
    assert not any(plain.reader.is_code(t) for t in CASES["codes"])


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["ocr_lines"])
def test_a_short_ocr_line_with_a_capital_and_a_digit_stays_ocr_output(request, engine, src, expected):
    explained = request.getfixturevalue(engine).explain(src)
    assert explained.reading.kind == "eng-ocr"
    assert explained.text == expected


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["slashed"])
def test_slashed_caps_words(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    assert_restores(restorer, src, expected)


def test_split_slashed_caps_splits_words_only(stat):
    toks = split_slashed_caps(tokenize("XA/PHUONG KH/UBND HIV/AIDS HUYEN/TP TAN/HA"), stat._caps_word)
    assert [(t.text, t.kind) for t in toks if t.kind != "space"] == [
        ("XA", WORD), ("/", PUNCT), ("PHUONG", WORD), ("KH/UBND", PROTECTED), ("HIV/AIDS", PROTECTED),
        ("HUYEN/TP", PROTECTED), ("TAN", WORD), ("/", PUNCT), ("HA", PROTECTED)]
    assert "".join(t.text for t in toks) == "XA/PHUONG KH/UBND HIV/AIDS HUYEN/TP TAN/HA"
    assert [t.start for t in toks] == [sum(len(u.text) for u in toks[:k]) for k in range(len(toks))]
