import time

import pytest

from vidiacritic.lexicon import (PhraseLexicon, best_cover, default_path, names_after_unit_words, place_name_words,
                                 strength_of)
from vidiacritic.text import strip_diacritics

from casedata import load_json

CASES = load_json("lexicon.json")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "tiny.tsv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("phrase\tcount\tsource\tdominance\n# a comment line\n")
        for phrase, count, source, dom in CASES["lexicon"]:
            fh.write(f"{phrase}\t{count}\t{source}\t{dom}\n")
    return PhraseLexicon.load(path)


@pytest.fixture(scope="module")
def shipped():
    return PhraseLexicon.load()


def test_names_after_unit_words_are_capitals_after_a_lowercase_opening():
    """A whole phrase on the path whose first word is written in lowercase names the
    capitalized words after it, two or more; a phrase opened by a capital (a sentence
    start, a heading's title), one only partly on the path, lowercase words or a lone
    capital name nothing."""
    lex = PhraseLexicon([(("xã", "nà", "tấu"), 0.5), (("thành", "phố", "sơn", "la"), 0.5),
                         (("phó", "trưởng", "ban"), 0.9), (("năng", "lượng", "cao"), 0.9)])
    assert names_after_unit_words(lex, ["năng", "lượng", "cao"], ["nang", "luong", "Ao"]) == []
    chosen = ["tại", "xã", "nà", "tấu", None, "thành", "phố", "sơn", "la"]
    written = ["tai", "xa", "Na", "Tdu", "2024", "thanh", "phd", "Son", "La"]
    assert names_after_unit_words(lex, chosen, written) == [2, 3, 7, 8]
    assert names_after_unit_words(lex, chosen, ["Tai", "Xa", "Na", "Tdu", "2024", "thanh", "phd", "son", "la"]) == []
    assert names_after_unit_words(lex, ["xã", "nà", "tầu"], ["xa", "Na", "Tau"]) == []
    assert names_after_unit_words(lex, ["phó", "trưởng", "ban"], ["Phé", "Truting", "Ban"]) == []
    assert names_after_unit_words(lex, [], []) == []


def test_place_name_words_follow_a_unit_word_written_as_itself():
    """The name's words of an admin phrase opened by its unit word, in lowercase and
    with its letters as written, every name word capitalized; another word OCR read
    as the unit ("va" for xã), a capital unit word, a phrase opened by no unit word
    or a name word in lowercase name nothing."""
    assert place_name_words(("thị", "trấn", "cờ", "đỏ"), ["tai", "thi", "tran", "Cd", "Dé"], 1) == [3, 4]
    assert place_name_words(("xã", "cồn", "cỏ"), ["xa", "Cén", "Cé"], 0) == [1, 2]
    assert place_name_words(("xã", "bảo", "lâm"), ["va", "Bao", "Lam"], 0) == []
    assert place_name_words(("xã", "cồn", "cỏ"), ["Xa", "Cén", "Cé"], 0) == []
    assert place_name_words(("xã", "cồn", "cỏ"), ["xa", "Cén", "cé"], 0) == []
    assert place_name_words(("động", "việt", "nam"), ["dong", "Viet", "Nam"], 0) == []
    assert place_name_words(("xã", "nà"), ["xa", "Na"], 0) == []


def test_tiny_lexicon_loads_normalized(tiny):
    assert len(tiny) == len(CASES["lexicon"])
    assert "ủy ban nhân dân" in tiny and "Ủy Ban Nhân Dân" in tiny
    assert "hòa bình" in tiny and "hoà bình" in tiny  # modern tone placement normalized
    assert "ủy ban" not in tiny  # a prefix is not a phrase
    assert tiny.get("không có") is None


@pytest.mark.parametrize("case", CASES["matches"], ids=lambda c: " ".join(s[0] for s in c["candidates"]) or "empty")
def test_matches(tiny, case):
    got = sorted((s, e, " ".join(syl)) for s, e, syl, _ in tiny.matches(case["candidates"]))
    assert got == sorted(tuple(x) for x in case["expect"])


def test_matches_accept_lists_and_sets_alike(tiny):
    cands = CASES["matches"][0]["candidates"]
    assert tiny.matches(cands) == tiny.matches([set(c) for c in cands])


@pytest.mark.parametrize("case", CASES["cover"], ids=lambda c: " ".join(s[0] for s in c["candidates"]))
def test_best_cover(tiny, case):
    cover = best_cover(tiny.matches(case["candidates"]), len(case["candidates"]))
    assert [None if m is None else " ".join(m[2]) for m in cover] == case["expect"]


