"""OCR-damaged words of five to seven characters are words to restore, not codes.

Tesseract reads ư/ơ/ô as 6, ¢, € or & inside a word ("ngu6i" for người); such a token
mixes letters with digits or debris and must still reach the restorer.  A limit on
the length of such tokens keeps long identifiers (abc12345) out; set too low (4) it
turned every damaged word of 5-7 characters into an untouchable code.
"""
import pytest

from vidiacritic import Restorer
from vidiacritic.tokens import PROTECTED, WORD, tokenize

DAMAGED = ["ngu6i", "nhi€m", "thu6ng", "chuy€n", "Tru6ng", "nghi€ng", "tru&ng", "ngu¢i", "vi€c"]


def kinds(text):
    return [(t.text, t.kind) for t in tokenize(text) if t.kind != "space"]


@pytest.mark.parametrize("word", DAMAGED)
def test_damaged_word_is_a_word(word):
    assert kinds(word) == [(word, WORD)]
    assert (word, WORD) in kinds(f"Cac {word} dan, {word}.")


def test_the_cases_cover_five_to_seven_characters():
    assert {len(w) for w in DAMAGED} >= {5, 6, 7}


@pytest.mark.parametrize("code", ["abc12345", "H5N1", "A1B2C3", "R&D"])
def test_long_or_code_shaped_tokens_stay_protected(code):
    assert kinds(code) == [(code, PROTECTED)]


def test_damaged_words_are_restored():
    out = Restorer(engine="statistical").restore("Cac ngu6i dan thu6ng xuyen tham gia hoat dong chuy€n mon")
    assert "người dân thường xuyên" in out and "chuyên môn" in out


# Tesseract glues "_" to a word ("_xã", "_ĐIỀU"): a word, read without it in OCR output.
@pytest.mark.parametrize("text,expected", [
    ("_xã hội", [("_xã", WORD), ("hội", WORD)]),
    ("(_ĐIỀU", [("(", "punct"), ("_ĐIỀU", WORD)]),
    ("GM_Point", [("GM_Point", PROTECTED)]),
    ("__init__", [("__init__", PROTECTED)]),
    ("_3.", [("_3", PROTECTED), (".", "punct")]),
    ("_id_", [("_id_", PROTECTED)]),
])
def test_underscore_before_a_word(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("word,read", [("_xã", "xã"), ("__Thanh", "Thanh"), ("tð", "tô"), ("ð", "ô"),
                                       ("Ðu", "Ðu"), ("xã", "xã")])
def test_ocr_debris_reading(word, read):
    from vidiacritic.tokens import ocr_debris_reading
    assert ocr_debris_reading(word) == read


def test_underscore_and_eth_kept_outside_ocr_output():
    r = Restorer(engine="statistical")
    for text in ("Biến _id của hàm", "Chữ ð và Ð", "Đặt tên _bien cho"):
        assert r.restore(text, ocr_document=False) == text

@pytest.mark.parametrize("text", ["¢6", "1¢", "¢4", "1&"])
def test_digits_and_debris_alone_are_a_word_in_ocr_output(text):
    """A short token of digits and OCR debris only ("¢6" for có, "1¢" for lệ) is a
    damaged word in OCR output (join_ocr_splits), and stays as written in other text."""
    from vidiacritic.tokens import join_ocr_splits
    assert kinds(text) == [(text, PROTECTED)]
    assert [(t.text, t.kind) for t in join_ocr_splits(tokenize(text))] == [(text, WORD)]


@pytest.mark.parametrize("code", ["R&D", "6¢6¢", "12&3"])
def test_longer_debris_tokens_stay_protected_in_ocr_output(code):
    from vidiacritic.tokens import join_ocr_splits
    assert [(t.text, t.kind) for t in join_ocr_splits(tokenize(code))] == [(code, PROTECTED)]


def test_digits_and_debris_are_read_in_an_ocr_document():
    out = Restorer(engine="statistical").restore(
        "Thu truong co quan ¢6 lien quan chiu trach nhiem. Ty 1¢ von nha nuoc", ocr_document=True)
    assert "cơ quan có liên quan" in out and "Tỷ lệ vốn" in out
