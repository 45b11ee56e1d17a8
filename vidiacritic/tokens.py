"""Stage 2 — tokens: split text so that every character survives.

``tokenize(text)`` returns tokens whose texts concatenate back to the input exactly.
Only tokens of kind WORD are ever rewritten; everything else (whitespace, line
breaks, punctuation, numbers, dates, document codes, URLs, e-mails) is carried
through byte for byte.

``chains(tokens)`` groups WORD tokens into the runs the decoders see.  The n-gram
builder uses the same function on corpus text, so training and decoding agree on
what a context is.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

WORD = "word"  # letters, possibly with OCR debris (s6, 16n, h¢): a repair candidate
NUMBER = "number"  # 2023, 1.500, 12,5 — kept, and seen by the LM as <num>
PROTECTED = "protected"  # codes, URLs, e-mails, acronyms with digits: never touched
PUNCT = "punct"
SPACE = "space"

NUM_TOKEN = "<num>"

# Characters Tesseract's English model emits inside Vietnamese words (¢ for ở/ộ,
# & for ã/ỡ/ễ, € for ệ, § for ậ/ặ: "nh§n" nhận, "ho§c" hoặc; ® ¥ rarely). They belong
# to the word, not to the punctuation around it.  A lone & ¢ ¥ is a word too
# (LONE_DEBRIS below); a lone § stays a sign (PROTECTED).
OCR_DEBRIS = "¢€®¥&§"
# Alone between spaces these are, in Tesseract output, nearly always a lost word: "&"
# and "¢" for ở, "¥" for ý (in the training pairs 250 "&" stood for ở, 10 for "&").
# They are WORD tokens; the restorer keeps them as written outside OCR documents.
# A lone "@" is Tesseract's ơ/ươ standing alone, ở (in Tesseract-eng training pairs of
# legal text 195 of 216 lone "@" stood for ở); it is read as "o" (ocr_reading).
LONE_DEBRIS = frozenset("&¢¥@")
# A vowel letter, unmarked (search text with its marks stripped or decomposed): a
# token without one is no syllable (lone consonants, "hd", "tr" before "}").
VOWEL = re.compile("[aeiouyAEIOUY]")
_WS = re.compile(r"(\s+)")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
# A web address without its scheme or www: ASCII labels and a common top-level domain
# ("vbpl.vn", "moj.gov.vn", "chinhphu.vn/van-ban"), which a document writes as it is (its
# "vn" had become vốn).  (Two Vietnamese words a stop joins are no address: their second
# is no top-level domain, or they carry marks: word_breaks' speck sites.)
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:vn|com|net|org|gov|edu|int|info|biz|io)(?:/\S*)?$",
                     re.IGNORECASE)
# A file's name with a common extension ("mẫu.doc", "baocao.pdf", "Phu_luc.xlsx"): kept as
# written ("doc" had become được in OCR output, "baocao.doc" báo cáo.đọc).
_FILE_NAME = re.compile(r"^[^\W_][\w-]*(?:\.[\w-]+)*\.(?:docx?|xlsx?|pptx?|pdf|txt|rtf|od[tsp]|csv|xml|html?"
                        r"|jpe?g|png|gif|tiff?|zip|rar|7z)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,:]\d+)*%?$")
_ROMAN = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_NUM_SLASH_WORD = re.compile(r"^\d[\d.,]*/[^\W\d_]+$")
# A list number glued to the capitalised word after it ("4.Thanh lập", "2.Các cơ quan":
# the space lost in OCR or typing): the number, its dot and a word, not one code (a code
# has digits or capitals in its parts: 1.2.TT, Tp.HCM).
_GLUED_LIST_NUMBER = re.compile(r"^(\d{1,2})\.([^\W\d_][^\W\d_]+)$")
# An amount: thousands grouped with dots or commas (1.250.000, 27,600,000).
_AMOUNT_PATTERN = r"\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*"
AMOUNT = re.compile(f"^{_AMOUNT_PATTERN}$")
# An amount with its currency letter attached: 27.600.000đ, or 27.600.000d after OCR.
_AMOUNT_UNIT = re.compile(f"^(?P<amount>{_AMOUNT_PATTERN})[dđDĐ]$")
# A chunk's core: strip leading/trailing punctuation but keep OCR debris and digits.
# (Matched from the front of the chunk and of its reverse: a single regex with a lazy
# core and an anchored tail retried the tail at every position, quadratic in a run of
# dashes or leader dots.)
_NON_CORE = re.compile(r"[^\w" + OCR_DEBRIS + r"]*")
_WORDLIKE = re.compile(r"^[^\W_]*[^\W\d_][^\W_]*$|^[\w" + OCR_DEBRIS + r"]+$")
# A word with letters and digits is OCR debris only when short and not shaped like
# a code (H5N1, A1, 3G): at most one capital, which must come first.
_NOISY_MAX_LEN = 7


@dataclass(frozen=True)
class Token:
    text: str
    kind: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _is_noisy_word(core: str) -> bool:
    if not any(c.isalpha() for c in core):
        return False
    if len(core) > _NOISY_MAX_LEN or not _WORDLIKE.match(core):
        return False
    if any(c.isupper() for c in core[1:]) and any(c.isdigit() or c in OCR_DEBRIS for c in core):
        return False  # H5N1, R&D: codes, not damaged words
    return True


def _classify_core(core: str) -> str:
    if core in LONE_DEBRIS:
        return WORD
    if _NUMBER.match(core):
        return NUMBER
    if _ROMAN.match(core):  # section numbers: I., II., IV. — not Vietnamese words
        return PROTECTED
    if all(c.isalpha() for c in core):
        return WORD
    if any(c.isdigit() for c in core) or any(c in OCR_DEBRIS for c in core):
        return WORD if _is_noisy_word(core) else PROTECTED
    return PROTECTED


# A Vietnamese document code: its number, an optional year, then the document-type and
# issuing-body parts (15/2014/NĐ-CP, 760/QĐ-UBND, 12/KH/BCĐ; party style 217-QĐ/TW).
# Such a token is PROTECTED like every code; only fixes.CodePartTable may change one of
# its parts (a Đ the OCR wrote as D), and scripts/build_code_parts.py counts the parts
# of exactly these shapes in the corpus.
_CODE_PART = r"[A-ZĐ][A-Za-zĐđ]*"
DOCUMENT_CODE = re.compile(rf"^(?P<num>\d+(?:/\d{{4}})?/){_CODE_PART}(?:[-/]{_CODE_PART})*$"
                           rf"|^(?P<num2>\d+-){_CODE_PART}(?:-{_CODE_PART})*/{_CODE_PART}$")
_CODE_PART_SPLIT = re.compile(r"([-/])")


def document_code_parts(core: str) -> Optional[Tuple[str, List[str]]]:
    """(number prefix, [part, separator, part, …]) of a document code, or None when
    `core` is not shaped like one: "15/2014/NĐ-CP" → ("15/2014/", ["NĐ", "-", "CP"]).
    The pieces concatenate back to `core`."""
    m = DOCUMENT_CODE.match(core)
    if m is None:
        return None
    num = m.group("num") or m.group("num2")
    return num, _CODE_PART_SPLIT.split(core[len(num):])


# A dotted article code of the legal code (pháp điển): the numbers of its topic and
# chapter, the type of the source document (NĐ, TT, LQ, QĐ …), then the numbers of the
# source and its article: 30.2.NĐ.1.41, 22.1.LQ.28 (the closing "." is punctuation).
# In the training split of the legal files (137,800 such codes, nearly all in
# legal_phapdien) the letter parts are TT, NĐ, LQ, TL, QĐ, PL, NQ …, and none is written
# with D where a Đ-spelling is in use (NĐ 37,074 times, QĐ 3,007; ND and QD never), so
# fixes.CodePartTable restores a listed part here as in a document code, typed text too.
ARTICLE_CODE = re.compile(rf"^(?P<num>\d+(?:\.\d+)+\.)(?P<part>{_CODE_PART})(?P<rest>(?:\.\d+)+)$")


def article_code_parts(core: str) -> Optional[Tuple[str, List[str]]]:
    """(leading numbers, [letter part, trailing numbers]) of a dotted article code, or
    None when `core` is not shaped like one: "30.2.ND.1.41" → ("30.2.", ["ND", ".1.41"]).
    The pieces concatenate back to `core`; only the first may be a code part."""
    m = ARTICLE_CODE.match(core)
    if m is None:
        return None
    return m.group("num"), [m.group("part"), m.group("rest")]


# Words joined by slashes: "đồng/tháng", "và/hoặc", "ngành/nghề", "Tấn/TTXVN" (a news photo
# credit).  Each part is a word of two letters or more, lowercase, capitalised or all
# caps, and one part at least is not all caps: "HIV/AIDS", "KH/BCĐ" (codes without a
# number), "V/v", "km/h" and "OT/IoT" stay whole, as codes.
_SLASHED_WORD = r"(?:[^\W\d_]{2,})"
_SLASHED_WORDS = re.compile(rf"^{_SLASHED_WORD}(?:/{_SLASHED_WORD})+$")


# Units of measure.  A slash joins them to words as often as to numbers ("lít xăng/km",
# "triệu đồng/ha", "km/giờ"): such a part is kept as written (PROTECTED), never read as
# a syllable (km is not kèm, ha after a slash is the hectare).  After a number they are
# kept too (unit_after_number): "150 m", "1,1 km", "154.8 cc", "3 ml", "20 USD".  No
# Vietnamese words there, though some spell syllables without their marks (ha: hà, m:
# mà, cc: các) that OCR candidates and a damaged-word reader would make of them.
MEASURE_UNITS = frozenset("""
m cm mm dm km m2 m3 cm2 cm3 km2 ha kg mg ml cc kw kwh mw kv gb mb kb tb hz mhz ghz ppm
vnd vnđ usd
""".split())


def unit_after_number(toks: Sequence[Token], i: int) -> bool:
    """Whether WORD token `i` is a unit of measure (MEASURE_UNITS, any case) right after
    a number, one space token between on the same line: "cao 150 m", "khoảng 1,1 km.",
    "154.8 cc", "10 MB".  The one rule for the decoder's lattice (kept, no candidates)
    and for fixes.foreign_words (kept as written)."""
    tok = toks[i]
    if tok.kind != WORD or tok.text.lower() not in MEASURE_UNITS or i < 2:
        return False
    space = toks[i - 1]
    return space.kind == SPACE and "\n" not in space.text and toks[i - 2].kind == NUMBER


# A number glued to its unit ("3ha", "1m", "2,5km", "500mg", "4G"): a measure, never a
# damaged word, even in OCR output (where "16i" may be lối, "3ha" is three hectares).
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:[.,]\d+)*(?:m|cm|mm|km|dm|m2|m3|km2|ha|kg|g|mg|t|l|ml|kw|kwh|mw|w|v|kv|h|ph|"
    r"s|gb|mb|kb|tb|hz|mhz|ghz|g|x|k|tr|đ|vnđ|usd|ppm)", re.IGNORECASE)


def is_measure(token: str) -> bool:
    """Whether `token` is a number glued to a unit ("3ha", "1m", "4G")."""
    return _NUMBER_WITH_UNIT.fullmatch(token) is not None


# Single lowercase letters joined by dots: "v.v" (vân vân), "t.l", "p.c".  No syllable is
# written so; read letter by letter in OCR output they became "vở.v".  (Capitals are
# left to the decoder: "T.U" is T.Ư, Trung ương, as often as "M.U" is M.U.)
_LOWER_INITIALS = re.compile(r"^[^\W\d_A-ZĐ](?:\.[^\W\d_A-ZĐ])+$")


def slashed_words(core: str) -> bool:
    """Whether `core` is words joined by slashes (_SLASHED_WORDS), to be read as words."""
    if not _SLASHED_WORDS.match(core):
        return False
    parts = core.split("/")
    if not all(p.islower() or p.isupper() or (p[0].isupper() and p[1:].islower()) for p in parts):
        return False  # mixed case inside a part: IoT, ThU
    return not all(p.isupper() for p in parts)


def split_slashed_caps(tokens: Sequence[Token], is_word: Callable[[str], bool]) -> List[Token]:
    """`tokens` with each PROTECTED all-caps token of words joined by slashes whose every
    part `is_word` (a Vietnamese word in capitals, not an acronym) split into its words
    and slashes, as slashed_words splits the other cases: "XA/PHUONG", "HUYEN/TINH" in
    a heading (xã/phường).  The tokenizer keeps all-caps slashed tokens whole, as codes
    ("HIV/AIDS", "KH/UBND", "TT/BTC"), since it cannot tell a heading's words from an
    acronym; the restorer can (LatticeBuilder.rare_caps: no vowel, or only rare
    syllables), and a token with one acronym part stays whole.  A unit part stays
    PROTECTED, as in slashed_words."""
    out: List[Token] = []
    for tok in tokens:
        text = tok.text
        if tok.kind != PROTECTED or "/" not in text or not _SLASHED_WORDS.match(text) or not text.isupper() \
                or not all(is_word(p) for p in text.split("/")):
            out.append(tok)
            continue
        out.extend(_slashed_tokens(text, tok.start))
    return out


def _slashed_tokens(text: str, pos: int) -> List[Token]:
    """The tokens of slash-joined words at offset `pos`: each part a WORD (a unit part
    PROTECTED), each slash a PUNCT."""
    out: List[Token] = []
    for k, part in enumerate(text.split("/")):
        if k:
            out.append(Token("/", PUNCT, pos))
            pos += 1
        out.append(Token(part, PROTECTED if part.lower() in MEASURE_UNITS else WORD, pos))
        pos += len(part)
    return out


def _is_code(core: str) -> bool:
    """Document codes and identifiers: 132/KH-MTTQ-BTT, 07-TT/ThU, ND-CP, 15/2014."""
    if any(c in core for c in "/\\@_=#"):
        return True
    if "-" in core or "." in core:
        parts = [p for p in re.split(r"[-.]", core) if p]
        if any(any(c.isdigit() for c in p) for p in parts):
            return True
        if any(len(p) >= 2 and p.isupper() for p in parts):
            return True
    return False


def edge_split(chunk: str) -> Tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation) of a whitespace-free chunk, in
    linear time.  A chunk without any word character is all lead."""
    lead = _NON_CORE.match(chunk).end()
    trail = _NON_CORE.match(chunk[::-1]).end() if lead < len(chunk) else 0
    end = len(chunk) - trail
    return chunk[:lead], chunk[lead:end], chunk[end:]


