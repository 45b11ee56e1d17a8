"""Token fixes outside the lattice (vidiacritic/fixes.py) and the tokenization they need."""
import pytest
from hypothesis import example, given, settings, strategies as st

from vidiacritic import Restorer, fixes
from vidiacritic.fixes import AcronymTable, CodePartTable, currency_unit, defined_acronyms, written_acronyms
from vidiacritic.resources import load_acronyms, load_code_parts
from vidiacritic.tokens import NUMBER, PROTECTED, WORD, tokenize

from casedata import load_json


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


def test_word_frequency_errors_name_the_line(tmp_path):
    p = tmp_path / "english_words.tsv"
    p.write_text("# word<TAB>frequency\nthe\t0.05\n\nwith\tmany\n", encoding="utf-8")
    with pytest.raises(ValueError, match="english_words.tsv:4:"):
        fixes.load_word_frequencies(p)
    p.write_text("# word<TAB>frequency\nthe\t0.05\n\nwith\t0.01\n", encoding="utf-8")
    assert fixes.load_word_frequencies(p) == {"the": 0.05, "with": 0.01}


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
    assert words["HDND"].chosen == "HĐND" and words["HDND"].source == "fix:acronym"
    assert words["d"].chosen == "đ"


def test_lone_debris_is_a_word_only_in_ocr_documents():
    r = Restorer(engine="statistical")
    typed = "Nghiên cứu R&D & đổi mới, giá 5 ¥ một cái"
    assert r.restore(typed) == typed
    ocr = "Ban Thuong truc MTTQ & khu dan cu, cong tac d& trién khai tai dia phuong"
    assert " ở khu dân cư" in r.restore(ocr)


def test_words_joined_by_slashes_are_restored():
    r = Restorer(engine="statistical")
    out = r.restore("Muc luong 5 trieu dong/thang cho nganh/nghe nay, ca nhan va/hoac to chuc.")
    assert "đồng/tháng" in out and "ngành/nghề" in out and "và/hoặc" in out
    out = r.restore("Dinh muc 0,2 lit xang/km; gia 50 trieu dong/ha dat trong lua.")
    assert "xăng/km;" in out and "đồng/ha" in out


def test_lone_at_sign_is_o_horn_in_ocr_documents_only():
    # Tesseract-eng writes a lone ở as "@" (195 of 216 lone "@" in legal training pairs)
    r = Restorer(engine="statistical")
    ocr = "cau thu ra san @ hang tién vé 3 ngudi, bj phat hién @ vung dam lay."
    assert r.restore(ocr).count(" ở ") == 2
    typed = "Gặp nhau @ quán cà phê, email hoa@example.com"
    assert r.restore(typed) == typed


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


# ---------------------------------------------------------------- issue 9: Đ in codes, defined acronyms, foreign words
CASES = load_json("fixes.json")


@pytest.mark.parametrize("code,expected", CASES["codes"])
def test_code_parts_from_the_shipped_table(code, expected):
    table = load_code_parts()
    assert table is not None
    assert table.restore(code) == expected


def test_code_part_table_changes_only_listed_parts(tmp_path):
    p = tmp_path / "c.tsv"
    p.write_text("written\tpart\tcount\tcount_written\nQD\tQĐ\t4432\t6\n", encoding="utf-8")
    t = CodePartTable.load(p)
    assert t.restore("760/QD-UBND") == "760/QĐ-UBND"
    assert t.restore("03/CV-BCD") is None  # BCD is not in this table
    assert t.restore("5/QD/QD-D") == "5/QĐ/QĐ-D"


@pytest.mark.parametrize("row", ["QD\tQD\t1\t0", "QD\tNĐ\t1\t0", "QD\tQĐ\t1"])
def test_code_part_table_rejects_a_malformed_row(tmp_path, row):
    p = tmp_path / "c.tsv"
    p.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="c.tsv:1"):
        CodePartTable.load(p)


def test_shipped_code_part_table_keeps_parts_written_with_d():
    table = load_code_parts()
    assert len(table) > 20
    for written, part in table.table.items():
        assert "Đ" in part and part.replace("Đ", "D").replace("đ", "d") == written
    for kept in ("HD", "DA", "DT", "CP", "TTg", "UBND", "TW"):  # Hướng dẫn, Dự án: D on purpose
        assert kept not in table.table


