"""Restoring a restored text changes nothing (issue 11, item 12); correct text and the
project's own place names stay as written (item 13); the document's marks say how far
to trust it (issue 9, item 1).

One Restorer per engine is loaded once for the module; the property tests draw few
examples, derandomized, so that CI time and results stay fixed.
"""
import os
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scripts import check_stability
from vidiacritic.text import strip_diacritics
from vidiacritic.tokens import WORD, tokenize

from casedata import load_json, read_lines

ROOT = os.path.join(os.path.dirname(__file__), "..")

CORRECT = read_lines("idempotence.txt")


def _syllables(n):
    """The n most frequent syllables of the trigram model's vocabulary."""
    with open(os.path.join(ROOT, "models", "ngram", "vocab.txt"), encoding="utf-8") as fh:
        words = [ln.split("\t")[0] for ln in fh]
    return [w for w in words if w.isalpha()][:n]


SYLLABLES = _syllables(3000)


def _partly(line, keep_every=2):
    """Every other word loses its marks (as in text typed with some marks)."""
    return " ".join(w if i % keep_every == 0 else strip_diacritics(w) for i, w in enumerate(line.split()))


def _assert_stable(restorer, text):
    once = restorer.restore(text)
    assert restorer.restore(once) == once, f"input {text!r}"


# ---------------------------------------------------------------- idempotence
def test_reported_case_is_stable(model):
    # issue 11: "nu, dung" → "nữ, dung" → "nữ, đứng"
    _assert_stable(model, "nu, dung")


@pytest.mark.parametrize("variant", ["correct", "stripped", "partly"])
@pytest.mark.parametrize("engine", ["stat", "model"])
def test_written_report_restored_again_is_unchanged(request, engine, variant):
    restorer = request.getfixturevalue(engine)
    text = "\n".join(CORRECT)
    text = {"correct": text, "stripped": strip_diacritics(text),
            "partly": "\n".join(_partly(ln) for ln in CORRECT)}[variant]
    _assert_stable(restorer, text)


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_correct_report_is_kept(request, engine):
    """Correct text is restored as itself: its marks make the document trust itself
    (the statistical engine used to turn "ra" into "rõ", the default engine the place
    name "Thung Nai" into "Thượng Nai")."""
    restorer = request.getfixturevalue(engine)
    text = "\n".join(CORRECT)
    assert check_stability.changed_words(text, restorer.restore(text)) == []


_WORD = st.tuples(st.sampled_from(SYLLABLES), st.booleans(), st.booleans())
_SEP = st.sampled_from([" ", " ", " ", ", ", ". ", "\n"])
_TEXT = st.lists(st.tuples(_WORD, _SEP), min_size=1, max_size=12)


def _render(items):
    """Syllables, each stripped of its marks or capitalised at random, with separators."""
    out = []
    for (syl, stripped, title), sep in items:
        w = strip_diacritics(syl) if stripped else syl
        out.append((w[:1].upper() + w[1:] if title else w) + sep)
    return "".join(out).rstrip()


_PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(_TEXT)
def test_restore_is_idempotent_statistical(stat, items):
    _assert_stable(stat, _render(items))


@_PROPERTY
@given(_TEXT)
def test_restore_is_idempotent_default(model, items):
    _assert_stable(model, _render(items))


# Random syllables of the model's vocabulary, half of them stripped of their marks (as
# test_restore_is_idempotent_* draws them; seed 11 of a 300-text run): each changed when
# its restored text was restored again, before a document not read as marked was read a
# second time (Restorer._run; 13 of those 300 texts changed then, 3 now).  The first
# one changed again from session 6 (a strict xfail then): its second reading was a near
# tie (rủ 0.58, rõ 0.34) that the marks channel's tone-given-letters tables tipped the
# other way on the third (models/CHANNEL.md); since the language model reads across the
# comma (<p>, models/ngram/CARD.md) it is stable again.
RESTORED_AGAIN_CHANGED = [
    'khổng rủ sai, nghien nhung. can. tin, Bụi',
    'vac\nKhe, thoại Giuc. Thặng, xỉ linh thy\nUn. cach.',
    'khoa\nhoành may\ncảnh. San hiên',
    'quat am dấy Khi ngot\nXem Trả nần',
    'khoanh\ngiang Xam mit\nlung, Tụ. gioi xuong',
    'sam, gung gu. suc hét. dậy, chục',
    'toi, dot khoe nay. Triệt thèm. thánh Ren.',
    'Toi boong\nHoa ro. trùng Tho lén truc Sáng xa vào',
]


