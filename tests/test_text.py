import unicodedata

import pytest

from vidiacritic.text import (MODERN, TRADITIONAL, apply_casing, casing_of, normalize_syllable, place_tone,
                              split_tone, strip_diacritics)

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
])
def test_casing(word, like, expected):
    assert apply_casing(word, like) == expected


def test_casing_kinds():
    assert casing_of("MTTQ") == "upper" and casing_of("Nam") == "title" and casing_of("nam") == "lower"
