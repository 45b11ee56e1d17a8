#!/usr/bin/env python3
"""Write the scorer's output vocabulary: the n-gram model's alphabetic words (lower case,
traditional tone placement) seen at least --min-count times, most frequent first.

    python -m scripts.seq2seq.make_syllables --out models/seq2seq/syllables.txt
"""
import argparse
import os

from vidiacritic import resources


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="models/seq2seq/syllables.txt")
    ap.add_argument("--min-count", type=int, default=5)
    a = ap.parse_args(argv)
    ng = resources.load_ngram()
    items = sorted(((int(ng.counts[i]), w) for w, i in ng.vocab.items() if w.isalpha()),
                   key=lambda x: (-x[0], x[1]))
    keep = [w for c, w in items if c >= a.min_count]
    tot = sum(c for c, _ in items)
    cov = sum(c for c, w in items if c >= a.min_count) / tot
    with open(a.out + ".tmp", "w", encoding="utf-8") as fh:
        fh.write("\n".join(keep) + "\n")
    os.replace(a.out + ".tmp", a.out)
    print(f"{len(keep)} syllables, {cov:.5f} of the corpus's word tokens")


if __name__ == "__main__":
    main()
