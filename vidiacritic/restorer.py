"""The restorer: text → tokens → candidates → decoder → text.

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

This module is the facade: a document goes through the STAGES listed below, in that
order; the work of each lies in its own module: :mod:`vidiacritic.reading` (how the
document was written), :mod:`vidiacritic.user_matching` (the user's terms),
:mod:`vidiacritic.lattice` (candidates and their scores), :mod:`vidiacritic.rescoring`
(Viterbi and the seq2seq scorer), :mod:`vidiacritic.assembly` (the output and its fixes),
:mod:`vidiacritic.explanation` (per-word decisions), :mod:`vidiacritic.invisible` (format
characters read through and written back);
the tuning is one frozen :class:`vidiacritic.config.Config`.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import re
import warnings
from dataclasses import dataclass, replace
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import confidence, document_memory, fixes, invisible, resources, userterms, viterbi, word_breaks
from .candidates import CandidateGenerator
from .assembly import Assembler, join
from .config import DEFAULT, Config
from .engine_loading import Background, UnigramLM, scorer_and_weights, scorer_or_fallback
from .explanation import Explanation, WordDecision, merge_readings
from .lattice import LatticeBuilder
from .marks import ENG_OCR, TYPED_MARKED, VIE_OCR, DocumentReading
from .reading import DocumentReader, is_ocr_document
from .rescoring import Rescorer
from .text import TONE_STYLES, TRADITIONAL, compose_marks
from .tokens import (WORD, Token, chains, cut_before, join_ocr_splits, pieces, split_slashed_caps, stray_stops,
                     tokenize)
from .user_matching import UserMatch, UserMatcher, partial_terms, user_choices

__all__ = ["ENGINES", "STAGES", "Config", "Explanation", "Restorer", "WordDecision", "explain",
           "is_ocr_document", "restore", "restore_lines"]

ENGINES = ("auto", "model", "statistical", "rules")
# The stages of one reading of a document, in order: Restorer._run_once calls
# Restorer._<stage> for each, and each reads and fills the _Document.
STAGES = (
    "tokenize",              # NFC letters; tokens (vidiacritic.tokens)
    "detect_ocr_output",     # OCR output or typed text; OCR splits joined ("Ngu@i")
    "mend_word_breaks",      # OCR output: words it merged or split, where decoding decides (vidiacritic.word_breaks)
    "cut_chains",            # the runs of words decoded together
    "read_document",         # how it was written: marks, rates, trust (vidiacritic.reading)
    "find_foreign_words",    # English words, kept as written (vidiacritic.fixes)
    "match_user_terms",      # where the user's terms fit (vidiacritic.user_matching)
    "decode",                # lattices (vidiacritic.lattice), Viterbi, model (vidiacritic.rescoring)
    "choose_words",          # each word's choice; fixes of tokens that are no syllable (vidiacritic.assembly)
    "apply_document_fixes",  # code parts' Đ, acronyms the document defines (vidiacritic.fixes); OCR list markers (vidiacritic.list_markers)
    "join",                  # the output text, and where each changed token went
)


@dataclass
class _Document:
    """One reading of a document as it goes through the STAGES (each fills its fields)."""

    text: str
    details: bool  # explain(): every word's decision; restore(): the text only
    ocr_document: Optional[bool]  # OCR output? (None until detect_ocr_output decides)
    restored: bool = False  # a later reading: the restorer's own output (see _detect_ocr_output)
    toks: List[Token] = None
    words_in: List[str] = None  # the words as tokenized, before OCR splits are joined
    runs: List[List[int]] = None  # chains of token indices, decoded together (soft punctuation in them: <p>)
    reading: Optional[DocumentReading] = None
    by_line: Optional[Dict[int, DocumentReading]] = None  # per word, for vie OCR
    trust: Tuple[float, float] = (0.0, 0.0)  # typed text's trust in its marks
    confidences: Optional[List[Optional[float]]] = None  # the OCR engine's, one per whitespace word of text
    foreign: frozenset = frozenset()  # token indices of foreign words
    phrase_weight: Optional[float] = None  # the phrase bonus the document sets (Restorer._phrase_weight)
    place_names: Optional[dict] = None  # names it writes after their unit word, by first syllable (LatticeBuilder.document_place_names)
    breaks: word_breaks.Breaks = None  # the merges and splits made (mend_word_breaks)
    stray: frozenset = frozenset()  # stray stops the chains go on across (read_document)
    found: List[UserMatch] = None  # where the user's terms fit
    metas: list = None  # per run, per position: (forms, hits) (LatticeBuilder.build)
    decoded: list = None  # per run: its decoding
    replaced: Dict[int, str] = None  # token index → output text
    words: List[WordDecision] = None
    output: str = ""
    positions: Dict[int, Tuple[int, str, str]] = None  # see Restorer._run_once


class Restorer:
    """Restores diacritics; create once, call many times (resources load in __init__)."""

    def __init__(self, engine: str = "auto", tone_style: str = TRADITIONAL, *, model_dir=None, lexicon=None,
                 config: Config = DEFAULT):
        """lexicon: the user's terms, a lexicon file's path, several paths, or a
        vidiacritic.userterms.UserTerms (a bad file raises userterms.LexiconError).
        config: the tuning (vidiacritic.config)."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        if tone_style not in TONE_STYLES:
            raise ValueError(f"unknown tone style {tone_style!r}; choose traditional or modern")
        self.tone_style = tone_style
        self.user_terms = userterms.load(lexicon)  # first: a bad file fails before the models load
        # The scorer loads in a thread while the rest loads here: its ONNX Runtime
        # session is built outside the GIL (models/seq2seq/CARD.md, Speed).
        pending = Background(lambda: scorer_and_weights(model_dir)) if engine in ("auto", "model") else None
        table = resources.candidate_table_path()
        # (and the candidate table's 9.6 MB are inflated in another thread meanwhile)
        table_data = Background(lambda: CandidateGenerator.read_table(str(table))) if table is not None else None
        self.model_dir, self._version = model_dir, None
        self.ngram = resources.load_ngram()
        self.lm = self.ngram if engine != "rules" else UnigramLM(
            self.ngram.counts, self.ngram.bos_id, self.ngram.eos_id)
        if engine != "rules" and viterbi.decoder_tables(self.ngram) is None:
            # built at load, not on the first call (models/ngram/CARD.md); the compiled
            # decoder needs no dense table (its own tables are built by the call above)
            self.ngram.bigram_matrix()
        self.channel = resources.load_channel()
        self.marks = resources.load_marks()
        self.confidence_table = resources.load_confidence()
        # The phrase trie ships built (data/admin_terms.trie.npz); a lexicon without
        # it grows its trie lazily, one first syllable at a time, as documents ask.
        self.lexicon = resources.load_lexicon()
        self.acronyms = resources.load_acronyms()
        self.code_parts = resources.load_code_parts()
        self.english = resources.load_english_words()
        self.kept_words = resources.load_kept_words()
        # (the OCR forms are read only if the candidate table does not hold their
        # candidates: load_table accepts it by the digest of the input files, which
        # also runs their manifest checks, or else by the generator's fingerprint)
        self.generator = CandidateGenerator(
            {w: int(self.ngram.counts[i]) for w, i in self.ngram.vocab.items() if w.isalpha()},
            self.channel, rewrites=resources.load_rewrites(), ocr_forms=resources.load_ocr_forms)
        if table is not None and not self.generator.load_table(
                str(table), self.generator.inputs_digest(resources.candidate_inputs()), table_data.result()):
            warnings.warn("models/candidates.tsv.gz was built for another channel or vocabulary; "
                          "ignoring it (rebuild: python -m scripts.build_candidate_table)", stacklevel=2)
        if not self.generator.uses_table_rows():
            self.generator.ocr_forms  # (read now: a damaged file fails here, not in a restore)
        self.scorer, self._model_weights = None, None
        if pending is not None:
            loaded = scorer_or_fallback(required=engine == "model", pending=pending)
            if loaded is not None:
                self.scorer, self._model_weights = loaded
            engine = "model" if self.scorer is not None else "statistical"
        self.engine = engine
        # Decoding runs go on across soft punctuation when the language model was
        # trained so (its <p> unit; vidiacritic.tokens.chains).  The rules engine has
        # no context to carry across, and keeps the runs cut there.
        self.soft_punct = engine != "rules" and self.ngram.p_id is not None
        # what a decoded word's decision reports as its source (vidiacritic.explanation)
        self.source = {"model": "model", "statistical": "ngram", "rules": "unigram"}[self.engine]
        self._files = None  # resources.fingerprint, when first asked (version)
        self._set_config(config)

    def _set_config(self, config: Config) -> None:
        """Build the stages' helpers under `config` (with empty caches); config.model
        None: the scorer's own weights (its folder's weights.json)."""
        if config.model is None and self._model_weights is not None:
            config = replace(config, model=self._model_weights)
        self.config, self._version = config, None
        self.users = UserMatcher(self.user_terms, self.generator, self.channel, self.ngram.vocab,
                                 config.user_edits, config.user_edit_min)
        self.reader = DocumentReader(self.ngram, self.generator, self.marks, config, self.english)
        self.lattices = LatticeBuilder(self.ngram, self.generator, self.lexicon, self.reader, self.users, config,
                                       context=self.engine != "rules")
        self.rescorer = Rescorer(self.lm, self.scorer, config, self.lexicon, self.english)
        self.assembler = Assembler(self.acronyms, self.code_parts, self.tone_style, self.source)

    def with_config(self, config: Config) -> "Restorer":
        """A restorer like this one, with another configuration, sharing the loaded
        models (a sweep: ``r.with_config(dataclasses.replace(r.config, phrase_bonus=2))``)."""
        other = copy.copy(self)
        other._set_config(config)
        return other

    @property
    def version(self) -> str:
        """Identifies what this restorer computes: package version, engine, a hash of
        the whole content of the model and data files (and of `model_dir`'s), tone
        style, a hash of the configuration (with the model's weights).  ``batch``
        redoes outputs made under another version.  The files (~60 MB) are hashed
        once per Restorer, when first asked."""
        if self._version is None:
            from . import __version__
            if self._files is None:
                self._files = resources.fingerprint(self.model_dir)
            tuning = hashlib.sha256(repr(self.config).encode("utf-8")).hexdigest()[:12]
            self._version = (f"vidiacritic-{__version__}/{self.engine}/{self._files}/{self.tone_style}"
                             f"/config-{tuning}"
                             + (f"/user-{self.user_terms.digest()}" if self.user_terms else ""))
        return self._version

    # ------------------------------------------------------------ public verbs
    def restore(self, text: str, *, ocr_document: Optional[bool] = None,
                confidences: Optional[Sequence[Optional[float]]] = None) -> str:
        """`text` restored.  ocr_document: whether the document it belongs to is OCR
        output (None: decided from `text`); vidiacritic.stream passes the decision made
        for a whole file when it restores the file in pieces.  confidences: the OCR
        engine's word confidences, one per whitespace-separated word of `text` (0-1, or
        None for a word without one; vidiacritic.confidence): in a document read as
        Tesseract-vie output a doubtful word's marks are trusted less, a sure word's more."""
        return self._run(text, details=False, ocr_document=ocr_document, confidences=confidences).text

    def restore_many(self, texts: Iterable[str]) -> Iterator[str]:
        """Each of `texts` restored as a document of its own (for the lines of one
        document, restore_lines reads them together)."""
        for t in texts:
            yield self.restore(t)

    def restore_lines(self, lines: Iterable[str]) -> Iterator[str]:
        """The lines of one document restored as that document, one output per line
        (each ends as its line ends: with its own line break or without).  Restoring
        each line alone reads it without its document (vidiacritic.stream.restore_lines)."""
        from .stream import restore_lines
        return restore_lines(self, lines)

    def explain(self, text: str, *, ocr_document: Optional[bool] = None,
                confidences: Optional[Sequence[Optional[float]]] = None) -> Explanation:
        """Like restore(), with every word's decision."""
        return self._run(text, details=True, ocr_document=ocr_document, confidences=confidences)

    def ocr_word_counts(self, text: str) -> Tuple[int, int, Optional[float]]:
        """(words with OCR marks, words, the log-odds its words give for OCR output) in
        `text`: what decides whether a document is OCR output (see is_ocr_document).
        vidiacritic.stream sums them over a whole file before restoring it in pieces."""
        if invisible.has(text):  # (read without them, as restore() reads it)
            text = invisible.strip(compose_marks(text))
        return self.reader.ocr_word_counts(self._tokens(compose_marks(text)))  # (the words restore() counts)

    def _run(self, text: str, details: bool, *, ocr_document: Optional[bool] = None,
             confidences: Optional[Sequence[Optional[float]]] = None) -> Explanation:
        """`text` restored (_readings), read without its invisible characters
        (vidiacritic.invisible) when it has any."""
        if confidences is not None:
            _check_text(text)
            confidences = confidence.check_confidences(text, confidences)
            if not self.config.word_confidences:
                confidences = None
        if isinstance(text, str) and invisible.has(text):
            return self._run_without_invisible(text, details, ocr_document, confidences)
        return self._readings(text, details, ocr_document=ocr_document, confidences=confidences)[0]

    def _run_without_invisible(self, text: str, details: bool, ocr_document: Optional[bool],
                               confidences: Optional[List[Optional[float]]] = None) -> Explanation:
        """`text` read as the text without its invisible characters, which are written
        back where they were (vidiacritic.invisible.read_without).  A word that was
        nothing but invisible characters is gone from that text, and so is its confidence."""
        _check_text(text)
        kept = None if confidences is None else [c for w, c in zip(text.split(), confidences) if invisible.strip(w)]
        ex = invisible.read_without(compose_marks(text),
                                    lambda clean: self._readings(clean, details, ocr_document=ocr_document,
                                                                 confidences=kept))
        return ex if ex is not None else self._readings(compose_marks(text), details, ocr_document=ocr_document,
                                                        confidences=confidences)[0]

    def _readings(self, text: str, details: bool, *, ocr_document: Optional[bool] = None,
                  confidences: Optional[List[Optional[float]]] = None,
                  ) -> Tuple[Explanation, List[Tuple[str, str, Dict[int, Tuple[int, str, str]]]]]:
        """`text` restored, and the readings that made it: (input, output, positions)
        each, the next one's input the last one's output (none when nothing changed).

        `ocr_document`: whether `text` is OCR output; None decides it from `text`
        itself.  A caller restoring one document in pieces passes the decision for the
        whole document, so that every piece is read alike.

        A document that was not read as marked (OCR output, text without marks) comes
        out marked, and a marked document is read otherwise (vidiacritic.marks: its few
        toneless words are reopened at its own tone-drop rate).  A document read as
        marked comes out with other rates too (Tesseract-vie output: fewer wrong marks,
        another fitted error rate).  So whenever the first reading changed a word, its
        restored text is read once more, as restoring it again would read it, and so on
        while a reading changes words (Config.readings at most): the last reading changed
        nothing, so restoring the output again changes nothing (issue 11 item 12;
        models/CHANNEL.md has what it gained and cost; for marked documents since session
        9, at about 1.7 times their time; read on past a second reading of the same kind
        since session 15, when a junk-fuzz document's second restore still moved a
        word).  `confidences` (the OCR engine's, per whitespace word of `text`) go with
        the first reading only: a restored text has none of its own."""
        doc = self._read(text, details, ocr_document=ocr_document, confidences=confidences)
        first, positions = self._finish(doc)
        if first.reading is None or not positions:
            return first, []  # nothing changed: it reads itself alike
        readings = [(first, positions)]
        steps = [(doc.text, first.text, positions)]
        doc = self._read(first.text, details, restored=True)
        for _ in range(self.config.readings - 1):
            later, changed = self._finish(doc)
            readings.append((later, changed))
            steps.append((doc.text, later.text, changed))
            if not changed or len(readings) == self.config.readings:
                break  # (a reading that changed nothing is the text's own)
            # Restoring this output again reads it at its own kind and rates (a short
            # document whose one word the first pass overturned read as vie-ocr, its
            # restored text with that word mended as typed-marked; OCR output or not),
            # and even at the same kind its rates and decodings may differ a little from
            # those of the text it came from: a reading that changed words is read
            # again, until one changes nothing (the output is then its own restoration)
            # or Config.readings.
            doc = self._read(later.text, details, restored=True)
        last = readings[-1][0]
        # (the reading reported is the input's: how the document itself was read)
        if not details:
            return Explanation(last.text, [], first.reading, first.ocr_lines), steps
        words = last.words
        for (earlier, moved), (given, _, _) in zip(reversed(readings[:-1]), reversed(steps[:-1])):
            words = merge_readings(earlier.words, words, moved, given)  # (each reading's words, at its input's places)
        return Explanation(last.text, words, first.reading, first.ocr_lines), steps

    def _run_once(self, text: str, details: bool, *,
                  ocr_document: Optional[bool] = None) -> Tuple[Explanation, Dict[int, Tuple[int, str, str]]]:
        """One reading of `text` (see _run): the STAGES in order.  Returns its
        explanation and where each token whose text changed went: {start in the
        output: (start in the input, input text, output text)}."""
        return self._finish(self._read(text, details, ocr_document=ocr_document))

    def _read(self, text: str, details: bool, *, ocr_document: Optional[bool] = None,
              confidences: Optional[List[Optional[float]]] = None, restored: bool = False) -> "_Document":
        """The STAGES of one reading up to read_document: how `text` is read (`restored`:
        a later reading, of the restorer's own output)."""
        _check_text(text)
        doc = _Document(text, details, ocr_document, restored, confidences=confidences)
        for stage in STAGES[:STAGES.index("read_document") + 1]:
            getattr(self, "_" + stage)(doc)
        return doc

    def _finish(self, doc: "_Document") -> Tuple[Explanation, Dict[int, Tuple[int, str, str]]]:
        """The STAGES after read_document: the reading's output (see _run_once)."""
        for stage in STAGES[STAGES.index("read_document") + 1:]:
            getattr(self, "_" + stage)(doc)
        ocr_lines = 0
        if doc.by_line and doc.reading.kind == TYPED_MARKED:  # (DocumentReader._damaged_lines)
            ocr_lines = _lines_of(doc.toks, doc.by_line)
        return Explanation(doc.output, doc.words, doc.reading, ocr_lines), doc.positions

    # ------------------------------------------------------------ the stages
    def _tokenize(self, doc: _Document) -> None:
        doc.text = compose_marks(doc.text)  # NFC letters; other characters kept exactly
        doc.toks = self._tokens(doc.text)
        doc.words_in = [t.text for t in doc.toks if t.kind == WORD]

    def _tokens(self, text: str) -> List[Token]:
        """The tokens of `text` (NFC letters) as a reading reads them.  All-caps words
        joined by slashes ("XA/PHUONG" in a heading: xã/phường) are read as words when
        no part is an acronym (LatticeBuilder.rare_caps: KH/UBND, HIV/AIDS stay codes;
        none without Config.acronym_skeleton_logp)."""
        toks = tokenize(text)
        if self.config.acronym_skeleton_logp is not None:
            toks = split_slashed_caps(toks, self._caps_word)
        return toks

    def _caps_word(self, part: str) -> bool:
        """Whether an all-caps part of a slashed token is a word, not an acronym."""
        return not self.lattices.rare_caps(part)

    def _detect_ocr_output(self, doc: _Document) -> None:
        if doc.ocr_document is None:
            # A later reading reads the restorer's own output: its words that spell no
            # syllable are what the first reading could not read, no evidence that the
            # output is OCR output.  Read by its OCR marks alone, it is read alike whole
            # or in pieces (vidiacritic.stream passes the first reading's decision only).
            marked, words, odds = self.reader.ocr_word_counts(doc.toks, odds=not doc.restored)
            doc.ocr_document = is_ocr_document(marked, words, self.config.ocr_document_share, odds)
        if doc.ocr_document:
            doc.toks = join_ocr_splits(doc.toks)  # "tu’" (tư), "Ngu@i" (người): one word each

    def _mend_word_breaks(self, doc: _Document) -> None:
        doc.breaks = word_breaks.Breaks()
        if self.config.word_breaks:
            doc.toks, doc.breaks = word_breaks.apply(self, doc.toks, doc.ocr_document)

    def _cut_chains(self, doc: _Document, skip: frozenset = frozenset()) -> None:
        n = self.config.max_chain
        toks = doc.toks
        # (an article's heading starts a chain: fixes.opens_article)
        doc.runs = [p for r in chains(toks, self.soft_punct, skip)
                    for part in cut_before(r, lambda ti: fixes.opens_article(toks, ti)) for p in pieces(toks, part, n)]

    def _read_document(self, doc: _Document) -> None:
        doc.reading = self.reader.read(doc.toks, doc.runs, doc.words_in, doc.ocr_document,
                                       self._first_pass(doc.toks, doc.ocr_document))
        # (word confidences: how far each word's marks are trusted in vie OCR, vidiacritic.confidence;
        # compose_marks kept the whitespace words, so they are still one per word of doc.text)
        confs = confidence.by_token(doc.toks, doc.text, doc.confidences) if doc.confidences else None
        doc.by_line = self.reader.line_readings(doc.toks, doc.reading, confs, self.confidence_table)
        # Tesseract-vie ends wrapped lines with stops the text lacks: in a document read
        # as its output the chains go on across them (tokens.stray_stops).  Only there:
        # Tesseract-eng writes none (three eng training slices), so in other text such a
        # stop is the text's own, and the chain stays cut.
        if doc.reading.kind == VIE_OCR and (stray := stray_stops(doc.toks)):
            doc.stray = stray
            self._cut_chains(doc, stray)
        # A document read as marked is weighed by the marks channel and its own rates
        # (vidiacritic.marks); other typed text by its trust in its marks (document_trust).
        # OCR output writes marks of its own (Tesseract's é, ó for damaged letters), so
        # only other text is trusted by its marks.
        if not (doc.ocr_document or doc.reading.marked):
            doc.trust = self.reader.document_trust(doc.words_in)

    def _first_pass(self, toks: Sequence[Token], ocr_document: bool):
        """The statistical first pass DocumentReader.fit_mark_error decodes with."""
        def first_pass(runs, reading):
            built = [self.lattices.build(toks, run, ocr_document, reading) for run in runs]
            return [meta for _, meta in built], self.rescorer.decode([lat for lat, _ in built])
        return first_pass

    def _scorer_scale(self, doc: _Document) -> float:
        """The factor on the scorer's weight for this document's kind (ModelWeights): in a
        document read as marked the scorer, trained on Tesseract-eng noise, weighs less
        (Tesseract-vie output: marked_weight; typed text with marks, whose marks the first
        pass reads and are mostly right: typed_marked_weight), and in typed text without
        marks less again; OCR output gets the full weight.  OCR output (Tesseract-vie
        output too) of another domain than the lexicon's takes Config.domain_scorer_factor
        of it (no phrase bonus, Restorer._phrase_weight; between, in proportion)."""
        vie = doc.reading.kind == VIE_OCR
        if doc.reading.marked and not vie:
            return self.config.model.typed_marked
        if not (doc.ocr_document or vie):
            return self.config.model.typed_weight
        scale = self.config.model.marked_weight if vie else 1.0
        full = self.lattices.bonus_weight(doc.reading)
        if doc.phrase_weight is None or not full:
            return scale
        least = self.config.domain_scorer_factor
        return scale * (least + (1.0 - least) * doc.phrase_weight / full)

    def _find_foreign_words(self, doc: _Document) -> None:
        doc.foreign = fixes.foreign_words(doc.toks, self.english, self._vietnamese_frequency,
                                          self._best_ocr_reading if doc.ocr_document else None, self.kept_words)

    def _match_user_terms(self, doc: _Document) -> None:
        # (a word a user term fits is no foreign word: "Stung" for Sùng)
        doc.found = self.users.matches(doc.toks, {
            ti: self.lattices.entry_at(doc.toks, ti, doc.ocr_document, doc.reading, doc.by_line, ())
            for run in doc.runs for ti in run}) if self.user_terms else []

    def _decode(self, doc: _Document) -> None:
        found = doc.found
        weight = doc.phrase_weight = self._phrase_weight(doc)
        if self.config.document_place_names and self.lattices.context and weight != 0:
            doc.place_names = self.lattices.document_place_names(doc.toks, doc.runs, doc.ocr_document, doc.reading,
                                                                 doc.by_line, doc.foreign,
                                                                 self.lattices.other_domain(weight, doc.reading))
        for _ in range(self.config.user_rounds):
            lattices, metas = [], []
            user = user_choices(found)
            for run in doc.runs:
                lat, meta = self.lattices.build(doc.toks, run, doc.ocr_document, doc.reading, doc.by_line,
                                                doc.trust, doc.foreign, user, weight, doc.place_names)
                lattices.append(lat)
                metas.append(meta)
            memo: dict = {}  # bigram scores, reused when the model engine decodes again
            decoded = self.rescorer.decode(lattices, memo)
            # Tesseract-eng OCR: weak words get the forms their decoded neighbours make
            # likely, and the words around them are decoded again (LatticeBuilder.widen);
            # the model engine's scorer proposes forms at them too (LatticeBuilder.grow)
            widened, weak = self.lattices.widen(
                doc.toks, doc.runs, lattices, metas, decoded, doc.reading, foreign=doc.foreign,
                orphans=self.scorer is not None and self.config.eng_orphan_floor is not None)
            if widened:
                decoded = self.rescorer.decode_around(lattices, decoded, widened, memo, reach=0)
            if self.config.memory_bonus and self.lattices.context:
                # (the pairs the document writes elsewhere: vidiacritic.document_memory)
                recalled = document_memory.recall(doc.toks, doc.runs, lattices, metas, decoded, self.config,
                                                  self.ngram)
                if recalled:
                    decoded = self.rescorer.decode_around(lattices, decoded, recalled, memo)
            if self.scorer is not None and lattices:
                # (Tesseract-vie output: the scorer reads the words the first pass is sure
                # of with their marks, Rescorer.rescore's sure_marks)
                decoded = self.rescorer.refine(
                    doc.toks, doc.runs, metas, decoded, lattices, memo, letters_only=not doc.ocr_document,
                    scale=self._scorer_scale(doc), stray=doc.stray, sure_marks=doc.reading.kind == VIE_OCR,
                    weak=weak, grow=functools.partial(self.lattices.grow, doc.toks, doc.runs, lattices, metas),
                    unsure_boost=bool(doc.ocr_document) and not doc.reading.marked)
            # A term is a whole: where the decoder took only part of one (Song Phài for
            # the term Sùng Phài), the OCR did not write that term there.  Decode again
            # without those matches.
            partial = partial_terms(found, doc.runs, metas, decoded)
            if not partial:
                break
            found = [m for m in found if m not in partial]
        doc.metas, doc.decoded = metas, decoded

    def _phrase_weight(self, doc: _Document) -> Optional[float]:
        """The phrase bonus of an OCR document by how much of it the lexicon covers
        (Config.phrase_coverage_low/high): the lexicon's administrative phrases mislead
        in other text ("co so du" is có số dư in the news), and OCR output of another
        domain is told from legal text by the share of its words a phrase reaches.  Its
        full bonus is LatticeBuilder.bonus_weight's: Tesseract-vie output (read as
        vie-ocr, OCR marks or not) is told alike and gets from none to
        Config.marked_phrase_bonus.  None (LatticeBuilder.bonus_weight) for other
        documents, short ones, and the rules engine."""
        cfg = self.config
        if doc.reading is None or not (doc.reading.kind == VIE_OCR or doc.ocr_document and not doc.reading.marked) \
                or not self.lattices.context or sum(len(run) for run in doc.runs) < cfg.phrase_coverage_min_words:
            return None  # (a short document costs no coverage pass)
        hit, seen = self.lattices.phrase_coverage(doc.toks, doc.runs, doc.ocr_document, doc.reading, doc.by_line,
                                                  doc.foreign, cfg.phrase_coverage_words)
        if seen < cfg.phrase_coverage_min_words:
            return None
        share = (hit / seen - cfg.phrase_coverage_low) / (cfg.phrase_coverage_high - cfg.phrase_coverage_low)
        return self.lattices.bonus_weight(doc.reading) * min(1.0, max(0.0, share))

    def _choose_words(self, doc: _Document) -> None:
        doc.replaced, doc.words = self.assembler.choose_words(doc.toks, doc.runs, doc.metas, doc.decoded,
                                                              doc.details, bool(doc.ocr_document))

    def _apply_document_fixes(self, doc: _Document) -> None:
        # (Tesseract-vie output is often not an OCR document by its share of OCR marks,
        # yet its reading says how it was written)
        ocr = bool(doc.ocr_document) or doc.reading.kind in (ENG_OCR, VIE_OCR)
        doc.words = self.assembler.document_fixes(doc.toks, doc.replaced, doc.words, doc.details, ocr,
                                                  doc.reading.kind)

    def _join(self, doc: _Document) -> None:
        if not doc.breaks:
            doc.output, doc.positions = join(doc.toks, doc.replaced)
            return
        # breaks the decoder did not use are put back as written (word_breaks.Breaks.settle)
        parts = [doc.replaced.get(i, t.text) for i, t in enumerate(doc.toks)]
        parts, doc.words, doc.positions = doc.breaks.settle(doc.toks, parts, doc.words)
        doc.output = "".join(parts)


    # ------------------------------------------------------------ internals
    def _best_ocr_reading(self, token: str) -> float:
        """The OCR channel's log P(token | syllable) of `token`'s best Vietnamese reading
        (-inf when it has none): how well damage of a syllable explains the token
        (fixes.foreign_words weighs an English word of OCR output by it)."""
        return self.reader.best_ocr_reading(token)

    def _vietnamese_frequency(self, token: str) -> float:
        """Unigram frequency of the Vietnamese readings of `token`'s letters (its
        skeleton), 0 when it has none: how likely the token is Vietnamese as written or
        without its marks (fixes.foreign_words weighs it against English)."""
        return self.generator.skeleton_frequency(token)



