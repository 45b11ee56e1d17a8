"""Merged and split words in OCR output (issue 9 item 5): "tucthuc" for tức thực,
"tru ong" for trường, "đá nh" for đánh.

OCR documents (and, in other documents, marked material only: see _marked_cuts and
_marked_merge).  Before the lattices are built, every *site* where a word break
may be wrong is read both ways in a small window of its chain, and the token stream
is rewritten only where the other reading wins by more than a space edit costs:

* a split site: a WORD that is no syllable, not even without its marks ("tucthuc"),
  whose letters cut in two give two syllable skeletons ("tuc" + "thuc");
* a merge site: two WORD tokens with exactly one space between them whose letters
  together are a syllable skeleton ("tru" + "ong" → "truong");
* a glued site: two WORD tokens joined by one mark Tesseract-eng reads for a space on
  poor scans (GLUE_MARKS: "hien-thong", "dinh's6"), read with the mark (the language
  model's <p>, as a hyphen or quote of the text) and with a space;
* a speck site: two lowercase syllables joined by a stop, colon, semicolon or comma
  (SPECK_MARKS: "thay.đổi", "được:thu nhập"), which a speck of dirt in the gap between
  them makes on a grimy scan, read likewise; in documents that are not OCR output by
  their marks (Tesseract-vie output) a stop or colon between syllables written exactly.

Each reading of a window (up to CONTEXT words either side, the same chain) is decoded
by the restorer's own candidates and trigram Viterbi; its score is the best path's
log-probability (channel + LM).  The rewritten reading pays BREAK_LOGP, the
log-probability of the OCR adding or losing a space (GLUE_LOGP for a glued site).  Valid words stay as written:
a word that is a syllable (or a syllable's letters) is never a split site, and a merge
must beat the two words' own best reading in context.

The rewritten stream keeps every token's input offset.  ``Breaks.settle`` then puts
the output together: a merged token the decoder kept as written gets its space back,
a split whose halves were both kept loses the space again, and the explanation's
words and the {output offset: input} positions refer to the input text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .candidates import skeleton
from .viterbi import Lattice, decode_batch
from .text import normalize_syllable, strip_diacritics
from .tokens import NUMBER, PUNCT, SPACE, WORD, Token, chains

# Log-probability that the OCR lost or added one space inside a word's span.  In the
# Tesseract-vie poor-scan TRAIN pairs (3,008 lines, 39,910 gold words) 3 words were
# split or merged by the OCR (scripts/word_break_errors.py, read by eye): about 1e-4.
BREAK_LOGP = math.log(1e-4)
# Marks between two words, no space either side, that the OCR may have read for a space:
# on poor scans Tesseract-eng reads specks as a hyphen or quote ("thực hiện-thống nhất",
# "thẩm-quyền", "Nghị định's6").  A real hyphen (mát-xa, ka-ra-ô-kê, Bắc-Nam) or quote
# stays: its language model reading ("mát <p> xa") beats the spaced one.
GLUE_MARKS = frozenset("-'’")
# Log-probability that the OCR read a space as one of GLUE_MARKS, chosen on two
# training-split poor-scan eng slices (default engine, wrong words; data/OCR_NOISE.md, session 10):
# none 441 / 476, log 1e-4 and 1e-3 437 / 473, 1e-2 432 / 473, 1e-1 431 / 473 (and
# mát-xa read as two words); a clean-render slice 48 at each.
GLUE_LOGP = math.log(1e-2)
# Marks a speck of dirt between two words makes of their space (a speck site: no space
# either side, both words syllables, the second lowercase).  Seen on pages through
# augraphy's print-and-scan effects (paper texture, ink bleed, dirty drum), read by both
# Tesseract models: "thay.đối", "đầu.tư", "được:thu nhập:hoặc", "khóplàm,tăng" (15 such
# tokens in 309 Tesseract-vie lines, data/OCR_NOISE.md, session 23), where the recipe of
# the training pairs (gaussian noise) makes none.  In held-out corpus text (322,000
# words) such a join is a domain or a file name (vbpl.vn, toanvan.aspx: no syllables),
# a sentence whose next one opens with a capital ("này.Điều": not a site), or, 8 times,
# a comma or semicolon that lost its space ("ngoài,bên"); so outside OCR output (where a
# typed text's marks and punctuation are its own) only a stop or a colon makes a site,
# and only between syllables written exactly (TYPED_SPECK_MARKS).  A stop ends a chain:
# its site's window reads across it (the mark as <p>).  The same GLUE_LOGP.
SPECK_MARKS = frozenset(".:;,")
TYPED_SPECK_MARKS = frozenset(".:")
# Words of context on each side of a site (the trigram model sees two back).
CONTEXT = 2
# Split sites: letters at least, so that two-letter debris is left to the candidates.
MIN_SPLIT_LETTERS = 4
# A split site's token must read badly as one word: no candidate, or none whose
# channel score (weighted log-probability) reaches this.  Damaged single syllables of
# eng OCR ("nuéc" → nước -1.8, "truéng" → trưởng -1.7) stay single words, and cost
# no window decoding.
SPLIT_GATE = -8.0
# One piece of a split may be a damaged syllable when a candidate reads it with at
# least this channel score (the other piece must be a syllable's letters).
PIECE_GATE = -6.0
# Letters of the longest syllable (nghiêng): longer joins are no merge site.
MAX_SYLLABLE = 7
# Letters of a split's pieces at least (one-letter syllables exist: a, ở, ý; the
# window decoding weighs them).
MIN_PIECE = 1


@dataclass
class Breaks:
    """The sites rewritten in one document's token stream (see the module docstring)."""

    # token index (in the rewritten stream) of a merged word → its input text ("tru ong")
    merged: Dict[int, str] = field(default_factory=dict)
    # token index of the space inserted by a split → (index of the first half, second half)
    inserted: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    # token index of the space that replaced a glued site's mark → (the mark, index of the
    # first word, of the second)
    unglued: Dict[int, Tuple[str, int, int]] = field(default_factory=dict)
    # rewritten tokens that are syllables as written ("đá nh" → đánh): the decoder keeping
    # them is a reading, not a failure to read them
    valid: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.merged or self.inserted or self.unglued)

    def settle(self, toks: Sequence[Token], parts: List[str], words: list,
               ) -> Tuple[List[str], list, Dict[int, Tuple[int, str, str]]]:
        """(parts, words, positions) of the output (Restorer._run_once): the parts with
        the breaks the decoder did not use put back as written, the words' `original`
        as in the input, and {start in the output: (start in the input, input text,
        output text)} of every token whose text changed, the inserted spaces included
        (their input text is empty)."""
        parts = list(parts)
        for i, spaced in self.merged.items():
            if parts[i] == toks[i].text and i not in self.valid:  # kept as damage: so is its space
                parts[i] = spaced
        for i, (a, b) in self.inserted.items():
            if parts[a] == toks[a].text and parts[b] == toks[b].text and not {a, b} <= self.valid:
                parts[i] = ""  # both halves kept: the split read nothing
        for i, (mark, a, b) in self.unglued.items():
            if parts[a] == toks[a].text and parts[b] == toks[b].text and not {a, b} <= self.valid:
                parts[i] = mark  # both words kept as damage: so is the mark
        joined = {toks[i].start: (toks[i].text, spaced, parts[i]) for i, spaced in self.merged.items()}
        words = [_as_written(w, *joined[w.start]) if w.start in joined else w for w in words]
        positions: Dict[int, Tuple[int, str, str]] = {}
        at = 0
        for i, part in enumerate(parts):
            before = self.merged.get(i, "" if i in self.inserted else
                                     self.unglued[i][0] if i in self.unglued else toks[i].text)
            if part != before:
                positions[at] = (toks[i].start, before, part)
            at += len(part)
        return parts, words, positions


