"""The decoder (vidiacritic.viterbi) against brute force on small random lattices.

A fake trigram model with random log-probabilities over a tiny vocabulary stands in
for the real one, so every quantity the decoder promises can be recomputed by plain
enumeration of all paths:

* ``Decoded.best``: the path maximising  sum_i lm_weight * LM(w_i | w_{i-2} w_{i-1})
  + unary_i(w_i), with two BOS in front and the EOS transition at the end;
* ``Decoded.marginals``: per position, the softmax over candidates of the max-marginal
  (best score of a path through that candidate) divided by ``temperature``;
* ``_bigram_keep``: the candidates with the highest max-marginals under the bigram
  model (same unary scores, bigram LM, one BOS, EOS at the end);
* with ``prune_to``: exactly the above, restricted to the candidates the bigram pass
  keeps; pruned candidates get probability 0; ``prune_to`` >= K changes nothing.
"""
import itertools

import numpy as np
import pytest

from vidiacritic.viterbi import Lattice, _bigram_keep, _groups, _stack, decode_batch

V = 6  # real words 0..V-1; BOS and EOS follow


class TrigramOnlyLM:
    """Random trigram log-probabilities over V words + BOS + EOS, and no bigram scores
    (so the decoder cannot prune).  The decoder pads lattices with eos_id and looks
    those padding n-grams up too, so the table covers every id in every slot."""

    def __init__(self, rng):
        self.bos_id, self.eos_id = V, V + 1
        n = V + 2
        self.tri = rng.normal(-3.0, 1.5, size=(n, n, n))

    def logprob(self, u, v, w):
        return self.tri[np.asarray(u), np.asarray(v), np.asarray(w)]


class FakeLM(TrigramOnlyLM):
    """With random bigram log-probabilities too (the pruning pre-pass), optionally as a
    dense `bigram_lookup` like the shipped model's."""

    def __init__(self, rng, with_lookup=False):
        super().__init__(rng)
        n = V + 2
        self.bi = rng.normal(-3.0, 1.5, size=(n, n))
        if with_lookup:
            self.bigram_lookup = lambda v, w: self.bi[v, w]

    def logprob_bigram(self, v, w):
        return self.bi[np.asarray(v), np.asarray(w)]


def random_lattice(rng, n, max_k):
    ids, unary = [], []
    for _ in range(n):
        k = int(rng.integers(1, max_k + 1))
        ids.append(rng.choice(V, size=k, replace=False).astype(np.int64))
        unary.append(rng.normal(-1.0, 2.0, size=k))
    return Lattice(ids, unary)


# ---------------------------------------------------------------- brute force
def path_score(lm, lat, path, lm_weight):
    words = [lm.bos_id, lm.bos_id] + [int(lat.ids[i][k]) for i, k in enumerate(path)] + [lm.eos_id]
    lm_part = sum(lm.tri[words[t - 2], words[t - 1], words[t]] for t in range(2, len(words)))
    return lm_weight * lm_part + sum(lat.unary[i][k] for i, k in enumerate(path))


def bigram_path_score(lm, lat, path, lm_weight):
    words = [lm.bos_id] + [int(lat.ids[i][k]) for i, k in enumerate(path)] + [lm.eos_id]
    lm_part = sum(lm.bi[words[t - 1], words[t]] for t in range(1, len(words)))
    return lm_weight * lm_part + sum(lat.unary[i][k] for i, k in enumerate(path))


def enumerate_paths(lat, allowed=None):
    """Every path as a tuple of candidate indices; `allowed[i]` restricts position i."""
    choices = [range(len(a)) if allowed is None else allowed[i] for i, a in enumerate(lat.ids)]
    return itertools.product(*choices)


def brute_force(lm, lat, lm_weight, temperature=1.0, allowed=None, score=path_score):
    """(best path, per-position max-marginals, per-position softmax of them / T)."""
    mm = [np.full(len(a), -np.inf) for a in lat.ids]
    best, best_score = None, -np.inf
    for path in enumerate_paths(lat, allowed):
        s = score(lm, lat, path, lm_weight)
        if s > best_score:
            best, best_score = path, s
        for i, k in enumerate(path):
            mm[i][k] = max(mm[i][k], s)
    probs = []
    for m in mm:
        z = np.where(np.isfinite(m), (m - m.max()) / temperature, -np.inf)
        p = np.exp(z)
        probs.append(p / p.sum())
    return list(best), mm, probs


