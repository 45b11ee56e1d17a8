"""hOCR (XHTML, as Tesseract and OCRmyPDF write it): ``ocrx_word`` text restored.

A word's text is all the character data inside its element, nested ``<strong>`` and
``<em>`` included.  Lines are the nearest ``ocr_line`` (or ``ocrx_line``,
``ocr_caption``, ``ocr_header``, ``ocr_textfloat``) around a word; blocks are the
nearest ``ocr_par`` (else ``ocr_carea``).  A word written in one run of text gets
its new text there; a word split over several runs (part bold) keeps the runs'
boundaries where the new text has the same length, and otherwise gets the whole new
text in its first run and the other runs emptied (their markup stays; with
``hocr_char_boxes`` each letter is a run, so a word whose length changed keeps its
character boxes but not their letters).  HTML that is
not well-formed XML is refused.  With ``write_confidence``, a changed word's
``x_wconf`` (0–100) in ``title`` becomes the restorer's confidence.
"""
from __future__ import annotations

import re
from typing import List, Optional

from .page_text import Block, Line, Unit, ocr_confidence
from .xmldoc import Document

LINE_CLASSES = frozenset({"ocr_line", "ocrx_line", "ocr_caption", "ocr_header", "ocr_textfloat"})
_WCONF = re.compile(r"\bx_wconf\s+-?[0-9.]+")


def _classes(el) -> List[str]:
    return (el.get("class") or "").split() if isinstance(el.tag, str) else []


def is_hocr(root) -> bool:
    return any("ocrx_word" in _classes(el) or "ocr_page" in _classes(el) for el in root.iter())


def _nearest(el, wanted) -> Optional[object]:
    p = el.getparent()
    while p is not None:
        if any(c in wanted for c in _classes(p)):
            return p
        p = p.getparent()
    return None


def read(doc: Document) -> List[Block]:
    blocks: List[Block] = []
    by_block: dict = {}
    by_line: dict = {}
    for el in doc.root.iter():
        if "ocrx_word" not in _classes(el):
            continue
        line_el = _nearest(el, LINE_CLASSES)
        block_el = _nearest(el, {"ocr_par"})
        if block_el is None:
            block_el = _nearest(el, {"ocr_carea"})
        bkey = id(block_el) if block_el is not None else ("line", id(line_el))
        if bkey not in by_block:
            by_block[bkey] = Block()
            blocks.append(by_block[bkey])
        lkey = id(line_el) if line_el is not None else ("word", id(el))
        if lkey not in by_line:
            by_line[lkey] = Line(node=line_el)
            by_block[bkey].lines.append(by_line[lkey])
        runs = doc.chars_of(el)
        text = "".join(doc.char_value(c) for c in runs)
        wconf = _WCONF.search(el.get("title") or "")
        by_line[lkey].units.append(Unit(text, _writer(doc, runs), node=el,
                                        ocr_confidence=ocr_confidence(wconf.group().split()[1] if wconf else None, 100.0)))
    return blocks


def _writer(doc: Document, runs):
    return lambda new: doc.set_runs(runs, new)


def write_confidence(doc: Document, blocks: List[Block]) -> None:
    for block in blocks:
        for line in block.lines:
            for unit in line.units:
                if unit.new_text is None or unit.confidence is None:
                    continue
                title = unit.node.get("title") or ""
                conf = f"x_wconf {int(round(100 * unit.confidence))}"
                if _WCONF.search(title):
                    title = _WCONF.sub(conf, title, count=1)
                else:
                    title = f"{title}; {conf}" if title.strip() else conf
                doc.set_attribute(unit.node, "title", title)
