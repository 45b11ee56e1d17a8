"""Candidate retrieval (vidiacritic.candidates) against a slow exhaustive search.

CandidateGenerator finds vocabulary skeletons through a deletion index (SymSpell);
the exhaustive search here looks at *every* skeleton of a small vocabulary instead and
decides reachability with a longest-common-subsequence test:

  a skeleton s is retrieved for a reading r  iff  some string is both r with at most
  `depth` letters deleted (depth 1 for skeletons of up to 3 letters, else 2) and s with
  at most 2 deleted  iff  LCS(r, s) >= max(len(r) - depth, len(s) - 2, 0).

Then, as the module docstring promises: skeletons up to SKELETON_SLACK edits farther
(Levenshtein) than the nearest are kept, each with its MAX_FORMS_PER_SKELETON most
frequent forms; every form is scored with the channel (here with the plain reference
DP, CharEditModel.logp, and the mixture written out); forms whose channel score is
more than CHANNEL_BEAM below the best are dropped; the rest are ranked by channel +
PRIOR_WEIGHT * log unigram prior and cut to max_candidates.
The readings of the observed skeleton (CandidateGenerator._readings) are taken as
given: they are tested on their own below.
"""
import math

import numpy as np
import pytest

from vidiacritic import candidates as cmod
from vidiacritic.candidates import CandidateGenerator, skeleton
from vidiacritic.resources import load_channel
from vidiacritic.text import nfc, strip_diacritics

TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
WORDS = ("của cửa cua cúa chức chúc chục phố phó pho phở người ngươi tổ tố to tô tơ từ tư tu "
         "tứ tử lớn lợn số sổ sơ dân dẫn dần nam năm nằm thành thanh tỉnh tinh tính việt viết "
         "quyết quyết định đinh đính giao giáo giáp đất đặt cho chợ chờ sử sự dụng dùng").split()


def many_forms(base_vowels, before, after):
    """Every vowel x tone combination of one skeleton: more forms than the cap."""
    return [nfc(before + v + t + after) for v in base_vowels for t in TONES]


@pytest.fixture(scope="module")
def vocab():
    words = sorted(set(nfc(w) for w in WORDS) | set(many_forms("aăâ", "b", "n")))
    rng = np.random.default_rng(0)
    counts = rng.permutation(len(words)) * 7 + 3  # distinct counts: no ties in ranking
    return {w: int(c) for w, c in zip(words, counts)}


@pytest.fixture(scope="module")
def channel():
    return load_channel()


def lcs(a, b):
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def mixture(channel, obs, form):
    p = channel.w_ocr * math.exp(channel.edits.logp(obs, form))
    if form == obs:
        p += channel.w_identity
    elif strip_diacritics(obs) == obs and strip_diacritics(form) == obs:
        p += channel.w_stripped
    return math.log(p)


def exhaustive(gen, vocab, channel, token, max_candidates):
    obs = nfc(token).lower()
    sk = strip_diacritics(obs)
    if not sk or len(sk) > 9:
        return ()
    depth = 1 if len(sk) <= 3 else 2
    by_skeleton = {}
    for w in sorted(vocab, key=lambda w: -vocab[w]):
        by_skeleton.setdefault(strip_diacritics(w), []).append(w)
    dist = {}
    for reading in gen._readings(sk):
        for s in by_skeleton:
            if lcs(reading, s) >= max(len(reading) - depth, len(s) - 2, 0):
                dist[s] = min(dist.get(s, 99), levenshtein(reading, s))
    if not dist:
        return ()
    limit = min(dist.values()) + cmod.SKELETON_SLACK
    forms = [f for s in dist if dist[s] <= limit for f in by_skeleton[s][:cmod.MAX_FORMS_PER_SKELETON]]
    total = sum(vocab.values())
    scored = [(mixture(channel, obs, f) + cmod.PRIOR_WEIGHT * math.log(vocab[f] / total), f) for f in forms]
    best = max(mixture(channel, obs, f) for f in forms)
    scored = [(s, f) for s, f in scored if mixture(channel, obs, f) >= best - cmod.CHANNEL_BEAM]
    scored.sort(reverse=True)
    return tuple((f, mixture(channel, obs, f)) for _, f in scored[:max_candidates])


