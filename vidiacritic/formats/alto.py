"""ALTO (v2, v3, v4 and the namespace-less v1 layout): ``String@CONTENT`` restored.

Reading order is document order: ``TextBlock`` → ``TextLine`` → ``String``; ``SP``
and ``HYP`` elements are left alone (the space between words is implied by the page
text).  ``SUBS_CONTENT`` (the whole form of a word hyphenated across lines) is kept
as it was.  With ``write_confidence``, a changed word's ``WC`` (0–1) becomes the
restorer's confidence in it.
"""
from __future__ import annotations

from typing import List

from lxml import etree

from .page_text import Block, Line, Unit, ocr_confidence
from .xmldoc import Document


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def is_alto(root) -> bool:
    return _local(root) == "alto"


def read(doc: Document) -> List[Block]:
    blocks: List[Block] = []
    for tb in doc.root.iter():
        if _local(tb) != "TextBlock":
            continue
        block = Block()
        for tl in tb.iter():
            if _local(tl) != "TextLine":
                continue
            line = Line(node=tl)
            for s in tl:
                if _local(s) == "String" and s.get("CONTENT") is not None:
                    line.units.append(Unit(s.get("CONTENT"), _writer(doc, s), node=s,
                                           ocr_confidence=ocr_confidence(s.get("WC"))))
            block.lines.append(line)
        blocks.append(block)
    return blocks


def _writer(doc: Document, el):
    return lambda new: doc.set_attribute(el, "CONTENT", new)


def write_confidence(doc: Document, blocks: List[Block]) -> None:
    for block in blocks:
        for line in block.lines:
            for unit in line.units:
                if unit.new_text is not None and unit.confidence is not None:
                    doc.set_attribute(unit.node, "WC", f"{unit.confidence:.2f}")