@pytest.mark.parametrize("text", RESTORED_AGAIN_CHANGED)
def test_restored_again_is_unchanged_where_it_used_to_change(model, text):
    _assert_stable(model, text)


# Tesseract-vie readings of poor scans, read as marked documents: their first reading
# was returned as it was, and restoring it again changed a word ("Hạ và tên" → "Họ và
# tên": the output, with fewer wrong marks, is read at other rates).  Since session 9 a
# marked document's output is read once more too (Restorer._run).
MARKED_RESTORED_AGAIN_CHANGED = [
    "5, Hà sà tên Người đi điển Đhêo THC BếU",
]


@pytest.mark.parametrize("text", MARKED_RESTORED_AGAIN_CHANGED)
def test_a_marked_document_restored_again_is_unchanged(model, text):
    assert model.explain(text).reading.marked
    _assert_stable(model, text)


def _assert_explain_agrees(model, text):
    """explain() gives restore()'s text, each word at the input's place, and the text
    between the words is the input's."""
    ex = model.explain(text)
    assert ex.text == model.restore(text)
    rebuilt, at = [], 0
    for w in ex.words:
        assert text[w.start:w.start + len(w.original)] == w.original
        rebuilt += [text[at:w.start], w.chosen]
        at = w.start + len(w.original)
    assert "".join(rebuilt) + text[at:] == ex.text


@pytest.mark.parametrize("text", RESTORED_AGAIN_CHANGED[1:5])
def test_explain_agrees_with_the_second_reading(model, text):
    """explain() gives restore()'s text, and its words (read twice) still name the
    input's words at their places: the output is the input with each word's choice."""
    _assert_explain_agrees(model, text)


def test_explain_tells_a_split_of_a_later_reading_as_the_first_tells_its_own(model):
    """A word the first reading keeps and the second splits (word_breaks' marked cuts,
    which read the restored text as marked text): explain() names its pieces at their
    places in the input, as it names a split the first reading made, not the whole
    word as kept (explanation.merge_readings)."""
    first = "Hội đồng đã tổ chức cuộc họpcủa các thành viên"
    later = '"Thôngtư này ấp dụng đối với các đơn vị\nthuộc lĩnh vực chính trị.'
    for text, whole, cut in ((first, "họpcủa", 3), (later, "Thôngtư", 5)):
        ex = model.explain(text)
        start = text.index(whole)
        assert whole[:cut] + " " + whole[cut:] in ex.text
        words = {(w.start, w.original) for w in ex.words}
        assert (start, whole[:cut]) in words and (start + cut, whole[cut:]) in words
        assert (start, whole) not in words


def test_explain_tells_a_merge_of_a_later_reading_as_one_word(model):
    """A word of the second reading over several of the first's (word_breaks joins
    "đun g", the first reading's output of "dun g", into "đung"): explain() names the
    merged word with the input's text under it, not the first reading's two words,
    which no longer match the output (found by the messy-input property test)."""
    ex = model.explain("dun g")
    assert ex.text == model.restore("dun g")
    if " " not in ex.text:  # (the later reading merged them)
        assert [(w.start, w.original) for w in ex.words] == [(0, "dun g")]
    _assert_explain_agrees(model, "dun g")


# ---------------------------------------------------------------- the document's trust
def _drop_tones(line, every=1):
    """The tone marks of one word in `every` dropped, the other marks kept ("đồng" →
    "đông")."""
    words = line.split(" ")
    for i in range(0, len(words), every):
        words[i] = unicodedata.normalize("NFC", "".join(
            c for c in unicodedata.normalize("NFD", words[i]) if c not in "\u0300\u0301\u0303\u0309\u0323"))
    return " ".join(words)


