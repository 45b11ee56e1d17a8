"""Restoring inside hOCR/ALTO against restoring the same page's plain text (issue 13).

    python -m scripts.measure_ocr_formats --pages 20 [--seed 13] [--start 0.8] [--work DIR]

Pages: blocks of held-out corpus text (scripts/make_ocr_pairs.py's block stream,
`--split heldout`), each rendered as one page with its renderer (`render_block`) and
read once by Tesseract (`-l eng`, page mode) into hOCR, ALTO and plain text.  For each
page:

  txt    Tesseract's text output restored with Restorer.restore
  hocr   the hOCR restored in place (vidiacritic.formats); its words read back as text
  alto   the same for ALTO
  ocr    Tesseract's text as it came (no restoring)

Each page is scored as one line (its words in order) against the rendered text with
the project's metric (vidiacritic.evaluate.score: difflib alignment, so Tesseract's
line breaks need not match the rendering's).  Every file is written under --work,
outside the repository: corpus text is never committed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time

from scripts.corpus import LEGAL_FILES, add_corpus_args
from scripts.make_ocr_pairs import _env, iter_blocks, parse_files, render_block


def ocr_page(block, work: str, index: int) -> str:
    """Render `block` as a page and run Tesseract once; returns the output base path."""
    image = os.path.join(work, f"p{index:03d}.png")
    dpi = max(50, int(float(block.params["em_px"]) * 72 / 13))
    render_block(block, split_lines=False)[0].save(image, dpi=(dpi, dpi))
    base = os.path.join(work, f"p{index:03d}")
    subprocess.run(["tesseract", image, base, "-l", "eng", "hocr", "alto", "txt"], check=True,
                   capture_output=True, env=_env())
    return base


def markup_words(data: bytes, fmt: str) -> str:
    """The words of a restored document, in reading order, as one line."""
    from vidiacritic.formats import alto, hocr
    from vidiacritic.formats.page_text import page_text
    from vidiacritic.formats.xmldoc import Document

    module = {"hocr": hocr, "alto": alto}[fmt]
    return " ".join(page_text(module.read(Document(data)))[0].split())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpus_args(ap)
    ap.add_argument("--files", default=",".join(LEGAL_FILES))
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--start", type=float, default=0.8,
                    help="where in each held-out stream to begin (other sets use 0-0.6)")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--work", default=None, help="folder for the pages (default: a temporary one)")
    args = ap.parse_args(argv)

    from vidiacritic import Restorer
    from vidiacritic.evaluate import score
    from vidiacritic.formats import restore_markup

    work = args.work or tempfile.mkdtemp(prefix="ocr_formats_")
    repo = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if os.path.realpath(work).startswith(repo + os.sep):
        raise SystemExit("--work must lie outside the repository (corpus text is not to be committed)")
    os.makedirs(work, exist_ok=True)
    restorer = Restorer(engine=args.engine)
    blocks = iter_blocks(parse_files(args.files), "heldout", args.seed, args.corpus,
                         args.pages * 15, start=args.start)
    hyps = {k: [] for k in ("ocr", "txt", "hocr", "alto")}
    gold = []
    seconds = {"txt": 0.0, "hocr": 0.0, "alto": 0.0}
    for i in range(args.pages):
        block = next(blocks)
        base = ocr_page(block, work, i)
        with open(base + ".txt", encoding="utf-8") as fh:
            ocr = fh.read()
        gold.append(" ".join(" ".join(block.lines).split()))
        hyps["ocr"].append(" ".join(ocr.split()))
        t = time.perf_counter()
        hyps["txt"].append(" ".join(restorer.restore(ocr).split()))
        seconds["txt"] += time.perf_counter() - t
        for fmt, ext in (("hocr", ".hocr"), ("alto", ".xml")):
            with open(base + ext, "rb") as fh:
                data = fh.read()
            t = time.perf_counter()
            out, _ = restore_markup(data, fmt, restorer)
            seconds[fmt] += time.perf_counter() - t
            with open(base + ".restored" + ext, "wb") as fh:
                fh.write(out)
            hyps[fmt].append(markup_words(out, fmt))
    for name, lines in list(hyps.items()) + [("gold", gold)]:
        with open(os.path.join(work, f"{name}.txt"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    result = {k: score(v, gold) for k, v in hyps.items()}
    result["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    result["pages"] = args.pages
    result["work"] = work
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