def test_code_part_builder_counts_only_code_shaped_tokens():
    from scripts.build_code_parts import count_code_parts, select
    lines = ["Theo Nghị định số 15/2014/NĐ-CP, (16/2015/NĐ-CP) và 7/QĐ-UBND.",
             "Hướng dẫn 24/HD-UBND; ngày 12/5/2023; 3/HĐ-UBND; NĐ-CP; ND 15/2014/ND-CP"]
    parts, codes = count_code_parts(lines)
    assert codes == 6
    assert parts == {"NĐ": 2, "ND": 1, "CP": 3, "QĐ": 1, "UBND": 3, "HD": 1, "HĐ": 1}
    rows, dropped = select(parts, min_count=1, max_d_share=0.4, min_dominance=0.9)
    # HD is written as often as HĐ: a part of its own, kept
    assert [r[:2] for r in rows] == [("ND", "NĐ"), ("QD", "QĐ")] and dropped["d_used"] == 1


@pytest.mark.parametrize("code,in_ocr,typed", CASES["ocr_codes"])
def test_code_parts_ocr_misread(code, in_ocr, typed):
    """data/code_parts_ocr.tsv: in OCR output a part whose Đ Tesseract-eng read as B, P
    or O (08/2020/NB-CP) gets its Đ back; typed text keeps it; parts the corpus writes
    as they are (QP, BQP) and the misreads of rare parts (HB) stay in both."""
    table = load_code_parts()
    assert table.restore(code, ocr=True) == in_ocr
    assert table.restore(code) == typed


def test_shipped_misread_code_parts_are_misreads_of_listed_parts():
    table = load_code_parts()
    assert len(table.ocr) > 10
    parts = set(table.table.values())
    for written, part in table.ocr.items():
        assert part in parts and written not in table.table
        assert len(written) == len(part) and any(p == "Đ" and w in "BPO" for w, p in zip(written, part))
    for kept in ("QP", "BQP", "CP", "TTg", "UBND", "HD", "DA", "PK", "CO"):  # PK: phòng khám
        assert kept not in table.ocr


def test_ocr_restore_mends_a_misread_code_in_ocr_output_only():
    r = Restorer(engine="statistical")
    text = "Can cu Nghi dinh so 08/2020/NB-CP cua Chinh phu"
    assert "08/2020/NĐ-CP" in r.restore(text, ocr_document=True)
    typed = "Căn cứ Nghị định số 08/2020/NB-CP của Chính phủ"
    assert r.restore(typed) == typed


def test_code_part_builder_misread_spellings():
    from collections import Counter
    from scripts.build_code_parts import ocr_spellings, select_ocr
    assert ocr_spellings("NĐ", "BP") == ["NB", "NP"]
    assert ocr_spellings("HĐĐT", "B") == ["HBDT", "HDBT"]
    parts = Counter({"NĐ": 1000, "QĐ": 400, "QP": 17, "HĐĐT": 60, "HĐBT": 40, "ĐU": 3})
    rows = [("ND", "NĐ", 1000, 0), ("QD", "QĐ", 400, 0), ("HDDT", "HĐĐT", 60, 0), ("HDBT", "HĐBT", 40, 0),
            ("DU", "ĐU", 3, 0)]
    out, dropped = select_ocr(parts, rows, "BP", min_count=30, max_share=0.001, min_dominance=0.9)
    got = {w: p for w, p, _, _ in out}
    assert got["NB"] == "NĐ" and got["QB"] == "QĐ" and got["HBDT"] == "HĐĐT"
    assert "QP" not in got  # a part of its own
    assert "HDBT" not in got  # HĐBT's D-spelling, not a misread HĐĐT
    assert "BU" not in got  # ĐU: too rare to guess its misreads
    assert dropped["d_used"] == 2


@pytest.mark.parametrize("find,text,expected",
                         [(defined_acronyms, *case) for case in CASES["defined_acronyms"]]
                         + [(written_acronyms, *case) for case in CASES["written_acronyms"]])
def test_acronyms_the_document_spells_out(find, text, expected):
    """defined_acronyms (a phrase, then its initials in parentheses) and written_acronyms
    (the phrase written out elsewhere in the document) on the cases' restored text."""
    toks = tokenize(text)
    out = find(toks, [t.text for t in toks])
    assert [out[i] for i in sorted(out)] == expected
    for i in out:
        assert toks[i].text == out[i].replace("Đ", "D")


