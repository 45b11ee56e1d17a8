"""Stage 3 — candidates: which clean syllables could have produced this token?

For each observed word we propose Vietnamese syllables from the language model's
vocabulary, each with its channel score log P(observed | syllable):

1. Retrieval by *skeleton* (the syllable with every mark removed, "phố" → "pho").
   The observed token's skeleton may be damaged by OCR ("phd", "ctia", "s6"), so
   we look up skeletons within a small deletion distance (the SymSpell trick: index
   every vocabulary skeleton under its 1- and 2-letter deletions).  Before the lookup
   the skeleton is also *read* in a few ways: a non-letter becomes the letters it
   usually stands for ("16n" → "lon"), and a learned two-letter rewrite undoes a
   letter that Tesseract split in two ("tir" → "tu" for từ: ư is read as ir, it, tr,
   iv…; ``models/rewrites.tsv``, built by ``scripts/build_rewrites.py``).  Deletion
   distance alone cannot bridge those: "tir" and "tu" share no 1-deletion.
2. Scoring every diacritized form of the retrieved skeletons with the channel
   (:mod:`vidiacritic.channel`), plus a frequency prior to prune to the top K.

Results are cached per distinct observed token: a document repeats its words, so
most lookups are dictionary hits.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
from itertools import combinations
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
from rapidfuzz.distance import Levenshtein

from .channel import Channel
from .text import nfc, place_tone, strip_diacritics

Candidate = Tuple[str, float]  # (normalized syllable, log P(obs | syllable))

# Candidates per token.  8 cut real readings of common stripped skeletons ("dan" has 13
# forms: đán of "Nguyên đán" fell out; "doi" lost đói), and the bigram pass prunes to
# PRUNE_TO before the trigram lattice anyway.  On 800 held-out Tesseract lines (model
# engine; OCR / stripped): 8 → 0.9573 / 0.9854, 16 → 0.9637 / 0.9860, 20 → 0.9643 /
# 0.9861, 24 → 0.9645 / 0.9865, 32 → 0.9642 / 0.9865, for 16% more time at 24.
MAX_CANDIDATES = 24
MAX_FORMS_PER_SKELETON = 14  # e.g. "tho" has thơ, thở, thờ, thọ, thổ, thô, thò, thỏ, …
# Skeletons up to this many edits farther than the nearest one are scored.  2 gave
# held-out OCR 0.9779 / stripped 0.9863 against 0.9775 / 0.9865, 23% slower.
SKELETON_SLACK = 1
# Readings of one skeleton looked up (non-letter replacements times rewrites).
MAX_READINGS = 16
# Channel scores below best - BEAM are not worth a lattice slot.
CHANNEL_BEAM = 12.0
# Weight of the unigram prior used only for pruning (the decoder applies the LM).
PRIOR_WEIGHT = 0.5
# Share of the channel given to learned whole-word misreadings (models/ocr_forms.tsv)
# for a token that has some: P(obs | syllable) = share * P_learned + (1 - share) * P_letters.
OCR_FORMS_SHARE = 0.5


def _deletes(s: str, depth: int) -> Set[str]:
    """`s` with any up to `depth` of its letters deleted (itself included)."""
    out = {s}
    n = len(s)
    # One and two deletions by slicing (what the lookups use): the same set as the
    # general loop below, in a third of the time (the index of every vocabulary
    # skeleton is built at each load).
    if depth >= 1 and n >= 1:
        out.update([s[:i] + s[i + 1:] for i in range(n)])
    if depth >= 2 and n >= 2:
        out.update([s[:i] + s[i + 1:j] + s[j + 1:] for i in range(n - 1) for j in range(i + 1, n)])
    for k in range(3, min(depth, n) + 1):
        for idx in combinations(range(len(s)), k):
            out.add("".join(ch for i, ch in enumerate(s) if i not in idx))
    return out


REWRITES_HEADER = ("observed", "letter", "count")


def load_rewrites(path: str) -> List[Tuple[str, str]]:
    """(two observed letters, the letter they stand for) from a rewrites TSV
    (``models/rewrites.tsv``; header: observed, letter, count)."""
    out: List[Tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if lineno == 1 and tuple(parts) == REWRITES_HEADER:
                continue
            if len(parts) != 3 or len(parts[0]) != 2 or len(parts[1]) != 1:
                raise ValueError(f"{path}:{lineno}: expected two letters<TAB>one letter<TAB>count")
            out.append((parts[0], parts[1]))
    return out


OCR_FORMS_HEADER = ("observed", "syllable", "logp")
# Key prefix of a precomputed OCR-candidates row in the candidate table.
OCR_ROW = "ocr:"
# The candidate generation code's version in the table's fingerprint and inputs digest.
TABLE_TAG = "readings-2"


def load_ocr_forms(path: str) -> Dict[str, Tuple[Tuple[str, float], ...]]:
    """{observed form: ((syllable, log P(form | syllable)), ...)} from an OCR forms TSV
    (``models/ocr_forms.tsv``; header: observed, syllable, logp)."""
    out: Dict[str, List[Tuple[str, float]]] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if lineno == 1 and tuple(parts) == OCR_FORMS_HEADER:
                continue
            try:
                obs, syl, logp = parts
                value = float(logp)
            except ValueError:
                raise ValueError(f"{path}:{lineno}: expected form<TAB>syllable<TAB>log-probability") from None
            if not obs or not syl or not (-50.0 < value <= 0.0):
                raise ValueError(f"{path}:{lineno}: expected form<TAB>syllable<TAB>log-probability")
            out.setdefault(obs, []).append((syl, value))
    return {k: tuple(v) for k, v in out.items()}


def _table_row(key: str, cands: Sequence[Candidate]) -> str:
    """One line of the candidate table (CandidateGenerator._parse reads it back)."""
    return key + "\t" + "\t".join(f"{f} {s:.4f}" for f, s in cands) + "\n"


def skeleton(token: str) -> str:
    return strip_diacritics(nfc(token).lower())


class TableRows(Mapping):
    """The candidate table's rows, {observation: the rest of its line}, over the file's
    decompressed bytes (CandidateGenerator.load_table): split into lines and indexed by
    their first cell once, each row decoded when it is asked for.  A report asks for
    about a thousand of the 31,000 rows; decoding all 9.5 MB to text and building a
    dict of strings had cost 0.09 s of every restorer's load, this 0.02-0.03 s.  The bytes
    are what save_table wrote (UTF-8 text; gzip checks its CRC when it inflates them)."""

    def __init__(self, data: bytes):
        if b"\r" in data:  # (text mode's newlines: what the table was read with before, a line at a time)
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()  # (after the last line's end)
        self.header = lines[0].decode("utf-8") if lines else ""
        self._lines = lines
        # (a key met twice keeps its last row, as a dict built from the rows would)
        self._index = dict(zip([line.partition(b"\t")[0] for line in lines[1:]], range(1, len(lines))))

    def __getitem__(self, obs: str) -> str:
        return self._rest(self._index[obs.encode("utf-8", "surrogatepass")])

    def get(self, obs: str, default=None):
        i = self._index.get(obs.encode("utf-8", "surrogatepass"))
        return default if i is None else self._rest(i)

    def _rest(self, i: int) -> str:
        """Line i after its first cell, as text."""
        return self._lines[i].partition(b"\t")[2].decode("utf-8")

    def __contains__(self, obs) -> bool:
        return isinstance(obs, str) and obs.encode("utf-8", "surrogatepass") in self._index

    def __iter__(self):
        return (key.decode("utf-8") for key in self._index)

    def __len__(self) -> int:
        return len(self._index)


class CandidateGenerator:
    """Maps an observed token to up to K scored syllable candidates."""

    def __init__(self, vocab_counts: Mapping[str, int], channel: Channel,
                 max_candidates: int = MAX_CANDIDATES, cache_size: int = 200_000,
                 rewrites: Sequence[Tuple[str, str]] = (),
                 ocr_forms: Union[Mapping[str, Sequence[Tuple[str, float]]],
                                  Callable[[], Mapping[str, Sequence[Tuple[str, float]]]]] = {}):
        """`ocr_forms`: the learned misreadings, or a function that loads them: then
        they are read only when needed (the restorer's table, accepted by its inputs'
        digest, holds their candidates already: load_table)."""
        self.channel = channel
        self._ocr_forms_given, self._ocr_forms = ocr_forms, None
        self._ocr_rows_in_table = False  # (load_table)
        self.max_candidates = max_candidates
        # (two observed letters, the letter they stand for), most frequent first.
        self.rewrites: List[Tuple[str, str]] = [(a, b) for a, b in rewrites]
        total = sum(vocab_counts.values()) or 1
        self.log_prior: Dict[str, float] = {w: math.log(c / total) for w, c in vocab_counts.items()}
        forms: Dict[str, List[str]] = {}
        for w in sorted(vocab_counts, key=lambda w: -vocab_counts[w]):
            sk = skeleton(w)
            lst = forms.setdefault(sk, [])
            if len(lst) < MAX_FORMS_PER_SKELETON:
                lst.append(w)
        self.forms = forms
        index: Dict[str, Set[str]] = {}
        for sk in forms:
            for d in _deletes(sk, 2):
                index.setdefault(d, set()).add(sk)
        self.index = index
        # For each observed non-letter character, the (base) letters it stands for,
        # most likely first, from the channel's substitution table.
        weight: Dict[str, Dict[str, float]] = {}
        for c, row in channel.edits.sub.items():
            base = skeleton(c)
            if not ("a" <= base <= "z"):
                continue
            for o, lp in row.items():
                if o and not ("a" <= o <= "z") and not o.isalpha():
                    w = weight.setdefault(o, {})
                    w[base] = w.get(base, 0.0) + math.exp(lp)
        self._letters_for = {o: sorted(w, key=lambda b: -w[b])[:3] for o, w in weight.items()}
        self._cache: Dict[str, Tuple[Candidate, ...]] = {}
        self._ocr_cache: Dict[str, Tuple[Candidate, ...]] = {}
        self._cache_size = cache_size
        self._table: Mapping[str, str] = {}  # (load_table: TableRows)
        self._neighbours: Dict[Tuple[str, int], Tuple[str, ...]] = {}  # (neighbours)
        self._vocab_counts = vocab_counts
        if not callable(ocr_forms):
            self.ocr_forms  # (given as a mapping: checked now, a malformed row fails here)

    @property
    def ocr_forms(self) -> Dict[str, Tuple[Tuple[str, float], ...]]:
        """{observed form: ((syllable, log P(form | syllable)), ...)}, learned whole-word
        misreadings, the syllables outside the vocabulary left out (the rows of a form
        whose syllables are all in it, as good as all of them, kept as load_ocr_forms
        made them: one pass finds the others, instead of copying all 44k rows)."""
        if self._ocr_forms is None:
            given = self._ocr_forms_given
            given = given() if callable(given) else given
            vocab = self._vocab_counts
            redo = {obs for obs, rows in given.items() if type(rows) is not tuple
                    or any(type(r) is not tuple or len(r) != 2 or r[0] not in vocab for r in rows)}
            self._ocr_forms = {obs: tuple((f, lp) for f, lp in rows if f in vocab) if obs in redo else rows
                               for obs, rows in given.items()}
        return self._ocr_forms

    @ocr_forms.setter
    def ocr_forms(self, forms: Dict[str, Tuple[Tuple[str, float], ...]]) -> None:
        """Other learned forms, as given (scripts/measure_ocr_forms.py swaps them in): from
        now on they, not the table's rows, say which forms have learned readings."""
        self._ocr_forms = forms
        self._ocr_rows_in_table = False

    # ------------------------------------------------------------ lookup
    def candidates(self, token: str) -> Tuple[Candidate, ...]:
        """Candidates for one observed word (any case); empty if nothing plausible."""
        obs = nfc(token).lower()
        hit = self._cache.get(obs)
        if hit is None:
            row = self._table.get(obs)
            hit = self._with_itself(obs, self._parse(row) if row is not None else self._candidates(obs))
            if len(self._cache) >= self._cache_size:
                self._cache.clear()  # bounded memory; refilled from the document at hand
            self._cache[obs] = hit
        return hit

    def _with_itself(self, obs: str, cands: Tuple[Candidate, ...]) -> Tuple[Candidate, ...]:
        """`cands`, plus the observed word itself when it is a syllable of the vocabulary
        that the top-K cut left out: a rare syllable ("đú", "dăng" of a place name)
        loses its slot to common forms by their prior alone, and then has to change
        whatever its context says."""
        syl = place_tone(obs)
        if syl not in self.log_prior or any(f == syl for f, _ in cands):
            return cands
        return cands + ((syl, round(float(self.channel.logp_many(obs, [syl])[0]), 4)),)

    def skeleton_frequency(self, token: str) -> float:
        """Unigram frequency of the syllables `token`'s letters spell (its skeleton's
        forms), 0 when they spell none."""
        return float(sum(math.exp(self.log_prior[f]) for f in self.forms.get(skeleton(token), ())))

    # ------------------------------------------------------------ precomputed table
    def fingerprint(self) -> str:
        """Identifies the inputs of candidate generation (channel, vocabulary, settings)."""
        h = hashlib.sha1()
        # (check_circular=False: the same text, a third faster on the ~900 KB of the
        # OCR forms, which cannot hold a cycle: built of strings and numbers)
        h.update(json.dumps([TABLE_TAG, self.rewrites, self.channel.edits.to_json(), self.channel.w_identity, self.channel.w_stripped,
                             self.channel.w_ocr, self.max_candidates, MAX_FORMS_PER_SKELETON, CHANNEL_BEAM, SKELETON_SLACK, MAX_READINGS,
                             PRIOR_WEIGHT, OCR_FORMS_SHARE, sorted(self.ocr_forms.items())], sort_keys=True,
                            check_circular=False).encode())
        for w in sorted(self._vocab_counts):
            h.update(f"{w}:{self._vocab_counts[w]};".encode())
        return h.hexdigest()[:16]

    def inputs_digest(self, paths: Sequence[Union[str, os.PathLike]]) -> str:
        """A digest of the files this generator's inputs were read from (the language
        model's vocabulary and counts, the channel, the rewrites, the OCR forms:
        `paths`, in that order) and of the settings its fingerprint holds.  The same
        bytes read by the same code make the same generator, so a table whose header
        holds this digest fits it (tests/test_candidate_table.py checks the shipped
        table's fingerprint as well, which catches a change of the reading code)."""
        h = hashlib.sha1()
        h.update(json.dumps(["inputs", TABLE_TAG, self.max_candidates, MAX_FORMS_PER_SKELETON, CHANNEL_BEAM,
                             SKELETON_SLACK, MAX_READINGS, PRIOR_WEIGHT, OCR_FORMS_SHARE]).encode())
        for p in paths:
            with open(p, "rb") as fh:
                data = fh.read()
            h.update(f"{os.path.basename(os.fspath(p))}:{len(data)};".encode())
            h.update(data)
        return h.hexdigest()[:16]

    def save_table(self, path: str, observations: Iterable[str], inputs_digest: Optional[str] = None) -> int:
        """Precompute candidates for frequent observations (built by scripts/build_candidate_table.py),
        and the OCR candidates (ocr_candidates) of every form with learned readings, under
        the key OCR_ROW + form (no token holds a ":").  The header holds the
        fingerprint and, when given, the digest of the files the inputs were read from
        (inputs_digest), which load_table checks instead, much faster."""
        tmp = path + ".tmp"
        n = 0
        # mtime=0: the same inputs give a byte-identical file.
        with gzip.GzipFile(tmp, "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
            fh.write(f"#fingerprint\t{self.fingerprint()}" + (f"\t{inputs_digest}" if inputs_digest else "") + "\n")
            for obs in sorted(set(nfc(o).lower() for o in observations)):
                if "\t" in obs or "\n" in obs or not obs:
                    continue
                fh.write(_table_row(obs, self._candidates(obs)))
                n += 1
            for obs in sorted(self.ocr_forms):
                if "\t" in obs or "\n" in obs:
                    continue
                fh.write(_table_row(OCR_ROW + obs, self._ocr_candidates(obs)))
                n += 1
        os.replace(tmp, path)
        return n

    def uses_table_rows(self) -> bool:
        """Whether a loaded table answers which forms have learned readings (load_table)."""
        return self._ocr_rows_in_table

    @staticmethod
    def read_table(path: str) -> bytes:
        """The table file's bytes, decompressed (what load_table reads): on its own so
        that a Restorer reads it in a thread while it loads the rest (zlib lets go of
        the GIL while it inflates)."""
        with open(path, "rb") as fh:
            return gzip.decompress(fh.read())

    def load_table(self, path: str, inputs_digest: Optional[str] = None, data: Optional[bytes] = None) -> bool:
        """Use a precomputed table if it was built for exactly this channel and vocabulary:
        its header's fingerprint is this generator's, or (faster: no fingerprint, and
        the OCR forms are not even read) its header's digest of the input files is
        `inputs_digest` (inputs_digest(), of the files this generator was made from).
        `data`: read_table(path), when the caller has read it already."""
        rows = TableRows(self.read_table(path) if data is None else data)
        head = rows.header.split("\t")
        if not (len(head) == 3 and inputs_digest is not None and head[2] == inputs_digest
                or len(head) in (2, 3) and head[1] == self.fingerprint()):
            return False
        self._table = rows
        self._ocr_rows_in_table = True
        return True

    @staticmethod
    def _parse(row: str) -> Tuple[Candidate, ...]:
        if not row:
            return ()
        out = []
        for cell in row.split("\t"):
            form, _, score = cell.rpartition(" ")
            out.append((form, float(score)))
        return tuple(out)

    def _readings(self, sk: str) -> List[str]:
        """The skeleton with each non-letter (6, 1, ¢, &) replaced by the letters the
        channel says it most often stands for: "16n" → "lon", "x&" → "xa"; then each
        of those with one learned two-letter rewrite applied: "tir" → "tu"."""
        readings = [""]
        for ch in sk:
            options = self._letters_for.get(ch) if not ("a" <= ch <= "z") else None
            if options:
                readings = [r + o for r in readings for o in options][:9]
            else:
                readings = [r + ch for r in readings]
        if self.rewrites:
            out = dict.fromkeys(readings)
            for r in readings:
                for pair, letter in self.rewrites:
                    i = r.find(pair)
                    while i >= 0:
                        out[r[:i] + letter + r[i + 2:]] = None
                        i = r.find(pair, i + 1)
            readings = list(out)[:MAX_READINGS]
        return readings

    def _retrieve(self, sk: str) -> Dict[str, int]:
        """Vocabulary skeletons near some reading of `sk`, each with its edit distance
        to the nearest reading that found it (a rewritten reading counts as read)."""
        depth = 1 if len(sk) <= 3 else 2
        found: Dict[str, int] = {}
        for reading in self._readings(sk):
            hits: Set[str] = set()
            for d in _deletes(reading, depth):
                hit = self.index.get(d)
                if hit:
                    hits |= hit
            for s in hits:
                dist = Levenshtein.distance(reading, s)
                if dist < found.get(s, 99):
                    found[s] = dist
        return found

    def neighbours(self, sk: str, max_dist: int = 1) -> Sequence[str]:
        """Vocabulary skeletons within `max_dist` edits of some reading of skeleton `sk`
        (itself included when it is one)."""
        key = (sk, max_dist)
        hit = self._neighbours.get(key)
        if hit is None:  # (remembered: a document's words of one skeleton share them)
            if len(self._neighbours) >= self._cache_size:
                self._neighbours.clear()
            hit = self._neighbours[key] = tuple(s for s, d in self._retrieve(sk).items() if d <= max_dist)
        return hit

    def _candidates(self, obs: str) -> Tuple[Candidate, ...]:
        sk = skeleton(obs)
        if not sk or len(sk) > 9:
            return ()
        dist = self._retrieve(sk)
        if not dist:
            return ()
        # Prefilter with plain edit distance on skeletons (C speed) so the weighted
        # channel only scores forms of the nearest skeletons.
        skeletons = list(dist)
        limit = min(dist.values()) + SKELETON_SLACK
        forms = [f for s in skeletons if dist[s] <= limit for f in self.forms[s]]
        chans = self.channel.logp_many(obs, forms)
        scored = [(ch + PRIOR_WEIGHT * self.log_prior[f], f, ch) for f, ch in zip(forms, chans.tolist())]
        if not scored:
            return ()
        best_ch = max(c for _, _, c in scored)
        scored = [x for x in scored if x[2] >= best_ch - CHANNEL_BEAM]
        scored.sort(reverse=True)
        # Rounded as in the precomputed table, so both paths give identical results.
        return tuple((form, round(ch, 4)) for _, form, ch in scored[: self.max_candidates])

    def ocr_candidates(self, token: str) -> Tuple[Candidate, ...]:
        """Candidates of a word of OCR output: those of :meth:`candidates`, plus the
        syllables Tesseract was seen to misread as this very token in training
        (``models/ocr_forms.tsv``), every score mixed with the learned one:
        log(share * P_learned + (1 - share) * P_letters), P_learned 0 for a syllable the
        token was never seen to stand for.  Typed text is not OCR: its tokens keep
        :meth:`candidates` alone."""
        obs = nfc(token).lower()
        if self._ocr_rows_in_table and "\t" not in obs and "\n" not in obs:
            # (the table holds a row for every form with learned readings, and for no
            # other: save_table; so it answers which forms have them)
            if OCR_ROW + obs not in self._table:
                return self.candidates(token)
        elif obs not in self.ocr_forms:
            return self.candidates(token)
        hit = self._ocr_cache.get(obs)
        if hit is None:
            row = self._table.get(OCR_ROW + obs)
            hit = self._parse(row) if row is not None else self._ocr_candidates(obs)
            if len(self._ocr_cache) >= self._cache_size:
                self._ocr_cache.clear()
            self._ocr_cache[obs] = hit
        return hit

    def _ocr_candidates(self, obs: str) -> Tuple[Candidate, ...]:
        """ocr_candidates computed (a form with learned readings, not in the table)."""
        base = self.candidates(obs)
        learned = self.ocr_forms[obs]
        forms = [f for f, _ in base]
        have = set(forms)
        extra = [f for f, _ in learned if f not in have]
        # (letter scores rounded as in the precomputed table, so both paths agree)
        chans = np.array([s for _, s in base] + [round(x, 4) for x in self.channel.logp_many(obs, extra).tolist()])
        seen = dict(learned)
        p_learned = np.array([math.exp(seen.get(f, -np.inf)) for f in forms + extra])
        mixed = np.log(OCR_FORMS_SHARE * p_learned + (1.0 - OCR_FORMS_SHARE) * np.exp(chans))
        return tuple(sorted(((f, round(float(s), 4)) for f, s in zip(forms + extra, mixed)), key=lambda c: -c[1]))
