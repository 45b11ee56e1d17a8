"""Noise models that turn clean Vietnamese into model inputs (pure Python, seedable).

Three kinds of noisy input are made from a clean line:

* ``strip_line``      every diacritic removed (``vidiacritic.text.strip_diacritics``);
* ``partial_strip``   a random share of the syllables stripped, the rest kept, and
                      sometimes only the tone marks removed;
* ``CharNoise``       a character-level channel that mimics what Tesseract's *English*
                      model does to Vietnamese print: marked letters fall back to their
                      base letter or to a Latin-1 look-alike (``é`` above all), and some
                      are misread as other shapes (ô→6, ư→w/ir/u, ơ→d, ụ→y, ợ→g, ở→¢,
                      đ→d, Đ→D/P), plain letters are sometimes confused (l→1, rn↔m, c→e),
                      dropped or doubled, and words are occasionally split or merged.

``CharNoise.default()`` is hand-set from the kinds of errors Tesseract makes (see
DATA_SOURCES.md §3); ``CharNoise.fit(pairs)`` re-estimates the per-letter table from
real (ocr, clean) pairs by character alignment, with the default as a prior.
``noise_stats`` measures a noisy/clean text pair the same way for every source, so the
synthetic channel can be compared with real OCR.
"""
from __future__ import annotations

import json
import random
import unicodedata
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from vidiacritic.text import split_tone, strip_diacritics

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_LATIN1_KEEP = set("áàãóòõôúùíìéèêâý")  # glyphs the English model does know

# Plain-letter confusions (lower case): char -> [(output, weight)].
_PLAIN = {
    "l": [("1", 3), ("I", 2), ("i", 1)],
    "i": [("l", 2), ("1", 1), ("í", 1), ("j", 0.5)],
    "m": [("rn", 2), ("n", 1)],
    "n": [("ri", 1), ("h", 0.5), ("u", 0.5)],
    "h": [("b", 1), ("li", 1), ("n", 0.5)],
    "c": [("e", 2), ("o", 0.5)],
    "e": [("c", 1), ("é", 1)],
    "t": [("f", 1), ("l", 0.5)],
    "u": [("ii", 1), ("v", 1)],
    "o": [("0", 1), ("a", 0.5), ("e", 0.5)],
    "a": [("e", 0.5), ("o", 0.5)],
    "r": [("t", 0.5), ("i", 0.5)],
    "g": [("q", 1), ("p", 0.3)],
    "y": [("v", 1)],
}


def _quality_and_base(ch: str) -> Tuple[str, str, int]:
    """(toneless letter, base ASCII letter, tone number) of a lower-case letter."""
    toneless, tone = split_tone(ch)
    return toneless, strip_diacritics(ch), tone


def _default_entry(ch: str) -> List[Tuple[str, float]]:
    """Output distribution of one lower-case marked letter under Tesseract-eng.

    Hand-set to the kinds of confusion Tesseract's English model is known to make on
    Vietnamese print: ê-family letters come out as 'é' most of the time; ô/ơ with a
    tone often become '6', 'd' or 'é'; ư with a tone 'ir', 'i', 'w'; ủ 'i'/'ii';
    dot-below letters 'g' (o) or 'y' (u); ă/â sometimes 'i'.  Plain tone marks on
    a/i/u mostly just vanish.
    """
    toneless, base, tone = _quality_and_base(ch)
    w: Dict[str, float] = defaultdict(float)
    w[base] += 1.0
    if ch == "đ":
        return [("d", 1.0), ("ð", 0.01), ("a", 0.01)]
    if toneless == "ê":
        w["é"] += 2.5
        w["€" if tone == 5 else "è"] += 0.03
    elif tone == 1:  # acute
        w["é"] += 0.12
    elif tone:
        w["é"] += 0.02
    if toneless == "ô":
        k = 1.0 if tone in (0, 1) else 0.5
        w["6"] += 0.3 * k
        w["d"] += 0.25 * k
        w["é"] += 0.3 * k
    elif toneless == "ơ":
        w["d"] += 0.25 if tone else 0.08
        w["é"] += 0.4 if tone == 1 else 0.03
        w["6"] += 0.04
        w["wo"] += 0.02
    elif toneless == "ư":
        if tone == 1:
            w["ir"] += 0.45
            w["i"] += 0.35
            w["tr"] += 0.05
            w["a"] += 0.04
        elif tone:
            w["ir"] += 0.1
            w["i"] += 0.05
        w["w"] += 0.09
        w["tt"] += 0.02
        w["uw"] += 0.02
    elif toneless == "ă":
        w["i"] += 0.25
        w["ia"] += 0.05
    elif toneless == "â":
        w["i"] += 0.06
        w["d"] += 0.08
        w["é"] += 0.03
    elif base == "o" and tone == 1:
        w["6"] += 0.4
        w["é"] += 0.2
    elif base == "a" and tone == 4:
        w["i"] += 0.15
        w["4"] += 0.1
        w["&"] += 0.06
    if tone == 5:  # dot below reads as a descender
        if base == "o":
            w["g"] += 0.12
            w["q"] += 0.01
        if base == "u":
            w["y"] += 0.15
    if tone == 3:  # hook above
        if base == "o":
            w["¢"] += 0.03
        if base == "u":
            w["i"] += 0.15
            w["ii"] += 0.1
            w["a"] += 0.06
            w["t"] += 0.03
    if ch in _LATIN1_KEEP:
        w[ch] += 0.005
    return sorted(w.items(), key=lambda kv: -kv[1])


