"""The restorer's tuning, in one frozen value.

``Config()`` is what the shipped models were tuned with; a sweep or an experiment
makes another with :func:`dataclasses.replace` and passes it to
``Restorer(config=...)``, never by changing a restorer in place:

    >>> from dataclasses import replace
    >>> from vidiacritic.config import Config
    >>> replace(Config(), phrase_bonus=2.0).phrase_bonus
    2.0

The comments say why each value is what it is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class Config:
    """Every tuning value of :class:`vidiacritic.restorer.Restorer`."""

    # Channel log-probabilities are scaled before joining the LM score; estimated on
    # generated (Tesseract) held-out pairs by scripts/tune_weights.py.
    channel_weight: float = 1.0
    # Bonus (nats per syllable, times the phrase's strength) for lexicon phrases.
    phrase_bonus: float = 3.0
    # "Keep the token as written" competes with the syllable candidates whenever the token
    # is not itself a Vietnamese syllable: acronyms (MTTQ, UBND), names, foreign words.  The
    # LM scores it as <unk>, which it learned from exactly such tokens in the corpus.
    keep_logp: float = -9.0
    # All-caps tokens that are not a syllable are usually acronyms: a much weaker penalty.
    acronym_keep_logp: float = -3.0
    # A token that is no syllable is damage when it carries OCR marks (digits, debris, é:
    # "16i", "h¢", "S6"), or is a Vietnamese skeleton written without its marks ("dep",
    # "HUYEN"), or is lowercase in a document that is OCR output ("phd", "chire").  In typed
    # text a lowercase non-syllable may be a unit or a foreign word (km, internet).
    lower_keep_logp: float = -15.0
    # A document is treated as OCR output when this share of its words carry OCR marks.
    ocr_document_share: float = 0.02
    # A bigram pass keeps this many candidates per word for the trigram pass (0: no pruning).
    prune_to: int = 4
    # Max-marginal scores are divided by this before the softmax that gives confidences;
    # chosen on held-out Tesseract pairs (scripts/calibrate_confidence.py).
    confidence_temperature: float = 2.0
    # Chains decoded together (memory grows with this, speed up to a few hundred).
    decode_slice: int = 2000
    # Weight of the seq2seq scorer's log-probabilities in the second Viterbi pass; chosen on
    # held-out Tesseract pairs (scripts/tune_weights.py --model-weight).
    model_weight: float = 1.0
    # Whether the model's "unknown word" probability scores "keep as written" and syllables
    # outside its vocabulary (see Rescorer.rescore).  On held-out Tesseract pairs scoring them is
    # better (OCR 0.9564 against 0.9515 abstaining); on the dev OCR it breaks some damaged
    # words into staying damaged (README, lab note).
    model_scores_unknown: bool = True
    # Where the phrase lexicon matched (admin terms, place names: "xã Huổi Luông"), the
    # model's scores are multiplied by this.  Its vocabulary lacks most rare name syllables,
    # so it tends to pull a matched name towards a common word (Luông → Lương); the lexicon
    # may be the better witness there.  Measured on 800 held-out Tesseract lines
    # (scripts/tune_weights.py --model-phrase 1,0.5,0): 1.0 gives OCR 0.9574 / stripped
    # 0.9853, 0.5 0.9571 / 0.9853, 0 0.9569 / 0.9851, so the model keeps its full weight.
    model_phrase_weight: float = 1.0
    # The model has one "unknown" token for every candidate outside its vocabulary (and for
    # "keep as written").  Splitting that probability evenly among them, instead of giving
    # each the whole of it, keeps the model from favouring a word with many unreadable
    # readings (scripts/tune_weights.py --model-split).  On the same 800 lines it changed
    # 2 words (OCR 0.9574 → 0.9575, stripped equal): too little to adopt.
    model_split_unknown: bool = False
    # Re-scoring passes at most (see Rescorer.refine): after the first, only segments whose
    # path the last pass changed are scored again, on the new path, so that the answer is
    # the model's reading of itself.  On random syllables with marks stripped at random,
    # restoring the output again changed 4 of 400 texts with 1 pass and 2 with 2, for
    # nearly twice the time; on the dev text stripped, 0 words with either, 1.01 s against
    # 1.36 s (CPU).  So one pass; OCR output always gets one (more lost a dev OCR word).
    model_passes: int = 1
    # Restore a document not read as marked (OCR output, unmarked text) twice when the first
    # reading changed something: its output is read as a marked document (vidiacritic.marks),
    # which may reopen a toneless word, so restoring it again could change it (dev OCR: Quý
    # Mao → Quý Mão, 1 word).  Restoring twice makes the second restore a no-op; measured
    # (model engine) dev OCR 0.96854 → 0.96882, dev stripped 0.98274 → 0.98302, held-out eng
    # OCR 0.98492 = 0.98492, poor-eng 0.91475 → 0.91494; marked sets (gold, poor-vie,
    # partly-marked) are read once as before.  Costs a second reading of such documents:
    # 330k unmarked syllables through `fix`, 65 s → 151 s CPU, peak 495 → 579 MB.
    second_reading: bool = True
    # A segment whose every word the first pass chose with at least this confidence is not
    # re-scored (speed); 1.0 re-scores everything.  On 800 held-out Tesseract lines accuracy
    # was the same for every gate from 1.0 down to 0.8 (0.9564 OCR, 0.9846 stripped; 0.8:
    # 0.9566, 0.9847), and 0.8 restores a 3,600-syllable report in 0.83 s against 0.95 s
    # at 0.9 (scripts/tune_weights.py --model-gate).
    model_gate: float = 0.8
    # Segments the scorer reads: at most this many words, cut at paragraph breaks and, once
    # a segment has segment_min_words words, after sentence-ending punctuation.
    segment_max_words: int = 48
    segment_min_words: int = 16
    # The mark-error rate of a marked document is fitted on at most this many words, with
    # a prior of mark_fit_prior words at mark_fit_prior_rate (a one-line document proves little).
    mark_fit_words: int = 1500
    mark_fit_prior: int = 50
    mark_fit_prior_rate: float = 0.01
    # The fitted rate is multiplied by this before the final decoding.  On a 600-line TRAIN
    # slice of Tesseract-vie poor scans (statistical) 1, 2 and 4 gave 0.9572, 0.9571, 0.9573:
    # the first pass's own count is kept.
    mark_error_scale: float = 1.0
    # In vie OCR a word's syllables one letter away are candidates when their tone is read
    # as the word's with at least this log-probability (marks.json's tone table: the same
    # tone, or hỏi read as sắc): a wrong letter and a wrong tone together are too rare to pay
    # for scoring every tone of every neighbour.
    neighbour_tone_logp: float = math.log(0.005)
    # Letters away from the word that neighbours may be.  On the 600-line TRAIN slice 2 gave
    # 0.9573 against 0.9564 for 1 but cost 1.6x the time on vie documents, and on the held-out
    # poor-vie set 0.9720 against 0.9725: within noise, so the cheaper one.
    neighbour_edits: int = 1
    # In documents read as marked the scorer's weight is multiplied by this: it was trained
    # on Tesseract-eng noise, and on a 600-line TRAIN slice of Tesseract-vie poor scans
    # (channel from the other 2,400 lines) the model engine gave 0.9558 at 1.0, 0.9571 at 0.5
    # and 0.9575 at 0 (statistical); on 600 TRAIN partly-marked lines 0.9954 / 0.9956 / 0.9955.
    model_marked_weight: float = 0.5
    # Longer chains are decoded in windows so that memory and latency stay bounded.
    max_chain: int = 200
    # The document's own marks say how far to trust it (see DocumentReader.document_trust): pseudo-counts
    # of the four writers it mixes (as meant, tone marks dropped, all marks dropped,
    # damaged), and the EM iterations that fit their shares.  One count for "as meant" keeps
    # a text of a few toneless words from reading as tone-dropped: restoring 1,000 random
    # syllable texts again changed 9 with the statistical engine without it, 5 with it;
    # no held-out set changed.
    trust_prior: Tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
    trust_iterations: int = 60
    # A lexicon phrase written exactly, marks included ("xã Thung Nai"), is meant as
    # written with this probability (see LatticeBuilder.build): text without marks cannot write it,
    # and OCR rarely writes a whole phrase right by chance.  Of 2,008 lexicon place names
    # restored alone, 12 still changed at 0.95 and 7 at 0.99
    # (scripts/check_stability.py places --every 5 --alone); the dev OCR, stripped and
    # gold results were the same at both.
    lexicon_written: float = 0.99
    # Bonus (nats per syllable) of a user term's syllable where the term matched (see
    # vidiacritic.userterms): it replaces the built-in lexicon's bonus there and the seq2seq
    # scorer does not vote (its vocabulary lacks most local names), so only the OCR channel
    # and the language model can still overrule it: a term is not forced onto a word whose
    # letters say otherwise.
    user_bonus: float = 6.0
    # Decodings at most for the user terms: a term the first one took only part of is
    # dropped and the document decoded again, once (a second partial term stays partial).
    user_rounds: int = 2
    user_as_unknown: bool = True
    # A user term's syllable is a candidate of a word whose letters are that many edits
    # from it (the OCR channel scores it), for syllables of at least user_edit_min letters:
    # "Stung" for Sùng.  The generator's own candidates stop short of rare syllables.
    user_edits: int = 1
    user_edit_min: int = 4

DEFAULT = Config()
