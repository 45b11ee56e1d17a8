"""Lattice building: each word's candidates with their channel scores, the score of
keeping a word as written, the document's trust in its marks, and the bonuses of
lexicon phrases and user terms; one :class:`vidiacritic.viterbi.Lattice` per chain of
words, decoded by :mod:`vidiacritic.rescoring`."""
from __future__ import annotations

import operator
import re
from typing import Dict, FrozenSet, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from . import digit_letters, fixes
from .viterbi import Lattice, chosen_share
from .candidates import CHANNEL_BEAM
from .lexicon import UNIT_OPENINGS, place_name_words
from .marks import ENG_OCR, VIE_OCR, DocumentReading, keeps_marks, letters_and_tone, quality_counts
from .text import normalize_syllable, split_tone, strip_diacritics
from .tokens import (LONE_DEBRIS, NUMBER, PUNCT, SPACE, VOWEL, WORD, Token, capital_i_reading, is_measure,
                     ocr_debris_reading, ocr_reading, unit_after_number)


class Entry(NamedTuple):
    """One distinct token's candidates (LatticeBuilder.entry)."""

    forms: list  # normalized syllables; None means "keep as written"
    ids: np.ndarray  # their LM ids
    scores: np.ndarray  # channel scores (weighted); the keep penalty for None
    cset: FrozenSet[str]  # the syllables among forms
    written: Optional[str]  # the token as a normalized syllable, if it is all letters
    same: int  # index of `written` in forms, or -1 (no syllable of the vocabulary)
    keep: int  # index of None in forms, or -1
    toned: Tuple[int, ...]  # indices of the forms that are `written` with a tone mark added
    lookup: FrozenSet[str]  # cset and `written`: what lexicon phrases are matched against
    user: FrozenSet[str] = frozenset()  # user-term syllables among forms (UserMatcher.fit)
    extra: Tuple[int, ...] = ()  # indices of the forms only the user terms made candidates


# Quotation marks: a chain's soft punctuation made of these alone does not cut a
# lexicon phrase (LatticeBuilder.phrase_bonus).
QUOTE_MARKS = frozenset('“”"‘’\'«»„')


def _quote_only(text: str) -> bool:
    return bool(text) and all(c in QUOTE_MARKS for c in text)


# The word that names an article before its code (fixes.names_article).
ARTICLE_WORD = "điều"


# The longest token read as an orphan (LatticeBuilder._orphan): a syllable has at most 7
# letters, and Tesseract-eng damage of one (`lutemng` lương, `thertmg` thường) rarely more.
ORPHAN_LETTERS = 8