# Chunks longer than this are not cached: the cache holds up to 100,000 chunks, and
# long ones (a line of leader dots, a run without spaces) would make it hold megabytes
# each; they are rare enough that splitting them again costs nothing.
_CACHED_CHUNK_MAX = 64


def _chunk_tokens(chunk: str) -> Tuple[Token, ...]:
    """Tokens of one whitespace-free chunk, offsets relative to the chunk."""
    if len(chunk) <= _CACHED_CHUNK_MAX:
        return _cached_chunk_tokens(chunk)
    out: List[Token] = []
    _split_chunk(chunk, 0, out)
    return tuple(out)


@lru_cache(maxsize=100_000)
def _cached_chunk_tokens(chunk: str) -> Tuple[Token, ...]:
    """Tokens of one whitespace-free chunk, offsets relative to the chunk (cached:
    documents repeat their words)."""
    out: List[Token] = []
    _split_chunk(chunk, 0, out)
    return tuple(out)


def _split_chunk(chunk: str, start: int, out: List[Token]) -> None:
    if chunk in LONE_DEBRIS:  # (a lone "@" is no core: it is not a word character)
        out.append(Token(chunk, WORD, start))
        return
    if _URL.match(chunk) or _EMAIL.match(chunk):
        out.append(Token(chunk, PROTECTED, start))
        return
    lead, core, trail = edge_split(chunk)
    pos = start
    for ch in lead:
        out.append(Token(ch, PUNCT, pos))
        pos += 1
    if core:
        if _NUMBER.match(core):
            out.append(Token(core, NUMBER, pos))
        elif _DOMAIN.match(core) or _FILE_NAME.match(core):
            out.append(Token(core, PROTECTED, pos))
        elif UNDERSCORED_WORD.match(core):  # "_xã": a word OCR glued debris to (read in OCR output)
            out.append(Token(core, WORD, pos))
        elif len(core) == 1 and trail.startswith(")") and not lead:
            out.append(Token(core, PROTECTED, pos))  # list item marker: a) b) d) đ)
        elif (amount := _AMOUNT_UNIT.match(core)) is not None:  # the letter: fixes.currency_unit
            num = amount.group("amount")
            out.append(Token(num, NUMBER, pos))
            out.append(Token(core[len(num):], WORD, pos + len(num)))
        elif (listed := _GLUED_LIST_NUMBER.match(core)) is not None and listed.group(2)[0].isupper() \
                and listed.group(2)[1:].islower():  # 4.Thanh: a list number, its dot, a word
            num = listed.group(1)
            out.append(Token(num, NUMBER, pos))
            out.append(Token(".", PUNCT, pos + len(num)))
            out.append(Token(listed.group(2), WORD, pos + len(num) + 1))
        elif _NUM_SLASH_WORD.match(core):  # 300.000/người: a rate, not a code
            num, _, word = core.partition("/")
            out.append(Token(num, NUMBER, pos))
            out.append(Token("/", PUNCT, pos + len(num)))
            out.append(Token(word, WORD, pos + len(num) + 1))
        elif _LOWER_INITIALS.match(core):  # v.v (vân vân), t.l: abbreviations, kept
            out.append(Token(core, PROTECTED, pos))
        elif slashed_words(core):
            out.extend(_slashed_tokens(core, pos))
        elif _is_code(core):
            out.append(Token(core, PROTECTED, pos))
        else:
            # Hyphenated or dotted compounds (Rịa-Vũng, x.y): split into parts.
            for piece in re.split(r"([^\w" + OCR_DEBRIS + r"]+)", core):
                if not piece:
                    continue
                if re.fullmatch(r"[^\w" + OCR_DEBRIS + r"]+", piece):
                    out.append(Token(piece, PUNCT, pos))
                else:
                    out.append(Token(piece, _classify_core(piece), pos))
                pos += len(piece)
        pos = start + len(lead) + len(core)
    for ch in trail:
        out.append(Token(ch, PUNCT, pos))
        pos += 1