def _as_written(word, joined: str, spaced: str, output: str):
    """A merged word's decision with the input's text ("tru ong") as its original and
    the output's as its choice."""
    if word.original != joined:
        return word
    return replace(word, original=spaced, chosen=output)


@dataclass(frozen=True)
class _Site:
    """One place where a break may be wrong: token indices `first`..`last` (inclusive,
    in the input stream) and the rewritten reading's tokens, by (text, start)."""

    first: int
    last: int
    pieces: Tuple[Tuple[str, int], ...]  # the WORD tokens of the other reading
    merge: bool  # (a glued site is no merge: its two words stay, a space for the mark)
    before: Tuple[int, ...] = ()  # context token indices in the chain
    after: Tuple[int, ...] = ()


def apply(restorer, toks: List[Token], ocr_document: bool) -> Tuple[List[Token], Breaks]:
    """The document's tokens with the merges and splits the lattice decides (module
    docstring), and the Breaks to settle the output with.  Outside documents read as
    OCR output (Tesseract's vie model writes few OCR marks, so its output is often not
    one) only marked material is a site (_marked_cuts, _marked_merge)."""
    if not (ocr_document or restorer.config.word_breaks_marked_text):
        return toks, Breaks()
    sites = _sites(restorer, toks, marked_only=not ocr_document)
    if not sites:
        return toks, Breaks()
    chosen = _decide(restorer, toks, sites)
    if not chosen:
        return toks, Breaks()
    out, breaks = _rewrite(toks, chosen)
    breaks.valid = {i for i in [*breaks.merged, *(k for ab in breaks.inserted.values() for k in ab),
                                *(k for _, a, b in breaks.unglued.values() for k in (a, b))]
                    if normalize_syllable(out[i].text) in restorer.ngram.vocab}
    return out, breaks


