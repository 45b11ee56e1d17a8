"""Weak words of Tesseract-eng OCR get the forms their context makes likely
(LatticeBuilder.widen), and only the words around them are decoded again
(Rescorer.decode_around)."""
import dataclasses
import itertools

import numpy as np
import pytest

from vidiacritic.config import DEFAULT
from vidiacritic.rescoring import Rescorer
from vidiacritic.viterbi import decode_batch

from casedata import read_tsv
from test_viterbi_reference import TrigramOnlyLM, path_score, random_lattice

CASES = read_tsv("eng_widen.tsv")


def _word_at(text: str, out: str, damaged: str) -> str:
    return out.split()[text.split().index(damaged)].strip(".,")


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("text,damaged,meant", CASES)
def test_a_weak_word_gets_the_form_its_context_names(request, engine, text, damaged, meant):
    r = request.getfixturevalue(engine)
    assert r.explain(text).reading.kind == "eng-ocr"
    assert _word_at(text, r.restore(text), damaged) == meant
    # (without widening the form is out of reach: the case tests widen)
    off = r.with_config(dataclasses.replace(r.config, eng_widen=0))
    assert _word_at(text, off.restore(text), damaged) != meant


def test_context_forms_rank_by_channel_and_bigrams(stat):
    v = stat.ngram.vocab
    forms = [f for f, _ in stat.lattices._context_forms("mige", v["trình"], v["tiêu"])]
    assert forms[0] == "mục"
    assert "mục" not in [f for f, _ in stat.generator.ocr_candidates("mige")]


def _brute_given(lm, lat, held, free):
    """The best assignment of the positions `free`, the others held at `held`."""
    best, best_score = None, -np.inf
    for combo in itertools.product(*[range(len(lat.ids[i])) for i in free]):
        path = list(held)
        for i, k in zip(free, combo):
            path[i] = k
        s = path_score(lm, lat, path, 1.0)
        if s > best_score:
            best, best_score = path, s
    return best


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("reach", [0, 1])
def test_decode_around_is_the_best_given_the_rest_of_the_path(seed, reach):
    rng = np.random.default_rng(seed)
    lm = TrigramOnlyLM(rng)
    rescorer = Rescorer(lm, None, dataclasses.replace(DEFAULT, prune_to=0))
    lats = [random_lattice(rng, int(rng.integers(1, 12)), 4) for _ in range(3)]
    # a held path that is not the best one: any path the first decoding gave
    held = [decode_batch([lat], lm)[0] for lat in lats]
    for dec, lat in zip(held, lats):
        dec.best = [int(rng.integers(len(a))) for a in lat.ids]
    r = int(rng.integers(3))
    n = len(lats[r].ids)
    where = sorted({(r, int(p)) for p in rng.integers(0, n, size=1 + int(rng.integers(2)))})
    got = rescorer.decode_around(lats, held, where, reach=reach)
    free = sorted({q for _, p in where for q in range(max(0, p - reach), min(n, p + reach + 1))})
    if len(where) == 2:  # spans closer than their held words are one span, with the words between
        free = list(range(free[0], free[-1] + 1)) if where[1][1] - where[0][1] - 2 * reach <= 5 else free
    want = _brute_given(lm, lats[r], held[r].best, free)
    assert got[r].best == want
    for o in range(3):  # other chains are left as they were
        if o != r:
            assert got[o].best == held[o].best
    assert [len(m) for m in got[r].marginals] == [len(a) for a in lats[r].ids]


def test_the_scorers_states_give_its_candidate_scores(model):
    """Rescorer.rescore re-scores a grown word from the decoder state the scorer returns
    (Scorer.score rows=, Scorer.logits): over the old candidates the scores are those
    score() itself gives; the proposals are the scorer's best syllables among the most
    frequent (ids by frequency), the word's own forms left out."""
    sc = model.scorer
    ids = [sc.syllable_ids(f) for f in (["ủy", "úy"], ["ban", "bàn", "bản"], ["nhân", "nhận", None])]
    segments = [("Uy ban nhan", [sc.syllable_id(f) for f in ("ủy", "ban", "nhân")], ids)]
    rows = {(0, 1): None, (0, 2): None}
    lps = sc.score(segments, rows=rows)[0]
    for j in (1, 2):
        z = sc.logits(rows[(0, j)][None], ids[j])[0]
        assert np.allclose(z - np.logaddexp.reduce(z), lps[j], atol=1e-5)
    full = sc.logits(rows[(0, 1)][None])[0]
    assert full.shape == (len(sc.syllables) + 1,) and full[sc.syllable_id("ban")] > full[sc.syllable_id("phố")]
    assert sc.syllable_id("và") < sc.syllable_id("nhở")  # (ids by frequency)
    row = sc.logits(rows[(0, 2)][None], np.arange(2001))[0]
    props = model.rescorer.proposals(row, ["nhân", "nhận", None], 5)
    assert len(props) == 5 and not {"nhân", "nhận"} & {f for f, _ in props}
    assert [lp for _, lp in props] == sorted((lp for _, lp in props), reverse=True)
    assert all(sc.syllable_id(f) <= 2000 for f, _ in props)


