"""Casing of OCR words whose own casing is noise (assembly.ocr_casing, text.apply_casing):
Tesseract's English model reads the small marked vowel of a capitalised word as a capital
("BO" for Bộ), writes a heading's marked capitals lowercase ("PHi" for PHÍ), and mixes
cases inside words ("PhUong", "LGi").  Cases are data: (OCR line, word, casing wanted)."""
import pytest

from vidiacritic.assembly import capitals_beside, ocr_casing
from vidiacritic.tokens import WORD, tokenize

# (line, word, what ocr_casing gives: a text to copy the casing from, or None: the word's own)
CASES = [
    ("duge BO y té hodic Sé y té cp", "BO", "Bo"),             # two capitals in running text: Bộ
    ("Van dau tién dugc san xudt tai MY vao nam 1869", "MY", "My"),
    ("cac SO GDDT cé ké hoach", "SO", "So"),                   # GDDT beside it is a code, no heading
    ("B@ Ngoai giao, BG Cong an", "BG", "Bg"),
    ("THONG TU Huong dan quan ly", "TU", None),                # a heading's word beside it
    ("CHUONG TRINH PHOI HQP VA", "VA", None),                  # (HQP: damage; PHOI has a vowel)
    ("BAO HIEM Y TE", "TE", None),                             # (Y: one letter, passed over)
    ("KINH PHi THUC HIEN", "PHi", "PHI"),                      # mixed case in a heading: capitals
    ("LGi ngé cing cé thé khoan", "LGi", None),                # mixed case in running text: its own rule
    ("la mot tit", "la", None),                                # ordinary words: their own casing
]


@pytest.mark.parametrize("line,word,expected", CASES)
def test_ocr_casing(line, word, expected):
    toks = tokenize(line)
    i = next(k for k, t in enumerate(toks) if t.kind == WORD and t.text == word)
    assert ocr_casing(toks, i) == expected


def test_capitals_beside_stays_on_its_line():
    toks = tokenize("CONG HOA XA HOI\nBO y té")
    i = next(k for k, t in enumerate(toks) if t.text == "BO")
    assert not capitals_beside(toks, i)


@pytest.mark.parametrize("line,expected", [
    ("Van ban cua BO Tai chinh huéng dan thuc hién", "Bộ"),
    ("Pho gidm déc SO VH-TT TP HCM dé xuat", "Sở"),
    ("DIEU 653. QUAN HE THUA KE GIU'A CON NUOI VA CHA NUOI, ME", "MẸ"),
])
def test_a_restored_ocr_document_writes_them_so(stat, line, expected):
    out = stat.restore(line, ocr_document=True)
    assert expected in out.split()
    assert ("TP HCM" in out) == ("TP HCM" in line)  # an acronym keeps its capitals


class _CountingTokens(list):
    """A token list that counts how many tokens are looked at."""
    looked = 0

    def __getitem__(self, k):
        type(self).looked += 1
        return super().__getitem__(k)


@pytest.mark.parametrize("repeats", [200, 2000])
def test_the_look_beside_a_word_is_bounded_on_a_long_line(repeats):
    """Capitals without a vowel (codes) between two-capital words on one long line: each
    word's look beside it stops after a bounded number of tokens, so a line of them
    costs linear time (it walked the whole line for each word: quadratic)."""
    toks = _CountingTokens(tokenize(" ".join(["BC", "GH", "s6"] * repeats)))
    middle = len(toks) // 2 - len(toks) // 2 % 2
    i = next(k for k in range(middle, len(toks)) if list.__getitem__(toks, k).text == "BC")
    _CountingTokens.looked = 0
    ocr_casing(toks, i)
    assert _CountingTokens.looked <= 4 * 64
