"""The marks channel (vidiacritic.marks) and the per-document reading of marks."""
import math
from dataclasses import replace

import numpy as np
import pytest

from scripts.estimate_channels import estimate_marks_channel, estimate_tones
from vidiacritic.marks import (ENG_OCR, TYPED_MARKED, TYPED_UNMARKED, VIE_OCR, DocumentReading, MarksChannel,
                               letters_and_tone, quality_counts, read_document)
from vidiacritic.text import apply_tone, strip_diacritics

from casedata import load_json, read_lines


def drop_tones(text: str) -> str:
    """Every tone mark removed, vowel-quality marks and đ kept (what make_partly_marked does at rate 1)."""
    out = []
    for word in text.split(" "):
        letters, tone = letters_and_tone(word)
        out.append(apply_casing_like(letters, word) if tone else word)
    return " ".join(out)


def apply_casing_like(letters: str, like: str) -> str:
    return "".join(c.upper() if o.isupper() else c for c, o in zip(letters, like)) + letters[len(like):]


# ---------------------------------------------------------------- estimation
def test_tone_table_counts_confusions():
    # hook above read as acute 3 times in 10 on "điểm"; the grave of "nhằm" always right
    pairs = {("điếm", "điểm"): 3, ("điểm", "điểm"): 7, ("nhằm", "nhằm"): 10}
    tone = estimate_tones(pairs, alpha=0.0 + 1e-9)
    assert math.isclose(math.exp(tone[3, 1]), 0.3, rel_tol=1e-6)
    assert math.isclose(math.exp(tone[3, 3]), 0.7, rel_tol=1e-6)
    assert math.isclose(math.exp(tone[2, 2]), 1.0, rel_tol=1e-6)
    assert np.allclose(np.exp(tone).sum(axis=1), 1.0)


def test_channel_factors_tone_and_letters():
    pairs = {("đong", "đồng"): 2, ("đồng", "đồng"): 18, ("tình", "trình"): 1, ("trình", "trình"): 9,
             ("nhầm", "nhằm"): 1, ("nhằm", "nhằm"): 9}
    ch = estimate_marks_channel(pairs)
    # letters are estimated without tones: ô read as o is a letter edit, the tone a tone edit
    assert ch.letters.sub["ô"]["o"] > math.log(0.05)
    lp = ch.logp_many("đong", ["đồng", "đông", "đang"])
    assert lp[0] > lp[2] and lp[1] > lp[2]
    # the identity is the likeliest reading of a clean syllable
    assert ch.identity_logp("trình") > ch.logp_many("tình", ["trình"])[0]
    # â read as ă (nhầm for nhằm) was seen; â read as ê was not
    lp = ch.logp_many("nhầm", ["nhằm", "nhềm"])
    assert lp[0] > lp[1]


def test_save_and_load_round_trip(tmp_path):
    ch = estimate_marks_channel({("đong", "đồng"): 2, ("đồng", "đồng"): 8}, {"expected": {"toned_share": 0.75,
                                                                                          "quality_share": 0.5}})
    ch.save(str(tmp_path / "m.json"))
    back = MarksChannel.load(str(tmp_path / "m.json"))
    assert np.allclose(back.tone, ch.tone, atol=1e-4)
    assert back.logp_many("đong", ["đồng"])[0] == pytest.approx(ch.logp_many("đong", ["đồng"])[0], abs=1e-3)
    assert back.expected_toned == 0.75


def test_build_script_on_written_pairs(tmp_path):
    from scripts.build_marks_channel import main
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("Quá tình thực hiện\tQuá trình thực hiện\tfont\t20\n"
                     "nhầm mục đích\tnhằm mục đích\tfont\t20\n"
                     "một dòng lệch\tmột dòng\tfont\t20\n", encoding="utf-8")
    out = tmp_path / "marks.json"
    assert main([str(pairs), "--out", str(out)]) == 0
    ch = MarksChannel.load(str(out))
    assert ch.meta["sources"][0]["aligned_lines"] == 2  # the third line's word counts differ
    assert ch.meta["word_pairs"] == 7 and ch.meta["error_rate"] == pytest.approx(2 / 7, abs=1e-4)
    assert 0.5 < ch.expected_toned < 0.95


