"""Normalisation composes letters with marks and keeps every other character exactly
(issue 11, item 13: plain NFC turned U+2000 into U+2002, U+037E into ';', the Kelvin
sign into 'K' and CJK compatibility ideographs into unified ones)."""
import codecs
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from vidiacritic.encodings import decode_bytes
from vidiacritic.text import compose_marks


# Characters whose NFC is another character (singleton canonical decompositions)
SINGLETONS = "\u2000\u2001\u037e\u212a\u2126\u212b\uf900\uf9ff\u0387\u1fef"


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_non_letters_pass_through_unchanged(request, engine):
    restorer = request.getfixturevalue(engine)
    text = ("Nhiet do 300\u212a\u2000(khoang 27\u00b0C)\u037e dien tro 5\u2126, "
            "chu \uf900 va \uf9ff\u2001het.")
    out = restorer.restore(text)
    assert [c for c in out if c in SINGLETONS] == [c for c in text if c in SINGLETONS]
    assert out.startswith("Nhiệt độ 300\u212a\u2000")


@pytest.mark.parametrize("engine", ["stat", "model"])
def test_decomposed_vietnamese_comes_out_nfc(request, engine):
    restorer = request.getfixturevalue(engine)
    nfd = unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Hòa Bình"), unicodedata.normalize("NFD", "thông báo")
    out = restorer.restore(nfd[0] + "\u2000" + nfd[1] + "\u037e")
    assert out == "Ủy ban nhân dân tỉnh Hòa Bình\u2000thông báo\u037e"


def test_decoding_keeps_non_letters():
    text = "Vie\u0323\u0302t Nam\u2000\u037e 5\u212a \uf900"
    expected = "Việt Nam\u2000\u037e 5\u212a \uf900"
    assert decode_bytes(text.encode("utf-8")) == expected
    assert decode_bytes(codecs.BOM_UTF8 + text.encode("utf-8")) == expected
    assert decode_bytes(text.encode("utf-16")) == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(
    list("aeiouydAEIOUYĐđơưâêô .,;\n") + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323",
                                          "\u0302", "\u0306", "\u031b"] + list(SINGLETONS)),
    max_size=20))
def test_compose_marks_is_nfc_except_singletons(text):
    out = compose_marks(text)
    # canonically equivalent, composed, and stable
    assert unicodedata.normalize("NFC", out) == unicodedata.normalize("NFC", text)
    assert compose_marks(out) == out
    # every singleton is kept, and what is left is exactly the NFC of what was there
    assert [c for c in out if c in SINGLETONS] == [c for c in text if c in SINGLETONS]
    pieces_out = [p for p in _split(out)]
    pieces_in = [p if p in SINGLETONS else unicodedata.normalize("NFC", p) for p in _split(text)]
    assert pieces_out == pieces_in


def _split(text):
    """`text` cut at its singleton characters (each kept as its own piece)."""
    pieces, cur = [], ""
    for c in text:
        if c in SINGLETONS:
            pieces += [cur, c]
            cur = ""
        else:
            cur += c
    return pieces + [cur]
