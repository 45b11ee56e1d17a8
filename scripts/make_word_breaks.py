#!/usr/bin/env python3
"""Add merged and split words to the OCR column of a pairs file (issue 9 item 5).

The Tesseract pairs of scripts/make_ocr_pairs.py hardly ever merge or split a word
(3 in ~30k words of the poor-scan vie TRAIN pairs), other OCR does ("tucthuc",
"tru ong").  To measure vidiacritic.word_breaks, each single space between two
words of letters is removed with probability --rate, and each word of at least four
letters is cut in two at a random inner letter with probability --rate.  The gold
column is unchanged; the output is a pairs file for scripts/benchmark.py --set and
scripts.word_break_errors.

    python -m scripts.make_word_breaks PAIRS.tsv OUT.tsv [--rate 0.02] [--seed 1]
"""
import argparse
import random
import re


def damage(line: str, rate: float, rng: random.Random) -> str:
    """`line` with some spaces between words removed and some words cut in two."""
    pieces = re.split(r"( )", line)
    out = []
    for k, piece in enumerate(pieces):
        if piece == " " and 0 < k < len(pieces) - 1 and pieces[k - 1].isalpha() \
                and pieces[k + 1].isalpha() and rng.random() < rate:
            continue  # merged: "tru ong" → "truong"
        if piece.isalpha() and len(piece) >= 4 and rng.random() < rate:
            cut = rng.randrange(1, len(piece))
            piece = piece[:cut] + " " + piece[cut:]  # split: "trường" → "trư ờng"
        out.append(piece)
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs")
    ap.add_argument("out")
    ap.add_argument("--rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(args.pairs, encoding="utf-8") as fh, open(args.out, "w", encoding="utf-8") as out:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            cols[0] = damage(cols[0], args.rate, rng)
            out.write("\t".join(cols) + "\n")


if __name__ == "__main__":
    main()
