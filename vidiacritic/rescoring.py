"""Decoding: Viterbi over a document's lattices (:mod:`vidiacritic.viterbi`) and, for the
model engine, the seq2seq scorer's second pass, which re-scores the candidates of
each segment with the whole segment in view and decodes again.

Where the scorer votes (models/seq2seq/CARD.md, "How the scorer's votes are used"):
on every word with a choice, except a user term's or a place name's the first pass read
(names_read), and on the number slots of OCR output (vidiacritic.digit_letters: a
number whose letter readings the lattice offers), which sit in the words' sequence
as the words they may stand for.  Its one "unknown" token votes for keeping a word as
written only where the word may be meant as written (may_be_meant): an English word,
an acronym, a single character, a word with a digit; for damage ("bjo", "Ngudfi") and numbers it was the
scorer's doubt, not its reading, and kept the damage (doubtful_keep).
"""
from __future__ import annotations

import unicodedata
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .lexicon import names_after_unit_words
from .viterbi import Decoded, Lattice, chosen_share, decode_batch, memo_grown
from .text import apply_casing, strip_diacritics
from .tokens import NUMBER, SPACE, WORD, Token

_SENTENCE_END = frozenset(".?!;:")


class Rescorer:
    """Decodes lattices with the language model `lm`, and re-scores them with the
    seq2seq `scorer` (None: the statistical and rules engines) under `config`; the
    phrase `lexicon` (None: none) says where the first pass read a place name;
    `english` (English words, lowercase; None: none) which words kept as written
    may be meant so (may_be_meant)."""

    def __init__(self, lm, scorer, config, lexicon=None, english=None):
        self.lm, self.scorer, self.config, self.lexicon = lm, scorer, config, lexicon
        self.english = english if english is not None else frozenset()

    def decode(self, lattices: List[Lattice], memo=None):
        # Decode in slices so that memory stays bounded for very long documents.
        return [d for i in range(0, len(lattices), self.config.decode_slice)
                for d in decode_batch(lattices[i : i + self.config.decode_slice], self.lm, prune_to=self.config.prune_to,
                                      temperature=self.config.confidence_temperature, memo=memo)]

    def decode_around(self, lattices: List[Lattice], decoded, where, memo=None, reach: int = 1):
        """`decoded` with the words within `reach` of each (run, position) of `where`
        decoded again, the rest of each path held: each span is a small lattice with the
        path's two words before and after it as its only candidates (a trigram model
        reads no farther, so the span's best given the rest of the path is exact), or
        the chain's own start or end.  A chain whose lattice grew at a few words
        (LatticeBuilder.widen) costs a few positions to decode, not the chain."""
        spans: Dict[int, List[List[int]]] = {}
        for r, pos in sorted(where):
            lo, hi = max(0, pos - reach), min(len(lattices[r].ids), pos + reach + 1)
            cur = spans.setdefault(r, [])
            if cur and lo <= cur[-1][1] + 4:  # (windows that would overlap or touch: one span)
                cur[-1][1] = max(cur[-1][1], hi)
            else:
                cur.append([lo, hi])
        for r in spans:  # (the grown chains' bigram scores, from those of the chains before)
            memo_grown(memo, lattices[r].ids, {pos: len(decoded[r].marginals[pos]) for q, pos in where if q == r}, self.lm)
        small, places = [], []
        for r, rs in spans.items():
            lat, dec = lattices[r], decoded[r]
            n = len(lat.ids)
            for lo, hi in rs:
                a, b = max(0, lo - 2), min(n, hi + 2)
                ids = [lat.ids[k] if lo <= k < hi else lat.ids[k][dec.best[k]:dec.best[k] + 1] for k in range(a, b)]
                unary = [lat.unary[k] if lo <= k < hi else np.zeros(1) for k in range(a, b)]
                small.append(Lattice(ids, unary))
                places.append((r, a, lo, hi))
        decoded = list(decoded)
        for (r, a, lo, hi), dec in zip(places, self.decode(small, memo)):
            old = decoded[r]
            best, marg = list(old.best), list(old.marginals)
            best[lo:hi] = dec.best[lo - a:hi - a]
            marg[lo:hi] = dec.marginals[lo - a:hi - a]
            decoded[r] = Decoded(best, marg)
        return decoded

    def segments(self, toks: Sequence[Token], slots=frozenset(), joined=frozenset()) -> List[List[int]]:
        """WORD token indices, and the number slots `slots` among them, grouped into the
        spans the scorer reads: paragraphs cut into pieces of at most
        Config.segment_max_words words, preferably at sentence ends (not at the
        punctuation of `joined`: stops a chain goes on across, tokens.stray_stops)."""
        segs: List[List[int]] = []
        cur: List[int] = []
        for i, tok in enumerate(toks):
            if tok.kind == WORD or i in slots:
                cur.append(i)
                if len(cur) >= self.config.segment_max_words:
                    segs.append(cur)
                    cur = []
            elif cur and ((tok.kind == SPACE and tok.text.count("\n") >= 2) or
                          (len(cur) >= self.config.segment_min_words and tok.text in _SENTENCE_END and i not in joined)):
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        return segs

    def refine(self, toks, runs, metas, decoded, first: List[Lattice], memo, letters_only: bool,
               scale: float = 1.0, stray=frozenset(), sure_marks: bool = False, weak=(), grow=None,
               unsure_boost: bool = False):
        """The model engine's second pass: the seq2seq scorer re-scores the candidates
        of every segment the first pass is unsure of, reading the first pass's path as
        the words before each one, and Viterbi decodes again.  Only runs with a scored
        segment are decoded again: the others keep the first pass's path, which their
        unchanged lattices would give again.  `scale`: a factor on the scorer's weight.
        `stray`: the stops the chains were cut across (tokens.stray_stops; vie OCR,
        Restorer._read_document), which end no segment where a run goes on across them.
        `sure_marks`, `unsure_boost`: see rescore.
        `weak`, `grow`: the weak words of Tesseract-eng OCR (LatticeBuilder.widen), where
        the scorer proposes forms of its own, and the function that adds those the
        channel allows to the lattice (LatticeBuilder.grow, bound to the document)."""
        where = {ti: (r, pos) for r, run in enumerate(runs) for pos, ti in enumerate(run)}
        joined = frozenset(i for i in stray
                           if i - 1 in where and where.get(i + 2) == (where[i - 1][0], where[i - 1][1] + 1))
        segs = [(seg, [where[ti] for ti in seg])
                for seg in self.segments(toks, number_slots(toks, runs, metas), joined)]
        extra: Dict[Tuple[int, int], np.ndarray] = {}
        decoded = list(decoded)
        names = self.names_read(toks, runs, metas, decoded)
        grown: Dict[int, Dict[int, int]] = {}
        scored = self.rescore(toks, metas, decoded, segs, extra, letters_only, scale, names, sure_marks,
                              frozenset(weak) if grow is not None else frozenset(), grow, grown,
                              unsure_boost=unsure_boost)
        for r, old in grown.items():
            memo_grown(memo, first[r].ids, old, self.lm)
        again = sorted({r for i in scored for r, _ in segs[i][1]})
        lattices = [Lattice(first[r].ids, [u + extra[(r, pos)] if (r, pos) in extra else u
                                           for pos, u in enumerate(first[r].unary)]) for r in again]
        for r, dec in zip(again, self.decode(lattices, memo)):
            decoded[r] = dec
        return decoded

    def names_read(self, toks, runs, metas, decoded) -> set:
        """(run, position) of the words where the first pass read a lexicon place name
        after its unit word (lexicon.names_after_unit_words: "xã Hồng Ngài" from "xa
        Héng Nell").  The scorer does not vote there, as for a user term: its
        vocabulary holds a name's syllables as rare words at best and lumps the rest
        with the damage, so it pulled such names back to the damage or to common words
        (xã Hồng Nell, xã Phú Tùng for Phù Ủng) although the channel read every word as
        the name's; the n-gram model, the channel and the phrase bonus decide them."""
        if self.lexicon is None or self.config.phrase_bonus == 0:
            return set()
        out = set()
        for r, (run, meta, dec) in enumerate(zip(runs, metas, decoded)):
            chosen = [meta[pos][0][dec.best[pos]] if meta[pos][0] else None for pos in range(len(run))]
            written = [toks[ti].text for ti in run]
            out.update((r, pos) for pos in names_after_unit_words(self.lexicon, chosen, written))
        return out

    def rescore(self, toks, metas, decoded, segs, extra, letters_only: bool, scale: float = 1.0,
                names=frozenset(), sure_marks: bool = False, weak=frozenset(), grow=None,
                grown=None, unsure_boost: bool = False) -> List[int]:
        """Add to `extra` the seq2seq scorer's log-probability of every candidate of
        the segments of `segs` (each a segment's token indices and their (run,
        position) places) the first pass is not sure of, given the segment's text and
        the path `decoded` as the words before each one; returns the indices of the
        segments scored.  The scorer's one "unknown" token scores "keep as written" and
        the syllables outside its vocabulary too.

        letters_only: the scorer reads the text with its marks stripped.  Outside OCR
        output the marks a text has are weighed by the channel and the document's trust
        (vidiacritic.lattice), so the scorer need not read them; reading the letters
        only, it reads a restored text exactly as it read the input, which keeps
        restoring again stable.  `names`: the (run, position) places the scorer leaves
        to the first pass (names_read).

        sure_marks (with letters_only; Tesseract-vie output, Restorer._decode): the words
        the first pass is sure of (chosen_share at least the gate, the same "sure" that
        skips a segment) are read as their chosen forms, marks and all, and only the
        others as letters (sure_source).  Such a text is what the scorer learned from its
        partly stripped lines (scripts/seq2seq/noise.py partial_strip): marked words
        that are right, the words to restore stripped.  Wholly stripped, the marks that
        tell the context's words apart were gone; on the words it is asked about (the
        first pass unsure, the right form among the candidates) its first choice was
        right 536 times of 912 from the letters and 586 from this text (five vie
        training slices; models/seq2seq/CARD.md, session 11).

        unsure_boost: the scorer's vote counts Config.unsure_scorer_factor times more at
        words whose form the first pass chose with a share below Config.unsure_share
        (Restorer._decode: in OCR output not read as marked)."""
        sc, weights = self.scorer, self.config.model
        segments, places, scored = [], [], []
        shares = {}  # (run, position) → the first pass's share for its chosen form (chosen_share)
        boost = self.config.unsure_scorer_factor if unsure_boost else 1.0
        unsure = self.config.unsure_share
        syllable_id, gate = sc.syllable_id, weights.gate  # (looked up once: ~3,500 words a reading)
        for i, (seg_toks, seg) in enumerate(segs):
            prefix = []
            least = 1.0
            sure = {}  # token index → its chosen form, where the first pass is sure of it
            for ti, (r, pos) in zip(seg_toks, seg):
                forms = metas[r][pos][0]
                if forms == [None] and (r, pos) in weak:
                    least = 0.0  # (an orphan the scorer may propose forms for: LatticeBuilder.widen)
                if forms:
                    dec = decoded[r]
                    k = dec.best[pos]
                    prefix.append(syllable_id(forms[k]))
                    share = chosen_share(dec.marginals[pos], forms, k)
                    shares[(r, pos)] = share
                    least = min(least, share)
                    if sure_marks and share >= gate and forms[k] is not None:
                        sure[ti] = forms[k]
                else:
                    prefix.append(0)
            if least >= gate and gate < 1.0:
                continue  # the first pass is sure of every word here
            cands = [sc.syllable_ids(metas[r][pos][0]) for r, pos in seg]
            place = [(r, pos, len(metas[r][pos][0]) > 1, "user" in metas[r][pos][1] or (r, pos) in names,
                      self.doubtful_keep(toks[ti], metas[r][pos][0]))
                     for ti, (r, pos) in zip(seg_toks, seg)]
            if letters_only and sure_marks:
                source = sure_source(toks, seg_toks[0], seg_toks[-1], sure)
            else:
                source = source_text(toks, seg_toks[0], seg_toks[-1])
                source = strip_diacritics(source) if letters_only else source
            segments.append((source, prefix, cands))
            places.append(place)
            scored.append(i)
        weight = scale * weights.weight
        # (a scorer whose vote counts nothing proposes nothing either)
        rows = {(k, j): None for k, place in enumerate(places) for j, (r, pos, *_) in enumerate(place)
                if (r, pos) in weak} if weight != 0.0 and self.config.eng_widen_proposals else {}
        scores = sc.score(segments, rows=rows) if rows else sc.score(segments)
        if rows:
            # (the scorer's likeliest syllables among the most frequent: one product for
            # every weak word, over a sixth of its vocabulary; the whole of it, per batch,
            # had cost 1.8% of the dev OCR report's instructions)
            keys = list(rows)
            states = np.stack([rows[key] for key in keys])
            top = sc.logits(states, np.arange(min(self.config.eng_widen_proposal_vocab + 1, len(sc.out_emb))))
            for (k, j), state, z in zip(keys, states, top):
                r, pos = places[k][j][:2]
                forms = metas[r][pos][0]
                if not grow(r, pos, self.proposals(z, forms, self.config.eng_widen_proposals)):
                    continue
                if grown is not None:
                    grown.setdefault(r, {})[pos] = len(forms)
                # (the word's candidates grew: its scores over all of them, and it now has a choice)
                ids = sc.syllable_ids(metas[r][pos][0])
                segments[k][2][j] = ids
                zc = sc.logits(state[None], ids)[0]
                scores[k][j] = zc - np.logaddexp.reduce(zc)
                places[k][j] = (r, pos, True) + places[k][j][3:]
        for place, lps, (_, _, cands) in zip(places, scores, segments):
            for (r, pos, has_choice, decided, keep), lp, ids in zip(place, lps, cands):
                # (one candidate: nothing to re-rank; a user term's word or a place name's:
                # the term or the first pass decides)
                if has_choice and not decided and weight != 0.0:
                    known = ids != 0
                    if keep >= 0 and known.any():
                        lp = lp.copy()
                        lp[keep] = lp[known].mean()  # no vote for keeping damage
                    # (where the first pass is unsure of its choice the scorer counts more)
                    extra[(r, pos)] = (weight * boost if shares.get((r, pos), 1.0) < unsure else weight) * lp
        return scored

    def proposals(self, row: np.ndarray, forms: Sequence, most: int = 8) -> List[Tuple[str, float]]:
        """The syllables the scorer likes best at a word (`row`: its logits over the
        first syllable ids, Scorer.logits), `most` of them not among `forms`, best first
        (with their logits less the best one's: log-probabilities up to a constant)."""
        sc = self.scorer
        have = set(forms)
        n = min(most + len(forms), len(row) - 1)
        top = np.argpartition(-row, n)[: n + 1]
        out = []
        for i in top[np.argsort(-row[top], kind="stable")]:
            f = sc.syllable(int(i))
            if f is not None and f not in have:
                out.append((f, float(row[i] - row[top].max())))
                if len(out) >= most:
                    break
        return out

    def doubtful_keep(self, tok: Token, forms: Sequence) -> int:
        """The index of "keep as written" among `forms` when the scorer's vote for it
        is no evidence, else -1: `tok` is a word that cannot be meant as written (not
        may_be_meant), or a number slot.  The scorer's one "unknown" token stands for
        every word outside its vocabulary, so on damage ("bjo" báo, "Ngudfi" Người,
        "Corguan" Cơ quan) it is the scorer's doubt: it outvoted the damaged word's
        readings and kept the damage.  A number the scorer never learned to read (its
        training pairs skip numbers): its vote for the number kept "6" for ở.  Such a
        keep gets the mean of the readings' votes; whether a number may be letters at
        all stays the lattice's (digit_letters: the number's context, DIGIT_MARGIN)."""
        if None not in forms or (tok.kind == WORD and self.may_be_meant(tok.text)):
            return -1
        return forms.index(None)

    def may_be_meant(self, text: str) -> bool:
        """Whether a word kept as written may be meant so: an English word, an acronym
        (all capitals), a single character (a list letter, "x" for times), a word with
        a digit (a unit or a name: "m3", "Galaxy S8"; "s6" for số the lattice reads).
        A single character is one with nothing but punctuation beside it (‘a): a letter
        glued to a symbol (`¢t` for cứu) is damage, and keeping it had made a second
        reading mend what the first kept, and a third reading necessary."""
        word = text if text.isalnum() else "".join(c for c in text if c.isalnum())
        return (_single_character(text) or (word.isalpha() and word.isupper()) or word.lower() in self.english
                or any(c.isdigit() for c in word))


