import os

import pytest
from hypothesis import example, given, settings, strategies as st

from vidiacritic.tokens import (NUMBER, PROTECTED, PUNCT, WORD, chains, is_soft_punct, lm_units, pieces, stray_stops,
                               tokenize)

HERE = os.path.dirname(__file__)


def kinds(text):
    return [(t.text, t.kind) for t in tokenize(text) if t.kind != "space"]


def test_codes_urls_numbers_are_not_words():
    toks = dict(kinds("số 132/KH-MTTQ-BTT, 07-TT/ThU 15/2014/ND-CP http://a.vn/x?y=1 a@b.vn 2023 12,5 H5N1"))
    for code in ("132/KH-MTTQ-BTT", "07-TT/ThU", "15/2014/ND-CP", "http://a.vn/x?y=1", "a@b.vn", "H5N1"):
        assert toks[code] == PROTECTED, code
    assert toks["2023"] == NUMBER and toks["12,5"] == NUMBER
    assert toks["số"] == WORD


def test_a_web_address_or_a_file_name_is_kept_whole():
    toks = dict(kinds("xem vbpl.vn, moj.gov.vn và chinhphu.vn/van-ban (Zing.vn) theo.cac dinh.hướng "
                      "tải baocao.doc, biểu mẫu.docx và Huong-dan.PDF"))
    for addr in ("vbpl.vn", "moj.gov.vn", "chinhphu.vn/van-ban", "Zing.vn", "baocao.doc", "mẫu.docx", "Huong-dan.PDF"):
        assert toks[addr] == PROTECTED, addr
    # (words joined by a stop stay words: a speck site of vidiacritic.word_breaks)
    assert toks["theo"] == WORD and toks["cac"] == WORD and toks["hướng"] == WORD


def test_ocr_debris_stays_inside_words():
    toks = dict(kinds("s6 16n h¢ v€ “Podn phd,"))
    assert toks["s6"] == WORD and toks["16n"] == WORD and toks["h¢"] == WORD and toks["v€"] == WORD
    assert toks["Podn"] == WORD and toks["phd"] == WORD and toks["“"] == "punct"


def test_rate_is_split_but_code_is_not():
    assert kinds("300.000/nguoi") == [("300.000", NUMBER), ("/", "punct"), ("nguoi", WORD)]


def test_chains_break_at_punctuation_and_blank_lines():
    assert list(lm_units("ban hanh 215 van ban, chi dao\ntrien khai\n\nket qua")) == [
        ["ban", "hanh", "<num>", "van", "ban"], ["chi", "dao", "trien", "khai"], ["ket", "qua"]]


def test_soft_punctuation_is_one_unit_inside_a_chain():
    # Across a comma, a dash, quotes or a semicolon the words still predict each other
    # ("hai xã, phường", "sạch - đẹp"): one <p> unit per group of such marks
    text = "gom cac xa, phuong, thi tran; “sach - dep” (tang) 12, ket qua: tot"
    assert list(lm_units(text, soft_punct=True)) == [
        ["gom", "cac", "xa", "<p>", "phuong", "<p>", "thi", "tran", "<p>", "sach", "<p>", "dep", "<p>",
         "tang", "<p>", "<num>", "<p>", "ket", "qua", "<p>", "tot"]]


def test_soft_punctuation_still_ends_a_chain_at_its_edges_and_at_line_breaks():
    # sentence ends, codes, a group reaching a line break and a blank line cut as before
    assert list(lm_units("“mot hai”. ba, 15/2014/ND-CP bon,\nnam - sau\n\n- bay", soft_punct=True)) == [
        ["mot", "hai"], ["ba"], ["bon"], ["nam", "<p>", "sau"], ["bay"]]
    assert list(lm_units("mot ,. hai …, ba", soft_punct=True)) == [["mot"], ["hai"], ["ba"]]