def test_grow_adds_the_forms_the_channel_allows(stat):
    """LatticeBuilder.grow: a proposed form joins a weak word's candidates at its channel
    score when the channel allows it (within Config.eng_widen_beam of the word's best
    channel score); one the letters cannot have come from does not, however much the
    scorer likes it."""
    from vidiacritic.tokens import tokenize
    from vidiacritic.viterbi import Lattice
    text = "chuong trinh mige tieu"
    toks = tokenize(text)
    run = [i for i, t in enumerate(toks) if t.kind == "word"]
    lat, meta = stat.lattices.build(toks, run, True)
    lattices, metas = [Lattice(list(lat.ids), list(lat.unary))], [list(meta)]
    before = list(metas[0][2][0])
    assert "mục" not in before
    n = stat.lattices.grow(toks, [run], lattices, metas, 0, 2, [("nghiêng", 0.0), ("mục", -1.0)])
    assert n == 1 and metas[0][2][0] == before + ["mục"]
    assert len(lattices[0].ids[2]) == len(lattices[0].unary[2]) == len(metas[0][2][0]) == len(metas[0][2][1])
    assert lattices[0].ids[2][-1] == stat.ngram.vocab["mục"]
    # (the lattice the first decoding read is not changed: grow replaces the arrays)
    assert len(lat.ids[2]) == len(before)


@pytest.mark.parametrize("seed", range(20))
def test_a_grown_lattices_remembered_bigram_scores_are_those_computed(seed):
    """viterbi.memo_grown: the bigram block of a lattice grown at some positions, made
    from the block of the lattice before, is the block decode_batch computes for it,
    and decoding with it gives the same bits as decoding without a memo."""
    from vidiacritic.viterbi import Lattice, _bigram_lookups, _memo_key, memo_grown
    from test_viterbi_reference import FakeLM
    rng = np.random.default_rng(seed)
    lm = FakeLM(rng, with_lookup=True)
    lat = random_lattice(rng, int(rng.integers(1, 10)), 3)
    while max(map(len, lat.ids)) < 2:  # (a lattice no wider than prune_to is not pruned: no memo)
        lat = random_lattice(rng, int(rng.integers(1, 10)), 3)
    memo: dict = {}
    decode_batch([lat], lm, prune_to=1, memo=memo)
    grown = {int(p): len(lat.ids[p]) for p in rng.integers(0, len(lat.ids), size=2)}
    big = Lattice([np.concatenate([a, rng.choice(6, size=2)]) if i in grown else a for i, a in enumerate(lat.ids)],
                  [np.concatenate([u, rng.normal(-1, 2, size=2)]) if i in grown else u
                   for i, u in enumerate(lat.unary)])
    memo_grown(memo, big.ids, grown, lm)
    key, full, valid = _memo_key(big.ids, lm)
    M, dtype = _bigram_lookups(full[None], valid[None], lm)
    assert np.array_equal(memo[key], M[0].astype(dtype))
    (a,) = decode_batch([big], lm, prune_to=1, memo=memo)
    (b,) = decode_batch([big], lm, prune_to=1)
    assert a.best == b.best and all(np.array_equal(x, y) for x, y in zip(a.marginals, b.marginals))


ORPHANS = read_tsv("eng_orphans.tsv")


@pytest.mark.parametrize("text,damaged,meant", ORPHANS)
def test_an_orphan_gets_the_form_the_scorer_proposes(model, stat, text, damaged, meant):
    assert model.explain(text).reading.kind == "eng-ocr"
    assert not model.generator.ocr_candidates(damaged)  # (an orphan: the channel offers nothing)
    assert _word_at(text, model.restore(text), damaged) == meant
    # (the scorer's proposal is what reaches it: without orphans, and with no scorer, the damage stays)
    off = model.with_config(dataclasses.replace(model.config, eng_orphan_floor=None))
    assert _word_at(text, off.restore(text), damaged) == damaged
    assert _word_at(text, stat.restore(text), damaged) == damaged


def test_orphan_scores_put_the_best_allowed_proposal_at_keeping_s_score(stat):
    """LatticeBuilder._orphan_scores: a proposal the channel gives less than the floor per
    letter is out (-inf); the best of the others stands at the score of keeping the
    token, the rest below it by their channel differences."""
    lb = stat.lattices
    forms = ["lương", "lượng", "xã"]
    chans = stat.generator.channel.logp_many("lutemng", forms)
    floor = min(chans[:2]) / len("lutemng") - 0.01  # (lương and lượng pass, xã does not)
    assert chans[2] < floor * len("lutemng")
    lb2 = dataclasses.replace(stat.config, eng_orphan_floor=floor)
    got = stat.with_config(lb2).lattices._orphan_scores("lutemng", forms)
    keep = lb.keep_logp("lutemng", True)
    best = int(np.argmax(chans[:2]))
    assert got[best] == pytest.approx(keep) and got[2] == -np.inf
    assert got[1 - best] == pytest.approx(keep - (chans[best] - chans[1 - best]))
    none = stat.with_config(dataclasses.replace(stat.config, eng_orphan_floor=0.0)).lattices
    assert np.all(none._orphan_scores("lutemng", forms) == -np.inf)


@pytest.mark.parametrize("text,orphan", [
    ("lutemng", True), ("Neuvi", False),  # (Neuvi has candidates: no orphan)
    ("MTTQX", False),  # an acronym, kept as written
    ("xy", False),  # too short to say
    ("Imaginifer", False),  # longer than a syllable's damage: a name, or words run together
    ("lu7emng", False),  # a digit: no word of letters
])
def test_which_kept_tokens_are_orphans(stat, text, orphan):
    from vidiacritic.tokens import tokenize
    toks = tokenize(f"tien {text} cho")
    ti = next(i for i, t in enumerate(toks) if t.text == text)
    assert stat.lattices._orphan(toks, ti) is orphan
