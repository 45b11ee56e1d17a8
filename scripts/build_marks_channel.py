#!/usr/bin/env python3
"""Estimate the marks channel (models/marks.json) from real (OCR, clean) line pairs.

The pairs come from ``python -m scripts.make_ocr_pairs --lang vie`` (Tesseract's Vietnamese
model, clean and ``--scan poor`` renders of TRAIN-split text).  Lines whose OCR and
clean sides have the same number of whitespace tokens are aligned word by word; a pair
is kept when both sides are letters only (edge punctuation removed) and the clean word
is a syllable of the language model's vocabulary.  Errors cluster on bad lines, so
the error rate is also kept by the number of non-syllables the OCR left on the line, as
a ratio to the overall rate (``line_error_ratio``).  From the (observed, clean) syllable
counts :func:`scripts.estimate_channels.estimate_marks_channel` estimates the tone confusion
table and the toneless letter edits.  Also stored: the share of words the OCR got wrong
(the mark-error rate a document starts from) and the shares of toned and
quality-marked syllables that the language model's unigram counts expect (what a
document's own shares are compared with).  Only aggregate counts are stored, no text.

usage: python -m scripts.build_marks_channel PAIRS.tsv [PAIRS.tsv ...] [--error-from PAIRS.tsv ...]
       --out models/marks.json
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from scripts.estimate_channels import estimate_marks_channel
from vidiacritic import resources
from vidiacritic.evaluate import _strip_edge_punct
from vidiacritic.marks import LINE_CLASSES, has_quality, letters_and_tone
from vidiacritic.text import nfc, normalize_syllable

HERE = os.path.dirname(os.path.abspath(__file__))


def syllable_lines(path: str, vocab) -> Iterator[Tuple[List[str], Optional[List[Tuple[int, str, str]]]]]:
    """Each pairs row of a file (its columns) and, where the observed and clean words
    align one to one, the word pairs counted: (word index, observed, clean) where both
    are letters (edge punctuation removed) and the clean word is a syllable of `vocab`,
    both normalized; None for a row that does not align.  Rows of fewer than two
    columns are skipped.  (build_confidence_table.py counts the same words.)"""
    with open(path, encoding="utf-8") as fh:
        for row in fh:
            cols = row.rstrip("\n").split("\t")
            if len(cols) < 2:
                continue
            obs, clean = nfc(cols[0]).split(), nfc(cols[1]).split()
            if len(obs) != len(clean):
                yield cols, None
                continue
            line = []
            for k, (o, c) in enumerate(zip(obs, clean)):
                o, c = _strip_edge_punct(o).lower(), _strip_edge_punct(c).lower()
                if not (o.isalpha() and c.isalpha()):
                    continue
                o, c = normalize_syllable(o), normalize_syllable(c)
                if c in vocab:
                    line.append((k, o, c))
            yield cols, line


def line_class(line: Sequence[Tuple[int, str, str]], vocab) -> int:
    """How many observed words of a line are no syllable: 0, 1, 2 or more (LINE_CLASSES)."""
    return min(sum(o not in vocab for _, o, _ in line), LINE_CLASSES - 1)


def aligned_pairs(path: str, vocab) -> Tuple[Dict[Tuple[str, str], int], dict]:
    """(observed, clean) syllable pair counts of one pairs file, and its counts: lines,
    aligned lines, word pairs, wrong words, and words and wrong words by the number of
    observed words on their line that are no syllable (0, 1, 2 or more)."""
    counts: Dict[Tuple[str, str], int] = {}
    lines = aligned = 0
    by_invalid = [[0, 0] for _ in range(LINE_CLASSES)]
    for _, line in syllable_lines(path, vocab):
        lines += 1
        if line is None:
            continue
        aligned += 1
        for _, o, c in line:
            counts[(o, c)] = counts.get((o, c), 0) + 1
        k = line_class(line, vocab)
        by_invalid[k][0] += len(line)
        by_invalid[k][1] += sum(o != c for _, o, c in line)
    n = sum(counts.values())
    wrong = sum(k for (o, c), k in counts.items() if o != c)
    return counts, {"file": os.path.basename(path), "lines": lines, "aligned_lines": aligned,
                    "word_pairs": n, "wrong": wrong, "by_invalid_words_on_line": by_invalid}


def expected_shares(ngram) -> dict:
    """Shares of toned and of quality-marked syllables among the LM's unigram counts."""
    total = toned = quality = 0
    for w, i in ngram.vocab.items():
        if not w.isalpha():
            continue
        k = int(ngram.counts[i])
        letters, tone = letters_and_tone(w)
        total += k
        toned += k * (tone > 0)
        quality += k * has_quality(letters)
    return {"toned_share": round(toned / total, 5), "quality_share": round(quality / total, 5)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", nargs="+", help="make_ocr_pairs.py output (ocr<TAB>clean<TAB>...)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "vidiacritic", "..", "models", "marks.json"))
    ap.add_argument("--error-from", action="append", default=None,
                    help="file name (as given) whose wrong-word share is the starting mark-error "
                         "rate; repeat it to pool several files (default: all files together)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    ngram = resources.load_ngram()
    vocab = ngram.vocab
    total: Dict[Tuple[str, str], int] = {}
    sources = []
    for path in args.pairs:
        counts, info = aligned_pairs(path, vocab)
        sources.append(info)
        for key, k in counts.items():
            total[key] = total.get(key, 0) + k
    if not total:
        print("build_marks_channel: error: no aligned syllable pairs", file=sys.stderr)
        return 2
    rating = None if args.error_from is None else {os.path.basename(p) for p in args.error_from}
    unknown = sorted((rating or set()) - {s["file"] for s in sources})
    if unknown:
        print(f"build_marks_channel: error: --error-from names no pairs file: {', '.join(unknown)}",
              file=sys.stderr)
        return 2
    rated = [s for s in sources if rating is None or s["file"] in rating]
    error_rate = sum(s["wrong"] for s in rated) / max(1, sum(s["word_pairs"] for s in rated))
    # How much likelier a word is wrong on a line with 0, 1, 2+ non-syllables than overall.
    ratio = []
    for k in range(LINE_CLASSES):
        words = sum(s["by_invalid_words_on_line"][k][0] for s in rated)
        wrong = sum(s["by_invalid_words_on_line"][k][1] for s in rated)
        ratio.append(round((wrong + 1) / (words + 1 / max(error_rate, 1e-3)) / max(error_rate, 1e-3), 4))
    meta = {"sources": sources, "word_pairs": sum(total.values()), "distinct_pairs": len(total),
            "error_rate": round(error_rate, 5), "line_error_ratio": ratio, "expected": expected_shares(ngram),
            "command": "python -m scripts.build_marks_channel " + " ".join(
                os.path.basename(p) for p in args.pairs)
            + "".join(f" --error-from {os.path.basename(p)}" for p in args.error_from or ())}
    channel = estimate_marks_channel(total, meta)
    channel.save(args.out)
    print(f"build_marks_channel: {meta['word_pairs']} word pairs ({len(total)} distinct), "
          f"error rate {error_rate:.4f}, {time.perf_counter() - t0:.1f} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
