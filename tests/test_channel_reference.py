"""The OCR channel (vidiacritic.channel) against direct computation on small alphabets.

``CharEditModel.logp`` promises the log-probability of the *best* alignment of the
observed string to the clean one, where an alignment is a sequence of edits:
  substitute clean c by observed o   row_c[o] + no_ins    (o == c: kept as is)
  delete clean c                     row_c[""] + no_ins
  insert observed o (anywhere)       ins[o]               (unseen: 2 * UNSEEN_EDIT_LOGP)
(row_c defaults to UNSEEN_EDIT_LOGP for an observed letter it never produced).  Here
every alignment is listed explicitly and the best one taken; ``logp_many`` must give
the same numbers.  ``Channel.logp_many`` is the mixture
  log( w_ocr P_edit + w_identity [form == obs] + w_stripped [obs has no marks, form
       stripped == obs, form != obs] ).
"""
import math
from functools import lru_cache

import numpy as np
import pytest

from scripts.estimate_channels import estimate_edits
from vidiacritic.channel import UNSEEN_EDIT_LOGP, Channel, CharEditModel
from vidiacritic.text import strip_diacritics

CLEAN = "abcdáăđ"
OBSERVED = "abcdá6&"  # + "z", which no row produces and nothing inserts


def random_model(rng):
    """Random rows over a small alphabet; each row a (sub-)distribution."""
    sub = {}
    for c in CLEAN:
        outs = [str(o) for o in rng.choice(list(OBSERVED), size=int(rng.integers(1, 5)), replace=False)]
        outs = sorted(set(outs) | {c} if c in OBSERVED else set(outs))
        if rng.random() < 0.7:
            outs.append("")  # deletion seen in training
        p = rng.dirichlet(np.ones(len(outs))) * 0.95
        sub[c] = {o: float(math.log(x)) for o, x in zip(outs, p)}
    ins_chars = rng.choice(list(OBSERVED), size=3, replace=False)
    ins = {str(o): float(math.log(x)) for o, x in zip(ins_chars, rng.dirichlet(np.ones(3)) * 0.05)}
    return CharEditModel(sub=sub, ins=ins, no_ins=math.log(0.97))


def alignments(n, m):
    """Every edit sequence turning n clean letters into m observed ones, as tuples of
    ("S", i, j), ("D", i) and ("I", j)."""
    @lru_cache(maxsize=None)
    def go(i, j):
        if i == 0 and j == 0:
            return [()]
        out = []
        if i > 0 and j > 0:
            out += [a + (("S", i - 1, j - 1),) for a in go(i - 1, j - 1)]
        if i > 0:
            out += [a + (("D", i - 1),) for a in go(i - 1, j)]
        if j > 0:
            out += [a + (("I", j - 1),) for a in go(i, j - 1)]
        return out
    return go(n, m)


def best_alignment_logp(model, obs, clean):
    """max over explicit alignments of the summed edit log-probabilities."""
    best = -math.inf
    for al in alignments(len(clean), len(obs)):
        s = 0.0
        for op in al:
            if op[0] == "S":
                row = model.sub[clean[op[1]]]
                s += row.get(obs[op[2]], UNSEEN_EDIT_LOGP) + model.no_ins
            elif op[0] == "D":
                s += model.sub[clean[op[1]]].get("", UNSEEN_EDIT_LOGP) + model.no_ins
            else:
                s += model.ins.get(obs[op[1]], 2 * UNSEEN_EDIT_LOGP)
        best = max(best, s)
    return best


def random_string(rng, alphabet, lo, hi):
    return "".join(rng.choice(list(alphabet), size=int(rng.integers(lo, hi + 1))))


