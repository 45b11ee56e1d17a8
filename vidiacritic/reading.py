"""How a document was written, read from the document itself: whether it is OCR
output, how far its marks can be trusted, and, for a document read as marked
(:mod:`vidiacritic.marks`), its mark-error rate and each word's candidates under the
marks channel."""
from __future__ import annotations

import math
from dataclasses import replace
from itertools import repeat
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .candidates import CHANNEL_BEAM, PRIOR_WEIGHT, skeleton
from .config import DEFAULT
from .marks import (TYPED_MARKED, TYPED_UNMARKED, VIE_OCR, VIE_OCR_ERROR, DocumentReading, keeps_marks,
                    letters_and_tone, mark_evidence, read_document)
from .text import normalize_syllable, plausible_syllable, split_tone, strip_diacritics
from .tokens import LONE_DEBRIS, OCR_DEBRIS, SPACE, WORD, Token, is_measure, ocr_reading, unit_after_number

_OCR_MARKS = frozenset("0123456789éÉ" + OCR_DEBRIS)
_MARKED, _UNMARKED, _DAMAGED, _OTHER = range(4)  # how a token was written (written_kind)
# Marked vowels that only Vietnamese writes (outside Latin-1, so no French, Spanish or
# German name has them: José, Müller, São stay names) and no acronym does (đ is left
# out: HĐND, TĐG).
_VIETNAMESE_ONLY = frozenset(c for c in "ăắằẳẵặấầẩẫậếềểễệốồổỗộơớờởỡợưứừửữựạảẹẻẽỉịĩọỏụủũỳỵỷỹ"
                             for c in (c, c.upper()))


def is_ocr_document(marked: int, words: int, share: float = DEFAULT.ocr_document_share,
                    odds: Optional[float] = None) -> bool:
    """Whether a document whose `words` words include `marked` with OCR marks is OCR
    output (Restorer.ocr_word_counts gives all three; share: Config.ocr_document_share):
    that share of its words carry OCR marks, or its words make OCR output likelier than
    typed text (`odds`, DocumentReader.ocr_odds, above 0).  The second is what a short
    text of Tesseract-eng output with no OCR mark shows ("3. TS chite thye hide:", Tổ
    chức thực hiện: words of letters that spell no syllable): read as typed text, its
    damage was kept (models/CHANNEL.md, "Lines of one document")."""
    return marked >= share * max(1, words) or odds is not None and odds > 0