def _is_skeleton(restorer, letters: str) -> bool:
    return skeleton(letters) in restorer.generator.forms


def _is_word(restorer, text: str) -> bool:
    """A syllable of the vocabulary, or a syllable's letters without their marks."""
    return normalize_syllable(text) in restorer.ngram.vocab or _is_skeleton(restorer, text)


def _reads_badly(restorer, text: str) -> bool:
    """Whether no candidate reads `text` as one syllable well (SPLIT_GATE)."""
    entry = restorer.lattices.entry(text, True, None)
    # (not "keep as written": an all-caps token's keep costs little, "VACHA" for VÀ CHA)
    scores = [s for f, s in zip(entry.forms, entry.scores.tolist()) if f is not None]
    return not scores or max(scores) < SPLIT_GATE


def _sites(restorer, toks: Sequence[Token], marked_only: bool = False) -> List[_Site]:
    """Every split and merge site of the document (module docstring), in text order;
    `marked_only`: only those of _marked_cuts and _marked_merge."""
    out: List[_Site] = []
    cuts: Dict[str, List[int]] = {}  # a document repeats its words
    for run in chains(toks, restorer.soft_punct):
        for k, ti in enumerate(run):
            tok = toks[ti]
            if tok.kind != WORD or not tok.text.isalpha():
                continue
            if len(tok.text) >= MIN_SPLIT_LETTERS:
                if tok.text not in cuts:
                    cuts[tok.text] = (_marked_cuts if marked_only else _split_cuts)(restorer, tok.text)
                for cut in cuts[tok.text]:
                    pieces = ((tok.text[:cut], tok.start), (tok.text[cut:], tok.start + cut))
                    out.append(_Site(ti, ti, pieces, False, *_window(run, k, k)))
            if k + 1 < len(run) and run[k + 1] == ti + 2 and toks[ti + 1].text == " ":
                nxt = toks[ti + 2]
                joined = tok.text + nxt.text
                # (a piece opening with a capital after a lowercase one is no cut word;
                # in typed text, whose casing is the writer's, nor after a capitalised
                # one unless both are capitals: "Đa N" is a name's initial, not Đan)
                if nxt.kind == WORD and len(joined) <= MAX_SYLLABLE and nxt.text.isalpha() \
                        and not (tok.text[:1].islower() and nxt.text[:1].isupper()) \
                        and not (marked_only and nxt.text[:1].isupper() and not tok.text.isupper()) \
                        and (_marked_merge(restorer, tok.text, nxt.text) if marked_only
                             else _is_skeleton(restorer, joined)):
                    out.append(_Site(ti, ti + 2, ((joined, tok.start),), True, *_window(run, k, k + 1)))
            if _glued(restorer, toks, run, k, marked_only):
                nxt = toks[ti + 2]
                out.append(_Site(ti, ti + 2, ((tok.text, tok.start), (nxt.text, nxt.start)), False,
                                 *_window(run, k, k + 2)))
    # Speck sites at stops, which end chains: read in chains that go on across them.
    stops = frozenset(i for i, t in enumerate(toks) if t.text == "." and _speck(restorer, toks, i, marked_only))
    if stops:
        for run in chains(toks, restorer.soft_punct, stops):
            for k, ti in enumerate(run[:-1]):
                if ti + 1 in stops and run[k + 1] == ti + 2:
                    a, b = toks[ti], toks[ti + 2]
                    out.append(_Site(ti, ti + 2, ((a.text, a.start), (b.text, b.start)), False,
                                     *_window(run, k, k + 1)))
        out.sort(key=lambda s: s.first)
    return out


def _glued(restorer, toks: Sequence[Token], run: Sequence[int], k: int, marked_only: bool) -> bool:
    """Whether run[k] is a word joined to the next word by one of GLUE_MARKS, no space
    either side (a glued site, OCR output only), or by a mark of a speck site inside the
    chain (_speck).  A letter alone on either side is no site: an item's label or an
    initial (a-b, O'Brien)."""
    ti = run[k]
    if k + 2 >= len(run) or run[k + 1] != ti + 1 or run[k + 2] != ti + 2:
        return False
    if toks[ti + 1].text in GLUE_MARKS and not marked_only:
        return _joins_words(toks, ti + 1)
    return _speck(restorer, toks, ti + 1, marked_only)