def tokenize(text: str) -> List[Token]:
    """Split `text` into tokens; ``"".join(t.text for t in tokenize(s)) == s`` always."""
    out: List[Token] = []
    pos = 0
    for piece in _WS.split(text):
        if not piece:
            continue
        if piece.isspace():
            out.append(Token(piece, SPACE, pos))
        else:
            cached = _chunk_tokens(piece)
            if len(cached) == 1:
                out.append(Token(piece, cached[0].kind, pos))
            else:
                out.extend(Token(t.text, t.kind, pos + t.start) for t in cached)
        pos += len(piece)
    return out


# Tesseract's English model writes the horn of ư and ơ as a quote or colon after the
# letter ("tu’" for tư, "tu‘ong" for tương, "Chu:ong" for Chương) and ươ/ơ as "@"
# ("Ngu@i" for người, "S@" for Sở).
HORN_MARKS = "’‘'`:"
_HORN_BASE = frozenset("uoUO")
_AT_WORD = re.compile(r"^[^\W\d_]+@[^\W\d_]*$")
# Tesseract's English model reads an S as "$" ("$6" for số or Sở): of the 144 words with
# a "$" in 18,000 training-split poor-scan pairs (lines aligned word for word), 143 stood
# for other text, mostly an S.  A "$" opening a bare number of 1–3 digits is joined to
# it: one NUMBER token that vidiacritic.digit_letters may read as letters ("$6" → số)
# and otherwise keeps, as it keeps every number.
DOLLAR_S = "$"
# Tesseract's English model reads the i with its dot below (ị) as a closing brace or
# square bracket: "tr}" and "tr]" for trị, "NGH]" for NGHỊ (41 such words in 18,000
# training-split poor-scan pairs).  Only after letters without a vowel, which are no
# word by themselves, and with no opening brace or bracket before them on the line.
DOT_I_MARKS = "}]"
# Tesseract's English model reads a closing I or i as "!" ("HO!" HỘI, "MO!" MỚI, "nd!"
# nói) and the hook of ư as "?" after a stroke ("st?" sử, "thi?" thứ, "gii?" giữ).  Such
# a sign glued to a word is a letter where a real one cannot stand: before a lowercase
# word on the same line, or between two all-caps words (in the training slices' eng OCR
# 35 of 35 such signs stood for letters; a real "!" or "?" ends its sentence, and the
# next word opens with a capital).  "!" is read as i, "?" is left out of the reading.
LETTER_SIGNS = "!?"
# Tesseract's English model reads a word's opening l as a vertical bar on poor scans:
# "|é" for lệ, "|&" for là, "pháp |uat" for luật (2 of the 3 bars glued before a
# lowercase word in 2,844 training-split poor-scan eng lines; the third, "|i", stood for
# tại).  Such a bar, after a space or at a line's start and before a lowercase word or
# OCR debris, is joined to the word and read as l (ocr_reading); a bar standing alone or
# before capitals (a table's rule: "THÀNH |PHỐ") stays a sign.
BAR_L = "|"
# The hook of ư also comes out as a quote or "?" inside a word, before its final
# consonant, after a letter other than u or o ("thi’c", "vy'c" for thức, vực; "st?c",
# "mt?c" for sức, mức: all 4 such words in the training-split news, wiki and legal eng
# slices of session 10).  Split there, the word was read in two ("thức’cờ", "sức?cô").
# Joined when the letters after the sign are a final consonant only (no "t", "m": don't,
# I'm), in the word's case, and a space, the line's end or punctuation other than a
# quote follows.
SPLIT_SIGNS = "’‘'?"
_SPLIT_CODAS = frozenset({"c", "ch", "n", "ng", "nh", "p"})
_DOLLAR_DIGITS = re.compile(r"^\d{1,3}$")
# Tesseract (both models) reads a smudge or a dash before a word as "_" glued to it:
# "_xã", "_ĐIỀU", "_hãnh" (hành), "_đục" (dục).  "_" is a word character, so such a
# token was a protected code and the word was never read (13 such tokens in 4,000
# training-split Tesseract-vie lines, all OCR debris: the clean text has no "_"
# there).  It is a WORD token; in OCR output (vidiacritic.lattice) it is read without
# its underscores (ocr_debris_reading) and written so when decoded, elsewhere kept.
UNDERSCORED_WORD = re.compile(r"^_+[^\W\d_]+$")
# Tesseract's Vietnamese model writes ô as the Icelandic eth ð ("tð" tổ, "ð nhiễm" ô
# nhiễm, "ka-ra-ð-kê"): 7 of the 7 lowercase ð in 4,000 training-split Tesseract-vie
# lines stood for ô.  Its capital Ð (the same glyph as Đ) stood for D or Đ and is
# left alone.
ETH_O = "ð"