class DocumentReader:
    """Reads a document's way of writing from its words (ngram: the language model's
    vocabulary and counts; generator: the CandidateGenerator; marks: the marks channel)."""

    def __init__(self, ngram, generator, marks, config, english=None):
        self.ngram, self.generator, self.marks, self.config = ngram, generator, marks, config
        self.english = english or {}  # English word → frequency (data/english_words.tsv)
        self._shares: Dict[str, Tuple[float, float, float]] = {}
        self._evidence: Dict[tuple, tuple] = {}  # marked words' MarkEvidence (mark_evidence)
        self._candidates: Dict[tuple, tuple] = {}  # (text, reading) → marked_candidates' own
        self._pool_ids: Dict[str, np.ndarray] = {}  # word → its pool's LM ids (_context_fit)
        self._codes: Dict[str, bool] = {}  # word → is_code
        self._damage: Dict[str, bool] = {}  # word → typed_damage
        self._neighbour_forms: Dict[Tuple[str, int], Tuple[str, ...]] = {}  # (_toned_forms)

    def has_ocr_marks(self, token: str) -> bool:
        return any(c in _OCR_MARKS for c in token) and normalize_syllable(token) not in self.ngram.vocab

    def is_code(self, token: str) -> bool:
        """Whether a word whose only OCR marks are digits is a code or a model's name
        rather than Tesseract's damage of a syllable: the OCR channel explains it by no
        likely syllable, its likeliest scoring below Config.code_channel_logp (U20,
        8bit), or Config.caps_code_channel_logp for a word without lowercase letters
        (S8, F1, 4G; Tesseract-eng writes B6 for Bộ, H6 for Hồ, which stay OCR marks)."""
        cut = self.config.caps_code_channel_logp if not any(c.islower() for c in token) \
            else self.config.code_channel_logp
        if cut is None or not any(c.isdigit() for c in token) \
                or any(c in _OCR_MARKS and not c.isdigit() for c in token):
            return False
        hit = self._codes.get(token)
        if hit is None:
            if len(self._codes) > 100_000:
                self._codes.clear()
            hit = self._codes[token] = self.best_ocr_reading(token) < cut
        return hit

    def best_ocr_reading(self, token: str) -> float:
        """The OCR channel's log P(token | syllable) of `token`'s best Vietnamese reading
        (-inf when it has none): how well damage of a syllable explains the token."""
        return max((s for _, s in self.generator.ocr_candidates(ocr_reading(token))), default=-np.inf)

    def word_classes(self, toks: Sequence[Token], marked_only: bool = False) -> Dict[str, int]:
        """How many of the words of `toks` fall in each class an OCR decision counts:
        with OCR marks ("marked"), lowercase words whose letters spell syllables
        ("spelled") and those of two letters or more whose letters spell none and are
        no English word ("unspelled": "chite", "thye", Tesseract-eng's damage;
        data/english_words.tsv).  A lone & ¢ ¥, a measure ("4m", "3ha"), a unit after a
        number ("150 m", tokens.unit_after_number) and a code (is_code) count nothing:
        typed text has them too (one "S8" in a typed title made it OCR output, read "Sẽ";
        read as OCR output a typed "phát 4m" would offer the âm of Tesseract's 4m).
        "beyond_eng": words with a letter beyond Latin-1 (ơ ư ă đ ạ ở …), which
        Tesseract's English model never writes (none in the 3,810 lines of two
        training-split eng slices, session 21).  Counts of pieces add up to the whole
        document's.  `marked_only`: count the marked words only (the others 0), which
        is all that a later reading's decision reads (Restorer._detect_ocr_output)."""
        out = {"marked": 0, "spelled": 0, "unspelled": 0, "beyond_eng": 0}
        forms = self.generator.forms
        for i, tok in enumerate(toks):
            w = tok.text
            if tok.kind != WORD:
                continue
            if marked_only and not any(c in _OCR_MARKS for c in w):
                continue  # (no OCR mark: has_ocr_marks is False, the word counts nothing)
            if any(ord(c) > 0xFF and c.isalpha() for c in w):
                out["beyond_eng"] += 1  # (counted apart: the letters Tesseract-eng never writes)
            if w in LONE_DEBRIS or is_measure(w) or unit_after_number(toks, i) or self.is_code(w):
                continue
            if self.has_ocr_marks(w):
                out["marked"] += 1
            elif marked_only:
                continue
            elif w.isalpha() and w.islower():
                if skeleton(w) in forms:
                    out["spelled"] += 1
                elif len(w) > 1 and w not in self.english:
                    # (a lone letter is a list's or an abbreviation's, "điểm b", "(s. 1930)",
                    # as the lattice reads it in typed text; an English word is no damage)
                    out["unspelled"] += 1
        return out

    def ocr_word_counts(self, toks: Sequence[Token], odds: bool = True) -> Tuple[int, int, Optional[float]]:
        """(words with OCR marks, words, ocr_odds of the words) among `toks` (see
        is_ocr_document; each adds up over a document's pieces).  The odds are -inf
        where a word has a letter Tesseract's English model never writes (word_classes:
        "Gặp nhau @ quán cà phê, email …" is typed text, its "email" no damage), and
        None when not wanted (`odds` False: the words' other classes are not counted)."""
        words = sum(1 for t in toks if t.kind == WORD)
        if not odds:
            return self.word_classes(toks, marked_only=True)["marked"], words, None
        classes = self.word_classes(toks)
        odds = self._odds(classes)
        if odds is not None and classes["beyond_eng"]:
            odds = -math.inf  # (a text that writes such a letter is no Tesseract-eng output)
        return classes["marked"], words, odds

    # ------------------------------------------------------------ marks as evidence
    def read(self, toks: Sequence[Token], runs, words_in: Sequence[str], ocr_document: bool,
             first_pass: Callable) -> DocumentReading:
        """How this document was read: its kind and tone/quality-drop rates from its own
        words (vidiacritic.marks.read_document); for a marked document, the mark-error
        rate fitted by one statistical decoding pass (fit_mark_error)."""
        reading = read_document(words_in, ocr_document, self.marks)
        if reading.marked:
            reading = self.fit_mark_error(toks, runs, reading, first_pass)
        elif reading.kind == TYPED_UNMARKED:
            reading = replace(reading, ocr_odds=self.ocr_odds(toks))
        return reading

    def ocr_odds(self, toks: Sequence[Token]) -> Optional[float]:
        """The log-odds (even before) that a document of `toks` read as typed without
        marks is Tesseract-eng output all the same, from its words (Config.typed_ocr_llr,
        per word of each class of word_classes); None without Config.typed_ocr_llr."""
        return self._odds(self.word_classes(toks))

    def _odds(self, classes: Dict[str, int]) -> Optional[float]:
        llr = self.config.typed_ocr_llr
        if llr is None:
            return None
        return classes["spelled"] * llr[0] + classes["unspelled"] * llr[1] + classes["marked"] * llr[2]

    def fit_mark_error(self, toks: Sequence[Token], runs, reading: DocumentReading,
                       first_pass: Callable) -> DocumentReading:
        """One EM step for the mark-error rate e: decode (first pass only) with the
        training pairs' rate, then take the share of words the decoder overturned in a
        way that dropped marks cannot explain (nhầm → nhằm, tình → trình; đong → đồng
        is a dropped tone, not an error).  A correct document overturns almost nothing,
        so its words keep their marks; a vie OCR one keeps a rate near its own.
        first_pass(runs, reading): the runs' lattice metas and their decodings."""
        cfg = self.config
        fit_runs, n_words = [], 0
        for run in runs:  # a bounded sample: the estimate needs a few thousand words at most
            if n_words >= cfg.mark_fit_words:
                break
            fit_runs.append(run)
            n_words += len(run)
        metas, decoded = first_pass(fit_runs, reading)
        n = err = 0
        for run, meta, dec in zip(fit_runs, metas, decoded):
            for pos, ti in enumerate(run):
                text = toks[ti].text
                forms = meta[pos][0]
                if not forms or not text.isalpha() or forms[dec.best[pos]] is None:
                    continue
                n += 1
                obs, chosen = normalize_syllable(text), forms[dec.best[pos]]
                if chosen != obs and not np.isfinite(reading.typed_logp(obs, [chosen])[0]):
                    err += 1
        rate = (err + cfg.mark_fit_prior * cfg.mark_fit_prior_rate) / (n + cfg.mark_fit_prior)
        return reading.with_error(rate)

    def line_readings(self, toks: Sequence[Token], reading: DocumentReading,
                      confidences: Optional[Dict[int, float]] = None,
                      table=None) -> Optional[Dict[int, DocumentReading]]:
        """For a vie-OCR document, each word's reading on its own line
        (DocumentReading.for_line: a line with words that are no syllable is likelier
        to be wrong elsewhere too, and its words' candidates reach
        Config.damaged_line_reach letters further), and where the OCR engine gave the
        word a confidence (`confidences`: token index → 0-1) with a ConfidenceTable
        `table`, by its confidence band instead (DocumentReading.for_word); for a
        typed-marked document, the lines with damage no typist writes read as vie OCR
        (_damaged_lines); None for other documents."""
        if reading.kind == TYPED_MARKED and self.config.typed_damage:
            return self._damaged_lines(toks, reading)
        if reading.kind != VIE_OCR:
            return None
        out: Dict[int, DocumentReading] = {}
        confidences = confidences if table is not None else None
        for line, invalid in self._lines(toks):
            line_reading = self._line_reading(reading, invalid)
            for j in line:
                conf = confidences.get(j) if confidences else None
                # (equal rates make equal readings: one per line class and band,
                # so the candidate caches, keyed by reading, stay few)
                out[j] = line_reading if conf is None else reading.for_word(
                    table.ratio(invalid, conf),
                    self.config.confidence_reach if conf < self.config.confidence_reach_below else 0)
        return out

    def _lines(self, toks: Sequence[Token]):
        """Each line of `toks` that has words: (its words' token indices, how many of
        them are words of letters that are no syllable of the vocabulary)."""
        line: List[int] = []
        invalid = 0
        for i, tok in enumerate([*toks, Token("\n", SPACE, -1)]):  # a last break ends the last line
            if tok.kind == WORD:
                line.append(i)
                invalid += tok.text.isalpha() and normalize_syllable(tok.text) not in self.ngram.vocab
            elif "\n" in tok.text and line:
                yield line, invalid
                line, invalid = [], 0

    def _line_reading(self, reading: DocumentReading, invalid: int) -> DocumentReading:
        """A vie-OCR `reading` on a line with `invalid` non-syllables (for_line); on a
        damaged line its candidates reach Config.damaged_line_reach letters further."""
        line_reading = reading.for_line(self.marks, invalid)
        if invalid and self.config.damaged_line_reach:
            # (Tesseract-vie damages a bad line's words further than one letter:
            # krời for lưỡi, tiệm for liên beside a non-syllable)
            line_reading = replace(line_reading, reach=self.config.damaged_line_reach)
        return line_reading

    def _damaged_lines(self, toks: Sequence[Token], reading: DocumentReading) -> Optional[Dict[int, DocumentReading]]:
        """For a typed-marked document, the words of each line that holds a damaged word
        (typed_damage) read as vie OCR, at the marks channel's own rate (that of its
        Tesseract-vie training pairs; the document's fitted rate where higher) scaled by
        the line's non-syllables as in a vie-OCR document (for_line), with the damaged
        lines' reach; None where no line has one.

        A good Tesseract-vie page fits a mark-error rate under VIE_OCR_ERROR and is read
        as typed with marks, whose words keep their letters: its few damaged lines (a
        speck, a fold, a dark corner) kept `tẩưổmg`, `điùnh, oụ` and the valid but wrong
        syllables beside them.  Such a word says its line is OCR damage whatever the
        document is; the other lines stay as they were read (data/OCR_NOISE.md, "Session 24")."""
        out: Dict[int, DocumentReading] = {}
        rate = max(reading.mark_error, float(self.marks.meta.get("error_rate", VIE_OCR_ERROR)))
        as_ocr = DocumentReading(VIE_OCR, reading.tone_drop, reading.quality_drop, rate, reading.words)
        for line, invalid in self._lines(toks):
            # (a damaged word is a non-syllable: only lines with one are looked at)
            if invalid and any(self.typed_damage(toks[j].text) for j in line):
                out.update(zip(line, repeat(self._line_reading(as_ocr, invalid))))
        return out or None

    def typed_damage(self, token: str) -> bool:
        """Whether `token` is damage that no typist writes: a word of letters, not in
        title case (a name: Kơnia), with a marked vowel only Vietnamese writes
        (_VIETNAMESE_ONLY: not đ, which acronyms have, nor a Latin-1 vowel, which
        foreign names have), that is no syllable of the vocabulary, not even shaped like
        one (plausible_syllable: a rare name, Vỳ, is), and not a syllable with some of
        its marks dropped (keeps_marks: đươc is được, typed).  `tẩưổmg`, `oụ`, `đầo`."""
        hit = self._damage.get(token)
        if hit is None:
            hit = token.isalpha() and not (token[0].isupper() and token[1:].islower()) \
                and any(c in _VIETNAMESE_ONLY for c in token) \
                and normalize_syllable(token) not in self.ngram.vocab and not plausible_syllable(token.lower()) \
                and not any(keeps_marks(token, f) for f in self.generator.forms.get(skeleton(token), ()))
            if len(self._damage) > 100_000:
                self._damage.clear()
            self._damage[token] = hit
        return hit

    def marked_keep_logp(self, token: str, keep: float, reading: DocumentReading) -> float:
        """In a vie-OCR document a token that is no syllable is damage, not a name, an
        acronym or a unit, when it carries Vietnamese marks (sêm, ngầy, THÔA, RHOẰN):
        those never write acronyms, units (mm, kg) or foreign words.  Typed text keeps
        the usual penalties, but for damage no typist writes (typed_damage: tẩưổmg;
        Config.typed_damage)."""
        if reading.kind == VIE_OCR and strip_diacritics(token) != token \
                or self.config.typed_damage and self.typed_damage(token):
            return min(keep, self.config.lower_keep_logp)
        return keep

    def marked_candidates(self, text: str, reading: DocumentReading,
                          context: Optional[Tuple[Optional[str], Optional[str]]] = None):
        """Candidates of a word in a marked document, scored by the document's marks
        channel: every other mark reading of its skeleton (đong → đồng, đông; nhầm →
        nhằm), the OCR channel's nearby syllables and, in vie OCR, the syllables one
        letter away (tình → trình); with `context`, the words before and after it as
        written (None where there is none), also those they propose (context_candidates)."""
        key = (text, reading)
        hit = self._candidates.get(key)
        if hit is None:
            ev, prior = self.mark_evidence(text, reading.kind == VIE_OCR, reading.reach)
            if not ev.forms:
                hit = ((), None, None)
            else:
                chans = reading.score(ev)
                best = float(chans.max())
                near = np.flatnonzero(chans >= best - CHANNEL_BEAM).tolist()  # (a vie-OCR pool: 100-200 forms, most far)
                values, forms = chans.tolist(), ev.forms
                scored = sorted([(values[k] + prior[k], forms[k], values[k]) for k in near], reverse=True)
                hit = (tuple((f, ch) for _, f, ch in scored[:self.config.marked_candidates]), ev, chans)
            if len(self._candidates) > 100_000:
                self._candidates.clear()
            self._candidates[key] = hit
        out, ev, chans = hit
        if out and context is not None and reading.kind == VIE_OCR and self.config.context_candidates:
            out += self.context_candidates(ev, chans, context, {f for f, _ in out}, normalize_syllable(text))
        return out

    def context_candidates(self, ev, chans: np.ndarray, context, have, obs: str) -> tuple:
        """In vie OCR, the forms of a word's pool (one letter away, any tone) that the
        words beside it, as written (`context`: before, after; None where there is
        none), make likeliest (channel + bigram log-probabilities) and no less likely
        than the word as written (`obs`), Config.context_candidates of them not already
        kept (`have`), within Config.context_candidate_beam of the best channel score.
        Tesseract-vie misreads a letter and a mark together (ăn for dẫn, lướt for
        luật): the channel scores such a form low, below the forms kept for the word
        alone, so the context that would choose it never saw it (on a TRAIN slice 24
        of the wrong words left had the right form in the pool but not among the
        candidates, 10 of them first by this score)."""
        fit = self._context_fit(ev, obs, context)
        # (a form the context likes less than the word as written proposes nothing)
        ok = (chans >= float(chans.max()) - self.config.context_candidate_beam) & (fit[:-1] >= fit[-1])
        if not ok.any():
            return ()
        score = np.where(ok, chans + fit[:-1], -np.inf)
        out = []
        for k in np.argsort(-score, kind="stable"):
            if len(out) >= self.config.context_candidates or not np.isfinite(score[k]):
                break
            if ev.forms[k] not in have:
                out.append((ev.forms[k], float(chans[k])))
        return tuple(out)

    def _context_fit(self, ev, obs: str, context) -> np.ndarray:
        """The bigram log-probabilities of each form of the pool, and last of the word
        as written, with the words beside it (the language model's dense bigram table,
        NgramLM.bigram_lookup).  Forms outside its vocabulary get -inf."""
        key = (obs, len(ev.forms))  # (a doubted word's pool reaches further: DocumentReading.reach)
        ids = self._pool_ids.get(key)
        if ids is None:
            vocab, unk = self.ngram.vocab, self.ngram.unk_id
            ids = np.fromiter(map(vocab.get, (*ev.forms, obs), repeat(unk)), dtype=np.int64,
                              count=len(ev.forms) + 1)
            if len(self._pool_ids) > 100_000:
                self._pool_ids.clear()
            self._pool_ids[key] = ids
        fit = np.zeros(len(ids))
        before, after = context
        vocab = self.ngram.vocab
        if before is not None:
            fit += self.ngram.bigram_lookup(np.full(len(ids), vocab[before], dtype=np.int64), ids)
        if after is not None:
            fit += self.ngram.bigram_lookup(ids, np.full(len(ids), vocab[after], dtype=np.int64))
        fit[:-1][ids[:-1] == self.ngram.unk_id] = -np.inf
        return fit

    def mark_evidence(self, text: str, letters_too: bool, reach: int = 0):
        """(MarkEvidence, pruning prior per form) of one word, whatever the document's
        rates: cached, since the fitting pass and each line's rates score it again.
        `reach`: letter edits beyond Config.neighbour_edits (a word its OCR engine
        doubted, DocumentReading.for_word)."""
        obs = normalize_syllable(text)
        key = (obs, letters_too, reach)
        hit = self._evidence.get(key)
        if hit is None:
            forms = dict.fromkeys(self.generator.forms.get(skeleton(obs), ()))
            if obs in self.ngram.vocab:
                forms[obs] = None
            for f, _ in self.generator.candidates(ocr_reading(text)):
                forms[f] = None
            if letters_too:  # one letter away, with a tone the OCR plausibly read as obs's
                tone = letters_and_tone(obs)[1]
                pool = []
                for sk in self.generator.neighbours(skeleton(obs), self.config.neighbour_edits + reach):
                    pool.extend(self._toned_forms(sk, tone))
                forms.update(dict.fromkeys(pool))  # (a form has one skeleton: the order of a loop of updates)
            log_prior = self.generator.log_prior
            kept = list(filter(log_prior.__contains__, forms))
            prior = [PRIOR_WEIGHT * p for p in map(log_prior.__getitem__, kept)]
            hit = (mark_evidence(self.marks, obs, kept), prior)
            if len(self._evidence) > 100_000:
                self._evidence.clear()
            self._evidence[key] = hit
        return hit

    def _toned_forms(self, sk: str, tone: int) -> Tuple[str, ...]:
        """The forms of skeleton `sk` (the generator's order) with a tone that the OCR
        plausibly read as tone `tone` (the marks channel's tone table given a misread
        letter, at least Config.neighbour_tone_logp): a vie-OCR word's neighbours of
        that skeleton.  Remembered: a document's words share their neighbours (the
        poor-vie set asked for 480,000 forms' tones, one by one)."""
        key = (sk, tone)
        hit = self._neighbour_forms.get(key)
        if hit is None:
            ok = (self.marks.tone_table(True)[:, tone] >= self.config.neighbour_tone_logp).tolist()
            hit = self._neighbour_forms[key] = tuple(f for f in self.generator.forms[sk]
                                                     if ok[letters_and_tone(f)[1]])
        return hit

    # ------------------------------------------------------------ trust in typed marks
    def document_trust(self, words: Sequence[str]) -> Tuple[float, float]:
        """The shares of the document's words written exactly as meant and with their
        tone marks dropped, estimated from the document itself: the weights of the
        first two of four writers mixed word by word (EM, Config.trust_prior pseudo-counts):

        a  writes every word as meant;
        c  drops the tone marks and keeps the others ("đong" for đồng, đóng, đong);
        b  drops every mark ("dung" for dung, dùng, đúng, đứng, …);
        d  damages it: a token with marks that is no syllable, OCR damage, or a
           syllable's letters without their marks ("Viét", "16n", "Đieu", "HUYEN").

        A syllable with a tone mark comes from a only; one without comes from a with
        the share of its own form among the corpus counts of the forms it could stand
        for (writer_shares), from c or b when it has the form they write.  Acronyms,
        names and foreign words say nothing.  A restored document trusts itself (its
        marked words outweigh its rare unmarked ones), so restoring it again keeps it;
        text without marks, or with tone marks dropped, does not.
        """
        counts: Dict[str, int] = {}
        damaged = 0
        for w in words:
            kind = self.written_kind(w)
            if kind in (_MARKED, _UNMARKED):
                syl = normalize_syllable(w)
                counts[syl] = counts.get(syl, 0) + 1
            elif kind == _DAMAGED:
                damaged += 1
        if not any(strip_diacritics(s) != s for s in counts):
            return 0.0, 0.0  # no word shows a writer who writes marks
        # likelihood of each word type under writers a, c, b, d (relative to its letters)
        lik = np.array([self.writer_shares(s) + (0.0,) for s in counts] + [(0.0, 0.0, 0.0, 1.0)])
        n = np.array(list(counts.values()) + [damaged], dtype=np.float64)
        prior = np.array(self.config.trust_prior)
        mix = np.full(4, 0.25)
        for _ in range(self.config.trust_iterations):
            resp = mix * lik  # E: which writer wrote each word type
            resp /= np.maximum(resp.sum(axis=1, keepdims=True), 1e-300)
            mix = (n @ resp + prior) / (n.sum() + prior.sum())  # M: the writers' shares
        return float(mix[0]), float(mix[1])

    def written_kind(self, token: str) -> int:
        """_MARKED or _UNMARKED (a syllable with or without marks), _DAMAGED (a token
        that is no syllable but has marks or OCR damage, or is a syllable's letters
        without its marks: "Đieu", "16n", "HUYEN") or _OTHER (acronyms, names,
        foreign words, which say nothing about how the text was written)."""
        syl = normalize_syllable(token)
        bare = strip_diacritics(syl)
        if syl in self.ngram.vocab and syl.isalpha():
            return _UNMARKED if bare == syl else _MARKED
        if bare != syl or token.lower() in self.generator.forms or self.has_ocr_marks(token):
            return _DAMAGED
        return _OTHER

    def writer_shares(self, syl: str) -> Tuple[float, float, float]:
        """How likely writers a, c, b of document_trust write `syl` (relative to the
        other forms of its letters): the corpus share of syl itself, of the forms whose
        tone mark dropped gives syl, of every form with syl's letters (b's one form)."""
        shares = self._shares.get(syl)
        if shares is None:
            vocab, counts = self.ngram.vocab, self.ngram.counts
            forms = [f for f in self.generator.forms.get(strip_diacritics(syl), ()) if f in vocab]
            total = sum(int(counts[vocab[f]]) for f in forms) or 1
            own = int(counts[vocab[syl]]) / total
            toneless, tone = split_tone(syl)
            dropped = 0.0 if tone else max(own, sum(int(counts[vocab[f]]) for f in forms
                                                      if split_tone(f)[0] == toneless) / total)
            shares = (min(own, 1.0), min(dropped, 1.0), 1.0 if strip_diacritics(syl) == syl else 0.0)
            self._shares[syl] = shares
        return shares