def _joins_words(toks: Sequence[Token], i: int) -> bool:
    """Whether token i is one punctuation mark between two words of two letters or more,
    no space either side."""
    if not 0 < i < len(toks) - 1 or toks[i].kind != PUNCT:
        return False
    a, mark, b = toks[i - 1], toks[i], toks[i + 1]
    return (a.kind == WORD == b.kind and a.end == mark.start and mark.end == b.start
            and len(a.text) > 1 and len(b.text) > 1)


def _speck(restorer, toks: Sequence[Token], i: int, marked_only: bool) -> bool:
    """Whether token i is one of SPECK_MARKS (TYPED_SPECK_MARKS outside OCR output)
    joining two words (_joins_words), the second lowercase, both syllables (outside OCR
    output: of the vocabulary, marks included)."""
    if not _joins_words(toks, i) or toks[i].text not in (TYPED_SPECK_MARKS if marked_only else SPECK_MARKS):
        return False
    a, b = toks[i - 1].text, toks[i + 1].text
    if not (a.isalpha() and b.isalpha() and b[0].islower()):
        return False
    known = _is_syllable if marked_only else _is_word
    return known(restorer, a) and known(restorer, b)


def _split_cuts(restorer, text: str) -> List[int]:
    """Where `text` (a split site's token, or not) cuts into two syllable skeletons."""
    if len(text) > 2 * MAX_SYLLABLE or restorer.english and text.lower() in restorer.english \
            or _is_word(restorer, text) or not _reads_badly(restorer, text):
        return []
    out = []
    for cut in range(MIN_PIECE, len(text) - MIN_PIECE + 1):
        a, b = text[:cut], text[cut:]
        if len(a) > MAX_SYLLABLE or len(b) > MAX_SYLLABLE:
            continue
        sa, sb = _is_skeleton(restorer, a), _is_skeleton(restorer, b)
        if sa and sb or (sa or sb) and _reads_well(restorer, b if sa else a):
            out.append(cut)
    return out


def _reads_well(restorer, piece: str) -> bool:
    """Whether a piece that is no syllable skeleton is one damaged syllable ("cdc" for
    các): at least two letters and a candidate the channel reads it as well."""
    if len(piece) < 2:
        return False
    entry = restorer.lattices.entry(piece, True, None)
    return any(f is not None and s >= PIECE_GATE for f, s in zip(entry.forms, entry.scores.tolist()))


def _is_syllable(restorer, text: str) -> bool:
    return normalize_syllable(text) in restorer.ngram.vocab


def _marked_cuts(restorer, text: str) -> List[int]:
    """Split cuts of a marked token that is no syllable into two syllables of the
    vocabulary written exactly, marks included ("họpcủa" → họp của): what a marked
    document that is not OCR output may have split."""
    if strip_diacritics(text) == text or _is_syllable(restorer, text):
        return []
    return [cut for cut in range(1, len(text))
            if _is_syllable(restorer, text[:cut]) and _is_syllable(restorer, text[cut:])]


def _marked_merge(restorer, a: str, b: str) -> bool:
    """Whether two words of a marked document that is not OCR output are a merge site:
    together a marked syllable of the vocabulary, and one of them no syllable ("mư
    ờng", "Thôn g")."""
    joined = a + b
    return strip_diacritics(joined) != joined and _is_syllable(restorer, joined) \
        and not (_is_syllable(restorer, a) and _is_syllable(restorer, b))


def _window(run: Sequence[int], i: int, j: int) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """The context token indices before run[i] and after run[j]."""
    return tuple(run[max(0, i - CONTEXT):i]), tuple(run[j + 1:j + 1 + CONTEXT])


def _position(restorer, toks: Sequence[Token], ti: int):
    """(ids, unary) of one token as written."""
    if toks[ti].kind == NUMBER:
        return np.array([restorer.ngram.num_id]), np.zeros(1)
    if toks[ti].kind == PUNCT:  # soft punctuation in a run: the LM's <p>
        return np.array([restorer.ngram.p_id]), np.zeros(1)
    return _word_position(restorer, toks[ti].text)


