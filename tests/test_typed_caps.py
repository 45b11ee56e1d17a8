"""All-caps tokens of typed text: acronyms kept as written, headings without marks
restored (LatticeBuilder.rare_caps, Config.caps_marks_only).  Cases are data
(tests/cases/typed_caps.json)."""
import json
import os

import pytest

from vidiacritic.text import strip_diacritics

with open(os.path.join(os.path.dirname(__file__), "cases", "typed_caps.json"), encoding="utf-8") as fh:
    CASES = json.load(fh)


@pytest.mark.parametrize("src,expected", CASES["restore"])
def test_typed_caps_statistical(stat, src, expected):
    assert stat.restore(src) == expected


@pytest.mark.parametrize("src,expected", CASES["restore"])
def test_typed_caps_default_engine(model, src, expected):
    assert model.restore(src) == expected


@pytest.mark.parametrize("token", CASES["acronyms"])
def test_caps_spelling_only_rare_syllables_is_an_acronym(stat, token):
    assert stat.lattices.rare_caps(token)
    # kept at the acronym's cost in typed text (None: a syllable of the vocabulary, which
    # its own candidate keeps), as damage in OCR output
    assert stat.lattices.keep_logp(token, False) in (None, stat.config.acronym_keep_logp)
    assert stat.lattices.keep_logp(token, True) in (None, stat.config.lower_keep_logp)
    assert stat.lattices.keep_logp("EU", False) == stat.config.acronym_keep_logp


@pytest.mark.parametrize("token", CASES["headings"])
def test_caps_spelling_common_syllables_is_a_heading_word(stat, token):
    assert not stat.lattices.rare_caps(token)
    assert stat.lattices.keep_logp(token, False) == stat.config.lower_keep_logp


@pytest.mark.parametrize("token", CASES["acronyms"] + CASES["headings"])
def test_typed_caps_are_read_with_marks_added_only(stat, token):
    # typed text has no OCR damage: EU is no cụ, CIA no của
    forms = stat.lattices.entry(token, False).forms
    assert all(strip_diacritics(f) == token.lower() for f in forms if f is not None)
    # lowercase typed words and OCR output keep the OCR channel's letter edits
    assert any(strip_diacritics(f) != token.lower() for f in stat.lattices.entry(token, True).forms if f)
