"""The user's own terms (issue 12): the lexicon file format, its errors, and terms
chosen through the lattice only where the OCR fits them.  Texts are written here."""
import os
import subprocess
import sys

import pytest

from vidiacritic import Restorer
from vidiacritic.userterms import LexiconError, format_term, load, parse_bytes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAI_CHAU = os.path.join(ROOT, "examples", "lai_chau_city.txt")


@pytest.fixture(scope="module")
def plain():
    return Restorer(engine="statistical")


@pytest.fixture(scope="module")
def taught():
    return Restorer(engine="statistical", lexicon=LAI_CHAU)


def test_format_comments_blank_lines_crlf_bom_hyphen_digits():
    data = "\ufeff# communes\r\nSùng Phài  # a commune\r\n\r\n   \nbản Huổi Luông\nNà-Tăm\nBan Chỉ đạo 35\n".encode()
    terms = parse_bytes(data, "l.txt")
    assert [t.text for t in terms] == ["Sùng Phài", "bản Huổi Luông", "Nà-Tăm", "Ban Chỉ đạo 35"]
    assert [(p.syllable, p.capital, p.hyphen) for p in terms[2].parts] == [("nà", True, False), ("tăm", True, True)]
    assert [p.syllable for p in terms[3].parts] == ["ban", "chỉ", "đạo", "35"]
    # decomposed input (NFD) is the same term
    nfd = parse_bytes("Su\u0300ng Pha\u0300i\n".encode(), "l.txt")
    assert nfd[0].parts == terms[0].parts


@pytest.mark.parametrize("data,line,what", [
    (b"S\xf9ng Ph\xe0i\n", 1, "not UTF-8"),  # Latin-1 bytes
    ("ok\nSùng\x07Phài\n".encode(), 2, "U+0007"),
    ("ok\n\nSùng_Phài\n".encode(), 3, "not a word"),
    ("a.b\n".encode(), 1, "not a word"),
    ("Nà--Tăm\n".encode(), 1, "hyphen"),
    (("x" * 300 + "\n").encode(), 1, "characters long"),
    (("a " * 20 + "\n").encode(), 1, "words in one term"),
])
def test_bad_line_is_one_error_with_file_and_line(data, line, what):
    with pytest.raises(LexiconError) as e:
        parse_bytes(data, "terms.txt")
    assert f"terms.txt:{line}:" in str(e.value) and what in str(e.value)


def test_load_paths_and_missing_file(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Sùng Phài\n", encoding="utf-8")
    b.write_text("Sùng Phài\nSan Thàng\n", encoding="utf-8")
    assert len(load([a, str(b)])) == 2  # duplicates across files count once
    with pytest.raises(LexiconError, match="cannot read lexicon"):
        load(tmp_path / "missing.txt")


def test_format_term_refuses_what_a_file_could_not_hold():
    assert format_term("  Sùng Phài ") == "Sùng Phài"
    for bad in ("", "a\nb", "x # y", "Sùng_Phài"):
        with pytest.raises(LexiconError):
            format_term(bad)


def test_user_term_overrides_frequent_words_only_where_the_ocr_fits(plain, taught):
    text = "Ngay 5 thang 3 nam 2020, UBND xa Nam Long va xa Sung Phai hop tai Nam Dinh, nam long."
    before, after = plain.restore(text), taught.restore(text)
    # without the terms the engine writes common words: năm/Nam, súng, phải
    assert "Nậm Loỏng" not in before and "Sùng Phài" not in before
    assert "UBND xã Nậm Loỏng" in after and " Sùng Phài họp" in after
    # the frequent word năm (year), lowercase and in another context, stays; so does Nam Định
    assert after.startswith("Ngày 5 tháng 3 năm 2020") and "Nam Định" in after
    assert after.endswith(" long.") or after.endswith(" lòng.")  # lowercase: no name there
    words = {w.original: w for w in taught.explain(text).words if w.source == "user"}
    assert {w.chosen for w in words.values()} == {"Nậm", "Loỏng", "Sùng", "Phài"}


def test_user_term_needs_every_word_to_fit(taught):
    # "Lang" is two letters from loong: the term does not fit, so neither word takes it
    out = taught.restore("UBND xa Nam Lang")
    assert "Nậm" not in out and "Loỏng" not in out
    # all capitals fit a capitalized term
    assert taught.restore("DANH SACH XA NAM LONG").endswith("NẬM LOỎNG")


def test_rare_name_syllable_becomes_a_candidate(plain, taught):
    # phài is no word of the language model; the term makes it a candidate
    assert "Phài" not in plain.restore("xa Sung Phai")
    assert taught.restore("xa Sung Phai").endswith("Sùng Phài")


def test_version_names_the_terms(plain, taught):
    assert plain.version != taught.version and "/user-" in taught.version


def cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", *args], input=input, capture_output=True,
                          cwd=ROOT, timeout=120)


def test_cli_lexicon_repeatable(tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("# more\nHuổi Luông\n", encoding="utf-8")
    p = cli("fix", "--engine", "statistical", "--lexicon", LAI_CHAU, "--lexicon", str(extra),
            input="xa Sung Phai, ban Huoi Luong\n".encode())
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().endswith(" Sùng Phài, bản Huổi Luông\n")


def test_cli_bad_lexicon_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Sùng Phài\nSan\x01Thàng\n".encode())
    out = tmp_path / "out.txt"
    for cmd in (["fix", "-o", str(out)], ["explain"]):
        p = cli(*cmd, "--lexicon", str(bad), input=b"xa Sung Phai\n")
        err = p.stderr.decode()
        assert p.returncode == 2 and err.count("\n") == 1 and f"{bad}:2:" in err, err
        assert err.startswith("vidiacritic: error: ")
    assert not out.exists()


def test_text_no_term_fits_is_restored_as_without_terms(plain, taught):
    # term syllables (Phài, Tân, Phong, Tiến) appear, but no whole term fits: nothing changes
    text = "Ong Ha Van Phai, can bo xa Phong Tho, tien do cong viec tai xa Nam Dinh."
    assert taught.restore(text) == plain.restore(text)
    assert not [w for w in taught.explain(text).words if w.source == "user"]
