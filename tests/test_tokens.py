import os

import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic.tokens import NUMBER, PROTECTED, WORD, chains, lm_units, tokenize

HERE = os.path.dirname(__file__)


def kinds(text):
    return [(t.text, t.kind) for t in tokenize(text) if t.kind != "space"]


def test_codes_urls_numbers_are_not_words():
    toks = dict(kinds("số 132/KH-MTTQ-BTT, 07-TT/ThU 15/2014/ND-CP http://a.vn/x?y=1 a@b.vn 2023 12,5 H5N1"))
    for code in ("132/KH-MTTQ-BTT", "07-TT/ThU", "15/2014/ND-CP", "http://a.vn/x?y=1", "a@b.vn", "H5N1"):
        assert toks[code] == PROTECTED, code
    assert toks["2023"] == NUMBER and toks["12,5"] == NUMBER
    assert toks["số"] == WORD


def test_ocr_debris_stays_inside_words():
    toks = dict(kinds("s6 16n h¢ v€ “Podn phd,"))
    assert toks["s6"] == WORD and toks["16n"] == WORD and toks["h¢"] == WORD and toks["v€"] == WORD
    assert toks["Podn"] == WORD and toks["phd"] == WORD and toks["“"] == "punct"


def test_rate_is_split_but_code_is_not():
    assert kinds("300.000/nguoi") == [("300.000", NUMBER), ("/", "punct"), ("nguoi", WORD)]


def test_chains_break_at_punctuation_and_blank_lines():
    assert list(lm_units("ban hanh 215 van ban, chi dao\ntrien khai\n\nket qua")) == [
        ["ban", "hanh", "<num>", "van", "ban"], ["chi", "dao", "trien", "khai"], ["ket", "qua"]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_tokenize_is_lossless(text):
    assert "".join(t.text for t in tokenize(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_chains_only_hold_words_and_numbers(text):
    toks = tokenize(text)
    for run in chains(toks):
        assert all(toks[i].kind in (WORD, NUMBER) for i in run)


def test_roman_section_numbers_are_kept():
    toks = dict(kinds("I. CONG TAC; II. KET QUA; IV."))
    assert toks["I"] == PROTECTED and toks["II"] == PROTECTED and toks["IV"] == PROTECTED
    assert toks["CONG"] == WORD


def test_ampersand_inside_a_word_is_ocr_debris_but_codes_are_kept():
    toks = dict(kinds("x& b&o R&D AT&T &"))
    assert toks["x&"] == WORD and toks["b&o"] == WORD
    assert toks["R&D"] == PROTECTED and toks["AT&T"] == PROTECTED
    # a lone & is a word (Tesseract's ở); the restorer keeps it outside OCR documents
    assert toks["&"] == WORD


@pytest.mark.parametrize("text,joined", [
    ("trật tu’ theo", "tu’"), ("các tu‘ong ứng", "tu‘ong"), ("như: Chu:ong trình", "Chu:ong"),
    ("nhà nu@c (có", "nu@c"), ("Chỉ đạo S@ Y tế", "S@"), ("ĂN CHO NGU‘O! BỆNH", "NGU‘O"),
])
def test_ocr_splits_are_joined_losslessly(text, joined):
    from vidiacritic.tokens import join_ocr_splits
    toks = join_ocr_splits(tokenize(text))
    assert "".join(t.text for t in toks) == text
    assert (joined, WORD) in [(t.text, t.kind) for t in toks]


@pytest.mark.parametrize("text", ["mô hình ‘Nhà sạch’ và ‘cơ so’ tốt", "sau:Uy ban", "khi : nao",
                                  "Điều 5:khoản"])
def test_quotes_and_colons_that_are_punctuation_stay_apart(text):
    from vidiacritic.tokens import join_ocr_splits, ocr_reading
    before = [(t.text, t.kind) for t in tokenize(text)]
    assert [(t.text, t.kind) for t in join_ocr_splits(tokenize(text))] == before
    assert ocr_reading("tu‘ong") == "tuong" and ocr_reading("Ngu@i") == "Nguoi"