def test_a_long_run_is_cut_into_pieces_without_punctuation_at_their_ends():
    toks = tokenize("mot, hai, ba, bon, nam")
    run = next(chains(toks, soft_punct=True))
    cut = list(pieces(toks, run, 2))
    assert [[toks[i].text for i in p] for p in cut] == [["mot"], ["hai"], ["ba"], ["bon"], ["nam"]]
    assert [[toks[i].text for i in p] for p in pieces(toks, run, 3)] == [["mot", ",", "hai"], ["ba"], ["bon", ",", "nam"]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_tokenize_is_lossless(text):
    assert "".join(t.text for t in tokenize(text)) == text


# Chunks (text between whitespace) of any length: long ones are split outside the cache.
_CHUNKY = st.lists(st.one_of(st.text(st.sampled_from(list("aZđ9-.,’@(/") + ["\u0301"]), min_size=1, max_size=150),
                             st.sampled_from([" ", "\n", "\t "])), max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(_CHUNKY)
@example("số " + "Bà-Rịa-Vũng-Tàu," * 6 + " và (" + "x.y/" * 20 + ")")  # chunks past the cache's 64
@example("a-b" * 40)
def test_every_token_starts_where_its_text_is(text):
    # Token.start is the token's offset in the text (explain and the fixes point with it)
    for t in tokenize(text):
        assert text[t.start:t.start + len(t.text)] == t.text, (t, text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_chains_only_hold_words_and_numbers(text):
    toks = tokenize(text)
    for run in chains(toks):
        assert all(toks[i].kind in (WORD, NUMBER) for i in run)
    for run in chains(toks, soft_punct=True):  # and soft punctuation between two of them
        assert toks[run[0]].kind != PUNCT and toks[run[-1]].kind != PUNCT
        assert all(toks[i].kind in (WORD, NUMBER) or is_soft_punct(toks[i]) and toks[i - 1].kind != PUNCT
                   for i in run)


def test_roman_section_numbers_are_kept():
    toks = dict(kinds("I. CONG TAC; II. KET QUA; IV."))
    assert toks["I"] == PROTECTED and toks["II"] == PROTECTED and toks["IV"] == PROTECTED
    assert toks["CONG"] == WORD


def test_ampersand_inside_a_word_is_ocr_debris_but_codes_are_kept():
    toks = dict(kinds("x& b&o R&D AT&T &"))
    assert toks["x&"] == WORD and toks["b&o"] == WORD
    assert toks["R&D"] == PROTECTED and toks["AT&T"] == PROTECTED
    # a lone & is a word (Tesseract's ở); the restorer keeps it outside OCR documents
    assert toks["&"] == WORD


def test_section_sign_inside_a_word_is_ocr_debris():
    """Tesseract's English model writes ậ/ặ as § ("nh§n" nhận, "ho§c" hoặc): the word
    stays one token, to be read whole; a lone § (a section sign) is kept as written."""
    toks = dict(kinds("ngay nh§n ho§c Lu§t, theo § 5 va §6"))
    assert toks["nh§n"] == WORD and toks["ho§c"] == WORD and toks["Lu§t"] == WORD
    assert toks["§"] == PROTECTED and toks["§6"] == PROTECTED


def test_a_lone_at_sign_is_read_as_a_word_in_ocr_output(stat):
    out = stat.restore("Cong dan dang sinh séng @ nude ngoai va cac don vi", ocr_document=True)
    assert out == "Công dân đang sinh sống ở nước ngoài và các đơn vị"


def test_a_bracket_for_dotted_i_is_read_in_ocr_output(stat):
    out = stat.restore("hang hoa c6 gia tr] tir 200 triéu déng tré lén\nNGH] QUYET CUA HOI DONG", ocr_document=True)
    assert out == "hàng hóa có giá trị từ 200 triệu đồng trở lên\nNGHỊ QUYẾT CỦA HỘI ĐỒNG"


def test_a_word_with_a_section_sign_is_restored_in_ocr_output(stat):
    out = stat.restore("Trong thoi han 10 ngay lam viec, ké tir ngay nh§n du hé so hop lé", ocr_document=True)
    assert "kể từ ngày nhận đủ hồ sơ" in out


@pytest.mark.parametrize("text,words", [
    ("5 dong/thang;", ["dong", "thang"]), ("va/hoac", ["va", "hoac"]),
    ("(Anh: Tan/TTXVN)", ["Anh", "Tan", "TTXVN"]), ("dong/nguoi/ngay", ["dong", "nguoi", "ngay"]),
])
def test_words_joined_by_slashes_are_words(text, words):
    toks = tokenize(text)
    assert [t.text for t in toks if t.kind == WORD] == words
    assert "".join(t.text for t in toks) == text


@pytest.mark.parametrize("text,core", [("v.v...", "v.v"), ("t.l:", "t.l"), ("(p.c)", "p.c")])
def test_lowercase_initials_joined_by_dots_are_kept(text, core):
    toks = tokenize(text)
    assert (core, PROTECTED) in [(t.text, t.kind) for t in toks]
    assert [t.kind for t in tokenize("T.U")].count(WORD) == 2  # capitals: the decoder's (T.Ư)


def test_units_joined_by_a_slash_are_kept():
    toks = [(t.text, t.kind) for t in tokenize("xang/km, dong/ha")]
    assert ("xang", WORD) in toks and ("dong", WORD) in toks
    assert ("km", PROTECTED) in toks and ("ha", PROTECTED) in toks


@pytest.mark.parametrize("code", ["HIV/AIDS", "KH/BCD", "V/v", "km/h", "OT/IoT", "07-TT/ThU", "a/b", "15/2014"])
def test_codes_with_slashes_stay_whole(code):
    assert [(t.text, t.kind) for t in tokenize(code)] == [(code, PROTECTED)]


def test_lone_at_sign_is_a_word_but_emails_and_glued_ones_are_not():
    toks = dict(kinds("san @ hang, mail a@b.vn"))
    assert toks["@"] == WORD and toks["a@b.vn"] == PROTECTED


@pytest.mark.parametrize("text,joined", [
    ("trật tu’ theo", "tu’"), ("các tu‘ong ứng", "tu‘ong"), ("như: Chu:ong trình", "Chu:ong"),
    ("nhà nu@c (có", "nu@c"), ("Chỉ đạo S@ Y tế", "S@"), ("ĂN CHO NGU‘O! BỆNH", "NGU‘O"),
    ("trật tu’", "tu’"),  # the split word ends the text: nothing follows the quote
    ("hàng hóa tr] giá", "tr]"), ("giá tr} của", "tr}"), ("NGH] QUYẾT", "NGH]"),  # ị read as } or ]
    ("sinh sống @ nước ngoài", "@"), ("@", "@"),  # a lone @: ở
    # ư's hook as a quote or "?" before the final consonant (SPLIT_SIGNS)
    ("tên chính thi’c của", "thi’c"), ("khu vy'c Đồng", "vy'c"), ("làm tăng st?c hấp", "st?c"),
    ("ở mt?c cao", "mt?c"), ("THI’C HIỆN", "THI’C"), ("TỔ CHU'C", "CHU'C"), ("là thi’c.", "thi’c"),
    # an opening l read as a bar (BAR_L), before a lowercase word or debris
    ("của pháp |uat về", "|uat"), ("|uat;", "|uat"), ("viên |& người", "|&"), ("nghi |é", "|é"),
])
def test_ocr_splits_are_joined_losslessly(text, joined):
    from vidiacritic.tokens import join_ocr_splits
    toks = join_ocr_splits(tokenize(text))
    assert "".join(t.text for t in toks) == text
    assert (joined, WORD) in [(t.text, t.kind) for t in toks]


@pytest.mark.parametrize("text", ["mô hình ‘Nhà sạch’ và ‘cơ so’ tốt", "sau:Uy ban", "khi : nao",
                                  "Điều 5:khoản",
                                  # an opening quote without its space, before a capital: no horn
                                  "theo‘Kế hoạch’ năm", "THEO‘Kế hoạch’ NĂM",
                                  # nested quotations: each closing quote closes one
                                  "như thế ‘nói ‘tự do’ mà không làm theo’ rồi",
                                  # brackets that close what opened, or follow a vowel or digit
                                  "xem [tr] 5", "theo {th} mẫu", "số 5] và", "nhà] và",
                                  "@) Trường hợp", "gửi @Bộ",
                                  # English contractions and elisions, a quote closing
                                  # around a letter: no final consonant of a split word
                                  "I don't know", "I'm here", "rock'n'roll", "l'Orangerie",
                                  "d'Estaing", "Thi'C nhé", "điểm ‘c’ khoản",
                                  # a bar that is a table's rule or a sign: alone, before
                                  # capitals or digits, glued after a word
                                  "Phụ lục | ban", "THÀNH |PHỐ", "cột |5", "Huawe| sẽ", "a||b", "x |"])
def test_quotes_and_colons_that_are_punctuation_stay_apart(text):
    from vidiacritic.tokens import join_ocr_splits, ocr_reading
    before = [(t.text, t.kind) for t in tokenize(text)]
    assert [(t.text, t.kind) for t in join_ocr_splits(tokenize(text))] == before
    assert ocr_reading("tu‘ong") == "tuong" and ocr_reading("Ngu@i") == "Nguoi" and ocr_reading("|uat") == "luat"


# ---------------------------------------------------------------- linear time (issue 11, item 5)
import re
import time

from vidiacritic.tokens import OCR_DEBRIS, edge_split

# The edge regex tokens.py used before it became linear: the reference for edge_split.
_OLD_EDGE = re.compile(r"^([^\w" + OCR_DEBRIS + r"]*)(.*?)([^\w" + OCR_DEBRIS + r"]*)$", re.DOTALL)
_EDGE_ALPHABET = st.sampled_from(list("aZđ9_-.,…“”()!/:&¢€®¥'") + ["\u0301", "\u00a0", "²", "ⅷ"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(_EDGE_ALPHABET, min_size=1, max_size=30),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                         min_size=1, max_size=30)))
def test_edge_split_agrees_with_the_old_regex(chunk):
    assert edge_split(chunk) == _OLD_EDGE.match(chunk).groups()


def _cost(text, repeat=3):
    """Best of `repeat` CPU times of tokenize(text), caches cleared in between (CPU time
    of this process, not wall time: other jobs on a shared machine do not count)."""
    from vidiacritic import tokens
    best = float("inf")
    import gc

    for _ in range(repeat):
        tokens._cached_chunk_tokens.cache_clear()
        gc.collect()
        gc.disable()  # a collection that falls in one run only is noise, not growth
        try:
            t0 = time.process_time()
            tokenize(text)
            best = min(best, time.process_time() - t0)
        finally:
            gc.enable()
    return best


# name -> a unit repeated to the input's size (64 KB: cut to size)
_PATHOLOGICAL = {
    "dashes between letters": ("a", "-", "a"),  # the old edge regex: ~50 s at 64 KB
    "leader dots": ("Chương I", ".", "12"),  # a table of contents: 9.8 s at 30k dots
    "one long word": ("", "a", ""),
    "digits": ("", "7", ""),
    "spaces": ("a", " ", "a"),
    "alternating punctuation": ("", "a-", ""),
    "dotted letters": ("", "a.", ""),
    "debris and dots": ("", "¢.", ""),
}


def _pathological(name, size):
    head, unit, tail = _PATHOLOGICAL[name]
    return head + unit * (size // len(unit)) + tail


@pytest.mark.parametrize("name", sorted(_PATHOLOGICAL))
def test_tokenize_is_linear_on_pathological_inputs(name):
    # Quadrupling the input may at most multiply the cost by 8 (linear: 4, quadratic:
    # 16); the old edge regex went from 3 s to 50 s on the dashes.
    small, large = _pathological(name, 16384), _pathological(name, 65536)
    assert "".join(t.text for t in tokenize(large)) == large
    assert _cost(large) <= 8 * _cost(small) + 0.02, name


@pytest.mark.parametrize("name", ["dashes between letters", "leader dots", "one long word", "digits", "spaces"])
def test_a_64k_run_of_one_character_costs_no_more_than_normal_text(name):
    normal = ("Ủy ban nhân dân tỉnh ban hành Quyết định số 15/2014/QĐ-UBND, ngày 12.3.2014; "
              "về việc giao chỉ tiêu kế hoạch. ")
    normal = (normal * (65536 // len(normal) + 1))[:65536]
    assert _cost(_pathological(name, 65536)) <= 3 * _cost(normal) + 0.01, name


@pytest.fixture(scope="module")
def default_restorer():
    from vidiacritic import Restorer
    return Restorer()


def _restore_cost(restorer, text, repeat=2):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        restorer.restore(text)
        best = min(best, time.perf_counter() - t0)
    return best


def _normal_64k():
    """64 KB of typed administrative text without diacritics, written here: varied word
    order, so that it is not cheaper than a real report through repetition."""
    import random
    words = ("uy ban nhan dan tinh huyen xa ban hanh quyet dinh ve viec giao chi tieu ke hoach phat trien "
             "kinh te hoi nam cho cac so nganh thuc hien theo quy dinh cua phap luat chu tich hop dong "
             "can bo cong chuc vien chuc dau tu xay dung cong trinh giao thong nong thon moi").split()
    rng = random.Random(11)
    out = []
    while sum(map(len, out)) < 70000:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 18)))
        out.append(sentence.capitalize() + rng.choice([". ", ", ", "; ", ".\n", " 2024 ", " 15/2014/QD-UBND "]))
    return "".join(out)[:65536]


def test_64k_pathological_inputs_cost_at_most_3x_normal_text_through_the_default_engine(default_restorer):
    # Issue 11's bound, through the whole default engine: the dashes took ~50 s before.
    normal_cost = _restore_cost(default_restorer, _normal_64k())
    for name, text in {"dashes": "a" + "-" * 65536 + "a", "leader dots": "Chuong I" + "." * 65536 + "12",
                       "one word": "a" * 65536, "digits": "7" * 65536, "one syllable, no spaces": "nguoi" * 13107,
                       "a. a line of 32k": "a." * 32768}.items():
        assert _restore_cost(default_restorer, text, repeat=1) <= 3 * normal_cost + 0.05, name


@pytest.mark.parametrize("text,parts", [
    ("4.Thanh lap", [("4", NUMBER), (".", PUNCT), ("Thanh", WORD)]),   # a list number glued to its word
    ("2.Các cơ quan", [("2", NUMBER), (".", PUNCT), ("Các", WORD)]),
    ("Tp.HCM", [("Tp.HCM", PROTECTED)]),                               # capitals after the dot: a code
    ("1.2.TT", [("1.2.TT", PROTECTED)]),
    ("03.N", [("03.N", PROTECTED)]),                                   # one letter
    ("123.Thanh", [("123.Thanh", PROTECTED)]),                         # three digits: no list number
])
def test_a_list_number_glued_to_its_word_is_split(text, parts):
    toks = [(t.text, t.kind) for t in tokenize(text) if t.kind != "space"]
    assert toks[:len(parts)] == parts


@pytest.mark.parametrize("text,joined", [
    ("cua HO! dong", "HO!"),            # before a lowercase word: the sign is a letter
    ("CUA HO! DONG", "HO!"),            # between all-caps words
    ("quyen si? dung", "si?"),
    ("Chuc mung! Moi nguoi", None),     # a capital after it: the sentence ended
    ("Tai sao?\nvi ly do", None),       # at the line's end
    ("Tai sao? 5 nguoi", None),         # no word after it
    ("cua HO!dong", None),              # no space after it
    ("dien tich 9.984.670 km? cua", None),  # a unit after a number: km² (fixes.area_unit)
])
def test_a_sign_glued_to_a_word_before_lowercase_is_a_letter(text, joined):
    from vidiacritic.tokens import join_ocr_splits
    toks = [t.text for t in join_ocr_splits(tokenize(text)) if t.kind == WORD]
    signed = [t for t in toks if t[-1] in "!?"]
    assert signed == ([joined] if joined else [])


@pytest.mark.parametrize("text,stray", [
    # a stop glued to a line's last word, the next line going on in lowercase: OCR debris
    ("Prayut đã cố.\ngắng giải thích", True),
    ("chi viện cha. \nbang Espirito", True),
    # a sentence end: a capital, a list letter, a blank line, a stop alone, a letter
    ("theo quy định.\nCác cơ quan", False),
    ("theo quy định.\nb) Trường hợp", False),
    ("theo quy định.\na. Là công dân", False),
    ("theo quy định.\n\nthuê đất", False),
    ("theo quy định .\nthuê đất", False),
    ("theo quy định.\nx 2", False),
    ("theo quy định. thuê đất", False),
])
def test_a_stop_before_a_lowercase_line_is_stray(text, stray):
    toks = tokenize(text)
    assert bool(stray_stops(toks)) == stray
    assert all(toks[i].text == "." for i in stray_stops(toks))


def test_chains_go_on_across_a_stray_stop():
    toks = tokenize("da co.\ngang giai. Thich\ncach.\nthuc")
    runs = [[toks[i].text for i in run] for run in chains(toks, soft_punct=True, skip=stray_stops(toks))]
    assert runs == [["da", "co", "gang", "giai"], ["Thich", "cach", "thuc"]]
    assert [len(r) for r in chains(toks)] == [2, 2, 2, 1]  # (the corpus's chains: unchanged)
