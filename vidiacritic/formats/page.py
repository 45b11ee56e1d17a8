"""PAGE XML (PRImA, 2010-03-19 to 2019-07-15 schemas): ``Word/TextEquiv/Unicode``.

Regions are read in the order of ``ReadingOrder`` (``RegionRefIndexed`` /
``RegionRef``; regions it does not name follow in document order), each region's
``TextLine``s in document order.  A line with ``Word``s is restored word by word; a
line without them is restored as one unit (its own ``TextEquiv``).  Where an element
has several ``TextEquiv``, the one with the lowest ``index`` is read and written.

Consistency: a line's own ``TextEquiv/Unicode`` that reads exactly as its words
joined by single spaces is rewritten from the restored words; a region's that reads
exactly as its lines joined by line breaks is rewritten from the restored lines.
Text that differed before (another tool's normalisation) is left as it was: it
cannot be mapped back safely.  ``Glyph`` text and ``PlainText`` are left as they
were.  With ``write_confidence``, a changed word's
``TextEquiv@conf`` (0–1) becomes the restorer's confidence.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from lxml import etree

from .page_text import Block, Line, Unit, ocr_confidence
from .xmldoc import Document


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def is_page(root) -> bool:
    return _local(root) == "PcGts"


def _children(el, name: str):
    return [c for c in el if _local(c) == name]


def text_equiv(el):
    """The element's primary TextEquiv (lowest @index, else the first), or None."""
    tes = _children(el, "TextEquiv")
    if not tes:
        return None

    def index(te):
        try:
            return int(te.get("index", ""))
        except ValueError:
            return 1 << 30
    return min(tes, key=index)


def _unicode(el):
    te = text_equiv(el)
    if te is None:
        return None
    us = _children(te, "Unicode")
    return us[0] if us else None


def _regions(root) -> List:
    regions = [el for el in root.iter() if _local(el) == "TextRegion"]
    order: Dict[str, float] = {}
    for ro in root.iter():
        if _local(ro) != "ReadingOrder":
            continue
        for n, ref in enumerate(r for r in ro.iter() if _local(r) in ("RegionRefIndexed", "RegionRef")):
            try:
                key = float(ref.get("index", n))
            except ValueError:
                key = float(n)
            order.setdefault(ref.get("regionRef", ""), key)
    if not order:
        return regions
    rank = {id(r): (0, order[r.get("id")], i) if r.get("id") in order else (1, 0.0, i)
            for i, r in enumerate(regions)}
    return sorted(regions, key=lambda r: rank[id(r)])


class _Text:
    """The text of one Unicode element and how to replace it."""

    def __init__(self, doc: Document, el):
        self.el = el
        self.runs = doc.chars_of(el) if el is not None else []
        self.text = "".join(doc.char_value(c) for c in self.runs) if el is not None else None
        self.doc = doc

    def write(self, new: str) -> None:
        if self.runs:
            self.doc.set_runs(self.runs, new)


def _conf(el):
    """The OCR engine's confidence in an element's text: its primary TextEquiv's @conf."""
    te = text_equiv(el)
    return ocr_confidence(te.get("conf")) if te is not None else None


def read(doc: Document) -> List[Block]:
    blocks: List[Block] = []
    for region in _regions(doc.root):
        block = Block()
        for tl in _children(region, "TextLine"):
            line = Line(node=tl)
            words = _children(tl, "Word")
            for w in words:
                t = _Text(doc, _unicode(w))
                if t.text:
                    line.units.append(Unit(t.text, t.write, node=w, ocr_confidence=_conf(w)))
            if not words:
                t = _Text(doc, _unicode(tl))
                if t.text:
                    line.units.append(Unit(t.text, t.write, node=tl, ocr_confidence=_conf(tl)))
            block.lines.append(line)
        blocks.append(block)
    return blocks


def _new(unit: Unit) -> str:
    return unit.new_text if unit.new_text is not None else unit.text


def write_derived(doc: Document, blocks: List[Block]) -> None:
    """Line and region TextEquivs that repeated the words' text follow the words."""
    regions: Dict[int, list] = {}
    for block in blocks:
        for line in block.lines:
            tl = line.node
            own = _Text(doc, _unicode(tl))
            new_line: Optional[str] = own.text  # what the line's TextEquiv says afterwards
            if _children(tl, "Word"):
                before = " ".join(u.text for u in line.units)
                after = " ".join(_new(u) for u in line.units)
                if own.text is not None and own.text == before and after != before:
                    own.write(after)
                    new_line = after
            elif line.units:  # the line itself was the unit
                new_line = _new(line.units[0])
            region = tl.getparent()
            entry = regions.setdefault(id(region), [region, [], []])
            entry[1].append(own.text)
            entry[2].append(new_line)
    for region, before, after in regions.values():
        own = _Text(doc, _unicode(region))
        if own.text is None or None in before or None in after:
            continue
        if own.text == "\n".join(before) and after != before:
            own.write("\n".join(after))


def write_confidence(doc: Document, blocks: List[Block]) -> None:
    for block in blocks:
        for line in block.lines:
            for unit in line.units:
                if unit.new_text is None or unit.confidence is None:
                    continue
                te = text_equiv(unit.node)
                if te is not None:
                    doc.set_attribute(te, "conf", f"{unit.confidence:.2f}")