def top_by_bigram(lm, lat, keep, lm_weight):
    """Indices of the `keep` candidates with the best bigram max-marginals, per position."""
    _, mm, _ = brute_force(lm, lat, lm_weight, score=bigram_path_score)
    return [sorted(np.argsort(-m, kind="stable")[:keep].tolist()) for m in mm]


def tie_at_cut(mm, keep, gap=1e-9):
    """True when the keep-th and the next best max-marginals are (nearly) equal."""
    v = np.sort(mm)[::-1]
    return len(v) > keep and v[keep - 1] - v[keep] < gap


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize("seed", range(40))
def test_viterbi_matches_brute_force(seed):
    """Best path and max-marginal confidences of the exact (unpruned) decoder.
    Catches a swapped backtrace index and max-marginals taken over the wrong axis."""
    rng = np.random.default_rng(seed)
    lm = FakeLM(rng)
    lm_weight = float(rng.choice([1.0, 0.5, 1.7]))
    temperature = float(rng.choice([1.0, 0.6, 2.5]))
    lattices = [random_lattice(rng, int(rng.integers(1, 6)), 4) for _ in range(4)]
    got = decode_batch(lattices, lm, lm_weight=lm_weight, temperature=temperature)
    for lat, dec in zip(lattices, got):
        best, _, probs = brute_force(lm, lat, lm_weight, temperature)
        assert dec.best == best
        assert len(dec.marginals) == len(lat.ids)
        for p_got, p_want in zip(dec.marginals, probs):
            np.testing.assert_allclose(p_got, p_want, rtol=1e-7, atol=1e-9)


def test_same_length_chains_in_one_batch_do_not_mix():
    """Lattices of equal length are stacked into one array: each must still be decoded
    on its own (a batch gives the same answers as one lattice at a time)."""
    rng = np.random.default_rng(123)
    lm = FakeLM(rng)
    lattices = [random_lattice(rng, 4, 4) for _ in range(6)] + [Lattice([], [])]
    together = decode_batch(lattices, lm)
    for lat, dec in zip(lattices, together):
        (alone,) = decode_batch([lat], lm)
        assert dec.best == alone.best
        for a, b in zip(dec.marginals, alone.marginals):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert together[-1].best == [] and together[-1].marginals == []


@pytest.mark.parametrize("seed", range(12))
def test_lattices_of_other_lengths_decoded_together_give_the_same_bits(seed):
    """Lattices of different lengths share a batch (the shorter ones get extra BOS
    positions in front, whose steps score exactly 0): every best index and every
    confidence must be bit for bit what decoding each lattice alone gives, pruned or
    not, the pruning's candidate cut included."""
    rng = np.random.default_rng(4000 + seed)
    lm = FakeLM(rng, with_lookup=bool(seed % 2))
    lattices = [random_lattice(rng, int(rng.integers(0, 9)), int(rng.integers(1, 7))) for _ in range(12)]
    for prune_to in (0, 2, 3):
        memo: dict = {}
        together = decode_batch(lattices, lm, lm_weight=0.9, prune_to=prune_to, temperature=0.7, memo=memo)
        again = decode_batch(lattices, lm, lm_weight=0.9, prune_to=prune_to, temperature=0.7, memo=memo)
        # a subset, other unary scores: other groups, each lattice's bigram scores from the memo
        some = [Lattice(lat.ids, [u + rng.normal(0.0, 1.0, len(u)) for u in lat.unary]) for lat in lattices[::3]]
        for lat, dec in zip(some, decode_batch(some, lm, lm_weight=0.9, prune_to=prune_to, temperature=0.7,
                                                memo=memo)):
            (alone,) = decode_batch([lat], lm, lm_weight=0.9, prune_to=prune_to, temperature=0.7)
            assert dec.best == alone.best
            assert all(a.tobytes() == b.tobytes() for a, b in zip(dec.marginals, alone.marginals))
        for lat, dec, dec2 in zip(lattices, together, again):
            (alone,) = decode_batch([lat], lm, lm_weight=0.9, prune_to=prune_to, temperature=0.7)
            for d in (dec, dec2):
                assert d.best == alone.best
                assert len(d.marginals) == len(alone.marginals)
                for a, b in zip(d.marginals, alone.marginals):
                    assert a.tobytes() == b.tobytes()