def _word_position(restorer, text: str, joined: bool = False):
    """(ids, unary) of a word: the restorer's candidates for it in an OCR document; a
    word without any is OCR damage, kept at the lowercase keep penalty.  `joined`: the
    word is a merge site's pieces joined ("DU AN" as DUAN), whose "keep as written" is
    damage's at most: a join exists to be read as one syllable, while an all-caps
    token's own keep is an acronym's, which costs little, and made "CHỦ DỰ ÁN" a merge
    that moved the decoding of the line above it."""
    entry = restorer.lattices.entry(text, True, None)
    if not entry.forms:
        return np.array([restorer.ngram.unk_id]), np.array([restorer.config.lower_keep_logp])
    if joined and entry.keep >= 0 and entry.scores[entry.keep] > restorer.config.lower_keep_logp:
        scores = entry.scores.copy()
        scores[entry.keep] = restorer.config.lower_keep_logp
        return entry.ids, scores
    return entry.ids, entry.scores


def _decide(restorer, toks: Sequence[Token], sites: Sequence[_Site]) -> List[_Site]:
    """The sites whose rewritten reading wins, without overlaps (best gain first)."""
    lattices: List[Lattice] = []
    for s in sites:
        ctx_b = [_position(restorer, toks, ti) for ti in s.before]
        ctx_a = [_position(restorer, toks, ti) for ti in s.after]
        # (a glued site's mark is read as the language model's <p>)
        written = [_position(restorer, toks, ti) for ti in range(s.first, s.last + 1) if toks[ti].kind != SPACE]
        other = [_word_position(restorer, text, joined=s.merge) for text, _ in s.pieces]
        for middle in (written, other):
            pos = ctx_b + middle + ctx_a
            lattices.append(Lattice([p[0] for p in pos], [p[1] for p in pos]))
    scores = _best_scores(restorer, lattices)
    gains = [(scores[2 * k + 1] + (GLUE_LOGP if _is_glued(s) else BREAK_LOGP) - scores[2 * k], k)
             for k, s in enumerate(sites)]
    taken: List[_Site] = []
    used: set = set()
    for gain, k in sorted(gains, reverse=True):
        s = sites[k]
        span = set(range(s.first, s.last + 1))
        if gain > 0 and not span & used:
            taken.append(s)
            used |= span
    return sorted(taken, key=lambda s: s.first)


def _is_glued(site: _Site) -> bool:
    return not site.merge and len(site.pieces) == 2 and site.last > site.first


def _best_scores(restorer, lattices: Sequence[Lattice]) -> List[float]:
    """The log-probability (unary + trigram LM, sentence start and end included) of
    each lattice's best path."""
    decoded = decode_batch(lattices, restorer.lm, prune_to=restorer.config.prune_to)
    lm = restorer.lm
    u, v, w, owner, out = [], [], [], [], []
    for b, (lat, dec) in enumerate(zip(lattices, decoded)):
        path = [int(lat.ids[i][k]) for i, k in enumerate(dec.best)]
        out.append(float(sum(lat.unary[i][k] for i, k in enumerate(dec.best))))
        seq = [lm.bos_id, lm.bos_id] + path + [lm.eos_id]
        for t in range(2, len(seq)):
            u.append(seq[t - 2])
            v.append(seq[t - 1])
            w.append(seq[t])
            owner.append(b)
    lps = lm.logprob(np.array(u, dtype=np.int64), np.array(v, dtype=np.int64), np.array(w, dtype=np.int64))
    sums = np.bincount(np.array(owner), weights=np.asarray(lps, dtype=np.float64), minlength=len(lattices))
    return [o + float(s) for o, s in zip(out, sums)]


def _rewrite(toks: Sequence[Token], chosen: Sequence[_Site]) -> Tuple[List[Token], Breaks]:
    """The token stream with the chosen sites' readings, and their Breaks."""
    out: List[Token] = []
    breaks = Breaks()
    by_first = {s.first: s for s in chosen}
    i = 0
    while i < len(toks):
        s = by_first.get(i)
        if s is None:
            out.append(toks[i])
            i += 1
            continue
        if _is_glued(s):
            out.append(toks[s.first])
            breaks.unglued[len(out)] = (toks[s.first + 1].text, len(out) - 1, len(out) + 1)
            out.append(Token(" ", SPACE, toks[s.first + 1].start))
            out.append(toks[s.last])
        elif s.merge:
            breaks.merged[len(out)] = "".join(t.text for t in toks[s.first:s.last + 1])
            text, start = s.pieces[0]
            out.append(Token(text, WORD, start))
        else:
            (a, sa), (b, sb) = s.pieces
            out.append(Token(a, WORD, sa))
            breaks.inserted[len(out)] = (len(out) - 1, len(out) + 1)
            out.append(Token(" ", SPACE, sb))
            out.append(Token(b, WORD, sb))
        i = s.last + 1
    return out, breaks
