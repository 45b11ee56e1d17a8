#!/usr/bin/env python3
"""Make data/sample_ocr.txt: real Tesseract OCR (English model) of data/sample_gold.txt.

The gold text was written for this project (no corpus text).  Each line is rendered
in Liberation Serif (a Times New Roman metric clone, the font of official documents)
at 44 px, downscaled 2x, and read with `tesseract - -l eng --psm 7`.
Needs Debian tesseract-ocr and fonts-liberation2, and Pillow.
"""
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def ocr_line(line: str, font, tmp: str) -> str:
    width = int(font.getlength(line)) + 40
    img = Image.new("L", (width, 70), 255)
    ImageDraw.Draw(img).text((20, 8), line, font=font, fill=0)
    img.resize((width // 2, 35), Image.LANCZOS).save(tmp)
    out = subprocess.run(["tesseract", tmp, "-", "-l", "eng", "--psm", "7"], capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    src = os.path.join(HERE, "..", "data", "sample_gold.txt")
    dst = os.path.join(HERE, "..", "data", "sample_ocr.txt")
    font = ImageFont.truetype(FONT, 44)
    tmp = os.path.join(tempfile.mkdtemp(), "line.png")
    lines = open(src, encoding="utf-8").read().split("\n")
    out = [ocr_line(ln, font, tmp) if ln.strip() else ln for ln in lines]
    with open(dst, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out))
    print(f"wrote {dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
