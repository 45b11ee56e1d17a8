"""The syllable n-gram LM: builder (scripts/build_ngram.py) and runtime (vidiacritic.ngram)."""
import lzma
import math
import time
from collections import defaultdict

import numpy as np
import pytest

from scripts.build_ngram import Segment, build, kn_discounts, main, quantize_codebook, save_model, split_keys
from vidiacritic.ngram import NgramLM, Table, _find_runs, default_model_dir

SENTENCES = [
    "Ủy ban nhân dân tỉnh ban hành kế hoạch thực hiện",
    "Ủy ban nhân dân xã tổ chức hội nghị tổng kết công tác năm 2023",
    "các cơ quan nhà nước có trách nhiệm thực hiện kế hoạch",
    "Mặt trận Tổ quốc Việt Nam các cấp tổ chức hội nghị",
    "theo quy định của pháp luật về các cơ quan nhà nước",
    "các tổ chức thành viên thực hiện công tác tuyên truyền",
    "Hội đồng nhân dân tỉnh ban hành nghị quyết, Ủy ban nhân dân tỉnh thực hiện",
    "kết quả công tác Mặt trận năm 2023 đạt được như sau",
    "cơ quan nhà nước có thẩm quyền quyết định theo quy định của pháp luật",
    "hóa đơn, thuế thu nhập doanh nghiệp; hoà giải ở cơ sở",
]