def observations(vocab, rng, n=70):
    """Damaged readings of vocabulary words: stripped, a letter lost, doubled, swapped
    for another letter or for a digit, and some random strings."""
    words = sorted(vocab)
    out = set()
    for _ in range(n):
        w = words[int(rng.integers(len(words)))]
        sk = skeleton(w)
        i = int(rng.integers(len(sk)))
        kind = int(rng.integers(6))
        if kind == 0:
            out.add(sk)
        elif kind == 1 and len(sk) > 1:
            out.add(w[:i] + w[i + 1:])
        elif kind == 2:
            out.add(w[:i] + w[i] + w[i:])
        elif kind == 3:
            out.add(sk[:i] + "abcdeghiklmnopqrstuvxy"[int(rng.integers(22))] + sk[i + 1:])
        elif kind == 4:
            out.add(sk.replace("o", "6", 1).replace("l", "1", 1))
        else:
            out.add("".join(rng.choice(list("abcdghinoptu"), size=int(rng.integers(1, 6)))))
    return sorted(out)


@pytest.mark.parametrize("rewrites", [(), (("ir", "u"), ("rn", "m"))])
def test_candidates_equal_the_exhaustive_search(vocab, channel, rewrites):
    gen = CandidateGenerator(vocab, channel, max_candidates=6, rewrites=rewrites)
    rng = np.random.default_rng(len(rewrites))
    obs_list = observations(vocab, rng) + ["tir", "narn", "ban", "bân", "bn", "xyzxyzxyzx", "", "Của"]
    for obs in obs_list:
        got = gen._candidates(nfc(obs).lower()) if obs else ()
        want = exhaustive(gen, vocab, channel, obs, 6)
        assert [f for f, _ in got] == [f for f, _ in want], obs
        for (_, a), (_, b) in zip(got, want):
            assert a == pytest.approx(b, abs=1e-4), obs


def test_frequent_forms_fill_the_per_skeleton_cap(vocab, channel):
    """Only the MAX_FORMS_PER_SKELETON most frequent forms of a skeleton compete, and
    the observed word itself when it is a syllable (a rare name must not lose its slot
    to common forms by their prior alone)."""
    gen = CandidateGenerator(vocab, channel, max_candidates=100)
    ban = sorted((w for w in vocab if skeleton(w) == "ban"), key=lambda w: -vocab[w])
    assert len(ban) > cmod.MAX_FORMS_PER_SKELETON
    for obs in ban[:1] + ban[-1:]:  # the most frequent form and one beyond the cap
        got = {f for f, _ in gen.candidates(obs)}
        assert set(ban[cmod.MAX_FORMS_PER_SKELETON:]) - {obs} == set(ban[cmod.MAX_FORMS_PER_SKELETON:]) - got - {obs}
        assert got & set(ban) <= set(ban[:cmod.MAX_FORMS_PER_SKELETON]) | {obs}
        assert obs in got


def test_readings_replace_non_letters_and_apply_one_rewrite(channel):
    gen = CandidateGenerator({"lớn": 1}, channel, rewrites=[("ir", "u"), ("rn", "m")])
    assert gen._readings("lon") == ["lon"]
    assert "tu" in gen._readings("tir") and "tir" in gen._readings("tir")
    # one rewrite at a time, at every place it applies
    assert set(gen._readings("tirrn")) >= {"tirrn", "turn", "tirm"}
    assert "tum" not in gen._readings("tirrn")
    # a digit is read as the letters the channel most often misreads as it
    sixes = gen._letters_for.get("6")
    assert sixes and all(r[1] in sixes for r in gen._readings("s6") if r != "s6")
    assert "so" in gen._readings("s6")
    assert len(gen._readings("6666")) <= cmod.MAX_READINGS


def test_cache_and_table_paths_give_the_same_candidates(vocab, channel, tmp_path):
    gen = CandidateGenerator(vocab, channel, max_candidates=6)
    obs = ["cua", "phd", "nguoi", "s6", "tinh"]
    live = {o: gen.candidates(o) for o in obs}
    path = str(tmp_path / "table.tsv.gz")
    assert gen.save_table(path, obs) == len(obs)
    fresh = CandidateGenerator(vocab, channel, max_candidates=6)
    assert fresh.load_table(path)
    for o in obs:
        assert fresh.candidates(o) == live[o]
        assert fresh.candidates(o.upper()) == live[o]  # any case, one entry
    other = CandidateGenerator(dict(vocab, xyz=1), channel, max_candidates=6)
    assert not other.load_table(path)  # another vocabulary: the table is not used
