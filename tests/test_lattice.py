"""Lattice building (vidiacritic/lattice.py): every position the decoder reads has one
score per candidate id."""
import pytest

from vidiacritic.tokens import chains, tokenize


@pytest.mark.parametrize("text,ocr", [
    ("Phiên họp theo quy định tại điểm b khoản 1", False),      # "b" of a lexicon phrase, kept
    ("theo quy dinh tai diem b khoan 1 dieu 5 cua luat nay", False),
    ("quy dinh tai diem c khoan 2 Diéu 5", True),
])
def test_each_position_has_a_score_per_candidate(stat, text, ocr):
    # A word without candidates matched by a lexicon phrase ("điểm b khoản") once lost
    # its only score to the phrase bonus: the decoder took it for padding, -1e9 on its chain.
    toks = tokenize(text)
    reading = stat.explain(text).reading
    for run in chains(toks):
        lat, meta = stat.lattices.build(toks, run, ocr, reading)
        assert [len(u) for u in lat.unary] == [len(i) for i in lat.ids], text
