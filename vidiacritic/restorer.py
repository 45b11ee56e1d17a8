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
               (each time a Restorer is made) and runs statistical.  A damaged model
               file or a bad setting is an error, never a silent switch of engine
Only WORD tokens are ever rewritten (see :mod:`vidiacritic.tokens`); everything else
is copied through, and casing follows the input token.
"""
from __future__ import annotations

import math
import re
import threading
import warnings
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from rapidfuzz.distance import Levenshtein

from . import digit_letters, fixes, resources, userterms  # digit_letters: digit-letters hook
from .candidates import CHANNEL_BEAM, MAX_CANDIDATES, PRIOR_WEIGHT, CandidateGenerator, _deletes, skeleton
from .decoder import Lattice, decode_batch
from .marks import VIE_OCR, DocumentReading, letters_and_tone, mark_evidence, read_document
from .text import (MODERN, TONE_STYLES, TRADITIONAL, apply_casing, compose_marks, normalize_syllable,
                   place_tone, split_tone, strip_diacritics)
from .tokens import (LONE_DEBRIS, NUMBER, OCR_DEBRIS, PROTECTED, PUNCT, SPACE, WORD, Token, chains,
                     join_ocr_splits, ocr_reading, tokenize)

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
# Re-scoring passes at most (see Restorer._refine): after the first, only segments whose
# path the last pass changed are scored again, on the new path, so that the answer is
# the model's reading of itself.  On random syllables with marks stripped at random,
# restoring the output again changed 4 of 400 texts with 1 pass and 2 with 2, for
# nearly twice the time; on the dev text stripped, 0 words with either, 1.01 s against
# 1.36 s (CPU).  So one pass; OCR output always gets one (more lost a dev OCR word).
MODEL_PASSES = 1
# Restore a document not read as marked (OCR output, unmarked text) twice when the first
# reading changed something: its output is read as a marked document (vidiacritic.marks),
# which may reopen a toneless word, so restoring it again could change it (dev OCR: Quý
# Mao → Quý Mão, 1 word).  Restoring twice makes the second restore a no-op; measured
# (model engine) dev OCR 0.96854 → 0.96882, dev stripped 0.98274 → 0.98302, held-out eng
# OCR 0.98492 = 0.98492, poor-eng 0.91475 → 0.91494; marked sets (gold, poor-vie,
# partly-marked) are read once as before.  Costs a second reading of such documents:
# 330k unmarked syllables through `fix`, 65 s → 151 s CPU, peak 495 → 579 MB.
SECOND_READING = True
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
# The document's own marks say how far to trust it (see _document_trust): pseudo-counts
# of the four writers it mixes (as meant, tone marks dropped, all marks dropped,
# damaged), and the EM iterations that fit their shares.  One count for "as meant" keeps
# a text of a few toneless words from reading as tone-dropped: restoring 1,000 random
# syllable texts again changed 9 with the statistical engine without it, 5 with it;
# no held-out set changed.
TRUST_PRIOR = (1.0, 0.0, 0.0, 1.0)
TRUST_ITERATIONS = 60
# A lexicon phrase written exactly, marks included ("xã Thung Nai"), is meant as
# written with this probability (see _lattice): text without marks cannot write it,
# and OCR rarely writes a whole phrase right by chance.  Of 2,008 lexicon place names
# restored alone, 12 still changed at 0.95 and 7 at 0.99
# (scripts/check_stability.py places --every 5 --alone); the dev OCR, stripped and
# gold results were the same at both.
LEXICON_WRITTEN = 0.99
# Bonus (nats per syllable) of a user term's syllable where the term matched (see
# vidiacritic.userterms): it replaces the built-in lexicon's bonus there and the seq2seq
# scorer does not vote (its vocabulary lacks most local names), so only the OCR channel
# and the language model can still overrule it: a term is not forced onto a word whose
# letters say otherwise.
USER_BONUS = 6.0
# Decodings at most for the user terms: a term the first one took only part of is
# dropped and the document decoded again, once (a second partial term stays partial).
USER_ROUNDS = 2
USER_AS_UNKNOWN = True
# A user term's syllable is a candidate of a word whose letters are that many edits
# from it (the OCR channel scores it), for syllables of at least USER_EDIT_MIN letters:
# "Stung" for Sùng.  The generator's own candidates stop short of rare syllables.
USER_EDITS = 1
USER_EDIT_MIN = 4
_MARKED, _UNMARKED, _DAMAGED, _OTHER = range(4)  # how a token was written (_written_kind)


@dataclass(frozen=True)
class WordDecision:
    """What happened to one input word."""

    original: str
    chosen: str
    start: int
    source: str  # "ngram", "rule", "model", "user" (a user term) or "kept" (no plausible Vietnamese reading)
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


class _Entry(NamedTuple):
    """One distinct token's candidates (Restorer._entry)."""

    forms: list  # normalized syllables; None means "keep as written"
    ids: np.ndarray  # their LM ids
    scores: np.ndarray  # channel scores (weighted); the keep penalty for None
    cset: FrozenSet[str]  # the syllables among forms
    written: Optional[str]  # the token as a normalized syllable, if it is all letters
    same: int  # index of `written` in forms, or -1 (no syllable of the vocabulary)
    keep: int  # index of None in forms, or -1
    toned: Tuple[int, ...]  # indices of the forms that are `written` with a tone mark added
    lookup: FrozenSet[str]  # cset and `written`: what lexicon phrases are matched against
    user: FrozenSet[str] = frozenset()  # user-term syllables among forms (_user_fit)
    extra: Tuple[int, ...] = ()  # indices of the forms only the user terms made candidates


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
                 keep_lower_logp: float = LOWER_KEEP_LOGP, model_dir=None, lexicon=None,
                 user_bonus: float = USER_BONUS):
        """lexicon: the user's terms, a lexicon file's path, several paths, or a
        vidiacritic.userterms.UserTerms (a bad file raises userterms.LexiconError)."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        if tone_style not in TONE_STYLES:
            raise ValueError(f"unknown tone style {tone_style!r}; choose traditional or modern")
        self.tone_style = tone_style
        self.user_terms = userterms.load(lexicon)  # first: a bad file fails before the models load
        self.user_bonus = user_bonus
        self.user_as_unknown = USER_AS_UNKNOWN
        self._user_by_skeleton: Dict[str, List[Tuple[str, bool, bool]]] = {}
        for syl, (low, cap) in self.user_terms.letter_syllables().items():
            self._user_by_skeleton.setdefault(skeleton(syl), []).append((syl, low, cap))
        self._user_deletes: Dict[str, set] = {}  # a skeleton less a letter → user skeletons
        for sk in self._user_by_skeleton:
            for d in _deletes(sk, USER_EDITS if len(sk) >= USER_EDIT_MIN else 0):
                self._user_deletes.setdefault(d, set()).add(sk)
        self.channel_weight = channel_weight
        self.phrase_bonus = phrase_bonus
        self.keep_logp, self.keep_acronym_logp = keep_logp, keep_acronym_logp
        self.keep_lower_logp = keep_lower_logp
        self.prune_to = PRUNE_TO
        self.temperature = CONFIDENCE_TEMPERATURE
        self._entries: Dict[tuple, tuple] = {}
        self._shares: Dict[str, Tuple[float, float, float]] = {}
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
        self.model_dir, self._version = model_dir, None
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
        self.code_parts = resources.load_code_parts()
        self.english = resources.load_english_words()
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
        """Identifies what this restorer computes: package version, engine, a hash of
        the whole content of the model and data files (and of `model_dir`'s), tone
        style.  ``batch`` redoes outputs made under another version.  The files
        (~60 MB) are hashed once per Restorer, when first asked."""
        if self._version is None:
            from . import __version__
            self._version = (f"vidiacritic-{__version__}/{self.engine}/"
                             f"{resources.fingerprint(self.model_dir)}/{self.tone_style}"
                             + (f"/user-{self.user_terms.digest()}" if self.user_terms else ""))
        return self._version

    # ------------------------------------------------------------ public verbs
    def restore(self, text: str, *, ocr_document: Optional[bool] = None) -> str:
        """`text` restored.  ocr_document: whether the document it belongs to is OCR
        output (None: decided from `text`); vidiacritic.stream passes the decision made
        for a whole file when it restores the file in pieces."""
        return self._run(text, details=False, ocr_document=ocr_document).text

    def restore_many(self, texts: Iterable[str]) -> Iterator[str]:
        for t in texts:
            yield self.restore(t)

    def explain(self, text: str, *, ocr_document: Optional[bool] = None) -> Explanation:
        """Like restore(), with every word's decision."""
        return self._run(text, details=True, ocr_document=ocr_document)

    def ocr_word_counts(self, text: str) -> Tuple[int, int]:
        """(words with OCR marks, words) in `text`: what decides whether a document is
        OCR output (see is_ocr_document).  vidiacritic.stream sums them over a whole
        file before restoring it in pieces."""
        return self._ocr_word_counts(tokenize(compose_marks(text)))

    def _ocr_word_counts(self, toks: Sequence[Token]) -> Tuple[int, int]:
        words_in = [t.text for t in toks if t.kind == WORD]
        # (a lone & ¢ ¥ does not count: typed text has them too, and they are what
        # this decides)
        return sum(self._has_ocr_marks(w) for w in words_in if w not in LONE_DEBRIS), len(words_in)

    def _run(self, text: str, details: bool, *, ocr_document: Optional[bool] = None) -> Explanation:
        """`ocr_document`: whether `text` is OCR output; None decides it from `text`
        itself.  A caller restoring one document in pieces passes the decision for the
        whole document, so that every piece is read alike.

        A document that was not read as marked (OCR output, text without marks) comes
        out marked, and a marked document is read otherwise (vidiacritic.marks: its few
        toneless words are reopened at its own tone-drop rate).  So its restored text
        is read once more, as restoring it again would read it, and that reading is the
        answer: restoring the output again then changes nothing (issue 11 item 12; see
        SECOND_READING for what it measured)."""
        first, positions = self._run_once(text, details, ocr_document=ocr_document)
        if not SECOND_READING or first.reading is None or first.reading.marked or not positions:
            return first  # read as marked already, or nothing changed: it reads itself alike
        second, _ = self._run_once(first.text, details)
        # (the reading reported is the input's: how the document itself was read)
        if not details:
            return Explanation(second.text, [], first.reading)
        return Explanation(second.text, _merge_readings(first.words, second.words, positions), first.reading)

    def _run_once(self, text: str, details: bool, *,
                  ocr_document: Optional[bool] = None) -> Tuple[Explanation, Dict[int, Tuple[int, str, str]]]:
        """One reading of `text` (see _run), and where each token whose text changed
        went: {start in the output: (start in the input, input text, output text)}."""
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__} (decode bytes first)")
        if (bad := re.search(r"[\ud800-\udfff]", text)) is not None:  # else sentencepiece's RuntimeError
            raise ValueError(f"text has a lone surrogate U+{ord(bad.group()):04X} at index {bad.start()} "
                             "(not valid Unicode: decode bytes with errors='replace', not 'surrogateescape')")
        text = compose_marks(text)  # NFC letters; other characters kept exactly
        toks = tokenize(text)
        words_in = [t.text for t in toks if t.kind == WORD]
        if ocr_document is None:
            ocr_document = is_ocr_document(*self._ocr_word_counts(toks))
        if ocr_document:
            toks = join_ocr_splits(toks)  # "tu’" (tư), "Ngu@i" (người): one word each
        runs = [r[i : i + MAX_CHAIN] for r in chains(toks) for i in range(0, len(r), MAX_CHAIN)]
        reading = self._reading(toks, runs, words_in, ocr_document)
        by_line = self._line_readings(toks, reading)
        # A document read as marked is weighed by the marks channel and its own rates
        # (vidiacritic.marks); other typed text by its trust in its marks (_document_trust).
        # OCR output writes marks of its own (Tesseract's é, ó for damaged letters), so
        # only other text is trusted by its marks.
        trust = (0.0, 0.0) if ocr_document or reading.marked else self._document_trust(words_in)
        foreign = fixes.foreign_words(toks, self.english, self._vietnamese_frequency)
        # (a word a user term fits is no foreign word: "Stung" for Sùng)
        found = self._user_matches(toks, {ti: self._entry_at(toks, ti, ocr_document, reading, by_line, ())
                                          for run in runs for ti in run}) if self.user_terms else []
        for attempt in range(USER_ROUNDS):
            lattices, metas = [], []
            user = _user_choices(found)
            for run in runs:
                lat, meta = self._lattice(toks, run, ocr_document, reading, by_line, trust, foreign, user)
                lattices.append(lat)
                metas.append(meta)
            memo: dict = {}  # bigram scores, reused when the model engine decodes again
            decoded = self._decode(lattices, memo)
            if self.scorer is not None and lattices:
                # OCR output is read once: more passes lost a word on the dev OCR, and its
                # restored text, no longer OCR output, is read with all of them.  In a
                # document read as marked the scorer (trained on Tesseract-eng noise) weighs less.
                decoded = self._refine(toks, runs, metas, decoded, lattices, memo, letters_only=not ocr_document,
                                       passes=1 if ocr_document else self.model_passes,
                                       scale=self.model_marked_weight if reading.marked else 1.0)
            # A term is a whole: where the decoder took only part of one (Song Phài for
            # the term Sùng Phài), the OCR did not write that term there.  Decode again
            # without those matches.
            partial = _partial_terms(found, runs, metas, decoded)
            if not partial:
                break
            found = [m for m in found if m not in partial]
        replaced: Dict[int, str] = {}
        words: List[WordDecision] = []
        for run, meta, dec in zip(runs, metas, decoded):
            for pos, ti in enumerate(run):
                tok = toks[ti]
                if tok.kind != WORD and not meta[pos][0]:  # digit-letters hook: numbers with a slot go on
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
                    source = ("kept" if forms[k] is None else "user" if phrase_hit[k] == "user"
                              else "rule" if phrase_hit[k] else self.source)
                    words.append(WordDecision(tok.text, chosen, tok.start, source, float(probs[k]), alts))
                if chosen != tok.text:
                    replaced[ti] = chosen
        words = self._document_fixes(toks, replaced, words, details)
        parts = [replaced.get(i, t.text) for i, t in enumerate(toks)]
        positions: Dict[int, Tuple[int, str, str]] = {}
        at = 0
        for i, part in enumerate(parts):
            if i in replaced and part != toks[i].text:
                positions[at] = (toks[i].start, toks[i].text, part)
            at += len(part)
        return Explanation("".join(parts), words, reading), positions

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
        return fixes.roman_numeral(toks, i) or digit_letters.roman_numeral(toks, i)  # digit-letters hook

    def _document_fixes(self, toks: Sequence[Token], replaced: Dict[int, str],
                        words: List[WordDecision], details: bool) -> List[WordDecision]:
        """Fixes that need the whole document or its restored words, applied to
        `replaced` (token index → new text): the Đ of document-code parts (760/QD-UBND)
        and of acronyms the document defines (tự đánh giá (TDG)).  Returns `words` with
        these reported as "rule", in text order."""
        fixed: Dict[int, str] = {}
        if self.code_parts is not None:
            for i, tok in enumerate(toks):
                code = self.code_parts.restore(tok.text) if tok.kind == PROTECTED else None
                if code is not None:
                    fixed[i] = code
        fixed.update(fixes.defined_acronyms(toks, [replaced.get(i, t.text) for i, t in enumerate(toks)]))
        replaced.update(fixed)
        if not details or not fixed:
            return words
        by_start = {toks[i].start: new for i, new in fixed.items()}
        words = [replace(w, chosen=by_start.pop(w.start), source="rule", confidence=1.0, alternatives=[])
                 if w.start in by_start else w for w in words]
        words += [WordDecision(toks[i].text, new, toks[i].start, "rule", 1.0, [])
                  for i, new in fixed.items() if toks[i].start in by_start]
        return sorted(words, key=lambda w: w.start)

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

    def _refine(self, toks, runs, metas, decoded, first: List[Lattice], memo, letters_only: bool,
                passes: int, scale: float = 1.0):
        """The model engine's passes: the seq2seq scorer re-scores the candidates of
        every segment the first pass is unsure of, reading the path decoded so far as
        the words before each one, and Viterbi decodes again.  Where that changed the
        path of a segment, the scorer read it a context that is no longer the answer, so
        those segments are scored again on the new path, and so on until no path
        changes (at most `passes` passes; see MODEL_PASSES for what more cost and
        gave).  Only runs with a scored segment are decoded again: the others keep the
        first pass's path, which their unchanged lattices would give again."""
        where = {ti: (r, pos) for r, run in enumerate(runs) for pos, ti in enumerate(run)}
        segs = [(seg, [where[ti] for ti in seg]) for seg in self._segments(toks)]
        extra: Dict[Tuple[int, int], np.ndarray] = {}
        todo = None  # the first pass: every segment the gate lets through
        decoded = list(decoded)
        for _ in range(passes):
            scored = self._rescore(toks, metas, decoded, segs, extra, todo, letters_only, scale)
            if not scored:
                break
            again = sorted({r for i in scored for r, _ in segs[i][1]})
            lattices = [Lattice(first[r].ids, [u + extra[(r, pos)] if (r, pos) in extra else u
                                               for pos, u in enumerate(first[r].unary)]) for r in again]
            before = {r: decoded[r].best for r in again}
            for r, dec in zip(again, self._decode(lattices, memo)):
                decoded[r] = dec
            todo = [i for i in scored if any(decoded[r].best[pos] != before[r][pos] for r, pos in segs[i][1])]
            if not todo:
                break
        return decoded

    def _rescore(self, toks, metas, decoded, segs, extra, todo, letters_only: bool,
                 scale: float = 1.0) -> List[int]:
        """Add to `extra` the seq2seq scorer's log-probability of every candidate of
        the segments `todo` (indices into `segs`, each a segment's token indices and
        their (run, position) places; None: every segment the first pass is not sure
        of), given the segment's text and the path `decoded` as the words before
        each one; returns the indices of the segments scored.

        letters_only: the scorer reads the text with its marks stripped.  Outside OCR
        output the marks a text has are weighed by the channel and the document's trust
        (_lattice), so the scorer need not read them; reading the letters only, it reads
        a restored text exactly as it read the input, which keeps restoring again stable."""
        sc = self.scorer
        segments, places, scored = [], [], []
        for i in range(len(segs)) if todo is None else todo:
            seg_toks, seg = segs[i]
            prefix, cands, place = [], [], []
            least = 1.0
            for r, pos in seg:
                forms = metas[r][pos][0]
                if forms:
                    k = decoded[r].best[pos]
                    prefix.append(sc.syllable_id(forms[k]))
                    least = min(least, float(decoded[r].marginals[pos][k]))
                else:
                    prefix.append(0)
                cands.append(np.array([sc.syllable_id(f) for f in forms] or [0]))
                hits = metas[r][pos][1]
                place.append((r, pos, len(forms) > 1, "user" if "user" in hits else any(hits)))
            if todo is None and least >= self.model_gate and self.model_gate < 1.0:
                continue  # the first pass is sure of every word here
            source = _source_text(toks, seg_toks[0], seg_toks[-1])
            segments.append((strip_diacritics(source) if letters_only else source, prefix, cands))
            places.append(place)
            scored.append(i)
        for seg_cands, place, lps in zip((c for _, _, c in segments), places, sc.score(segments)):
            for cand_ids, (r, pos, has_choice, phrase_hit), lp in zip(seg_cands, place, lps):
                if not has_choice or phrase_hit == "user":  # nothing to re-rank; a user term's word
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
        return scored

    def _vietnamese_frequency(self, token: str) -> float:
        """Unigram frequency of the Vietnamese readings of `token`'s letters (its
        skeleton), 0 when it has none: how likely the token is Vietnamese as written or
        without its marks (fixes.foreign_words weighs it against English)."""
        forms = self.generator.forms.get(strip_diacritics(token.lower()), ())
        prior = self.generator.log_prior
        return float(sum(np.exp(prior[f]) for f in forms if f in prior))

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

    def _entry(self, text: str, ocr_document: bool, reading: Optional[DocumentReading] = None) -> _Entry:
        """Per distinct token: its candidates (an _Entry); cached, since a document
        repeats its words.  A word of a document read as marked gets the marks
        channel's candidates (_marked_candidates)."""
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
            syl = normalize_syllable(text)
            written = syl if syl.isalpha() else None
            n_base = len(cands)
            if self._user_by_skeleton and not kept:
                cands = self._with_user_candidates(text, tuple(cands))
            if not cands:
                hit = _Entry([], np.array([self.ngram.unk_id]), np.zeros(1), frozenset(), written, -1, -1, (),
                             frozenset([written] if written else []))
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
                toned = () if written is None or split_tone(written)[1] else tuple(
                    k for k, f in enumerate(forms) if f is not None and f != written
                    and split_tone(f)[0] == written)
                hit = _Entry(forms, np.array(ids), np.array(scores), cset, written,
                             forms.index(syl) if syl in cset else -1, len(forms) - 1 if keep is not None else -1,
                             toned, cset if written is None or written in cset else cset | {written},
                             self._user_fit(text, cset), tuple(range(n_base, len(cands))))
            if len(self._entries) > 200_000:
                self._entries.clear()
            self._entries[key] = hit
        return hit

    # ------------------------------------------------------------ user terms
    def _user_readings(self, text: str) -> List[str]:
        """User-term syllables whose letters `text` reads as (its skeleton, or one of
        the generator's readings of its OCR marks: "Ph&i" → phai; or USER_EDITS letters
        from one of those: "Stung" → sùng), allowed by its case
        (a syllable only ever written with a capital fits capitalized words only)."""
        capital = text[:1].isupper()
        out: List[str] = []
        for reading in self.generator._readings(skeleton(ocr_reading(text))):
            near = {sk for d in _deletes(reading, USER_EDITS) for sk in self._user_deletes.get(d, ())
                    if sk == reading or (len(sk) >= USER_EDIT_MIN and Levenshtein.distance(sk, reading) <= USER_EDITS)}
            for sk in sorted(near):
                for syl, low, cap in self._user_by_skeleton[sk]:
                    if (low or capital) and syl not in out:
                        out.append(syl)
        return out

    def _with_user_candidates(self, text: str, cands: Tuple[Tuple[str, float], ...]):
        """`cands` plus the user-term syllables `text` reads as (_user_readings) that are
        not among them, scored by the OCR channel: a local name's syllable the language
        model never saw ("Phài") can then be chosen where a term says so."""
        have = {f for f, _ in cands}
        extra = [s for s in self._user_readings(text) if s not in have]
        if not extra:
            return cands
        chans = self.channel.logp_many(ocr_reading(text).lower(), extra)
        return cands + tuple((s, round(float(ch), 4)) for s, ch in zip(extra, chans.tolist()))

    def _user_fit(self, text: str, cset: FrozenSet[str]) -> FrozenSet[str]:
        """The user-term syllables a word could be: among its candidates `cset`
        (which _with_user_candidates extended with those its letters read as)."""
        if not self._user_by_skeleton:
            return frozenset()
        capital = text[:1].isupper()
        return frozenset(s for s in cset for syl, low, cap in self._user_by_skeleton.get(skeleton(s), ())
                         if syl == s and (low or capital))

    def _user_matches(self, toks: Sequence[Token], entries: Dict[int, Optional[_Entry]]) -> List[UserMatch]:
        """Where the user's terms fit the document: per match, its words' (token
        index, the term's syllable there).  A term fits words (and numbers) that follow each other with one space
        or line break between them (a hyphen too, where the term has one), each having
        the term's syllable among its candidates and a capital where the term has
        one.  `entries`: each WORD token's _Entry."""
        words = [i for i, t in enumerate(toks) if t.kind in (WORD, NUMBER)]
        fits: List[FrozenSet[str]] = []
        for i in words:
            entry = entries.get(i)
            fits.append(frozenset([toks[i].text]) if toks[i].kind == NUMBER else
                        entry.user if entry is not None else frozenset())
        seps = [None] + [_separator(toks[a + 1 : b]) for a, b in zip(words, words[1:])]
        found: List[UserMatch] = []
        for k in range(len(words)):
            for s in fits[k]:
                for term in self.user_terms.starting_with(s):
                    if self._term_fits(term.parts, toks, words, fits, seps, k):
                        rare = self._rare_term(term)
                        found.append(tuple((i, part.syllable, rare) for part, i in
                                           zip(term.parts, words[k : k + len(term.parts)]) if toks[i].kind == WORD))
        return [m for m in found if m]

    def _rare_term(self, term) -> bool:
        """Whether a term has a syllable outside the language model's vocabulary: the
        model read such a name in its corpus with <unk> in it ("xã sùng <unk>"), so its
        syllables are scored as <unk> too (USER_AS_UNKNOWN), not as the common words
        they may spell.  Other terms (Tân Phong) keep the model's view of their context."""
        return any(p.syllable not in self.ngram.vocab for p in term.parts if not p.syllable.isdigit())

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

    def _kept_entry(self, text: str) -> "_Entry":
        """An entry without candidates: the token is kept as written (a foreign word)."""
        return _Entry([], np.array([self.ngram.unk_id]), np.zeros(1), frozenset(), None, -1, -1, (),
                      frozenset())

    def _lattice(self, toks: Sequence[Token], run: Sequence[int], ocr_document: bool,
                 reading: Optional[DocumentReading] = None,
                 by_line: Optional[Dict[int, DocumentReading]] = None,
                 trust: Tuple[float, float] = (0.0, 0.0), foreign=frozenset(),
                 user: Optional[Dict[int, Tuple[str, bool]]] = None):
        """The lattice of one chain.  `reading` (by_line: per word, for vie OCR) is how
        the document was read (marks channel), `trust` the typed document's
        _document_trust; a foreign word (fixes.foreign_words) gets no candidates: it
        is kept as written.  `user` (_user_choices): token index → the user term's
        syllable there (and whether the term is rare), which gets USER_BONUS instead of the phrase lexicon's bonus.
        Each position's meta is (forms, hits): hits[k] is "user" where form k is a
        user term's, True where a lexicon phrase's, else False."""
        ids, unary, meta = [], [], []
        num = (np.array([self.ngram.num_id]), np.zeros(1))
        if user:
            foreign = foreign - user.keys()
        entries = [self._entry_at(toks, ti, ocr_document, reading, by_line, foreign) for ti in run]
        bonus, written_phrases = self._phrase_bonus(entries)
        for pos, ti in enumerate(run):
            if user and ti in user:
                bonus[pos] = {user[ti][0]: self.user_bonus}
        for pos, entry in enumerate(entries):
            if entry is None:  # a number: seen by the LM as <num>
                ids.append(num[0])
                unary.append(num[1])
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
            # document and the phrase mislead (LEXICON_WRITTEN); a name's syllable outside
            # the vocabulary is then kept as written.
            same, (a, c) = entry.same, trust
            if pos in written_phrases:
                same = same if same >= 0 else entry.keep
                a, c = 1.0 - (1.0 - a) * (1.0 - LEXICON_WRITTEN), c * (1.0 - LEXICON_WRITTEN)
            if (a > 0.0 and same >= 0) or (c > 0.0 and entry.toned):
                scores = scores.copy()
                w, rest = self.channel_weight, 1.0 - a - c
                if a > 0.0 and same >= 0:
                    scores[same] = w * np.logaddexp(np.log(a / rest), scores[same] / w)
                if c > 0.0 and entry.toned:
                    toned = list(entry.toned)
                    scores[toned] = w * np.logaddexp(np.log(c / rest), scores[toned] / w)
            b = bonus.get(pos)
            if b:
                scores = scores + np.array([b.get(f, 0.0) if f is not None else 0.0 for f in forms])
                hits = [("user" if user and run[pos] in user else True) if f in b else False for f in forms]
                if user and run[pos] in user and user[run[pos]][1] and self.user_as_unknown:
                    # The language model read such a name in its corpus with <unk> in
                    # it (Restorer._rare_term): its words are scored like one.
                    form_ids = np.where([f == user[run[pos]][0] for f in forms], self.ngram.unk_id, form_ids)
            else:
                hits = [False] * len(forms)
            if entry.extra and not (user and run[pos] in user):
                # Forms that only a user term made candidates serve where a term matched.
                forms, form_ids, scores, hits = _without(entry.extra, forms, form_ids, scores, hits,
                                                         self.ngram.unk_id)
            ids.append(form_ids)
            unary.append(scores)
            meta.append((forms, hits))
        return Lattice(ids, unary), meta

    def _entry_at(self, toks: Sequence[Token], ti: int, ocr_document: bool,
                  reading: Optional[DocumentReading], by_line: Optional[Dict[int, DocumentReading]],
                  foreign) -> Optional[_Entry]:
        """Token ti's _Entry in this document (None for a number)."""
        if toks[ti].kind != WORD:  # digit-letters hook (issue 9.3): a bare number of OCR may be letters
            return digit_letters.entry(self, toks, ti) if ocr_document and toks[ti].kind == NUMBER else None
        if ti in foreign:
            return self._kept_entry(toks[ti].text)
        return self._entry(toks[ti].text, ocr_document, by_line.get(ti, reading) if by_line else reading)

    def _document_trust(self, words: Sequence[str]) -> Tuple[float, float]:
        """The shares of the document's words written exactly as meant and with their
        tone marks dropped, estimated from the document itself: the weights of the
        first two of four writers mixed word by word (EM, TRUST_PRIOR pseudo-counts):

        a  writes every word as meant;
        c  drops the tone marks and keeps the others ("đong" for đồng, đóng, đong);
        b  drops every mark ("dung" for dung, dùng, đúng, đứng, …);
        d  damages it: a token with marks that is no syllable, OCR damage, or a
           syllable's letters without their marks ("Viét", "16n", "Đieu", "HUYEN").

        A syllable with a tone mark comes from a only; one without comes from a with
        the share of its own form among the corpus counts of the forms it could stand
        for (_writer_shares), from c or b when it has the form they write.  Acronyms,
        names and foreign words say nothing.  A restored document trusts itself (its
        marked words outweigh its rare unmarked ones), so restoring it again keeps it;
        text without marks, or with tone marks dropped, does not.
        """
        counts: Dict[str, int] = {}
        damaged = 0
        for w in words:
            kind = self._written_kind(w)
            if kind in (_MARKED, _UNMARKED):
                syl = normalize_syllable(w)
                counts[syl] = counts.get(syl, 0) + 1
            elif kind == _DAMAGED:
                damaged += 1
        if not any(strip_diacritics(s) != s for s in counts):
            return 0.0, 0.0  # no word shows a writer who writes marks
        # likelihood of each word type under writers a, c, b, d (relative to its letters)
        lik = np.array([self._writer_shares(s) + (0.0,) for s in counts] + [(0.0, 0.0, 0.0, 1.0)])
        n = np.array(list(counts.values()) + [damaged], dtype=np.float64)
        prior = np.array(TRUST_PRIOR)
        mix = np.full(4, 0.25)
        for _ in range(TRUST_ITERATIONS):
            resp = mix * lik  # E: which writer wrote each word type
            resp /= np.maximum(resp.sum(axis=1, keepdims=True), 1e-300)
            mix = (n @ resp + prior) / (n.sum() + prior.sum())  # M: the writers' shares
        return float(mix[0]), float(mix[1])

    def _written_kind(self, token: str) -> int:
        """_MARKED or _UNMARKED (a syllable with or without marks), _DAMAGED (a token
        that is no syllable but has marks or OCR damage, or is a syllable's letters
        without its marks: "Đieu", "16n", "HUYEN") or _OTHER (acronyms, names,
        foreign words, which say nothing about how the text was written)."""
        syl = normalize_syllable(token)
        bare = strip_diacritics(syl)
        if syl in self.ngram.vocab and syl.isalpha():
            return _UNMARKED if bare == syl else _MARKED
        if bare != syl or token.lower() in self.generator.forms or self._has_ocr_marks(token):
            return _DAMAGED
        return _OTHER

    def _writer_shares(self, syl: str) -> Tuple[float, float, float]:
        """How likely writers a, c, b of _document_trust write `syl` (relative to the
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

    def _phrase_bonus(self, entries: Sequence[Optional[_Entry]]):
        """Lexicon phrases over a chain's candidates: {position: {syllable: bonus}},
        and the positions covered by a phrase written exactly, marks included."""
        if self.lexicon is None or self.phrase_bonus == 0 or len(entries) < 2:
            return {}, set()  # phrases have two syllables or more
        empty: FrozenSet[str] = frozenset()
        # The words as written join the candidates (a name's rare syllable may be none:
        # "Ngối"), but only to find phrases written exactly.
        sets = [e.lookup if e is not None else empty for e in entries]
        out: Dict[int, Dict[str, float]] = {}
        exact: set = set()
        for start, end, syls, strength in self.lexicon.matches(sets):
            span = range(start, end)
            if all(entries[p].written == s for p, s in zip(span, syls)):
                if any(strip_diacritics(s) != s for s in syls):  # text without marks cannot write it
                    exact.update(span)
            elif not all(s in entries[p].cset for p, s in zip(span, syls)):
                continue
            for p, s in zip(span, syls):
                cur = out.setdefault(p, {})
                cur[s] = max(cur.get(s, 0.0), self.phrase_bonus * strength)
        return out, exact


# A user term's words: (token index, syllable, whether the term is rare: _rare_term)
UserMatch = Tuple[Tuple[int, str, bool], ...]


def _user_choices(found: Sequence[UserMatch]) -> Dict[int, Tuple[str, bool]]:
    """Token index → (the user term's syllable there, the term is rare); where matches
    overlap, the longer term's."""
    out: Dict[int, Tuple[int, str, bool]] = {}
    for match in found:
        for i, syl, rare in match:
            if out.get(i, (0, "", False))[0] < len(match):
                out[i] = (len(match), syl, rare)
    return {i: (syl, rare) for i, (_, syl, rare) in out.items()}


def _partial_terms(found: Sequence[UserMatch], runs, metas, decoded) -> List[UserMatch]:
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


def _without(drop: Sequence[int], forms: list, ids: np.ndarray, scores: np.ndarray, hits: list, unk: int):
    """A lattice position's candidates less those at `drop`; with none left, the word
    is kept as written (as _kept_entry)."""
    idx = [k for k in range(len(forms)) if k not in drop]
    if not idx:
        return [], np.array([unk]), np.zeros(1), []
    return [forms[k] for k in idx], ids[idx], scores[idx], [hits[k] for k in idx]


def _separator(between: Sequence[Token]) -> Optional[str]:
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


def _merge_readings(first: List[WordDecision], second: List[WordDecision],
                    positions: Dict[int, Tuple[int, str, str]]) -> List[WordDecision]:
    """The words of a two-reading explanation (Restorer._run): the first reading's,
    except where the second changed a word the first had changed (its decision, with
    the input's word and start); a word the first kept is at the same place in both."""
    out = {w.start: w for w in first}
    shift = _start_map(first, positions)
    for w in second:
        if not w.changed:
            continue
        hit = positions.get(w.start)
        if hit is not None and hit[2] == w.original:  # a word the first reading changed
            start, original = hit[0], hit[1]
        elif w.start in shift:  # a word the first reading kept
            start, original = shift[w.start], w.original
        else:  # the second reading cut its words otherwise (not seen on the dev sets):
            continue  # the text has its choice; the first reading's record stays
        out[start] = replace(w, original=original, start=start)
    return sorted(out.values(), key=lambda w: w.start)


def _start_map(first: List[WordDecision], positions: Dict[int, Tuple[int, str, str]]) -> Dict[int, int]:
    """{start in the output: start in the input} of the words the first reading kept:
    the output is the input with the changed tokens of `positions` replaced."""
    changes = sorted((start_in, len(old) - len(new)) for _, (start_in, old, new) in positions.items())
    out: Dict[int, int] = {}
    k = delta = 0
    for w in sorted(first, key=lambda w: w.start):
        while k < len(changes) and changes[k][0] < w.start:
            delta += changes[k][1]
            k += 1
        if not w.changed:
            out[w.start - delta] = w.start
    return out


def _source_text(toks: Sequence[Token], first: int, last: int) -> str:
    """The input text from token `first` to `last`, line breaks as spaces (the scorer
    was trained on single lines)."""
    return " ".join("".join(t.text for t in toks[first:last + 1]).split())


def is_ocr_document(marked: int, words: int) -> bool:
    """Whether a document whose `words` words include `marked` with OCR marks is OCR
    output (Restorer.ocr_word_counts gives both)."""
    return marked >= OCR_DOCUMENT_SHARE * max(1, words)


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
    return resources.load_scorer() if folder is None else resources.open_scorer(folder)


def _load_scorer(required: bool, pending: _Background):
    """The seq2seq scorer that `pending` (a _Background running _open_scorer) loads, or
    None, with a warning each time, when engine="auto" finds the model's files absent
    or sentencepiece missing.  Anything else (a damaged file: CorruptResource; a bad
    VIDIACRITIC_RUNTIME: SettingError) is raised: a broken model never silently
    becomes a weaker engine."""
    try:
        return pending.result()
    except (resources.MissingResource, ImportError) as e:
        if required:
            raise resources.MissingResource(f"engine='model' is unavailable: {e}") from None
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