def test_best_cover_prefers_strength_then_length():
    weak_long = (0, 3, ("a", "b", "c"), 0.2)
    strong_short = (0, 2, ("a", "b"), 0.9)
    assert best_cover([weak_long, strong_short], 3)[:2] == [strong_short, strong_short]
    tie_long = (0, 2, ("a", "b"), 0.9)
    tie_parts = [(0, 1, ("a",), 0.9), (1, 2, ("b",), 0.9)]
    assert best_cover(tie_parts + [tie_long], 2) == [tie_long, tie_long]
    assert best_cover([], 2) == [None, None]
    assert best_cover([(1, 5, ("x",) * 4, 1.0)], 3) == [None, None, None]  # out of range


def test_strength_is_in_unit_interval_and_monotone():
    assert 0 < strength_of(0, 1.0, "corpus") < strength_of(10, 1.0) < strength_of(1000, 1.0) <= 1
    assert strength_of(0, 1.0, "admin_units") == pytest.approx(0.5)
    assert strength_of(100, 0.95) < strength_of(100, 1.0)


def test_bad_row_is_reported(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text("phrase\tcount\tsource\tdominance\nỦy ban\t3\tcorpus\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:2"):
        PhraseLexicon.load(p)


# ---------------------------------------------------------------- the shipped lexicon
def test_shipped_lexicon_loads_fast_and_has_core_phrases(shipped):
    t0 = time.perf_counter()
    PhraseLexicon.load()
    assert time.perf_counter() - t0 < 2.0  # < 0.3 s on a quiet machine; CI may be loaded
    assert default_path().name == "admin_terms.tsv"
    assert 10_000 < len(shipped) <= 100_000
    for phrase in ("ủy ban nhân dân", "hội đồng nhân dân", "mặt trận tổ quốc việt nam",
                   "tỉnh lai châu", "thành phố hà nội", "lai châu", "tổ chức thực hiện",
                   "theo quy định của pháp luật"):
        assert phrase in shipped, phrase


def test_shipped_lexicon_rows_are_well_formed():
    with open(default_path(), encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in fh]
    assert header == ["phrase", "count", "source", "dominance"]
    assert {r[2] for r in rows} == {"corpus", "admin_units", "abbrev"}
    for phrase, count, source, dom in rows[::97]:
        assert 2 <= len(phrase.split()) <= 8 and int(count) >= 0 and 0 < float(dom) <= 1
        assert phrase == phrase.strip() and "  " not in phrase


def test_shipped_lexicon_restores_a_stripped_chain(shipped):
    gold = "Ủy ban nhân dân tỉnh Lai Châu tổ chức thực hiện theo quy định của pháp luật".lower().split()
    # Every syllable with the same stripped form is a candidate (a crude stand-in for
    # the candidate generator): the lexicon alone must choose the right readings.
    by_stripped = {}
    with open(default_path(), encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            for w in line.split("\t", 1)[0].lower().split():
                by_stripped.setdefault(strip_diacritics(w), set()).add(w)
    cands = [by_stripped.get(strip_diacritics(w), set()) | {strip_diacritics(w)} for w in gold]
    cover = best_cover(shipped.matches(cands), len(gold))
    assert all(m is not None for m in cover)
    assert [m[2][i - m[0]] for i, m in enumerate(cover)] == gold


def test_memoised_pairs_give_the_same_matches():
    """frozensets take the memoised path; the answer must not depend on it, nor on
    phrases added after a memo entry was made."""
    shipped = PhraseLexicon.load()  # a private copy: this test adds a phrase
    words = ["uy", "ban", "nhan", "dan", "tinh", "lai", "chau", "uy", "ban"]
    forms = {"uy": {"ủy", "úy", "uy"}, "ban": {"ban", "bạn", "bản", "bàn"}, "nhan": {"nhân", "nhận"},
             "dan": {"dân", "dần"}, "tinh": {"tỉnh", "tình", "tính"}, "lai": {"lai", "lại"},
             "chau": {"châu", "cháu"}}
    frozen = [frozenset(forms[w]) for w in words]
    plain = [set(forms[w]) for w in words]
    assert shipped.matches(frozen) == shipped.matches(plain)
    assert shipped.matches(frozen) == shipped.matches(frozen)  # second call: from the memo
    shipped.add(("lai", "châu", "ủy"), 0.5)
    assert any(m[2] == ("lai", "châu", "ủy") for m in shipped.matches(frozen))


def test_shipped_trie_cache_is_fresh_and_equal_to_parsing(tmp_path):
    import shutil
    from vidiacritic.lexicon import PhraseLexicon, default_path, trie_path
    tsv = default_path()
    assert trie_path(tsv).exists(), "rebuild: python -m scripts.build_lexicon --trie-only"
    cached = PhraseLexicon.load(tsv)
    assert cached._arrays is not None, "stale built trie: python -m scripts.build_lexicon --trie-only"
    copy = tmp_path / "admin_terms.tsv"
    shutil.copy(tsv, copy)  # no built trie beside it: parsed
    parsed = PhraseLexicon.load(copy)
    assert parsed._arrays is None and sorted(parsed) == sorted(cached)


def test_a_stale_trie_cache_is_ignored(tmp_path):
    from vidiacritic.lexicon import PhraseLexicon, trie_path
    tsv = tmp_path / "t.tsv"
    tsv.write_text("phrase\tcount\tsource\tdominance\nỦy ban nhân dân\t10\tcorpus\t1.0\n", encoding="utf-8")
    PhraseLexicon.load(tsv).save_trie(trie_path(tsv), tsv)
    assert PhraseLexicon.load(tsv).get("ủy ban nhân dân") is not None
    tsv.write_text("phrase\tcount\tsource\tdominance\nhội đồng nhân dân\t10\tcorpus\t1.0\n", encoding="utf-8")
    lex = PhraseLexicon.load(tsv)  # the built trie no longer matches: the TSV wins
    assert lex.get("hội đồng nhân dân") is not None and lex.get("ủy ban nhân dân") is None
    trie_path(tsv).write_bytes(b"not a trie")
    assert PhraseLexicon.load(tsv).get("hội đồng nhân dân") is not None


@pytest.mark.skipif(__import__("vidiacritic.compiled", fromlist=["ext"]).ext is None,
                    reason="vidiacritic._decode is not built (`python setup.py build_ext --inplace`)")
@pytest.mark.parametrize("seed", range(3))
def test_compiled_matches_are_the_python_walks(seed, monkeypatch):
    """The trie walk in C (vidiacritic._decode.phrase_matches) finds the same matches
    as the Python walk, in the same order of start and end (within one start and end
    Python's order follows string hashing, so the two are compared as sets there):
    random chains over the shipped lexicon's syllables, each seeded with phrases, with
    empty sets, the empty string, lists and frozensets; and after a phrase is added
    to the loaded trie, the walk is Python's (the arrays no longer hold every phrase)."""
    import random
    from vidiacritic import compiled
    lex = PhraseLexicon.load()
    rng = random.Random(seed)
    phrases = [p for p, _ in lex]
    syllables = sorted({s for p in phrases for s in p})
    for _ in range(150):
        seeded = [s for _ in range(2) for s in rng.choice(phrases)]
        chain = []
        for i in range(rng.randint(0, 14)):
            c = set(rng.sample(syllables, rng.randint(0, 25)))
            if i < len(seeded):
                c.add(seeded[i])
            if rng.random() < 0.2:
                c.add("")
            chain.append(frozenset(c) if rng.random() < 0.7 else list(c))
        monkeypatch.setenv(compiled.ENV, "numpy")
        want = lex.matches(chain)
        monkeypatch.setenv(compiled.ENV, "compiled")
        got = lex.matches(chain)
        assert [m[:2] for m in got] == [m[:2] for m in want]
        assert sorted(got) == sorted(want)
        assert lex.matches(chain) == got  # (again: a chain of frozensets from the memo)
    # Wide sets (hundreds of phrase openings at a position, so that the C walk's
    # frontier outgrows its first allocation of 64 nodes, at the first and later steps)
    for _ in range(5):
        picked = rng.sample(phrases, 600)
        chain = [frozenset(p[k] for p in picked if len(p) > k) for k in range(4)]
        monkeypatch.setenv(compiled.ENV, "numpy")
        want = lex.matches(chain)
        monkeypatch.setenv(compiled.ENV, "compiled")
        got = lex.matches(chain)  # (the first compiled walk of this chain: no memo yet)
        assert len(want) > 600 and sorted(got) == sorted(want)
        assert [m[:2] for m in got] == [m[:2] for m in want]
    assert lex._c_trie  # (the compiled walk ran)
    lex.add(("lai", "châu", "ủy"), 0.5)
    assert lex._compiled_trie() is None
    assert any(m[2] == ("lai", "châu", "ủy") for m in lex.matches([frozenset(["lai"]), frozenset(["châu"]),
                                                                    frozenset(["ủy"])]))
