"""Merged and split words in OCR output (vidiacritic.word_breaks, issue 9 item 5).

Cases are data (tests/cases/word_breaks.json).  Each 'ocr' and 'marked' case fails
with Config.word_breaks off (the restorer before the module: "trụ ông", "đá như",
"phattrien"), which test_cases_need_the_module checks."""
import re
from dataclasses import replace

import pytest

from vidiacritic import word_breaks
from vidiacritic.tokens import SPACE, WORD, Token, tokenize

from casedata import load_json

CASES = load_json("word_breaks.json")


@pytest.mark.parametrize("src,expected", CASES["ocr"])
def test_ocr_breaks(stat, src, expected):
    assert stat.restore(src, ocr_document=True) == expected


@pytest.mark.parametrize("src,expected", CASES["marked"])
def test_marked_breaks(stat, src, expected):
    assert stat.restore(src) == expected


@pytest.mark.parametrize("src,expected", CASES["marked"])
def test_typed_text_keeps_its_breaks_when_asked(stat, src, expected):
    """With word_breaks_marked_text off only OCR output is mended: typed text keeps its
    spacing."""
    off = stat.with_config(replace(stat.config, word_breaks_marked_text=False))
    assert re.findall(r"\s+", off.restore(src)) == re.findall(r"\s+", src)


@pytest.mark.parametrize("src", CASES["breaks_kept"])
def test_breaks_kept(stat, src):
    out = stat.restore(src, ocr_document=True)
    assert re.findall(r"\s+", out) == re.findall(r"\s+", src)
    assert len(out.split()) == len(src.split())


@pytest.mark.parametrize("src", CASES["typed_kept"])
def test_typed_text_keeps_its_punctuation(stat, src):
    """Typed text restored as given: its spaces and punctuation come out as they went in
    (a comma glued to the next word is the writer's; a stop before a capital ends a
    sentence; a web address is kept whole)."""
    out = stat.restore(src)
    assert re.findall(r"[\s\W]+", out) == re.findall(r"[\s\W]+", src)


def test_cases_need_the_module(stat):
    """Every rewrite case comes out otherwise without the module (so each one tests it)."""
    off = stat.with_config(replace(stat.config, word_breaks=False, word_breaks_marked_text=False))
    for src, expected in CASES["ocr"]:
        assert off.restore(src, ocr_document=True) != expected
    for src, expected in CASES["marked"]:
        assert off.restore(src) != expected


@pytest.mark.parametrize("src,expected", CASES["ocr"])
def test_explain_refers_to_the_input(stat, src, expected):
    """Every decision's original is the input's text at its start; a merged word's
    original holds its space, and the text is restore()'s."""
    exp = stat.explain(src, ocr_document=True)
    assert exp.text == expected
    for w in exp.words:
        assert src[w.start:w.start + len(w.original)] == w.original
    merged = [w for w in exp.words if " " in w.original]
    assert all(w.chosen in expected.split() for w in merged)


def test_settle_puts_unused_breaks_back():
    """A merged word the decoder kept as damage gets its space back, a split whose
    halves were both kept loses its inserted space, and positions count the input."""
    toks = [Token("qwxz", WORD, 0), Token(" ", SPACE, 5), Token("ab", WORD, 6),
            Token(" ", SPACE, 8), Token("cd", WORD, 8)]
    breaks = word_breaks.Breaks(merged={0: "qw xz"}, inserted={3: (2, 4)})
    parts, _, positions = breaks.settle(toks, [t.text for t in toks], [])
    assert "".join(parts) == "qw xz abcd"
    assert positions == {}
    parts, _, positions = breaks.settle(toks, ["QWXZ", " ", "áb", " ", "cd"], [])
    assert "".join(parts) == "QWXZ áb cd"
    assert positions == {0: (0, "qw xz", "QWXZ"), 5: (6, "ab", "áb"), 7: (8, "", " ")}


def test_nothing_outside_ocr_without_marks(stat):
    """Text without marks that is not OCR output keeps its breaks (no site)."""
    src = "cac tru ong va phattrien"
    toks, breaks = word_breaks.apply(stat, tokenize(src), False)
    assert not breaks and "".join(t.text for t in toks) == src


def test_break_error_count():
    """scripts/word_break_errors.py: a gold word read as two words is a split error,
    two gold words read as one a merged error; a lost list marker is neither."""
    from scripts.word_break_errors import break_errors
    assert break_errors("các trụ ông học", "các trường học") == (1, 1, 0)
    assert break_errors("tiếp tucthuc hiện", "tiếp tục thực hiện") == (2, 0, 2)
    assert break_errors("4) Phương án", "d) Phương án") == (1, 0, 0)
    assert break_errors("các trường học", "các trường học") == (0, 0, 0)


@pytest.mark.parametrize("marked", [False, True])
def test_correct_text_read_as_ocr_keeps_its_breaks(stat, marked):
    """The 60 held-out corpus lines of tests/make_heldout_cases.py (marks stripped, or
    as written), read as one OCR document: no two words are merged, and only a token
    that is no word may be split (corpus text glues some: "năngthanh").  Skips where the
    corpus is absent (its text is never committed)."""
    from tests.test_accuracy_floors import _heldout

    stripped, gold = _heldout()
    toks = tokenize("\n".join(gold if marked else stripped))
    out, breaks = word_breaks.apply(stat, toks, True)
    assert not breaks.merged
    for a, b in breaks.inserted.values():
        assert not word_breaks._is_word(stat, out[a].text + out[b].text)


def test_a_joined_caps_word_keeps_at_the_damage_cost(stat):
    """A merge site's pieces joined ("DU AN" as DUAN) are read as one syllable or kept
    as damage, never kept at an all-caps token's acronym cost: with it, joining two
    capitalised syllables of a heading could beat reading them apart."""
    ids, scores = word_breaks._word_position(stat, "DUAN", joined=True)
    entry = stat.lattices.entry("DUAN", True, None)
    assert entry.keep >= 0 and entry.scores[entry.keep] > stat.config.lower_keep_logp  # (as written: an acronym)
    assert scores[entry.keep] == stat.config.lower_keep_logp
    others = [k for k in range(len(scores)) if k != entry.keep]
    assert list(scores[others]) == list(entry.scores[others])
    assert list(word_breaks._word_position(stat, "DUAN")[1]) == list(entry.scores)
