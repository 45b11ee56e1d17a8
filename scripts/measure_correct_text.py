"""Correct text must stay correct: words changed on held-out corpus lines.

Issue 9 asks that restoring text that needs nothing changes at most 0.2% of its words,
on the dev gold and on 1,000 held-out corpus lines.  This script takes the first usable
lines of the HELD-OUT split (scripts/corpus.py: never used for training or for choosing
anything) of each corpus file, a quota per file (legal text first: the target domain),
restores them as one document per file (as a user's file would be) and, with
``--lines``, also line by line, and counts the words whose output differs from the input
(the reference metric's syllable key: case and tone-placement style do not count as a
change, so hoà → hòa is none).  The changed words are listed with their counts, so the
kinds can be read.  Corpus text is never written into the project.

    python -m scripts.measure_correct_text --corpus ../shared/corpus [--engine auto] [--lines]
"""
from __future__ import annotations

import argparse
from collections import Counter
from typing import Dict, List, Sequence, Tuple

from scripts.corpus import DEFAULT_CORPUS, iter_lines
from vidiacritic import Restorer
from vidiacritic.evaluate import matched_syllables, syllable_key

# Lines per corpus file (1,000 in all): the legal files are the target domain.
QUOTA = {"legal_phapdien": 250, "legal_congbao": 250, "legal_vlc": 150,
         "news_baomoi": 120, "news_dantri": 120, "wiki_viwiki": 110}


def usable(line: str) -> bool:
    """A line of prose: 40–400 characters, mostly letters, no tab."""
    letters = sum(c.isalpha() for c in line)
    return 40 <= len(line) <= 400 and "\t" not in line and letters >= 0.6 * len(line)


def pick(corpus: str, quota: Dict[str, int] = QUOTA) -> Dict[str, List[str]]:
    """The first `quota[name]` usable held-out lines of each corpus file."""
    picked = {}
    for name, k in quota.items():
        lines = []
        for line in iter_lines(corpus, name, split="heldout"):
            if usable(line):
                lines.append(line)
                if len(lines) >= k:
                    break
        picked[name] = lines
    return picked


def changed_words(inp: Sequence[str], out: Sequence[str]) -> Tuple[int, int, Counter]:
    """(words, words changed, Counter of 'input → output' for lines that changed)."""
    total = changed = 0
    kinds: Counter = Counter()
    for a, b in zip(inp, out):
        ka = [syllable_key(w) for w in a.split()]
        kb = [syllable_key(w) for w in b.split()]
        total += len(ka)
        lost = len(ka) - matched_syllables(ka, kb)
        changed += lost
        if lost:
            wa, wb = a.split(), b.split()
            if len(wa) == len(wb):
                kinds.update(f"{x} → {y}" for x, y, p, q in zip(wa, wb, ka, kb) if p != q)
            else:
                kinds[f"{a[:40]}… (spacing changed)"] += lost
    return total, changed, kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--lines", action="store_true", help="also restore each line on its own")
    ap.add_argument("--show", type=int, default=25, help="list this many of the changes")
    args = ap.parse_args()
    restorer = Restorer(engine=args.engine)
    picked = pick(args.corpus)
    modes = [("as documents", lambda lines: restorer.restore("\n".join(lines)).split("\n"))]
    if args.lines:
        modes.append(("line by line", lambda lines: [restorer.restore(x) for x in lines]))
    for mode, run in modes:
        all_words = all_changed = 0
        kinds: Counter = Counter()
        print(f"## {mode} (engine {restorer.engine})")
        print("| corpus file | lines | words | changed | share |")
        print("|---|---|---|---|---|")
        for name, lines in picked.items():
            words, changed, k = changed_words(lines, run(lines))
            all_words, all_changed = all_words + words, all_changed + changed
            kinds.update(k)
            print(f"| {name} | {len(lines)} | {words:,} | {changed} | {changed / max(words, 1):.3%} |")
        n = sum(len(v) for v in picked.values())
        print(f"| all | {n} | {all_words:,} | {all_changed} | {all_changed / max(all_words, 1):.3%} |")
        print()
        for change, count in kinds.most_common(args.show):
            print(f"    {count:3d}  {change}")
        print()


if __name__ == "__main__":
    main()
