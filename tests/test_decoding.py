"""vidiacritic.decoding: bytes → NFC text, with legacy Vietnamese encodings."""
import codecs
import shutil
import subprocess
import unicodedata

import pytest

from vidiacritic.decoding import (DecodeError, decode_bytes, decode_with_info, encode_cp1258,
                                  encode_tcvn3, encode_vni, tcvn3_to_unicode, vni_to_unicode)

TEXT = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; "
        "xét đề nghị của Giám đốc Sở Tài nguyên và Môi trường, Ủy ban nhân dân tỉnh "
        "quyết định: giao đất cho người sử dụng ổn định, lâu dài; bảo đảm quyền lợi hợp pháp "
        "của các hộ gia đình, cá nhân. Ất, Ưng, Ơn, Ấn, Ỷ, ỹ, ỵ, quỹ, khuỷu, nghiêng, gì.\n")
# TCVN3 has no codes for capitals with tone marks (the .VnTimeH fonts drew them with
# the lowercase codes), so its round trip uses text whose toned letters are lowercase
# or among the capitals the standard does have.
TCVN3_TEXT = ("Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\n"
              "Căn cứ Luật Tổ chức chính quyền địa phương; ủy ban nhân dân tỉnh quyết định "
              "giao đất cho người sử dụng ổn định, lâu dài. Ơn, Ưng, Ân, Ê, Ô, Ă.\n")


def test_utf8_plain_and_bom():
    assert decode_bytes(TEXT.encode("utf-8")) == TEXT
    assert decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8")) == TEXT
    assert decode_with_info(codecs.BOM_UTF8 + b"abc").encoding == "utf-8-sig"


def test_output_is_nfc():
    nfd = unicodedata.normalize("NFD", TEXT)
    assert nfd != TEXT
    assert decode_bytes(nfd.encode("utf-8")) == TEXT


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_32_with_bom(codec):
    data = TEXT.encode(codec)
    if codec.endswith(("-le", "-be")):
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    assert decode_bytes(data) == TEXT


def test_cp1258_round_trip():
    data = encode_cp1258(TEXT)
    assert b"\xcc" in data or b"\xec" in data  # combining tone marks really are used
    got = decode_with_info(data)
    assert got.encoding == "cp1258"
    assert got.text == TEXT


def test_cp1258_short_line_in_crlf_file():
    text = "Ủy ban nhân dân thành phố Hà Nội\r\nQuyết định số 12\r\n"
    assert decode_bytes(encode_cp1258(text)) == text


def test_tcvn3_round_trip_auto_and_forced():
    data = encode_tcvn3(TCVN3_TEXT)
    assert data.isascii() is False
    assert decode_with_info(data).encoding == "tcvn3"
    assert decode_bytes(data) == TCVN3_TEXT
    assert decode_bytes(data, legacy="tcvn3") == TCVN3_TEXT
    assert decode_bytes(data, encoding="tcvn3") == TCVN3_TEXT


def test_tcvn3_capitals_lose_only_their_case():
    assert tcvn3_to_unicode(encode_tcvn3("CỘNG HÒA")) in ("CộNG HòA", "CỘNG HÒA")
    assert tcvn3_to_unicode(encode_tcvn3("ĐỘC LẬP")).lower() == "độc lập"


def test_vni_round_trip_auto_and_forced():
    data = encode_vni(TEXT)
    assert decode_with_info(data).encoding == "vni"
    assert decode_bytes(data) == TEXT
    assert decode_bytes(data, legacy="vni") == TEXT


def test_vni_known_spelling():
    # as VNI users type it: "Việt Nam" = Vieät Nam, "đường" = ñöôøng
    assert vni_to_unicode("Vieät Nam, ñöôøng, quyù, kyõ, Hoaøng, TIEÁNG VIEÄT") == \
        "Việt Nam, đường, quý, kỹ, Hoàng, TIẾNG VIỆT"


