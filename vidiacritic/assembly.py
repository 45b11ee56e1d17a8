"""Assembling the output: each word's choice on its decoded path, written in the tone
style and the input's casing; the fixes of :mod:`vidiacritic.fixes` for tokens that are
no syllable and for those that need the whole document; the output text; and, for
``explain()``, each word's decision."""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import digit_letters, fixes, list_markers
from .explanation import WordDecision
from .text import MIXED, MODERN, apply_casing, casing_of, place_tone, strip_diacritics
from .tokens import LETTER_SIGNS, NUMBER, PROTECTED, SPACE, WORD, Token, capital_i_reading, opens_sentence


class Assembler:
    """Writes a document's words (acronyms, code_parts: the fixes' tables, or None;
    tone_style: the Restorer's; source: what a decoded word's decision reports)."""

    def __init__(self, acronyms, code_parts, tone_style: str, source: str):
        self.acronyms, self.code_parts, self.tone_style, self.source = acronyms, code_parts, tone_style, source
        # (the code parts with Đ: a stop inside one is OCR's, fixes.document_code_separators)
        self.code_part_forms = frozenset(code_parts.table.values()) if code_parts is not None else frozenset()

    def choose_words(self, toks: Sequence[Token], runs, metas, decoded, details: bool, ocr: bool = False):
        """(token index → output text, the words' decisions when `details`): each
        word's choice on its decoded path, or a token fix for a token that is no
        syllable (token_fix).  `ocr`: the document is OCR output (casing_like)."""
        replaced: Dict[int, str] = {}
        words: List[WordDecision] = []
        for run, meta, dec in zip(runs, metas, decoded):
            for pos, ti in enumerate(run):
                tok = toks[ti]
                if tok.kind != WORD and not meta[pos][0]:  # a number with a slot (digit_letters) goes on
                    continue
                forms, phrase_hit = meta[pos]
                fix = self.token_fix(toks, ti)
                if fix is not None:
                    fixed, source = fix
                    if details:
                        words.append(WordDecision(tok.text, fixed, tok.start, source, 1.0, []))
                    if fixed != tok.text:
                        replaced[ti] = fixed
                    continue
                if not forms:
                    if details:
                        words.append(WordDecision(tok.text, tok.text, tok.start, "kept", 1.0, []))
                    continue
                k = dec.best[pos]
                # (a word read with l keeps its capital where a sentence starts: "Iuật" → Luật)
                lower_l = ocr and tok.text[:1] == "I" and not opens_sentence(toks, ti)
                number_like = None if tok.kind == WORD else number_casing(toks, ti)
                noise = ocr_casing(toks, ti) if ocr and number_like is None else None

                def like(form):  # (a number kept is written as it is: surface(None, text))
                    if noise is not None and form is not None and form != tok.text.lower():
                        return noise  # (Bộ for "BO", PHÍ for "PHi" in a heading: ocr_casing)
                    return casing_like(tok.text, form, lower_l) if number_like is None or form is None else number_like
                chosen = self.surface(forms[k], like(forms[k]))
                if details:  # restore() needs only the text
                    probs = dec.marginals[pos]
                    order = np.argsort(-probs)
                    alts = [(self.surface(forms[j], like(forms[j])), float(probs[j])) for j in order[:4] if j != k][:3]
                    source = ("kept" if forms[k] is None else phrase_hit[k] if phrase_hit[k] in ("user", "document")
                              else "lexicon" if phrase_hit[k] else self.source)
                    words.append(WordDecision(tok.text, chosen, tok.start, source, float(probs[k]), alts))
                if chosen != tok.text:
                    replaced[ti] = chosen
        return replaced, words

    def token_fix(self, toks: Sequence[Token], i: int) -> Optional[Tuple[str, str]]:
        """(text, source) of a fix from vidiacritic.fixes for a token that is no
        syllable (27.600.000d: "fix:currency", HDND: "fix:acronym", Il: "fix:roman"),
        or None."""
        text = toks[i].text
        if len(text) == 1:
            fixed = fixes.currency_unit(toks, i)
            return None if fixed is None else (fixed, "fix:currency")
        if self.acronyms is not None:
            hit = self.acronyms.restore(text)
            if hit is not None:
                return hit, "fix:acronym"
        fixed = fixes.roman_numeral(toks, i) or digit_letters.roman_numeral(toks, i)
        return None if fixed is None else (fixed, "fix:roman")

    def document_fixes(self, toks: Sequence[Token], replaced: Dict[int, str],
                       words: List[WordDecision], details: bool, ocr: bool = False,
                       kind: Optional[str] = None) -> List[WordDecision]:
        """Fixes that need the whole document or its restored words, applied to
        `replaced` (token index → new text): the Đ of document-code parts (760/QD-UBND)
        of acronyms joined by "&" (GD&DT: one protected token, looked up whole in the
        acronym table) and of acronyms the document defines (tự đánh giá (TDG)); in OCR output (`ocr`),
        the separators of article codes (Điều 22.1TT3.5: fixes.article_code_separators),
        list markers misread (e) for c) between b) and d), and markers no list letter
        at all when no list decides them, read by the document's reading `kind`:
        vidiacritic.list_markers), and the ² of an area unit read as "?" (km?:
        fixes.area_unit).
        Returns `words` with these reported as "fix:code", "fix:acronym",
        "fix:list-marker" and "fix:unit", in text order."""
        fixed: Dict[int, str] = {}
        source: Dict[int, str] = {}
        restored = [replaced.get(i, t.text) for i, t in enumerate(toks)]
        for i, tok in enumerate(toks):
            if tok.kind != PROTECTED and not (ocr and tok.kind == NUMBER):
                continue  # (a number: an article code whose part OCR read as digits, 13.1.17.72.1)
            # (OCR's article and document code separators first: 33,4.ND.2.24 and
            # 87:2021/ND-CP then get their Đ)
            text = (ocr and (fixes.article_code_separators(toks, restored, i)
                             or fixes.document_code_separators(tok.text, self.code_part_forms))) or tok.text
            code = None if self.code_parts is None else self.code_parts.restore(text, ocr)
            if code is not None or text != tok.text:
                fixed[i], source[i] = code or text, "fix:code"
            elif "&" in text and self.acronyms is not None and (hit := self.acronyms.restore(text)):
                fixed[i], source[i] = hit, "fix:acronym"  # acronyms joined by "&": GD&DT → GD&ĐT
        for i, acronym in fixes.defined_acronyms(toks, restored).items():
            fixed[i], source[i] = acronym, "fix:acronym"
        for i, acronym in fixes.written_acronyms(toks, restored, fixed).items():
            fixed[i], source[i] = acronym, "fix:acronym"  # (written out elsewhere in the document)
        if ocr:  # (typed text's markers are as the writer typed them)
            for i, tok in enumerate(toks):
                if tok.text == "?" and (square := fixes.area_unit(toks, i)) is not None:
                    fixed[i], source[i] = square, "fix:unit"  # 9.984.670 km? → km²
            for i, numeral in fixes.misread_roman_numerals(toks, restored).items():
                fixed[i] = restored[i] = numeral  # Phụ lục H → II, "HH Thời hạn" → II
                source[i] = "fix:roman"
            for i, marker in list_markers.repair(toks, restored).items():
                fixed[i] = restored[i] = marker  # (the lone markers' pass reads the repaired ones)
                source[i] = "fix:list-marker"
            for i, marker in list_markers.lone_repairs(toks, restored, kind).items():
                fixed[i], source[i] = marker, "fix:list-marker"
        replaced.update(fixed)
        if not details or not fixed:
            return words
        at = {toks[i].start: i for i in fixed}
        words = [replace(w, chosen=fixed[at[w.start]], source=source[at.pop(w.start)], confidence=1.0,
                         alternatives=[]) if w.start in at else w for w in words]
        words += [WordDecision(toks[i].text, fixed[i], start, source[i], 1.0, []) for start, i in at.items()]
        return sorted(words, key=lambda w: w.start)

    def surface(self, form, original: str) -> str:
        """How syllable `form` is written in place of `original` (None: as written):
        the tone style's tone placement, the original's casing."""
        if form is None:
            return original
        word = place_tone(form, MODERN) if self.tone_style == MODERN else form
        return kept_sign(apply_casing(word, original), original)


