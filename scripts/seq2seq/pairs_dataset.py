#!/usr/bin/env python3
"""Build the scorer's training pairs as a Hugging Face ``datasets`` dataset (Arrow files,
memory-mapped on load, with the library's fingerprint), for ``finetune_scorer.py``.

Columns: ``noisy`` (what the model reads), ``clean`` (the gold line), ``kind`` (how the
noisy side was made) and ``source`` (corpus file or pair file).  Every row is
word-aligned: ``noisy`` and ``clean`` have the same number of WORD tokens
(``vidiacritic.tokens``), which the scorer's one-syllable-per-word output needs.

Kinds:
  real-*       real Tesseract pairs of TRAINING-split text (``--real LABEL=PATH``:
               ocr<TAB>gold...), e.g. ``-l vie`` on poor and clean renders, partly
               marked lines, ``-l eng`` on poor renders
  vie-marks    clean text read through the marks channel (``models/marks.json``, fitted
               on real ``-l vie`` pairs by scripts/build_marks_channel.py): a share of the
               words gets a wrong tone and/or letters drawn from the channel, like
               Tesseract ``vie`` output; sometimes with tone marks dropped as well
  stripped     all marks removed
  partial      some words stripped, sometimes tones only (noise.partial_strip)
  tones        tone marks dropped at a rate, vowel marks and đ kept (typed text)
  eng-ocr      synthetic Tesseract-``eng`` noise (noise.CharNoise, models/seq2seq/noise.json)
  identity     the clean line itself (correct text must stay correct)

Clean text comes from ``../shared/corpus``, train split only (``scripts/corpus.py``);
held-out lines and the dev set are never read.  Nothing here is committed: the dataset
lives under ``runs/``.

    python -m scripts.seq2seq.pairs_dataset --out runs/pairs_ds \\
        --real vie-poor=/work/work_data/marks_poor_vie_train.tsv ...
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import unicodedata
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
from scripts.corpus import DEFAULT_CORPUS, iter_lines  # noqa: E402
from vidiacritic.marks import MarksChannel, letters_and_tone  # noqa: E402
from scripts.seq2seq.noise import CharNoise, partial_strip, span_length, strip_line  # noqa: E402
from vidiacritic.text import TONE_MARKS, apply_casing, apply_tone  # noqa: E402
from vidiacritic.tokens import WORD, tokenize  # noqa: E402

# Shares of the synthetic rows.  The old kinds keep most of the weight so that eng OCR
# and stripped text do not regress; vie-marks and tones are the new channels.
SYNTH_MIX = {"vie-marks": 0.30, "stripped": 0.17, "partial": 0.08, "tones": 0.10,
             "eng-ocr": 0.28, "identity": 0.07}
LEGAL = ("legal_phapdien", "legal_congbao", "legal_vlc")
GENERAL = ("wiki_viwiki", "news_baomoi", "news_dantri")


def words_of(line: str) -> List[str]:
    return [t.text for t in tokenize(line) if t.kind == WORD]


def aligned(noisy: str, clean: str) -> bool:
    """Same number of words on both sides (the scorer's 1:1 output needs it)."""
    cw = words_of(clean)
    return bool(cw) and len(words_of(noisy)) == len(cw)


def drop_tones(line: str, rate: float, rng: random.Random) -> str:
    """Each toned word loses its tone mark with probability `rate`; all else stays."""
    out = []
    for w in line.split(" "):
        d = unicodedata.normalize("NFD", w)
        if any(c in TONE_MARKS for c in d) and rng.random() < rate:
            w = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
        out.append(w)
    return " ".join(out)


class MarksNoise:
    """Samples observed words from the marks channel V(obs | clean, obs ≠ clean).

    The channel is a tone confusion table times a character edit model on the toneless
    letters; both are sampled directly (tone from its row, each letter from its
    substitution row, insertions by the channel's insertion probabilities), and a draw
    equal to the clean word is redrawn, since V is the channel *given that it erred*."""

    def __init__(self, channel: MarksChannel, max_draws: int = 100):
        import numpy as np
        # The channel keeps most words intact, so a wrong reading may take many draws;
        # after `max_draws` the word stays as it is (the shipped dataset used 20, which
        # left 31% of the chosen words unchanged: a lower error rate than drawn).
        self.max_draws = max_draws
        t = np.exp(channel.tone)
        self.tone_rows = [list(r / r.sum()) for r in t]
        self.letters = channel.letters
        self.p_ins = 1.0 - math.exp(channel.letters.no_ins)
        ins = {c: math.exp(lp) for c, lp in channel.letters.ins.items()}
        z = sum(ins.values()) or 1.0
        self.ins_chars, self.ins_w = list(ins), [v / z for v in ins.values()]
        self._rows: Dict[str, Tuple[List[str], List[float]]] = {}

    def _row(self, c: str) -> Tuple[List[str], List[float]]:
        hit = self._rows.get(c)
        if hit is None:
            row = self.letters._row(c)  # the channel's own row, with its fallback
            obs = list(row)
            w = [math.exp(row[o]) for o in obs]
            hit = self._rows[c] = (obs, w)
        return hit

    def _draw(self, letters: str, tone: int, rng: random.Random) -> Tuple[str, int]:
        out = []
        for c in letters:
            if rng.random() < self.p_ins:
                out.append(rng.choices(self.ins_chars, self.ins_w)[0])
            obs, w = self._row(c)
            out.append(rng.choices(obs, w)[0])
        new_tone = rng.choices(range(len(self.tone_rows)), self.tone_rows[tone])[0]
        return "".join(out), new_tone

    def word(self, w: str, rng: random.Random) -> str:
        """A wrong reading of syllable `w` (casing kept), or `w` when none was drawn."""
        low = w.lower()
        letters, tone = letters_and_tone(low)
        for _ in range(self.max_draws):
            obs_letters, obs_tone = self._draw(letters, tone, rng)
            if not obs_letters or not obs_letters.isalpha():
                continue
            obs = unicodedata.normalize("NFC", apply_tone(obs_letters, obs_tone))
            if obs != low:
                return apply_casing(obs, w)
        return w

    def line(self, text: str, error: float, rng: random.Random) -> str:
        """`text` with each alphabetic word misread with probability `error`."""
        out = []
        for w in text.split(" "):
            if w.isalpha() and rng.random() < error:
                w = self.word(w, rng)
            out.append(w)
        return " ".join(out)


def draw_error_rate(rng: random.Random) -> float:
    """A line's word error rate: Tesseract ``vie`` lines are mostly clean, some are bad
    (models/marks.json: 7.4% of words wrong on poor scans, lines with non-words several
    times worse), so the rate is drawn from a wide mixture."""
    r = rng.random()
    if r < 0.35:
        return rng.uniform(0.01, 0.06)
    if r < 0.8:
        return rng.uniform(0.06, 0.2)
    return rng.uniform(0.2, 0.45)


def clean_spans(corpus: str, n: int, legal_share: float, every: int, rng: random.Random
                ) -> Iterator[Tuple[str, str]]:
    """(span, source): word spans of training-split corpus lines, legal text first."""
    n_legal = int(n * legal_share)
    plan = [(LEGAL, n_legal), (GENERAL, n - n_legal)]
    for names, total in plan:
        per = [total // len(names)] * len(names)
        per[0] += total - sum(per)
        for name, k in zip(names, per):
            got = 0
            for line in iter_lines(corpus, name, "train", every=every):
                words = line.split(" ")
                if len(words) < 3:
                    continue
                m = span_length(rng)
                if len(words) > m:
                    i = rng.randrange(len(words) - m + 1)
                    words = words[i:i + m]
                yield " ".join(words), name
                got += 1
                if got >= k:
                    break


def synth_row(clean: str, kind: str, rng: random.Random, marks: MarksNoise,
              noise: CharNoise) -> Optional[str]:
    """The noisy side of one synthetic pair (None when its words would not align)."""
    if kind == "stripped":
        return strip_line(clean)
    if kind == "partial":
        return partial_strip(clean, rng)
    if kind == "tones":
        return drop_tones(clean, rng.choice((0.3, 0.6, 1.0, rng.uniform(0.1, 1.0))), rng)
    if kind == "identity":
        return clean
    if kind == "vie-marks":
        noisy = marks.line(clean, draw_error_rate(rng), rng)
        if rng.random() < 0.15:  # typed or converted text with slips and lost tones
            noisy = drop_tones(noisy, rng.uniform(0.2, 1.0), rng)
        return noisy
    if kind == "eng-ocr":
        for _ in range(3):  # a split or merged word breaks the alignment: redraw
            noisy = noise.line(clean, rng)
            if aligned(noisy, clean):
                return noisy
        return strip_line(clean)
    raise ValueError(kind)


def read_real(label: str, path: str) -> Iterator[dict]:
    """Word-aligned rows of one real pair file (ocr<TAB>gold[<TAB>...])."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2 and p[0].strip() and p[1].strip() and aligned(p[0], p[1]):
                yield {"noisy": p[0], "clean": p[1], "kind": "real-" + label,
                       "source": os.path.basename(path)}


def refuse_heldout(path: str) -> None:
    if "heldout" in os.path.basename(path) or os.path.abspath(path).startswith("/work/shared/dev"):
        raise SystemExit(f"pairs_dataset: error: {path} is a held-out or dev file")


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default="runs/pairs_ds")
    ap.add_argument("--real", action="append", default=[], help="LABEL=PATH, repeatable")
    ap.add_argument("--synthetic", type=int, default=150_000, help="synthetic rows")
    ap.add_argument("--legal-share", type=float, default=0.85)
    ap.add_argument("--every", type=int, default=7, help="keep one corpus line in EVERY")
    ap.add_argument("--marks", default=os.path.join(ROOT, "models", "marks.json"))
    ap.add_argument("--noise", default=os.path.join(ROOT, "models", "seq2seq", "noise.json"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-draws", type=int, default=100,
                    help="draws of the marks channel before a word is left as it is")
    a = ap.parse_args(argv)

    import datasets

    t0 = time.time()
    rng = random.Random(a.seed)
    marks = MarksNoise(MarksChannel.load(a.marks), a.max_draws)
    with open(a.noise, encoding="utf-8") as fh:
        noise = CharNoise.from_json(fh.read())
    rows: Dict[str, list] = {"noisy": [], "clean": [], "kind": [], "source": []}

    def add(r: dict) -> None:
        for k in rows:
            rows[k].append(r[k])

    for spec in a.real:
        label, _, path = spec.partition("=")
        refuse_heldout(path)
        for r in read_real(label, path):
            add(r)
    kinds, weights = list(SYNTH_MIX), list(SYNTH_MIX.values())
    for clean, src in clean_spans(a.corpus, a.synthetic, a.legal_share, a.every, rng):
        kind = rng.choices(kinds, weights)[0]
        if rng.random() < 0.04:
            clean = clean.upper()  # headings
        noisy = synth_row(clean, kind, rng, marks, noise)
        if noisy is None or not aligned(noisy, clean):
            continue
        add({"noisy": noisy, "clean": clean, "kind": kind, "source": src})

    ds = datasets.Dataset.from_dict(rows).shuffle(seed=a.seed).flatten_indices()
    tmp = a.out.rstrip("/") + ".tmp"
    ds.save_to_disk(tmp)
    if os.path.exists(a.out):
        import shutil
        shutil.rmtree(a.out)
    os.replace(tmp, a.out)
    counts: Dict[str, int] = {}
    for k in rows["kind"]:
        counts[k] = counts.get(k, 0) + 1
    info = {"rows": len(ds), "kinds": counts, "fingerprint": ds._fingerprint,
            "words": sum(len(c.split()) for c in rows["clean"]),
            "args": vars(a), "seconds": round(time.time() - t0, 1),
            "datasets": datasets.__version__}
    with open(os.path.join(a.out, "build.json"), "w", encoding="utf-8") as fh:
        json.dump(info, fh, indent=1, ensure_ascii=False)
    print(json.dumps(info, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