def corpus_lines(n=200):
    """Deterministic toy corpus: the sentences, rotated and cut differently."""
    out = []
    for i in range(n):
        words = SENTENCES[i % len(SENTENCES)].split()
        k = (i * 7) % 5
        out.append(" ".join(words[k:] if i % 3 else words))
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Models from the toy corpus: unpruned float32, and quantized as shipped."""
    seg = Segment.encode(corpus_lines())
    out = {}
    for name, th, quantize in (("full", (1, 1), False), ("quantized", (1, 1), True),
                               ("pruned", (2, 3), True)):
        vocab, vc, tables, bits, info = build([seg], 3, 1, th, quantize=quantize,
                                              log=lambda m: None)
        path = tmp_path_factory.mktemp(name)
        save_model(str(path), vocab, vc, tables, bits, info)
        out[name] = NgramLM.load(path)
    return out


def test_vocab_normalizes_and_filters(tiny):
    lm = tiny["full"]
    assert lm.words[:5] == ["<unk>", "<s>", "</s>", "<num>", "<p>"]
    assert (lm.unk_id, lm.bos_id, lm.eos_id, lm.num_id, lm.p_id) == (0, 1, 2, 3, 4)
    assert "ủy" in lm.vocab and "Ủy" not in lm.vocab  # lowercased
    assert "hòa" in lm.vocab and "hoà" not in lm.vocab  # traditional tone placement
    assert lm.id("hoà") == lm.vocab["hòa"] and lm.id("Ủy") == lm.vocab["ủy"]
    assert lm.id("zzzq") == lm.unk_id
    assert lm.counts[lm.num_id] > 0 and len(lm.counts) == len(lm.vocab)


def _reference_kn(lm, lines):
    """Interpolated modified KN written out with dicts, straight from the definition."""
    chains = []
    from vidiacritic.tokens import lm_units
    for line in lines:
        for chain in lm_units(line, soft_punct=True):  # as the builder reads it
            chains.append([lm.bos_id] + [int(i) for i in lm.ids(chain)] + [lm.eos_id])
    c3, c2 = defaultdict(int), defaultdict(int)
    for ch in chains:
        for i in range(len(ch) - 2):
            c3[tuple(ch[i:i + 3])] += 1
        for i in range(len(ch) - 1):
            c2[tuple(ch[i:i + 2])] += 1
    a2 = defaultdict(int)
    for (u, v, w) in c3:
        a2[(v, w)] += 1
    for (v, w), c in c2.items():
        if v == lm.bos_id:
            a2[(v, w)] = c
    a1 = defaultdict(int)
    for (v, w) in c2:
        a1[w] += 1
    V = len(lm.vocab)
    d1, d2, d3 = (kn_discounts(np.array(list(x.values()))) for x in (a1, a2, c3))
    D = lambda d, c: d[min(c, 3)]  # noqa: E731
    s1 = sum(a1.values())
    g1 = sum(D(d1, c) for c in a1.values()) / s1

    def p1(w):
        return 0.0 if w == lm.bos_id else (a1[w] - D(d1, a1[w])) / s1 + g1 / (V - 1)

    def level(counts, d):
        den, gam = defaultdict(float), defaultdict(float)
        for k, c in counts.items():
            den[k[:-1]] += c
            gam[k[:-1]] += D(d, c)
        return den, gam

    den2, gam2 = level(a2, d2)
    den3, gam3 = level(c3, d3)

    def p2(v, w):
        if (v,) not in den2:
            return p1(w)
        c = a2.get((v, w), 0)
        return (c - D(d2, c)) / den2[(v,)] + gam2[(v,)] / den2[(v,)] * p1(w)

    def p3(u, v, w):
        if (u, v) not in den3:
            return p2(v, w)
        c = c3.get((u, v, w), 0)
        return (c - D(d3, c)) / den3[(u, v)] + gam3[(u, v)] / den3[(u, v)] * p2(v, w)

    return p3, list(c3)


def test_unpruned_model_matches_reference(tiny):
    lm = tiny["full"]
    p3, seen = _reference_kn(lm, corpus_lines())
    V = len(lm.vocab)
    rng = np.random.default_rng(0)
    seen = np.array(seen)
    other_w = np.c_[seen[:, :2], rng.integers(0, V, size=len(seen))]  # seen context, any word
    triples = np.concatenate([seen, other_w, rng.integers(0, V, size=(20_000, 3))])
    triples = triples[triples[:, 2] != lm.bos_id]
    u, v, w = triples.T
    got = np.exp(lm.logprob(u, v, w).astype(np.float64))
    want = np.array([p3(*t) for t in triples.tolist()])
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-9)


@pytest.mark.parametrize("name", ["full", "quantized", "pruned"])
def test_distributions_sum_to_one(tiny, name):
    lm = tiny[name]
    V = len(lm.vocab)
    w = np.arange(V)
    contexts = [("<s>", "<s>"), ("<s>", "ủy"), ("ủy", "ban"), ("nhân", "dân"), ("các", "cơ"),
                ("zzz", "ban"), ("<num>", "đạt"), ("</s>", "hội"), ("thuế", "thẩm")]
    for a, b in contexts:
        u, v = lm.ids([a, b])
        total = np.exp(lm.logprob(np.full(V, u), np.full(V, v), w).astype(np.float64)).sum()
        assert total == pytest.approx(1.0, abs=1e-3), (a, b)
        total2 = np.exp(lm.logprob_bigram(np.full(V, v), w).astype(np.float64)).sum()
        assert total2 == pytest.approx(1.0, abs=1e-3), b


def test_over_budget_the_unk_singletons_go_before_any_threshold_rises():
    # A model a little over its budget loses the top order's one-off n-grams with <unk>
    # (acronyms, debris), not every singleton (a raised threshold costs accuracy)
    from scripts.build_ngram import (bytes_per_ngram, build_vocab, choose_thresholds, count_ngrams, estimate,
                                     map_segment, unk_singletons)
    seg = Segment.encode(corpus_lines() + ["UBND xã ban hành kế hoạch QĐ mới", "ban hành XYZQW văn bản"])
    vocab, _ = build_vocab([seg], 1)
    bits = (len(vocab) - 1).bit_length()
    counts = count_ngrams([map_segment(seg, {s: i for i, s in enumerate(vocab)})], 3, bits, len(vocab))
    drop = unk_singletons(counts, bits)
    assert 0 < drop.sum() < (counts[3][1] == 1).sum()
    full = sum(len(counts[n][0]) * bytes_per_ngram(n, 3, True) for n in (2, 3)) + len(vocab) * 8
    t, size, dropped = choose_thresholds(counts, [1, 1], full - 1, True, bits)
    assert dropped and t[2:] == [1, 1] and size == full - int(drop.sum()) * bytes_per_ngram(3, 3, True)
    t, _, dropped = choose_thresholds(counts, [1, 1], size - 1, True, bits)
    assert not dropped and t[3] == 2
    tables, _ = estimate(counts, bits, [0, 0, 1, 1], True, log=lambda m: None, drop_unk_singletons=True)
    assert len(tables[3]) == len(counts[3][0]) - drop.sum()


def test_no_stored_context_and_no_query():
    """A batch of trigram queries none of whose contexts is stored (only those are
    searched: ngram._backoff) asks the table nothing; an empty query finds nothing.
    It had raised IndexError in the shipped model's bucketed table (junk fuzz, session 14)."""
    lm = NgramLM.load()
    for table in lm.tables[2:]:
        found, rows = table.find(np.array([], dtype=np.int64))
        assert found.shape == rows.shape == (0,)
    ids = np.arange(10, 400, dtype=np.int64)
    u, v = np.repeat(ids, len(ids)), np.tile(ids, len(ids))
    unstored = ~lm.tables[2].find((u << lm.bits) | v)[0]
    u, v = u[unstored][:3], v[unstored][:3]  # contexts the model never stored
    assert len(u) == 3
    w = np.array([lm.ids(["dân"])[0]] * 3)
    assert np.allclose(lm.logprob(u, v, w), lm.logprob_bigram(v, w), atol=1e-6)


