#!/usr/bin/env python3
"""Build data/code_parts_d.tsv: parts of document codes whose Đ the OCR turned into D.

    python -m scripts.build_code_parts --corpus ../shared/corpus --out data/code_parts_d.tsv

Vietnamese document codes name the document type and the issuing body with acronyms
(15/2014/NĐ-CP, 760/QĐ-UBND, 217-QĐ/TW, 03/CV-BCĐ).  Stripping diacritics, or
Tesseract's English model, writes their Đ as D (15/2014/ND-CP), and a code is a
PROTECTED token, so the restorer kept it wrong.  This table maps a part's D-spelling
back to its spelling with Đ when the corpus says the D-spelling is not itself in use
as a code part:

1. Every whitespace-separated chunk of the training split of the legal files, its
   edge punctuation stripped, that is shaped like a document code
   (``vidiacritic.tokens.document_code_parts``, the very test the restorer applies),
   is split into its parts at - and /; each part is counted (numbers and years are
   not parts).
2. For each part with Đ of at least two letters, its D-spelling (Đ → D, đ → d) is a
   candidate.  Dropped when two Đ-spellings share one D-spelling and neither has
   ``--min-dominance`` of their occurrences, when the Đ-spelling occurs fewer than
   ``--min-count`` times, or when the D-spelling itself is a code part in more than
   ``--max-d-share`` of the occurrences of the two spellings (then it is a part of its
   own: a D is written there on purpose).

Output: UTF-8 TSV with a header: written (D-spelling), part (with Đ), count (corpus
count of the part in codes), count_written (corpus count of the D-spelling in codes).
Derived data only: code parts and counts, no corpus text.

With ``--ocr-out``, a second table of the same format for OCR output only
(data/code_parts_ocr.tsv): the spellings Tesseract's English model gives a part when it
reads one of its Đ as another capital (``--ocr-letters``: B, P, O; on its training-split
pairs a word's initial Đ became D 1,776 times, B 119, P 29, O 4; inside a capital word D
240, B 9, O 2), the part's other Đ written D: NĐ-CP → NB-CP, NO-CP.  Only parts seen at
least ``--ocr-min-count`` times (a misread of a rare part is likelier another part's
spelling), the dominance test above, and none that is another part's D-spelling or that
the corpus writes as a code part in more than ``--ocr-max-share`` of the occurrences of
the two (QP, a part of its own 17 times, is never read as QĐ).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Set, Tuple

from scripts.build_manifest import refresh_for
from scripts.corpus import ALL_FILES, add_corpus_args, iter_lines
from scripts.tables import write_tsv
from vidiacritic.fixes import CODE_PART_HEADER
from vidiacritic.tokens import document_code_parts

# The tokenizer strips a chunk's leading and trailing non-word characters before it
# classifies the core ("(15/2014/NĐ-CP)," → 15/2014/NĐ-CP); a code begins with a digit
# and ends with a letter, so this is the same cut.
def _core(chunk: str) -> str:
    start, end = 0, len(chunk)
    while start < end and not (chunk[start].isalnum() or chunk[start] == "_"):
        start += 1
    while end > start and not (chunk[end - 1].isalnum() or chunk[end - 1] == "_"):
        end -= 1
    return chunk[start:end]


def d_spelling(part: str) -> str:
    """The part as an OCR without Đ writes it: NĐ → ND, HĐND → HDND, Đg → Dg."""
    return part.replace("Đ", "D").replace("đ", "d")


def count_code_parts(lines: Iterable[str]) -> Tuple[Counter, int]:
    """(part → occurrences in document codes, number of codes seen)."""
    parts: Counter = Counter()
    codes = 0
    for line in lines:
        if "/" not in line:
            continue  # every code shape has a slash: most lines are skipped here
        for chunk in line.split():
            if "/" not in chunk:
                continue
            found = document_code_parts(_core(chunk))
            if found is None:
                continue
            codes += 1
            parts.update(p for p in found[1][::2])
    return parts, codes


def select(parts: Counter, min_count: int, max_d_share: float,
           min_dominance: float) -> Tuple[List[Tuple[str, str, int, int]], Dict[str, int]]:
    """Rows (written, part, count, count_written) and how many candidates each rule
    dropped."""
    by_written: Dict[str, Set[str]] = defaultdict(set)
    for p in parts:
        if ("Đ" in p or "đ" in p) and len(p) >= 2:
            by_written[d_spelling(p)].add(p)
    rows = []
    dropped = {"ambiguous": 0, "rare": 0, "d_used": 0}
    for w, forms in sorted(by_written.items()):
        ranked = sorted(forms, key=lambda f: (-parts[f], f))
        best = ranked[0]
        total = sum(parts[f] for f in ranked)
        if parts[best] < min_dominance * total:
            dropped["ambiguous"] += 1
        elif parts[best] < min_count:
            dropped["rare"] += 1
        elif parts[w] > max_d_share * (parts[w] + parts[best]):
            dropped["d_used"] += 1
        else:
            rows.append((w, best, parts[best], parts[w]))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows, dropped


def ocr_spellings(part: str, letters: str) -> List[str]:
    """The part as Tesseract-eng writes it with one Đ read as one of `letters`, its
    other Đ as D: NĐ → NB, NP, NO; HĐĐT → HBDT, HDBT, …"""
    out = []
    for i, ch in enumerate(part):
        if ch == "Đ":
            out.extend(d_spelling(part[:i]) + c + d_spelling(part[i + 1:]) for c in letters)
    return out


def select_ocr(parts: Counter, rows: List[Tuple[str, str, int, int]], letters: str, min_count: int,
               max_share: float, min_dominance: float) -> Tuple[List[Tuple[str, str, int, int]], Dict[str, int]]:
    """Rows (misread spelling, part, count, count_written) for the parts of `rows` (the
    D-spelling table) seen at least `min_count` times, and how many each rule dropped:
    a spelling that is another part's D-spelling (HDBT, HĐBT's, is no misread HĐĐT), or
    that the corpus writes as a part in more than `max_share` of the occurrences of the
    two (QP, 17 times beside QĐ's 4,432)."""
    spelled = {d_spelling(p) for p in parts}
    by_written: Dict[str, Set[str]] = defaultdict(set)
    for _, part, count, _ in rows:
        if count >= min_count:
            for w in ocr_spellings(part, letters):
                by_written[w].add(part)
    out = []
    dropped = {"ambiguous": 0, "d_used": 0}
    for w, forms in sorted(by_written.items()):
        ranked = sorted(forms, key=lambda f: (-parts[f], f))
        best = ranked[0]
        if parts[best] < min_dominance * sum(parts[f] for f in ranked):
            dropped["ambiguous"] += 1
        elif (w in spelled and parts[w] == 0) or parts[w] > max_share * (parts[w] + parts[best]):
            dropped["d_used"] += 1
        else:
            out.append((w, best, parts[best], parts[w]))
    out.sort(key=lambda r: (-r[2], r[0]))
    return out, dropped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_args(ap)
    ap.add_argument("--files", nargs="+", default=list(ALL_FILES))
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--max-d-share", type=float, default=0.05)
    ap.add_argument("--min-dominance", type=float, default=0.9)
    ap.add_argument("--out", default="data/code_parts_d.tsv")
    ap.add_argument("--ocr-out", default=None, help="also write the OCR misread table (data/code_parts_ocr.tsv)")
    ap.add_argument("--ocr-letters", default="BPO")
    ap.add_argument("--ocr-min-count", type=int, default=100)
    ap.add_argument("--ocr-max-share", type=float, default=0.001)
    a = ap.parse_args()
    parts: Counter = Counter()
    codes = 0
    t0 = time.time()
    for name in a.files:
        c, n = count_code_parts(iter_lines(a.corpus, name, split="train"))
        parts.update(c)
        codes += n
        print(f"{name}: {n:,} codes, {time.time() - t0:.0f} s", file=sys.stderr)
    rows, dropped = select(parts, a.min_count, a.max_d_share, a.min_dominance)
    write_tsv(a.out, rows, header=CODE_PART_HEADER)
    refresh_for(a.out)  # data/MANIFEST.json: the new file's hash
    print(f"{codes:,} codes, {len(parts):,} distinct parts; {len(rows)} parts written to {a.out}; "
          f"dropped: {dropped['ambiguous']} ambiguous, {dropped['rare']} seen fewer than "
          f"{a.min_count} times, {dropped['d_used']} whose D-spelling the corpus uses as a part",
          file=sys.stderr)
    if a.ocr_out:
        ocr_rows, ocr_dropped = select_ocr(parts, rows, a.ocr_letters, a.ocr_min_count, a.ocr_max_share,
                                           a.min_dominance)
        write_tsv(a.ocr_out, ocr_rows, header=CODE_PART_HEADER)
        refresh_for(a.ocr_out)
        print(f"{len(ocr_rows)} misread spellings written to {a.ocr_out}; dropped: {ocr_dropped['ambiguous']} "
              f"ambiguous, {ocr_dropped['d_used']} the corpus uses as a part or another's D-spelling", file=sys.stderr)


if __name__ == "__main__":
    main()
