"""Stage 5 — the restorer: text → tokens → candidates → decoder → text.

``Restorer`` loads the shipped resources once and is then cheap to call:

    >>> from vidiacritic import Restorer
    >>> r = Restorer(engine="statistical")
    >>> r.restore("Uy ban nhan dan tinh")
    'Ủy ban nhân dân tỉnh'

Engines
  model        statistical, then the seq2seq candidate scorer re-scores every word's
               candidates with the whole segment in view, and Viterbi decodes again
  statistical  trigram LM + OCR channel + phrase lexicon (Viterbi)
  rules        phrase lexicon + word frequencies + OCR channel, no trigram LM:
               the fallback when the LM files are unavailable
  auto         model when its files and sentencepiece are there; otherwise it warns
               once and runs statistical
Only WORD tokens are ever rewritten (see :mod:`vidiacritic.tokens`); everything else
is copied through, and casing follows the input token.
"""
from __future__ import annotations

import math
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import fixes, resources
from .candidates import CHANNEL_BEAM, MAX_CANDIDATES, PRIOR_WEIGHT, CandidateGenerator, skeleton
from .decoder import Lattice, decode_batch
from .marks import VIE_OCR, DocumentReading, letters_and_tone, mark_evidence, read_document
from .text import (MODERN, TONE_STYLES, TRADITIONAL, apply_casing, nfc, normalize_syllable, place_tone,
                   strip_diacritics)
from .tokens import (LONE_DEBRIS, OCR_DEBRIS, SPACE, WORD, Token, chains, join_ocr_splits,
                     ocr_reading, tokenize)