def test_groups_bound_the_padding_and_the_memory():
    rng = np.random.default_rng(0)
    lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 31, 200, 0] + rng.integers(1, 200, 300).tolist()
    widths = rng.integers(1, 26, len(lengths)).tolist()
    widths[13] = 200  # one lattice alone over the budget: a group of its own
    budget = 1 << 18
    for prune_to in (0, 4):
        groups = _groups(lengths, widths, prune_to, 1.5, budget)
        assert sorted(i for g in groups for i in g) == [i for i, n in enumerate(lengths) if n > 0]
        for g in groups:
            assert max(lengths[i] for i in g) <= min(lengths[i] for i in g) * 1.5 + 1
            width = max(widths[i] for i in g)
            k = min(width, prune_to) if prune_to else width
            cells = len(g) * (max(lengths[i] for i in g) + 3) * max(width ** 2, k ** 3)
            assert cells <= budget or len(g) == 1


def test_the_best_candidate_has_the_highest_confidence():
    """The best path's candidate at every position has the largest max-marginal, so the
    reported confidence (its softmax) is the largest of the position's probabilities."""
    rng = np.random.default_rng(7)
    lm = FakeLM(rng)
    for _ in range(20):
        lat = random_lattice(rng, 5, 5)
        (dec,) = decode_batch([lat], lm)
        for k, p in zip(dec.best, dec.marginals):
            assert p[k] == pytest.approx(p.max(), abs=1e-12)
            assert p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(30))
def test_bigram_keep_keeps_the_best_bigram_max_marginals(seed):
    """The bigram pre-pass keeps, per position, the `keep` candidates with the best
    bigram max-marginals (so always the best bigram path's own candidates).  Catches
    a backward step that forgets the next word's unary score."""
    rng = np.random.default_rng(1000 + seed)
    lm = FakeLM(rng)
    lm_weight = float(rng.choice([1.0, 0.8]))
    keep = int(rng.integers(1, 4))
    K = 5
    lat = random_lattice(rng, int(rng.integers(1, 5)), K)
    ids, un, _ = _stack([lat], lm, K, n_bos=1)
    kept = _bigram_keep(ids, un, lm, keep, lm_weight)[0]
    _, mm, _ = brute_force(lm, lat, lm_weight, score=bigram_path_score)
    best_bigram, _, _ = brute_force(lm, lat, lm_weight, score=bigram_path_score)
    for i, m in enumerate(mm):
        real = [int(k) for k in kept[i] if k < len(m)]
        if tie_at_cut(m, keep):
            continue  # either candidate may be kept
        assert real == sorted(np.argsort(-m)[:keep].tolist()), (i, kept[i], m)
        assert best_bigram[i] in real


@pytest.mark.parametrize("seed", range(30))
def test_pruned_decoding_is_exact_on_the_kept_candidates(seed):
    """With prune_to < K: the trigram result over exactly the candidates the bigram
    pass keeps; pruned candidates are reported with probability 0, in the original
    candidate indexing."""
    rng = np.random.default_rng(2000 + seed)
    lm = FakeLM(rng, with_lookup=bool(seed % 2))
    prune_to = int(rng.integers(1, 4))
    lattices = [random_lattice(rng, int(rng.integers(1, 5)), 5) for _ in range(3)]
    # at least one position wider than prune_to, or no pruning happens at all
    lattices[0].ids[0] = np.arange(5, dtype=np.int64)
    lattices[0].unary[0] = rng.normal(-1.0, 2.0, size=5)
    got = decode_batch(lattices, lm, prune_to=prune_to, temperature=0.8)
    for lat, dec in zip(lattices, got):
        _, bmm, _ = brute_force(lm, lat, 1.0, score=bigram_path_score)
        if any(tie_at_cut(m, prune_to) for m in bmm):
            continue  # either candidate may be kept
        allowed = top_by_bigram(lm, lat, prune_to, 1.0)
        best, _, probs = brute_force(lm, lat, 1.0, 0.8, allowed=allowed)
        assert dec.best == best
        for i, (p_got, p_want) in enumerate(zip(dec.marginals, probs)):
            assert len(p_got) == len(lat.ids[i])
            np.testing.assert_allclose(p_got, p_want, rtol=1e-7, atol=1e-9)
            pruned = np.setdiff1d(np.arange(len(p_got)), allowed[i])
            assert np.all(p_got[pruned] == 0.0)


@pytest.mark.parametrize("seed", range(10))
def test_prune_to_at_least_k_is_exact(seed):
    rng = np.random.default_rng(3000 + seed)
    lm = FakeLM(rng)
    lattices = [random_lattice(rng, int(rng.integers(1, 6)), 4) for _ in range(3)]
    exact = decode_batch(lattices, lm)
    for prune_to in (4, 9):
        for a, b in zip(exact, decode_batch(lattices, lm, prune_to=prune_to)):
            assert a.best == b.best
            for x, y in zip(a.marginals, b.marginals):
                np.testing.assert_array_equal(x, y)


