"""Candidate retrieval: learned two-letter rewrites (models/rewrites.tsv) and learned
whole-word misreadings of OCR output (models/ocr_forms.tsv)."""
import pytest

from vidiacritic import Restorer
import math

from vidiacritic.candidates import OCR_FORMS_SHARE, CandidateGenerator, load_ocr_forms, load_rewrites
from vidiacritic.resources import load_rewrites as shipped_rewrites


@pytest.fixture(scope="module")
def gen():
    return Restorer(engine="statistical").generator


def test_shipped_rewrites_include_the_split_u():
    rw = shipped_rewrites()
    assert ("ir", "u") in rw and all(len(a) == 2 and len(b) == 1 and b not in a for a, b in rw)


@pytest.mark.parametrize("observed,syllable", [("tir", "từ"), ("str", "sử"), ("chite", "chức")])
def test_a_letter_read_as_two_is_found(gen, observed, syllable):
    assert syllable in [f for f, _ in gen.candidates(observed)]


def test_without_rewrites_it_is_not(gen):
    saved = gen.rewrites, gen._table
    try:
        gen.rewrites, gen._table = [], {}
        gen._cache.clear()
        assert "từ" not in [f for f, _ in gen.candidates("tir")]
    finally:
        gen.rewrites, gen._table = saved
        gen._cache.clear()


def test_correct_syllables_keep_their_own_reading(gen):
    for word in ("trí", "tiền", "việt"):
        assert [f for f, _ in gen.candidates(word)][0] == word


def test_load_rewrites_rejects_bad_rows(tmp_path):
    p = tmp_path / "r.tsv"
    p.write_text("observed\tletter\tcount\nir\tu\t5\n", encoding="utf-8")
    assert load_rewrites(str(p)) == [("ir", "u")]
    p.write_text("irr\tu\t5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="r.tsv:1"):
        load_rewrites(str(p))


# ---------------------------------------------------------------- learned OCR forms
@pytest.mark.parametrize("observed,syllable", [("dutge", "được"), ("iyc", "lực")])
def test_a_learned_misreading_is_a_candidate_of_ocr_output(gen, observed, syllable):
    # Several letters apart: the letter channel alone does not reach the syllable.
    assert syllable not in [f for f, _ in gen.candidates(observed)]
    best = sorted(gen.ocr_candidates(observed), key=lambda c: -c[1])[:2]
    assert syllable in [f for f, _ in best]  # (iyc: lực and lục, both read so)


def test_ocr_forms_mix_with_the_letter_channel(gen):
    # A token with no learned readings keeps the letter channel's candidates exactly;
    # one with some gets log(share * P_learned + (1 - share) * P_letters) for each.
    gen = CandidateGenerator(dict(gen._vocab_counts), gen.channel, rewrites=gen.rewrites,
                             ocr_forms={"xdy": (("đây", -0.5), ("not a syllable", -0.1))})
    assert gen.ocr_candidates("trí") == gen.candidates("trí")
    letters = dict(gen.candidates("xdy"))
    mixed = dict(gen.ocr_candidates("xdy"))
    assert "not a syllable" not in mixed
    assert set(mixed) == set(letters) | {"đây"}
    lp_letters = letters.get("đây", float(gen.channel.logp_many("xdy", ["đây"])[0]))
    want = math.log(OCR_FORMS_SHARE * math.exp(-0.5) + (1 - OCR_FORMS_SHARE) * math.exp(lp_letters))
    assert mixed["đây"] == pytest.approx(want, abs=1e-3)
    for form, lp in letters.items():
        if form != "đây":
            assert mixed[form] == pytest.approx(lp + math.log(1 - OCR_FORMS_SHARE), abs=1e-3)


def test_typed_text_does_not_get_ocr_forms():
    # "dutge" in an OCR page is được; the same word in typed text is not OCR damage.
    r = Restorer(engine="statistical")
    page = "Viéc nay dutge thyc hién theo quy dinh cua phap luat."
    assert "được" in r.restore(page, ocr_document=True)
    assert "được" not in r.restore(page.replace("Viéc", "Viec").replace("hién", "hien"), ocr_document=False)


def test_load_ocr_forms_rejects_bad_rows(tmp_path):
    p = tmp_path / "f.tsv"
    p.write_text("observed\tsyllable\tlogp\ndutge\tđược\t-0.1\ndutge\tđức\t-3\n", encoding="utf-8")
    assert load_ocr_forms(str(p)) == {"dutge": (("được", -0.1), ("đức", -3.0))}
    for bad in ("dutge\tđược\n", "dutge\tđược\tx\n", "dutge\tđược\t0.5\n", "\tđược\t-1\n"):
        p.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError, match="f.tsv:1"):
            load_ocr_forms(str(p))


# ---------------------------------------------------------------- load-time shortcuts (exact)
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_deletes_are_every_way_of_deleting_up_to_depth_letters(depth):
    from itertools import combinations

    from vidiacritic.candidates import _deletes

    for s in ("", "a", "ab", "aab", "nguyen", "đường", "thuongg", "abcdefghij"):
        want = {"".join(ch for i, ch in enumerate(s) if i not in idx)
                for k in range(min(depth, len(s)) + 1) for idx in combinations(range(len(s)), k)}
        assert _deletes(s, depth) == want, s


def test_ocr_forms_keep_only_vocabulary_syllables_as_tuples(gen):
    vocab = {"đây": 5, "được": 3}
    forms = {"xdy": (("đây", -0.5), ("not a syllable", -0.1)), "dutge": (("được", -0.1),),
             "listed": [["đây", -1.0], ("được", -2.0)], "none": (("zzz", -1.0),), "empty": ()}
    got = CandidateGenerator(vocab, gen.channel, ocr_forms=forms).ocr_forms
    assert list(got.items()) == [("xdy", (("đây", -0.5),)), ("dutge", (("được", -0.1),)),
                                 ("listed", (("đây", -1.0), ("được", -2.0))), ("none", ()), ("empty", ())]
    assert all(type(rows) is tuple and all(type(r) is tuple for r in rows) for rows in got.values())
    with pytest.raises(ValueError):
        CandidateGenerator(vocab, gen.channel, ocr_forms={"bad": (("đây", -1.0, 0),)})