# Two or three characters, digits and OCR debris only, both: what Tesseract-eng makes of
# a short word on a poor scan ("¢6" có, "1¢" lệ, "¢4" cả), no code or amount.
_DEBRIS_DIGITS = re.compile(rf"^(?=.*\d)(?=.*[{OCR_DEBRIS}])[\d{OCR_DEBRIS}]{{2,3}}$")


def join_ocr_splits(tokens: Sequence[Token]) -> List[Token]:
    """For OCR documents only: rejoin the words Tesseract split with a horn mark, so
    that the restorer reads them whole (see HORN_MARKS).  Joined:

    * u/o + quote or colon + lowercase letters, no spaces: "tu‘ong", "Chu:ong";
    * u/o + quote at the end of a word ("tu’ ", "co’,"), unless a quote opened before
      it on the same line is still open (then it closes a quotation: ‘…so’);
    * letters + "@" (+ letters): "Ngu@i", "nu@c", "S@" (a lone "@" is a word already:
      LONE_DEBRIS; 29 of the 31 lone "@" in 18,000 training-split poor-scan pairs were ở);
    * "$" opening a bare number of 1–3 digits: "$6" (DOLLAR_S), a NUMBER token;
    * letters without a vowel + "}" or "]", no opening one before on the line: "tr}",
      "NGH]" (DOT_I_MARKS);
    * letters + a quote or "?" + a final consonant ("thi’c", "st?c": SPLIT_SIGNS);
    * "|" after a space or at a line's start + a lowercase word or debris: "|uat", "|&" (BAR_L).
    The joined text is the original text, so nothing is lost; the restorer replaces the
    whole token when it finds a reading.
    """
    out: List[Token] = []
    open_quotes = 0
    open_brackets = 0  # "{" and "[" opened on this line
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind == SPACE and "\n" in tok.text:
            open_quotes = open_brackets = 0
        if tok.kind == PUNCT:
            open_brackets += tok.text.count("{") + tok.text.count("[")
        nxt = tokens[i + 1] if i + 1 < n else None
        after = tokens[i + 2] if i + 2 < n else None
        if tok.kind == PUNCT and tok.text in "‘'`" and (not out or out[-1].kind == SPACE):
            open_quotes += 1  # an opening quote: the next bare closing one is its pair
        if tok.kind == WORD and tok.text[-1:] in _HORN_BASE and nxt is not None \
                and nxt.kind == PUNCT and nxt.text in HORN_MARKS:
            same_case = after is not None and (after.text[:1].islower() or tok.text.isupper() and after.text.isupper())
            if after is not None and after.kind == WORD and same_case and after.text.isalpha():
                out.append(Token(tok.text + nxt.text + after.text, WORD, tok.start))
                i += 3
                continue
            ends = after is None or after.kind in (SPACE, PUNCT)
            if nxt.text != ":" and ends:
                if nxt.text in "’'" and open_quotes > 0:
                    open_quotes -= 1  # closes ‘…’
                else:
                    out.append(Token(tok.text + nxt.text, WORD, tok.start))
                    i += 2
                    continue
        if tok.kind == PUNCT and tok.text == BAR_L and (not out or out[-1].kind == SPACE) \
                and nxt is not None and nxt.kind == WORD and (nxt.text[:1].islower() or nxt.text[:1] in OCR_DEBRIS) \
                and (after is None or after.kind in (SPACE, PUNCT)):
            out.append(Token(tok.text + nxt.text, WORD, tok.start))
            i += 2
            continue
        if tok.kind == WORD and nxt is not None and nxt.kind == PUNCT and nxt.text == "@" \
                and (after is None or after.kind in (SPACE, PUNCT)):
            out.append(Token(tok.text + "@", WORD, tok.start))
            i += 2
            continue
        if tok.kind == PUNCT and tok.text == DOLLAR_S and (not out or out[-1].kind == SPACE or out[-1].text in "(“\"'‘[") \
                and nxt is not None and nxt.kind == NUMBER and _DOLLAR_DIGITS.match(nxt.text) \
                and (after is None or after.kind in (SPACE, PUNCT)):
            out.append(Token(tok.text + nxt.text, NUMBER, tok.start))
            i += 2
            continue
        if tok.kind == WORD and nxt is not None and nxt.kind == PUNCT and nxt.text in DOT_I_MARKS \
                and not open_brackets and tok.text.isalpha() and not VOWEL.search(unicodedata.normalize("NFD", tok.text)) \
                and (after is None or after.kind in (SPACE, PUNCT)):
            out.append(Token(tok.text + nxt.text, WORD, tok.start))
            i += 2
            continue
        # (not to a unit after a number: "9.984.670 km? của" is km², fixes.area_unit)
        if tok.kind == WORD and nxt is not None and nxt.kind == PUNCT and nxt.text in LETTER_SIGNS \
                and tok.text.isalpha() and _letter_sign_context(tok, tokens, i + 2) \
                and not unit_after_number(tokens, i):
            out.append(Token(tok.text + nxt.text, WORD, tok.start))
            i += 2
            continue
        if tok.kind == WORD and nxt is not None and nxt.kind == PUNCT and nxt.text in SPLIT_SIGNS \
                and after is not None and _split_coda(tok, after) \
                and (i + 3 >= n or tokens[i + 3].kind == SPACE
                     or tokens[i + 3].kind == PUNCT and tokens[i + 3].text[:1] not in SPLIT_SIGNS + "`\"“”"):
            out.append(Token(tok.text + nxt.text + after.text, WORD, tok.start))
            i += 3
            continue
        if tok.kind == PROTECTED and _DEBRIS_DIGITS.match(tok.text):
            out.append(Token(tok.text, WORD, tok.start))  # "¢6" có, "1¢" lệ: a word's damage
            i += 1
            continue
        if tok.kind == PROTECTED and _AT_WORD.match(tok.text):
            out.append(Token(tok.text, WORD, tok.start))
            i += 1
            continue
        out.append(tok)
        i += 1
    return out


