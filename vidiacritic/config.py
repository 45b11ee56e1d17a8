"""The restorer's tuning, in one frozen value.

``Config()`` is what the shipped models were tuned with; a sweep or an experiment
makes another with :func:`dataclasses.replace` and passes it to
``Restorer(config=...)`` (or ``Restorer.with_config``), never by changing a restorer
in place:

    >>> from dataclasses import replace
    >>> from vidiacritic.config import Config
    >>> replace(Config(), phrase_bonus=2.0).phrase_bonus
    2.0

The weights tuned for one trained seq2seq model (:class:`ModelWeights`) ship in that
model's folder, in ``weights.json``, so that ``Restorer(model_dir=...)`` brings its own.
The comments say why each value is there; what was measured to choose it is in the
cards (models/CHANNEL.md, models/seq2seq/CARD.md, data/LEXICON_CARD.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Optional, Tuple

WEIGHTS_FILE = "weights.json"  # a model folder's ModelWeights


@dataclass(frozen=True)
class ModelWeights:
    """How much the seq2seq scorer counts, tuned for one trained model (its folder's
    weights.json; models/seq2seq/CARD.md).  A folder without that file gets these
    defaults, which tune nothing: full weight everywhere, every segment re-scored."""

    # Weight of the scorer's log-probabilities in the second Viterbi pass.
    weight: float = 1.0
    # A segment whose every word the first pass chose with at least this confidence is
    # not re-scored (speed); 1.0 re-scores everything.
    gate: float = 1.0
    # The weight's factor in documents read as marked (vidiacritic.marks): the scorer
    # learned from Tesseract-eng noise, not from the marks such documents get wrong.
    marked_weight: float = 1.0
    # The weight's factor in typed text without marks (neither OCR output nor read as
    # marked): there the n-gram model with soft-punctuation context decides nearly as well
    # alone, and the scorer's full weight cost accuracy on training-split text.
    typed_weight: float = 1.0
    # The weight's factor in typed text read as marked (reading kind typed-marked: tone
    # marks partly dropped, or a clean text, Tesseract-vie's clean renders among them),
    # where the document's marks are mostly right and the first pass reads them; -1:
    # marked_weight (a folder from before it).  Tesseract-vie output keeps marked_weight,
    # whose curve there is flat (models/seq2seq/CARD.md, session 11).
    typed_marked_weight: float = -1.0

    @property
    def typed_marked(self) -> float:
        """typed_marked_weight, or marked_weight where it is -1 (not set)."""
        return self.marked_weight if self.typed_marked_weight < 0 else self.typed_marked_weight

    @classmethod
    def from_json(cls, data: object) -> "ModelWeights":
        """ModelWeights from a parsed weights.json: an object with exactly these keys
        (typed_weight and typed_marked_weight may be left out: a folder from before them
        keeps 1.0 and marked_weight), each a finite number (weights >= 0, the gate within
        [0, 1]); anything else is a ValueError whose message says what is wrong."""
        names = [f.name for f in fields(cls)]
        for optional in ("typed_weight", "typed_marked_weight"):
            if isinstance(data, dict) and optional not in data:
                names.remove(optional)
        if not isinstance(data, dict) or set(data) != set(names):
            keys = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"expected an object with the keys {', '.join(names)}; got {keys}")
        for name in names:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, not {value!r}")
            if value < 0 or (name == "gate" and value > 1):
                raise ValueError(f"{name} = {value} is out of range")
        return cls(**{name: float(data[name]) for name in names})


@dataclass(frozen=True)
class Config:
    """Every tuning value of :class:`vidiacritic.restorer.Restorer`."""

    # Channel log-probabilities are scaled before joining the LM score (chosen on
    # generated Tesseract held-out pairs: scripts/tune_weights.py).
    channel_weight: float = 1.0
    # Bonus (nats per syllable, times the phrase's strength) for lexicon phrases.  The
    # lexicon holds administrative phrases (data/LEXICON_CARD.md) whose stripped forms are
    # unambiguous in legal text, not in other text: "co so du" is có số dư in a news
    # report, "ngay sinh vien" ngay sinh viên.  Chosen on training-split text, default
    # engine, phrase bonus 3 / 2 / 1 / 0.5 / 0 (data/OCR_NOISE.md, "News sets"): legal
    # Tesseract-eng pairs 0.9840 / 0.9852 / 0.9856 / 0.9859 / 0.9852, the same stripped
    # 0.9910 / 0.9916 / 0.9921 / 0.9921 / 0.9917, legal poor-scan eng 0.9643 / 0.9649 /
    # 0.9657 / 0.9648 / 0.9646, news eng 0.9737 / 0.9759 / 0.9752 / 0.9753 / 0.9761,
    # news stripped 0.9845 / 0.9856 / 0.9871 / 0.9871 / 0.9873 (3 was chosen when the
    # decoder had no seq2seq scorer and a weaker LM).
    phrase_bonus: float = 1.0
    # How much of an OCR document the lexicon's phrases cover says whether it is the
    # lexicon's domain (Restorer._phrase_weight): the share of its words (the first
    # phrase_coverage_words of them) that a phrase over their candidates reaches is 0.79
    # to 0.82 in training-split legal Tesseract-eng OCR (clean, poor-scan, sans fonts),
    # 0.67 to 0.72 in Wikipedia and news OCR, where the administrative phrases mislead
    # (phrase bonus 0 there: 16 words fewer wrong of 550 on the training slices).  The
    # bonus is phrase_bonus at phrase_coverage_high or more, none at phrase_coverage_low
    # or less, linear between; documents shorter than phrase_coverage_min_words keep
    # phrase_bonus (too few words to tell).  Tesseract-vie output (read as vie-ocr) is
    # told alike, from none to marked_phrase_bonus (session 18): a phrase over its
    # candidates reaches 0.82-0.86 of the words of training-split legal poor scans,
    # 0.60-0.64 of news and Wikipedia ones (left words there, model engine 565 -> 536
    # with the scorer factor below, statistical 552 -> 541; legal +0).
    # Place names the document writes after their unit word ("xã Huổi Luông") get the
    # phrase bonus where they stand alone too ("Đồn Biên phòng Hudi Luéng"):
    # LatticeBuilder.document_place_names.
    document_place_names: bool = True
    # The document's own word pairs (vidiacritic.document_memory): where the first
    # decoding of a document is unsure of a word (chosen share below memory_sure), a
    # candidate that makes with the word decoded beside it a pair the document writes
    # elsewhere, both words chosen surely there, gets memory_bonus per such pair (at
    # most memory_most of them).  0: none.  Chosen on 100 training-split windows of 20
    # consecutive corpus lines, stripped and with synthetic OCR noise (the module's
    # docstring has the numbers).
    memory_bonus: float = 2.0
    memory_sure: float = 0.9
    memory_most: int = 2
    # The document's own words (a unigram cache, vidiacritic.document_memory): an unsure
    # word's candidate that the document writes surely memory_unigram_min times or more
    # elsewhere gets log((1 - λ) + λ · P_document / P_corpus), λ = memory_unigram, at
    # most memory_unigram_most: a rare word (a name, a term) the document repeats gains,
    # a common one nothing.  0: none.
    memory_unigram: float = 0.2
    memory_unigram_min: int = 2
    memory_unigram_most: float = 4.0
    phrase_coverage_low: float = 0.70
    phrase_coverage_high: float = 0.78
    phrase_coverage_words: int = 2000
    phrase_coverage_min_words: int = 300
    # The seq2seq scorer's weight factor in OCR output of another domain (where
    # Restorer._phrase_weight gives no phrase bonus; between, in proportion): the scorer
    # learned from legal Tesseract pairs and outvotes the n-gram model there in the
    # wrong direction (training-split wiki, wiki2 and news eng OCR, default engine:
    # factor 1.0 / 0.7 / 0.5 / 0.4 / 0.2 / 0.0 → 523 / 511 / 510 / 508 / 501 / 505 wrong
    # words; the statistical engine alone 523; legal OCR slices +0).  0.5, not 0.2: the
    # same slices cut into 40-line documents, where the coverage misjudges some legal
    # ones, lose 9 words on legal OCR (clean, poor-scan, sans) with 0.2, 3 with 0.5.
    # In Tesseract-vie output of another domain it multiplies ModelWeights.marked_weight
    # (session 18, training-split news/wiki vie poor scans: 0.5 / 0.25 / 0.0 → 536 /
    # 536 / 541 wrong words left, 541 with the full weight).
    domain_scorer_factor: float = 0.5
    # The bonus in documents read as marked (vie OCR, typed with some marks: the
    # vidiacritic.marks channel), where a phrase's marks are evidence the lexicon
    # confirms: legal poor-scan vie pairs (training split) 0.9868 / 0.9867 / 0.9862 with
    # 3 / 2 / 1, partly-marked news 0.9931 / 0.9933 / 0.9932, partly-marked legal
    # 0.9994 with each.
    marked_phrase_bonus: float = 3.0
    # The bonus of the rules engine, whose language model reads no context (word
    # frequencies only): the lexicon is all the context it has (the bundled sample with
    # 3: 0.946, with 1: 0.888).
    rules_phrase_bonus: float = 3.0
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
    # Typed text with marks (a good Tesseract-vie page fits under VIE_OCR_ERROR and is
    # read so) has no damage of its own: a word no typist writes (DocumentReader.typed_damage:
    # tẩưổmg, oụ) takes lower_keep_logp, and its line is read as vie OCR
    # (DocumentReader._damaged_lines).  False: typed text keeps every word's usual penalty.
    typed_damage: bool = True
    # An all-caps token of typed text that is a Vietnamese skeleton without its marks is
    # an acronym, not a heading's word (EU, not ÊU; HUYEN is huyện), when the unigram
    # frequency of that skeleton's syllables is below exp(this) (None: never).
    acronym_skeleton_logp: Optional[float] = -11.0
    # In OCR output too: an all-caps token that is such a skeleton is kept at the
    # acronym's cost (EU in "Liên minh châu Âu (EU)" was read Đều), as an all-caps token
    # that spells no syllable already is (THUG, UBND); False: OCR output reads it as damage.
    ocr_rare_caps: bool = True
    # Typed text has no OCR damage: an all-caps token there is read as its own letters
    # with marks added (HUYEN huyện), not as the syllables an OCR letter edit makes of
    # it (EU as cụ, CIA as của).
    caps_marks_only: bool = True
    # Typed text without marks (neither OCR output nor read as marked) may still be
    # Tesseract-eng output that wrote too few OCR marks to be read as such (a short line).
    # Where log P(OCR output | its words) is below the channel's beam (candidates.
    # CHANNEL_BEAM) its words get no candidate that changes their letters, only their
    # mark readings (the OCR channel's edits read vi as với, bit as bị).  The log-odds
    # (DocumentReader.ocr_odds) start even and add, per word, these log-likelihood
    # ratios of OCR output against typed text: a lowercase word whose letters spell
    # syllables, one whose letters spell none, a word with OCR marks.  Word shares on
    # the four eng training slices (eng_clean, poor_eng, news_eng, wiki_eng) against
    # news/wiki stripped training text: 0.547 / 0.814, 0.125 / 0.006, 0.185 / 0.0024
    # (`python -m scripts.estimate_ocr_odds`; session 21, one poor-scan slice: -0.44,
    # 3.35, 9.53).  The same odds, above 0, make a text whose words carry too few OCR
    # marks OCR output all the same (reading.is_ocr_document: a short line of
    # Tesseract-eng output, "TS chite thye hide", Tổ chức thực hiện).
    # None: the OCR channel's candidates always, and the OCR marks alone decide.
    typed_ocr_llr: Optional[Tuple[float, float, float]] = (-0.40, 3.05, 4.36)
    # In OCR output a word opening with a capital I and lowercase letters is also read with
    # l for that I (Tesseract-eng writes lợi as "Igi", lựa as "Iya"; tokens.capital_i_reading):
    # that reading's candidates cost this much more than the same letters written with l
    # (chosen on training-split Tesseract pairs: models/CHANNEL.md, "Capital I for l").
    # None: no such reading.
    capital_i_logp: Optional[float] = -1.0
    # A document is treated as OCR output when this share of its words carry OCR marks.
    ocr_document_share: float = 0.02
    # A word whose only OCR marks are digits is a code, not OCR damage, for that share
    # (DocumentReader.is_code), when the OCR channel's likeliest syllable for it scores
    # below this: U20 -24.0, 8bit -14.6, 1h30 -29.1, iPhone15 (none); Tesseract-eng
    # damage on the four eng training slices: 663 of 665 digit words at -9.4 or above
    # (s6 số -1.2, t6i -1.3, ngw0i -6.8).  None: every such word is an OCR mark.
    code_channel_logp: Optional[float] = -10.0
    # The same for a word whose letters are all capitals (S8 -5.5, F1 -15.3, 4G -8.2):
    # Tesseract-eng writes a capitalised syllable's marked vowel as a digit (B6 Bộ -0.7,
    # H6 Hồ -1.9, C4 Cá -3.3: the lowest of 86 on those slices, but for O1), while a
    # typed text's models and codes score lower (in 180,000 corpus lines, 1,095 of
    # 13,208 such words at -6 or above, 425 at -4 or above).
    caps_code_channel_logp: Optional[float] = -4.0
    # A bigram pass keeps this many candidates per word for the trigram pass (0: no pruning).
    prune_to: int = 4
    # The OCR engine's word confidences (restore(..., confidences=...), the markup formats'
    # x_wconf / WC / conf): in a document read as Tesseract-vie output each word's
    # mark-error rate is scaled by its confidence band's (models/confidence.json).
    word_confidences: bool = True
    # ... and a word below this confidence gets candidates this many letters further
    # away (neighbour_edits + confidence_reach: a word Tesseract doubted is often misread
    # in two letters, thật for luật).
    confidence_reach_below: float = 0.8
    confidence_reach: int = 1
    # In vie OCR without confidences, the words of a line with a word that is no
    # syllable reach this many letters further too (its words are 3-6 times likelier wrong).
    damaged_line_reach: int = 1
    # Max-marginal scores are divided by this before the softmax that gives confidences
    # (calibrated on held-out Tesseract pairs: scripts/calibrate_confidence.py).
    confidence_temperature: float = 2.0
    # Repair words merged or split (vidiacritic.word_breaks) where decoding decides: in OCR
    # output; with word_breaks_marked_text also in other text, for marked material only
    # (two marked syllables glued, "tạiKhoản", "(ởhuyện"; a marked syllable cut, "đá nh"),
    # where without it a glued word was read as one syllable and lost letters ("(huyện").
    word_breaks: bool = True
    word_breaks_marked_text: bool = True
    # Chains decoded together (memory grows with this, speed up to a few hundred).
    decode_slice: int = 2000
    # Longer chains are decoded in windows so that memory and latency stay bounded.
    max_chain: int = 200
    # The seq2seq scorer's weights; None: those of the model's folder (weights.json).
    model: Optional[ModelWeights] = None
    # Segments the scorer reads: at most this many words, cut at paragraph breaks and, once
    # a segment has segment_min_words words, after sentence-ending punctuation.
    segment_max_words: int = 48
    segment_min_words: int = 16
    # The mark-error rate of a marked document is fitted on at most this many words, with
    # a prior of mark_fit_prior words at mark_fit_prior_rate (a one-line document proves little).
    mark_fit_words: int = 1500
    mark_fit_prior: int = 50
    mark_fit_prior_rate: float = 0.01
    # In vie OCR a word's syllables one letter away are candidates when their tone is read
    # as the word's with at least this log-probability (marks.json's tone table for words
    # with a letter misread, where every tone passes: a misread glyph loses its tone half
    # the time; the pooled table let only the same tone or hỏi read as sắc through, and
    # gating the new one at 0.03, 0.05, 0.08 fixed 754, 753, 748 wrong words of 971 on a
    # TRAIN slice against 754: models/CHANNEL.md).
    neighbour_tone_logp: float = math.log(0.005)
    # Candidates kept per word of a document read as marked (as many as the OCR channel's
    # lists, MAX_CANDIDATES).  In vie OCR a word's pool holds its neighbours one letter away
    # with every tone, 150–350 forms; keeping 40 fixed a few more letter-and-tone misreads
    # (two-fold on the TRAIN poor-scan pairs, default engine: 754 → 760 of 971 and 1,720 →
    # 1,742 of 2,425 wrong words) but cost 1.7× the CPU on such documents (the decoder pads
    # every position to the largest list), and 40 only on lines with non-syllables still
    # 1.4×; held-out poor-vie lost a word.  Not adopted: models/CHANNEL.md.
    marked_candidates: int = 24
    # In vie OCR, a word's forms that the words beside it propose (channel + bigrams), kept
    # besides those, and how far below the word's best channel score they may lie
    # (vidiacritic.reading.DocumentReader.context_candidates).
    context_candidates: int = 2
    context_candidate_beam: float = 20.0
    # In Tesseract-eng OCR, a word the first decoding leaves weak (the damage kept as
    # written, not an acronym, or a form chosen with less than eng_widen_confidence whose
    # own lattice score is below eng_widen_channel) also gets eng_widen forms that the
    # syllables decoded beside it make likely (LatticeBuilder.widen): of the
    # eng_widen_pool likeliest syllables between them by bigrams, the best by channel +
    # bigrams, within eng_widen_beam of the word's best channel score; only the words
    # around it are decoded again (Rescorer.decode_around).  The model engine's scorer
    # then proposes, at each weak word of the segments it reads, its eng_widen_proposals
    # likeliest syllables among the eng_widen_proposal_vocab most frequent, and the
    # eng_widen best of them by channel + scorer within eng_widen_proposal_beam of the
    # word's best channel score (the candidates' own beam, candidates.CHANNEL_BEAM: the
    # scorer's say alone must not bring in forms the letters barely allow) join the
    # word's candidates (LatticeBuilder.grow).  0: none.  Chosen on training-split
    # poor-scan eng slices A, B (D to confirm; data/OCR_NOISE.md, session 11), wrong words:
    # default engine 418 / 459 / 402 without, 398 / 445 / 381 with these (bigram forms
    # alone 403 / 447 / 387; statistical engine 451 / 489 / 427 → 443 / 484 / 416); pool
    # 128 or 32, beam 30, confidence 0.7 or 0.99, 1 to 4 forms, 16 proposals, the
    # whole vocabulary or 2,000 syllables for them, the scorer's log-probability weighed
    # 0.5 or 2, a proposal beam of 20 or 30: within 2 words; a proposal beam of 8: 399 /
    # 446 / 386.  The channel gate keeps the cost to the words the channel explains badly:
    # with none (bigram forms alone) 403 / 448 / 388 for 5.7 times the weak words of the
    # dev OCR report (310 against 54 of its 4,047 words); at -5, 400 / 447 / 386 (39); at
    # -8 (bigram forms alone) 407 / 452 / 393.
    eng_widen: int = 2
    eng_widen_confidence: float = 0.9
    eng_widen_pool: int = 32
    eng_widen_beam: float = 20.0
    eng_widen_channel: float = -3.0
    eng_widen_proposals: int = 8
    eng_widen_proposal_beam: float = 12.0
    eng_widen_proposal_vocab: int = 1000
    # Tesseract-eng damage the channel reaches with no candidate at all ("orphans":
    # `lutemng` for lương, `ahurung` for nhượng, kept as written) is weak too where the
    # model engine reads the document: its scorer proposes forms there as at the other
    # weak words (LatticeBuilder.grow), each allowed when the channel gives it at least
    # eng_orphan_floor per letter of the token.  With no candidate of its own to be
    # measured against, the best allowed proposal stands at the score of keeping the
    # token (LatticeBuilder.keep_logp), the others below it by their channel scores, so
    # the language model and the scorer decide between them and the damage.  None:
    # orphans are kept, as before.  On training-split poor-scan eng slices whose lines the
    # scorer never trained on (data/OCR_NOISE.md, session 28) -4.5 / -5.5 / -6.5 gained
    # the default engine 1 / 2 / 3 words of 4,120 and 8 / 10 / 10 of 5,936 (none lost);
    # on an other-domain eng slice (5,547 words), an older poor-scan one and a clean one
    # nothing changed; -7 lost a word on the other-domain slice before it was cleaned
    # of its 8 trained lines.  The best proposal's score 3 above or below keeping's
    # gave the same.
    eng_orphan_floor: Optional[float] = -5.5
    # The seq2seq scorer's vote counts unsure_scorer_factor times its weight at a word
    # whose form the first pass chose with a share below unsure_share (chosen_share: its
    # marginal, the word's other casings and marks of the same syllable together), where
    # the n-gram model and the channel leave the choice open, in OCR output not read as
    # marked only (Restorer._decode's unsure_boost: Tesseract-eng output, where the
    # scorer reads the text as the OCR gave it).  Where the two disagree the first pass
    # is right more often at every scorer confidence, except where it is this unsure (a
    # poor-scan eng training slice, first pass below 0.5 and scorer above 0.5: scorer
    # right 8 times, the engine once; data/OCR_NOISE.md, session 28).  2 and 0.7, the
    # best of a sweep on six decontaminated training slices (session 28), gained held-out
    # news-eng +0.26 point, aug-eng and wiki-eng +0.13, other-fonts and block-poor-eng
    # +0.08, poor-eng +0.06, and lost the dev OCR 0.06 (decontaminated eng training
    # slices: -1, +6, +5, +1, +1 words of 2,783, 5,936, 4,120, 5,547, 2,500).  In
    # documents read as marked (Tesseract-vie output, typed text with marks, every later
    # reading of a restored text) and typed text without marks it moved words both ways
    # (vie poor scans -0.04..+0.02, stripped training slices 0 / 0 / -1 word) and stays
    # 1.0.  Session 28 shipped it off: its near-ties had made the dev OCR report's second
    # reading mend `¢t` that the first had kept, so it was read a third time (2.02 s
    # against 1.75 s); the scorer's vote to keep a letter glued to a symbol no longer
    # counts (Rescorer.may_be_meant), and the report takes two readings again (session 29).
    unsure_scorer_factor: float = 2.0
    unsure_share: float = 0.7
    # The same widening, and the scorer's proposals, in Tesseract-vie output (weak: the
    # damage kept as written, or a form chosen unsure whose lattice score is low).  On 15
    # vie training slices of session 12 (/work/work_data/vie12: poor scans in the training
    # fonts, other fonts, whole blocks, clean renders), default engine, wrong words left
    # 1,225 → 1,215 (11 won on seven slices: thi, cơ, lĩnh, dịch, trọng, bố, có, ôtô, …;
    # 1 lost on one; seven unchanged); statistical engine 1,260 → 1,254, none lost.
    vie_widen: bool = True
    # Letters away from the word that neighbours may be (more cost time and gained
    # nothing: models/CHANNEL.md).
    neighbour_edits: int = 1
    # The document's own marks say how far to trust it (DocumentReader.document_trust):
    # pseudo-counts of the four writers it mixes (as meant, tone marks dropped, all marks
    # dropped, damaged), and the EM iterations that fit their shares.  One count for "as
    # meant" keeps a text of a few toneless words from reading as tone-dropped.
    trust_prior: Tuple[float, float, float, float] = (1.0, 0.0, 0.0, 1.0)
    trust_iterations: int = 60
    # A lexicon phrase written exactly, marks included ("xã Thung Nai"), is meant as
    # written with this probability (LatticeBuilder.build): text without marks cannot
    # write it, and OCR rarely writes a whole phrase right by chance.
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
    # A user term's syllable is a candidate of a word whose letters are that many edits
    # from it (the OCR channel scores it), for syllables of at least user_edit_min letters:
    # "Stung" for Sùng.  The generator's own candidates stop short of rare syllables.
    user_edits: int = 1
    user_edit_min: int = 4
    # Readings of one document at most (Restorer._readings): the input's, its output's,
    # and further ones while a reading changes words (since session 15 whatever kind its
    # output is read as; before, only while an output was read as another kind than the
    # text it came from: OCR output or not, the reading's kind, vidiacritic.marks).  2:
    # the output's reading is the answer, whatever restoring it again would read.
    readings: int = 4


DEFAULT = Config()