def test_without_bigram_scores_no_pruning_happens():
    """An LM without logprob_bigram cannot be pruned: the result is the exact one."""
    rng = np.random.default_rng(11)
    lm = TrigramOnlyLM(rng)
    lat = random_lattice(rng, 4, 5)
    (dec,) = decode_batch([lat], lm, prune_to=1)
    best, _, probs = brute_force(lm, lat, 1.0)
    assert dec.best == best
    for p_got, p_want in zip(dec.marginals, probs):
        np.testing.assert_allclose(p_got, p_want, rtol=1e-7, atol=1e-9)


def test_temperature_flattens_but_keeps_the_order():
    rng = np.random.default_rng(5)
    lm = FakeLM(rng)
    lat = random_lattice(rng, 4, 4)
    cold, hot = decode_batch([lat], lm, temperature=0.5)[0], decode_batch([lat], lm, temperature=4.0)[0]
    assert cold.best == hot.best
    for c, h in zip(cold.marginals, hot.marginals):
        if len(c) > 1:
            assert c.max() > h.max()  # a hotter softmax is flatter
            assert list(np.argsort(-c, kind="stable")) == list(np.argsort(-h, kind="stable"))


def test_padding_never_wins():
    """Padding candidates (NEG unary) never appear in the best path, even when the LM
    loves the padding id."""
    rng = np.random.default_rng(9)
    lm = FakeLM(rng)
    lm.tri[:, :, lm.eos_id] = 0.0  # EOS (the padding id) is the LM's favourite word
    lattices = [Lattice([np.array([1]), np.array([2, 3, 4, 5])], [np.zeros(1), np.zeros(4)])]
    (dec,) = decode_batch(lattices, lm)
    assert dec.best[0] == 0 and 0 <= dec.best[1] < 4


def _full_width_keep(ids, un, lm, keep, lm_weight):
    """_bigram_keep as it was before session 14: every step over all K candidates."""
    from vidiacritic.viterbi import NEG, _bigram_scores
    B, T, K = ids.shape
    M = _bigram_scores(ids, un > NEG / 2, lm, lm_weight)
    alpha, beta = np.empty((B, T, K)), np.zeros((B, T, K))
    alpha[:, 0] = un[:, 0]
    for t in range(1, T):
        alpha[:, t] = (alpha[:, t - 1, :, None] + M[:, t - 1]).max(axis=1) + un[:, t]
    for t in range(T - 2, -1, -1):
        beta[:, t] = (M[:, t] + (un[:, t + 1] + beta[:, t + 1])[:, None, :]).max(axis=2)
    return alpha + beta


@pytest.mark.parametrize("seed", range(20))
def test_bigram_keep_over_each_steps_widest_candidates_keeps_the_same_bits(seed):
    """The bigram pass reads at each step only the candidates some lattice of the group
    has there (session 14): in a group of lattices whose positions differ in width,
    every real candidate's max-marginal is the full-width pass's to the bit, so the
    same real candidates are kept."""
    rng = np.random.default_rng(5000 + seed)
    lm = FakeLM(rng, with_lookup=bool(seed % 2))
    lm_weight = float(rng.choice([1.0, 0.8]))
    keep = int(rng.integers(1, 4))
    lattices = [random_lattice(rng, int(rng.integers(1, 7)), 6) for _ in range(int(rng.integers(1, 5)))]
    K = max(len(a) for lat in lattices for a in lat.ids) + int(rng.integers(0, 3))  # (wider than any: padding)
    ids, un, front = _stack(lattices, lm, K, n_bos=1)
    kept = _bigram_keep(ids, un, lm, keep, lm_weight, front=front)
    full = _full_width_keep(ids, un, lm, keep, lm_weight)[:, 1:-1]
    old = np.sort(np.argsort(-full, axis=2, kind="stable")[:, :, :keep], axis=2)
    n = ids.shape[1] - 2
    for b, lat in enumerate(lattices):
        f = n - len(lat.ids)
        for i, a in enumerate(lat.ids):
            assert [k for k in kept[b, f + i] if k < len(a)] == [k for k in old[b, f + i] if k < len(a)]


def test_chosen_share_of_a_form_offered_once_is_its_marginal():
    from vidiacritic.viterbi import chosen_share
    m = np.random.default_rng(7).dirichlet(np.ones(5))
    forms = ["a", "b", None, "c", "b"]
    for k in (0, 2, 3):
        assert chosen_share(m, forms, k) == float(sum(x for f, x in zip(forms, m) if f == forms[k]))
    assert chosen_share(m, forms, 1) == float(m[1] + m[4])