class LatticeBuilder:
    """Builds the lattices of a document's chains (ngram: the language model's
    vocabulary; generator: the CandidateGenerator; lexicon: the phrase lexicon or None;
    reader: the vidiacritic.reading.DocumentReader; users: the
    vidiacritic.user_matching.UserMatcher; config: the Restorer's Config)."""

    def __init__(self, ngram, generator, lexicon, reader, users, config, context: bool = True):
        self.ngram, self.generator, self.lexicon = ngram, generator, lexicon
        self.context = context  # whether the decoder's language model reads context (not: rules)
        self.reader, self.users, self.config = reader, users, config
        self._entries: Dict[tuple, tuple] = {}
        # (entry's answers by its own arguments, one table per reading: its cache key
        # above is derived from them at a cost each call, and the dev OCR report asks for
        # its words' entries some 12,000 times, a few times each word; the table of the
        # reading asked last is at hand, as (reading, table), so that a look-up hashes no
        # DocumentReading, a dataclass that hashes its fields at each call)
        self._entry_args: Dict[Optional[DocumentReading], Dict[tuple, "Entry"]] = {None: {}}
        self._entry_table: Tuple[Optional[DocumentReading], Dict[tuple, "Entry"]] = (None, self._entry_args[None])
        self._entry_count = 0
        self._widen_cache: Dict[tuple, list] = {}  # (widen)
        self._bonus_cache: Dict[tuple, tuple] = {}  # (_with_bonus)
        self._syl = None  # the vocabulary's syllables and their LM ids (widen)

    def forget_entries(self) -> None:
        """Empty the entry caches (entry, _with_bonus): a caller that changed what
        the candidates are made of (scripts/measure_ocr_forms.py swaps the OCR forms)."""
        self._entries.clear()
        self._entry_args = {None: {}}
        self._entry_table = (None, self._entry_args[None])
        self._entry_count = 0
        self._bonus_cache.clear()

    def keep_logp(self, token: str, ocr_document: bool):
        """Score of leaving `token` unchanged, or None when it is a known syllable
        (then the identity candidate already stands for "keep")."""
        if normalize_syllable(token) in self.ngram.vocab:
            return None
        if self.reader.has_ocr_marks(token):
            return self.config.lower_keep_logp  # OCR damage: s6
        if token.lower() in self.generator.forms:
            if (not ocr_document or self.config.ocr_rare_caps) and self.rare_caps(token):
                return self.config.acronym_keep_logp  # EU: the syllables it spells (êu, ếu) are rare
            return self.config.lower_keep_logp  # a syllable without its marks: HUYEN
        if len(token) >= 2 and token.isupper():
            return self.config.acronym_keep_logp  # MTTQ, UBND
        if ocr_document and (not any(c.isupper() for c in token) or token[0].islower()):
            return self.config.lower_keep_logp  # phd, chire; cGing, cSng (a capital inside: damage, no name)
        return self.config.keep_logp

    def rare_caps(self, token: str) -> bool:
        """Whether `token` is all capitals (two letters or more) whose skeleton's syllables
        are rare (Config.acronym_skeleton_logp): written so, it is an acronym."""
        cut = self.config.acronym_skeleton_logp
        return cut is not None and len(token) >= 2 and token.isupper() and token.isalpha() \
            and self.generator.skeleton_frequency(token) < np.exp(cut)

    def entry(self, text: str, ocr_document: bool, reading: Optional[DocumentReading] = None,
              context: Optional[Tuple[Optional[str], Optional[str]]] = None) -> Entry:
        """Per distinct token: its candidates (an Entry); cached, since a document
        repeats its words.  A word of a document read as marked gets the marks
        channel's candidates (DocumentReader.marked_candidates; `context`: the words
        before and after it as written, in vie OCR, which propose more)."""
        held, table = self._entry_table
        if held is not reading:
            table = self._entry_args.setdefault(reading, {})
            self._entry_table = (reading, table)  # (one assignment: a thread sees a pair)
        args = (text, ocr_document, context)
        hit = table.get(args)
        if hit is None:
            hit = self._entry(text, ocr_document, reading, context)
            self._entry_count += 1
            if self._entry_count > 200_000:
                self._entry_args.clear()
                self._entry_count = 0
                table = self._entry_args[reading] = {}
                self._entry_table = (reading, table)
            table[args] = hit
        return hit

    def _entry(self, text: str, ocr_document: bool, reading: Optional[DocumentReading],
               context: Optional[Tuple[Optional[str], Optional[str]]]) -> Entry:
        """entry() computed: its key from its arguments, and the Entry (cached by that key)."""
        # OCR output (Tesseract-eng, or a document read as Tesseract-vie, which its share
        # of OCR marks rarely calls OCR output) glues debris to words that typed text
        # may mean: "_xã", "tð" are read as "xã", "tô" (tokens.ocr_debris_reading).
        ocr_like = ocr_document or (reading is not None and reading.kind == VIE_OCR)
        read = ocr_debris_reading(text) if ocr_like else text
        # A typed document without marks that is surely no OCR output (log P(OCR output |
        # its words) below the channel's beam: DocumentReader.ocr_odds) reads its words
        # with marks added only, none with the OCR channel's letter edits.
        marks_only = reading is not None and reading.ocr_odds is not None and not ocr_like \
            and -float(np.logaddexp(0.0, -reading.ocr_odds)) < -CHANNEL_BEAM
        # In a document read as marked (Tesseract-vie output, typed text with marks) a
        # word with a digit is a code or a name ("động cơ V8", "4G"), kept as written:
        # Tesseract-vie writes marked vowels, not the digits Tesseract-eng reads for them
        # (on the fourteen vie training slices 536 such words were the text's own, none
        # was read right as a syllable).  A typed line with one such word counts as OCR
        # output by its share of OCR marks (is_ocr_document), and read so, V8 became Và.
        digits_kept = reading is not None and reading.marked and not read.isalpha() \
            and any(c.isdigit() for c in read)  # (a word of letters has no digit)
        if reading is not None and not (reading.marked and read.isalpha()):
            reading = None  # read through the OCR channel
        if reading is None:
            context = None
        key = (text, ocr_document, reading, context, ocr_like, marks_only, digits_kept)  # (the config is frozen: one cache per builder)
        hit = self._entries.get(key)
        if hit is None:
            # Outside OCR output a single consonant is a letter (điểm đ, khoản b), not a
            # damaged syllable, and a lone & ¢ ¥ is itself.  (Longer vowelless tokens
            # stay candidates: "phd" may be phố in a line too short to look like OCR.)
            # A word with a digit is OCR damage only in OCR output ("16i" lối); in typed
            # text it is a measure, a code or a name ("1m", "3ha", "4G", "A1"), kept.
            kept = (not ocr_document and (read in LONE_DEBRIS or any(c.isdigit() for c in read) or
                                          len(read) == 1 and not VOWEL.match(strip_diacritics(read)))
                    or is_measure(text) or read.startswith("_") or digits_kept)  # ("_xã" outside OCR output: as written)
            cands = () if kept else (self.reader.marked_candidates(read, reading, context) if reading is not None
                                     else self.generator.ocr_candidates(ocr_reading(read)) if ocr_document
                                     else self.generator.candidates(ocr_reading(read)))
            if cands and (marks_only or not ocr_like and self.config.caps_marks_only and len(read) >= 2
                                                 and read.isupper()):
                sk = strip_diacritics(read.lower())  # typed capitals, or surely typed: marks added only
                cands = [c for c in cands if strip_diacritics(c[0]) == sk]
            syl = normalize_syllable(text)
            if cands and reading is None and not ocr_document and syl not in self.ngram.vocab:
                cands = self._with_kept_marks(read, cands)
            if ocr_document and reading is None and not kept and self.config.capital_i_logp is not None:
                cands = self._with_capital_i_read_as_l(text, cands)
            written = syl if syl.isalpha() else None
            n_base = len(cands)
            if self.users.by_skeleton and not kept:
                cands = self.users.with_candidates(text, tuple(cands))
            if not cands:
                hit = Entry([], np.array([self.ngram.unk_id]), np.zeros(1), frozenset(), written, -1, -1, (),
                            frozenset([written] if written else []))
            else:
                forms: list = [c for c, _ in cands]
                ids = [self.ngram.vocab.get(f, self.ngram.unk_id) for f in forms]
                scores = [self.config.channel_weight * s for _, s in cands]
                keep = self.keep_logp(text, ocr_document)
                if keep is not None and reading is not None:
                    keep = self.reader.marked_keep_logp(text, keep, reading)
                cset = frozenset(forms)
                if keep is not None:
                    forms.append(None)
                    ids.append(self.ngram.unk_id)
                    scores.append(keep)
                toned = () if written is None or split_tone(written)[1] else tuple(
                    k for k, f in enumerate(forms) if f is not None and f != written
                    and split_tone(f)[0] == written)
                hit = Entry(forms, np.array(ids), np.array(scores), cset, written,
                            forms.index(syl) if syl in cset else -1, len(forms) - 1 if keep is not None else -1,
                            toned, cset if written is None or written in cset else cset | {written},
                            self.users.fit(text, cset), tuple(range(n_base, len(cands))))
            if len(self._entries) > 200_000:
                self._entries.clear()
            self._entries[key] = hit
        return hit

    def _with_kept_marks(self, text: str, cands):
        """A typed word that kept some marks and lost others (`Đieu`, `đong`, `nhiêm`) in a
        document read as typed without marks: its readings as a stripped word that keep
        every mark it has (điều), at the stripped word's cost.  The OCR channel alone
        charges each missing mark as OCR damage, while here the typist dropped them."""
        stripped = strip_diacritics(text)
        if stripped == text or not text.isalpha():
            return cands
        return with_reading(cands, ((f, s) for f, s in self.generator.candidates(stripped) if keeps_marks(text, f)))

    def _with_capital_i_read_as_l(self, text: str, cands):
        """An OCR word opening with a capital I and lowercase letters (tokens.capital_i_reading):
        also the candidates of its l reading, each at Config.capital_i_logp more than
        that reading's own channel score.  The lowercased word's candidates alone reach
        lợi from "Igi" but not lựa from "Iya" (two letters away from "lua")."""
        l_text = capital_i_reading(text)
        if l_text is None:
            return cands
        cost = self.config.capital_i_logp
        return with_reading(cands, ((f, s + cost) for f, s in self.generator.ocr_candidates(ocr_reading(l_text))))

    def widen(self, toks: Sequence[Token], runs, lattices: List[Lattice], metas: list, decoded: list,
              reading: Optional[DocumentReading], orphans: bool = False,
              foreign=frozenset()) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
        """Tesseract-eng OCR (Config.eng_widen; a decoder that reads context), and with
        Config.vie_widen Tesseract-vie output too: a word the
        first decoding (`decoded`) left weak gets the forms that the syllables decoded
        beside it make likely (_context_forms).  Weak: the damage kept as written (not an
        acronym: MTTQ, which a loud random scorer of the tests read as CỦA), or a
        form chosen with less than Config.eng_widen_confidence whose own score in the
        lattice is below Config.eng_widen_channel (a word the channel explains well has
        its right form among its candidates already).  Poor scans damage words beyond
        the 24 forms the channel ranks first and beyond two edits of their skeleton
        (trtding for trường, mige for mục): their context never saw the right form.
        The lattices and metas are extended in place (the new forms at their channel
        scores, no phrase bonus); returns the (chain, position) of each word that grew,
        for Rescorer.decode_around, and of every weak word (the seq2seq scorer proposes
        forms there too: grow).  With `orphans` (the model engine, Config.eng_orphan_floor),
        Tesseract-eng damage with no candidate at all that is no `foreign` word
        (_orphan: `lutemng`) is weak too, its slot now "keep as written" at keep_logp's
        score, for the scorer's proposals alone.  Only the weak words cost anything: a
        few percent of a document's words.  In Tesseract-vie output a poor scan damages
        words as far (Hdưmh for thẩm, -€d for cơ): beyond the marks channel's letter and
        tone readings, which go one letter away."""
        cfg = self.config
        kinds = (ENG_OCR, VIE_OCR) if cfg.vie_widen else (ENG_OCR,)
        if not (cfg.eng_widen and self.context) or reading is None or reading.kind not in kinds:
            return [], []
        unk, conf = self.ngram.unk_id, cfg.eng_widen_confidence
        changed, weak = [], []
        least = cfg.eng_widen_channel * cfg.channel_weight
        for r, (run, meta, dec) in enumerate(zip(runs, metas, decoded)):
            lat = lattices[r]
            for pos, ti in enumerate(run):
                forms = meta[pos][0]
                if not forms:
                    if orphans and reading.kind == ENG_OCR and ti not in foreign and self._orphan(toks, ti):
                        # (keep as written becomes a choice at its usual score: grow may add others)
                        lat.unary[pos] = np.array([self.keep_logp(toks[ti].text, True)])
                        meta[pos] = ([None], [False])
                        weak.append((r, pos))
                    continue
                k = dec.best[pos]
                if forms[k] is not None and (lat.unary[pos][k] > least or dec.marginals[pos][k] >= conf
                                             or chosen_share(dec.marginals[pos], forms, k) >= conf):
                    continue
                if toks[ti].kind != WORD or dotted_initial(toks, ti):
                    continue  # (a letter of initials is no damaged word: build keeps it a letter)
                if forms[k] is None and self.keep_logp(toks[ti].text, True) == cfg.acronym_keep_logp:
                    continue  # an acronym kept as written (MTTQ) is no damage to mend
                weak.append((r, pos))
                left = int(lat.ids[pos - 1][dec.best[pos - 1]]) if pos > 0 else self.ngram.bos_id
                right = int(lat.ids[pos + 1][dec.best[pos + 1]]) if pos + 1 < len(run) else self.ngram.eos_id
                left, right = (None if left == unk else left), (None if right == unk else right)
                if left is None and right is None:
                    continue
                new = self._context_forms(toks[ti].text, left, right)
                new = [(f, s) for f, s in new if f not in forms][: cfg.eng_widen]
                if not new:
                    continue
                self._append_forms(lat, meta, pos, new)
                changed.append((r, pos))
        return changed, weak

    def _orphan(self, toks: Sequence[Token], ti: int) -> bool:
        """Whether token ti, kept for want of candidates, is Tesseract-eng damage that the
        scorer may read (Config.eng_orphan_floor): a word of 3 to ORPHAN_LETTERS letters, no
        acronym, that the channel reaches with no candidate (`lutemng`).  A longer one is
        rather a foreign name (`Imaginifer`, which the scorer read as Mạng) or words the
        OCR ran together (`phuangtrinh`), which one syllable would not restore."""
        tok = toks[ti]
        text = ocr_debris_reading(tok.text)
        return tok.kind == WORD and 3 <= len(text) <= ORPHAN_LETTERS and text.isalpha() \
            and not dotted_initial(toks, ti) \
            and self.keep_logp(tok.text, True) != self.config.acronym_keep_logp \
            and not self.generator.ocr_candidates(self._channel_obs(tok.text))

    def grow(self, toks: Sequence[Token], runs, lattices: List[Lattice], metas: list, r: int, pos: int,
             proposed: Sequence[Tuple[str, float]]) -> int:
        """Word `pos` of chain `r` (a weak word: widen) gets the forms of `proposed`
        ((syllable, the seq2seq scorer's log-probability there), best first) that the
        channel allows, within Config.eng_widen_proposal_beam of the word's best channel score:
        the Config.eng_widen best by channel + scorer, at their channel scores (an
        orphan's, which has no candidate to measure them against: _orphan_scores).
        Returns how many it got."""
        cfg = self.config
        forms = metas[r][pos][0]
        new = [(f, lp) for f, lp in proposed if f in self.ngram.vocab and f not in forms]
        if not new:
            return 0
        text = toks[runs[r][pos]].text
        within = self._channel_within(text, [f for f, _ in new], cfg.eng_widen_proposal_beam)
        if within is not None:
            chans = within[0]
        elif cfg.eng_orphan_floor is not None and forms == [None]:
            chans = self._orphan_scores(text, [f for f, _ in new])
        else:
            return 0
        score = chans + np.array([lp for _, lp in new])
        keep = [j for j in np.argsort(-score, kind="stable")[: cfg.eng_widen] if np.isfinite(score[j])]
        self._append_forms(lattices[r], metas[r], pos, [(new[j][0], round(float(chans[j]), 4)) for j in keep])
        return len(keep)

    def _orphan_scores(self, text: str, forms: Sequence[str]) -> np.ndarray:
        """The lattice scores of `forms` proposed at an orphan `text` (Config.eng_orphan_floor):
        -inf where the channel gives a form less than the floor per letter, the best of
        the others at the score of keeping `text`, the rest below it by their channel
        scores.  (No candidate of its own to measure them against: the channel's scores
        of such damage, -19 to -30 for `thufémg` thưởng and `thertmg` thường, are far
        below keeping's, which the scorer's vote and the language model never made up.)"""
        obs = self._channel_obs(text)
        chans = self.generator.channel.logp_many(obs, forms)
        ok = chans >= self.config.eng_orphan_floor * len(obs)
        if not ok.any():
            return np.full(len(forms), -np.inf)
        return np.where(ok, chans - chans[ok].max() + self.keep_logp(text, True), -np.inf)

    @staticmethod
    def _channel_obs(text: str) -> str:
        """A weak word as the OCR channel reads it (widen, grow, and whether it is an
        orphan: one reading, so that an orphan is a word _channel_within finds no
        candidate for): debris read past, OCR reading, lowercase."""
        return ocr_reading(ocr_debris_reading(text)).lower()

    def _channel_within(self, text: str, forms: Sequence[str], beam: float) -> Optional[Tuple[np.ndarray, int]]:
        """The OCR channel's log P(`text` | form) of each of `forms`, -inf where it is more
        than `beam` below the best of the word's own candidates, and how many those are;
        None when it has none (widen and grow bring in no form the letters barely allow)."""
        obs = self._channel_obs(text)
        own = self.generator.ocr_candidates(obs)
        if not own:
            return None
        chans = self.generator.channel.logp_many(obs, forms)
        return np.where(chans >= max(s for _, s in own) - beam, chans, -np.inf), len(own)

    def _append_forms(self, lat: Lattice, meta: list, pos: int, new: Sequence[Tuple[str, float]]) -> None:
        """Position `pos` of a lattice and its metas gets the forms of `new` ((syllable,
        channel score)), at their channel scores, no phrase bonus (widen, grow)."""
        if not new:
            return
        lat.ids[pos] = np.concatenate([lat.ids[pos], [self.ngram.vocab[f] for f, _ in new]])
        lat.unary[pos] = np.concatenate([lat.unary[pos], [self.config.channel_weight * s for _, s in new]])
        meta[pos] = (list(meta[pos][0]) + [f for f, _ in new], list(meta[pos][1]) + [False] * len(new))

    def _context_forms(self, text: str, left: Optional[int], right: Optional[int]) -> List[Tuple[str, float]]:
        """(form, channel score) of the syllables between LM ids `left` and `right` (None:
        no word there), best first by channel + bigrams: the Config.eng_widen_pool
        likeliest by the bigrams alone, within Config.eng_widen_beam of the best channel
        score of the word's own candidates."""
        key = (text, left, right)
        hit = self._widen_cache.get(key)
        if hit is not None:
            return hit
        cfg = self.config
        if self._syl is None:
            words = [w for w in self.generator.log_prior if w in self.ngram.vocab]
            self._syl = (words, np.array([self.ngram.vocab[w] for w in words], dtype=np.int64))
        words, ids = self._syl
        fit = np.zeros(len(ids), dtype=np.float32)
        if left is not None:
            fit += self.ngram.bigram_lookup(np.full(len(ids), left, dtype=np.int64), ids)
        if right is not None:
            fit += self.ngram.bigram_lookup(ids, np.full(len(ids), right, dtype=np.int64))
        m = min(cfg.eng_widen_pool, len(ids))
        top = np.argpartition(-fit, m - 1)[:m]
        forms = [words[i] for i in top]
        within = self._channel_within(text, forms, cfg.eng_widen_beam)
        hit = []
        if within is not None:
            chans, n_own = within
            score = np.where(np.isfinite(chans), cfg.channel_weight * chans + fit[top], -np.inf)
            for j in np.argsort(-score, kind="stable")[: cfg.eng_widen + n_own]:
                if np.isfinite(score[j]):
                    hit.append((forms[j], round(float(chans[j]), 4)))
        if len(self._widen_cache) > 100_000:
            self._widen_cache.clear()
        self._widen_cache[key] = hit
        return hit

    def kept_entry(self, text: str, lm_id: Optional[int] = None) -> "Entry":
        """An entry without candidates: the token is kept as written (a foreign word),
        seen by the language model as `lm_id` (default <unk>)."""
        return Entry([], np.array([self.ngram.unk_id if lm_id is None else lm_id]), np.zeros(1), frozenset(),
                     None, -1, -1, (), frozenset())

    def build(self, toks: Sequence[Token], run: Sequence[int], ocr_document: bool,
              reading: Optional[DocumentReading] = None,
              by_line: Optional[Dict[int, DocumentReading]] = None,
              trust: Tuple[float, float] = (0.0, 0.0), foreign=frozenset(),
              user: Optional[Dict[int, Tuple[str, bool]]] = None, phrase_weight: Optional[float] = None,
              place_names: Optional[Mapping[str, Tuple[Tuple[str, ...], ...]]] = None):
        """The lattice of one chain.  `reading` (by_line: per word, for vie OCR) is how
        the document was read (marks channel), `trust` the typed document's
        DocumentReader.document_trust; a foreign word (fixes.foreign_words) gets no candidates: it
        is kept as written.  `user` (user_matching.user_choices): token index → the user term's
        syllable there (and whether the term is rare), which gets Config.user_bonus instead of the phrase lexicon's bonus.
        `phrase_weight`: the phrase bonus, where the document sets it (else bonus_weight's).
        `place_names`: the place names the document writes after their unit word, by
        their first syllable (document_place_names), which get the bonus where they
        stand alone too.
        Each position's meta is (forms, hits): hits[k] is "user" where form k is a
        user term's, True where a lexicon phrase's, else False."""
        ids, unary, meta = [], [], []
        num = (np.array([self.ngram.num_id]), np.zeros(1))
        punct = (np.array([self.ngram.p_id]), np.zeros(1))  # (in a run only when the LM has <p>)
        if user:
            foreign = foreign - user.keys()
        # OCR of another domain: less than half the phrase bonus (Restorer._phrase_weight)
        other_domain = self.other_domain(phrase_weight, reading)
        entries = [self.entry_at(toks, ti, ocr_document, reading, by_line, foreign, other_domain) for ti in run]
        bonus, written_phrases, names, units = self.phrase_bonus(entries, [toks[ti].text for ti in run],
                                                                 self.bonus_weight(reading) if phrase_weight is None
                                                                 else phrase_weight, place_names)
        for pos, ti in enumerate(run):
            if user and ti in user:
                bonus[pos] = {user[ti][0]: self.config.user_bonus}
        for pos, entry in enumerate(entries):
            if entry is None:  # a number, seen by the LM as <num>, or soft punctuation, as <p>
                fixed = punct if toks[run[pos]].kind == PUNCT else num
                ids.append(fixed[0])
                unary.append(fixed[1])
                meta.append(([], []))
                continue
            forms, form_ids, scores = entry.forms, entry.ids, entry.scores
            # A syllable is as written with probability a, written with its tone mark
            # dropped with probability c, else it went through the channel:
            # P(obs | x) = a [x = obs] + c [x less its tone = obs] + (1 - a - c) P_channel.
            # Divided by (1 - a - c), the same for every candidate of a word, the channel
            # scores stay, the as-written candidate's becomes log(a / (1 - a - c) + P)
            # and those of its toned forms log(c / (1 - a - c) + P).  A word of a lexicon
            # phrase written exactly (marks included) is as written unless both the
            # document and the phrase mislead (Config.lexicon_written); a name's syllable
            # outside the vocabulary is then kept as written.
            same, (a, c) = entry.same, trust
            if pos in written_phrases:
                same = same if same >= 0 else entry.keep
                lw = self.config.lexicon_written
                a, c = 1.0 - (1.0 - a) * (1.0 - lw), c * (1.0 - lw)
            if (a > 0.0 and same >= 0) or (c > 0.0 and entry.toned):
                scores = scores.copy()
                w, rest = self.config.channel_weight, 1.0 - a - c
                if a > 0.0 and same >= 0:
                    scores[same] = w * np.logaddexp(np.log(a / rest), scores[same] / w)
                if c > 0.0 and entry.toned:
                    toned = list(entry.toned)
                    scores[toned] = w * np.logaddexp(np.log(c / rest), scores[toned] / w)
            # (a word without candidates, kept as written, takes no bonus: its one score
            # is the decoder's "keep", and a bonus list of no forms would empty it)
            # (nor does a number's reading as letters, digit_letters: a phrase its
            # letters would complete is no evidence that the number is a word; "tổ
            # chức 18 hội nghị" had read 18 as the lễ of "lễ hội")
            b = bonus.get(pos) if forms and toks[run[pos]].kind != NUMBER else None
            if b:
                hit = "user" if user and run[pos] in user else True
                scores, hits = self._with_bonus(entry, scores, b, hit)
                if user and run[pos] in user and user[run[pos]][1]:
                    # The language model read such a name in its corpus with <unk> in
                    # it (UserMatcher.rare_term): its words are scored like one.
                    form_ids = np.where([f == user[run[pos]][0] for f in forms], self.ngram.unk_id, form_ids)
            else:
                hits = [False] * len(forms)
            if entry.extra and not (user and run[pos] in user):
                # Forms that only a user term made candidates serve where a term matched.
                forms, form_ids, scores, hits = without(entry.extra, forms, form_ids, scores, hits,
                                                        self.ngram.unk_id)
            if pos in names and not (user and run[pos] in user):
                forms, form_ids, scores, hits = as_unknown_too(names[pos], forms, form_ids, scores, hits,
                                                               self.ngram.unk_id)
            if len(forms) > 1 and dotted_initial(toks, run[pos]):
                # One letter of initials joined by dots ("U.S.", "T.Ư") is a letter,
                # marked or not (U, Ư), never a syllable of more letters (S read Sở).
                drop = [k for k, f in enumerate(forms) if f is not None and len(f) > 1]
                forms, form_ids, scores, hits = without(drop, forms, form_ids, scores, hits, self.ngram.unk_id)
            if len(forms) > 1 and dotted_beside_letter(toks, run[pos]):
                # A word joined by a dot to one letter ("a.at") is no letter itself: read
                # as one ("a.a") the two would be initials, which text is read as (an
                # abbreviation, kept), so its output would not read as it was read.
                drop = [k for k, f in enumerate(forms) if f is not None and len(f) < 2]
                if drop:
                    forms, form_ids, scores, hits = without(drop, forms, form_ids, scores, hits, self.ngram.unk_id)
            if pos in units and not (user and run[pos] in user):
                # The unit word before such a name is the phrase's: read as another word
                # ("phương" for phường) its name would still be scored as unknown words.
                drop = [k for k, f in enumerate(forms) if f not in units[pos]]
                if len(drop) < len(forms):  # (some form is the phrase's)
                    forms, form_ids, scores, hits = without(drop, forms, form_ids, scores, hits, self.ngram.unk_id)
            if len(forms) > 1 and ARTICLE_WORD in forms and fixes.names_article(toks, run[pos]):
                # The word before an article code is Điều (fixes.names_article), which the
                # chain, cut at the code, cannot see.
                drop = [k for k, f in enumerate(forms) if f != ARTICLE_WORD]
                forms, form_ids, scores, hits = without(drop, forms, form_ids, scores, hits, self.ngram.unk_id)
            ids.append(form_ids)
            unary.append(scores)
            meta.append((forms, hits))
        return Lattice(ids, unary), meta

    def _with_bonus(self, entry: Entry, scores: np.ndarray, bonus: Dict[str, float],
                    hit) -> Tuple[np.ndarray, list]:
        """A position's scores with its phrase or user bonus `bonus` ({syllable: bonus})
        added, and its hits (`hit` at each form of the bonus, else False): build.
        Remembered for an entry's own scores: most positions of a document get a bonus
        (8,700 of the dev OCR report's 9,700), mostly the same as the same word's
        elsewhere.  (The entry is kept with them, so its id stays its own; the scores
        array is shared, as an entry's own scores are: no lattice changes a position's
        scores in place.  The hits list is each position's own.)"""
        key = (id(entry), tuple(bonus.items()), hit) if scores is entry.scores else None
        known = self._bonus_cache.get(key) if key is not None else None
        if known is not None:
            return known[1], list(known[2])
        forms = entry.forms
        add, hits = [0.0] * len(forms), [False] * len(forms)
        # (each bonus syllable found among the forms by the list's own search: a
        # position has a few bonus syllables and up to 30 forms)
        for f, v in bonus.items():
            for k in _indices(forms, f):
                hits[k] = hit
                if f is not None:  # (keep as written takes no bonus)
                    add[k] = v
        scores = scores + np.array(add)
        if key is not None:
            if len(self._bonus_cache) > 100_000:
                self._bonus_cache.clear()
            self._bonus_cache[key] = (entry, scores, hits)
            hits = list(hits)
        return scores, hits

    def entry_at(self, toks: Sequence[Token], ti: int, ocr_document: bool,
                 reading: Optional[DocumentReading], by_line: Optional[Dict[int, DocumentReading]],
                 foreign, other_domain: bool = False) -> Optional[Entry]:
        """Token ti's Entry in this document (None for a number, unless a bare number of
        OCR output may be letters: vidiacritic.digit_letters; `other_domain`: OCR of
        another domain than the lexicon's, digit_letters.entry)."""
        tok = toks[ti]
        if tok.kind != WORD:
            return digit_letters.entry(self, toks, ti, other_domain) \
                if ocr_document and tok.kind == NUMBER else None
        text = tok.text
        if ti in foreign:
            return self.kept_entry(text)
        if len(text) == 1 and digit_letters.item_label(
                toks, ti, lambda w: digit_letters._best_readings(self, w)):
            return self.kept_entry(text)  # "điểm b khoản 1": a label, no word
        if len(text) == 1 and digit_letters.formula_letter(toks, ti):
            # "(n+1)", "10 x 20": a formula's letter, which stands where a number would
            return self.kept_entry(text, self.ngram.num_id)
        if unit_after_number(toks, ti):
            return self.kept_entry(text)  # "150 m", "1,1 km": a measure's unit
        if ocr_document and reading is not None and reading.kind == ENG_OCR and text[0].isdigit() \
                and is_measure(text):
            slot = digit_letters.measure_entry(self, toks, ti)  # "4m" for âm (Tesseract-eng)
            if slot is not None:
                return slot
        word_reading = by_line.get(ti, reading) if by_line else reading
        return self.entry(text, ocr_document, word_reading, self.context_words(toks, ti, word_reading))

    def context_words(self, toks: Sequence[Token], ti: int, reading: Optional[DocumentReading]):
        """In vie OCR (Config.context_candidates; a decoder that reads context), the
        syllables written just before and just after word ti, a space apart
        (normalized; None where there is none), which propose candidates
        (DocumentReader.context_candidates); else None."""
        if reading is None or reading.kind != VIE_OCR or not (self.context and self.config.context_candidates):
            return None  # (the rules engine reads no context)
        sides = (self._word_beside(toks, ti, -1), self._word_beside(toks, ti, 1))
        return sides if sides != (None, None) else None

    def _word_beside(self, toks: Sequence[Token], ti: int, step: int) -> Optional[str]:
        """The syllable one space before (step -1) or after (step 1) token ti, across a
        line break but not a blank line: a page's lines wrap one sentence, and a word
        that opens or ends a line had no neighbour to propose its forms on one side
        (on five vie training slices "bằng" / "hàng không" after a line ending in
        "ngành", "Tãi" / "rãi" after "rộng": 2 words, none lost)."""
        j = ti + 2 * step
        if not 0 <= j < len(toks) or toks[ti + step].kind != SPACE or toks[j].kind != WORD:
            return None
        if toks[ti + step].text.count("\n") > 1:
            return None
        word = normalize_syllable(toks[j].text)
        return word if word in self.ngram.vocab else None

    def other_domain(self, phrase_weight: Optional[float], reading: Optional[DocumentReading]) -> bool:
        """Whether a document read as `reading` whose phrase bonus is `phrase_weight`
        (Restorer._phrase_weight) is OCR of another domain than the lexicon's: less than
        half its full bonus (bonus_weight)."""
        return phrase_weight is not None and phrase_weight < 0.5 * self.bonus_weight(reading)

    def bonus_weight(self, reading: Optional[DocumentReading]) -> float:
        """The phrase bonus of a document read as `reading`: Config.rules_phrase_bonus
        for a decoder whose language model reads no context (the rules engine),
        Config.marked_phrase_bonus where the document is read as marked (vie OCR, typed
        with some marks), else Config.phrase_bonus."""
        if not self.context:
            return self.config.rules_phrase_bonus
        return self.config.marked_phrase_bonus if reading is not None and reading.marked \
            else self.config.phrase_bonus

    def phrase_coverage(self, toks: Sequence[Token], runs, ocr_document: bool, reading, by_line, foreign,
                        most: int) -> Tuple[int, int]:
        """(words a lexicon phrase over their candidates reaches, words looked at) in the
        chains `runs`, up to about `most` words (Restorer._phrase_weight)."""
        hit = seen = 0
        for run in runs:
            if seen >= most:
                break
            entries = [self.entry_at(toks, ti, ocr_document, reading, by_line, foreign) for ti in run]
            # (phrases as the lexicon's corpus chains hold them, not across quotation
            # marks: the coverage weighs the document's domain, which a quoted name's
            # head word is no evidence of)
            hit += len(self.phrase_bonus(entries, [toks[ti].text for ti in run], 1.0, across_quotes=False)[0])
            seen += len(run)
        return hit, seen

    def phrase_bonus(self, entries: Sequence[Optional[Entry]], texts: Sequence[str],
                     weight: Optional[float] = None, place_names: Optional[Mapping[str, Tuple[Tuple[str, ...], ...]]] = None,
                     across_quotes: bool = True):
        """Lexicon phrases over a chain's candidates: {position: {syllable: bonus}},
        the positions covered by a phrase written exactly, marks included, and the
        place names read after their unit word and those unit words ({position:
        syllables}: lexicon.place_name_words; `texts`: the chain's tokens as written).
        `weight`: the bonus per syllable of a phrase of strength 1 (default
        Config.phrase_bonus).  `place_names` (document_place_names): names the
        document writes after a unit word elsewhere, read as names here too where
        they stand capitalized without one.  `across_quotes`: a quotation mark between
        two words does not cut a phrase (quỹ “Vì người nghèo”)."""
        weight = self.config.phrase_bonus if weight is None else weight
        if self.lexicon is None or weight == 0 or len(entries) < 2:
            return {}, set(), {}, {}  # phrases have two syllables or more
        empty: FrozenSet[str] = frozenset()
        # A quotation mark between words does not cut a phrase: administrative text
        # quotes the names of funds, movements and campaigns after their head word
        # (quỹ “Vì người nghèo”, phong trào “Toàn dân ...”).  Such a position is left out
        # of the match and the phrase's positions are the others (`at`).
        at = [p for p in range(len(entries)) if not (across_quotes and entries[p] is None and _quote_only(texts[p]))]
        if len(at) == len(entries):
            at = None
        looked = entries if at is None else [entries[p] for p in at]
        written = texts if at is None else [texts[p] for p in at]
        # The words as written join the candidates (a name's rare syllable may be none:
        # "Ngối"), but only to find phrases written exactly.
        sets = [e.lookup if e is not None else empty for e in looked]
        # (each matched word's form as written and candidates, in the order of `sets`,
        # sliced per match: a chain of the dev OCR report matches some 30 phrases)
        writtens = [e.written if e is not None else None for e in looked]
        csets = [e.cset if e is not None else empty for e in looked]
        out: Dict[int, Dict[str, float]] = {}
        exact: set = set()
        names: Dict[int, set] = {}
        units: Dict[int, set] = {}
        for start, end, syls, strength in self.lexicon.matches(sets):
            span = range(start, end) if at is None else [at[k] for k in range(start, end)]
            if writtens[start:end] == list(syls):
                if any(strip_diacritics(s) != s for s in syls):  # text without marks cannot write it
                    exact.update(span)
            elif not all(map(operator.contains, csets[start:end], syls)):
                continue
            bonus = weight * strength
            for p, s in zip(span, syls):
                cur = out.setdefault(p, {})
                cur[s] = max(cur.get(s, 0.0), bonus)
            # (a phrase that opens with no unit word names no place: place_name_words)
            named = place_name_words(syls, written, start) if syls[0] in UNIT_OPENINGS else ()
            for p in named:
                names.setdefault(p if at is None else at[p], set()).add(syls[p - start])
            if named:
                units.setdefault(start if at is None else at[start], set()).add(syls[0])
        if place_names:
            for start, syls in self._place_names_at(entries, texts, place_names):
                for p, s in zip(range(start, start + len(syls)), syls):
                    cur = out.setdefault(p, {})
                    cur[s] = max(cur.get(s, 0.0), weight)
                    names.setdefault(p, set()).add(s)
        return out, exact, names, units

    @staticmethod
    def _place_names_at(entries: Sequence[Optional[Entry]], texts: Sequence[str],
                        place_names: Mapping[str, Tuple[Tuple[str, ...], ...]]):
        """(start, name) of each of `place_names` (by first syllable) whose syllables
        are among the candidates of capitalized words of a chain (phrase_bonus): the
        names a word's candidates can open, not every name at every word (a document
        naming 1,500 communes took 33 s where its words took 2)."""
        for start in range(len(entries)):
            if entries[start] is None or not texts[start][:1].isupper():
                continue
            for syls in (name for first in entries[start].cset for name in place_names.get(first, ())):
                end = start + len(syls)
                if end <= len(entries) and all(
                        entries[p] is not None and texts[p][:1].isupper() and s in entries[p].cset
                        for p, s in zip(range(start, end), syls)):
                    yield start, syls

    def document_place_names(self, toks: Sequence[Token], runs, ocr_document: bool, reading, by_line, foreign,
                             other_domain: bool = False) -> Mapping[str, Tuple[Tuple[str, ...], ...]]:
        """The place names a document writes after their unit word (lexicon phrases
        such as "xã Huổi Luông" over the words' candidates, lexicon.place_name_words).
        A report names its communes and wards again without the unit word, or where
        the OCR damaged it ("Đồn Biên phòng Hudi Luéng", "xd Hudi Ludng"); there the
        words' other readings are common syllables the language model prefers
        (Hội, Lưới), and the name, once the document has written it as one, is the
        likelier reading (LatticeBuilder.build gives it the phrase bonus).  Only the
        windows that open with a unit word's letters are matched: the pass costs a
        few lexicon look-ups per unit word.  Returns the names by their first syllable.

        Measured (session 14): 100 windows of 20 training-split corpus lines (legal
        and news) in which a name stands after its unit word and alone, restored as
        documents stripped of marks and with synthetic OCR noise: 11 words fewer wrong
        of 166,046 (24 won, 14 lost; a lost word is mostly the next one, which the
        language model now reads after an unknown word: "Hàn Quốc bất" → bắt); the
        dev OCR 4 fewer (Huổi Luông twice); the shuffled-line benchmark sets the same
        but news-eng, one word more (a name of one line read on another)."""
        if self.lexicon is None:
            return {}
        found = set()
        for run in runs:
            texts = [toks[ti].text for ti in run]
            for i, text in enumerate(texts):
                if not text[:1].islower() or strip_diacritics(text).lower() not in _UNIT_LETTERS:
                    continue
                window = run[i:i + _NAME_WINDOW]
                entries = [self.entry_at(toks, ti, ocr_document, reading, by_line, foreign, other_domain)
                           for ti in window]
                if any(e is None for e in entries):
                    entries = entries[:next(k for k, e in enumerate(entries) if e is None)]
                if len(entries) < 3:
                    continue
                sets = [e.lookup for e in entries]
                here = {tuple(syls[UNIT_OPENINGS[syls[0]]:]) for start, end, syls, _ in self.lexicon.matches(sets)
                        if start == 0 and place_name_words(syls, texts[i:i + len(entries)], 0)}
                if len(here) == 1:  # (two names the words could spell: the text names neither surely)
                    found.update(here)
        by_first: Dict[str, List[Tuple[str, ...]]] = {}
        for name in sorted(found):
            by_first.setdefault(name[0], []).append(name)
        return {first: tuple(names) for first, names in by_first.items()}