def _vietnamese_marked_letters() -> List[str]:
    out = []
    for base in "aăâeêioôơuưy":
        for tone in ["", *_TONE_MARKS]:
            ch = unicodedata.normalize("NFC", base + tone)
            if ch != strip_diacritics(ch) and len(ch) == 1:
                out.append(ch)
    out.append("đ")
    return out


MARKED = _vietnamese_marked_letters()


def strip_line(text: str) -> str:
    return strip_diacritics(text)


def partial_strip(text: str, rng: random.Random, p: Optional[float] = None) -> str:
    """Strip a share `p` (random when None) of the words; sometimes only the tones."""
    if p is None:
        p = rng.uniform(0.2, 0.9)
    tones_only = rng.random() < 0.25
    out = []
    for w in text.split(" "):
        if w and rng.random() < p:
            if tones_only:
                d = unicodedata.normalize("NFD", w)
                w = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONE_MARKS))
            else:
                w = strip_diacritics(w)
        out.append(w)
    return " ".join(out)


def _sample(entries: Sequence[Tuple[str, float]], total: float, rng: random.Random) -> str:
    r = rng.random() * total
    for out, wt in entries:
        r -= wt
        if r <= 0:
            return out
    return entries[-1][0]


def _recase(out: str, upper: bool) -> str:
    return out.upper() if upper else out


