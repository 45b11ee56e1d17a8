"""End-to-end behaviour of the Restorer with the shipped models."""
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import vidiacritic
from vidiacritic import Restorer, word_breaks
from vidiacritic.tokens import PUNCT, SPACE, WORD, tokenize

from casedata import read_lines


@pytest.fixture(scope="module")
def rules():
    return Restorer(engine="rules")


@pytest.mark.parametrize("text", read_lines("unchanged.txt"))
def test_text_that_must_not_change(stat, text):
    assert stat.restore(text) == text


@pytest.mark.parametrize("text", read_lines("unchanged.txt"))
def test_text_that_must_not_change_default_engine(model, text):
    assert model.restore(text) == text


@pytest.mark.parametrize("line", read_lines("restore.tsv"))
def test_restore_cases(stat, line):
    src, expected = line.split("\t")
    assert stat.restore(src) == expected


@pytest.mark.parametrize("engine", ["statistical", "auto"])
def test_layout_and_non_words_survive(engine):
    stat = Restorer(engine=engine)
    text = "  Uy ban MTTQ\t(so 132/KH-MTTQ-BTT)\r\n\r\nngay 15/3/2024 - www.laichau.gov.vn\n"
    out = stat.restore(text)
    src_toks = [t for t in tokenize(text)]
    out_toks = [t for t in tokenize(out)]
    assert [t.kind for t in src_toks] == [t.kind for t in out_toks]
    for a, b in zip(src_toks, out_toks):
        if a.kind != WORD:
            assert a.text == b.text
    assert out.startswith("  Ủy ban MTTQ\t(")


def test_modern_tone_style():
    r = Restorer(engine="statistical", tone_style="modern")
    out = r.restore("hoa binh va hoa hop")
    assert "hoà" in out and unicodedata.is_normalized("NFC", out)


def test_version_tells_engines_and_tone_styles_apart(stat, rules):
    # batch redoes an output made under another version: a restorer that would write
    # other text must not share its version with this one
    modern = Restorer(engine="statistical", tone_style="modern")
    versions = [stat.version, modern.version, rules.version]
    assert all(isinstance(v, str) and v for v in versions)
    assert len(set(versions)) == 3
    assert Restorer(engine="statistical").version == stat.version


def test_traditional_is_default(stat):
    assert "hòa" in stat.restore("hoa binh")


def test_rules_engine_gives_a_useful_result(rules):
    out = rules.restore("Uy ban nhan dan tinh")
    assert out == "Ủy ban nhân dân tỉnh"


def test_explain_reports_every_word(stat):
    ex = stat.explain("Uy ban MTTQ nam 2023")
    assert [w.original for w in ex.words] == ["Uy", "ban", "MTTQ", "nam"]
    assert ex.words[0].chosen == "Ủy" and ex.words[0].changed
    assert ex.words[2].source == "kept" and not ex.words[2].changed
    for w in ex.words:
        assert 0.0 <= w.confidence <= 1.0
    assert ex.text == stat.restore("Uy ban MTTQ nam 2023")


@pytest.mark.parametrize("engine,decoded", [("statistical", "ngram"), ("rules", "unigram")])
def test_explain_says_what_decided_each_word(engine, decoded, stat, rules):
    """Each word's source names what acted: the engine's decoding, a lexicon phrase, a
    named fix, or nothing (kept); "rule" used to stand for the first three alike."""
    from vidiacritic.explanation import SOURCES

    r = stat if engine == "statistical" else rules
    text = "HDND tinh chi 27.600.000d theo Nghi dinh 15/2014/ND-CP; tu danh gia (TDG)\nIll. Ket qua MTTQ"
    got = {w.original: (w.chosen, w.source) for w in r.explain(text).words}
    assert got["HDND"] == ("HĐND", "fix:acronym")  # the acronym table
    assert got["TDG"] == ("TĐG", "fix:acronym")  # an acronym the document defines
    assert got["d"] == ("đ", "fix:currency")
    assert got["15/2014/ND-CP"] == ("15/2014/NĐ-CP", "fix:code")
    assert got["Ill"] == ("III", "fix:roman")
    assert got["Nghi"] == ("Nghị", "lexicon") and got["dinh"] == ("định", "lexicon")
    assert got["tinh"] == ("tỉnh", decoded)
    assert got["MTTQ"] == ("MTTQ", "kept")
    assert {source for _, source in got.values()} <= set(SOURCES)


def test_module_level_verbs():
    assert vidiacritic.restore("quyet dinh", engine="statistical") == "quyết định"
    assert vidiacritic.explain("quyet dinh", engine="statistical").text == "quyết định"


def test_bad_arguments():
    with pytest.raises(ValueError):
        Restorer(engine="nope")
    with pytest.raises(ValueError):
        Restorer(tone_style="nope")
    with pytest.raises(TypeError):
        Restorer(engine="rules").restore(b"bytes")