ENGINES = ("auto", "model", "statistical", "rules")
# Channel log-probabilities are scaled before joining the LM score; estimated on
# generated (Tesseract) held-out pairs by scripts/tune_weights.py.
CHANNEL_WEIGHT = 1.0
# Bonus (nats per syllable, times the phrase's strength) for lexicon phrases.
PHRASE_BONUS = 3.0
# "Keep the token as written" competes with the syllable candidates whenever the token
# is not itself a Vietnamese syllable: acronyms (MTTQ, UBND), names, foreign words.  The
# LM scores it as <unk>, which it learned from exactly such tokens in the corpus.
KEEP_LOGP = -9.0
# All-caps tokens that are not a syllable are usually acronyms: a much weaker penalty.
ACRONYM_KEEP_LOGP = -3.0
# A token that is no syllable is damage when it carries OCR marks (digits, debris, é:
# "16i", "h¢", "S6"), or is a Vietnamese skeleton written without its marks ("dep",
# "HUYEN"), or is lowercase in a document that is OCR output ("phd", "chire").  In typed
# text a lowercase non-syllable may be a unit or a foreign word (km, internet).
LOWER_KEEP_LOGP = -15.0
# A document is treated as OCR output when this share of its words carry OCR marks.
OCR_DOCUMENT_SHARE = 0.02
_VOWEL = re.compile("[aeiouyAEIOUY]")
_OCR_MARKS = frozenset("0123456789éÉ" + OCR_DEBRIS)
# A bigram pass keeps this many candidates per word for the trigram pass (0: no pruning).
PRUNE_TO = 4
# Max-marginal scores are divided by this before the softmax that gives confidences;
# chosen on held-out Tesseract pairs (scripts/calibrate_confidence.py).
CONFIDENCE_TEMPERATURE = 2.0
# Chains decoded together (memory grows with this, speed up to a few hundred).
DECODE_SLICE = 2000
# Weight of the seq2seq scorer's log-probabilities in the second Viterbi pass; chosen on
# held-out Tesseract pairs (scripts/tune_weights.py --model-weight).
MODEL_WEIGHT = 1.0
# Whether the model's "unknown word" probability scores "keep as written" and syllables
# outside its vocabulary (see _rescore).  On held-out Tesseract pairs scoring them is
# better (OCR 0.9564 against 0.9515 abstaining); on the dev OCR it breaks some damaged
# words into staying damaged (README, lab note).
MODEL_SCORES_UNKNOWN = True
# Where the phrase lexicon matched (admin terms, place names: "xã Huổi Luông"), the
# model's scores are multiplied by this.  Its vocabulary lacks most rare name syllables,
# so it tends to pull a matched name towards a common word (Luông → Lương); the lexicon
# may be the better witness there.  Measured on 800 held-out Tesseract lines
# (scripts/tune_weights.py --model-phrase 1,0.5,0): 1.0 gives OCR 0.9574 / stripped
# 0.9853, 0.5 0.9571 / 0.9853, 0 0.9569 / 0.9851, so the model keeps its full weight.
MODEL_PHRASE_WEIGHT = 1.0
# The model has one "unknown" token for every candidate outside its vocabulary (and for
# "keep as written").  Splitting that probability evenly among them, instead of giving
# each the whole of it, keeps the model from favouring a word with many unreadable
# readings (scripts/tune_weights.py --model-split).  On the same 800 lines it changed
# 2 words (OCR 0.9574 → 0.9575, stripped equal): too little to adopt.
MODEL_SPLIT_UNKNOWN = False
# Re-scoring passes; a second one lets the decoder condition on the re-scored path.
MODEL_PASSES = 1
# A segment whose every word the first pass chose with at least this confidence is not
# re-scored (speed); 1.0 re-scores everything.  On 800 held-out Tesseract lines accuracy
# was the same for every gate from 1.0 down to 0.8 (0.9564 OCR, 0.9846 stripped; 0.8:
# 0.9566, 0.9847), and 0.8 restores a 3,600-syllable report in 0.83 s against 0.95 s
# at 0.9 (scripts/tune_weights.py --model-gate).
MODEL_GATE = 0.8
# Segments the scorer reads: at most this many words, cut at paragraph breaks and, once
# a segment has SEGMENT_MIN_WORDS words, after sentence-ending punctuation.
SEGMENT_MAX_WORDS = 48
SEGMENT_MIN_WORDS = 16
_SENTENCE_END = frozenset(".?!;:")
# The mark-error rate of a marked document is fitted on at most this many words, with
# a prior of MARK_FIT_PRIOR words at MARK_FIT_PRIOR_RATE (a one-line document proves little).
MARK_FIT_WORDS = 1500
MARK_FIT_PRIOR = 50
MARK_FIT_PRIOR_RATE = 0.01
# The fitted rate is multiplied by this before the final decoding.  On a 600-line TRAIN
# slice of Tesseract-vie poor scans (statistical) 1, 2 and 4 gave 0.9572, 0.9571, 0.9573:
# the first pass's own count is kept.
MARK_ERROR_SCALE = 1.0
# In vie OCR a word's syllables one letter away are candidates when their tone is read
# as the word's with at least this log-probability (marks.json's tone table: the same
# tone, or hỏi read as sắc): a wrong letter and a wrong tone together are too rare to pay
# for scoring every tone of every neighbour.
NEIGHBOUR_TONE_LOGP = math.log(0.005)
# Letters away from the word that neighbours may be.  On the 600-line TRAIN slice 2 gave
# 0.9573 against 0.9564 for 1 but cost 1.6x the time on vie documents, and on the held-out
# poor-vie set 0.9720 against 0.9725: within noise, so the cheaper one.
NEIGHBOUR_EDITS = 1
# In documents read as marked the scorer's weight is multiplied by this: it was trained
# on Tesseract-eng noise, and on a 600-line TRAIN slice of Tesseract-vie poor scans
# (channel from the other 2,400 lines) the model engine gave 0.9558 at 1.0, 0.9571 at 0.5
# and 0.9575 at 0 (statistical); on 600 TRAIN partly-marked lines 0.9954 / 0.9956 / 0.9955.
MODEL_MARKED_WEIGHT = 0.5
# Longer chains are decoded in windows so that memory and latency stay bounded.
MAX_CHAIN = 200