class CharNoise:
    """Character channel ``clean letter -> OCR string`` plus plain-letter and word noise.

    ``level`` (per line, random by default) scales every probability of an error other
    than the plain base letter, so one model covers clean scans and bad ones.
    """

    def __init__(self, table: Dict[str, List[Tuple[str, float]]],
                 plain_rate: float = 0.006, drop_rate: float = 0.002,
                 double_rate: float = 0.0015, split_rate: float = 0.004,
                 merge_rate: float = 0.006, keep_marked: float = 0.0):
        self.table = {k: [(o, float(w)) for o, w in v] for k, v in table.items()}
        self.plain_rate = plain_rate
        self.drop_rate = drop_rate
        self.double_rate = double_rate
        self.split_rate = split_rate
        self.merge_rate = merge_rate
        self.keep_marked = keep_marked

    # -- construction -----------------------------------------------------------
    @classmethod
    def default(cls) -> "CharNoise":
        return cls({ch: _default_entry(ch) for ch in MARKED})

    def to_json(self) -> str:
        return json.dumps({"table": self.table, "plain_rate": self.plain_rate,
                           "drop_rate": self.drop_rate, "double_rate": self.double_rate,
                           "split_rate": self.split_rate, "merge_rate": self.merge_rate},
                          ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, s: str) -> "CharNoise":
        d = json.loads(s)
        return cls(d["table"], d["plain_rate"], d["drop_rate"], d["double_rate"],
                   d["split_rate"], d["merge_rate"])

    @classmethod
    def fit(cls, pairs: Iterable[Tuple[str, str]], prior_weight: float = 20.0,
            min_count: int = 2) -> "CharNoise":
        """Re-estimate the marked-letter table from real (ocr, clean) line pairs.

        Each letter's distribution is the aligned counts plus the default entry scaled
        to `prior_weight` pseudo-counts.  Plain-letter, drop and merge rates are
        re-estimated too.
        """
        counts, plain = align_counts(pairs)
        base = cls.default()
        table = {}
        for ch in MARKED:
            prior = base.table[ch]
            ptot = sum(w for _, w in prior)
            w: Dict[str, float] = defaultdict(float)
            for o, wt in prior:
                w[o] += prior_weight * wt / ptot
            for o, n in counts.get(ch, {}).items():
                if n >= min_count:
                    w[o] += n
            table[ch] = sorted(w.items(), key=lambda kv: -kv[1])
        model = cls(table)
        if plain["chars"] > 1000:
            model.plain_rate = max(0.001, plain["sub"] / plain["chars"])
            model.drop_rate = max(0.0005, plain["del"] / plain["chars"])
            model.double_rate = max(0.0005, plain["ins"] / plain["chars"])
        if plain["words"] > 1000:
            model.merge_rate = max(0.001, plain["merge"] / plain["words"])
            model.split_rate = max(0.001, plain["split"] / plain["words"])
        return model

    # -- sampling -----------------------------------------------------------------
    def word(self, w: str, rng: random.Random, level: float = 1.0) -> str:
        out = []
        for ch in w:
            low = ch.lower()
            up = ch != low
            entry = self.table.get(low)
            if entry is not None:
                # scale the non-base outputs by `level`
                total = 0.0
                scaled = []
                for o, wt in entry:
                    wt2 = wt if o == strip_diacritics(low) else wt * level
                    scaled.append((o, wt2))
                    total += wt2
                o = _sample(scaled, total, rng)
                if up and low == "đ" and rng.random() < 0.08 * level:
                    o = rng.choice("PB")
                    up = False
                out.append(_recase(o, up))
                continue
            r = rng.random()
            if ch.isalpha():
                if r < self.drop_rate * level:
                    continue
                r -= self.drop_rate * level
                if r < self.double_rate * level:
                    out.append(ch + ch)
                    continue
                r -= self.double_rate * level
                alts = _PLAIN.get(low)
                if alts and r < self.plain_rate * level:
                    o = _sample(alts, sum(x for _, x in alts), rng)
                    out.append(_recase(o, up))
                    continue
            out.append(ch)
        res = "".join(out)
        if len(res) > 3 and rng.random() < self.split_rate * level:
            k = rng.randrange(1, len(res) - 1)
            res = res[:k] + " " + res[k:]
        return res

    def line(self, text: str, rng: random.Random, level: Optional[float] = None) -> str:
        if level is None:
            level = rng.choice((0.4, 0.7, 1.0, 1.0, 1.3, 1.6, 2.0))
        words = text.split(" ")
        out = []
        for i, w in enumerate(words):
            nw = self.word(w, rng, level) if w else w
            if out and nw and out[-1] and rng.random() < self.merge_rate * level:
                out[-1] = out[-1] + nw
            else:
                out.append(nw)
        return " ".join(out)


# -- alignment and statistics -------------------------------------------------------

def _key(tok: str) -> str:
    return strip_diacritics(tok).lower()