def test_written_acronyms_reach_the_restored_text(stat):
    text = "Ban Chi dao phong chong thien tai hop. Bao cao cua BCDPCTT gui ve so."
    assert "BCĐPCTT" in stat.restore(text)


@pytest.mark.parametrize("src,expected,default", CASES["restore"])
def test_issue9_restore_cases(stat, src, expected, default):
    assert stat.restore(src) == expected
    if default:
        model = Restorer(engine="auto")
        assert model.restore(src) == expected


@pytest.mark.parametrize("written,expected", CASES["acronyms"])
def test_shipped_acronym_table_cases(written, expected):
    """The corpus's own Đ-acronyms (VĐV, SVĐ, ĐT) are in the table; acronyms the
    dictionaries spell with D and the corpus writes so too (ND, QD, TD), and D-spellings
    that read as syllables once marked (DIEU), are not."""
    assert load_acronyms().restore(written) == expected


@pytest.mark.parametrize("written,expected", CASES["acronym_build"]["syllable"])
def test_build_acronyms_syllable_with_marks(written, expected):
    from scripts.build_acronyms import syllable_with_marks
    assert syllable_with_marks(written) is expected


@pytest.mark.parametrize("written,expansions,expected", CASES["acronym_build"]["spelled_with_d"])
def test_build_acronyms_spelled_with_d(written, expansions, expected):
    from scripts.build_acronyms import spelled_with_d
    assert spelled_with_d(written, set(expansions)) is expected


def test_code_and_acronym_fixes_are_reported_as_fixes(stat):
    words = {w.original: w for w in stat.explain("Nghi dinh 15/2014/ND-CP; tu danh gia (TDG), TDG").words}
    assert words["15/2014/ND-CP"].chosen == "15/2014/NĐ-CP" and words["15/2014/ND-CP"].source == "fix:code"
    assert words["TDG"].chosen == "TĐG" and words["TDG"].source == "fix:acronym"
    starts = [w.start for w in stat.explain("15/2014/ND-CP va tu danh gia (TDG) TDG").words]
    assert starts == sorted(starts)


def test_foreign_words_need_two_english_words_without_a_vietnamese_reading(stat):
    def kept(text):
        toks = tokenize(text)
        return [toks[i].text for i in sorted(fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency))]
    assert kept("the update was released on 2023-11-15 at 09:30 UTC") == \
        ["the", "update", "was", "released", "on", "at"]
    assert kept("gui file cho ban") == []  # one borrowed word
    assert kept("Donald Trump va Mike Pence") == []  # names are no evidence
    assert kept("hormone va stress") == []  # va (và) is no English word here
    assert kept("Zalo OA") == ["OA"] and kept("Zalo OAS") == [] and kept("Huyen UY") == []
    assert kept("mau Model S cho phep") == ["S"] and kept("khu vuc Nam A") == []


def test_a_word_without_a_vowel_is_no_english_word_in_ocr_output(stat):
    """Tesseract's English model writes hồ sơ as "hd sd" and các as "cc": abbreviations
    of the English list, but in OCR output damaged Vietnamese words, which neither make
    a run English nor stay as written.  Typed text keeps its English abbreviations."""
    def kept(text, ocr):
        toks = tokenize(text)
        reading = stat._best_ocr_reading if ocr else None
        return [toks[i].text for i in sorted(fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency, reading))]
    assert kept("ve cc 18 chic nhan dan", ocr=True) == []
    assert kept("nhan du hd sd theo quy dinh", ocr=True) == []
    assert kept("ve cc 18 chic nhan dan", ocr=False) == ["cc", "chic"]
    # an English phrase in OCR output is still kept
    assert kept("the update was released on 2023-11-15 at 09:30 UTC", ocr=True) == \
        ["the", "update", "was", "released", "on", "at"]
    out = stat.restore("Co quan tiép nhan du hd sd theo quy dinh cia phap ludt.")
    assert "hd sd" not in out and "quy định" in out


def test_in_ocr_output_english_evidence_is_a_word_no_syllable_reads_as(stat):
    """Tesseract's English model damages Vietnamese words into short English ones
    ("due clip" for được cấp, "mic six" for mức sử): in OCR output such a word is no
    evidence of English, while words no syllable reads as (transaction, internal)
    still are, and keep the short ones of their run."""
    def kept(text, ocr):
        toks = tokenize(text)
        reading = stat._best_ocr_reading if ocr else None
        return [toks[i].text for i in sorted(fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency, reading))]
    assert stat._best_ocr_reading("due") > fixes.OCR_EVIDENCE_LOGP > stat._best_ocr_reading("transaction")
    assert kept("Dinh mic six dung thiet bi", ocr=True) == []
    assert kept("quy dinh ve nude thee ngoai", ocr=True) == []
    assert kept("Dinh mic six dung thiet bi", ocr=False) == ["mic", "six"]  # typed text: English
    assert kept("phi cua the transaction and internal rights nay", ocr=True) == \
        ["the", "transaction", "and", "internal", "rights"]