@dataclass(frozen=True)
class WordDecision:
    """What happened to one input word."""

    original: str
    chosen: str
    start: int
    source: str  # "ngram", "rule", "model" or "kept" (no plausible Vietnamese reading)
    confidence: float
    alternatives: List[Tuple[str, float]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.chosen != self.original


@dataclass(frozen=True)
class Explanation:
    text: str
    words: List[WordDecision]
    # How the document was read (eng-ocr, vie-ocr, typed-unmarked, typed-marked) and
    # the rates estimated from it (vidiacritic.marks.DocumentReading).
    reading: Optional[DocumentReading] = None


class UnigramLM:
    """The rules engine's language model: word frequencies only, no context."""

    def __init__(self, counts: np.ndarray, bos_id: int, eos_id: int):
        total = float(counts.sum()) + len(counts)
        self.table = np.log((counts.astype(np.float64) + 1.0) / total)
        self.table[bos_id] = 0.0
        self.table[eos_id] = 0.0
        self.bos_id, self.eos_id = bos_id, eos_id

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.table[w]

    def logprob_bigram(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.table[w]


class Restorer:
    """Restores diacritics; create once, call many times (resources load in __init__)."""

    def __init__(self, engine: str = "auto", tone_style: str = TRADITIONAL, *,
                 channel_weight: float = CHANNEL_WEIGHT, phrase_bonus: float = PHRASE_BONUS,
                 keep_logp: float = KEEP_LOGP, keep_acronym_logp: float = ACRONYM_KEEP_LOGP,
                 keep_lower_logp: float = LOWER_KEEP_LOGP, model_dir=None):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        if tone_style not in TONE_STYLES:
            raise ValueError(f"unknown tone style {tone_style!r}; choose traditional or modern")
        self.tone_style = tone_style
        self.channel_weight = channel_weight
        self.phrase_bonus = phrase_bonus
        self.keep_logp, self.keep_acronym_logp = keep_logp, keep_acronym_logp
        self.keep_lower_logp = keep_lower_logp
        self.prune_to = PRUNE_TO
        self.temperature = CONFIDENCE_TEMPERATURE
        self._entries: Dict[tuple, tuple] = {}
        self._evidence: Dict[tuple, tuple] = {}  # marked words' MarkEvidence (_mark_evidence)
        self.model_weight = MODEL_WEIGHT
        self.model_gate = MODEL_GATE
        self.model_passes = MODEL_PASSES
        self.model_scores_unknown = MODEL_SCORES_UNKNOWN
        self.model_phrase_weight = MODEL_PHRASE_WEIGHT
        self.model_split_unknown = MODEL_SPLIT_UNKNOWN
        self.mark_error_scale = MARK_ERROR_SCALE
        self.model_marked_weight = MODEL_MARKED_WEIGHT
        # The scorer loads in a thread while the rest loads here: its ONNX Runtime
        # session is built outside the GIL (init 0.36–0.57 s → 0.25–0.34 s).
        pending = _Background(lambda: _open_scorer(model_dir)) if engine in ("auto", "model") else None
        self.ngram = resources.load_ngram()
        self.lm = self.ngram if engine != "rules" else UnigramLM(
            self.ngram.counts, self.ngram.bos_id, self.ngram.eos_id)
        if engine != "rules":
            self.ngram.bigram_matrix()  # built at load (0.02–0.2 s, 85 MB), not on the first call
        self.channel = resources.load_channel()
        self.marks = resources.load_marks()
        # The phrase trie ships built (data/admin_terms.trie.pickle); a lexicon without
        # it grows its trie lazily, one first syllable at a time, as documents ask.
        self.lexicon = resources.load_lexicon()
        self.acronyms = resources.load_acronyms()
        self.generator = CandidateGenerator(
            {w: int(self.ngram.counts[i]) for w, i in self.ngram.vocab.items() if w.isalpha()},
            self.channel, rewrites=resources.load_rewrites())
        table = resources.candidate_table_path()
        if table is not None and not self.generator.load_table(str(table)):
            warnings.warn("models/candidates.tsv.gz was built for another channel or vocabulary; "
                          "ignoring it (rebuild: python scripts/build_candidate_table.py)", stacklevel=2)
        self.scorer = None
        if pending is not None:
            self.scorer = _load_scorer(required=engine == "model", pending=pending)
            engine = "model" if self.scorer is not None else "statistical"
        self.engine = engine
        self.source = {"model": "model", "statistical": "ngram", "rules": "rule"}[self.engine]

    @property
    def version(self) -> str:
        from . import __version__
        return f"vidiacritic-{__version__}/{self.engine}/{resources.fingerprint()}/{self.tone_style}"

    # ------------------------------------------------------------ public verbs
    def restore(self, text: str) -> str:
        return self._run(text, details=False).text

    def restore_many(self, texts: Iterable[str]) -> Iterator[str]:
        for t in texts:
            yield self.restore(t)

    def explain(self, text: str) -> Explanation:
        return self._run(text, details=True)

    def _run(self, text: str, details: bool) -> Explanation:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__} (decode bytes first)")
        text = nfc(text)
        toks = tokenize(text)
        words_in = [t.text for t in toks if t.kind == WORD]
        # (a lone & ¢ ¥ does not count: typed text has them too, and they are what
        # this decides)
        ocr_document = (sum(self._has_ocr_marks(w) for w in words_in if w not in LONE_DEBRIS)
                        >= OCR_DOCUMENT_SHARE * max(1, len(words_in)))
        if ocr_document:
            toks = join_ocr_splits(toks)  # "tu’" (tư), "Ngu@i" (người): one word each
        runs = [r[i : i + MAX_CHAIN] for r in chains(toks) for i in range(0, len(r), MAX_CHAIN)]
        reading = self._reading(toks, runs, words_in, ocr_document)
        by_line = self._line_readings(toks, reading)
        lattices, metas = [], []
        for run in runs:
            lat, meta = self._lattice(toks, run, ocr_document, reading, by_line)
            lattices.append(lat)
            metas.append(meta)
        memo: dict = {}  # bigram scores, reused when the model engine decodes again
        decoded = self._decode(lattices, memo)
        if self.scorer is not None and lattices:
            first = lattices
            for _ in range(self.model_passes):  # each pass conditions on the last one's path
                lattices = self._rescore(toks, runs, metas, decoded, first,
                                         self.model_marked_weight if reading.marked else 1.0)
                decoded = self._decode(lattices, memo)
        replaced: Dict[int, str] = {}
        words: List[WordDecision] = []
        for run, meta, dec in zip(runs, metas, decoded):
            for pos, ti in enumerate(run):
                tok = toks[ti]
                if tok.kind != WORD:
                    continue
                forms, phrase_hit = meta[pos]
                fixed = self._token_fix(toks, ti)
                if fixed is not None:
                    if details:
                        words.append(WordDecision(tok.text, fixed, tok.start, "rule", 1.0, []))
                    if fixed != tok.text:
                        replaced[ti] = fixed
                    continue
                if not forms:
                    if details:
                        words.append(WordDecision(tok.text, tok.text, tok.start, "kept", 1.0, []))
                    continue
                k = dec.best[pos]
                chosen = self._surface(forms[k], tok.text)
                if details:  # restore() needs only the text
                    probs = dec.marginals[pos]
                    order = np.argsort(-probs)
                    alts = [(self._surface(forms[j], tok.text), float(probs[j])) for j in order[:4] if j != k][:3]
                    source = "kept" if forms[k] is None else "rule" if phrase_hit[k] else self.source
                    words.append(WordDecision(tok.text, chosen, tok.start, source, float(probs[k]), alts))
                if chosen != tok.text:
                    replaced[ti] = chosen
        out = "".join(replaced.get(i, t.text) for i, t in enumerate(toks))
        return Explanation(out, words, reading)

    # ------------------------------------------------------------ internals
    def _token_fix(self, toks: Sequence[Token], i: int):
        """A fix from vidiacritic.fixes for a token that is no syllable (27.600.000d,
        HDND), or None."""
        text = toks[i].text
        if len(text) == 1:
            return fixes.currency_unit(toks, i)
        if self.acronyms is not None:
            hit = self.acronyms.restore(text)
            if hit is not None:
                return hit
        return fixes.roman_numeral(toks, i)

    def _decode(self, lattices: List[Lattice], memo=None):
        # Decode in slices so that memory stays bounded for very long documents.
        return [d for i in range(0, len(lattices), DECODE_SLICE)
                for d in decode_batch(lattices[i : i + DECODE_SLICE], self.lm, prune_to=self.prune_to,
                                      temperature=self.temperature, memo=memo)]

    def _segments(self, toks: Sequence[Token]) -> List[List[int]]:
        """WORD token indices grouped into the spans the scorer reads: paragraphs cut
        into pieces of at most SEGMENT_MAX_WORDS words, preferably at sentence ends."""
        segs: List[List[int]] = []
        cur: List[int] = []
        for i, tok in enumerate(toks):
            if tok.kind == WORD:
                cur.append(i)
                if len(cur) >= SEGMENT_MAX_WORDS:
                    segs.append(cur)
                    cur = []
            elif cur and ((tok.kind == SPACE and tok.text.count("\n") >= 2) or
                          (len(cur) >= SEGMENT_MIN_WORDS and tok.text in _SENTENCE_END)):
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        return segs

    def _rescore(self, toks, runs, metas, decoded, lattices, scale: float = 1.0) -> List[Lattice]:
        """Second pass: add the seq2seq scorer's log-probability of every candidate,
        given the segment's noisy text and the first-pass choice of the words before it
        (times `scale`: MODEL_MARKED_WEIGHT in documents read as marked)."""
        where = {ti: (r, pos) for r, run in enumerate(runs) for pos, ti in enumerate(run)}
        sc = self.scorer
        segments, places = [], []
        for seg in self._segments(toks):
            prefix, cands, place = [], [], []
            least = 1.0
            for ti in seg:
                r, pos = where[ti]
                forms = metas[r][pos][0]
                if forms:
                    k = decoded[r].best[pos]
                    prefix.append(sc.syllable_id(forms[k]))
                    least = min(least, float(decoded[r].marginals[pos][k]))
                else:
                    prefix.append(0)
                cands.append(np.array([sc.syllable_id(f) for f in forms] or [0]))
                place.append((r, pos, len(forms) > 1, any(metas[r][pos][1])))
            if least >= self.model_gate and self.model_gate < 1.0:
                continue  # the first pass is sure of every word here
            segments.append((_source_text(toks, seg[0], seg[-1]), prefix, cands))
            places.append(place)
        extra: Dict[Tuple[int, int], np.ndarray] = {}
        for seg_cands, place, lps in zip((c for _, _, c in segments), places, sc.score(segments)):
            for cand_ids, (r, pos, has_choice, phrase_hit), lp in zip(seg_cands, place, lps):
                if not has_choice:  # a single candidate: nothing to re-rank
                    continue
                weight = scale * self.model_weight * (self.model_phrase_weight if phrase_hit else 1.0)
                if weight == 0.0:
                    continue
                if not self.model_scores_unknown:
                    # The model's one "unknown" token lumps names and acronyms together
                    # with words it cannot read, so it can push a damaged word to stay
                    # damaged ("gbc" for gốc).  Optionally it abstains on "keep as written"
                    # and on syllables outside its vocabulary: they get the best score
                    # among the candidates it does know, and the n-gram model and the keep
                    # penalties decide them as in the statistical engine.
                    unknown = cand_ids == 0
                    if unknown.all():
                        continue
                    if unknown.any():
                        lp = np.where(unknown, lp[~unknown].max(), lp)
                elif self.model_split_unknown:
                    unknown = cand_ids == 0
                    n_unknown = int(unknown.sum())
                    if n_unknown > 1:
                        lp = np.where(unknown, lp - np.log(n_unknown), lp)
                extra[(r, pos)] = weight * lp
        out = []
        for r, lat in enumerate(lattices):
            unary = [u + extra[(r, pos)] if (r, pos) in extra else u for pos, u in enumerate(lat.unary)]
            out.append(Lattice(lat.ids, unary))
        return out

    def _has_ocr_marks(self, token: str) -> bool:
        return any(c in _OCR_MARKS for c in token) and normalize_syllable(token) not in self.ngram.vocab

    def _keep_logp(self, token: str, ocr_document: bool):
        """Score of leaving `token` unchanged, or None when it is a known syllable
        (then the identity candidate already stands for "keep")."""
        if normalize_syllable(token) in self.ngram.vocab:
            return None
        if token.lower() in self.generator.forms or self._has_ocr_marks(token):
            return self.keep_lower_logp  # a syllable without its marks, or OCR damage: HUYEN, s6
        if len(token) >= 2 and token.isupper():
            return self.keep_acronym_logp  # MTTQ, UBND
        if ocr_document and not any(c.isupper() for c in token):
            return self.keep_lower_logp  # phd, chire
        return self.keep_logp

    def _surface(self, form, original: str) -> str:
        if form is None:
            return original
        word = place_tone(form, MODERN) if self.tone_style == MODERN else form
        return apply_casing(word, original)

    def _entry(self, text: str, ocr_document: bool, reading: Optional[DocumentReading] = None):
        """Per distinct token: (forms, LM ids, unary scores, candidate set); cached,
        since a document repeats its words.  forms[k] None means "keep as written"."""
        # The weights are part of the key: scripts/tune_weights.py changes them in place.
        if reading is not None and not (reading.marked and text.isalpha()):
            reading = None  # read through the OCR channel
        key = (text, ocr_document, self.channel_weight, self.keep_logp, self.keep_acronym_logp,
               self.keep_lower_logp, reading)
        hit = self._entries.get(key)
        if hit is None:
            # Outside OCR output a single consonant is a letter (điểm đ, khoản b), not a
            # damaged syllable, and a lone & ¢ ¥ is itself.  (Longer vowelless tokens
            # stay candidates: "phd" may be phố in a line too short to look like OCR.)
            kept = not ocr_document and (text in LONE_DEBRIS or
                                         len(text) == 1 and not _VOWEL.match(strip_diacritics(text)))
            cands = () if kept else (self._marked_candidates(text, reading) if reading is not None
                                     else self.generator.candidates(ocr_reading(text)))
            if not cands:
                hit = ([], np.array([self.ngram.unk_id]), np.zeros(1), frozenset())
            else:
                forms: list = [c for c, _ in cands]
                ids = [self.ngram.vocab.get(f, self.ngram.unk_id) for f in forms]
                scores = [self.channel_weight * s for _, s in cands]
                keep = self._keep_logp(text, ocr_document)
                if keep is not None and reading is not None:
                    keep = self._marked_keep_logp(text, keep, reading)
                cset = frozenset(forms)
                if keep is not None:
                    forms.append(None)
                    ids.append(self.ngram.unk_id)
                    scores.append(keep)
                hit = (forms, np.array(ids), np.array(scores), cset)
            if len(self._entries) > 200_000:
                self._entries.clear()
            self._entries[key] = hit
        return hit

    # ------------------------------------------------------------ marks as evidence
    def _reading(self, toks: Sequence[Token], runs, words_in: Sequence[str], ocr_document: bool) -> DocumentReading:
        """How this document was read: its kind and tone/quality-drop rates from its own
        words (vidiacritic.marks.read_document); for a marked document, the mark-error
        rate fitted by one statistical decoding pass (_fit_mark_error)."""
        reading = read_document(words_in, ocr_document, self.marks)
        if reading.marked:
            reading = self._fit_mark_error(toks, runs, reading, ocr_document)
        return reading

    def _fit_mark_error(self, toks: Sequence[Token], runs, reading: DocumentReading,
                        ocr_document: bool) -> DocumentReading:
        """One EM step for the mark-error rate e: decode (first pass only) with the
        training pairs' rate, then take the share of words the decoder overturned in a
        way that dropped marks cannot explain (nhầm → nhằm, tình → trình; đong → đồng
        is a dropped tone, not an error).  A correct document overturns almost nothing,
        so its words keep their marks; a vie OCR one keeps a rate near its own."""
        fit_runs, n_words = [], 0
        for run in runs:  # a bounded sample: the estimate needs a few thousand words at most
            if n_words >= MARK_FIT_WORDS:
                break
            fit_runs.append(run)
            n_words += len(run)
        built = [self._lattice(toks, run, ocr_document, reading) for run in fit_runs]
        decoded = self._decode([lat for lat, _ in built])
        n = err = 0
        for run, (_, meta), dec in zip(fit_runs, built, decoded):
            for pos, ti in enumerate(run):
                text = toks[ti].text
                forms = meta[pos][0]
                if not forms or not text.isalpha() or forms[dec.best[pos]] is None:
                    continue
                n += 1
                obs, chosen = normalize_syllable(text), forms[dec.best[pos]]
                if chosen != obs and not np.isfinite(reading.typed_logp(obs, [chosen])[0]):
                    err += 1
        rate = (err + MARK_FIT_PRIOR * MARK_FIT_PRIOR_RATE) / (n + MARK_FIT_PRIOR)
        return reading.with_error(self.mark_error_scale * rate)

    def _marked_keep_logp(self, token: str, keep: float, reading: DocumentReading) -> float:
        """In a vie-OCR document a token that is no syllable is damage, not a name, an
        acronym or a unit, when it carries Vietnamese marks (sêm, ngầy, THÔA, RHOẰN):
        those never write acronyms, units (mm, kg) or foreign words.  Typed text keeps
        the usual penalties."""
        if reading.kind == VIE_OCR and strip_diacritics(token) != token:
            return min(keep, self.keep_lower_logp)
        return keep

    def _marked_candidates(self, text: str, reading: DocumentReading):
        """Candidates of a word in a marked document, scored by the document's marks
        channel: every other mark reading of its skeleton (đong → đồng, đông; nhầm →
        nhằm), the OCR channel's nearby syllables and, in vie OCR, the syllables one
        letter away (tình → trình)."""
        ev, prior = self._mark_evidence(text, reading.kind == VIE_OCR)
        if not ev.forms:
            return ()
        chans = reading.score(ev)
        best = float(chans.max())
        scored = sorted(((ch + p, f, ch) for f, ch, p in zip(ev.forms, chans.tolist(), prior)
                         if ch >= best - CHANNEL_BEAM), reverse=True)
        return tuple((f, ch) for _, f, ch in scored[:MAX_CANDIDATES])

    def _mark_evidence(self, text: str, letters_too: bool):
        """(MarkEvidence, pruning prior per form) of one word, whatever the document's
        rates: cached, since the fitting pass and each line's rates score it again."""
        obs = normalize_syllable(text)
        key = (obs, letters_too)
        hit = self._evidence.get(key)
        if hit is None:
            forms = dict.fromkeys(self.generator.forms.get(skeleton(obs), ()))
            if obs in self.ngram.vocab:
                forms[obs] = None
            for f, _ in self.generator.candidates(ocr_reading(text)):
                forms[f] = None
            if letters_too:  # one letter away, with a tone the OCR plausibly read as obs's
                tone_ok = self.marks.tone[:, letters_and_tone(obs)[1]] >= NEIGHBOUR_TONE_LOGP
                for sk in self.generator.neighbours(skeleton(obs), NEIGHBOUR_EDITS):
                    forms.update((f, None) for f in self.generator.forms[sk] if tone_ok[letters_and_tone(f)[1]])
            kept = [f for f in forms if f in self.generator.log_prior]
            prior = [PRIOR_WEIGHT * self.generator.log_prior[f] for f in kept]
            hit = (mark_evidence(self.marks, obs, kept), prior)
            if len(self._evidence) > 100_000:
                self._evidence.clear()
            self._evidence[key] = hit
        return hit

    def _line_readings(self, toks: Sequence[Token], reading: DocumentReading) -> Optional[Dict[int, DocumentReading]]:
        """For a vie-OCR document, each word's reading on its own line
        (DocumentReading.for_line: a line with words that are no syllable is likelier
        to be wrong elsewhere too); None for other documents."""
        if reading.kind != VIE_OCR:
            return None
        out: Dict[int, DocumentReading] = {}
        line: List[int] = []
        invalid = 0
        for i, tok in enumerate([*toks, Token("\n", SPACE, -1)]):  # a last break ends the last line
            if tok.kind == WORD:
                line.append(i)
                invalid += tok.text.isalpha() and normalize_syllable(tok.text) not in self.ngram.vocab
            elif "\n" in tok.text and line:
                line_reading = reading.for_line(self.marks, invalid)
                out.update((j, line_reading) for j in line)
                line, invalid = [], 0
        return out

    def _lattice(self, toks: Sequence[Token], run: Sequence[int], ocr_document: bool,
                 reading: Optional[DocumentReading] = None,
                 by_line: Optional[Dict[int, DocumentReading]] = None):
        ids, unary, meta = [], [], []
        num = (np.array([self.ngram.num_id]), np.zeros(1))
        entries = [self._entry(toks[ti].text, ocr_document, by_line.get(ti, reading) if by_line else reading)
                   if toks[ti].kind == WORD else None for ti in run]
        bonus = self._phrase_bonus([e[3] if e is not None else frozenset() for e in entries])
        for pos, entry in enumerate(entries):
            if entry is None:  # a number: seen by the LM as <num>
                ids.append(num[0])
                unary.append(num[1])
                meta.append(([], []))
                continue
            forms, form_ids, scores, _ = entry
            b = bonus.get(pos)
            if b:
                scores = scores + np.array([b.get(f, 0.0) if f is not None else 0.0 for f in forms])
                hits = [f in b for f in forms]
            else:
                hits = [False] * len(forms)
            ids.append(form_ids)
            unary.append(scores)
            meta.append((forms, hits))
        return Lattice(ids, unary), meta

    def _phrase_bonus(self, cand_sets: List[frozenset]) -> Dict[int, Dict[str, float]]:
        if self.lexicon is None or self.phrase_bonus == 0 or len(cand_sets) < 2:
            return {}  # phrases have two syllables or more
        out: Dict[int, Dict[str, float]] = {}
        for start, end, syls, strength in self.lexicon.matches(cand_sets):
            for p, s in zip(range(start, end), syls):
                cur = out.setdefault(p, {})
                cur[s] = max(cur.get(s, 0.0), self.phrase_bonus * strength)
        return out


def _source_text(toks: Sequence[Token], first: int, last: int) -> str:
    """The input text from token `first` to `last`, line breaks as spaces (the scorer
    was trained on single lines)."""
    return " ".join("".join(t.text for t in toks[first:last + 1]).split())


_WARNED: List[str] = []


class _Background:
    """fn() run in a thread; result() waits, then returns its value or raises its error."""

    def __init__(self, fn):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn) -> None:
        try:
            self._value = fn()
        except BaseException as e:  # re-raised in the caller's thread by result()
            self._error = e

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _open_scorer(folder=None):
    """The shipped scorer, or the one in `folder` (another trained model)."""
    if folder is not None:
        from .model.scorer import CandidateScorer
        return CandidateScorer(folder)
    return resources.load_scorer()