_ALPHABET = st.sampled_from(list("abcdeghiklmnopqrstuvxyđăâêôơư ,.\n0123456789/-") + ["hoa", "nguoi", "cua"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=25).map("".join))
@example("a0 b a")  # OCR output ("a0") whose "b a" may be read as one split syllable
@example("a.at")  # typed "at" read as the letter a would make the initials "a.a"
@example("1 hl")  # OCR output by its words' odds ("hl" spells no syllable): "1" may be lễ
@example("thuc hien.cac nhiem vu")  # a stop a speck made of a space (word_breaks' speck site)
def test_non_words_preserved_and_idempotent(stat, text):
    """Every token that is no word comes out as it was, except in OCR output: there a
    single space between two pieces of one word may go (vidiacritic.word_breaks: "b a"
    read as one split syllable), and a bare number of 1-3 digits may be read as the
    syllables Tesseract wrote it for (vidiacritic.digit_letters: "1 hl" is Lễ hội); and
    a mark glued between two words, no space either side, may be read as the space a
    speck or the OCR made it of (word_breaks' glued and speck sites: "hoa.cua", in
    typed text a stop or colon between syllables only); every other token stays, in
    its order.  Line breaks and other whitespace never change."""
    ex = stat.explain(text)
    out = ex.text
    a, b = tokenize(text), tokenize(out)
    given = [t.text for t in a if t.kind not in (WORD, SPACE)]
    kept = [t.text for t in b if t.kind not in (WORD, SPACE)]
    glued = Counter(t.text for i, t in enumerate(a) if 0 < i < len(a) - 1 and t.kind == PUNCT
                    and t.text in word_breaks.GLUE_MARKS | word_breaks.SPECK_MARKS
                    and a[i - 1].kind == WORD == a[i + 1].kind
                    and a[i - 1].end == t.start and t.end == a[i + 1].start)
    ocr = ex.reading is not None and ex.reading.kind in ("eng-ocr", "vie-ocr")
    if kept != given:
        gone, j = [], 0  # (kept must be `given` less some bare numbers read as letters, some glued marks)
        for g in given:
            if j < len(kept) and kept[j] == g:
                j += 1
            else:
                gone.append(g)
        assert j == len(kept), (given, kept)
        for g in gone:
            if glued[g] > 0:
                glued[g] -= 1
            else:
                assert ocr and g.isdigit() and len(g) <= 3, (given, kept)
    assert [t.text for t in a if t.kind == SPACE and t.text != " "] == [t.text for t in b if t.kind == SPACE and t.text != " "]
    assert stat.restore(out) == out


def test_shipped_candidate_table_matches_the_models(stat):
    """The precomputed table must be rebuilt whenever the channel or the LM vocabulary
    changes (python -m scripts.build_candidate_table PAIRS.tsv)."""
    from vidiacritic import resources

    path = resources.candidate_table_path()
    assert path is not None, "models/candidates.tsv.gz is missing"
    assert stat.generator._table, "the shipped candidate table is stale: rebuild it"


def test_table_and_live_candidates_agree(stat):
    gen = stat.generator
    for obs in ("cua", "phé", "nguoi", "chúc"):
        if obs in gen._table:
            assert gen._parse(gen._table[obs]) == gen._candidates(obs)


@pytest.mark.parametrize("measure", ["3ha", "2,5km", "500mg", "1m", "4G", "4m", "6m", "4cm", "6h"])
def test_measures_stay_in_ocr_output(stat, measure):
    """A number glued to its unit is kept even in OCR output, where "16i" is damage."""
    src = f"Dién tich dat canh tac cua xa la {measure} theo bao cao, co 16i di rieng"
    out = stat.restore(src, ocr_document=True)
    assert f" {measure} " in out and "lối" in out


def test_keeps_marks_reads_a_word_with_some_marks_dropped():
    """lattice.keeps_marks: a form is the word with marks added only."""
    from vidiacritic.lattice import keeps_marks

    assert keeps_marks("Đieu", "điều") and keeps_marks("nhiêm", "nhiệm") and keeps_marks("đong", "đồng")
    assert not keeps_marks("đieu", "đều")  # a letter less
    assert not keeps_marks("đong", "dòng")  # đ dropped is not a mark added
    assert not keeps_marks("nhiệm", "nhiềm")  # the tone it has is kept


def test_a_capital_inside_a_lowercase_word_is_ocr_damage(stat):
    """"cGing" (cũng), "cSng" (công): a word opening lowercase with a capital inside is
    no name; in OCR output keeping it costs what keeping other damage does, and the
    restored word is lowercase."""
    cfg = stat.config
    assert stat.lattices.keep_logp("cGing", True) == cfg.lower_keep_logp
    assert stat.lattices.keep_logp("Perth", True) == cfg.keep_logp  # a name
    assert stat.lattices.keep_logp("cGing", False) == cfg.keep_logp  # typed text: as before
    out = stat.restore("Australia cGing dung khé dé. Cho tdi khi déng cira vao nim 1958", ocr_document=True)
    assert out.startswith("Australia cũng dùng")


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_a_sign_read_for_a_letter_in_ocr_output(engine, request):
    """Tesseract-eng writes the I of HỘI as "!" and the hook of ư as "?" (tokens.LETTER_SIGNS);
    where the reading chosen does not need the sign it stays ("không?": a question)."""
    restorer = request.getfixturevalue(engine)
    assert restorer.restore("HOAT DONG CUA HO! DONG TRONG NAM", ocr_document=True) == "HOẠT ĐỘNG CỦA HỘI ĐỒNG TRONG NĂM"
    assert restorer.restore("ngay thi? hai, ngay tht? ba", ocr_document=True) == "ngày thứ hai, ngày thứ ba"
    assert restorer.restore("Ban co biét khong? toi thi khong", ocr_document=True) == "Bạn có biết không? tôi thì không"
    assert restorer.restore("Chuc mung! Moi nguoi", ocr_document=True) == "Chúc mừng! Mọi người"
    # ư's hook as a quote or "?" before the final consonant: one word (tokens.SPLIT_SIGNS),
    # no longer read in two ("thức’cờ", "sức?cô")
    assert restorer.restore("la tén chinh thi’c cua Viét Nam", ocr_document=True) == "là tên chính thức của Việt Nam"
    assert restorer.restore("ciing lam tang st?c hap dan", ocr_document=True) == "cũng làm tăng sức hấp dẫn"
    for text in ["CUA HO! DONG", "Ban co biét khong? toi thi khong", "quyen si? dung dat"]:
        once = restorer.restore(text, ocr_document=True)
        assert restorer.restore(once, ocr_document=True) == once  # restoring again changes nothing
