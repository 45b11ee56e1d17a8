"""vidiacritic.encodings: bytes → NFC text, with legacy Vietnamese encodings."""
import codecs
import shutil
import subprocess
import unicodedata

import pytest

from vidiacritic.encodings import (DecodeError, decode_bytes, decode_with_info, encode_cp1258,
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


def test_latin1_text_is_refused_unless_named():
    """Only encodings that make sense for Vietnamese are guessed; Latin-1 was read as
    cp1257 by charset-normalizer, silently."""
    text = "Grüße aus München, schöne Straße und Äpfel. " * 5
    with pytest.raises(DecodeError, match=r"^cannot detect the encoding: not UTF-8 \(byte 0xfc at offset 2\)") as exc:
        decode_with_info(text.encode("latin-1"))
    assert "--encoding" in str(exc.value) and "\n" not in str(exc.value) and exc.value.replaceable
    assert decode_bytes(text.encode("latin-1"), encoding="latin-1") == text


def _with_byte(text: str, at: int, byte: bytes) -> bytes:
    data = text.encode("utf-8")
    return data[:at] + byte + data[at:]


@pytest.mark.parametrize("at", [0, 7, 100, 250, len(TEXT.encode("utf-8"))])
@pytest.mark.parametrize("byte", [b"\xff", b"\x80", b"\xc3", b"\x93"])
def test_one_stray_byte_in_utf8_is_an_error_not_a_guess(at, byte):
    """A stray byte in UTF-8 text was decoded as mac_iceland ("Vi·ªát Nam"), exit 0.
    (Inside a letter's sequence it breaks that letter too: up to 3 bad sequences.)"""
    data = _with_byte(TEXT, at, byte)
    with pytest.raises(DecodeError, match=r"^not valid UTF-8: [1-3] invalid byte sequence\(s\) in UTF-8 text, "
                                          r"the first byte 0x[0-9a-f]{2} at offset \d+;") as exc:
        decode_bytes(data)
    assert "\n" not in str(exc.value) and "--encoding" in str(exc.value)


def test_cp1252_smart_quotes_in_ascii_text_are_an_error():
    data = b"Uy ban nhan dan tinh \x93Ha Nam\x94 quyet dinh \x96 so 12\n" * 3
    with pytest.raises(DecodeError, match=r"^cannot detect the encoding: not UTF-8 \(byte 0x93 at offset 21\)"):
        decode_bytes(data)
    assert decode_bytes(data, encoding="cp1252").startswith("Uy ban nhan dan tinh \u201cHa Nam\u201d")


def test_cp1252_smart_quotes_in_utf8_text_are_an_error():
    data = TEXT.encode("utf-8") + b"\x93Ha Noi\x94\n"
    with pytest.raises(DecodeError, match="^not valid UTF-8: 2 invalid"):
        decode_bytes(data)


def test_errors_replace_counts_the_replacements():
    data = _with_byte(TEXT, 7, b"\xff")
    data = data[:200] + b"\x93\x94" + data[200:]
    got = decode_with_info(data, errors="replace")
    assert got.replaced == 3 and got.encoding == "utf-8"
    assert got.text.count("\ufffd") == 3
    assert got.text.replace("\ufffd", "") == TEXT
    # plain ASCII with one cp1252 byte: replaced too, as UTF-8
    got = decode_with_info(b"so \x93 12", errors="replace")
    assert (got.text, got.replaced) == ("so \ufffd 12", 1)
    # an explicit encoding with errors="replace"
    got = decode_with_info(b"abc \xff def", encoding="utf-8", errors="replace")
    assert (got.text, got.replaced) == ("abc \ufffd def", 1)
    # valid input: nothing replaced, a real U+FFFD is not counted
    got = decode_with_info("a \ufffd b".encode("utf-8"), errors="replace")
    assert (got.text, got.replaced) == ("a \ufffd b", 0)
    with pytest.raises(ValueError):
        decode_bytes(b"x", errors="ignore")


def test_legacy_detection_is_unchanged_by_errors_replace():
    assert decode_with_info(encode_cp1258(TEXT), errors="replace") == decode_with_info(encode_cp1258(TEXT))
    assert decode_with_info(encode_tcvn3(TCVN3_TEXT), errors="replace").encoding == "tcvn3"
    assert decode_with_info(encode_vni(TEXT), errors="replace").encoding == "vni"


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
