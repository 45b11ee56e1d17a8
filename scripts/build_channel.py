#!/usr/bin/env python3
"""Estimate the OCR channel (models/channel.json) from (OCR, clean) line pairs.

The pairs come from scripts/make_ocr_pairs.py (corpus text rendered to images and
read back by Tesseract's English model).  Lines are aligned word by word on their
diacritic-free skeletons; each aligned (observed, clean) word pair is aligned letter
by letter and the edits are counted (scripts.estimate_channels.estimate_edits).

usage: python -m scripts.build_channel PAIRS.tsv [PAIRS2.tsv ...] [--out models/channel.json]
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import time
from collections import Counter
from typing import Iterator, List, Tuple


from scripts.estimate_channels import estimate_edits
from scripts.tables import read_pairs
from vidiacritic.channel import Channel
from vidiacritic.text import nfc, place_tone, strip_diacritics
from vidiacritic.tokens import WORD, tokenize


def words(line: str) -> List[str]:
    return [t.text for t in tokenize(nfc(line)) if t.kind == WORD]


def token_pairs(ocr: str, clean: str) -> Iterator[Tuple[str, str]]:
    """(observed, clean) lowercase word pairs from one aligned line pair."""
    ow, cw = words(ocr), words(clean)
    ok = [strip_diacritics(w.lower()) for w in ow]
    ck = [strip_diacritics(w.lower()) for w in cw]
    sm = difflib.SequenceMatcher(None, ok, ck, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            for a, b in zip(ow[i1:i2], cw[j1:j2]):
                if b.isalpha():
                    yield a.lower(), place_tone(b.lower())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("pairs", nargs="+")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "channel.json"))
    ap.add_argument("--max-lines", type=int, default=None)
    args = ap.parse_args()
    t0 = time.time()
    tok_pairs: List[Tuple[str, str]] = []
    n_lines = 0
    for ocr, clean in read_pairs(args.pairs):
        tok_pairs.extend(token_pairs(ocr, clean))
        n_lines += 1
        if args.max_lines and n_lines >= args.max_lines:
            break
    counts = Counter(tok_pairs)
    edits = estimate_edits(counts)
    same = sum(k for (o, c), k in counts.items() if o == c)
    meta = {
        "built_by": "python -m scripts.build_channel " + " ".join(os.path.basename(p) for p in args.pairs),
        "lines": n_lines,
        "word_pairs": len(tok_pairs),
        "distinct_word_pairs": len(counts),
        "identical_fraction": round(same / max(1, len(tok_pairs)), 4),
        "seconds": round(time.time() - t0, 1),
    }
    Channel(edits, meta=meta).save(args.out)
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
