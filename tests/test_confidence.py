"""The OCR engine's word confidences (vidiacritic.confidence): checked, mapped to tokens,
read from markup, and in a document read as Tesseract-vie output they decide how far a
word's marks are trusted."""
from dataclasses import replace

import pytest

from vidiacritic import Restorer, resources
from vidiacritic.confidence import BANDS, ConfidenceTable, band_of, by_token, check_confidences, word_spans
from vidiacritic.formats import hocr
from vidiacritic.formats.page_text import Unit, ocr_confidence, page_confidences, page_text
from vidiacritic.formats.xmldoc import Document
from vidiacritic.marks import VIE_OCR
from vidiacritic.tokens import tokenize

# Text written for this test, read like Tesseract-vie output (a few wrong marks: dẩn, nay,
# nhiêm, đinh), with one wrong but valid syllable the context only weakly overturns:
# "thu thiệp ý kiến" (thu thập).
DOC = ("Ủy ban nhân dân tỉnh có trách nhiệm hướng dẩn thi hành Quyết định nay.\n"
       "Sở Tài chính chủ trì tổng hợp, báo cáo kết quả thu thiệp ý kiến.\n"
       "Các cơ quan, tổ chức có liên quan chịu trách nhiêm thi hành Quyết đinh này.")
AT = DOC.split().index("thiệp")


@pytest.fixture(scope="module")
def restorer():
    return Restorer()


def confs(doubt: float, sure: float = 0.97):
    out = [sure] * len(DOC.split())
    out[AT] = doubt
    return out


def word(text: str) -> str:
    return text.split()[AT]


def test_a_doubtful_word_is_overturned_and_a_sure_one_kept(restorer):
    assert restorer.explain(DOC).reading.kind == VIE_OCR
    assert word(restorer.restore(DOC)) == "thiệp"  # the context alone does not overturn it
    assert word(restorer.restore(DOC, confidences=confs(0.5))) == "thập"
    assert word(restorer.restore(DOC, confidences=confs(0.97))) == "thiệp"
    off = restorer.with_config(replace(restorer.config, word_confidences=False))
    assert word(off.restore(DOC, confidences=confs(0.5))) == "thiệp"


def test_a_doubtful_word_reaches_forms_two_letters_away(restorer):
    # "ở lên" for trở lên: two letters lost, beyond the one letter a vie-OCR word's
    # candidates reach unless Tesseract doubted it (Config.confidence_reach_below)
    doc = DOC.replace("thu thiệp ý kiến.", "thu thập ý kiến của người từ đủ 16 tuổi ở lên.")
    at = doc.split().index("ở")
    c = [0.97] * len(doc.split())
    assert restorer.restore(doc, confidences=c).split()[at] == "ở"
    c[at] = 0.5
    assert restorer.restore(doc, confidences=c).split()[at] == "trở"
    near = restorer.with_config(replace(restorer.config, confidence_reach_below=0.0))
    assert near.restore(doc, confidences=c).split()[at] == "ở"


def test_restoring_the_output_again_changes_nothing(restorer):
    out = restorer.restore(DOC, confidences=confs(0.5))
    assert restorer.restore(out) == out


def test_confidences_through_invisible_characters(restorer):
    # a zero-width space inside a word and a word that is nothing but one: that word is
    # gone from the text read, and so is its confidence
    text = DOC.replace("thiệp", "thi\u200bệp").replace(" ý kiến", " \u200b ý kiến")
    c = confs(0.5)
    c.insert(AT + 1, 0.1)
    out = restorer.restore(text, confidences=c)
    assert out.count("\u200b") == 2 and "thu thập" in out.replace("\u200b", "")


def test_bad_confidences_are_one_line_errors(restorer):
    with pytest.raises(ValueError, match="3 given for 2 words"):
        restorer.restore("Uy ban", confidences=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="word 2 has 93"):
        restorer.restore("Uy ban", confidences=[0.5, 93])
    with pytest.raises(ValueError, match="word 1 has True"):
        check_confidences("Uy ban", [True, None])
    assert check_confidences("Uy  ban\n", [None, 1]) == [None, 1.0]


def test_words_and_tokens():
    assert word_spans(" Uy ban,\tnhân ") == [(1, 3), (4, 8), (9, 13)]
    toks = tokenize("Uy ban, 12/QĐ")
    conf = by_token(toks, "Uy ban, 12/QĐ", [0.9, None, 0.4])
    # (each token of a word gets the word's; "ban," has none)
    assert sorted((toks[i].text, c) for i, c in conf.items()) == [("/", 0.4), ("12", 0.4), ("QĐ", 0.4), ("Uy", 0.9)]
    # a token spanning two words (the word-break repair joins them) gets the lower
    joined = [toks[0].__class__("Uy ban", toks[0].kind, 0)]
    assert by_token(joined, "Uy ban", [0.9, 0.6]) == {0: 0.6}


def test_bands_and_the_shipped_table():
    assert [band_of(c) for c in (0.0, 0.49, 0.5, 0.95, 1.0)] == [0, 0, 1, 5, 5]
    table = resources.load_confidence()
    assert len(table.error_ratio) == 3 and all(len(row) == len(BANDS) for row in table.error_ratio)
    # a surer word is never trusted less, on a line without damage
    row = table.error_ratio[0]
    assert all(a >= b for a, b in zip(row, row[1:])) and row[-1] < 1 < row[0]


def test_a_damaged_table_is_refused(tmp_path):
    bad = tmp_path / "confidence.json"
    bad.write_text('{"bands": [0, 0.5], "error_ratio": [[1, 2]]}', encoding="utf-8")
    with pytest.raises(ValueError, match="bands must be"):
        ConfidenceTable.load(str(bad))


def test_markup_confidence_values():
    assert ocr_confidence("93", 100.0) == 0.93
    assert ocr_confidence("0.5") == 0.5
    assert ocr_confidence("-1", 100.0) is None and ocr_confidence("x") is None and ocr_confidence(None) is None
    assert ocr_confidence("1.5") is None


HOCR = ("<html xmlns='http://www.w3.org/1999/xhtml'><body><div class='ocr_page'>"
        "<span class='ocr_line'>"
        "<span class='ocrx_word' title='bbox 0 0 9 9; x_wconf 96'>thu</span> "
        "<span class='ocrx_word' title='bbox 0 0 9 9; x_wconf 41'>thiệp</span> "
        "<span class='ocrx_word' title='bbox 0 0 9 9'>ý</span>"
        "</span></div></body></html>")


def test_hocr_word_confidences_reach_the_restorer():
    blocks = hocr.read(Document(HOCR.encode("utf-8")))
    text, spans = page_text(blocks)
    assert text == "thu thiệp ý"
    assert page_confidences(text, spans) == [0.96, 0.41, None]
    # a unit holding several words (a line without word elements) gives each its own
    unit = Unit("nhân  dân", lambda s: None, ocr_confidence=0.7)
    assert page_confidences("nhân  dân", [(unit, 0, 9)]) == [0.7, 0.7]
    assert page_confidences("x", [(Unit("x", lambda s: None), 0, 1)]) is None