def kept_sign(word: str, original: str) -> str:
    """`word` restored in place of `original`, with the "!" or "?" that
    tokens.join_ocr_splits joined to it (tokens.LETTER_SIGNS) written back when the
    reading chosen did not need it: its letters are the original's without the sign
    ("khong?" read as không: a real question mark, kept), while "si?" read as sử and
    "HO!" as HỘI took the sign as a letter."""
    if original[-1:] in LETTER_SIGNS and original[:-1] and \
            strip_diacritics(word).lower() == strip_diacritics(original[:-1]).lower():
        return word + original[-1]
    return word


def number_casing(toks: Sequence[Token], i: int) -> str:
    """The casing a number read as a word (digit_letters: "6" for ở) takes, as a text
    to copy it from: a number has none of its own, so "ở" came out lowercase inside an
    all-caps line ("ĐI LÀM VIỆC ở NƯỚC NGOÀI") and where a sentence starts.  Upper case
    between two all-caps words of its line (or beside one at the line's end), a capital
    where a sentence starts (tokens.opens_sentence), else lowercase."""
    beside = (word_beside(toks, i, -1), word_beside(toks, i, 1))
    caps = [w is not None and len(w) >= 2 and w.isupper() for w in beside]
    if all(caps) or any(caps) and None in beside:
        return "AA"
    return "Aa" if opens_sentence(toks, i) else "a"


