"""Token fixes outside the lattice (vidiacritic/fixes.py) and the tokenization they need."""
import pytest

from vidiacritic import Restorer
from vidiacritic.fixes import AcronymTable, currency_unit
from vidiacritic.resources import load_acronyms
from vidiacritic.tokens import NUMBER, PROTECTED, WORD, tokenize


def _fix_at(text, word):
    toks = tokenize(text)
    i = next(k for k, t in enumerate(toks) if t.text == word and t.kind == WORD)
    return currency_unit(toks, i)


@pytest.mark.parametrize("text,expected", [
    ("chi 27.600.000d;", "đ"),
    ("chi 1,250,000d", "đ"),
    ("TONG 27.600.000D", "Đ"),
    ("chi 5.000 d", "đ"),
    ("chi 27.600.000đ", "đ"),
])
def test_currency_unit_after_amounts(text, expected):
    letter = text.rstrip(";")[-1]
    assert _fix_at(text, letter) == expected


@pytest.mark.parametrize("text", ["khoan 5 d", "so 2023 d", "5.000  d", "1.2.3 d"])
def test_currency_unit_needs_an_amount_right_before(text):
    assert _fix_at(text, "d") is None


def test_amount_with_unit_is_a_number_and_a_word():
    toks = [t for t in tokenize("27.600.000d") if t.text]
    assert [(t.text, t.kind) for t in toks] == [("27.600.000", NUMBER), ("d", WORD)]
    # codes and plain numbers are not split
    assert [t.kind for t in tokenize("132/KH-MTTQ-BTT")] == [PROTECTED]
    assert [t.kind for t in tokenize("1.250.000")] == [NUMBER]


def test_list_markers_are_protected():
    assert [(t.text, t.kind) for t in tokenize("d)")][0] == ("d", PROTECTED)


def test_acronym_table_only_for_all_caps(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_text("written\tacronym\tcount\tcount_written\nHDND\tHĐND\t806\t4\n", encoding="utf-8")
    t = AcronymTable.load(p)
    assert t.restore("HDND") == "HĐND"
    assert t.restore("Hdnd") is None and t.restore("UBND") is None


def test_acronym_table_rejects_a_malformed_row(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_text("HDND\tUBND\t1\t0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a.tsv:1"):
        AcronymTable.load(p)


def test_shipped_acronym_table_maps_only_non_syllables():
    table = load_acronyms()
    assert table is not None and len(table) > 50
    assert table.restore("HDND") == "HĐND"
    for written, acronym in table.table.items():
        assert acronym.replace("Đ", "D") == written and "Đ" in acronym


@pytest.mark.parametrize("engine", ["statistical", "rules"])
def test_fixes_in_the_restorer(engine):
    r = Restorer(engine=engine)
    out = r.restore("HDND tinh chi 27.600.000d; muc d) giu nguyen")
    assert out.startswith("HĐND ") and "27.600.000đ;" in out and " d) " in out
    words = {w.original: w for w in r.explain("HDND chi 1.000d").words}
    assert words["HDND"].chosen == "HĐND" and words["HDND"].source == "rule"
    assert words["d"].chosen == "đ"


def test_lone_debris_is_a_word_only_in_ocr_documents():
    r = Restorer(engine="statistical")
    typed = "Nghiên cứu R&D & đổi mới, giá 5 ¥ một cái"
    assert r.restore(typed) == typed
    ocr = "Ban Thuong truc MTTQ & khu dan cu, cong tac d& trién khai tai dia phuong"
    assert " ở khu dân cư" in r.restore(ocr)


@pytest.mark.parametrize("text,expected", [
    ("Il. KET QUA", "II."), ("Ill: Nhiem vu", "III:"), ("x\nIlI) Muc", "III)"),
])
def test_misread_roman_numerals_at_line_start(text, expected):
    from vidiacritic.fixes import roman_numeral
    toks = tokenize(text)
    i = next(k for k, t in enumerate(toks) if t.text.startswith("I") and "l" in t.text)
    assert roman_numeral(toks, i) + toks[i + 1].text == expected


@pytest.mark.parametrize("text", ["Mr Ill. Il est", "Il est", "Ill"])
def test_roman_fix_needs_line_start_and_a_mark(text):
    from vidiacritic.fixes import roman_numeral
    toks = tokenize(text)
    assert all(roman_numeral(toks, k) is None for k in range(len(toks)))
