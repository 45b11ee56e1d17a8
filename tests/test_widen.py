"""Weak words of Tesseract-eng OCR get the forms their context makes likely
(LatticeBuilder.widen), and only the words around them are decoded again
(Rescorer.decode_around)."""
import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

from vidiacritic.config import DEFAULT
from vidiacritic.rescoring import Rescorer
from vidiacritic.viterbi import decode_batch

from test_viterbi_reference import TrigramOnlyLM, path_score, random_lattice

CASES = [line.rstrip("\n").split("\t") for line in
         (Path(__file__).parent / "cases" / "eng_widen.tsv").read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")]


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