def test_backoff_for_unseen_trigram(tiny):
    lm = tiny["pruned"]
    u, v, w = (np.array([i]) for i in lm.ids(["pháp", "luật", "hội"]))
    assert lm.logprob_bigram(v, w)[0] < 0
    # "pháp luật hội" never occurs: log P = bow(pháp luật) + log P(hội | luật)
    found, row = lm.tables[2].find((u << lm.bits) | v)
    assert found[0] and not lm.tables[3].find((row << lm.bits) | w)[0][0]
    ctx_bow = float(lm.tables[2].bow[row[0]])
    assert lm.logprob(u, v, w)[0] == pytest.approx(ctx_bow + lm.logprob_bigram(v, w)[0], abs=1e-5)
    # an unknown first word leaves only the bigram
    x = np.array([lm.unk_id])
    assert lm.logprob(x, v, w)[0] == pytest.approx(lm.logprob_bigram(v, w)[0], abs=1e-6)
    # <s> <s> is the empty context: the first word of a chain is scored by P(w | <s>)
    b = np.array([lm.bos_id])
    assert lm.logprob(b, b, v)[0] == pytest.approx(lm.logprob_bigram(b, v)[0], abs=1e-6)


@pytest.mark.parametrize("name", ["full", "quantized", "pruned"])
def test_seen_trigram_outranks_unseen_continuation(tiny, name):
    lm = tiny[name]
    u, v = lm.ids(["thực", "hiện"])
    seen, unseen = lm.ids(["kế", "các"])
    lp = lm.logprob(np.array([u, u]), np.array([v, v]), np.array([seen, unseen]))
    assert lp[0] > lp[1]
    # the diacritic decision the LM exists for: "cac co quan" → các, not an unseen form
    assert lm.sentence_logprob("theo quy định của pháp luật về các cơ quan".split()) > \
        lm.sentence_logprob("theo quy định của pháp luật về cắc cơ quan".split())


def test_quantized_model_stays_close(tiny):
    full, quant = tiny["full"], tiny["quantized"]
    rng = np.random.default_rng(1)
    u, v, w = rng.integers(0, len(full.vocab), size=(3, 5000))
    w[w == full.bos_id] = full.eos_id
    diff = np.abs(full.logprob(u, v, w) - quant.logprob(u, v, w))
    assert diff.mean() < 0.02 and diff.max() < 0.2


def test_codebook_error_is_bounded():
    x = np.log(np.random.default_rng(0).uniform(1e-9, 1, size=100_000))
    codes, book = quantize_codebook(x)
    assert codes.dtype == np.uint8 and len(book) <= 256
    err = np.abs(book[codes] - x)
    assert err.max() < 0.15 and err.mean() < 0.02
    top = x > np.log(0.5)  # likely n-grams: small error in probability
    assert np.abs(np.exp(book[codes][top]) - np.exp(x[top])).max() < 0.01


