"""Make the other-domain OCR test fixture: text written for the tests (travel, sport,
nature, a family garden, a phone, a writer, cooking, a pagoda; no corpus or dev text),
rendered as a clean scan and read by Tesseract's English model, one line per image.

    python -m scripts.make_domain_fixture [--out tests/fixtures/domain]

Reads `general_gold.txt` there and writes `general_ocr.txt`, line-aligned with it.
tests/test_config.py uses the pair for the phrase bonus and scorer weight of OCR output
of another domain than administrative text (Restorer._phrase_weight).  Rerun only to
refresh the OCR (Tesseract's output differs slightly between versions).
"""
from __future__ import annotations

import argparse
import os

from scripts.make_ocr_fixtures import PARAMS
from scripts.make_ocr_pairs import Block, ocr_block

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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    make(ap.parse_args(argv).out)


if __name__ == "__main__":
    main()
