import unicodedata

import pytest
from hypothesis import example, given, settings, strategies as st

from vidiacritic.text import (MODERN, TRADITIONAL, apply_casing, apply_tone, casing_of, normalize_syllable,
                              place_tone, plausible_syllable, split_tone, strip_diacritics, tone_position)

TONE_CASES = [
    # (any form, traditional, modern)
    ("hoà", "hòa", "hoà"), ("hòa", "hòa", "hoà"), ("thuỷ", "thủy", "thuỷ"), ("Uỷ", "Ủy", "Uỷ"),
    ("khoẻ", "khỏe", "khoẻ"), ("hoàn", "hoàn", "hoàn"), ("người", "người", "người"),
    ("quốc", "quốc", "quốc"), ("giá", "giá", "giá"), ("gì", "gì", "gì"), ("ngoài", "ngoài", "ngoài"),
    ("khuỷu", "khuỷu", "khuỷu"), ("huỳnh", "huỳnh", "huỳnh"), ("của", "của", "của"), ("mùa", "mùa", "mùa"),
    ("quý", "quý", "quý"), ("giữa", "giữa", "giữa"), ("tuyết", "tuyết", "tuyết"),
]


@pytest.mark.parametrize("word,trad,modern", TONE_CASES)
def test_tone_placement(word, trad, modern):
    assert place_tone(word, TRADITIONAL) == trad
    assert place_tone(word, MODERN) == modern


def test_nfd_input_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Thủy")
    assert place_tone(nfd) == "Thủy" and unicodedata.is_normalized("NFC", place_tone(nfd))


def test_non_vietnamese_tokens_untouched():
    for tok in ("ab́ć", "x", "MTTQ", "2023"):
        assert place_tone(tok) == unicodedata.normalize("NFC", tok)


def test_strip_and_split():
    assert strip_diacritics("Đường Ủy ban") == "Duong Uy ban"
    assert split_tone("Thủy") == ("Thuy", 3)
    assert normalize_syllable("HOÀ") == "hòa"


@pytest.mark.parametrize("word,like,expected", [
    ("ủy", "Uy", "Ủy"), ("ủy", "UY", "ỦY"), ("ủy", "uy", "ủy"), ("đồng", "DONG", "ĐỒNG"), ("việt", "Viét", "Việt"),
    # mixed case is OCR noise: the casing the word most likely had
    ("phương", "PhUong", "Phương"), ("lõi", "LGi", "Lõi"), ("huyện", "HUYéN", "HUYỆN"), ("điều", "ĐIềU", "ĐIỀU"),
    ("thông", "THôNG", "THÔNG"), ("nghị", "NGhị", "Nghị"), ("quốc", "QuốC", "Quốc"),
    ("công", "cSng", "công"), ("cũng", "cGing", "cũng"),  # opening lowercase: a capital inside is OCR damage
])
def test_casing(word, like, expected):
    assert apply_casing(word, like) == expected


def test_casing_kinds():
    assert casing_of("MTTQ") == "upper" and casing_of("Nam") == "title" and casing_of("nam") == "lower"


def test_a_syllable_without_a_vowel_has_no_tone_position():
    # consonant runs (OCR fragments, units) carry no tone: apply_tone leaves them alone
    for toneless in ("nh", "ng", "x", "kg", "NGH"):
        assert tone_position(toneless) == -1, toneless
        assert apply_tone(toneless, 2) == toneless


def _casing_by_definition(token):
    """casing_of written plainly over the token's letters, without its fast paths."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return "lower"
    if all(c.isupper() for c in letters):
        return "upper" if len(letters) > 1 else "title"  # one capital starts a sentence
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "title"
    return "lower" if all(c.islower() for c in letters) else "mixed"


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(list("aAđĐưƯỦủ19-.'")), max_size=6))
@example("Đ")
@example("A.")
def test_casing_fast_paths_agree_with_the_definition(token):
    assert casing_of(token) == _casing_by_definition(token), token


def test_plausible_syllable():
    """Vietnamese spelling: onset + rhyme, stop codas only with sắc/nặng, one tone, letters only."""
    ok = ["nghiêng", "người", "khuyếch", "quyền", "giữa", "gì", "thuở", "đắk", "hòa", "ủy", "xoong"]
    bad = ["ubnd", "mttq", "windows", "tăc", "bắcc", "ng", "x2", "nghiêngg", "thành phố"]
    assert all(map(plausible_syllable, ok))
    assert not any(map(plausible_syllable, bad))
