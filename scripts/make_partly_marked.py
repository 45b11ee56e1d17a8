"""Make (partly marked, clean) line pairs: tone marks dropped, the other marks kept.

    python -m scripts.make_partly_marked --split heldout --start 0.75 --rates 0.3,0.6,1.0 \\
        --n-lines 600 --seed 301 --out /work/work_data/partly_marked_heldout.tsv

Why (issue 9): a keyboard without a Vietnamese input method, a font converter or an OCR
pass often drops the five tone marks (sắc, huyền, hỏi, ngã, nặng) but keeps the letters
that have a key or a code point of their own: đ, and the vowel marks of â ê ô ă ơ ư.  Such
text (`đong` for đồng, `Đieu` for Điều, `đươc` for được) is neither OCR nor plain
unmarked text.

Text: held-out corpus paragraphs (scripts/corpus.py), read from `--start` (a fraction
0–1 into each file, as in make_ocr_pairs.py, so that this set shares no text with the
rendered sets built from other starts), files interleaved by weight, each paragraph
wrapped on word boundaries into lines of at most `--width` characters (typed lines are
longer than printed ones) of which the first MAX_LINES_PER_PARAGRAPH are used.  A line
is kept when it has no character outside a printed page's repertoire
(make_ocr_pairs.piece_ok) and at least one tone mark.

Noise: line i gets the rate `rates[i % len(rates)]`; each word that carries a tone mark
loses it with that probability (so a rate is the share of toned words left toneless;
1.0 drops every tone mark).  Everything else (case, punctuation, numbers, spacing) stays.
Deterministic in (files, split, start, width, rates, seed, corpus).

Output: TSV `noisy<TAB>clean<TAB>rate`, UTF-8 NFC, written to a temporary file and renamed
over --out at the end (outside the repository: corpus text is not committed).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import unicodedata
from typing import Iterator, List, Sequence, Tuple

from scripts.corpus import LEGAL_FILES, add_corpus_args, iter_lines
from scripts.make_ocr_pairs import (_stream_length, chop_paragraph, clean_text,
                                    parse_files, piece_ok)
from scripts.tables import write_tsv
from vidiacritic.text import TONE_MARKS

DEFAULT_RATES = (0.3, 0.6, 1.0)
DEFAULT_WIDTH = 200
MAX_LINES_PER_PARAGRAPH = 2   # more paragraphs, less of each: more variety of text


def has_tone(word: str) -> bool:
    return any(c in TONE_MARKS for c in unicodedata.normalize("NFD", word))


def drop_tone_marks(word: str) -> str:
    """`word` without its tone mark; đ and the vowel marks (â ê ô ă ơ ư) stay.

    >>> drop_tone_marks("Đường"), drop_tone_marks("nghiệp"), drop_tone_marks("ĐỀ")
    ('Đương', 'nghiêp', 'ĐÊ')
    """
    d = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))


def partly_mark(line: str, rate: float, rng: random.Random) -> str:
    """`line` with the tone mark of each toned word dropped with probability `rate`.

    Words are split on single spaces (make_ocr_pairs.clean_text's form), so the spacing
    comes back unchanged.  A random number is drawn for every toned word whatever the
    rate, so that lines at different rates are drawn from the same stream.
    """
    out = []
    for w in line.split(" "):
        if has_tone(w) and rng.random() < rate:
            w = drop_tone_marks(w)
        out.append(w)
    return " ".join(out)


def parse_rates(spec: str) -> List[float]:
    rates = [float(x) for x in spec.split(",") if x.strip()]
    if not rates or any(not 0.0 <= r <= 1.0 for r in rates):
        raise SystemExit("--rates must be a comma-separated list of numbers in [0, 1]")
    return rates


def file_lines(corpus_dir: str, name: str, split: str, start: float,
               width: int) -> Iterator[str]:
    """Usable lines of one corpus file, from `start` into it (no wrapping round)."""
    skip = int(start * _stream_length(corpus_dir, name, split, 1)) if start else 0
    for n, para in enumerate(iter_lines(corpus_dir, name, split=split)):
        if n < skip:
            continue
        taken = 0
        for piece in chop_paragraph(clean_text(para), width):
            if taken >= MAX_LINES_PER_PARAGRAPH:
                break
            if piece_ok(piece, width) and any(has_tone(w) for w in piece.split(" ")):
                taken += 1
                yield piece


def make_pairs(files: Sequence[Tuple[str, float]], split: str, start: float, width: int,
               rates: Sequence[float], n_lines: int, seed: int,
               corpus_dir: str) -> List[Tuple[str, str, float]]:
    """The first `n_lines` (noisy, clean, rate) triples of the stream."""
    if not 0.0 <= start < 1.0:
        raise SystemExit("--start must be in [0, 1)")
    streams = {name: file_lines(corpus_dir, name, split, start, width) for name, _ in files}
    weights = dict(files)
    pick = random.Random(f"partly:{seed}:files")
    out: List[Tuple[str, str, float]] = []
    while len(out) < n_lines and streams:
        names = sorted(streams)
        name = pick.choices(names, [weights[n] for n in names])[0]
        clean = next(streams[name], None)
        if clean is None:            # this file is used up from `start` on: the others go on
            print(f"[make_partly_marked] {name}: no more lines after --start {start}",
                  file=sys.stderr)
            del streams[name]
            continue
        i = len(out)
        rate = rates[i % len(rates)]
        noisy = partly_mark(clean, rate, random.Random(f"partly:{seed}:{i}"))
        out.append((noisy, clean, rate))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpus_args(ap)
    ap.add_argument("--files", default=",".join(LEGAL_FILES),
                    help="comma-separated corpus files, each optionally name:weight")
    ap.add_argument("--split", choices=("train", "heldout"), default="heldout")
    ap.add_argument("--start", type=float, default=0.0,
                    help="begin each corpus file this far in (0-1; default 0)")
    ap.add_argument("--width", type=int, default=DEFAULT_WIDTH,
                    help=f"longest line in characters (default {DEFAULT_WIDTH})")
    ap.add_argument("--rates", default=",".join(map(str, DEFAULT_RATES)),
                    help="share of toned words left toneless, one per line in turn "
                         "(default 0.3,0.6,1.0)")
    ap.add_argument("--n-lines", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    repo = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if os.path.realpath(args.out).startswith(repo + os.sep):
        raise SystemExit("--out must lie outside the repository (corpus text is not to be committed)")
    for name, _ in parse_files(args.files):
        if not os.path.exists(os.path.join(args.corpus, name + ".txt.xz")):
            raise SystemExit(f"corpus file {name}.txt.xz not found in {args.corpus}")
    pairs = make_pairs(parse_files(args.files), args.split, args.start, args.width,
                       parse_rates(args.rates), args.n_lines, args.seed, args.corpus)
    if len(pairs) < args.n_lines:
        print(f"[make_partly_marked] only {len(pairs)} lines available", file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_tsv(args.out, pairs)
    print(f"[make_partly_marked] {args.out}: {len(pairs)} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