def _split_coda(word: Token, after: Token) -> bool:
    """Whether `after`, glued to `word` by a SPLIT_SIGNS sign, is the final consonant of
    the same word: one of _SPLIT_CODAS, lowercase after a word of letters, or in capitals
    after an all-caps one (a lone C is a Roman numeral to the tokenizer: "CHU'C", chức)."""
    if after.kind not in (WORD, PROTECTED) or not word.text.isalpha() or after.text.lower() not in _SPLIT_CODAS:
        return False
    return after.text.islower() if not word.text.isupper() else after.text.isupper()


def _letter_sign_context(word: Token, tokens: Sequence[Token], j: int) -> bool:
    """Whether a "!" or "?" glued to `word` (LETTER_SIGNS) is followed, past one space
    on the same line (tokens[j]), by a word that shows no sentence ended: lowercase, or
    all caps after an all-caps word."""
    if j + 1 >= len(tokens) or tokens[j].kind != SPACE or "\n" in tokens[j].text:
        return False
    after = tokens[j + 1]
    return after.kind == WORD and after.text[:1].isalpha() and \
        (after.text[:1].islower() or len(word.text) >= 2 and word.text.isupper() and after.text.isupper())


def ocr_reading(word: str) -> str:
    """The letters of a joined word for candidate lookup: horn marks dropped, "@" read
    as o (the channel knows u and o as Tesseract's ư and ơ), a closing "}" or "]" as i
    (DOT_I_MARKS: "tr}" → "tri", for trị), an opening "|" as l (BAR_L: "|uat" → "luat")."""
    if not any(c in word for c in HORN_MARKS + "@" + DOT_I_MARKS + LETTER_SIGNS + BAR_L):
        return word
    return "".join("o" if c == "@" else "i" if c in DOT_I_MARKS or c == "!" else "l" if c == BAR_L else c
                   for c in word if c not in HORN_MARKS and c != "?")


