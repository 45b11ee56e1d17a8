"""The compiled decoder (vidiacritic/_decode.c) against the numpy one (vidiacritic.viterbi).

The extension is optional (setup.py builds it when a C compiler is there); when it is
built, every result must be the numpy code's to the bit: the same best paths, the same
marginals (their bytes), on random lattices over the shipped model's vocabulary and on
the decodes of real restores.  VIDIACRITIC_DECODER picks the decoder."""
import numpy as np
import pytest

from vidiacritic import viterbi
from vidiacritic.errors import SettingError
from vidiacritic.resources import load_ngram
from vidiacritic.viterbi import Lattice, decode_batch

needs_ext = pytest.mark.skipif(
    viterbi._compiled is None,
    reason="vidiacritic._decode is not built (no C compiler at install; "
           "`python setup.py build_ext --inplace` builds it in a checkout)")


def decode(mode, monkeypatch, *args, **kwargs):
    monkeypatch.setenv(viterbi.DECODER_ENV, mode)
    return decode_batch(*args, **kwargs)


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.best == y.best
        assert len(x.marginals) == len(y.marginals)
        for m, n in zip(x.marginals, y.marginals):
            assert m.dtype == n.dtype and m.tobytes() == n.tobytes()


@pytest.fixture(scope="module")
def lm():
    return load_ngram()


def random_lattices(rng, lm, count, longest, widest):
    """Lattices over the model's vocabulary: mostly frequent syllables (whose bigrams
    and trigrams are stored, so every branch of the backoff is taken), some rare ones,
    the special ids, unary scores with ties, and candidates offered twice (paths of
    exactly equal scores: the first must win, as numpy's argmax and stable sort pick)."""
    V = len(lm.words)
    lattices = []
    for _ in range(count):
        ids, unary = [], []
        for _ in range(int(rng.integers(0, longest + 1))):
            k = int(rng.integers(1, widest + 1))
            pool = rng.integers(0, 60, size=k) if rng.random() < 0.5 else rng.integers(0, V, size=k)
            ids.append(np.unique(pool)[:k].astype(np.int64))
            u = np.round(rng.normal(-3.0, 3.0, size=len(ids[-1])), 1)  # (rounded: ties)
            if rng.random() < 0.3:  # a candidate offered twice (lattice.as_unknown_too): exact ties
                j = int(rng.integers(0, len(u)))
                ids[-1], u = np.append(ids[-1], ids[-1][j]), np.append(u, u[j])
            unary.append(u)
        lattices.append(Lattice(ids, unary))
    return lattices


def test_a_bad_setting_is_an_error(monkeypatch, lm):
    lat = [Lattice([np.array([10, 11])], [np.zeros(2)])]
    monkeypatch.setenv(viterbi.DECODER_ENV, "fast")
    with pytest.raises(SettingError):
        decode_batch(lat, lm)
    monkeypatch.setattr(viterbi, "_compiled", None)
    monkeypatch.setenv(viterbi.DECODER_ENV, "compiled")
    with pytest.raises(SettingError):
        decode_batch(lat, lm)
    monkeypatch.setenv(viterbi.DECODER_ENV, "auto")  # (missing: numpy decodes)
    assert decode_batch(lat, lm)[0].best in ([0], [1])


@needs_ext
@pytest.mark.parametrize("seed", range(10))
def test_random_lattices_decode_to_the_same_bits(seed, monkeypatch, lm):
    rng = np.random.default_rng(seed)
    if seed % 4 == 0:  # (the dense table, when built, is read instead of a search)
        lm = type(lm).load()
        lm.bigram_matrix()
    lattices = random_lattices(rng, lm, int(rng.integers(1, 30)), 14, 30)
    for prune_to, lm_weight, temperature in ((4, 1.0, 2.0), (0, 1.0, 1.0), (2, 0.7, 0.5), (9, 1.3, 1.0)):
        want = decode("numpy", monkeypatch, lattices, lm, lm_weight, prune_to, temperature)
        with_memo = decode("numpy", monkeypatch, lattices, lm, lm_weight, prune_to, temperature, memo={})
        got = decode("compiled", monkeypatch, lattices, lm, lm_weight, prune_to, temperature)
        assert_same(want, got)
        assert_same(with_memo, got)


