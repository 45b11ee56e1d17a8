"""Stage 4c — token fixes outside the lattice: small named rules, each with its reason.

The decoder chooses among syllable readings of a word; a few tokens are not syllables
at all yet still lost a mark, and each such case gets one small function here.  The
restorer applies them after decoding (and ``explain()`` reports them as "rule").

``currency_unit``  27.600.000d → 27.600.000đ: "đ" (đồng) after an amount.
``roman_numeral``  Il. → II., Ill. → III.: a heading number whose I was read as l.
``AcronymTable``   HDND → HĐND, BCD → BCĐ: all-caps acronyms whose Đ became D, from
                   ``data/acronyms_d.tsv`` (``scripts/build_acronyms.py``; card:
                   ``data/ACRONYMS_CARD.md``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

from .tokens import AMOUNT, NUMBER, SPACE, Token

ACRONYM_FILE = "acronyms_d.tsv"
ACRONYM_HEADER = ("written", "acronym", "count", "count_written")


def currency_unit(toks: Sequence[Token], i: int) -> Optional[str]:
    """"đ" (or "Đ") for a token "d"/"D" written right after an amount, or after it and
    one space; None otherwise.  Đồng is abbreviated đ, and a lone "d" is no Vietnamese
    word: stripping or Tesseract's English model made it from đ."""
    tok = toks[i]
    if tok.text not in ("d", "D", "đ", "Đ") or i == 0:
        return None
    j = i - 1
    if toks[j].kind == SPACE:
        if toks[j].text != " " or j == 0:
            return None
        j -= 1
    # tokens.AMOUNT: thousands grouped (1.250.000); a bare number ("5 d", "2d") is too
    # often something else (a list item, a dimension)
    if toks[j].kind != NUMBER or not AMOUNT.match(toks[j].text):
        return None
    return "Đ" if tok.text in ("D", "Đ") else "đ"


_ROMAN_MISREAD = re.compile(r"^I[Il]{1,3}$")


def roman_numeral(toks: Sequence[Token], i: int) -> Optional[str]:
    """"II"/"III"/"IIII" for "Il", "Ill", "IlI"… that open a line and are followed by
    ".", ":" or ")": a section number whose I Tesseract read as l (in its training pairs
    "Ill." stood for III. every time).  Elsewhere such a token is left alone."""
    text = toks[i].text
    if "l" not in text or not _ROMAN_MISREAD.match(text):
        return None
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is None or nxt.text[:1] not in ".:)":
        return None
    if i > 0 and not (toks[i - 1].kind == SPACE and "\n" in toks[i - 1].text):
        return None
    return text.replace("l", "I")


class AcronymTable:
    """D-spelling → acronym with Đ (HDND → HĐND), for all-caps tokens only."""

    def __init__(self, table: Dict[str, str]):
        self.table = table

    @classmethod
    def load(cls, path: Union[str, Path]) -> "AcronymTable":
        table: Dict[str, str] = {}
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                parts = line.rstrip("\n").split("\t")
                if lineno == 1 and tuple(parts) == ACRONYM_HEADER:
                    continue
                if len(parts) != len(ACRONYM_HEADER) or parts[1].replace("Đ", "D") != parts[0]:
                    raise ValueError(f"{path}:{lineno}: expected written<TAB>acronym<TAB>count"
                                     "<TAB>count_written, the acronym being the written form with Đ")
                table[parts[0]] = parts[1]
        return cls(table)

    def restore(self, token: str) -> Optional[str]:
        """The acronym with its Đ, or None.  Mixed-case tokens are left alone (Dd, Db:
        not acronyms)."""
        return self.table.get(token) if token.isupper() else None

    def __len__(self) -> int:
        return len(self.table)