def test_units_after_a_number_are_kept_in_ocr_output(stat):
    ocr = "Chiéc xe c6 dung tich 154.8 cc, tiéu thu 3 ml xang, toc do 10 mb moi giay."
    out = stat.restore(ocr)
    assert "154.8 cc," in out and "3 ml xăng" in out and "10 mb mỗi" in out
    toks = tokenize("dung tich cc va 3 ml")
    kept = [toks[i].text for i in fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency)]
    assert kept == ["ml"]  # after a number only


def test_acronyms_among_lowercase_words_are_kept(stat):
    def kept(text):
        toks = tokenize(text)
        return [toks[i].text for i in sorted(fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency))]
    assert kept("bo phan IT cua cong ty") == ["IT"]  # English, not ít
    assert kept("Giam doc CDC tinh") == ["CDC"]  # no Vietnamese reading
    assert kept("tuyet doi KHONG duoc lam") == []  # Vietnamese in capitals for emphasis
    assert kept("CONG HOA XA HOI") == [] and kept("van ban cua BO TAI CHINH ve") == []
    assert kept("Ket qua: IT. Sau do") == []  # no lowercase word beside it in its clause
    out = stat.restore("Nhan vien bo phan IT cua cong ty va Giam doc CDC tinh; HDND tinh")
    assert " IT của" in out and " CDC tỉnh" in out and "HĐND tỉnh" in out
    # OCR output: a two-letter one is mostly a damaged capitalised word (Bộ read as BO)
    ocr = tokenize("thi hanh BO luat nay, Giam déc CDC tinh")
    kept_ocr = [ocr[i].text for i in fixes.foreign_words(ocr, stat.english, stat._vietnamese_frequency, stat._best_ocr_reading)]
    assert kept_ocr == ["CDC"]


def test_a_consonant_abbreviation_before_a_year_is_kept(stat):
    """Wikipedia's "(s. 1909)" sinh and "(m. 1980)" mất: one consonant and a full stop
    before a number is an abbreviation, not a damaged word (the decoder read sở, mỹ)."""
    def kept(text):
        toks = tokenize(text)
        return [toks[i].text for i in fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency,
                                                          stat._best_ocr_reading)]
    assert kept("dien vién ngudi My (s. 1909) va Phap (m.\n1980)") == ["s", "m"]
    assert kept("so s. Ha Noi") == [] and kept("la ¢ 6 nam") == [] and kept("diém d. 5") == []
    assert kept("(m.\n\n1980)") == []  # a paragraph between: no longer one phrase
    out = stat.restore("dién vién ngudi My (s. 1909), nha van Phap (m.\n1980)")
    assert "(s. 1909)" in out and "(m.\n1980)" in out


_PART = st.sampled_from(["QD", "ND", "CP", "HD", "HDND", "UBND", "TTg", "BCD", "DU", "TW", "DA", "QĐ", "D", "Dd"])


@given(num=st.from_regex(r"\d{1,4}(/\d{4})?", fullmatch=True), parts=st.lists(_PART, min_size=1, max_size=4),
       seps=st.lists(st.sampled_from("-/"), min_size=3, max_size=3))
@settings(max_examples=200, deadline=None)
def test_a_code_changes_only_in_listed_parts(num, parts, seps):
    """Property: digits, the year, separators and unlisted parts (HD, TTg, CP) never change."""
    table = load_code_parts()
    code = num + "/" + parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))
    out = table.restore(code)
    if out is None:
        return
    assert len(out) == len(code) and out.startswith(num + "/")
    for a, b in zip(code, out):
        assert a == b or (a == "D" and b == "Đ")
    def parts_of(c):
        return c[len(num) + 1:].replace("/", "-").split("-")
    # each part is its table entry or itself: nothing else in a code changes
    assert parts_of(out) == [table.table.get(p, p) for p in parts_of(code)]


