"""Decoding: Viterbi over a document's lattices (:mod:`vidiacritic.decoder`) and, for the
model engine, the seq2seq scorer's second pass, which re-scores the candidates of
each segment with the whole segment in view and decodes again."""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np

from .decoder import Lattice, decode_batch
from .text import strip_diacritics
from .tokens import SPACE, WORD, Token

_SENTENCE_END = frozenset(".?!;:")


class Rescorer:
    """Decodes lattices with the language model `lm`, and re-scores them with the
    seq2seq `scorer` (None: the statistical and rules engines) under `config`."""

    def __init__(self, lm, scorer, config):
        self.lm, self.scorer, self.config = lm, scorer, config

    def decode(self, lattices: List[Lattice], memo=None):
        # Decode in slices so that memory stays bounded for very long documents.
        return [d for i in range(0, len(lattices), self.config.decode_slice)
                for d in decode_batch(lattices[i : i + self.config.decode_slice], self.lm, prune_to=self.config.prune_to,
                                      temperature=self.config.confidence_temperature, memo=memo)]

    def segments(self, toks: Sequence[Token]) -> List[List[int]]:
        """WORD token indices grouped into the spans the scorer reads: paragraphs cut
        into pieces of at most Config.segment_max_words words, preferably at sentence ends."""
        segs: List[List[int]] = []
        cur: List[int] = []
        for i, tok in enumerate(toks):
            if tok.kind == WORD:
                cur.append(i)
                if len(cur) >= self.config.segment_max_words:
                    segs.append(cur)
                    cur = []
            elif cur and ((tok.kind == SPACE and tok.text.count("\n") >= 2) or
                          (len(cur) >= self.config.segment_min_words and tok.text in _SENTENCE_END)):
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        return segs

    def refine(self, toks, runs, metas, decoded, first: List[Lattice], memo, letters_only: bool,
                passes: int, scale: float = 1.0):
        """The model engine's passes: the seq2seq scorer re-scores the candidates of
        every segment the first pass is unsure of, reading the path decoded so far as
        the words before each one, and Viterbi decodes again.  Where that changed the
        path of a segment, the scorer read it a context that is no longer the answer, so
        those segments are scored again on the new path, and so on until no path
        changes (at most `passes` passes; see Config.model_passes for what more cost and
        gave).  Only runs with a scored segment are decoded again: the others keep the
        first pass's path, which their unchanged lattices would give again."""
        where = {ti: (r, pos) for r, run in enumerate(runs) for pos, ti in enumerate(run)}
        segs = [(seg, [where[ti] for ti in seg]) for seg in self.segments(toks)]
        extra: Dict[Tuple[int, int], np.ndarray] = {}
        todo = None  # the first pass: every segment the gate lets through
        decoded = list(decoded)
        for _ in range(passes):
            scored = self.rescore(toks, metas, decoded, segs, extra, todo, letters_only, scale)
            if not scored:
                break
            again = sorted({r for i in scored for r, _ in segs[i][1]})
            lattices = [Lattice(first[r].ids, [u + extra[(r, pos)] if (r, pos) in extra else u
                                               for pos, u in enumerate(first[r].unary)]) for r in again]
            before = {r: decoded[r].best for r in again}
            for r, dec in zip(again, self.decode(lattices, memo)):
                decoded[r] = dec
            todo = [i for i in scored if any(decoded[r].best[pos] != before[r][pos] for r, pos in segs[i][1])]
            if not todo:
                break
        return decoded

    def rescore(self, toks, metas, decoded, segs, extra, todo, letters_only: bool,
                 scale: float = 1.0) -> List[int]:
        """Add to `extra` the seq2seq scorer's log-probability of every candidate of
        the segments `todo` (indices into `segs`, each a segment's token indices and
        their (run, position) places; None: every segment the first pass is not sure
        of), given the segment's text and the path `decoded` as the words before
        each one; returns the indices of the segments scored.

        letters_only: the scorer reads the text with its marks stripped.  Outside OCR
        output the marks a text has are weighed by the channel and the document's trust
        (vidiacritic.lattice), so the scorer need not read them; reading the letters only, it reads
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
            if todo is None and least >= self.config.model_gate and self.config.model_gate < 1.0:
                continue  # the first pass is sure of every word here
            source = source_text(toks, seg_toks[0], seg_toks[-1])
            segments.append((strip_diacritics(source) if letters_only else source, prefix, cands))
            places.append(place)
            scored.append(i)
        for seg_cands, place, lps in zip((c for _, _, c in segments), places, sc.score(segments)):
            for cand_ids, (r, pos, has_choice, phrase_hit), lp in zip(seg_cands, place, lps):
                if not has_choice or phrase_hit == "user":  # nothing to re-rank; a user term's word
                    continue
                weight = scale * self.config.model_weight * (self.config.model_phrase_weight if phrase_hit else 1.0)
                if weight == 0.0:
                    continue
                if not self.config.model_scores_unknown:
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
                elif self.config.model_split_unknown:
                    unknown = cand_ids == 0
                    n_unknown = int(unknown.sum())
                    if n_unknown > 1:
                        lp = np.where(unknown, lp - np.log(n_unknown), lp)
                extra[(r, pos)] = weight * lp
        return scored


def source_text(toks: Sequence[Token], first: int, last: int) -> str:
    """The input text from token `first` to `last`, line breaks as spaces (the scorer
    was trained on single lines)."""
    return " ".join("".join(t.text for t in toks[first:last + 1]).split())