def test_trust_follows_the_documents_marks(stat):
    def trust(text):
        return stat.reader.document_trust([t.text for t in tokenize(text) if t.kind == WORD])

    text = "\n".join(CORRECT)
    meant, toneless = trust(text)
    assert meant > 0.95 and toneless < 0.02  # correct text: nearly every word as meant
    assert trust(strip_diacritics(text)) == (0.0, 0.0)
    partly = trust("\n".join(_partly(ln) for ln in CORRECT))
    assert 0.2 < partly[0] < meant
    # tone marks dropped, other marks kept: mostly the writer who drops tones
    dropped = trust(_drop_tones(text))
    assert dropped[1] > 0.5 and dropped[0] < 0.5
    # marks on tokens that are no syllable (OCR, broken typing) lower it
    damaged = text + " Viét nhiém Đieu tiét" * 40
    assert trust(damaged)[0] < meant - 0.2


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_tone_marks_dropped_are_restored(request, engine):
    """Text whose tone marks were dropped and other marks kept: its toneless words are
    read as such (writer c of DocumentReader.document_trust), not kept because they happen to be
    syllables ("đông" for đồng).  Of the 587 words of tests/cases/idempotence.txt,
    wrong before with every tone dropped: statistical 115, default 67, now 44 and 33;
    with every other word's tones dropped: 45 and 27, now 15 and 14."""
    restorer = request.getfixturevalue(engine)
    text = "\n".join(CORRECT)
    for every, most in ((1, 50), (2, 20)):
        toneless = "\n".join(_drop_tones(ln, every) for ln in CORRECT)
        wrong = check_stability.changed_words(text, restorer.restore(toneless))
        assert len(wrong) <= most, wrong


def test_ocr_text_is_not_trusted_by_its_marks(stat, monkeypatch):
    """Tesseract's English model writes é, ó for damaged letters, so the marks of OCR
    output are no sign of a writer who writes them (the dev OCR lost a word when they
    were: phố read "pho", restored as phó).  Its restored text, read once more as
    restoring it again reads it (Restorer._run), is typed text and may be."""
    judge = stat.reader.document_trust

    def refuse(words):
        if "phé" in words:
            raise AssertionError("an OCR document was judged by its marks")
        return judge(words)
    monkeypatch.setattr(stat.reader, "document_trust", refuse)
    out = stat.restore("Uy ban nhan dan thanh phé Lai Chau da t6 chirc hoi nghi")
    assert out.startswith("Ủy ban nhân dân thành phố")


# ---------------------------------------------------------------- place names
@pytest.mark.parametrize("engine", ["stat", "model"])
def test_lexicon_place_names_stay_as_written(request, engine):
    """Place names of data/admin_terms.tsv, correct text, one in 25 (402 names, 1,250
    words): before, the default engine changed 23 of their words in a sentence and 18
    when restored alone (statistical: 18 and 14); now 1 and 4 (statistical 1 and 2).
    A name written exactly as the lexicon writes it is kept ("xã Thung Nai"), and a
    document with marks trusts them."""
    restorer = request.getfixturevalue(engine)
    names = check_stability.place_names(every=25)
    assert len(names) == 402
    assert len(check_stability.place_changes(restorer, names, alone=False)) <= 3
    assert len(check_stability.place_changes(restorer, names, alone=True)) <= 6


def test_exact_lexicon_phrase_is_kept_alone(stat, model):
    for r in (stat, model):
        assert r.restore("xã Thung Nai") == "xã Thung Nai"


def test_rare_syllable_as_written_is_a_candidate(stat):
    # "đú" (xã Đú Sáng) used to lose its candidate slot to common forms by prior alone
    assert "đú" in [f for f, _ in stat.generator.candidates("đú")]
    assert stat.restore("xã Đú Sáng") == "xã Đú Sáng"


