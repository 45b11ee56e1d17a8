"""Typed text: all-caps acronyms kept as written, headings without marks restored
(LatticeBuilder.rare_caps, Config.caps_marks_only), and in typed text without marks
the OCR channel's letter edits weighed by how likely the document is OCR output all
the same (DocumentReader.ocr_odds, Config.typed_ocr_llr).  Cases are data
(tests/cases/typed_text.json)."""
import dataclasses

import pytest

from vidiacritic.tokens import WORD, tokenize

from vidiacritic.text import strip_diacritics

from casedata import load_json

CASES = load_json("typed_text.json")


@pytest.mark.parametrize("src,expected", CASES["restore"])
def test_typed_caps_statistical(stat, src, expected):
    assert stat.restore(src) == expected


@pytest.mark.parametrize("src,expected", CASES["restore"])
def test_typed_caps_default_engine(model, src, expected):
    assert model.restore(src) == expected


@pytest.mark.parametrize("token", CASES["acronyms"])
def test_caps_spelling_only_rare_syllables_is_an_acronym(stat, token):
    assert stat.lattices.rare_caps(token)
    # kept at the acronym's cost (None: a syllable of the vocabulary, which its own
    # candidate keeps), in typed text and in OCR output (Config.ocr_rare_caps; without
    # it, as damage in OCR output)
    assert stat.lattices.keep_logp(token, False) in (None, stat.config.acronym_keep_logp)
    assert stat.lattices.keep_logp(token, True) in (None, stat.config.acronym_keep_logp)
    assert stat.lattices.keep_logp("EU", False) == stat.lattices.keep_logp("EU", True) == stat.config.acronym_keep_logp
    off = stat.with_config(dataclasses.replace(stat.config, ocr_rare_caps=False))
    assert off.lattices.keep_logp(token, True) in (None, stat.config.lower_keep_logp)


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


def _skeletons(text):
    return [strip_diacritics(t.text.lower()) for t in tokenize(text) if t.kind == WORD]


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_a_typed_document_without_marks_only_gets_marks(request, engine):
    restorer = request.getfixturevalue(engine)
    text = "\n".join(CASES["document"])
    out = restorer.restore(text)
    assert _skeletons(out) == _skeletons(text)
    assert "bịt mặt lại" in out


def test_a_typed_document_is_read_as_no_ocr_output(stat):
    odds = stat.reader.ocr_odds(tokenize("\n".join(CASES["document"])))
    assert odds < -30  # its letter edits cost more than the channel's beam: none is left
    reading = stat.explain("\n".join(CASES["document"])).reading
    assert reading.kind == "typed-unmarked" and reading.ocr_odds == odds
    forms = stat.lattices.entry("vi", False, reading).forms
    assert "vì" in forms and "với" not in forms
    assert "với" in stat.lattices.entry("vi", False).forms  # (no reading: the OCR channel alone)


@pytest.mark.parametrize("line", CASES["ocr_lines"])
def test_a_short_line_of_damaged_words_is_likelier_ocr_output(stat, line):
    assert stat.reader.ocr_odds(tokenize(line)) > 0
    marked, words, odds = stat.ocr_word_counts(line)
    assert marked == 0 and odds == stat.reader.ocr_odds(tokenize(line))  # (no OCR mark: the odds decide)
    assert stat.explain(line).reading.kind == "eng-ocr"


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("line,expected", CASES["ocr_lines_restored"])
def test_a_short_ocr_line_without_ocr_marks_is_read_as_ocr_output(request, engine, line, expected):
    # Read as typed text (the decision by OCR marks alone, as before the odds) its
    # damage stays; read as the OCR output its words say it is, it is repaired.
    import dataclasses
    restorer = request.getfixturevalue(engine)
    assert restorer.explain(line).reading.kind == "eng-ocr"
    assert restorer.restore(line) == expected
    by_marks_only = restorer.with_config(dataclasses.replace(restorer.config, typed_ocr_llr=None))
    assert by_marks_only.explain(line).reading.kind == "typed-unmarked"
    assert by_marks_only.restore(line) != expected


@pytest.mark.parametrize("line", CASES["foreign_word_lines"])
def test_a_foreign_word_in_a_short_typed_line_tips_it_to_ocr_output_harmlessly(stat, line):
    # One word that spells no syllable (zalo) outweighs four that do: the line is read
    # as OCR output (its kind is reported so), and comes out as read as typed text.
    assert stat.explain(line).reading.kind == "eng-ocr"
    assert stat.restore(line) == stat.restore(line, ocr_document=False)


@pytest.mark.parametrize("line,expected", CASES["lone_letter_lines"])
def test_lone_letters_are_no_evidence_of_ocr_output(stat, line, expected):
    # Counted as words that spell no syllable, "b" and "s" tipped such a line to OCR
    # output, where they became bị and sở.
    assert stat.ocr_word_counts(line)[2] < 0
    explained = stat.explain(line)
    assert explained.reading.kind == "typed-unmarked" and explained.text == expected


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["ocr_acronym_lines"])
def test_rare_caps_acronym_kept_in_ocr_output(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    ex = restorer.explain(src)
    assert ex.reading.kind == "eng-ocr" and ex.text == expected