def _single_character(text: str) -> bool:
    """Whether `text` is one character, punctuation aside (Rescorer.may_be_meant)."""
    return len(text) < 2 or sum(not unicodedata.category(c).startswith("P") for c in text) < 2


def number_slots(toks: Sequence[Token], runs, metas) -> frozenset:
    """The number tokens whose lattice slot offers letter readings (the digits read for
    letters of OCR output: vidiacritic.digit_letters): the scorer reads them as the
    words they may be, in their place among the words.  Left out, a "46" for đó both
    went unvoted and put every later word of its segment one place off the words the
    scorer was reading.  A number the lattice keeps as written is no slot."""
    return frozenset(ti for r, run in enumerate(runs) for pos, ti in enumerate(run)
                     if toks[ti].kind == NUMBER and len(metas[r][pos][0]) > 1)


def source_text(toks: Sequence[Token], first: int, last: int) -> str:
    """The input text from token `first` to `last`, line breaks as spaces (the scorer
    was trained on single lines)."""
    return " ".join("".join(t.text for t in toks[first:last + 1]).split())


def sure_source(toks: Sequence[Token], first: int, last: int, sure: Dict[int, str]) -> str:
    """The text from token `first` to `last` as the scorer reads it with sure_marks
    (Rescorer.rescore): each word of `sure` (token index → the form the first pass is
    sure of) as that form in the word's casing, every other token without its marks;
    line breaks as spaces (source_text)."""
    text = "".join(apply_casing(sure[i], toks[i].text) if i in sure and toks[i].kind == WORD
                   else strip_diacritics(toks[i].text) for i in range(first, last + 1))
    return " ".join(text.split())