def _char_align(clean: str, ocr: str) -> List[Tuple[str, str]]:
    """Levenshtein-align a clean word with its OCR reading; every clean char gets the
    OCR substring it became ('' when dropped; insertions go to the previous char)."""
    a, b = clean.lower(), ocr.lower()
    n, m = len(a), len(b)
    sa = [strip_diacritics(c) for c in a]
    INF = 10 ** 9
    cost = [[INF] * (m + 1) for _ in range(n + 1)]
    back = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c == INF:
                continue
            if i < n and j < m:
                sub = 0 if (b[j] == a[i] or b[j] == sa[i]) else 1
                if c + sub < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1] = c + sub
                    back[i + 1][j + 1] = (i, j, 1)
                if i < n and j + 1 < m:  # one char -> two chars
                    if c + 1.2 < cost[i + 1][j + 2]:
                        cost[i + 1][j + 2] = c + 1.2
                        back[i + 1][j + 2] = (i, j, 2)
            if i < n and c + 1 < cost[i + 1][j]:
                cost[i + 1][j] = c + 1
                back[i + 1][j] = (i, j, 0)
            if j < m and i == 0 and c + 1 < cost[i][j + 1]:  # leading junk
                cost[i][j + 1] = c + 1
                back[i][j + 1] = (i, j, -1)
    pairs: List[Tuple[str, str]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj, k = back[i][j]
        if k >= 0 and pi < i:
            pairs.append((a[pi], b[pj:j]))
        i, j = pi, pj
    pairs.reverse()
    return pairs


def align_word_pairs(ocr_line: str, clean_line: str) -> Tuple[List[Tuple[str, str]], Dict[str, int]]:
    """1:1 word pairs (clean, ocr) of a line pair, and merge/split counts."""
    import difflib
    cw, ow = clean_line.split(), ocr_line.split()
    sm = difflib.SequenceMatcher(None, [_key(w) for w in cw], [_key(w) for w in ow],
                                 autojunk=False)
    out, ev = [], {"merge": 0, "split": 0}
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            out.extend(zip(cw[i1:i2], ow[j1:j2]))
        elif tag == "replace" and i2 - i1 > j2 - j1:
            ev["merge"] += (i2 - i1) - (j2 - j1)
        elif tag == "replace":
            ev["split"] += (j2 - j1) - (i2 - i1)
    return out, ev


def align_counts(pairs: Iterable[Tuple[str, str]]):
    counts: Dict[str, Counter] = defaultdict(Counter)
    plain = Counter()
    for ocr, clean in pairs:
        wp, ev = align_word_pairs(ocr, clean)
        plain["merge"] += ev["merge"]
        plain["split"] += ev["split"]
        plain["words"] += len(clean.split())
        for cw, ow in wp:
            if len(cw) > 15 or len(ow) > 20:
                continue
            for c, o in _char_align(cw, ow):
                if c in MARKED or c == "đ":
                    counts[c][o] += 1
                elif c.isalpha():
                    plain["chars"] += 1
                    if o == "":
                        plain["del"] += 1
                    elif o == c:
                        pass
                    elif len(o) == 2 and o[0] == c:
                        plain["ins"] += 1
                    else:
                        plain["sub"] += 1
    return counts, plain


def noise_stats(noisy_lines: Sequence[str], clean_lines: Sequence[str]) -> Dict[str, float]:
    """Statistics of a noisy text against its clean text (line aligned).

    wrong_base   share of aligned words whose stripped form differs from the clean
                 word's stripped form (a wrong base letter, not just a lost mark)
    exact        share of aligned words that are exactly right (case-insensitive)
    e_acute      share of marked letters that came out as 'é'
    marked_kept  share of marked letters that came out as the same marked letter
    unaligned    share of clean words with no 1:1 partner (merges, splits, junk)
    """
    words = aligned = wrong = exact = 0
    marked = e_ac = kept = 0
    for n, c in zip(noisy_lines, clean_lines):
        wp, _ = align_word_pairs(n, c)
        words += len(c.split())
        aligned += len(wp)
        for cw, ow in wp:
            if _key(cw) != _key(ow):
                wrong += 1
            if cw.lower() == ow.lower():
                exact += 1
            if len(cw) <= 15 and len(ow) <= 20:
                for ch, o in _char_align(cw, ow):
                    if ch in MARKED:
                        marked += 1
                        e_ac += o == "é"
                        kept += o == ch
    return {
        "words": words,
        "unaligned": round(1 - aligned / max(words, 1), 4),
        "wrong_base": round(wrong / max(aligned, 1), 4),
        "exact": round(exact / max(aligned, 1), 4),
        "e_acute": round(e_ac / max(marked, 1), 4),
        "marked_kept": round(kept / max(marked, 1), 4),
    }


def span_length(rng: random.Random) -> int:
    """Words in one drawn span: mostly short, sometimes a long sentence."""
    r = rng.random()
    if r < 0.55:
        return rng.randint(3, 18)
    if r < 0.85:
        return rng.randint(18, 36)
    return rng.randint(36, 64)
