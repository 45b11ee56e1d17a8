"""Numbers never change: dates, amounts, counts, codes, list numbers and Roman numerals
come out as written, in typed text and inside OCR documents (issue 9, item 3).
The held-out measurement is scripts/make_numbers_set.py; its helpers are tested here."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scripts.make_numbers_set import changed_numbers, interleave, is_number_chunk, line_kinds
from vidiacritic.text import strip_diacritics
from vidiacritic.tokens import tokenize

from casedata import read_lines

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def _at(text, word, nth=0):
    toks = tokenize(text)
    return toks, [k for k, t in enumerate(toks) if t.text == word][nth]


@pytest.mark.parametrize("line", read_lines("numbers_ocr.txt"))
def test_numbers_in_ocr_never_change(stat, model, line):
    for restorer in (stat, model):
        assert changed_numbers(line, restorer.restore(line, ocr_document=True)) == []


def test_numbers_in_typed_text_are_kept(stat):
    """Outside OCR documents a bare "6" in prose stays, whatever it stands next to."""
    text = "trat ty 6 dia phuong va Day 14 mot van ban"
    assert changed_numbers(text, stat.restore(text, ocr_document=False)) == []


# ---------------------------------------------------------------- properties
_DAY = st.integers(1, 28)
_MONTH = st.integers(1, 12)
_YEAR = st.integers(1945, 2030)
NUMBERS = st.one_of(
    st.integers(0, 10**9).map(str),                                                   # counts
    st.builds(lambda d, m, y: f"{d:02d}/{m:02d}/{y}", _DAY, _MONTH, _YEAR),           # dates
    st.builds(lambda d, m, y: f"{d}/{m}/{y}", _DAY, _MONTH, _YEAR),
    st.integers(1000, 10**10).map(lambda n: f"{n:,}".replace(",", ".")),              # amounts
    st.integers(1000, 10**10).map(lambda n: f"{n:,}"),
    st.builds(lambda a, b: f"{a},{b}%", st.integers(0, 100), st.integers(0, 99)),     # percents
    st.builds(lambda n, y, c: f"{n}/{y}/{c}", st.integers(1, 999), _YEAR,             # codes
              st.sampled_from(["NĐ-CP", "ND-CP", "QĐ-UBND", "QD-UBND", "TT-BTC", "KH-MTTQ-BTT"])),
    st.builds(lambda n, c: f"{n}-{c}", st.integers(1, 999), st.sampled_from(["QĐ/TW", "QD/TW", "CT/TU"])),
)
# In an OCR document a small bare number in prose may be a word ("6" for ở): there the
# numbers stand where a number is expected — after a numbering word, before a unit, or
# as a list number opening the line.
NUMBERED = st.builds(lambda w, n: f"{w} {n}", st.sampled_from(["Dieu", "khoan", "ngay", "so", "s6", "Phu luc"]),
                     st.integers(1, 999))
UNITS = st.builds(lambda n, u: f"{n} {u}", st.integers(1, 999), st.sampled_from(["nguoi", "ngay", "km", "ha", "dong", "%"]))


def _sentences():
    with open(os.path.join(DATA, "sample_ocr.txt"), encoding="utf-8") as fh:
        return [ln for ln in fh.read().split("\n") if len(ln.split()) >= 6]


OCR_LINES = _sentences()
TYPED = ["Ủy ban nhân dân tỉnh đã ban hành kế hoạch thực hiện trong năm",
         "người lao động được hưởng chế độ theo quy định của pháp luật hiện hành",
         "tổ chức hội nghị tuyên truyền phổ biến chính sách cho nhân dân"]


def _insert(line, piece, where):
    """`line` with `piece` inserted before its word number `where` (modulo its length)."""
    words = line.split(" ")
    k = where % (len(words) + 1)
    return " ".join(words[:k] + [piece] + words[k:])


def _piece_kept(restorer, line, piece, where, **kw):
    """The inserted piece's numbers come out as written.  (Only the piece's: in an OCR
    line a bare number of its own may stand for a word.)"""
    text = _insert(line, piece, where)
    out = restorer.restore(text, **kw)
    k = len(" ".join(line.split(" ")[: where % (len(line.split(" ")) + 1)]).split())
    n = len(piece.split())
    assert changed_numbers(" ".join(text.split()[k:k + n]), " ".join(out.split()[k:k + n])) == [], (text, out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NUMBERS, st.sampled_from(TYPED), st.integers(0, 30))
def test_property_numbers_never_change_in_typed_text(stat, number, line, where):
    for text in (line, strip_diacritics(line)):
        _piece_kept(stat, text, number, where)
        assert changed_numbers(_insert(text, number, where), stat.restore(_insert(text, number, where))) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(NUMBERS.filter(lambda s: not s.isdigit() or len(s) > 3), NUMBERED, UNITS),
       st.sampled_from(OCR_LINES), st.integers(0, 30))
def test_property_numbers_never_change_in_ocr(stat, piece, line, where):
    _piece_kept(stat, line, piece, where, ocr_document=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 99), st.sampled_from(OCR_LINES))
def test_property_list_numbers_never_change_in_ocr(stat, n, line):
    text = f"{n}. {line}"
    out = stat.restore(text, ocr_document=True)
    assert out.split(" ")[0] == f"{n}."


def test_measurement_helpers():
    assert is_number_chunk("15/2014/NĐ-CP") and is_number_chunk("II.") and not is_number_chunk("Điều")
    # a code's Đ restored is no change of the number; a digit read as a letter is
    assert changed_numbers("so 15/2014/ND-CP va 6 nha", "số 15/2014/NĐ-CP và 6 nhà") == []
    assert changed_numbers("so 15 va 6 nha", "số 15 và ở nhà") == [("6", "ở")]
    # a split word elsewhere changes the chunk count, not the numbers' pairing
    assert changed_numbers("theoMẫu 3.19 và 6 nha", "theo Mẫu 3.19 và 6 nhà") == []
    assert changed_numbers("theoMẫu 3.19 và 6 nha", "theo Mẫu 3.19 và ở nhà") == [("6", "ở")]
    assert set(line_kinds("Điều 5. Theo Quyết định 760/QĐ-UBND ngày 03/02/2014")) >= {"article", "code", "date"}
    text, ours = interleave(["a 1", "b 2", "c 3"], ["x", "", "y"])
    assert text.split("\n") == ["a 1", "x", "b 2", "y", "c 3", "x"] and ours == [0, 2, 4]