def ocr_debris_reading(word: str) -> str:
    """`word` as OCR output means it: opening underscores dropped (UNDERSCORED_WORD:
    "_xã" → "xã") and ð read as ô (ETH_O: "tð" → "tô", for tổ).  Only for OCR output
    (Tesseract-eng or -vie): typed text may mean them."""
    if not word.startswith("_") and ETH_O not in word:
        return word
    return word.lstrip("_").replace(ETH_O, "ô")


def capital_i_reading(word: str) -> Optional[str]:
    """`word` with its opening capital I read as l, when the rest is lowercase: "Iợi" →
    "lợi", "Iya" → "lya"; None for any other word ("II", "ĐIỀU", "It's", "I").
    Tesseract's English model writes a word-initial l as I: in 7,314 training-split
    pairs 110 of about 3,400 such l, and 94 of the 110 words opening with I and a
    lowercase letter stood for l (12 for an I: Roman "Il", English "Integer")."""
    if len(word) < 2 or word[0] != "I" or not word[1:].islower():
        return None
    return "l" + word[1:]


_OPENERS = "\"'“‘«([{"
_SENTENCE_ENDS = ".!?…"
_LIST_BULLETS = frozenset(["-", "–", "—", "•", "+", "*"])


def opens_sentence(tokens: Sequence[Token], i: int) -> bool:
    """Whether token `i` starts a sentence: nothing but opening quotes or brackets
    between it and the start of the text, a blank line, a sentence end (. ! ? …, so
    also a list number "1."), a colon ending its line, or a bullet opening its line.
    A single line break alone does not count: in OCR output it is mostly the page's
    wrapping inside a sentence."""
    j = i - 1
    while j >= 0 and tokens[j].kind == PUNCT and all(c in _OPENERS for c in tokens[j].text):
        j -= 1
    line_break = False
    while j >= 0 and tokens[j].kind == SPACE:
        if tokens[j].text.count("\n") >= 2:
            return True
        line_break = line_break or "\n" in tokens[j].text
        j -= 1
    if j < 0:
        return True
    prev = tokens[j]
    if prev.kind != PUNCT:
        return False
    if prev.text[-1] in _SENTENCE_ENDS or (prev.text[-1] == ":" and line_break):
        return True
    return prev.text in _LIST_BULLETS and (j == 0 or (tokens[j - 1].kind == SPACE and "\n" in tokens[j - 1].text))