# The letters of the words a place name's unit word opens with (lexicon.UNIT_OPENINGS),
# and the words after one that a unit word and name can span (document_place_names).
_UNIT_LETTERS = frozenset(strip_diacritics(w) for w in UNIT_OPENINGS)
_NAME_WINDOW = 6


def as_unknown_too(syls, forms: list, ids: np.ndarray, scores: np.ndarray, hits: list, unk: int):
    """A position's candidates with each of a place name's syllables (`syls`) also
    offered as an unknown word (a second candidate, same score, the LM's <unk>), so
    that the language model scores the name no worse than an unknown word there.  The
    model read most local names as <unk> in its corpus, and scores their syllables
    as the common words they also spell ("Cồn Cỏ" below "Căn Cứ"), as a user's rare
    term (UserMatcher.rare_term, LatticeBuilder.build)."""
    add = [k for k, f in enumerate(forms) if f in syls and ids[k] != unk]
    if not add:
        return forms, ids, scores, hits
    return (forms + [forms[k] for k in add], np.concatenate([ids, np.full(len(add), unk, dtype=ids.dtype)]),
            np.concatenate([scores, scores[add]]), hits + [hits[k] for k in add])


def with_reading(cands, more):
    """A word's candidates joined with those of another reading of it (`more`: (form,
    score) pairs), each form at the better of its scores, best first."""
    best = dict(cands)
    for form, score in more:
        if score > best.get(form, -np.inf):
            best[form] = score
    return sorted(best.items(), key=lambda c: -c[1])