def test_build_script_pools_the_error_rate_of_several_files(tmp_path):
    # The starting mark-error rate is the poor-scan files' wrong-word share: with poor scans
    # in several fonts and layouts it is their pooled share, the clean renders left out.
    from scripts.build_marks_channel import main
    poor_a, poor_b, clean = tmp_path / "a.tsv", tmp_path / "b.tsv", tmp_path / "c.tsv"
    poor_a.write_text("Quá tình thực hiện\tQuá trình thực hiện\tf\t20\n", encoding="utf-8")  # 1 of 4 wrong
    poor_b.write_text("nhầm mục đích\tnhằm mục đích\tf\t20\n", encoding="utf-8")  # 1 of 3 wrong
    clean.write_text("các mục đích của nó\tcác mục đích của nó\tf\t20\n", encoding="utf-8")
    out = tmp_path / "marks.json"
    assert main([str(poor_a), str(poor_b), str(clean), "--error-from", str(poor_a),
                 "--error-from", str(poor_b), "--out", str(out)]) == 0
    ch = MarksChannel.load(str(out))
    assert ch.meta["error_rate"] == pytest.approx(2 / 7, abs=1e-4)
    assert ch.meta["command"].endswith("--error-from a.tsv --error-from b.tsv")
    assert main([str(poor_a), str(clean), "--error-from", str(poor_b), "--out", str(out)]) == 2


# ---------------------------------------------------------------- one document's reading
def test_fully_marked_text_is_trusted(stat):
    text = "\n".join(read_lines("partly_marked.txt"))
    reading = read_document(text.split(), False, stat.marks)
    assert reading.kind == TYPED_MARKED and reading.tone_drop < 0.15 and reading.quality_drop < 0.15
    ex = stat.explain(text)
    assert ex.reading.kind == TYPED_MARKED and ex.reading.mark_error < 0.01
    assert ex.text == text


def test_tone_stripped_text_has_tone_drop_near_one(stat):
    text = drop_tones("\n".join(read_lines("partly_marked.txt")))
    reading = read_document(text.split(), False, stat.marks)
    assert reading.kind == TYPED_MARKED and reading.tone_drop > 0.95 and reading.quality_drop < 0.15


def test_unmarked_and_english_ocr_text_keep_the_ocr_channel(stat):
    text = strip_diacritics("\n".join(read_lines("partly_marked.txt")))
    assert read_document(text.split(), False, stat.marks).kind == TYPED_UNMARKED
    assert read_document(text.split(), True, stat.marks).kind == ENG_OCR
    assert stat.explain(text).reading.kind == TYPED_UNMARKED


def test_typed_channel_reopens_toneless_words_at_rate_r():
    doc = DocumentReading(TYPED_MARKED, tone_drop=0.6, quality_drop=0.01, mark_error=1e-4)
    kept = math.log(0.99)  # each of đ and ô kept
    lp = doc.typed_logp("đông", ["đông", "đồng", "đống", "dông"])
    assert lp[0] == pytest.approx(2 * kept)
    assert lp[1] == pytest.approx(math.log(0.6) + 2 * kept) and lp[2] == lp[1]  # the LM picks the tone
    assert lp[3] == -math.inf  # typing does not add đ
    # ô → o: one quality mark dropped, đ kept
    assert doc.typed_logp("đong", ["đông"])[0] == pytest.approx(math.log(0.01) + kept)
    # a marked word in a trusted document: its own tone is (1 - r), another tone impossible
    lp = doc.typed_logp("nhầm", ["nhầm", "nhằm"])
    assert lp[0] == pytest.approx(math.log(0.4) + math.log(0.99)) and lp[1] == -math.inf


def test_error_rate_decides_vie_ocr():
    doc = DocumentReading(TYPED_MARKED, 0.01, 0.01)
    assert doc.with_error(0.05).kind == VIE_OCR and doc.with_error(0.001).kind == TYPED_MARKED


@pytest.mark.parametrize("line", read_lines("partly_marked.txt"))
def test_partly_marked_lines_restored(stat, line):
    assert stat.restore(drop_tones(line)) == line


def test_explain_cli_reports_the_reading(tmp_path, capsys):
    from vidiacritic.cli import main
    f = tmp_path / "in.txt"
    f.write_text(drop_tones(read_lines("partly_marked.txt")[0]) + "\n", encoding="utf-8")
    main(["explain", "--engine", "statistical", str(f)])
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("# read as typed-marked")


