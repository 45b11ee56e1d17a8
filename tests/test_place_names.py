"""Place names a document writes after their unit word ("huyện Vân Đồn") are read as
names where the document writes them alone, capitalized ("Tại Vân Đồn"), and not where
the same letters are lowercase words ("vận đơn"); letters that spell two of the
lexicon's names after a unit word name nothing (LatticeBuilder.document_place_names).
Cases are data (tests/cases/place_names.json)."""
from dataclasses import replace

import pytest

from vidiacritic.lexicon import place_name_words

from casedata import assert_restores, load_json

CASES = load_json("place_names.json")


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["alone"] + CASES["lowercase"])
def test_a_name_written_after_its_unit_word_is_read_alone_too(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    assert_restores(restorer, src, expected)


@pytest.mark.parametrize("src,expected", CASES["alone"])
def test_without_the_documents_names_the_name_alone_is_common_words(stat, src, expected):
    off = stat.with_config(replace(stat.config, document_place_names=False))
    assert off.restore(src) != expected


@pytest.mark.parametrize("src,unit", CASES["ambiguous"])
def test_letters_spelling_two_names_name_nothing(stat, src, unit):
    doc = stat._read(src, False)
    run = next(r for r in doc.runs if any(doc.toks[ti].text == unit for ti in r))
    i = next(k for k, ti in enumerate(run) if doc.toks[ti].text == unit)
    texts = [doc.toks[ti].text for ti in run[i:]]
    sets = [stat.lattices.entry_at(doc.toks, ti, doc.ocr_document, doc.reading, doc.by_line, ()).lookup
            for ti in run[i:]]
    spelled = {tuple(syls) for start, end, syls, _ in stat.lattices.lexicon.matches(sets)
               if start == 0 and place_name_words(syls, texts, 0)}
    assert len(spelled) >= 2  # (the case is ambiguous)
    names = stat.lattices.document_place_names(doc.toks, doc.runs, doc.ocr_document, doc.reading, doc.by_line, ())
    assert names == {}