# Punctuation inside a sentence: a comma, semicolon or colon, a dash or hyphen, quotes,
# brackets.  The words on either side still predict each other ("rau tươi, sấy khô",
# "thăm dò, khoan, khai thác"), so with soft_punct a group of these between two words on
# one line is one unit of the chain, P_TOKEN, instead of its end.  Sentence ends
# (. ! ? …), other symbols, codes and blank lines still end a chain.
SOFT_PUNCT = frozenset(",;:-\u2010\u2011\u2013\u2014\"'\u2018\u2019\u201c\u201d()[]")
P_TOKEN = "<p>"


def is_soft_punct(tok: Token) -> bool:
    """Whether `tok` is punctuation made only of SOFT_PUNCT characters."""
    return tok.kind == PUNCT and all(c in SOFT_PUNCT for c in tok.text)


def stray_stops(tokens: Sequence[Token]) -> frozenset:
    """Indices of the full stops that end a line glued to its last word ("tlo.") when
    the next line opens with a lowercase word of two letters or more that is no list
    letter (not "a)", "b."): the sentence goes on across the break, so the stop is OCR
    debris, not a sentence end.  Tesseract-vie writes such a stop at a line's end (five
    vie training slices, wrapped lines only: 111 stops the text lacks before a
    lowercase line, none it has); ended there, the chain lost the next line's words
    and read the line's last word as a sentence's end ("đã cố." → có, "chi viện cha." → cha)."""
    out = []
    for i in range(1, len(tokens) - 2):
        tok, brk, nxt = tokens[i], tokens[i + 1], tokens[i + 2]
        if (tok.text == "." and tok.kind == PUNCT and tokens[i - 1].kind == WORD
                and brk.kind == SPACE and brk.text.count("\n") == 1
                and nxt.kind == WORD and len(nxt.text) >= 2 and nxt.text[0].islower()
                and (i + 3 == len(tokens) or tokens[i + 3].kind == SPACE)):
            out.append(i)
    return frozenset(out)