def _lines_of(toks: Sequence[Token], indices) -> int:
    """How many lines of `toks` hold a token whose index is in `indices`."""
    line, seen = 0, set()
    for i, tok in enumerate(toks):
        if i in indices:
            seen.add(line)
        line += tok.text.count("\n")
    return len(seen)


def _check_text(text) -> None:
    """TypeError unless `text` is a str, ValueError when it has a lone surrogate."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__} (decode bytes first)")
    if (bad := re.search(r"[\ud800-\udfff]", text)) is not None:  # else sentencepiece's RuntimeError
        raise ValueError(f"text has a lone surrogate U+{ord(bad.group()):04X} at index {bad.start()} "
                         "(not valid Unicode: decode bytes with errors='replace', not 'surrogateescape')")


_DEFAULT: Dict[Tuple[str, str], Restorer] = {}


def _default(engine: str, tone_style: str) -> Restorer:
    key = (engine, tone_style)
    if key not in _DEFAULT:
        _DEFAULT[key] = Restorer(engine=engine, tone_style=tone_style)
    return _DEFAULT[key]


def restore(text: str, *, engine: str = "auto", tone_style: str = TRADITIONAL) -> str:
    """Restore the diacritics of `text` (a module-level Restorer is created once)."""
    return _default(engine, tone_style).restore(text)


def restore_lines(lines: Iterable[str], *, engine: str = "auto", tone_style: str = TRADITIONAL) -> List[str]:
    """The lines of one document restored together, one output per line (see
    Restorer.restore_lines)."""
    return list(_default(engine, tone_style).restore_lines(lines))


def explain(text: str, *, engine: str = "auto", tone_style: str = TRADITIONAL) -> Explanation:
    """Like :func:`restore`, with a per-word account of every decision."""
    return _default(engine, tone_style).explain(text)