@pytest.mark.parametrize("n_queries", [1, 7, 3000])
def test_split_key_table_matches_int64_search(n_queries):
    """uint32 halves in buckets (the stored layout) find exactly what int64 keys find."""
    rng = np.random.default_rng(n_queries)
    keys = np.unique(rng.integers(0, 1 << 36, size=20_000))
    keys = keys[(keys >> 32) != 5]  # an empty bucket in the middle
    low, starts = split_keys(keys)
    assert low.dtype == np.uint32 and len(starts) == int(keys[-1] >> 32) + 2
    plain, split = Table(keys, np.zeros(len(keys))), Table(low, np.zeros(len(keys)), starts=starts)
    query = np.concatenate([rng.choice(keys, n_queries), rng.integers(0, 1 << 37, n_queries)])
    rng.shuffle(query)
    f1, r1 = plain.find(query)
    f2, r2 = split.find(query)
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(r1[f1], r2[f2])
    assert np.all(keys[r2[f2]] == query[f2])


def test_large_and_multidimensional_queries(tiny):
    """The sorted path (many queries) and plain path agree, for any array shape."""
    lm = tiny["pruned"]
    rng = np.random.default_rng(2)
    u, v, w = rng.integers(0, len(lm.vocab), size=(3, 40, 100))
    big = lm.logprob(u, v, w)
    assert big.shape == (40, 100)
    small = np.array([lm.logprob(u[i], v[i], w[i]) for i in range(40)])
    np.testing.assert_array_equal(big, small)


def test_vectorized_shapes_and_sentence_logprob(tiny):
    lm = tiny["pruned"]
    ids = lm.ids("Ủy ban nhân dân tỉnh".split())
    lp = lm.logprob(ids[:3], ids[1:4], ids[2:5])
    assert lp.shape == (3,) and np.all(lp < 0)
    words = "Ủy ban nhân dân tỉnh".split()
    per_token = lm.token_logprobs(words)
    assert per_token.shape == (len(words) + 1,)
    assert lm.sentence_logprob(words) == pytest.approx(float(per_token.sum()), rel=1e-6)
    assert lm.sentence_logprob(words, eos=False) == pytest.approx(float(per_token[:-1].sum()), rel=1e-6)


def test_cli_builds_from_xz_corpus(tmp_path):
    from scripts.corpus import GENERAL_FILES, LEGAL_FILES
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = corpus_lines(120)
    for k, name in enumerate(LEGAL_FILES + GENERAL_FILES):
        with lzma.open(corpus / f"{name}.txt.xz", "wt", encoding="utf-8") as fh:
            fh.write("\n".join(lines[k::2]) + "\n")
    out = tmp_path / "model"
    assert main(["--corpus", str(corpus), "--out", str(out), "--min-count", "1",
                 "--min-ngram-count", "1", "1", "--max-mb", "0.05", "--general-every", "2"]) == 0
    lm = NgramLM.load(out)
    assert lm.order == 3 and lm.meta["size_bytes"] <= 50_000
    assert lm.meta["corpus_files"]["news_baomoi"]["every"] == 2
    assert "heldout_legal" in lm.meta and lm.meta["queries_per_second"] > 0


def test_shipped_model_loads():
    path = default_model_dir()
    assert (path / "vocab.txt").is_file(), "the shipped model (models/ngram) is missing"
    t = time.perf_counter()
    lm = NgramLM.load()
    assert time.perf_counter() - t < 1.0
    assert lm.order >= 3 and len(lm.vocab) > 5000
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    assert size <= 40 * 1024 * 1024
    u, v = lm.ids(["ủy", "ban"])
    cands = lm.ids(["nhân", "nhẫn", "nhấn", "nhận"])
    lp = lm.logprob(np.full(4, u), np.full(4, v), cands)
    assert np.all(np.isfinite(lp)) and int(np.argmax(lp)) == 0
    assert math.isfinite(lm.sentence_logprob("các cơ quan nhà nước".split()))