# ---------------------------------------------------------------- an output read as another kind
READ_AS_ANOTHER_KIND = load_json("restored_again.json")["reading_kind"]
SETTLED_IN_TWO = frozenset(load_json("restored_again.json")["settled_in_two"])


@pytest.mark.parametrize("text", READ_AS_ANOTHER_KIND)
def test_an_output_read_as_another_kind_is_read_again(model, text):
    """Restorer._run: while an output is read as another kind than the text it came
    from (tests/cases/restored_again.json), it is read again (Config.readings at most);
    with two readings, as before, restoring each of these again changed a word (under
    the configuration they were found with: Tesseract-vie output without the weak-word
    widening, Config.vie_widen, which reads one of them alike in two readings; and with
    their invisible characters as punctuation, as before: Restorer._readings; one has a
    soft hyphen, now read through, tests/test_invisible.py; the cases of "settled_in_two"
    are read alike in two readings since a word with a digit may be a code,
    DocumentReader.is_code, or stays as written where the document is read as marked,
    LatticeBuilder.entry)."""
    _assert_stable(model, text)
    two = model.with_config(replace(model.config, readings=2, vie_widen=False))
    once = two._readings(text, False)[0].text
    assert (two._readings(once, False)[0].text == once) == (text in SETTLED_IN_TWO)


@pytest.mark.parametrize("text", load_json("restored_again.json")["same_kind"])
def test_a_reading_that_changed_words_is_read_again_at_the_same_kind_too(model, text):
    """Restorer._readings reads on while a reading changes words, whatever kind the output
    is read as (before session 15 it stopped once an output was read as the same kind as
    the text it came from, and restoring this one's output again moved a word)."""
    _assert_stable(model, text)
    steps = model._readings(text, False)[1]
    assert len(steps) > 2 and not steps[-1][2]  # (read past the second reading, to one that changed nothing)


@pytest.mark.parametrize("text", READ_AS_ANOTHER_KIND[:3])
def test_explain_agrees_with_further_readings(model, text):
    """explain() of a document read three times or more: restore()'s text, its words at
    the input's places, and the text between them the input's."""
    _assert_explain_agrees(model, text)


# Junk of messy real input, put inside or beside words: invisible characters (zero-width
# space and joiners, word joiner, BOM, soft hyphen), symbols, OCR debris, quotes, digits,
# codes, CRLF and tabs.
_JUNK = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "@", "%", "©", "®", "¢",
                         "&", "#", "'", "’", "-", "?", "!", "}", "_", "$", "6", "9", "\r\n", "\t", "\n", " ",
                         "15/2014/ND-CP", "H5N1", "http://x.vn/a?b=1"])
_MESSY = st.tuples(_TEXT, st.lists(st.tuples(st.integers(0, 10 ** 6), _JUNK), min_size=1, max_size=4))


def _splice(items, junk):
    text = _render(items)
    for at, piece in junk:
        at %= len(text) + 1
        text = text[:at] + piece + text[at:]
    return text


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_MESSY)
def test_messy_input_keeps_what_is_no_word_and_is_stable(model, messy):
    """Messy input (junk spliced into random syllables, some stripped of their marks):
    no exception, the text between explain()'s words is the input's except a glue mark
    read for a space (vidiacritic.word_breaks), each word comes out NFC, and restoring
    the output again changes nothing."""
    text = _splice(*messy)
    ex = model.explain(text)
    assert ex.text == model.restore(text)
    out, at, pos = ex.text, 0, 0
    for w in ex.words:
        gap = text[at:w.start]
        got = out[pos:pos + len(gap)]
        assert got == gap or gap in ("-", "'", "’") and got == " ", (text, gap, got)
        assert out[pos + len(gap):pos + len(gap) + len(w.chosen)] == w.chosen
        assert unicodedata.is_normalized("NFC", w.chosen)
        at, pos = w.start + len(w.original), pos + len(gap) + len(w.chosen)
    assert out[pos:] == text[at:]
    assert model.restore(out) == out, text
