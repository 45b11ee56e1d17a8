"""The OCR channel: estimation from pairs and the vectorised scorer."""
import copy
import math

import numpy as np
import pytest

from scripts.estimate_channels import estimate_edits
from vidiacritic import compiled
from vidiacritic.channel import UNSEEN_EDIT_LOGP, Channel, CharEditModel
from vidiacritic.resources import load_channel

# The edit DP runs in C when the extension is built (vidiacritic._decode.edit_dp) and in
# numpy / Python otherwise: the tests that compare to the bit run under both settings.
SETTINGS = ["numpy", pytest.param("compiled", marks=pytest.mark.skipif(
    compiled.ext is None, reason="vidiacritic._decode is not built (`python setup.py build_ext --inplace`)"))]

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


def _cell_by_cell(model, obs, forms):
    """logp_many's DP one cell at a time over the dense tables (how it was written
    before its rows were vectorised): the bit-exact reference for the faster one."""
    sub, dele = model._tables()
    out = []
    ins = [model.ins.get(o, 2 * UNSEEN_EDIT_LOGP) for o in obs]
    for f in forms:
        prev = np.concatenate([[0.0], np.cumsum(ins)])
        for c in f:
            ci = model._clean_index(c)
            sub, dele = model._tables()
            cur = np.empty(len(obs) + 1)
            cur[0] = prev[0] + dele[ci]
            for j, o in enumerate(obs):
                best = max(prev[j] + sub[ci, model._oidx.get(o, 0)], prev[j + 1] + dele[ci])
                cur[j + 1] = max(best, cur[j] + ins[j])
            prev = cur
        out.append(prev[len(obs)] if f else -math.inf)
    return np.array(out)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("seed", range(4))
def test_vectorised_scores_are_the_cell_by_cell_scores_to_the_bit(seed, setting, monkeypatch):
    monkeypatch.setenv(compiled.ENV, setting)
    # Forms of every length against observations of every length (empty ones too),
    # over the shipped model; then a letter the tables lack, after forms were coded
    # (the extension renumbers the letters, so earlier codes must be dropped).
    rng = np.random.default_rng(seed)
    # a copy: extending the tables adds rows to the model, and the shipped one is shared
    # (its rows are in the fingerprint the candidate table is checked against)
    model = copy.deepcopy(load_channel().edits)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềổữự6&1@ "
    words = ["".join(rng.choice(list(letters), size=int(rng.integers(0, 9)))) for _ in range(200)]
    for k in range(40):
        obs = words[k]
        forms = [words[i] for i in rng.integers(0, len(words), size=int(rng.integers(0, 80)))]
        got = model.logp_many(obs, forms)
        assert got.tobytes() == _cell_by_cell(model, obs, forms).tobytes(), (obs, forms)
    fresh = copy.deepcopy(model)
    forms = words[:30]
    fresh.logp_many("abc", forms)
    got = fresh.logp_many("abc", forms + ["ʬb"] + forms)
    assert got.tobytes() == _cell_by_cell(copy.deepcopy(model), "abc", forms + ["ʬb"] + forms).tobytes()


def _pair_by_pair(model, obs, clean, monkeypatch):
    """logp's DP in plain Python (VIDIACRITIC_DECODER=numpy), then back to compiled."""
    monkeypatch.setenv(compiled.ENV, "numpy")
    try:
        return model.logp(obs, clean)
    finally:
        monkeypatch.setenv(compiled.ENV, "compiled")


@pytest.mark.skipif(compiled.ext is None, reason="vidiacritic._decode is not built")
@pytest.mark.parametrize("seed", range(3))
def test_compiled_pair_scores_are_the_python_ones_to_the_bit(seed, monkeypatch):
    # logp adds no_ins after the substitution, logp_many before it: the C code keeps
    # each one's order (they differ in the last bits for many letter strings).  Letters
    # the tables lack (ʬ) and an empty form take the Python path and its fallback row.
    monkeypatch.setenv(compiled.ENV, "compiled")
    rng = np.random.default_rng(seed)
    model = copy.deepcopy(load_channel().edits)
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềổữự6&1@ ʬ"
    words = ["".join(rng.choice(list(letters), size=int(rng.integers(0, 9)))) for _ in range(150)]
    for obs in words[:40]:
        for clean in words[40:]:
            assert struct_bits(model.logp(obs, clean)) == struct_bits(_pair_by_pair(model, obs, clean, monkeypatch)), (obs, clean)


@pytest.mark.skipif(compiled.ext is None, reason="vidiacritic._decode is not built")
@pytest.mark.parametrize("seed", range(3))
def test_words_read_as_themselves_in_one_call_are_logp_to_the_bit(seed, monkeypatch):
    """own_logps (the marks channel's identities, one C call) against logp of each word
    with itself in plain Python: letters the tables lack (ʬ) and the empty word take
    logp's own path, in their places among the others."""
    from vidiacritic.resources import load_marks
    monkeypatch.setenv(compiled.ENV, "compiled")
    rng = np.random.default_rng(seed)
    for model in (copy.deepcopy(load_channel().edits), copy.deepcopy(load_marks().letters)):
        letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy6&1@ ʬ"
        words = ["".join(rng.choice(list(letters), size=int(rng.integers(0, 9)))) for _ in range(300)]
        got = model.own_logps(words)
        assert len(got) == len(words)
        for w, g in zip(words, got):
            assert struct_bits(g) == struct_bits(_pair_by_pair(model, w, w, monkeypatch)), w
    assert model.own_logps([]) == []
    monkeypatch.setenv(compiled.ENV, "numpy")
    assert model.own_logps(words[:20]) == [model.logp(w, w) for w in words[:20]]


def struct_bits(x: float) -> bytes:
    return np.float64(x).tobytes()


@pytest.mark.skipif(compiled.ext is None, reason="vidiacritic._decode is not built")
def test_a_bad_setting_is_an_error_for_the_channel_too(monkeypatch):
    from vidiacritic.errors import SettingError
    monkeypatch.setenv(compiled.ENV, "fast")
    with pytest.raises(SettingError):
        load_channel().edits.logp_many("phé", ["phố"])