def test_dense_bigram_table_gives_identical_scores():
    """The decoder's dense bigram table must not change a single score."""
    lm = NgramLM.load()
    rng = np.random.default_rng(0)
    V = len(lm.words)
    u, v, w = (rng.integers(0, V, 20000) for _ in range(3))
    seen = lm._bigram_keys()[:5000]
    v = np.concatenate([v, seen >> lm.bits])
    w = np.concatenate([w, seen & ((1 << lm.bits) - 1)])
    u = np.concatenate([u, rng.integers(0, V, 5000)])
    before2, before3 = lm.logprob_bigram(v, w), lm.logprob(u, v, w)
    lm.bigram_matrix()
    assert np.array_equal(lm.bigram_lookup(v, w), before2)
    assert np.array_equal(lm.logprob(u, v, w), before3)


def test_dense_bigram_table_holds_every_stored_bigram_once():
    """The table is filled a slice of the stored bigrams at a time (in plain pages):
    every stored bigram lands in its own cell with its stored value, and no other cell
    is set."""
    lm = NgramLM.load()
    keys = lm._bigram_keys()
    stored = np.asarray(lm.tables[2].logprob(np.arange(len(keys))), dtype=np.float16)
    parts = list(lm._bigram_slices(100_003))  # slice ends inside the table and at its end
    assert len(parts) > 2 and max(len(v) for v, _, _ in parts) <= 100_003
    v, w, vals = (np.concatenate(c) for c in zip(*parts))
    assert np.array_equal((v << lm.bits) | w, keys) and np.array_equal(vals.view(np.uint16), stored.view(np.uint16))
    dense = lm.bigram_matrix()
    V = len(lm.words)
    assert dense.shape == (V, V) and dense.dtype == np.float16
    cells = dense[keys >> lm.bits, keys & ((1 << lm.bits) - 1)]
    assert np.array_equal(cells.astype(np.float32), stored.astype(np.float32))
    assert np.all(cells.view(np.uint16) != 0)  # a stored 0 is -0.0, not "unseen"
    assert np.count_nonzero(dense.view(np.uint16)) == len(keys)


def test_plain_memory_arrays_start_zero_and_are_writable():
    from vidiacritic import plain_memory
    a = plain_memory.zeros((300, 7000), np.float16)  # 4.2 MB: numpy would advise huge pages
    assert a.shape == (300, 7000) and a.dtype == np.float16 and a.flags.writeable
    assert not a.view(np.uint16).any()
    a[299, 6999] = 1.5
    assert a.reshape(-1)[-1] == 1.5 and a.sum() == 1.5
    assert plain_memory.zeros(0, np.int64).shape == (0,)


@pytest.mark.parametrize("n_queries", [1, 2, 9, 3000])
def test_repeated_sorted_queries_are_searched_once_with_the_same_answers(n_queries):
    """_find_runs (one search per run of equal sorted queries, as a context repeated for
    each following word) answers exactly what Table.find answers for every query."""
    rng = np.random.default_rng(n_queries)
    keys = np.unique(rng.integers(0, 1 << 36, size=20_000))
    low, starts = split_keys(keys)
    table = Table(low, np.zeros(len(keys)), starts=starts)
    query = np.concatenate([rng.choice(keys, n_queries), rng.integers(0, 1 << 37, n_queries)])
    query = np.sort(np.repeat(query, rng.integers(1, 5, len(query))))
    for presorted in (True, False):
        f1, r1 = table.find(query, presorted)
        f2, r2 = _find_runs(table, query, presorted)
        np.testing.assert_array_equal(f1, f2)
        np.testing.assert_array_equal(r1, r2)


def test_shipped_tables_are_plain_arrays():
    # np.memmap's Python-level indexing cost 0.07 s a restore; a plain view reads the same map
    lm = NgramLM.load()
    for t in lm.tables[1:]:
        for a in (t.keys, t.logp, t.bow, t.starts):
            assert a is None or type(a) is np.ndarray
