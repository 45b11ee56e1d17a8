"""Noise statistics of (OCR, clean) line pairs, to compare synthetic OCR with the dev set.

    python -m scripts.ocr_noise_stats PAIRS.tsv [PAIRS2.tsv ...] [--dev] [--limit N]

PAIRS.tsv is the output of scripts/make_ocr_pairs.py (``ocr<TAB>clean<TAB>font<TAB>size``).
``--dev`` adds a column for the dev set (../shared/dev/seed_ocr.txt against
seed_gold.txt, line-aligned; lines empty on both sides are skipped).  ``--by-font`` adds
one column per font of the first pairs file.

Measures (all over the whole file, not averaged per line):
  cer            character edit distance of lowercased OCR vs lowercased clean / clean length
  cer_stripped   the same after stripping every diacritic from both sides (đ→d)
  tok_same       % of clean word tokens reproduced identically (tokens aligned with difflib)
  tok_same_strip % of clean word tokens identical once both sides are stripped of diacritics
  e_acute        OCR `é`/`É` per accented letter of the clean text (letter other than ASCII)
  digit_in_word  % of OCR tokens that mix letters and digits (t6, d6i, ph01), minus the same
                 rate in the clean text (codes like 05-CT/TW occur in both)
  tok_mismatch   % of lines whose whitespace token count differs between OCR and clean
  accented_kept  % of the clean accented letters that the OCR keeps exactly (á, ê, ô...)
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import unicodedata
from collections import defaultdict
from typing import Dict, Iterable, List, Sequence, Tuple

from vidiacritic.evaluate import levenshtein  # (the metric's own edit distance)
from vidiacritic.text import strip_diacritics

DEV_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "dev")
# A token mixing letters and digits in either order: t6, d6i, ph01, 1ap (but not 2023, 05-CT).
_MIXED = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")
_WORD = re.compile(r"[^\W_]", re.UNICODE)

Pair = Tuple[str, str]


def _aligned_same(ocr_toks: Sequence[str], clean_toks: Sequence[str]) -> int:
    if list(ocr_toks) == list(clean_toks):
        return len(clean_toks)
    sm = difflib.SequenceMatcher(None, ocr_toks, clean_toks, autojunk=False)
    return sum(block.size for block in sm.get_matching_blocks())


def _is_accented(ch: str) -> bool:
    return ch.isalpha() and ord(ch) > 127


def noise_stats(pairs: Iterable[Pair]) -> Dict[str, float]:
    n_lines = chars = edits = edits_s = chars_s = 0
    toks = same = same_s = 0
    accented = e_acute = kept = 0
    ocr_toks_n = ocr_mixed = clean_toks_n = clean_mixed = 0
    mismatch = 0
    for ocr, clean in pairs:
        ocr = unicodedata.normalize("NFC", ocr.strip())
        clean = unicodedata.normalize("NFC", clean.strip())
        if not ocr and not clean:
            continue
        n_lines += 1
        lo, lc = ocr.lower(), clean.lower()
        edits += levenshtein(lo, lc)
        chars += len(lc)
        so, sc = strip_diacritics(lo), strip_diacritics(lc)
        edits_s += levenshtein(so, sc)
        chars_s += len(sc)
        ot, ct = ocr.split(), clean.split()
        mismatch += len(ot) != len(ct)
        toks += len(ct)
        same += _aligned_same(ot, ct)
        same_s += _aligned_same([strip_diacritics(t) for t in ot], [strip_diacritics(t) for t in ct])
        acc = [ch for ch in clean if _is_accented(ch)]
        accented += len(acc)
        e_acute += ocr.count("é") + ocr.count("É")
        # accented letters kept: multiset intersection, cheap proxy for alignment
        pool = defaultdict(int)
        for ch in ocr:
            if _is_accented(ch):
                pool[ch] += 1
        for ch in acc:
            if pool[ch] > 0:
                pool[ch] -= 1
                kept += 1
        wo = [t for t in ot if _WORD.search(t)]
        wc = [t for t in ct if _WORD.search(t)]
        ocr_toks_n += len(wo)
        ocr_mixed += sum(1 for t in wo if _MIXED.search(t))
        clean_toks_n += len(wc)
        clean_mixed += sum(1 for t in wc if _MIXED.search(t))
    div = lambda a, b: a / b if b else float("nan")  # noqa: E731
    return {
        "lines": n_lines,
        "cer": div(edits, chars),
        "cer_stripped": div(edits_s, chars_s),
        "tok_same": 100 * div(same, toks),
        "tok_same_strip": 100 * div(same_s, toks),
        "e_acute": div(e_acute, accented),
        "digit_in_word": 100 * (div(ocr_mixed, ocr_toks_n) - div(clean_mixed, clean_toks_n)),
        "tok_mismatch": 100 * div(mismatch, n_lines),
        "accented_kept": 100 * div(kept, accented),
    }


def read_pairs(path: str, limit: int = 0, font: str = "") -> List[Pair]:
    out: List[Pair] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            if font and (len(parts) < 3 or parts[2] != font):
                continue
            out.append((parts[0], parts[1]))
            if limit and len(out) >= limit:
                break
    return out


def read_dev(dev_dir: str = DEV_DIR) -> List[Pair]:
    with open(os.path.join(dev_dir, "seed_ocr.txt"), encoding="utf-8") as fh:
        ocr = fh.read().split("\n")
    with open(os.path.join(dev_dir, "seed_gold.txt"), encoding="utf-8") as fh:
        gold = fh.read().split("\n")
    if len(ocr) != len(gold):
        raise SystemExit(f"dev files are not line-aligned: {len(ocr)} vs {len(gold)} lines")
    return [(o, g) for o, g in zip(ocr, gold) if o.strip() or g.strip()]


FIELDS = [("lines", "{:.0f}"), ("cer", "{:.3f}"), ("cer_stripped", "{:.3f}"),
          ("tok_same", "{:.1f}"), ("tok_same_strip", "{:.1f}"), ("e_acute", "{:.3f}"),
          ("digit_in_word", "{:.2f}"), ("tok_mismatch", "{:.1f}"), ("accented_kept", "{:.1f}")]


def format_table(columns: Sequence[Tuple[str, Dict[str, float]]]) -> str:
    """A Markdown table: one row per measure, one column per pairs source."""
    head = "| measure | " + " | ".join(name for name, _ in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    rows = [head, rule]
    for key, fmt in FIELDS:
        rows.append(f"| {key} | " + " | ".join(fmt.format(st[key]) for _, st in columns) + " |")
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pairs", nargs="*", help="TSV files ocr<TAB>clean[<TAB>font<TAB>size]")
    ap.add_argument("--dev", action="store_true", help="add the dev set (seed_ocr vs seed_gold)")
    ap.add_argument("--dev-dir", default=DEV_DIR)
    ap.add_argument("--limit", type=int, default=0, help="read at most N pairs per file")
    ap.add_argument("--by-font", action="store_true", help="one column per font of the first file")
    args = ap.parse_args(argv)
    columns = []
    for path in args.pairs:
        columns.append((os.path.basename(path), noise_stats(read_pairs(path, args.limit))))
    if args.by_font and args.pairs:
        fonts = sorted({p.split("\t")[2] for p in open(args.pairs[0], encoding="utf-8")
                        if p.count("\t") >= 2})
        for f in fonts:
            columns.append((f, noise_stats(read_pairs(args.pairs[0], args.limit, font=f))))
    if args.dev:
        columns.append(("dev (seed)", noise_stats(read_dev(args.dev_dir))))
    if not columns:
        ap.error("give a pairs file and/or --dev")
    print(format_table(columns))


if __name__ == "__main__":
    main()