@given(before=st.lists(st.integers(1, 99), min_size=2, max_size=3), part=_PART,
       after=st.lists(st.integers(1, 99), min_size=1, max_size=2))
@settings(max_examples=200, deadline=None)
def test_an_article_code_changes_only_in_its_listed_part(before, part, after):
    """Property: in a dotted article code (30.2.ND.1.41) the numbers and dots never
    change, and the letter part only by the table."""
    table = load_code_parts()
    head, tail = ".".join(map(str, before)) + ".", "." + ".".join(map(str, after))
    out = table.restore(head + part + tail)
    if out is None:
        assert table.table.get(part) is None
        return
    assert out == head + table.table[part] + tail


def _separators_fixed(text):
    """{code token as written: as mended} by fixes.article_code_separators."""
    toks = tokenize(text)
    texts = [t.text for t in toks]
    return {toks[i].text: fixes.article_code_separators(toks, texts, i)
            for i, t in enumerate(toks) if t.kind == PROTECTED}


@pytest.mark.parametrize("text,expected", [
    ("Điều 20.1,TT.34.1. Ban hành", {"20.1,TT.34.1": "20.1.TT.34.1"}),  # comma for a dot
    ("Điều 22.1TT3.5, Bản sao", {"22.1TT3.5": "22.1.TT.3.5"}),  # dots lost around the part
    ("ĐIỀU 35.8,NQ.5:9. XỬ LÝ", {"35.8,NQ.5:9": "35.8.NQ.5.9"}),  # colon too; capitals
    ("Điều 20.3.L.Q.50. Trách nhiệm", {"20.3.L.Q.50": "20.3.LQ.50"}),  # a dot inside LQ
    ("Điều 30.2.NĐ.1.41. Quy định", {"30.2.NĐ.1.41": None}),  # written right
    ("Điều 24.2.T1.8.8. Cải tạo", {"24.2.T1.8.8": "24.2.TT.8.8"}),  # a 1 for T: article_code_type
    ("Điều 39.13,NB.106.57. Thẩm", {"39.13,NB.106.57": "39.13.NĐ.106.57"}),  # and a B for Đ
    ("khoản 20.1,TT.34.1 và", {"20.1,TT.34.1": None}),  # only the code an article names
    ("Điều 5,6 và 7", {}),  # no letter part: numbers
    ("Điều 15/2014/NĐ-CP", {"15/2014/NĐ-CP": None}),  # a document code
    ("Điều 13.2/TT.64.11. Mẫu", {"13.2/TT.64.11": "13.2.TT.64.11"}),  # a slash for a dot (Tesseract-vie)
    ("Điều 19/5.LQ.1, Hồ sơ", {"19/5.LQ.1": "19.5.LQ.1"}),
    ("Điều 39.14.TT.1\u20448. Hồ sơ", {"39.14.TT.1\u20448": "39.14.TT.1.8"}),  # a fraction slash
    ("Điều 5/2013/QH13 quy định", {"5/2013/QH13": None}),  # a year: a document code, no article code
    ("Điều 45.10,TT-1.49. Chi", {"45.10,TT-1.49": "45.10.TT.1.49"}),  # a hyphen for a dot
    ("Điều 19.5.TL..11.17. Hồ", {"19.5.TL..11.17": "19.5.TL.11.17"}),  # a dot twice
    ("Điều 30.2.NĐ.I.78. Quy", {"30.2.NĐ.I.78": "30.2.NĐ.1.78"}),  # I for 1 (Tesseract-vie)
    ("Điều 34.9.TT.I1.16. Quy", {"34.9.TT.I1.16": "34.9.TT.11.16"}),
    ("Điều 35.4.TL..!.3. Quy", {"35.4.TL..!.3": "35.4.TL.1.3"}),  # ! for 1
    ("Điều 34.3.TT.S7.4. Quy", {"34.3.TT.S7.4": None}),  # S for 5: no part TTS, kept
    ("Điều 33.4.TI..116. Quy", {"33.4.TI..116": None}),  # an I among the capitals: no part, kept
])
def test_article_code_separators(text, expected):
    assert _separators_fixed(text) == expected