def _load_scorer(required: bool, pending: _Background):
    """The seq2seq scorer that `pending` (a _Background running _open_scorer) loads, or
    None (with one warning per process) when engine="auto" finds no model files or no
    sentencepiece."""
    try:
        return pending.result()
    except (resources.MissingResource, ImportError, OSError, ValueError, KeyError) as e:
        if required:
            raise resources.MissingResource(f"engine='model' is unavailable: {e}") from None
        if not _WARNED:
            _WARNED.append(str(e))
            warnings.warn(f"vidiacritic: the seq2seq model is unavailable ({e}); "
                          "using the statistical engine", stacklevel=3)
        return None


_DEFAULT: Dict[Tuple[str, str], Restorer] = {}


def _default(engine: str, tone_style: str) -> Restorer:
    key = (engine, tone_style)
    if key not in _DEFAULT:
        _DEFAULT[key] = Restorer(engine=engine, tone_style=tone_style)
    return _DEFAULT[key]


def restore(text: str, *, engine: str = "auto", tone_style: str = TRADITIONAL) -> str:
    """Restore the diacritics of `text` (a module-level Restorer is created once)."""
    return _default(engine, tone_style).restore(text)


def explain(text: str, *, engine: str = "auto", tone_style: str = TRADITIONAL) -> Explanation:
    """Like :func:`restore`, with a per-word account of every decision."""
    return _default(engine, tone_style).explain(text)