def _indices(items: list, x) -> List[int]:
    """The indices of `x` in `items`, by the list's own search (count, index)."""
    out, k = [], -1
    for _ in range(items.count(x)):
        k = items.index(x, k + 1)
        out.append(k)
    return out


def dotted_initial(toks, ti: int) -> bool:
    """Whether token ti is a single letter of initials joined by dots: a letter with a
    dot and another single letter on one side, no space between ("U.S.", "T.Ư")."""
    tok = toks[ti]
    return tok.kind == WORD and len(tok.text) == 1 and tok.text.isalpha() and _dot_and_letter_beside(toks, ti)


def dotted_beside_letter(toks, ti: int) -> bool:
    """Whether token ti is a word of two letters or more joined by a dot to a single
    letter, no space between ("a.at", "at.b"): what dotted_initial would call initials
    if the word were read as one letter."""
    tok = toks[ti]
    return tok.kind == WORD and len(tok.text) >= 2 and _dot_and_letter_beside(toks, ti)


def _dot_and_letter_beside(toks, ti: int) -> bool:
    """Whether token ti has a dot and then a single letter on one side, no space between."""
    def letter(j):
        return 0 <= j < len(toks) and len(toks[j].text) == 1 and toks[j].text.isalpha()

    return (ti + 2 < len(toks) and toks[ti + 1].text == "." and letter(ti + 2)) or \
        (ti >= 2 and toks[ti - 1].text == "." and letter(ti - 2))


def without(drop: Sequence[int], forms: list, ids: np.ndarray, scores: np.ndarray, hits: list, unk: int):
    """A lattice position's candidates less those at `drop`; with none left, the word
    is kept as written (as LatticeBuilder.kept_entry)."""
    idx = [k for k in range(len(forms)) if k not in drop]
    if not idx:
        return [], np.array([unk]), np.zeros(1), []
    return [forms[k] for k in idx], ids[idx], scores[idx], [hits[k] for k in idx]