@pytest.mark.parametrize("enc", ["tcvn3", "vni"])
def test_legacy_text_already_converted_to_unicode(enc):
    """Word's "save as Unicode" of a .VnTime/VNI-Times document: the Windows-1252
    characters of the legacy bytes, stored as UTF-8."""
    legacy = encode_tcvn3(TCVN3_TEXT) if enc == "tcvn3" else encode_vni(TCVN3_TEXT)
    mojibake = legacy.decode("cp1252", errors="replace").encode("utf-8")
    got = decode_with_info(mojibake)
    assert got.encoding == enc
    assert got.text == TCVN3_TEXT
    assert decode_bytes(mojibake, legacy="none") != TCVN3_TEXT


def test_legacy_none_never_converts():
    data = encode_tcvn3(TCVN3_TEXT)
    try:
        assert decode_bytes(data, legacy="none") != TCVN3_TEXT
    except DecodeError as exc:  # no other encoding fits these bytes: refused, not guessed
        assert "encoding" in str(exc)


@pytest.mark.parametrize("text", [
    "Cong hoa xa hoi chu nghia Viet Nam - Doc lap - Tu do - Hanh phuc",  # stripped OCR
    "Ch¢ tich Uy ban nhan dan tinh Ha Nam, vé máy bay, Tỉnh ủy",         # OCR debris
    TEXT,
])
def test_unicode_text_is_not_mistaken_for_legacy(text):
    assert decode_bytes(text.encode("utf-8")) == unicodedata.normalize("NFC", text)


def test_latin1_text_falls_back_to_charset_normalizer():
    text = "Grüße aus München, schöne Straße und Äpfel. " * 5
    got = decode_with_info(text.encode("latin-1"))
    assert got.encoding not in ("tcvn3", "vni")
    assert "München" in got.text


@pytest.mark.parametrize("data,what", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
    (b"PK\x03\x04\x14\x00", "ZIP"),
    (b"hello\x00world", "NUL"),
    (bytes(range(1, 9)) * 50, "control"),
])
def test_binary_is_refused_with_one_line(data, what):
    with pytest.raises(DecodeError) as exc:
        decode_bytes(data)
    msg = str(exc.value)
    assert msg.startswith("binary file") and what in msg and "\n" not in msg


def test_random_bytes_without_nul_are_binary():
    import random
    rng = random.Random(7)
    for n in (300, 4000):
        data = bytes(rng.getrandbits(8) for _ in range(n)).replace(b"\x00", b"\x01")
        with pytest.raises(DecodeError, match="^binary file"):
            decode_bytes(data)


def test_explicit_encoding():
    assert decode_bytes(TEXT.encode("utf-16-le"), encoding="utf-16-le") == TEXT
    assert decode_bytes(encode_cp1258(TEXT), encoding="cp1258") == TEXT
    with pytest.raises(DecodeError, match=r"^cannot decode as utf-8: .*0xff"):
        decode_bytes(b"abc \xff def", encoding="utf-8")
    with pytest.raises(DecodeError, match="unknown encoding"):
        decode_bytes(b"abc", encoding="no-such-codec")


def test_empty_and_ascii():
    assert decode_bytes(b"") == ""
    assert decode_bytes(b"plain ascii\n") == "plain ascii\n"


def test_bad_legacy_argument():
    with pytest.raises(ValueError):
        decode_bytes(b"x", legacy="viscii")


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")
def test_tcvn3_table_agrees_with_glibc_tcvn5712():
    """glibc's TCVN5712-1 shares 0xA0–0xFF with our table (0xB0–0xB4 are combining
    marks, which iconv composes with the previous letter, so they are left out)."""
    codes = bytes(b for b in range(0xA0, 0x100) if not 0xB0 <= b <= 0xB4)
    ref = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=codes,
                         capture_output=True, check=True).stdout.decode("utf-8")
    assert tcvn3_to_unicode(codes) == unicodedata.normalize("NFC", ref)
