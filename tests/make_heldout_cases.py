"""Picks 60 lines of the corpus's held-out split (scripts/corpus.py: never used for
training), marks stripped, for the accuracy floors of tests/test_accuracy_floors.py,
which calls `pick` at test time (corpus text is never committed to the project).

Only the legal files are used: official legal text, the target domain.  Lines of 50 to
180 characters, mostly letters, with marks to restore; the first ones of each file.

    python -m tests.make_heldout_cases [--corpus ../shared/corpus] > cases.tsv   # to look at them
"""
import argparse
import os
import sys

from scripts.corpus import DEFAULT_CORPUS, iter_lines
from vidiacritic.text import strip_diacritics

PER_FILE = {"legal_phapdien": 25, "legal_congbao": 20, "legal_vlc": 15}


def usable(line: str) -> bool:
    letters = sum(c.isalpha() for c in line)
    return (50 <= len(line) <= 180 and "\t" not in line and letters >= 0.75 * len(line)
            and strip_diacritics(line) != line)


def pick(corpus: str):
    for name, k in PER_FILE.items():
        got = 0
        for line in iter_lines(corpus, name, split="heldout"):
            line = " ".join(line.split())
            if usable(line):
                yield strip_diacritics(line), line
                got += 1
                if got >= k:
                    break


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args()
    for stripped, gold in pick(args.corpus):
        sys.stdout.write(f"{stripped}\t{gold}\n")


if __name__ == "__main__":
    main()
