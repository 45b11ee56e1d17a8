"""List markers OCR misread, repaired from their list (vidiacritic.list_markers): the
cases of tests/cases/list_markers.json, the restorer's hook (OCR output only), and
properties: a list written right never changes, typed text never changes."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic import list_markers
from vidiacritic.tokens import tokenize

CASES = json.loads((Path(__file__).parent / "cases" / "list_markers.json").read_text(encoding="utf-8"))


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
