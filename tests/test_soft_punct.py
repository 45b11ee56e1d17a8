"""Decoding across soft punctuation (vidiacritic.tokens.chains with soft_punct): the
language model reads a comma, dash, quote or semicolon between two words as one unit
<p>, so the word on the other side still weighs in on a word's choice."""
import pytest

from vidiacritic import Restorer
from vidiacritic.tokens import PUNCT, tokenize


@pytest.mark.parametrize("text,word,want", [
    # a list of goods: "muoi" between two commas is muối (salt), not mười (ten)
    ("thit ca tuoi, uop lanh, dong lanh, muoi, ngam nuoc muoi", 7, "muối,"),
    # a list of works: "khoan" between commas is drilling, not a clause (khoản)
    ("tham do dia vat ly, khoan, khai thac", 5, "khoan,"),
])
def test_the_words_across_a_comma_decide(stat, text, word, want):
    # With chains cut at every comma both words were decoded alone (mười, khoản)
    assert stat.restore(text).split()[word] == want


def test_the_shipped_model_reads_soft_punctuation_and_keeps_it_as_written(stat):
    assert stat.ngram.p_id is not None and stat.soft_punct
    text = "tham do dia vat ly , khoan -- khai thac; “tuoi” (song), uop lanh: tot"
    out = stat.restore(text)
    kept = [t.text for t in tokenize(text) if t.kind != "word"]
    assert [t.text for t in tokenize(out) if t.kind != "word"] == kept
    doc = stat.explain(text)
    assert len(doc.words) == sum(t.kind == "word" for t in tokenize(text))  # no decision for a <p>


def test_the_rules_engine_keeps_its_runs_cut_at_punctuation():
    # (no context to carry across: its outputs stay as they were)
    assert not Restorer(engine="rules").soft_punct


def test_runs_hold_soft_punctuation_only_between_words(stat):
    from vidiacritic.restorer import _Document
    doc = _Document("mot, hai - ba. “bon” nam;\n sau", False, False)
    for stage in ("tokenize", "detect_ocr_output", "mend_word_breaks", "cut_chains"):
        getattr(stat, "_" + stage)(doc)
    runs = [[doc.toks[i].text for i in run] for run in doc.runs]
    assert runs == [["mot", ",", "hai", "-", "ba"], ["bon", "”", "nam"], ["sau"]]
    assert all(doc.toks[r[0]].kind != PUNCT and doc.toks[r[-1]].kind != PUNCT for r in doc.runs)



# Tesseract-vie ends a wrapped line with a stop the text lacks (tokens.stray_stops): cut
# there, "cố" was read as a sentence's end (có).  A synthetic case after the training
# slice /work/work_data/vie10/poor_vie_nw2.tsv, long enough to be read as vie OCR.
VIE_OCR_TEXT = ("Trong một thông điệp trên Facebook ngày 26/4, Thủ tướng Prayut đã cố.\n"
                "gắng giải thích cách thức chính phủ của ông đang thúc đẩy việc tìm kiếm.")


def test_a_stray_stop_at_a_line_end_does_not_cut_the_sentence(stat):
    assert stat.restore(VIE_OCR_TEXT) == VIE_OCR_TEXT


def _runs_after_reading(restorer, text):
    from vidiacritic.restorer import _Document
    doc = _Document(text, False, None)
    for stage in ("tokenize", "detect_ocr_output", "mend_word_breaks", "cut_chains", "read_document"):
        getattr(restorer, "_" + stage)(doc)
    return doc.reading.kind, [[doc.toks[i].text for i in run] for run in doc.runs]


def test_only_vie_ocr_chains_go_on_across_a_stray_stop(stat):
    kind, runs = _runs_after_reading(stat, VIE_OCR_TEXT)
    assert kind == "vie-ocr" and any(run[-3:] == ["Prayut", "đã", "cố"] for run in runs) is False
    assert any(["đã", "cố", "gắng"] == run[i:i + 3] for run in runs for i in range(len(run)))
    # a capital opens a sentence: the stop is the text's own
    _, runs = _runs_after_reading(stat, VIE_OCR_TEXT.replace("\ngắng", "\nGắng"))
    assert any(run[-2:] == ["đã", "cố"] for run in runs)
    # typed text (and Tesseract-eng output, which writes no such stops) keeps its stops
    kind, runs = _runs_after_reading(stat, "Thu tuong Prayut da co.\ngang giai thich cach thuc chinh phu cua ong")
    assert kind != "vie-ocr" and runs[0][-1] == "co"