def test_a_few_words_prove_nothing_about_the_marks(stat):
    # "đ my" is not a document with every tone dropped: read it as before, and
    # restoring twice gives what restoring once gave (was: my → mỹ on the second pass)
    assert not read_document(["đ", "my"], False, stat.marks).marked
    once = stat.restore("đ\nmv")
    assert stat.restore(once) == once


# ---------------------------------------------------------------- tone given the letters
def test_tone_is_estimated_apart_when_a_letter_is_misread():
    # with the letters right the tone is always right; with a letter misread, half the
    # time the tone too (hà for họ)
    pairs = {("họ", "họ"): 50, ("hà", "họ"): 5, ("hộ", "họ"): 5, ("bộ", "bộ"): 40}
    ch = estimate_marks_channel(pairs)
    kept, changed = ch.tone_table(False), ch.tone_table(True)
    assert np.allclose(np.exp(kept).sum(axis=1), 1.0) and np.allclose(np.exp(changed).sum(axis=1), 1.0)
    assert changed[5, 2] > math.log(0.3) > kept[5, 2]
    # a form whose letters differ is scored with the table for misread letters
    lp = ch.logp_many("hà", ["họ"])[0]
    assert lp == pytest.approx(ch.letters.logp("ha", "ho") + changed[5, 2])
    assert ch.identity_logp("họ") == pytest.approx(ch.letters.logp("ho", "ho") + kept[5, 5])


def test_channel_file_without_tone_tables_uses_the_pooled_one(tmp_path):
    ch = estimate_marks_channel({("hà", "họ"): 5, ("họ", "họ"): 50})
    ch.save(str(tmp_path / "m.json"))
    back = MarksChannel.load(str(tmp_path / "m.json"))
    assert np.allclose(back.tone_table(True), ch.tone_table(True), atol=1e-4)
    old = MarksChannel(ch.tone, ch.letters)
    assert old.tone_table(True) is old.tone and old.tone_table(False) is old.tone


def test_shipped_channel_reads_letter_and_tone_errors_together(stat):
    # Tesseract vie: the tone is misread far more often when a letter is
    assert stat.marks.tone_table(True)[5, 2] > stat.marks.tone_table(False)[5, 2] + math.log(5)


def _vie_cases():
    return [pytest.param(c, id=c["expected"][0][:24]) for c in load_json("vie_ocr.json")]


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("case", _vie_cases())
def test_vie_ocr_documents_restored(request, engine, case):
    """Tesseract-vie-like documents (written for the tests): wrong but valid syllables
    overturned by context, damage widened (a case's "engines": where it holds, else both)."""
    if engine not in case.get("engines", ("stat", "model")):
        pytest.skip("a case for the other engine")
    restorer = request.getfixturevalue(engine)
    ex = restorer.explain("\n".join(case["input"]))
    assert ex.reading.kind == VIE_OCR
    assert ex.text.split("\n") == case["expected"], case["why"]


def test_context_proposes_candidates_in_vie_ocr(stat):
    """In vie OCR the words beside a word propose forms of its pool that the channel
    alone ranks out (ăn for dẫn after hướng); typed text is untouched."""
    reading = DocumentReading(VIE_OCR, 0.01, 0.01, 0.05, 1000)
    alone = [f for f, _ in stat.reader.marked_candidates("ăn", reading)]
    after = [f for f, _ in stat.reader.marked_candidates("ăn", reading, ("hướng", None))]
    assert "dẫn" not in alone and "dẫn" in after
    assert after[:len(alone)] == alone and len(after) == len(alone) + stat.config.context_candidates
    # and the word after (thêu for theo before quy)
    assert "theo" not in [f for f, _ in stat.reader.marked_candidates("thêu", reading)]
    assert "theo" in [f for f, _ in stat.reader.marked_candidates("thêu", reading, (None, "quy"))]
    typed = DocumentReading(TYPED_MARKED, 0.01, 0.01, 0.005, 1000)
    assert stat.reader.marked_candidates("ăn", typed, ("hướng", None)) == stat.reader.marked_candidates("ăn", typed)


def test_context_words_cross_a_line_break_not_a_blank_line(stat):
    """The words beside a word that proposes candidates in vie OCR: across a wrapped
    line's break, not across a paragraph's blank line."""
    from vidiacritic.tokens import tokenize
    reading = DocumentReading(VIE_OCR, 0.01, 0.01, 0.05, 1000)
    for text, expected in [("Chính phủ hướng\năn việc", ("hướng", "việc")),
                           ("Chính phủ hướng ăn việc", ("hướng", "việc")),
                           ("Chính phủ hướng\n\năn việc", (None, "việc"))]:
        toks = tokenize(text)
        ti = next(i for i, t in enumerate(toks) if t.text == "ăn")
        assert stat.lattices.context_words(toks, ti, reading) == expected, text