@needs_ext
def test_without_the_dense_table_the_same_bits(monkeypatch):
    """A model whose dense bigram table was never built: the compiled decoder searches
    the stored bigrams instead (the same values)."""
    fresh = type(load_ngram()).load()
    assert fresh._dense2 is None
    rng = np.random.default_rng(99)
    lattices = random_lattices(rng, fresh, 20, 10, 12)
    want = decode("numpy", monkeypatch, lattices, fresh, 1.0, 4, 2.0)
    got = decode("compiled", monkeypatch, lattices, fresh, 1.0, 4, 2.0)
    assert_same(want, got)


@needs_ext
def test_the_bigram_pass_keeps_the_same_candidates(monkeypatch, lm):
    """_bigram_keep's indices themselves (padding included), not only the decodes."""
    rng = np.random.default_rng(5)
    tables = viterbi.decoder_tables(lm)
    for _ in range(10):
        lattices = [lat for lat in random_lattices(rng, lm, 8, 9, 20) if lat.ids]
        if not lattices:
            continue
        K = max(len(a) for lat in lattices for a in lat.ids) + 1
        ids, un, front = viterbi._stack(lattices, lm, K, n_bos=2)
        for keep in (1, 3, 4):
            want = viterbi._bigram_keep(ids[:, 1:], un[:, 1:], lm, keep, 1.0, None, front)
            got = viterbi._compiled_keep(ids, un, tables, keep, 1.0, front, 1)
            assert np.array_equal(want, got)


@needs_ext
@pytest.mark.parametrize("engine", ["stat", "model"])
def test_real_restores_decode_to_the_same_bits(engine, request, monkeypatch):
    """Every decode of a restore (the first reading, the scorer's pass, the word breaks,
    the second reading), numpy against compiled, and the restored text."""
    from vidiacritic import rescoring, word_breaks
    restorer = request.getfixturevalue(engine)
    text = ("UY BAN NHAN DAN TINH QUANG NAM\nCONG HOA XA HOI CHU NGHIA VIET NAM\n"
            "Quyet dinh ve viec phe duyet ke hoach su dung dat nam 2024 cua huyen Dai Loc. "
            "Can cu Luat To chuc chinh quyen dia phuong ngay 19 thang 6 nam 2015; "
            "theo de nghi cua Giam doc So Tai nguyen va Moi truong tai To trinh so 123/TTr-STNMT.\n"
            "Điều 1. Phê duyệt kê hoach sư dụng đât năm 2024 cùa huyện, vói các nội dung chu yếu sau.")
    calls = []
    original = viterbi.decode_batch

    def recording(lattices, lm, lm_weight=1.0, prune_to=0, temperature=1.0, memo=None):
        calls.append((list(lattices), lm, lm_weight, prune_to, temperature))
        return original(lattices, lm, lm_weight, prune_to, temperature, memo)

    monkeypatch.setattr(rescoring, "decode_batch", recording)
    monkeypatch.setattr(word_breaks, "decode_batch", recording)
    monkeypatch.setenv(viterbi.DECODER_ENV, "compiled")
    compiled_text = restorer.restore(text)
    assert calls
    for lattices, lm, lm_weight, prune_to, temperature in calls:
        want = decode("numpy", monkeypatch, lattices, lm, lm_weight, prune_to, temperature, memo={})
        got = decode("compiled", monkeypatch, lattices, lm, lm_weight, prune_to, temperature)
        assert_same(want, got)
    monkeypatch.setenv(viterbi.DECODER_ENV, "numpy")
    assert restorer.restore(text) == compiled_text


@needs_ext
def test_bigram_lookups_without_the_dense_table_are_the_same_bits(monkeypatch):
    """NgramLM.bigram_lookup in C (the compiled decoder's tables, no 85 MB dense table)
    against the dense table: every stored bigram and random pairs, bit for bit."""
    monkeypatch.setenv(viterbi.DECODER_ENV, "auto")
    fresh = type(load_ngram()).load()
    rng = np.random.default_rng(3)
    V = len(fresh.words)
    keys = fresh._bigram_keys()
    v = np.concatenate([keys >> fresh.bits, rng.integers(0, V, 50000), rng.integers(0, 50, 5000)])
    w = np.concatenate([keys & ((1 << fresh.bits) - 1), rng.integers(0, V, 50000), rng.integers(0, 50, 5000)])
    got = fresh.bigram_lookup(v, w)
    assert fresh._dense2 is None  # (answered in C)
    fresh.bigram_matrix()
    want = fresh.bigram_lookup(v, w)
    assert got.dtype == want.dtype == np.float32 and got.tobytes() == want.tobytes()
    assert fresh.bigram_lookup(v[:6].reshape(2, 3), w[:6].reshape(2, 3)).shape == (2, 3)


