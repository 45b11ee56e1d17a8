"""Lattice building (vidiacritic/lattice.py): every position the decoder reads has one
score per candidate id."""
import pytest

from vidiacritic.tokens import chains, tokenize


@pytest.mark.parametrize("text,ocr", [
    ("Phiên họp theo quy định tại điểm b khoản 1", False),      # "b" of a lexicon phrase, kept
    ("theo quy dinh tai diem b khoan 1 dieu 5 cua luat nay", False),
    ("quy dinh tai diem c khoan 2 Diéu 5", True),
])
def test_each_position_has_a_score_per_candidate(stat, text, ocr):
    # A word without candidates matched by a lexicon phrase ("điểm b khoản") once lost
    # its only score to the phrase bonus: the decoder took it for padding, -1e9 on its chain.
    toks = tokenize(text)
    reading = stat.explain(text).reading
    for run in chains(toks):
        lat, meta = stat.lattices.build(toks, run, ocr, reading)
        assert [len(u) for u in lat.unary] == [len(i) for i in lat.ids], text


@pytest.mark.parametrize("text,name", [
    ("Doan kiem tra da lam viec voi huyen Cén Cé trong thang.", "huyện Cồn Cỏ"),
    ("Hoi nghi duoc to chuc tai thi tran Cd Dé vao sang nay.", "thị trấn Cờ Đỏ"),
    ("Ke hoach nay giao cho xa Ling Lén thuc hien.", "xã Láng Lớn"),
    ("Nguoi dan o phuong Vi Phic da dong gop y kien.", "phường Vũ Phúc"),
])
def test_a_lexicon_place_name_after_its_unit_word_beats_common_words(stat, text, name):
    """Every word of an admin unit's name damaged by OCR: the language model scored
    its syllables as the common words they also spell ("Căn Cứ" for Cồn Cỏ, "Có Độ"
    for Cờ Đỏ) while it read most local names as <unk>; a lexicon name after its
    lowercase unit word is now scored no worse than an unknown word there, and the
    unit word stays the phrase's ("phương" once took the name's <unk> context)."""
    assert name in stat.restore(text)


def test_a_lowercase_phrase_is_no_place_name(stat):
    """Only capitals after a lowercase unit word make a name: common words written
    in lowercase keep the language model's reading."""
    toks = tokenize("tai huyen cén cé co")
    run = next(iter(chains(toks)))
    lat, meta = stat.lattices.build(toks, run, True)
    unk = stat.ngram.unk_id
    assert all(len(forms) == len(set(forms)) for forms, _ in meta)
    assert all(f is None or i != unk for (forms, _), ids in zip(meta, lat.ids) for f, i in zip(forms, ids)
               if f in stat.ngram.vocab)


def test_a_place_name_is_offered_as_an_unknown_word_too(stat):
    """The name's syllables after its unit word: each also a candidate read as <unk>,
    at the same channel score; the unit word keeps only the phrase's reading."""
    toks = tokenize("tai huyen Cén Cé co")
    run = next(iter(chains(toks)))
    lat, meta = stat.lattices.build(toks, run, True)
    unk = stat.ngram.unk_id
    for pos, syl in ((2, "cồn"), (3, "cỏ")):
        forms, ids, scores = meta[pos][0], lat.ids[pos], lat.unary[pos]
        at = [k for k, f in enumerate(forms) if f == syl]
        assert sorted(ids[k] == unk for k in at) == [False, True]
        assert scores[at[0]] == scores[at[1]]
    assert meta[1][0] == ["huyện"]


def test_a_name_offered_twice_is_as_sure_as_its_two_candidates(stat):
    """The first pass's certainty of a place name's syllable sums its two candidates
    (word and unknown word): split in two, a sure name looked unsure and sent its
    segment to the scorer, which reshuffled the scorer's batches elsewhere."""
    from vidiacritic.rescoring import chosen_share
    from vidiacritic.viterbi import decode_batch
    assert chosen_share([0.5, 0.2, 0.3], ["cồn", "căn", "cồn"], 0) == pytest.approx(0.8)
    toks = tokenize("tai huyen Cén Cé co")
    run = next(iter(chains(toks)))
    lat, meta = stat.lattices.build(toks, run, True)
    dec = decode_batch([lat], stat.lm)[0]
    forms, k = meta[2][0], dec.best[2]
    assert forms[k] == "cồn"
    assert chosen_share(dec.marginals[2], forms, k) > float(dec.marginals[2][k])


@pytest.mark.parametrize("text,phrase", [
    ("chi tu quy “bao hiem y te” cua tinh", ("quỹ", "bảo", "hiểm", "y", "tế")),
    ("Chuong trinh bao “ve moi truong” nam nay", ("bảo", "vệ", "môi", "trường")),
])
def test_a_quotation_mark_does_not_cut_a_lexicon_phrase(stat, text, phrase):
    """A name quoted after its head word (quỹ “bảo hiểm y tế”) still matches the
    lexicon's phrase: the quotation mark between its words is left out of the match,
    and the bonus goes to the words on both sides.  Without across_quotes (how the
    document's phrase coverage counts) the quote cuts it, as before."""
    toks = tokenize(text)
    run = max(chains(toks, stat.soft_punct), key=len)  # (the restorer's chains: a quote is a <p> in them)
    entries = [stat.lattices.entry_at(toks, ti, False, None, None, frozenset()) for ti in run]
    texts = [toks[ti].text for ti in run]
    words = [p for p in range(len(run)) if entries[p] is not None]
    first = next(p for p in words if phrase[0] in entries[p].cset)
    span = [p for p in words if p >= first][:len(phrase)]
    bonus = stat.lattices.phrase_bonus(entries, texts, 1.0)[0]
    assert all(phrase[k] in bonus.get(p, {}) for k, p in enumerate(span))
    assert phrase[0] not in stat.lattices.phrase_bonus(entries, texts, 1.0, across_quotes=False)[0].get(first, {})
