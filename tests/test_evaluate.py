"""vidiacritic.evaluate gives the reference metric's numbers (../shared/eval/score.py),
in linear time (issue 11, item 13: an 8 KB line pair took 15 s)."""
import difflib
import random
import re
import time
import unicodedata

from hypothesis import given, settings, strategies as st

from vidiacritic.evaluate import levenshtein, score, syllable_key

# ---- the reference's own definitions (score.py), kept here to compare against
_REF_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
_REF_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def ref_key(tok, cs=False):
    tok = _REF_PUNCT.sub("", unicodedata.normalize("NFC", tok))
    if not cs:
        tok = tok.lower()
    d = unicodedata.normalize("NFD", tok)
    tones = "".join(_REF_TONES[c] for c in d if c in _REF_TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _REF_TONES))
    return base + ("#" + tones if tones else "")


def ref_lev(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def ref_score(hyp_lines, gold_lines):
    tot = ok = ok_cs = edits = chars = 0
    for h, g in zip(hyp_lines, gold_lines):
        gw = [t for t in g.split() if any(c.isalpha() for c in t)]
        hw = [t for t in h.split() if any(c.isalpha() for c in t)]
        tot += len(gw)
        for cs in (False, True):
            m = difflib.SequenceMatcher(None, [ref_key(t, cs) for t in gw], [ref_key(t, cs) for t in hw],
                                        autojunk=False)
            n = sum(b.size for b in m.get_matching_blocks())
            if cs:
                ok_cs += n
            else:
                ok += n
        gn = unicodedata.normalize("NFC", " ".join(g.split())).lower()
        hn = unicodedata.normalize("NFC", " ".join(h.split())).lower()
        edits += ref_lev(gn, hn)
        chars += len(gn)
    return {"tokens": tot, "syl_acc": round(ok / tot, 5) if tot else 0.0,
            "syl_acc_cs": round(ok_cs / tot, 5) if tot else 0.0,
            "cer": round(edits / chars, 5) if chars else 0.0}


_ALPHABET = st.sampled_from(list("aăâeêioôơuưyAĐđ.,-–:;()“” \t") + ["hoà", "hòa", "\u0301", "\u0323", "Ủy", "x1"])
_LINE = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_LINE, _LINE), min_size=1, max_size=4))
def test_score_equals_the_reference(pairs):
    hyp, gold = [h for h, _ in pairs], [g for _, g in pairs]
    assert score(hyp, gold) == ref_score(hyp, gold)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_levenshtein_equals_the_reference(a, b):
    assert levenshtein(a, b) == ref_lev(a, b)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("a-.…_9 ”\u0301đĐ&")), max_size=25))
def test_syllable_key_equals_the_reference(tok):
    assert syllable_key(tok) == ref_key(tok) and syllable_key(tok, True) == ref_key(tok, True)


def _long_pair(n_bytes):
    """An ~n_bytes gold line and a damaged hypothesis of it (marks dropped, words
    inserted and merged), written here."""
    words = ("Ủy ban nhân dân tỉnh ban hành quyết định về việc giao chỉ tiêu kế hoạch phát triển "
             "kinh tế xã hội năm 2024 cho các sở ngành, huyện thị xã thành phố").split()
    rng = random.Random(7)
    gold = []
    while len(" ".join(gold).encode()) < n_bytes:
        gold.append(rng.choice(words))
    hyp = []
    for w in gold:
        r = rng.random()
        hyp.append(unicodedata.normalize("NFD", w)[0] + w[1:] if r < 0.3 else
                   w + " xx" if r < 0.35 else w + "-" if r < 0.4 else w)
    return " ".join(hyp), " ".join(gold)


def test_an_8kb_line_pair_scores_in_under_a_second():
    hyp, gold = _long_pair(8192)
    t0 = time.perf_counter()
    result = score([hyp], [gold])
    assert time.perf_counter() - t0 < 1.0
    assert 0 < result["cer"] < 1 and 0 < result["syl_acc"] < 1


def test_a_long_run_of_punctuation_in_a_token_is_linear():
    tok = "a" + "-" * 40_000 + "b"  # the reference's edge regex: ~1.6e9 steps
    t0 = time.perf_counter()
    assert syllable_key(tok) == tok
    assert time.perf_counter() - t0 < 0.5


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from("abcd"), max_size=40), st.lists(st.sampled_from("abcd"), max_size=40),
       st.sampled_from([0.0, 1.0, 1e9]))
def test_the_dense_matcher_finds_difflibs_blocks(a, b, ratio):
    # ratio 0: every rectangle with an equal pair is searched with numpy; 1e9: never
    from vidiacritic import evaluate
    old = evaluate.DENSE_RATIO
    evaluate.DENSE_RATIO = ratio
    try:
        mine = evaluate._Matcher(a, b).get_matching_blocks()
    finally:
        evaluate.DENSE_RATIO = old
    assert mine == difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()


def test_an_8kb_line_of_one_repeated_syllable_scores_in_under_two_seconds():
    # every token equal: difflib visits all n*m pairs (13 s before)
    gold = " ".join(["và"] * 4096)
    hyp = " ".join(["và"] * 2000 + ["va"] + ["và"] * 2095)
    t0 = time.perf_counter()
    score([hyp], [gold])
    assert time.perf_counter() - t0 < 2.0
