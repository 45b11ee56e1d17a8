"""Invisible format characters (zero-width space, non-joiner, joiner, word joiner, BOM,
soft hyphen) in and between words: the text is read without them and each is written
back where it was (Restorer._run_without_invisible).  Before, each was a punctuation
token that cut its word and the decoding chain ("nguo\u200bi dan" came out
"nguo\u200bi dần").

The cases are data (tests/cases/invisible.json); the property test splices the
characters into the lines of tests/cases/idempotence.txt (correct, without marks,
partly marked) and of tests/cases/restore.tsv (OCR output and typed text)."""
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vidiacritic.stream import restore_text
from vidiacritic.text import strip_diacritics

from casedata import load_json, read_lines, read_tsv

# zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen (vidiacritic.restorer.INVISIBLE)
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_DATA = load_json("invisible.json")
INVISIBLE_CASES, AS_BEFORE = _DATA["cases"], _DATA["as_before"]


def _lines():
    correct = read_lines("idempotence.txt")
    inputs = [row[0] for row in read_tsv("restore.tsv")]
    return correct[:40] + [strip_diacritics(ln) for ln in correct[40:80]] + inputs


LINES = _lines()


def _visible(text):
    return "".join(c for c in text if c not in INVISIBLE)


def _assert_kept(restorer, text):
    """The output keeps every invisible character in order; without them it is the text
    without them restored; explain() agrees with it word by word; restoring it again
    changes nothing."""
    out = restorer.restore(text)
    assert [c for c in out if c in INVISIBLE] == [c for c in text if c in INVISIBLE]
    assert _visible(out) == restorer.restore(_visible(text)), text
    ex = restorer.explain(text)
    assert ex.text == out
    rebuilt, at = [], 0
    for w in ex.words:
        assert text[w.start:w.start + len(w.original)] == w.original
        rebuilt += [text[at:w.start], w.chosen]
        at = w.start + len(w.original)
    assert "".join(rebuilt) + text[at:] == out, text
    assert restorer.restore(out) == out, text
    return out


@pytest.mark.parametrize("name,text,expected", INVISIBLE_CASES, ids=[c[0] for c in INVISIBLE_CASES])
def test_invisible_characters_are_read_through_and_kept(model, name, text, expected):
    assert _assert_kept(model, text) == expected


@pytest.mark.parametrize("name,text,expected", AS_BEFORE, ids=[c[0] for c in AS_BEFORE])
def test_what_was_kept_before_is_kept(model, name, text, expected):
    """(These came out right before too: a BOM opening the text, codes, numbers.)"""
    assert _assert_kept(model, text) == expected


@pytest.mark.parametrize("name,text,expected", INVISIBLE_CASES[:8], ids=[c[0] for c in INVISIBLE_CASES[:8]])
def test_the_statistical_engine_reads_through_them_too(stat, name, text, expected):
    assert _visible(_assert_kept(stat, text)) == _visible(expected)


def test_a_character_inside_a_word_keeps_its_index_in_the_chosen_word(model):
    # ("ngu" + ZWSP + "oi": index 3 of người; "hoc" + soft hyphen at the end: kept there)
    ex = model.explain("ngu\u200boi dan hoc\u00ad")
    assert [(w.original, w.chosen) for w in ex.words] == [
        ("ngu\u200boi", "ngư\u200bời"), ("dan", "dân"), ("hoc", "học")]
    assert ex.text == "ngư\u200bời dân học\u00ad"


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LINES), st.lists(st.tuples(st.integers(0, 10 ** 6), st.sampled_from(INVISIBLE)),
                                        min_size=1, max_size=4))
def test_spliced_into_any_text_they_change_nothing_else(model, line, junk):
    for at, ch in junk:
        at %= len(line) + 1
        line = line[:at] + ch + line[at:]
    _assert_kept(model, line)


def test_the_ocr_decision_reads_the_text_without_them(stat):
    text = "Ngu\u200bo\u200ci dan s6 16n"
    assert stat.ocr_word_counts(text) == stat.ocr_word_counts(_visible(text))


def test_a_file_restored_in_pieces_keeps_them(stat):
    text = "\n\n".join(["Uy ban nhan\u00ad dan tinh", "nguo\u200bi dan to\u2060c", "\ufeffhoi dong\u200d"] * 3) + "\n"
    out = restore_text(stat, text, 30, 8)
    assert out == stat.restore(text)
    assert out.count("nhân\u00ad dân") == 3 and out.count("ngườ\u200bi dân tộ\u2060c") == 3


def test_the_cli_keeps_them():
    p = subprocess.run([sys.executable, "-m", "vidiacritic.cli", "fix", "--engine", "statistical"],
                       input="nguo\u200bi dan truo\u00adng hop\u200d\n".encode(), capture_output=True, cwd=ROOT,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == "ngườ\u200bi dân trườ\u00adng hợp\u200d\n"


def test_one_between_a_letter_and_its_combining_marks_goes_after_them(model):
    # (decomposed text: the marks compose with their letter as without it)
    text = "Vie\u0323\u200b\u0302t Nam"
    assert model.restore(text) == "Việ\u200bt Nam"
    assert model.restore("Vie\u0323\u0302t Nam") == "Việt Nam"
