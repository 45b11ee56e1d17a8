"""List markers OCR misread, repaired from their list (vidiacritic.list_markers): the
cases of tests/cases/list_markers.json, the restorer's hook (OCR output only), and
properties: a list written right never changes, typed text never changes."""
import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic import list_markers
from vidiacritic.tokens import tokenize

from casedata import load_json

CASES = load_json("list_markers.json")


def repaired(text: str) -> str:
    """`text` with list_markers.repair applied to its tokens."""
    toks = tokenize(text)
    texts = [t.text for t in toks]
    for i, new in list_markers.repair(toks, texts).items():
        texts[i] = new
    return "".join(texts)


@pytest.mark.parametrize("src,expected,why", CASES["changed"], ids=[c[2] for c in CASES["changed"]])
def test_misread_marker_is_repaired_by_its_list(src, expected, why):
    assert repaired(src) == expected


@pytest.mark.parametrize("src,why", CASES["unchanged"], ids=[c[1] for c in CASES["unchanged"]])
def test_marker_without_agreeing_list_is_kept(src, why):
    assert repaired(src) == src


# Lines a list item could open with (written here; no corpus text).
LINES = ["Ủy ban nhân dân tỉnh quyết định;", "thực hiện các nhiệm vụ được giao.",
         "Bộ trưởng Bộ Tài chính hướng dẫn;", "hồ sơ gồm: đơn đề nghị, bản sao giấy tờ."]


def _list(style: str, start: int, n: int):
    if style == "roman":
        return [list_markers.ROMAN[k] + "." for k in range(start, start + n)]
    if style == "digits":
        return [f"{k + 1})" for k in range(start, start + n)]
    letters = list_markers.LETTERS[start : start + n]
    return [(c.upper() if style == "upper" else c) + ")" for c in letters]


@given(style=st.sampled_from(["lower", "upper", "roman", "digits"]), start=st.integers(0, 8),
       n=st.integers(1, 8), lines=st.lists(st.sampled_from(LINES), min_size=8, max_size=8))
@settings(max_examples=200, deadline=None)
def test_list_written_right_never_changes(style, start, n, lines):
    text = "\n".join(f"{m} {line}" for m, line in zip(_list(style, start, n), lines))
    assert repaired(text) == text


def test_restorer_repairs_ocr_output_and_explains_it(stat):
    src = "a) Ủy ban nhân dân tỉnh\nb) Bộ Tài chính\ne) Bộ Tư pháp\nd) Bộ Công an"
    out = stat.restore(src, ocr_document=True)
    assert out.split("\n")[2].startswith("c) ")
    decisions = [w for w in stat.explain(src, ocr_document=True).words if w.source == "fix:list-marker"]
    assert [(w.original, w.chosen) for w in decisions] == [("e", "c")]


# Misread shapes and right markers, as a typist might write them on purpose.
MARKERS = ["a)", "b)", "c)", "d)", "đ)", "e)", "€)", "4)", "â)", "C]", "1.", "II.", "III.", "PB)", "E}"]


@given(markers=st.lists(st.sampled_from(MARKERS), min_size=3, max_size=6),
       lines=st.lists(st.sampled_from(LINES), min_size=6, max_size=6))
@settings(max_examples=25, deadline=None)
def test_typed_text_markers_never_change(stat, markers, lines):
    text = "\n".join(f"{m} {line}" for m, line in zip(markers, lines))
    out = stat.restore(text, ocr_document=False)
    assert [ln.split(" ", 1)[0] for ln in out.split("\n")] == [ln.split(" ", 1)[0] for ln in text.split("\n")]


def lone_repaired(text: str, kind=None) -> str:
    """`text` with list_markers.lone_repairs applied to its tokens."""
    toks = tokenize(text)
    texts = [t.text for t in toks]
    for i, new in list_markers.lone_repairs(toks, texts, kind).items():
        texts[i] = new
    return "".join(texts)


# Markers that are no list letter, with no list around them to decide (shuffled lines,
# a lone item): read alone as the letter the training pairs show for the shape.
LONE = [
    ("©) Thực hiện nhiệm vụ khác;", None, "c) Thực hiện nhiệm vụ khác;", "© is c"),
    ("¢) Hồ sơ gồm đơn đề nghị;", "eng-ocr", "c) Hồ sơ gồm đơn đề nghị;", "¢ is c"),
    ("ø) Các nhiệm vụ khác.", None, "g) Các nhiệm vụ khác.", "ø is g"),
    ("}) Cánh cửa không khóa;", None, "l) Cánh cửa không khóa;", "} is l"),
    ("€) Báo cáo Bộ Tài chính;", "vie-ocr", "c) Báo cáo Bộ Tài chính;", "€ is c in vie output"),
    ("€©) Thu hồi giấy phép;", "vie-ocr", "c) Thu hồi giấy phép;", "a shape doubled"),
    ("â) Buộc khắc phục hậu quả;", None, "a) Buộc khắc phục hậu quả;", "a list letter under marks"),
    ("ï) Có đủ hồ sơ;", None, "i) Có đủ hồ sơ;", "i under marks"),
    ("a} Cấp giấy phép;", None, "a) Cấp giấy phép;", "a list letter closed by }"),
    ("©) QUY ĐỊNH CHUNG", None, "C) QUY ĐỊNH CHUNG", "a capital list: the words after are capitals"),
    ("©) UBND tỉnh báo cáo;", None, "c) UBND tỉnh báo cáo;", "one acronym after it is no capital list"),
]


