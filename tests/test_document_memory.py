"""The document's own word pairs (vidiacritic.document_memory): where the decoder is
unsure of a word, a candidate that makes with its decoded neighbour a pair the
document writes surely elsewhere is preferred.  Cases are data
(tests/cases/document_memory.json); the unit tests below build the decoder's
structures by hand."""
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from vidiacritic import document_memory
from vidiacritic.config import DEFAULT
from vidiacritic.tokens import NUMBER, WORD, Token
from vidiacritic.viterbi import Decoded, Lattice

from casedata import assert_restores, load_json

CASES = load_json("document_memory.json")


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["recalled"])
def test_an_unsure_word_takes_the_pair_the_document_writes_elsewhere(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    assert_restores(restorer, src, expected)


@pytest.mark.parametrize("src,expected", CASES["recalled"])
def test_without_the_memory_the_word_is_misread(stat, src, expected):
    off = stat.with_config(replace(stat.config, memory_bonus=0.0))
    assert off.restore(src) != expected


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["unchanged"])
def test_the_memory_leaves_numbers(request, engine, src, expected):
    assert request.getfixturevalue(engine).restore(src) == expected


def _chain(words, best, shares, kinds=None):
    """Tokens, one run, metas and one decoding of a chain of `words`: each a list of
    candidate forms, `best` the chosen index, `shares` its marginal."""
    toks = [Token(ws[0], (kinds or {}).get(i, WORD), 0) for i, ws in enumerate(words)]
    metas = [[(ws, [False] * len(ws)) for ws in words]]
    marg = []
    for ws, b, s in zip(words, best, shares):
        m = np.full(len(ws), (1.0 - s) / max(1, len(ws) - 1))
        m[b] = s
        marg.append(m)
    lat = Lattice([np.arange(len(ws)) for ws in words], [np.zeros(len(ws)) for ws in words])
    return toks, [list(range(len(words)))], [lat], metas, [Decoded(list(best), marg)]


def test_sure_pairs_counts_neighbours_both_chosen_surely():
    toks, runs, _, metas, dec = _chain([["ban"], ["chỉ"], ["đạo", "đến"], ["ban"], ["chỉ"]],
                                       [0, 0, 1, 0, 0], [1.0, 0.95, 0.5, 1.0, 0.99])
    pairs = document_memory.sure_pairs(document_memory.sure_chains(toks, runs, metas, dec, 0.9))
    # (the unsure third word makes no pair on either side)
    assert pairs == {("ban", "chỉ"): 2}


def test_recall_gives_the_bonus_to_the_candidate_making_a_sure_pair():
    words = [["ban"], ["chỉ"], ["đạo"], ["x"], ["ban"], ["chỉ"], ["đến", "đạo"]]
    toks, runs, lats, metas, dec = _chain(words, [0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0.6])
    config = replace(DEFAULT, memory_bonus=1.5)
    moved = document_memory.recall(toks, runs, lats, metas, dec, config)
    assert moved == [(0, 6)]
    assert lats[0].unary[6].tolist() == [0.0, 1.5]  # (chỉ đạo written surely once)
    assert all(u.tolist() == [0.0] for u in lats[0].unary[:6])


def test_recall_leaves_sure_words_numbers_and_lone_pairs():
    # the unsure word's only evidence would be its own place: nothing moves
    words = [["ban"], ["chỉ"], ["đến", "đạo"], ["x"], ["chỉ"], ["y"]]
    toks, runs, lats, metas, dec = _chain(words, [0] * 6, [1, 1, 0.6, 1, 1, 1])
    assert document_memory.recall(toks, runs, lats, metas, dec, replace(DEFAULT, memory_bonus=1.0)) == []
    assert lats[0].unary[2].tolist() == [0.0, 0.0]
    # a number's letter readings get no bonus, and a sure word none either
    words = [["ban"], ["chỉ"], ["đạo"], ["ban"], ["chỉ"], ["18", "đạo"], ["chỉ"], ["đến", "đạo"]]
    toks, runs, lats, metas, dec = _chain(words, [0] * 8, [1, 1, 1, 1, 1, 0.5, 1, 0.95], kinds={5: NUMBER})
    assert document_memory.recall(toks, runs, lats, metas, dec, replace(DEFAULT, memory_bonus=1.0)) == []
    assert lats[0].unary[5].tolist() == [0.0, 0.0] and lats[0].unary[7].tolist() == [0.0, 0.0]


