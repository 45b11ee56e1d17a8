#!/usr/bin/env python3
"""Build data/acronyms_d.tsv: acronyms whose Đ the OCR or a stripped text turned into D.

    python -m scripts.build_acronyms --fetch --pkgs /tmp/lexpkgs --corpus ../shared/corpus \
        --out data/acronyms_d.tsv

Vietnamese administrative text is full of acronyms with Đ (HĐND, BCĐ, ĐTN).  Stripping
diacritics, or Tesseract's English model, writes them with a plain D (HDND, BCD); the
restorer keeps all-caps tokens as written, so they stayed wrong.  This table maps the
D-spelling back, when the evidence says the D-spelling is not itself in use:

1. Candidates: the all-caps keys with Đ of soe-vinorm ``abbreviations.txt`` and vinormx
   ``acronyms_dict.txt`` (registry packages, MIT; the same wheels build_lexicon.py reads).
2. Dropped when the D-spelling is a plausible Vietnamese syllable (an all-caps heading
   word such as DAN must go through the decoder), or is itself a key of those
   dictionaries (DT and ĐT both are),
   or when two Đ-acronyms share one D-spelling (DĐ / ĐD) and the corpus does not pick one
   with ``--min-dominance``.
3. Counted in the corpus (training split, every file, one line in ``--every``) as whole
   tokens; dropped when the D-spelling is written as such in more than
   ``--max-d-share`` of the occurrences of the two spellings (then it is an acronym of
   its own in real text), or when the acronym itself occurs fewer than ``--min-count``
   times: the dictionaries hold many one-off expansions (personal names, foreign
   schools), and an all-caps token the corpus never writes with Đ is better kept.

Output: UTF-8 TSV with a header: written (D-spelling), acronym, count (corpus count of
the acronym), count_written (corpus count of the D-spelling).  Derived data only.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from typing import Dict, Set

from scripts.build_lexicon import abbrev_entries, fetch_packages
from scripts.corpus import ALL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.text import plausible_syllable

_ACRONYM = re.compile(r"^[A-ZĐ]{2,10}$")
_CAPS_TOKEN = re.compile(r"(?<![\w])[A-ZĐ]{2,10}(?![\w])")


def dictionary_keys(pkgs: str) -> Set[str]:
    """Every all-caps key of the two abbreviation dictionaries (vinormx keys are
    lowercase there: upper-cased)."""
    return {key for key, _ in abbrev_entries(pkgs) if _ACRONYM.match(key)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_args(ap)
    ap.add_argument("--pkgs", default="/tmp/lexpkgs")
    ap.add_argument("--fetch", action="store_true", help="download and unzip the packages first")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--max-d-share", type=float, default=0.2)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--min-dominance", type=float, default=0.9)
    ap.add_argument("--out", default="data/acronyms_d.tsv")
    a = ap.parse_args()
    if a.fetch:
        fetch_packages(a.pkgs)
    keys = dictionary_keys(a.pkgs)
    if not keys:
        sys.exit(f"error: no abbreviation dictionaries under {a.pkgs} (use --fetch)")
    by_written: Dict[str, Set[str]] = defaultdict(set)
    for k in keys:
        if "Đ" in k:
            by_written[k.replace("Đ", "D")].add(k)
    dropped_key = {w for w in by_written if w in keys or plausible_syllable(w.lower())}
    wanted = set(by_written) - dropped_key
    wanted |= {acr for w in wanted for acr in by_written[w]}
    counts: Counter = Counter()
    t0 = time.time()
    for name in ALL_FILES:
        n = 0
        for line in iter_lines(a.corpus, name, every=a.every):
            for m in _CAPS_TOKEN.findall(line):
                if m in wanted:
                    counts[m] += 1
            n += 1
        print(f"{name}: {n:,} lines, {time.time() - t0:.0f} s", file=sys.stderr)
    rows = []
    ambiguous = d_used = rare = 0
    for w in sorted(wanted & set(by_written)):
        acrs = sorted(by_written[w], key=lambda x: (-counts[x], x))
        best = acrs[0]
        total_acr = sum(counts[x] for x in acrs)
        if len(acrs) > 1 and (total_acr == 0 or counts[best] < a.min_dominance * total_acr):
            ambiguous += 1
            continue
        if counts[best] < a.min_count:
            rare += 1
            continue
        if counts[w] > a.max_d_share * (counts[w] + counts[best]):
            d_used += 1
            continue
        rows.append((w, best, counts[best], counts[w]))
    rows.sort(key=lambda r: (-r[2], r[0]))
    write_tsv(a.out, rows, header=("written", "acronym", "count", "count_written"))
    print(f"{len(rows)} acronyms written to {a.out}; dropped: {len(dropped_key)} whose D-spelling "
          f"is a syllable or a dictionary key, {ambiguous} ambiguous, {d_used} whose D-spelling the corpus uses, "
          f"{rare} seen fewer than {a.min_count} times",
          file=sys.stderr)


if __name__ == "__main__":
    main()
