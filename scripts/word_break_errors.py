#!/usr/bin/env python3
"""Count the merged and split words among a restorer's errors (issue 9 item 5).

Each line's gold words and output (or OCR) words are aligned on their letters: gold
and output words are grouped 1–1, 1–2, 2–1, 1–0 or 0–1 by a dynamic programme whose
cost is the edit distance of the groups' letters (marks and case removed).  A gold word
is a *split* error when it is aligned with two output words, a *merged* error when it
and its neighbour are aligned with one output word, and the letters of the two sides
are close (at most a quarter of them edited) and closer than either of the two words
alone ("d) Phương" read as "Phương" is a lost word, not a merge).  Only wrong words are
counted: those the reference metric does not match (vidiacritic.evaluate).

    python -m scripts.word_break_errors PAIRS.tsv [OUTPUT]   # OUTPUT: restored OCR column
                                                           # (without it: the OCR itself)

With --rewrites, the file is text instead (correct text, say), read as one OCR
document, and the merges and splits vidiacritic.word_breaks would make are listed:

    python -m scripts.word_break_errors --rewrites TEXT.txt [--strip]
"""
import argparse
from typing import List, Sequence, Tuple

from vidiacritic.evaluate import _Matcher, _words, levenshtein, syllable_key
from vidiacritic.text import strip_diacritics

# (gold words, output words) group shapes the alignment may use, and their extra cost
_SHAPES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))
_CLOSE = 0.25  # a merge or split whose letters differ by at most this share of them


def _letters(word: str) -> str:
    return "".join(c for c in strip_diacritics(word.lower()) if c.isalnum())


def align_groups(gold: Sequence[str], hyp: Sequence[str]) -> List[Tuple[int, int, int, int]]:
    """(gold start, gold end, output start, output end) groups of the cheapest
    alignment of the two word lists (see the module docstring)."""
    g, h = [_letters(w) for w in gold], [_letters(w) for w in hyp]
    n, m = len(g), len(h)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for a, b in _SHAPES:
                if i + a > n or j + b > m:
                    continue
                c = cost[i][j] + levenshtein("".join(g[i:i + a]), "".join(h[j:j + b])) + 0.5 * (a + b != 2)
                if c < cost[i + a][j + b]:
                    cost[i + a][j + b] = c
                    back[i + a][j + b] = (i, j)
    out = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[i][j]
        out.append((pi, i, pj, j))
        i, j = pi, pj
    return out[::-1]


def break_errors(hyp_line: str, gold_line: str) -> Tuple[int, int, int]:
    """(wrong gold words, of which split, of which merged) on one line."""
    gw, hw = _words(gold_line), _words(hyp_line)
    gk, hk = [syllable_key(t) for t in gw], [syllable_key(t) for t in hw]
    right = set()
    for blk in _Matcher(gk, hk).get_matching_blocks():
        right.update(range(blk.a, blk.a + blk.size))
    wrong = len(gw) - len(right)
    split = merged = 0
    if wrong:
        for g0, g1, h0, h1 in align_groups(gw, hw):
            a, b = g1 - g0, h1 - h0
            if (a, b) not in ((1, 2), (2, 1)):
                continue
            gl, hl = "".join(_letters(w) for w in gw[g0:g1]), "".join(_letters(w) for w in hw[h0:h1])
            d = levenshtein(gl, hl)
            if d > _CLOSE * max(len(gl), 1):
                continue
            # both pieces must count: the one word alone is further from the other side
            single = gw[g0:g1] if a == 2 else hw[h0:h1]
            whole = hl if a == 2 else gl
            if min(levenshtein(_letters(w), whole) for w in single) <= d:
                continue
            bad = sum(1 for k in range(g0, g1) if k not in right)
            if a == 1:
                split += bad
            else:
                merged += bad
    return wrong, split, merged


def list_rewrites(path: str, strip: bool) -> None:
    """Print the merges and splits word_breaks makes in `path` read as an OCR document."""
    from vidiacritic import word_breaks
    from vidiacritic.restorer import Restorer
    from vidiacritic.tokens import WORD, join_ocr_splits, tokenize

    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    toks = join_ocr_splits(tokenize(strip_diacritics(text) if strip else text))
    out, breaks = word_breaks.apply(Restorer(engine="statistical"), toks, True)
    for i, spaced in breaks.merged.items():
        print(f"  merged {spaced!r} → {out[i].text!r}")
    for a, b in breaks.inserted.values():
        print(f"  split {out[a].text + out[b].text!r} → {out[a].text!r} {out[b].text!r}")
    words = sum(t.kind == WORD for t in toks)
    print(f"words {words}: merged {len(breaks.merged)}, split {len(breaks.inserted)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs", help="TSV: ocr<TAB>gold<TAB>... (with --rewrites: a text file)")
    ap.add_argument("output", nargs="?", help="restored OCR column, one line per row (default: the OCR)")
    ap.add_argument("--examples", type=int, default=0, help="print this many lines with such errors")
    ap.add_argument("--rewrites", action="store_true", help="list word_breaks' rewrites of a text file")
    ap.add_argument("--strip", action="store_true", help="with --rewrites: strip the text's marks first")
    args = ap.parse_args()
    if args.rewrites:
        list_rewrites(args.pairs, args.strip)
        return
    with open(args.pairs, encoding="utf-8") as fh:
        rows = [(line.rstrip("\n").split("\t") + [""])[:2] for line in fh]
    hyp = [r[0] for r in rows]
    if args.output:
        with open(args.output, encoding="utf-8") as fh:
            hyp = fh.read().split("\n")[:len(rows)]
    tot = [0, 0, 0]
    shown = 0
    for h, r in zip(hyp, rows):
        counts = break_errors(h, r[1])
        tot = [x + y for x, y in zip(tot, counts)]
        if shown < args.examples and (counts[1] or counts[2]):
            print(f"  {counts[1]} split {counts[2]} merged\n    out:  {h}\n    gold: {r[1]}")
            shown += 1
    print(f"wrong words {tot[0]}: split {tot[1]}, merged {tot[2]} (merged/split {tot[1] + tot[2]})")


if __name__ == "__main__":
    main()
