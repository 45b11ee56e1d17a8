"""Make the hOCR and ALTO test fixtures: Tesseract's own output for rendered pages.

    python -m scripts.make_ocr_fixtures [--out tests/fixtures/ocr_formats]

Each page is a few short lines written for these tests (not corpus or dev text),
rendered as a clean scan with scripts/make_ocr_pairs.py's renderer (`render_block`)
and read by Tesseract 5 into hOCR, ALTO and plain text:

  <name>.eng.hocr / .eng.xml / .eng.txt   `-l eng`: marks lost, as the project's OCR input
  <name>.vie.hocr / .vie.xml              `-l vie`: marks kept (round trips of correct text)
  <name>.gold.txt                         the lines rendered

tests/test_formats.py reads the committed files; rerun this script only to refresh
them (Tesseract's output differs slightly between versions; the tests do not depend
on its exact words).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import tempfile

from scripts.make_ocr_pairs import Block, _env, render_block

# Written for these fixtures: a notice of the kind the project restores.
PAGES = {
    "notice": [
        "Ủy ban nhân dân xã thông báo lịch họp tổ dân phố.",
        "Người dân được hướng dẫn nộp hồ sơ trước ngày 15/3.",
        "Mọi thắc mắc xin liên hệ văn phòng, số 0123 456 789.",
    ],
    "heading": [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ],
}
# One fixed, clean rendering recipe (make_ocr_pairs draws these at random).
PARAMS = {"font": "LiberationSerif", "em_px": 30.0, "supersample": 2, "line_gap": 1.6,
          "justify": False, "blur": 0.0, "noise": 0.0, "binarize": False, "rotate": 0.0,
          "ink": 0, "paper": 255, "render_seed": 7, "width": 60}
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "ocr_formats")


def render_page(lines, path: str) -> int:
    """Render `lines` as one page image at `path`; returns the dpi written into it."""
    block = Block(index=0, source="fixture", lines=list(lines), params=dict(PARAMS),
                  ends=[True] * len(lines))
    image = render_block(block, split_lines=False)[0]
    dpi = max(50, int(PARAMS["em_px"] * 72 / 13))
    image.save(path, dpi=(dpi, dpi))
    return dpi


def tesseract(image: str, base: str, lang: str, *configs: str) -> None:
    # run in the image's folder so that the files name "notice.png", not a temporary path
    subprocess.run(["tesseract", os.path.basename(image), os.path.abspath(base), "-l", lang, *configs],
                   check=True, capture_output=True, env=_env(), cwd=os.path.dirname(image))


def make(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, lines in PAGES.items():
            image = os.path.join(tmp, f"{name}.png")
            render_page(lines, image)
            for lang, configs in (("eng", ("hocr", "alto", "txt")), ("vie", ("hocr", "alto"))):
                base = os.path.join(out, f"{name}.{lang}")
                tesseract(image, base, lang, *configs)
            with open(os.path.join(out, f"{name}.gold.txt"), "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
    print(f"fixtures written to {os.path.normpath(out)}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    make(ap.parse_args(argv).out)


if __name__ == "__main__":
    main()
