"""Candidate retrieval: learned two-letter rewrites (models/rewrites.tsv)."""
import pytest

from vidiacritic import Restorer
from vidiacritic.candidates import load_rewrites
from vidiacritic.resources import load_rewrites as shipped_rewrites


@pytest.fixture(scope="module")
def gen():
    return Restorer(engine="statistical").generator


def test_shipped_rewrites_include_the_split_u():
    rw = shipped_rewrites()
    assert ("ir", "u") in rw and all(len(a) == 2 and len(b) == 1 and b not in a for a, b in rw)


@pytest.mark.parametrize("observed,syllable", [("tir", "từ"), ("str", "sử"), ("chite", "chức")])
def test_a_letter_read_as_two_is_found(gen, observed, syllable):
    assert syllable in [f for f, _ in gen.candidates(observed)]


def test_without_rewrites_it_is_not(gen):
    saved = gen.rewrites, gen._table
    try:
        gen.rewrites, gen._table = [], {}
        gen._cache.clear()
        assert "từ" not in [f for f, _ in gen.candidates("tir")]
    finally:
        gen.rewrites, gen._table = saved
        gen._cache.clear()


def test_correct_syllables_keep_their_own_reading(gen):
    for word in ("trí", "tiền", "việt"):
        assert [f for f, _ in gen.candidates(word)][0] == word


def test_load_rewrites_rejects_bad_rows(tmp_path):
    p = tmp_path / "r.tsv"
    p.write_text("observed\tletter\tcount\nir\tu\t5\n", encoding="utf-8")
    assert load_rewrites(str(p)) == [("ir", "u")]
    p.write_text("irr\tu\t5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="r.tsv:1"):
        load_rewrites(str(p))