@needs_ext
def test_a_restorer_with_the_compiled_decoder_builds_no_dense_table(monkeypatch):
    from vidiacritic import Restorer, resources
    fresh = type(load_ngram()).load()  # (the shared model may hold one: other tests build it)
    monkeypatch.setattr(resources, "load_ngram", lambda: fresh)
    monkeypatch.setenv(viterbi.DECODER_ENV, "auto")
    restorer = Restorer(engine="statistical")
    assert restorer.ngram is fresh and fresh._dense2 is None
    assert restorer.restore("Uy ban nhan dan tinh") == "Ủy ban nhân dân tỉnh"
    monkeypatch.setenv(viterbi.DECODER_ENV, "numpy")
    Restorer(engine="statistical")
    assert fresh._dense2 is not None


def test_a_bad_thread_setting_is_an_error(monkeypatch):
    from vidiacritic import compiled
    for bad in ("0", "two", "-1", ""):
        monkeypatch.setenv(compiled.THREADS_ENV, bad)
        with pytest.raises(SettingError):
            compiled.threads()
    monkeypatch.setenv(compiled.THREADS_ENV, "1")
    assert compiled.threads() == 1 and compiled.pool() is None
    monkeypatch.setenv(compiled.THREADS_ENV, "3")
    assert compiled.pool()._max_workers == 3
    monkeypatch.delenv(compiled.THREADS_ENV)
    assert 1 <= compiled.threads() <= 2


@needs_ext
@pytest.mark.parametrize("seed", range(4))
def test_groups_decoded_on_threads_are_the_same_bits(seed, monkeypatch, lm):
    """decode_batch's groups run on the pool's threads side by side (the compiled
    passes release the GIL): each lattice gets its own decode back, the same bits as
    one thread decoding the groups in turn."""
    from vidiacritic import compiled
    rng = np.random.default_rng(100 + seed)
    lattices = random_lattices(rng, lm, 60, 40, 25)  # (lengths 0-40: many groups)
    widths = [max(map(len, lat.ids), default=0) for lat in lattices]
    assert len(viterbi._groups([len(lat.ids) for lat in lattices], widths, 4)) > 3
    used = []
    real_pool = compiled.pool

    def counting_pool():
        got = real_pool()
        used.append(got)
        return got

    monkeypatch.setattr(compiled, "pool", counting_pool)
    monkeypatch.setenv(viterbi.DECODER_ENV, "compiled")
    monkeypatch.setenv(compiled.THREADS_ENV, "1")
    want = decode_batch(lattices, lm, 1.0, 4, 2.0)
    assert used == [None]
    for threads in ("2", "3"):
        monkeypatch.setenv(compiled.THREADS_ENV, threads)
        got = decode_batch(lattices, lm, 1.0, 4, 2.0)
        assert used[-1] is not None and used[-1]._max_workers == int(threads)
        assert_same(want, got)
    assert_same(decode("numpy", monkeypatch, lattices, lm, 1.0, 4, 2.0), want)


@needs_ext
def test_a_forked_child_decodes_on_threads_of_its_own(monkeypatch, lm):
    """A process forked after the pool started (the batch job's workers) has the
    parent's pool object but none of its threads: it must make its own, not wait on
    threads that do not exist."""
    import multiprocessing
    from vidiacritic import compiled
    monkeypatch.setenv(compiled.THREADS_ENV, "2")
    monkeypatch.setenv(viterbi.DECODER_ENV, "compiled")
    lattices = random_lattices(np.random.default_rng(7), lm, 30, 30, 10)
    want = decode_batch(lattices, lm, 1.0, 4, 1.0)
    assert compiled._pool is not None  # (the parent's threads are running)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child():
        got = decode_batch(lattices, lm, 1.0, 4, 1.0)
        queue.put([d.best for d in got])

    proc = ctx.Process(target=child)
    proc.start()
    proc.join(60)
    if proc.is_alive():
        proc.kill()
        pytest.fail("the forked child hung on the parent's pool")
    assert proc.exitcode == 0
    assert queue.get(timeout=10) == [d.best for d in want]