def chains(tokens: Sequence[Token], soft_punct: bool = False, skip: frozenset = frozenset()) -> Iterator[List[int]]:
    """Yield runs of token indices that form one decoding context.

    A run holds WORD and NUMBER tokens separated by whitespace.  Punctuation,
    protected tokens and blank lines end it: a code is a real break in the sentence,
    while a single line break is usually just the page layout.  With `soft_punct`,
    soft punctuation (SOFT_PUNCT) between two words of one line stays in the run: the
    index of the group's first PUNCT token stands for the whole group (the LM's
    P_TOKEN); a group at either end of a run, or one that reaches a line break, still
    ends it.  The PUNCT tokens of `skip` (stray_stops) are read as if they were not
    there.
    """
    run: List[int] = []
    group: List[int] = []  # the soft punctuation since the run's last word
    for i, tok in enumerate(tokens):
        if tok.kind in (WORD, NUMBER):
            if group:
                run.append(group[0])
                group = []
            run.append(i)
        elif tok.kind == SPACE and tok.text.count("\n") < 2 and not (group and "\n" in tok.text):
            continue
        elif i in skip:
            continue
        elif soft_punct and run and "\n" not in tok.text and is_soft_punct(tok):
            group.append(i)
        else:
            if run:
                yield run
            run, group = [], []
    if run:
        yield run


def cut_before(run: List[int], starts: Callable[[int], bool]) -> Iterator[List[int]]:
    """`run` cut before each of its token indices (but the first) for which `starts` is true."""
    lo = 0
    for k in range(1, len(run)):
        if starts(run[k]):
            yield run[lo:k]
            lo = k
    yield run[lo:]


def pieces(tokens: Sequence[Token], run: List[int], n: int) -> Iterator[List[int]]:
    """`run` cut into pieces of at most `n` units, each without P_TOKEN units at its
    ends (no chain the LM saw begins or ends with one)."""
    for i in range(0, len(run), n):
        lo, hi = i, min(i + n, len(run))
        while lo < hi and tokens[run[lo]].kind == PUNCT:
            lo += 1
        while hi > lo and tokens[run[hi - 1]].kind == PUNCT:
            hi -= 1
        if lo < hi:
            yield run[lo:hi]


def lm_units(text: str, soft_punct: bool = False) -> Iterator[List[str]]:
    """Corpus text → lists of raw units for LM training (words as written, <num>, and
    with `soft_punct` P_TOKEN for soft punctuation inside a chain)."""
    toks = tokenize(text)
    for run in chains(toks, soft_punct):
        yield [NUM_TOKEN if toks[i].kind == NUMBER else P_TOKEN if toks[i].kind == PUNCT else toks[i].text
               for i in run]
