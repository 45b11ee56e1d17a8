#!/usr/bin/env python3
"""Build data/kept_words.tsv: tokens the corpus writes without marks, to keep as written.

    python -m scripts.build_kept_words --corpus ../shared/corpus --out data/kept_words.tsv

The corpus is diacritized, so a token it writes without marks where marks were possible
is not a Vietnamese word that lost them: an acronym, or a foreign word.  The restorer
gave such tokens marks all the same whenever their letters spell a Vietnamese syllable
once marked: "Bộ CA" (Công an) became "Bộ CÁ", "hãng AP" "hãng ÁP", "dự án BOT" "BỘT",
"Top 10" "Tốp 10", "World Cup" "World Cúp", "Vnexpress.net" "Vnexpress.nét".  Two kinds of
token are counted in the training split (scripts.corpus: every file, one line in
``--every``), each against the same token written with marks, in the same place:

``caps``  an all-caps token of 2 to ACRONYM_MAX letters that stands alone in capitals:
          the nearest word before or after it in its clause (fixes._word_beside; one at
          least) is not all caps (tokens of the restorer's tokenizer: a part of a code
          is no word).  There a token written without marks (CA 1 in 1) is an acronym,
          one with marks (KHÔNG, CẢ) a word written in capitals for emphasis.  Counted
          case as written: "CA" against "CÁ", "CẢ", "CÀ".
``word``  any other word of letters whose unmarked spelling is no syllable of the
          n-gram vocabulary (top, cup, net, set: a syllable ending in p, t, c or ch
          takes a tone mark; the vocabulary's syllables are the decoder's business),
          counted case as written: "Cup" (World Cup, AFF Cup) against "Cúp" (Cúp C1),
          "cup" against "cúp" (cúp điện).
``joined`` a word glued to a word before it by a full stop, no space between (a domain
          name's ending, "Vnexpress.net", or an initial's name, "H.Thanh"), counted
          again in that place (net 1 in 1 there, against nét 1 in 13 elsewhere).

Only tokens that spell a Vietnamese syllable once marked are counted
(build_acronyms.syllable_with_marks: no other token gets marks from the restorer).  A
token is written to the table when its unmarked spelling occurs at least
``--min-count`` times and is at least ``--min-share`` of the occurrences of all its
spellings (unmarked and marked) in that place.  Output: UTF-8 TSV with a header: kind,
written, count (unmarked), count_marked (all marked spellings).  Derived data only: tokens
with counts, no corpus text.  Rewrites data/MANIFEST.json when written there.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Tuple

from scripts.build_acronyms import syllable_with_marks
from scripts.build_manifest import refresh_for
from scripts.corpus import ALL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.fixes import ACRONYM_MAX, KEPT_HEADER, caps_alone
from vidiacritic.ngram import NgramLM
from vidiacritic.text import normalize_syllable, strip_diacritics
from vidiacritic.tokens import WORD, tokenize

_LETTERS = re.compile(r"(?<![\w])[^\W\d_]+(?![\w])")  # a word of letters only (no "A1", no "4G")
_JOINED = re.compile(r"(?<=[^\W\d_]\.)[^\W\d_]+(?![\w])")  # "Vnexpress.net", "H.Thanh"
# A line worth tokenizing for the caps count: two capitals side by side.
_CAPS_PAIR = re.compile(r"[^\W\d_a-zà-ỹđ]{2}")


def count_line(line: str, caps: Counter, words: Counter, joined: Counter) -> None:
    """Add one corpus line's tokens to the three counts (see the module docstring)."""
    for m in _LETTERS.finditer(line):
        w = m.group()
        if not (len(w) >= 2 and w.isupper()):
            words[w] += 1
    if "." in line:
        joined.update(w for w in _JOINED.findall(line) if not (len(w) >= 2 and w.isupper()))
    if _CAPS_PAIR.search(line):
        toks = tokenize(line)
        for i, tok in enumerate(toks):
            if tok.kind == WORD and 2 <= len(tok.text) <= ACRONYM_MAX and tok.text.isalpha() \
                    and tok.text.isupper() and caps_alone(toks, i):
                caps[tok.text] += 1


def kept(counts: Counter, is_candidate, min_count: int, min_share: float) -> List[Tuple[str, int, int]]:
    """(written, count, count_marked) for each unmarked spelling `is_candidate` admits
    that is frequent and dominant enough among the spellings of its skeleton."""
    groups: Dict[str, int] = defaultdict(int)
    for w, n in counts.items():
        groups[strip_diacritics(w)] += n
    rows = []
    for w, n in counts.items():
        if n < min_count or strip_diacritics(w) != w or not w.isascii() or not is_candidate(w):
            continue
        marked = groups[w] - n
        if n >= min_share * (n + marked):
            rows.append((w, n, marked))
    return rows


def main(argv: Iterable[str] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_args(ap)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--min-share", type=float, default=0.75)
    ap.add_argument("--out", default="data/kept_words.tsv")
    a = ap.parse_args(argv)
    vocab = NgramLM.load().vocab
    caps: Counter = Counter()
    words: Counter = Counter()
    joined: Counter = Counter()
    t0 = time.time()
    for name in ALL_FILES:
        n = 0
        for line in iter_lines(a.corpus, name, every=a.every):
            count_line(line, caps, words, joined)
            n += 1
        print(f"{name}: {n:,} lines, {time.time() - t0:.0f} s", file=sys.stderr)
    rows = [("caps", w, n, m) for w, n, m in kept(caps, syllable_with_marks, a.min_count, a.min_share)]
    not_syllable = lambda w: syllable_with_marks(w) and normalize_syllable(w) not in vocab  # noqa: E731
    rows += [("word", w, n, m) for w, n, m in kept(words, not_syllable, a.min_count, a.min_share)]
    rows += [("joined", w, n, m) for w, n, m in kept(joined, not_syllable, a.min_count, a.min_share)]
    rows.sort(key=lambda r: (r[0], -r[2], r[1]))
    write_tsv(a.out, rows, header=KEPT_HEADER)
    refresh_for(a.out)
    print(f"{len(rows)} tokens written to {a.out}: {sum(r[0] == 'caps' for r in rows)} caps, "
          f"{sum(r[0] == 'word' for r in rows)} words, {sum(r[0] == 'joined' for r in rows)} joined", file=sys.stderr)


if __name__ == "__main__":
    main()