LONE += [
    ("bì Sử dụng chứng thư số;", "vie-ocr", "b) Sử dụng chứng thư số;", "Tesseract-vie: b) read as bì"),
    ("bỳ Mặt sau thẻ;", "vie-ocr", "b) Mặt sau thẻ;", "b) read as bỳ"),
    ("dị Các sản phẩm khác.", "vie-ocr", "d) Các sản phẩm khác.", "d) read as dị"),
    ("bì THỦ TỤC HÀNH CHÍNH", "vie-ocr", "B) THỦ TỤC HÀNH CHÍNH", "in its list's case"),
]
KEPT_MARKED_I = [
    ("bì Sử dụng chứng thư số;", "eng-ocr", "only Tesseract-vie reads ) as a marked i"),
    ("bì sử dụng chứng thư số;", "vie-ocr", "no capital after it: a word"),
    ("đi Các nội dung", "vie-ocr", "an i without a mark: the word đi"),
    ("Sau đó bì Sử dụng", "vie-ocr", "not at a line start"),
    ("fì Sử dụng", "vie-ocr", "f is no list letter"),
    ("bị CSGT tạm giữ", "vie-ocr", "an acronym opens no item: the word bị"),
    ("bì\nSử dụng", "vie-ocr", "the capital on the next line"),
    ("lý Dược tiến hành chuyển hồ sơ", "vie-ocr", "a late list letter: the word lý opening a wrapped line"),
    ("kỳ Họp thứ nhất", "vie-ocr", "k) is a late item: the word kỳ"),
]


@pytest.mark.parametrize("src,kind,why", KEPT_MARKED_I, ids=[c[2] for c in KEPT_MARKED_I])
def test_marked_i_marker_needs_its_shape_and_place(src, kind, why):
    assert lone_repaired(src, kind) == src


@pytest.mark.parametrize("src,kind,expected,why", LONE, ids=[c[3] for c in LONE])
def test_marker_no_list_letter_is_read_alone(src, kind, expected, why):
    assert lone_repaired(src, kind) == expected


KEPT_ALONE = [
    ("€) Báo cáo Bộ Tài chính;", "eng-ocr", "€ is c or e in eng output: only a list decides"),
    ("e) Báo cáo Bộ Tài chính;", "vie-ocr", "a list letter itself"),
    ("đ) Báo cáo Bộ Tài chính;", "vie-ocr", "đ is a list letter"),
    ("4) Báo cáo;", "vie-ocr", "digits are never written"),
    ("3} Báo cáo;", "vie-ocr", "a number's closer stays"),
    ("@) Báo cáo;", "eng-ocr", "@'s readings split"),
    ("x ©) y", "vie-ocr", "not at a line start"),
    ("©.", "vie-ocr", "not a marker before words"),
    ("©. Báo cáo", "vie-ocr", "a '.' marker: digits and Roman numerals"),
]


@pytest.mark.parametrize("src,kind,why", KEPT_ALONE, ids=[c[2] for c in KEPT_ALONE])
def test_marker_read_alone_only_when_no_list_letter(src, kind, why):
    assert lone_repaired(src, kind) == src


@given(style=st.sampled_from(["lower", "upper", "roman", "digits"]), start=st.integers(0, 8),
       n=st.integers(1, 8), lines=st.lists(st.sampled_from(LINES), min_size=8, max_size=8),
       kind=st.sampled_from([None, "eng-ocr", "vie-ocr"]))
@settings(max_examples=100, deadline=None)
def test_list_written_right_never_changes_read_alone(style, start, n, lines, kind):
    text = "\n".join(f"{m} {line}" for m, line in zip(_list(style, start, n), lines))
    assert lone_repaired(text, kind) == text


def test_restorer_reads_lone_markers_in_ocr_output(stat):
    src = "©) Ủy ban nhân dân tỉnh\nâ) Bộ Tài chính"
    assert stat.restore(src, ocr_document=True).split("\n") == ["c) Ủy ban nhân dân tỉnh", "a) Bộ Tài chính"]
    assert stat.restore(src, ocr_document=False) == src
    decisions = [w for w in stat.explain(src, ocr_document=True).words if w.source == "fix:list-marker"]
    assert [(w.original, w.chosen) for w in decisions] == [("©", "c"), ("â", "a")]