@pytest.mark.parametrize("code,expected", [
    ("31\u2044NQ-CP", "31/NQ-CP"),                      # a fraction slash (Tesseract-vie)
    ("105:2017.NĐ-CP", "105/2017/NĐ-CP"),               # a colon and a stop for slashes
    ("87:2021/ND-CP", "87/2021/ND-CP"),                 # (its Đ is the code-part table's)
    ("06/2013/TT-.NHNN", "06/2013/TT-NHNN"),            # a stray stop beside a hyphen
    ("08/2020/TT-BL.ĐTBXH", "08/2020/TT-BLĐTBXH"),      # a stop inside a listed part
    ("12/2014/TT-B.KHCN", None),                        # B.KHCN: no listed part, kept
    ("15/2014/NĐ-CP", None),                            # written right
    ("12.5.2020", None),                                # a date
    ("3:2020", None),                                   # no part: no code
])
def test_document_code_separators(code, expected):
    assert fixes.document_code_separators(code, {"BLĐTBXH", "NĐ"}) == expected


def test_document_code_separators_in_ocr_output_only(stat):
    src = "Căn cứ Nghị định số 87:2021/ND-CP của Chính phủ"
    assert "87/2021/NĐ-CP" in stat.restore(src, ocr_document=True)
    assert stat.restore(src, ocr_document=False) == src  # typed text's codes are as typed


@pytest.mark.parametrize("code,expected", [
    ("27.1.1T.77.2", "27.1.TT.77.2"),      # 1 for T
    ("13.1.17.72.1", "13.1.TT.72.1"),      # digits only: 17 for TT (two numbers follow)
    ("39.13.71.47.2", "39.13.TT.47.2"),    # TT, not TL: 10 times as frequent
    ("39.13.N).84.3", "39.13.NĐ.84.3"),    # ) for Đ
    ("41.5.NÐ.1.35", "41.5.NĐ.1.35"),      # the Icelandic eth
    ("35,10.1.Q,53", "35.10.LQ.53"),       # LQ: one number follows
    ("18.5,.ND.4.12", "18.5.NĐ.4.12"),     # two separators
    ("30.2.NĐ.1.41", None),                # written right
    ("13.1.17.72", None),                  # one number after: no type reads as 17 there
    ("13.1.11.7.2", "13.1.TT.7.2"),        # 11: TT (55,218) rather than TL (5,605)
    ("13.1.55.7.2", None),                 # no glyph of a type part
    ("37.5.L0.54", "37.5.LQ.54"),          # 0 for Q
    ("28.2.10.54", "28.2.LQ.54"),          # 10 for LQ (one number follows)
    ("23.6.LỌ.3", "23.6.LQ.3"),            # Tesseract-vie's dot below
    ("13.1.10.7.2", None),                 # two numbers follow: no such type reads as 10
    ("17.1.9D.9.19", "17.1.QĐ.9.19"),      # 9 for Q
    ("13.1.19.7.2", None),                 # no type reads as 19
    ("1.2.3", None),
])
def test_article_code_type(code, expected):
    assert fixes.article_code_type(code) == expected


def test_an_article_code_type_needs_dieu_and_ocr_output(stat):
    """The numbers of 13.1.17.72.1 change only where "Điều" names the code, in OCR output."""
    assert stat.restore("Dieu 13.1.17.72.1. Pham vi", ocr_document=True) == "Điều 13.1.TT.72.1. Phạm vi"
    assert stat.restore("Điều 13.1.17.72.1. Phạm vi", ocr_document=False) == "Điều 13.1.17.72.1. Phạm vi"
    assert stat.restore("khoan 13.1.17.72.1 va", ocr_document=True).split()[1] == "13.1.17.72.1"


@given(nums=st.lists(st.integers(0, 999), min_size=3, max_size=6),
       seps=st.lists(st.sampled_from([".", ",", ":", ";"]), min_size=5, max_size=5))
@settings(max_examples=300, deadline=None)
@example(nums=[0, 0, 1, 1, 0, 0], seps=["."] * 5)  # two numbers 1.1 where the type stands: no code
def test_article_code_type_keeps_numbers(nums, seps):
    """Property: a dotted number is read as a code only with a part of 1s, 7s, 0s and 9s
    (a 0 or 9 for a Q) where the type stands, and its other numbers are kept in order."""
    text = "".join(str(n) + seps[k] for k, n in enumerate(nums[:-1])) + str(nums[-1])
    out = fixes.article_code_type(text)
    if out is None:
        return
    parts = out.split(".")
    assert set(str(nums[2])) <= {"1", "7", "0", "9"} and len(str(nums[2])) == 2
    assert parts[:2] + parts[3:] == [str(n) for n in nums[:2] + nums[3:]]


