#!/usr/bin/env python3
"""Sort a restorer's errors into kinds, for the lab note in the README.

Lines where output, gold and input have the same number of words are aligned word by word;
each wrong word (the reference metric's comparison: case-insensitive, tone-placement
style ignored) is counted as
  marks    right letters, wrong marks (sạch/sách): the context did not decide
  kept     left as written although the gold differs (damage beyond the candidates)
  letters  wrong letters (a damaged token read as another valid syllable)

    python scripts/error_report.py OUTPUT GOLD INPUT [--examples 10]
"""
import argparse
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from vidiacritic.text import normalize_syllable, strip_diacritics  # noqa: E402


def _key(w: str) -> str:
    return normalize_syllable(w.strip(".,;:!?()\"'“”"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("gold")
    ap.add_argument("input")
    ap.add_argument("--examples", type=int, default=0)
    a = ap.parse_args()
    read = lambda p: open(p, encoding="utf-8").read().split("\n")  # noqa: E731
    kinds, examples = Counter(), {"marks": [], "kept": [], "letters": []}
    words = aligned = 0
    for o, g, i in zip(read(a.output), read(a.gold), read(a.input)):
        ow, gw, iw = o.split(), g.split(), i.split()
        words += len(gw)
        if not (len(ow) == len(gw) == len(iw)):
            continue
        aligned += len(gw)
        for k, (x, y, z) in enumerate(zip(ow, gw, iw)):
            if _key(x) == _key(y):
                continue
            if x == z:
                kind = "kept"
            elif strip_diacritics(_key(x)) == strip_diacritics(_key(y)):
                kind = "marks"
            else:
                kind = "letters"
            kinds[kind] += 1
            examples[kind].append(f"{' '.join(gw[max(0, k - 2):k])} [{z} → {x}, gold {y}] {' '.join(gw[k + 1:k + 3])}")
    print(f"{aligned} of {words} gold words on aligned lines; errors: {sum(kinds.values())}")
    for kind in ("marks", "kept", "letters"):
        print(f"  {kind:<8} {kinds[kind]}")
        for e in examples[kind][: a.examples]:
            print("      " + e)


if __name__ == "__main__":
    main()
