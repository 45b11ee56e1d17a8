"""The user's terms in a document (``Restorer(lexicon=...)``): the candidates they add
to a word, where a term fits the words of a document, and which matches a decoding
took only in part.  The terms themselves are read by :mod:`vidiacritic.userterms`."""
from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from rapidfuzz.distance import Levenshtein

from .candidates import _deletes, skeleton
from .tokens import NUMBER, PUNCT, SPACE, WORD, Token, ocr_reading

# A user term's words: (token index, syllable, whether the term is rare: UserMatcher.rare_term)
UserMatch = Tuple[Tuple[int, str, bool], ...]


class UserMatcher:
    """The user's terms (a vidiacritic.userterms.UserTerms) indexed by the letters of
    their syllables, so that a word's letters find the syllables it could be."""

    def __init__(self, terms, generator, channel, vocab, edits: int, edit_min: int):
        """generator: the CandidateGenerator (its OCR readings of a word); channel: the
        OCR channel that scores a term's syllable for a word; vocab: the language
        model's syllables; edits, edit_min: Config.user_edits, user_edit_min."""
        self.terms, self.generator, self.channel, self.vocab = terms, generator, channel, vocab
        self.edits, self.edit_min = edits, edit_min
        self.by_skeleton: Dict[str, List[Tuple[str, bool, bool]]] = {}
        for syl, (low, cap) in terms.letter_syllables().items():
            self.by_skeleton.setdefault(skeleton(syl), []).append((syl, low, cap))
        self.deletes: Dict[str, set] = {}  # a skeleton less a letter → user skeletons
        for sk in self.by_skeleton:
            for d in _deletes(sk, edits if len(sk) >= edit_min else 0):
                self.deletes.setdefault(d, set()).add(sk)

    def readings(self, text: str) -> List[str]:
        """User-term syllables whose letters `text` reads as (its skeleton, or one of
        the generator's readings of its OCR marks: "Ph&i" → phai; or `edits` letters
        from one of those: "Stung" → sùng), allowed by its case
        (a syllable only ever written with a capital fits capitalized words only)."""
        capital = text[:1].isupper()
        out: List[str] = []
        for reading in self.generator._readings(skeleton(ocr_reading(text))):
            near = {sk for d in _deletes(reading, self.edits) for sk in self.deletes.get(d, ())
                    if sk == reading or (len(sk) >= self.edit_min and Levenshtein.distance(sk, reading) <= self.edits)}
            for sk in sorted(near):
                for syl, low, cap in self.by_skeleton[sk]:
                    if (low or capital) and syl not in out:
                        out.append(syl)
        return out

    def with_candidates(self, text: str, cands: Tuple[Tuple[str, float], ...]):
        """`cands` plus the user-term syllables `text` reads as (readings) that are
        not among them, scored by the OCR channel: a local name's syllable the language
        model never saw ("Phài") can then be chosen where a term says so."""
        have = {f for f, _ in cands}
        extra = [s for s in self.readings(text) if s not in have]
        if not extra:
            return cands
        chans = self.channel.logp_many(ocr_reading(text).lower(), extra)
        return cands + tuple((s, round(float(ch), 4)) for s, ch in zip(extra, chans.tolist()))

    def fit(self, text: str, cset: FrozenSet[str]) -> FrozenSet[str]:
        """The user-term syllables a word could be: among its candidates `cset`
        (which with_candidates extended with those its letters read as)."""
        if not self.by_skeleton:
            return frozenset()
        capital = text[:1].isupper()
        return frozenset(s for s in cset for syl, low, cap in self.by_skeleton.get(skeleton(s), ())
                         if syl == s and (low or capital))

    def matches(self, toks: Sequence[Token], entries: Dict[int, Optional[object]]) -> List[UserMatch]:
        """Where the user's terms fit the document: per match, its words' (token
        index, the term's syllable there).  A term fits words (and numbers) that follow each other with one space
        or line break between them (a hyphen too, where the term has one), each having
        the term's syllable among its candidates and a capital where the term has
        one.  `entries`: each WORD token's vidiacritic.lattice.Entry."""
        words = [i for i, t in enumerate(toks) if t.kind in (WORD, NUMBER)]
        fits: List[FrozenSet[str]] = []
        for i in words:
            entry = entries.get(i)
            fits.append(frozenset([toks[i].text]) if toks[i].kind == NUMBER else
                        entry.user if entry is not None else frozenset())
        seps = [None] + [separator(toks[a + 1 : b]) for a, b in zip(words, words[1:])]
        found: List[UserMatch] = []
        for k in range(len(words)):
            for s in fits[k]:
                for term in self.terms.starting_with(s):
                    if self._term_fits(term.parts, toks, words, fits, seps, k):
                        rare = self.rare_term(term)
                        found.append(tuple((i, part.syllable, rare) for part, i in
                                           zip(term.parts, words[k : k + len(term.parts)]) if toks[i].kind == WORD))
        return [m for m in found if m]

    def rare_term(self, term) -> bool:
        """Whether a term has a syllable outside the language model's vocabulary: the
        model read such a name in its corpus with <unk> in it ("xã sùng <unk>"), so its
        syllables are scored as <unk> too (LatticeBuilder.build), not as the common words
        they may spell.  Other terms (Tân Phong) keep the model's view of their context."""
        return any(p.syllable not in self.vocab for p in term.parts if not p.syllable.isdigit())

    @staticmethod
    def _term_fits(parts, toks, words, fits, seps, k: int) -> bool:
        if k + len(parts) > len(words):
            return False
        for j, part in enumerate(parts):
            i = words[k + j]
            if part.syllable not in fits[k + j] or (part.capital and not toks[i].text[:1].isupper()):
                return False
            if j and seps[k + j] not in (("space", "hyphen") if part.hyphen else ("space",)):
                return False
        return True


def user_choices(found: Sequence[UserMatch]) -> Dict[int, Tuple[str, bool]]:
    """Token index → (the user term's syllable there, the term is rare); where matches
    overlap, the longer term's."""
    out: Dict[int, Tuple[int, str, bool]] = {}
    for match in found:
        for i, syl, rare in match:
            if out.get(i, (0, "", False))[0] < len(match):
                out[i] = (len(match), syl, rare)
    return {i: (syl, rare) for i, (_, syl, rare) in out.items()}


def partial_terms(found: Sequence[UserMatch], runs, metas, decoded) -> List[UserMatch]:
    """The matches of `found` whose words the decoding took some of, not all."""
    if not found:
        return []
    where = {ti: (r, pos) for r, run in enumerate(runs) for pos, ti in enumerate(run)}

    def took(ti: int, syl: str) -> bool:
        r, pos = where[ti]
        forms = metas[r][pos][0]
        return bool(forms) and forms[decoded[r].best[pos]] == syl

    out = []
    for match in found:
        hits = [took(ti, syl) for ti, syl, _ in match]
        if any(hits) and not all(hits):
            out.append(match)
    return out


def separator(between: Sequence[Token]) -> Optional[str]:
    """What lies between two words: "space" (whitespace with at most one line break),
    "hyphen" (a hyphen alone), or None (anything else ends a term's match)."""
    if len(between) != 1:
        return None
    tok = between[0]
    if tok.kind == SPACE and tok.text.count("\n") < 2:
        return "space"
    if tok.kind == PUNCT and tok.text in ("-", "\u2010", "\u2011"):
        return "hyphen"
    return None