def test_article_code_separators_only_in_ocr_output(stat):
    src = "Điều 33,4.ND.2.24. Quy định chung"
    assert stat.restore(src, ocr_document=True) == "Điều 33.4.NĐ.2.24. Quy định chung"  # then its Đ
    assert stat.restore(src, ocr_document=False) == src
    words = {w.original: w for w in stat.explain(src, ocr_document=True).words}
    assert words["33,4.ND.2.24"].source == "fix:code"


@given(before=st.lists(st.integers(1, 99), min_size=2, max_size=2), part=st.sampled_from(["TT", "NĐ", "LQ", "QĐ"]),
       after=st.lists(st.integers(1, 999), min_size=1, max_size=2),
       seps=st.lists(st.sampled_from([".", ",", ":", ";", "/", "\u2044", "-", ""]), min_size=4, max_size=4))
@settings(max_examples=200, deadline=None)
def test_article_code_separators_change_only_separators(before, part, after, seps):
    """Property: whatever separators OCR wrote, the numbers and the letter part are kept
    in order, and a mended code is a dotted article code."""
    from vidiacritic.tokens import article_code_parts
    nums = [str(n) for n in before + after]
    code = nums[0] + (seps[0] or ".") + nums[1] + seps[1] + part + seps[2] + nums[2] + \
        "".join((seps[3] or ".") + n for n in nums[3:])
    toks = tokenize("Điều " + code + " Quy định")
    i = next((k for k, t in enumerate(toks) if t.kind == PROTECTED), None)
    if i is None or toks[i].text != code:
        return  # the tokenizer cut it (1,1,TT: numbers and a word): not one code token
    out = fixes.article_code_separators(toks, [t.text for t in toks], i)
    if out is None:
        assert article_code_parts(code) is not None
        return
    assert article_code_parts(out) is not None
    assert out.replace(".", "") == code.translate(str.maketrans("", "", ".,:;/\u2044-"))


@pytest.mark.parametrize("text,expected", [
    ("9.984.670 km? của Canada", "²"),   # a lowercase word goes on
    ("xấp xỉ 8.885.000 km?) diện tích", "²"),
    ("diện tích 25 m?, trong đó", "²"),
    ("rộng 120 km?.", "²"),
    ("rộng 120 km?", "²"),               # the text ends
    ("bao xa, 20 km? Chúng tôi", None),   # a capital: the sentence ended, a question
    ("mức tối thiểu là 760 m?”, ông hỏi", None),  # a quote closes the question
    ("dài 20 km?\nvì", None),             # the line ends
    ("đi bao nhiêu km? của", None),       # no number before the unit
    ("khoảng 20 kg? của", None),          # no area unit
])
def test_area_unit_after_a_number(text, expected):
    toks = tokenize(text)
    i = [k for k, t in enumerate(toks) if t.text == "?"][0]
    assert fixes.area_unit(toks, i) == expected


@pytest.mark.parametrize("engine", ["statistical", "auto"])
def test_area_units_in_ocr_output(engine):
    """Tesseract's English model reads km² as "km?": in OCR output it is km² again
    (reported as fix:unit); a question mark after a unit stays, and typed text keeps
    what it wrote."""
    r = Restorer(engine=engine)
    out = r.restore("Canada co dién tich 9.984.670 km? cia toan bé lanh thé", ocr_document=True)
    assert out.startswith("Canada có diện tích 9.984.670 km² của")
    # (a question after a unit: its words around it are the decoder's, the "?" stays)
    assert ", 20 km? Chúng tôi" in r.restore("Con bao xa, 20 km? Chung toi chua biét", ocr_document=True)
    assert "km?" in r.restore("có diện tích 9.984.670 km? của toàn bộ lãnh thổ")
    words = r.explain("dién tich 9.984.670 km? cia Canada", ocr_document=True).words
    assert [(w.original, w.chosen, w.source) for w in words if w.source == "fix:unit"] == [("?", "²", "fix:unit")]


# ---------------------------------------------------------------- issue 9 item 6: acronyms and foreign words kept as written
KEPT = CASES["kept_words"]