def word_beside(toks: Sequence[Token], i: int, step: int) -> Optional[str]:
    """The text of the token next to token `i` on its line (step -1: before, 1: after)
    past spaces, when it is a word; None otherwise."""
    j = i + step
    while 0 <= j < len(toks) and toks[j].kind == SPACE and "\n" not in toks[j].text:
        j += step
    return toks[j].text if 0 <= j < len(toks) and toks[j].kind == WORD else None


def capitals_beside(toks: Sequence[Token], i: int) -> bool:
    """Whether token `i` stands among words in capitals on its line: going out from it on
    either side over words of two letters or more in capitals, one has a vowel (a
    heading's word; GDDT, HCM beside it are codes, "HQP" may be damage).  OCR words in
    such a place keep their capitals.  The walk stops after BESIDE_TOKENS tokens on a
    side, so that a long line of such tokens costs linear time, not quadratic."""
    for step in (-1, 1):
        j, end = i + step, i + step * (BESIDE_TOKENS + 1)
        while 0 <= j < len(toks) and j != end and not (toks[j].kind == SPACE and "\n" in toks[j].text):
            word = toks[j].text
            if toks[j].kind == WORD and sum(c.isalpha() for c in word) >= 2:
                if not word.isupper():
                    break
                if any(c in _VOWELS for c in strip_diacritics(word)):
                    return True
            j += step
    return False


_VOWELS = frozenset("AEIOUY")
# How far capitals_beside looks on each side, in tokens (a word, its punctuation and the
# space after it are about three): far enough to pass over a few codes or damaged words.
BESIDE_TOKENS = 24


def ocr_casing(toks: Sequence[Token], i: int) -> Optional[str]:
    """The casing an OCR word takes when its own is noise, as a text to copy it from
    (apply_casing), or None to follow the word itself.  Tesseract's English model reads
    the small marked vowel of a capitalised word as a capital ("BO", "BG" for Bộ, "SO"
    for Sở, "MY" for Mỹ), and writes the marked capitals of a heading lowercase ("PHi"
    for PHÍ): so two capitals take a capital only, and a word in mixed case all
    capitals, unless (capitals_beside) the words beside it say otherwise."""
    text = toks[i].text
    if not text.isalpha():
        return None
    if len(text) == 2 and text.isupper():
        return None if capitals_beside(toks, i) else text.capitalize()
    if casing_of(text) == MIXED and text[:1].isupper() and capitals_beside(toks, i):
        return text.upper()
    return None


def casing_like(original: str, form, ocr: bool) -> str:
    """The text whose casing syllable `form` takes in place of `original`: in OCR
    output, a word whose opening capital I stood for l ("Igi" → lợi, "Iya" → lựa: the
    form opens with l) is cased as its l reading, lowercase; else `original` itself.
    choose_words passes `ocr` False where the word opens a sentence (tokens.opens_sentence),
    whose capital was a capital L: "Iuật" there is Luật."""
    if ocr and form is not None and form[:1] == "l":
        l_text = capital_i_reading(original)
        if l_text is not None:
            return l_text
    return original


def join(toks: Sequence[Token], replaced: Dict[int, str]) -> Tuple[str, Dict[int, Tuple[int, str, str]]]:
    """The output text (`toks` with the texts of `replaced`), and where each token
    whose text changed went: {start in the output: (start in the input, input text,
    output text)}."""
    parts = [replaced.get(i, t.text) for i, t in enumerate(toks)]
    positions: Dict[int, Tuple[int, str, str]] = {}
    at = 0
    for i, part in enumerate(parts):
        if i in replaced and part != toks[i].text:
            positions[at] = (toks[i].start, toks[i].text, part)
        at += len(part)
    return "".join(parts), positions
