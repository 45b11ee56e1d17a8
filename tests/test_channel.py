"""The OCR channel: estimation from pairs and the vectorised scorer."""
import math

import numpy as np
import pytest

from scripts.estimate_channels import estimate_edits
from vidiacritic.channel import Channel
from vidiacritic.resources import load_channel

PAIRS = {("phé", "phố"): 5, ("pho", "phố"): 3, ("chic", "chức"): 2, ("chuc", "chức"): 4, ("s6", "số"): 3,
         ("ctia", "của"): 2, ("cua", "của"): 6, ("16n", "lớn"): 1, ("lon", "lớn"): 2, ("dân", "dân"): 7}


def test_estimated_edits_are_distributions():
    model = estimate_edits(PAIRS)
    for row in model.sub.values():
        assert sum(math.exp(lp) for lp in row.values()) <= 1.0 + 1e-9
    assert math.exp(model.sub["ố"]["é"]) > math.exp(model.sub["ố"].get("d", -99))
    assert model.no_ins < 0


def test_counts_weight_the_estimate():
    once = estimate_edits({("phé", "phố"): 1, ("pho", "phố"): 1})
    often = estimate_edits({("phé", "phố"): 9, ("pho", "phố"): 1})
    assert often.sub["ố"]["é"] > once.sub["ố"]["é"]


def test_vectorised_scores_equal_the_reference_dp():
    channel = load_channel()
    forms = ["phố", "phô", "chức", "của", "lớn", "người", "a", "nghiêng"]
    for obs in ("phé", "phd", "chic", "ctia", "16n", "nguoi", "x&", "ngiêng"):
        got = channel.edits.logp_many(obs, forms)
        want = np.array([channel.edits.logp(obs, f) for f in forms])
        assert np.allclose(got, want), obs


def test_identity_and_stripped_readings_dominate():
    channel = Channel(estimate_edits(PAIRS))
    same, stripped, other = channel.logp_many("của", ["của", "cửa", "cua"])
    assert same > max(stripped, other)
    # both marked forms of a mark-less reading get the stripped prior on top of the
    # edit model, exactly: log(w_stripped + w_ocr P_edit) (not just "more than w_stripped",
    # which a log-sum-exp is by construction)
    # (one form per call: see test_channel_reference's xfail on letters the table lacks)
    for form in ("của", "cúa"):
        (got,) = channel.logp_many("cua", [form])
        edit = channel.w_ocr * math.exp(channel.edits.logp("cua", form))
        assert got == pytest.approx(math.log(channel.w_stripped + edit)), form


def test_vectorised_scores_with_a_letter_never_seen_mid_batch():
    # A clean letter missing from the tables extends them, which renumbers the letters:
    # forms coded before the extension used to be scored with the wrong rows.
    m = estimate_edits({("nhâm", "nhăm"): 1, ("nhăm", "nhăm"): 9})
    forms = ["nhăm", "nhêm", "nhăm"]
    got = m.logp_many("nhâm", forms)
    assert np.allclose(got, [m.logp("nhâm", f) for f in forms])
