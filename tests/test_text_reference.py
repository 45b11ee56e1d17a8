"""The text layer (vidiacritic.text) against slow references, over every syllable of
the shipped language model's vocabulary and every precomposed Latin letter."""
import os
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic.text import (MODERN, TONE_MARKS, TRADITIONAL, VOWELS, _strip_slow, apply_casing,
                              normalize_syllable, place_tone, split_tone, strip_diacritics)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def vocab():
    with open(os.path.join(ROOT, "models", "ngram", "vocab.txt"), encoding="utf-8") as fh:
        words = [line.split("\t")[0] for line in fh]
    words = [w for w in words if w and not w.startswith("<")]
    assert len(words) > 5000
    return words


def test_fast_strip_equals_the_unicode_reference_on_every_latin_letter():
    """strip_diacritics uses a translate table; _strip_slow is the plain definition
    (NFD, drop combining marks, đ -> d, NFC)."""
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        assert strip_diacritics(ch) == _strip_slow(ch), hex(cp)


def test_fast_strip_equals_the_unicode_reference_on_every_bmp_character():
    # the translate table must delete combining marks and nothing next to them
    # (U+02FF, a modifier letter, and U+0370, Greek, are kept as written)
    for cp in range(0x10000):
        if not 0xD800 <= cp < 0xE000:
            assert strip_diacritics(chr(cp)) == _strip_slow(chr(cp)), hex(cp)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâeêioôơuưyđĐÀẢÃÁẠằẳẵắặầẩẫấậ ,.0x") +
                                        ["\u0300", "\u0301", "\u0323", "ά", "й", "ñ", "ß"]), max_size=30))
def test_fast_strip_equals_the_reference_on_mixed_text(text):
    assert strip_diacritics(text) == _strip_slow(text)


def _tone_letter(syllable):
    """The base letter that carries the tone mark (NFD), or None."""
    d = unicodedata.normalize("NFD", syllable)
    for i, c in enumerate(d):
        if c in TONE_MARKS:
            j = i - 1
            while j >= 0 and unicodedata.combining(d[j]):
                j -= 1
            return d[j]
    return None


def _modern_differs(toneless):
    """Reference for the one place the two styles disagree: an open oa, oe or uy
    nucleus (no final consonant), after the onset qu/gi is set aside."""
    low = toneless.lower()
    if low.startswith("qu") or (low.startswith("gi") and len(low) > 2 and low[2] in VOWELS):
        low = low[2:]
    low = low.lstrip("bcdđghklmnpqrstvx")
    return low in ("oa", "oe", "uy")


def test_tone_placement_over_the_vocabulary(vocab):
    for w in vocab:
        toneless, tone = split_tone(w)
        assert normalize_syllable(w) == w  # the vocabulary is canonical (traditional)
        for style in (TRADITIONAL, MODERN):
            placed = place_tone(w, style)
            assert split_tone(placed) == (toneless, tone), (w, style)  # same letters, same tone
            assert unicodedata.is_normalized("NFC", placed)
            if tone:
                assert _tone_letter(placed).lower() in "aeiouy", (w, style)
        modern = place_tone(w, MODERN)
        assert place_tone(modern, TRADITIONAL) == w
        assert (modern != w) == (tone != 0 and _modern_differs(toneless)), w


def test_casing_round_trip_over_the_vocabulary(vocab):
    for w in vocab[:2000]:
        assert apply_casing(w, w.upper()) == w.upper()
        assert apply_casing(w, w[:1].upper() + w[1:]) == w[:1].upper() + w[1:]
        assert apply_casing(w, w) == w
        assert normalize_syllable(apply_casing(w, w.upper())) == w