# Text written for this test, read like Tesseract-vie output (dẩn, nay, nhiêm, đinh).
_VIE_HEAD = "Ủy ban nhân dân tỉnh có trách nhiệm hướng dẩn thi hành Quyết định nay.\n"
_VIE_TAIL = "\nCác cơ quan, tổ chức có liên quan chịu trách nhiêm thi hành Quyết đinh này."


@pytest.mark.parametrize("line,expected,reached", [
    # "ở lên" (trở lên) is two letters away: reached on a line with a damaged word only
    ("Người từ đủ 16 tuổi ở lên phải chịu trách nhiệm hìnhh sựt.",
     "Người từ đủ 16 tuổi trở lên phải chịu trách nhiệm hình sự.", True),
    ("Người từ đủ 16 tuổi ở lên phải chịu trách nhiệm hình sự.",
     "Người từ đủ 16 tuổi ở lên phải chịu trách nhiệm hình sự.", False),
    ("Các cơ quan có tiệm quan phối hợp thực hiện nhiệm vụ được giaoo.",
     "Các cơ quan có liên quan phối hợp thực hiện nhiệm vụ được giao.", True),
])
def test_a_damaged_lines_words_reach_two_letters(model, line, expected, reached):
    doc = _VIE_HEAD + line + _VIE_TAIL
    assert model.explain(doc).reading.kind == VIE_OCR
    assert model.restore(doc).split("\n")[1] == expected
    if reached:  # (Config.damaged_line_reach: without it the word stays)
        near = model.with_config(replace(model.config, damaged_line_reach=0))
        assert near.restore(doc).split("\n")[1] != expected


def test_mark_evidence_is_the_plain_loops_to_the_bit(stat):
    """mark_evidence's tone look-ups and renormalised error scores (numpy over a word's
    forms, the renormaliser remembered per form) against the per-form loops they
    replaced, on the dev report's words and their candidate pools, duplicates included."""
    from vidiacritic.marks import mark_evidence
    channel = stat.marks
    kept_t, changed_t = channel.tone_table(False), channel.tone_table(True)
    words = ["điểm", "nhầm", "tình", "đong", "Viét", "của", "hoà", "BÁO", "ngươi", "x"]
    checked = 0
    for w in words:
        obs = w.lower()
        ev, _ = stat.reader.mark_evidence(w, True, 0)
        forms = list(ev.forms) + list(ev.forms[:3]) + [obs]  # (a form twice, the word itself)
        got = mark_evidence(channel, obs, forms)
        ol, ot = letters_and_tone(obs)
        split = [letters_and_tone(f) for f in forms]
        tones = np.array([(changed_t if cl != ol else kept_t)[ct, ot] for cl, ct in split])
        assert channel.tone_logps(ol, ot, split).tobytes() == tones.tobytes()
        v = channel.letters.logp_many(ol, [cl for cl, _ in split]) + tones
        err = np.full(len(forms), -np.inf)
        for k, f in enumerate(forms):
            if f != obs:
                err[k] = v[k] - math.log(-math.expm1(min(channel.identity_logp(f), -1e-6)))
        assert got.err.tobytes() == err.tobytes()
        typed = np.zeros((5, len(forms)))  # (typed_ok, tone kept, tone dropped, quality kept, dropped)
        for k, (cl, ct) in enumerate(split):
            counts = quality_counts(ol, cl) if ot in (ct, 0) else None
            if counts is not None:
                typed[:, k] = (1, ot == ct and ct != 0, ot != ct, *counts)
        assert np.array_equal(np.stack([got.typed_ok, got.toned_kept, got.tone_dropped, got.quality_kept,
                                        got.quality_dropped]).astype(float), typed)
        assert got.typed_ok.dtype == bool and got.forms == tuple(forms)
        checked += len(forms)
    assert checked > 200
    assert channel._form_rows is not None  # (the compiled DP: FormRows gave these)
    assert channel.tone_logps("a", 0, []).shape == (0,) and mark_evidence(channel, "a", []).err.shape == (0,)