@pytest.mark.parametrize("text,word,typed,ocr", KEPT["keeps"])
def test_shipped_kept_words(text, word, typed, ocr):
    """What the corpus writes without marks stays so: an all-caps token alone in capitals
    (CA, AP), a word that is no syllable unmarked (Top, Cup), one joined by a dot (Co.op;
    a web address, Vnexpress.net, is one token: vidiacritic.tokens);
    in OCR output only caps of fixes.OCR_ACRONYM_MIN letters or more."""
    from vidiacritic.resources import load_kept_words
    toks = tokenize(text)
    i = next(k for k, t in enumerate(toks) if t.text == word and t.kind == WORD)
    assert load_kept_words().keeps(toks, i) is typed
    assert load_kept_words().keeps(toks, i, ocr=True) is ocr


@pytest.mark.parametrize("src,expected", KEPT["restore"])
def test_kept_words_restore(stat, src, expected):
    assert stat.restore(src) == expected
    assert Restorer(engine="auto").restore(src) == expected


@pytest.mark.parametrize("row", ["caps\tCa\t5\t0", "word\tTOP\t5\t0", "name\tTop\t5\t0", "caps\tCA\t5"])
def test_kept_words_table_rejects_a_malformed_row(tmp_path, row):
    p = tmp_path / "k.tsv"
    p.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="k.tsv:1"):
        fixes.KeptWords.load(p)


@pytest.mark.parametrize("line,expected", KEPT["count_line"])
def test_kept_words_builder_counts(line, expected):
    from collections import Counter
    from scripts.build_kept_words import count_line, kept
    caps, words, joined = Counter(), Counter(), Counter()
    count_line(line, caps, words, joined)
    assert dict(caps) == expected["caps"] and dict(joined) == expected["joined"]
    assert all(words[w] == n for w, n in expected["words"].items())
    # the share rule: unmarked at least min_share of all spellings, min_count times
    counts = Counter({"Top": 9, "Tốp": 1, "hot": 5, "hốt": 5})
    assert kept(counts, lambda w: True, 5, 0.75) == [("Top", 9, 1)]


# ---------------------------------------------------------------- session 17: Roman numerals Tesseract-vie misread
ROMAN = load_json("roman_numerals.json")


def _roman_fixes(text):
    from vidiacritic.fixes import misread_roman_numerals
    toks = tokenize(text)
    got = misread_roman_numerals(toks, [t.text for t in toks])
    return [[toks[i].text, numeral] for i, numeral in sorted(got.items())]


@pytest.mark.parametrize("text,expected", ROMAN["changed"])
def test_misread_roman_numerals_where_the_document_says_a_numeral_stands(text, expected):
    assert _roman_fixes(text) == expected


@pytest.mark.parametrize("text", ROMAN["unchanged"])
def test_misread_roman_numerals_leave_letters_numbers_and_words(text):
    assert _roman_fixes(text) == []


@pytest.mark.parametrize("src,expected", ROMAN["restore"])
def test_misread_roman_numerals_restored_in_an_ocr_document(stat, src, expected):
    assert stat.restore(src, ocr_document=True) == expected
    assert stat.restore(expected, ocr_document=True) == expected


@pytest.mark.parametrize("text", ROMAN["typed"])
def test_misread_roman_numerals_kept_in_typed_text(stat, text):
    assert stat.restore(text) == text


def test_english_endings_and_title_words_between_foreign_names_are_kept(stat):
    """"America's" keeps its s and "The Conduct of Life" its of, which a Tesseract-eng
    document read as ở (a training-split wiki slice); an apostrophe inside a Vietnamese
    syllable ("ngu'oi") and a small word beside a name with a Vietnamese reading are
    still read as Vietnamese."""
    def kept(text, ocr=True):
        toks = tokenize(text)
        reading = stat._best_ocr_reading if ocr else None
        return [toks[i].text for i in sorted(fixes.foreign_words(toks, stat.english, stat._vietnamese_frequency, reading))]
    assert kept("Tyra Banks, America's Next Top Model; dong thoi") == ["s"]
    assert kept("cua McDonald's tai Ha Noi", ocr=False) == ["s"]
    assert kept("quyen The Conduct of Life (1860) la") == ["of"]
    assert kept("ngan hang Bank of America cho biet", ocr=False) == ["of"]
    assert kept("ngu'oi dan") == [] and kept("Nhu'ng nguoi") == []
    assert kept("Nguyen Van A of Ha Noi") == []  # names with Vietnamese readings
    assert kept("the Conduct of life") == []  # no capital after it
    out = stat.restore("Riéng quyén The Conduct of Life (1860) la tac pham cua Banks, America's Next Top Model")
    assert "The Conduct of Life" in out and "America's" in out
