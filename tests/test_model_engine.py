"""The model engine: the seq2seq scorer's second pass, its guardrails and the fallback."""
import os
from dataclasses import replace

import numpy as np
import pytest

from vidiacritic import Restorer, resources
from vidiacritic.config import DEFAULT
from vidiacritic.tokens import WORD, tokenize

ROOT = os.path.join(os.path.dirname(__file__), "..")
TEXT = ("Uy ban MTTQ Viét Nam thanh phd da phéi hop té chic trén 180 hoi nghi.\n"
        "Ngay 15/3/2024, so 132/KH-MTTQ-BTT (www.laichau.gov.vn) - 07-TT/ThU\n\n"
        "  Cac dong chi lanh dao Hoi dong nhan dan tinh\n")


@pytest.fixture(scope="module")
def random_model(tmp_path_factory):
    """A tiny untrained scorer: its scores are noise, so anything it may do the
    guardrails must contain."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from scripts.seq2seq import train_scorer as ts
    out = tmp_path_factory.mktemp("scorer")
    syl = out / "syl_src.txt"
    syl.write_text("\n".join(["và", "của", "ủy", "ban", "việt", "nam", "thành", "phố", "uy"]) + "\n",
                   encoding="utf-8")
    torch.manual_seed(3)
    model = ts.build_model(8000 + 10, "tiny", dropout=0.0)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(20.0)  # loud, random opinions
    ts.export(model, str(out), "tiny", os.path.join(ROOT, "models", "seq2seq", "spm.model"), str(syl), 8000)
    return out


def _weights(weight: float):
    """The configuration with the shipped model's weights but this one's `weight` (the
    random model's folder has no weights.json of its own)."""
    return replace(DEFAULT, model=replace(resources.load_model_weights(), weight=weight))


def test_weight_zero_gives_the_statistical_result(random_model, stat):
    r = Restorer(engine="model", model_dir=random_model, config=_weights(0.0))
    assert r.engine == "model"
    assert r.restore(TEXT) == stat.restore(TEXT)


def _lattice_candidates(restorer, word: str) -> set:
    """The syllables the lattice offers for `word` of TEXT, an OCR document (the
    channel's candidates, the learned OCR forms, a capital I read as l)."""
    return set(restorer.lattices.entry(word, True).cset)


def test_a_loud_random_model_only_picks_among_candidates(random_model, stat):
    r = Restorer(engine="model", model_dir=random_model, config=_weights(50.0))
    out = r.restore(TEXT)
    a, b = tokenize(TEXT), tokenize(out)
    assert [t.kind for t in a] == [t.kind for t in b]  # nothing dropped, added or moved
    for x, y in zip(a, b):
        if x.kind != WORD:
            assert x.text == y.text  # numbers, codes, URLs, punctuation, layout
    # every word the scorer picked is kept or one of the channel's candidates for it: in
    # the first reading, where the scorer chooses among them (the second reading reads that
    # output through the marks channel, whose candidates are the output's neighbours: with
    # this loud random model, a first-reading "của" read again as cửa for "da")
    from vidiacritic.text import normalize_syllable
    first = tokenize(r._run_once(TEXT, False)[0].text)
    changed = 0
    for x, y in zip(a, first):
        if x.kind == WORD and y.text != x.text:
            changed += 1
            assert normalize_syllable(y.text) in _lattice_candidates(stat, x.text), (x.text, y.text)
    assert changed > 5


def test_model_words_are_candidates_of_the_lattice(random_model):
    """Every word the model engine picks, and every alternative it reports, is one of
    the channel's candidates for that word (or the word as written); the confidence is
    the largest of the word's probabilities."""
    from vidiacritic.text import normalize_syllable

    r = Restorer(engine="model", model_dir=random_model, config=_weights(50.0))
    # the first reading, where the scorer chooses (the second reads its output through the
    # marks channel: see test_a_loud_random_model_only_picks_among_candidates)
    ex = r._run_once(TEXT, True)[0]
    checked = 0
    for w in ex.words:
        if w.source == "kept":
            assert w.chosen == w.original
            continue
        assert w.source in ("model", "lexicon") or w.source.startswith("fix:")
        cands = _lattice_candidates(r, w.original)
        if w.source.startswith("fix:"):
            continue  # a token fix (acronym, roman numeral): not decoded
        assert normalize_syllable(w.chosen) in cands, (w.original, w.chosen)
        for alt, p in w.alternatives:
            assert alt == w.original or normalize_syllable(alt) in cands, (w.original, alt)
            assert p <= w.confidence + 1e-9
        assert 0.0 < w.confidence <= 1.0
        assert w.confidence + sum(p for _, p in w.alternatives) <= 1.0 + 1e-6
        checked += 1
    assert checked > 10


def test_auto_falls_back_with_a_warning_each_time(monkeypatch):
    def missing():
        raise resources.MissingResource("missing models/seq2seq/scorer.npz")

    monkeypatch.setattr(resources, "load_scorer", missing)
    for _ in range(2):  # every Restorer says it is not the model engine
        with pytest.warns(UserWarning, match="statistical"):
            r = Restorer(engine="auto")
        assert r.engine == "statistical"
    with pytest.raises(resources.MissingResource, match="engine='model'"):
        Restorer(engine="model")


def test_the_scorers_threads_do_not_spin():
    """Speed (issue 9): ONNX Runtime's intra-op threads sleep between operators; spinning
    took the scorer from 0.43 to 0.73 s of CPU (0.85 to 1.5 s) on the dev OCR on two
    cores other processes shared, for the same scores."""
    pytest.importorskip("onnxruntime")
    from vidiacritic.model.scorer import CandidateScorer
    sc = CandidateScorer(resources.model_path("seq2seq"), runtime="onnxruntime")
    opts = sc.session.get_session_options()
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"


@pytest.mark.parametrize("text,name", [
    ("Doan céng tac dén xa Moding Ditc va lam viéc véi lanh dao xa.", "xã Hoằng Đức"),
    ("Chg xa Héng Nell hop vao ngay rim.", "xã Hồng Ngài"),
    ("Tuyén duong qua xa Phi Ting dang duge sira chira.", "xã Phù Ủng"),
])
def test_a_place_name_the_first_pass_read_is_not_voted_away(model, stat, text, name):
    """A lexicon place name after its unit word, every word of it damaged by OCR: the
    first pass reads the name (the channel reads each word as the name's, the phrase
    bonus joins them), and the scorer does not vote there (Rescorer.names_read): it
    knew the names' syllables as rare words at best and pulled them back to the damage
    or to common words (xã Moding Đức, xã Hồng Nell, xã Phú Tùng)."""
    assert name in stat.restore(text, ocr_document=True)
    assert name in model.restore(text, ocr_document=True)


@pytest.mark.parametrize("text,read", [
    # training-split poor-scan lines; the statistical engine keeps each number
    ("théi diém ma van bin 46 dang cé higu lye. Trong tritng hop quy dinh cla vin", "văn bản đó đang"),
    ("chita benh (Bo ¥ té) da co cong van khan 56 730/KCB-NV gti SOY", "khẩn số 730/KCB-NV"),
    ("c6t khuyén diéu thién, rin diBu Ac, bo gid theo that 6 khuyén:", "thật để khuyến"),
    ("Internet 6 Viét Nam da dat dat 32,1 triéu ngudi vdi sé thué bao Internet trén", "Internet ở Việt Nam"),
])
def test_the_scorer_reads_a_number_slot_as_the_word_it_may_be(model, text, read):
    """A number of OCR output whose letter readings the lattice offers (digit_letters)
    is one of the words the scorer reads (rescoring.number_slots): it votes there, and
    the words after it are no longer one place off.  Its vote for keeping the number is
    none (Rescorer.doubtful_keep: the scorer never learned to read numbers), so "6" for
    ở was kept where the scorer read the slot with full weight on keeping it."""
    assert read in model.restore(text, ocr_document=True)


class _LoudUnknown:
    """A stand-in scorer that is sure of its "unknown" token (id 0) everywhere, as the
    real one is on heavy damage ("bjo" for báo): log-probability 0 for id 0 and for the
    known syllables -1, -2, …"""

    def syllable_id(self, form):
        return 0 if form is None or form.startswith("zz") else 1

    def syllable_ids(self, forms):
        import numpy as np
        return np.array([self.syllable_id(f) for f in forms] or [0])

    def score(self, segments):
        import numpy as np
        return [[np.where(ids == 0, 0.0, -np.cumsum(ids != 0).astype(float)) for ids in cands]
                for _, _, cands in segments]


@pytest.mark.parametrize("text,kind,neutral", [
    ("bjo", WORD, True),       # damage: its keep gets no vote of its own
    ("Ngudfi", WORD, True),
    ("Corguan", WORD, True),
    ("46", "number", True),    # a number slot: the scorer never learned numbers
    ("Cup", WORD, False),      # English: the unknown token is evidence it is meant so
    ("HOT", WORD, False),      # an acronym
    ("x", WORD, False),        # a single character
    ("‘a", WORD, False),       # one character beside punctuation (a quoted list letter)
    ("¢t", WORD, True),        # a letter glued to a symbol: damage (`¢t` for cứu), no single character
    ("m3", WORD, False),       # a word with a digit: a unit ("(m3)" was read as mã), a name (S8)
])
def test_the_unknown_token_votes_for_keeping_only_words_meant_as_written(text, kind, neutral):
    """rescoring.Rescorer.doubtful_keep: the scorer's one "unknown" token stands for every
    word outside its vocabulary; on damage it is the scorer's doubt, which outvoted the
    damaged word's readings and kept the damage (poor-scan training slice: "bjo cho"
    for báo cáo, "Ngudfi", "Corguan").  There keep gets the mean of the readings'
    votes; an English word, an acronym, a single character or a word with a digit keeps
    its vote."""
    import numpy as np
    from vidiacritic.rescoring import Rescorer
    from vidiacritic.tokens import Token
    from vidiacritic.viterbi import Decoded
    forms = ["báo", "bảo", "zzbjo", None]
    toks = [Token(text, kind, 0)]
    r = Rescorer(None, _LoudUnknown(), replace(DEFAULT, model=replace(resources.load_model_weights(), weight=1.0,
                                                                     gate=1.0)), english={"cup": 1.0})
    decoded = [Decoded([0], [np.array([0.4, 0.3, 0.2, 0.1])])]
    extra = {}
    r.rescore(toks, [[(forms, [None] * 4)]], decoded, [([0], [(0, 0)])], extra, letters_only=False)
    lp = extra[(0, 0)]
    assert lp[2] == 0.0  # a syllable outside the vocabulary keeps the unknown token's vote
    assert lp[3] == (pytest.approx(-1.5) if neutral else 0.0)  # the mean of báo's -1 and bảo's -2


class _Recording(_LoudUnknown):
    """The stand-in scorer that also keeps the source texts it was asked to read."""

    def __init__(self):
        self.sources = []

    def score(self, segments):
        self.sources.extend(src for src, _, _ in segments)
        return super().score(segments)


@pytest.mark.parametrize("sure_marks,read", [
    (False, "Uy ban Ha Noi"),  # letters only: every mark stripped, the sure ones too
    (True, "Ủy ban Ha Noi"),   # the first pass is sure of Ủy and ban: read with their marks
])
def test_in_vie_ocr_the_scorer_reads_the_words_the_first_pass_is_sure_of_with_their_marks(sure_marks, read):
    """Rescorer.rescore(sure_marks): in Tesseract-vie output the scorer, which reads such
    documents' letters only, reads the words whose chosen form has at least the gate's
    share with that form's marks (and the word's casing), and only the unsure ones as
    letters: a partly stripped text, as it learned from.  A word kept as written (None)
    stays letters."""
    import numpy as np
    from vidiacritic.rescoring import Rescorer
    from vidiacritic.tokens import Token
    from vidiacritic.viterbi import Decoded
    toks = tokenize("Uỷ bạn Hà Nội")
    words = [i for i, t in enumerate(toks) if t.kind == WORD]
    forms = [["ủy", "uy"], ["bạn", "ban"], ["hà", "ha"], [None, "nội"]]
    shares = [[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.99, 0.01]]
    best = [0, 1, 0, 0]
    metas = [[(f, [None] * len(f)) for f in forms]]
    decoded = [Decoded(best, [np.array(s) for s in shares])]
    scorer = _Recording()
    r = Rescorer(None, scorer, replace(DEFAULT, model=replace(resources.load_model_weights(), gate=0.8)))
    r.rescore(toks, metas, decoded, [(words, [(0, k) for k in range(4)])], {}, letters_only=True,
              sure_marks=sure_marks)
    assert scorer.sources == [read]


def test_the_scorer_reading_sure_marks_restores_a_vie_ocr_line(model, stat):
    """Training-split Tesseract-vie lines (news, a poor scan): the statistical engine reads
    càn khôn; the scorer, reading the letters only ("Tai ba muoi, khep canh ca khon"),
    voted it back to "ca khôn".  Reading the marks of the words the first pass is sure
    of (Rescorer.rescore's sure_marks), it keeps the first pass's càn."""
    text = "\n".join([
        "“Một người bạn của tôi, ngay trong đêm tôi trớ về nhà, đã đưa cho tôi chiếc",
        "iPhone 11, và tôi không biết phải làm chuyện quái gì với thứ đó”, Harold thú",
        "Phật giáo Đại thừa được nhiêu người thừa",
        "nhân là tên giảu chính của nGHÊN Việt,",
        "người Hoa và một số dân tốc thiểu số",
        "Ainh sông ở miền ma phía Hác như Mường,",
        "Tải ba mười, khép cánh ca khôn, nh",
        "chặt lại, kệo Ina vướng đưa quỳ tới,",
        "Độc chính tả:",
        "B năm Kỹ Sửu (tức 22 tháng 9 nấm 1829)",
    ])
    ex = model.explain(text)
    assert ex.reading.kind == "vie-ocr"
    assert "khép cánh càn khôn" in ex.text
    assert "khép cánh càn khôn" in stat.restore(text)


def _first_extras(model, monkeypatch, factor: float, share: float) -> dict:
    """The scorer's additions (Rescorer.rescore's `extra`) of the first reading of TEXT
    with Config.unsure_scorer_factor `factor`, the first pass's share for every chosen
    form taken to be `share`."""
    from vidiacritic import rescoring
    r = model.with_config(replace(model.config, unsure_scorer_factor=factor))
    monkeypatch.setattr(rescoring, "chosen_share", lambda *a: share)
    seen = []
    real = rescoring.Rescorer.rescore

    def spy(self, toks, metas, decoded, segs, extra, *a, **k):
        out = real(self, toks, metas, decoded, segs, extra, *a, **k)
        seen.append(dict(extra))
        return out

    monkeypatch.setattr(rescoring.Rescorer, "rescore", spy)
    r.restore(TEXT)
    return seen[0]


def test_the_scorer_counts_more_where_the_first_pass_is_unsure(model, monkeypatch):
    """Config.unsure_scorer_factor: at a word whose chosen form has a share below
    Config.unsure_share the scorer's vote is that many times its weight; above it (and
    below the gate, so that the segment is scored) it is the weight alone."""
    assert model.config.unsure_share < 0.75 < model.config.model.gate
    one, two = (_first_extras(model, monkeypatch, f, 0.5) for f in (1.0, 2.0))
    assert one and one.keys() == two.keys()
    assert all(np.allclose(two[k], 2.0 * one[k]) for k in one)
    one, two = (_first_extras(model, monkeypatch, f, 0.75) for f in (1.0, 2.0))
    assert one and one.keys() == two.keys() and all(np.array_equal(two[k], one[k]) for k in one)


def test_the_unsure_vote_counts_more_only_in_ocr_output_not_read_as_marked(model, monkeypatch):
    """Restorer._decode's unsure_boost: Config.unsure_scorer_factor applies to OCR output
    not read as marked (TEXT: Tesseract-eng-like), not to typed text without marks nor
    to a marked document, where it moved words both ways (config.py)."""
    stripped = "Cac dong chi lanh dao Hoi dong nhan dan tinh da hop ve ke hoach nam 2024.\n"
    marked = "Các đồng chí lãnh đạo Hội đồng nhân dân tỉnh đã họp về kế hoạch nam 2024.\n"
    for text, boosted in ((TEXT, True), (stripped, False), (marked, False)):
        seen = []
        from vidiacritic import rescoring
        real = rescoring.Rescorer.rescore

        def spy(self, *a, **k):
            seen.append(k["unsure_boost"])
            return real(self, *a, **k)

        monkeypatch.setattr(rescoring.Rescorer, "rescore", spy)
        model.restore(text)
        monkeypatch.undo()
        assert seen and seen[0] is boosted, text