def test_the_bonus_counts_at_most_memory_most_pairs():
    words = [["ban"], ["chỉ"], ["đạo"]] * 4 + [["ban"], ["chỉ"], ["đến", "đạo"]]
    n = len(words)
    toks, runs, lats, metas, dec = _chain(words, [0] * n, [1] * (n - 1) + [0.5])
    document_memory.recall(toks, runs, lats, metas, dec, replace(DEFAULT, memory_bonus=1.0, memory_most=2))
    assert lats[0].unary[n - 1].tolist() == [0.0, 2.0]


def test_explain_names_the_document_as_the_source(stat):
    src, expected = CASES["recalled"][0]
    words = {w.start: w for w in stat.explain(src).words}
    at = src.index("déo")
    assert words[at].chosen == "đạo" and words[at].source == "document"


# ---------------------------------------------------------------- the document's own words
@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["cached"] + CASES["not_cached"])
def test_an_unsure_word_takes_the_rare_form_the_document_writes(request, engine, src, expected):
    assert_restores(request.getfixturevalue(engine), src, expected)


@pytest.mark.parametrize("src,expected", CASES["cached"])
def test_without_the_cache_the_common_form_wins(stat, src, expected):
    off = stat.with_config(replace(stat.config, memory_unigram=0.0))
    assert off.restore(src) != expected


def _lm(counts):
    """A stand-in language model: vocabulary and corpus counts (no <unk> among them)."""
    class LM:
        vocab = {w: i for i, w in enumerate(counts)}
        unk_id = -1
        meta = {"min_count": 3}
    LM.counts = np.array(list(counts.values()), dtype=np.int64)
    return LM


def test_the_cache_bonus_favours_rare_forms_the_document_repeats():
    lm = _lm({"của": 1_000_000, "chị": 1_000, "chỉ": 50_000, "x": 8_949_000})  # 10M in all
    config = replace(DEFAULT, memory_unigram=0.2, memory_unigram_min=2, memory_unigram_most=4.0)
    forms = Counter({"của": 30, "chị": 3, "chỉ": 1, "xùa": 2, "x": 64})  # 100 sure words
    bonus = document_memory.cache_bonus(config, forms, lm)
    # chị: P_document 0.03 against P_corpus 1e-4: log(0.8 + 0.2 * 300) = 4.11, capped at 4
    assert bonus["chị"] == 4.0
    # của: 0.3 against 0.1: log(0.8 + 0.6) = 0.336, small; chỉ is written once only;
    # x is written less often than the corpus writes it: no bonus
    assert bonus["của"] == pytest.approx(np.log(1.4))
    assert "chỉ" not in bonus and "x" not in bonus
    # a form outside the vocabulary is as rare as the vocabulary's rarest (min_count)
    assert bonus["xùa"] == pytest.approx(min(4.0, np.log(0.8 + 0.2 * 0.02 / (3 / 10_000_000))))
    assert document_memory.cache_bonus(replace(config, memory_unigram_most=10.0), forms, lm)["chị"] \
        == pytest.approx(np.log(0.8 + 0.2 * 0.03 / 1e-4))


def test_recall_adds_the_cache_bonus_where_the_decoder_is_unsure():
    lm = _lm({"chị": 10, "chỉ": 10_000, "về": 10_000, "ở": 10_000})
    words = [["chị"], ["ở"], ["chị"], ["ở"], ["chỉ", "chị"], ["về"]]
    toks, runs, lats, metas, dec = _chain(words, [0] * 6, [1, 1, 1, 1, 0.6, 1])
    config = replace(DEFAULT, memory_bonus=0.0, memory_unigram=0.2, memory_unigram_most=3.0)
    # (memory_bonus 0: the pairs give nothing; "chị ở" is no pair of the unsure word)
    moved = document_memory.recall(toks, runs, lats, metas, dec, config, lm)
    assert moved == [(0, 4)]
    assert lats[0].unary[4].tolist() == [0.0, 3.0]
    assert metas[0][4][1] == [False, "document"]
    # without the language model, or with memory_unigram 0, nothing moves
    for cfg, model in ((config, None), (replace(config, memory_unigram=0.0), lm)):
        toks, runs, lats, metas, dec = _chain(words, [0] * 6, [1, 1, 1, 1, 0.6, 1])
        assert document_memory.recall(toks, runs, lats, metas, dec, cfg, model) == []