@pytest.mark.parametrize("seed", range(12))
def test_edit_logp_is_the_best_alignment(seed):
    rng = np.random.default_rng(seed)
    model = random_model(rng)
    forms = sorted({random_string(rng, CLEAN, 1, 4) for _ in range(10)})
    for _ in range(8):
        obs = random_string(rng, OBSERVED + "z", 0, 4)
        want = np.array([best_alignment_logp(model, obs, f) for f in forms])
        got_one = np.array([model.logp(obs, f) for f in forms])
        got_many = model.logp_many(obs, forms)
        np.testing.assert_allclose(got_one, want, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(got_many, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_mixture_is_the_direct_sum(seed):
    rng = np.random.default_rng(100 + seed)
    w = rng.dirichlet(np.ones(3))
    channel = Channel(random_model(rng), w_identity=float(w[0]), w_stripped=float(w[1]), w_ocr=float(w[2]))
    forms = ["ab", "áb", "ăb", "ab", "abc", "đa", "da", "dá"]
    for obs in ("ab", "áb", "da", "đa", "dá", "a6", "abc", "z"):
        got = channel.logp_many(obs, forms)
        for k, f in enumerate(forms):
            p = channel.w_ocr * math.exp(best_alignment_logp(channel.edits, obs, f))
            if f == obs:
                p += channel.w_identity
            elif strip_diacritics(obs) == obs and strip_diacritics(f) == obs:
                p += channel.w_stripped
            assert got[k] == pytest.approx(math.log(p), rel=1e-12, abs=1e-9), (obs, f)


def test_stripped_reading_gets_its_prior_weight():
    """Replaces an assert that compared a log-sum-exp with one of its own terms: the
    stripped reading's score is exactly log(w_stripped + w_ocr P_edit)."""
    model = estimate_edits({("cua", "của"): 3, ("ctia", "của"): 1, ("cúa", "cúa"): 2})
    channel = Channel(model)
    (got,) = channel.logp_many("cua", ["của"])
    assert got == pytest.approx(math.log(channel.w_stripped + channel.w_ocr * math.exp(model.logp("cua", "của"))))
    # a reading with marks is not "stripped": only the edit model speaks for it
    (got,) = channel.logp_many("cúa", ["của"])
    assert got == pytest.approx(math.log(channel.w_ocr) + model.logp("cúa", "của"))


def test_estimate_edits_by_hand():
    """Counts and smoothing on a case small enough to count by hand: "phố" read as
    "pho" twice and as "phé" once (ố/é share no base letter: a substitution)."""
    model = estimate_edits({("pho", "phố"): 2, ("phé", "phố"): 1}, alpha=0.1)
    # p and h: kept 3 times, one outcome seen; smoothing reserves alpha for the unseen
    assert model.sub["p"] == {"p": pytest.approx(math.log(3.1 / 3.2))}
    total = 3 + 0.1 * 3  # three observations, two outcomes seen (+1 for the unseen)
    assert model.sub["ố"]["o"] == pytest.approx(math.log(2.1 / total))
    assert model.sub["ố"]["é"] == pytest.approx(math.log(1.1 / total))
    # 9 aligned positions, no insertion: P(insert) = (0 + 1) / (9 + 0 + 2)
    assert model.no_ins == pytest.approx(math.log(10 / 11))
    assert model.ins == {}


def test_insertions_share_the_insertion_mass():
    model = estimate_edits({("abx", "ab"): 3, ("ayb", "ab"): 1})
    p_ins = (4 + 1) / (8 + 4 + 2)
    assert model.no_ins == pytest.approx(math.log(1 - p_ins))
    assert model.ins["x"] == pytest.approx(math.log(p_ins * 3 / 4))
    assert model.ins["y"] == pytest.approx(math.log(p_ins * 1 / 4))


def test_an_unseen_accented_letter_is_read_like_its_base_letter():
    """_row's fallback: a clean letter missing from the table (a rare accented form)
    is kept, deleted and misread like its base letter."""
    model = CharEditModel(sub={"a": {"a": math.log(0.8), "o": math.log(0.15), "": math.log(0.05)}},
                          no_ins=0.0)
    assert model.logp("ấ", "ấ") == pytest.approx(math.log(0.8))
    assert model.logp("o", "ấ") == pytest.approx(math.log(0.15))
    assert model.logp("", "ấ") == pytest.approx(math.log(0.05))


@pytest.mark.xfail(strict=True, reason="channel.py bug: logp_many adds an empty row for a clean letter "
                   "it has not seen (CharEditModel._clean_index) instead of the base-letter fallback "
                   "that logp uses, and so changes the model (and the candidate fingerprint)")
def test_logp_many_agrees_with_logp_for_an_unseen_letter():
    model = CharEditModel(sub={"a": {"a": math.log(0.8), "o": math.log(0.15), "": math.log(0.05)}},
                          no_ins=0.0)
    before = model.to_json()
    (many,) = model.logp_many("o", ["ấ"])
    assert many == pytest.approx(math.log(0.15))
    assert model.to_json() == before


def test_logp_many_scores_known_forms_next_to_an_unseen_letter():
    # (was a strict xfail: logp_many re-indexed the letters mid-call; fixed in channel.py)
    model = estimate_edits({("cua", "của"): 3, ("ctia", "của"): 1})
    want = model.logp("cua", "của")
    got = model.logp_many("cua", ["của", "cúa"])  # ú: not in the table
    assert got[0] == pytest.approx(want)
