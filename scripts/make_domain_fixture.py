"""Make the other-domain OCR test fixture: text written for the tests (travel, sport,
nature, a family garden, a phone, a writer, cooking, a pagoda; no corpus or dev text),
rendered as a clean scan and read by Tesseract's English model, one line per image.

    python -m scripts.make_domain_fixture [--out tests/fixtures/domain]

Reads `general_gold.txt` there and writes `general_ocr.txt`, line-aligned with it, and
`general_vie_ocr.txt`: the same text as a poor scan (make_ocr_pairs --scan poor, one
fixed recipe) read by Tesseract's Vietnamese model, one line per image, and
`legal_vie_ocr.txt`: the legal sample (data/sample_gold.txt) scanned and read alike.
tests/test_config.py uses the pairs for the phrase bonus and scorer weight of OCR output
of another domain than administrative text (Restorer._phrase_weight).  Rerun only to
refresh the OCR (Tesseract's output differs slightly between versions).
"""
from __future__ import annotations

import argparse
import os
import random

from scripts.make_ocr_fixtures import PARAMS
from scripts.make_ocr_pairs import Block, _draw_poor_params, ocr_block

VIE_SEED = 18  # the poor-scan recipe of general_vie_ocr.txt
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "domain")


def make(out: str) -> None:
    with open(os.path.join(out, "general_gold.txt"), encoding="utf-8") as fh:
        lines = fh.read().rstrip("\n").split("\n")
    params = dict(PARAMS, em_px=26.0, width=max(len(line) for line in lines))
    block = Block(index=0, source="fixture", lines=lines, params=params, ends=[False] * len(lines))
    pairs = ocr_block(block, mode="lines", lang="eng")
    if len(pairs) != len(lines):
        raise SystemExit(f"Tesseract gave {len(pairs)} lines for {len(lines)}")
    with open(os.path.join(out, "general_ocr.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(ocr for ocr, _ in pairs) + "\n")
    print(f"{len(pairs)} lines written to {os.path.normpath(out)}/general_ocr.txt")
    vie_poor_scan(lines, os.path.join(out, "general_vie_ocr.txt"))
    with open(os.path.join(SAMPLE, "sample_gold.txt"), encoding="utf-8") as fh:
        vie_poor_scan([line for line in fh.read().split("\n") if line.strip()],  # (its blank lines left out)
                      os.path.join(out, "legal_vie_ocr.txt"))


def vie_poor_scan(lines, path: str) -> None:
    """`lines` as a poor scan at a fixed recipe (the page as wide as the longest line)
    read by Tesseract-vie, written to `path` line by line."""
    params = dict(_draw_poor_params(random.Random(VIE_SEED)), width=max(len(line) for line in lines), rotate=0.0)
    block = Block(index=0, source="fixture", lines=lines, params=params, ends=[False] * len(lines))
    pairs = ocr_block(block, mode="lines", lang="vie")
    if len(pairs) != len(lines):
        raise SystemExit(f"Tesseract-vie gave {len(pairs)} lines for {len(lines)}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(ocr for ocr, _ in pairs) + "\n")
    print(f"{len(pairs)} lines written to {os.path.normpath(path)}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    make(ap.parse_args(argv).out)


if __name__ == "__main__":
    main()
