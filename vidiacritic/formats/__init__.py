"""OCR formats in and out: hOCR, ALTO (v1–v4) and PAGE XML restored in place.

    from vidiacritic import Restorer
    from vidiacritic.formats import restore_document
    out_bytes, fmt = restore_document(open("page.hocr", "rb").read(), Restorer())

The pipeline, the same for every format:

1. ``detect_format`` names the format from the content (the root element, hOCR's
   classes), the file name's extension only breaking ties;
2. ``xmldoc.Document`` parses the bytes safely with lxml (no entities, no DTD, no
   network, size limits) and locates every element and text run in the source;
3. the format module (``alto``, ``hocr``, ``page``) reads the words in reading order
   with their line and block structure;
4. ``page_text`` builds the page's plain text (words joined by spaces, lines by
   line breaks, blocks by a blank line) and restores it with ``Restorer.explain``,
   the whole page as context exactly as for plain text, then maps each changed word
   back to its markup word;
5. only the changed words' text is spliced into the source; every other byte stays.

Plain text ("text") stays the default for anything that is not one of these formats.
"""
from __future__ import annotations

import os
import re
from typing import Optional, Tuple

from .xmldoc import FormatError

FORMATS = ("text", "hocr", "alto", "page")
MARKUP = ("hocr", "alto", "page")
__all__ = ["FORMATS", "MARKUP", "FormatError", "detect_format", "check_markup", "restore_markup",
           "restore_markup_explained", "restore_document"]

# How far into a file detection looks: the root element and hOCR's head sit at the top.
_SNIFF = 64 * 1024
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<", re.IGNORECASE)
# Declared XML: an unknown kind is refused rather than restored as text.
_XML_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml|!DOCTYPE)", re.IGNORECASE)
_ROOT = re.compile(rb"<(?![?!/])(?:[\w.-]+:)?([\w.-]+)")
_HOCR_MARK = re.compile(rb"""class\s*=\s*["'][^"']*\bocr(?:x_word|_page|_line)\b|name\s*=\s*["']ocr-system""")
_EXTENSIONS = {".hocr": "hocr", ".alto": "alto"}


def _root_name(head: bytes) -> Optional[str]:
    """Local name of the first element in `head` (after declarations and comments)."""
    pos = 0
    while True:
        m = _ROOT.search(head, pos)
        if m is None:
            return None
        before = head[:m.start()]
        # skip tags inside a comment or the DOCTYPE's internal subset
        if before.count(b"<!--") > before.count(b"-->"):
            pos = m.end()
            continue
        return m.group(1).decode("ascii", "replace")


def detect_format(data: bytes, name: Optional[str] = None) -> str:
    """"hocr", "alto", "page" or "text" for a file's bytes (and name).

    Markup is recognised from its content: an ``<alto>`` or ``<PcGts>`` root, or
    hOCR's ``ocr_page``/``ocrx_word`` classes or ``ocr-system`` meta; a ``.hocr`` or
    ``.alto`` extension decides for other content starting with "<".  Anything else
    is text, except declared XML (``<?xml``, ``<!DOCTYPE``) of another kind, which is
    refused (FormatError): restoring it as plain text would rewrite words inside its
    tags.
    """
    head = data[:_SNIFF]
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    if utf16:
        try:
            head = head.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            return "text"
    if not _XML_START.match(head):
        return "text"
    root = _root_name(head)
    if root == "alto":
        return "alto"
    if root == "PcGts":
        return "page"
    if _HOCR_MARK.search(head) or (root == "html" and b"ocr" in head and re.search(rb"\bocr[x]?_", head)):
        return "hocr"
    ext = os.path.splitext(name or "")[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if not _XML_DECLARED.match(head):
        return "text"  # "<b>…" or "<<…>>" opening a text file
    raise FormatError(f"XML (root <{root or '?'}>) that is not hOCR, ALTO or PAGE; "
                      "use --format text to restore it as plain text")


def _module(fmt: str):
    from . import alto, hocr, page

    return {"alto": alto, "hocr": hocr, "page": page}[fmt]


def _check_root(fmt: str, root) -> None:
    from . import alto, hocr, page

    ok = {"alto": alto.is_alto, "hocr": hocr.is_hocr, "page": page.is_page}[fmt](root)
    if not ok:
        from lxml import etree

        raise FormatError(f"not {fmt_name(fmt)} (root element <{etree.QName(root).localname}>)")


def fmt_name(fmt: str) -> str:
    return {"hocr": "hOCR", "alto": "ALTO", "page": "PAGE XML", "text": "plain text"}[fmt]


def check_markup(data: bytes, fmt: str):
    """The parsed document if `data` is a safe, readable `fmt` document; FormatError
    otherwise (one line)."""
    from .xmldoc import Document

    try:
        doc = Document(data)
    except FormatError as e:
        if fmt == "hocr" and str(e).startswith("not well-formed"):
            raise FormatError(f"{e} (hOCR is read as XHTML: HTML that is not well-formed XML "
                              "is not supported)") from None
        raise
    _check_root(fmt, doc.root)
    return doc


def restore_markup(data: bytes, fmt: str, restorer, *, write_confidence: bool = False) -> Tuple[bytes, int]:
    """(restored document bytes, number of markup words changed) for an hOCR, ALTO or
    PAGE document.  Raises FormatError (one line) for unsafe or unreadable input."""
    out, changed, _ = restore_markup_explained(data, fmt, restorer, write_confidence=write_confidence)
    return out, changed


def restore_markup_explained(data: bytes, fmt: str, restorer, *, write_confidence: bool = False):
    """(bytes, markup words changed, the restorer's WordDecisions for the page text):
    what `vidiacritic batch` records in its manifest."""
    from .page_text import restore_units, write_units

    if fmt not in MARKUP:
        raise ValueError(f"not a markup format: {fmt!r}")
    doc = check_markup(data, fmt)
    module = _module(fmt)
    blocks = module.read(doc)
    changed, decisions = restore_units(blocks, restorer)
    if not changed:
        return data, 0, decisions  # byte for byte the input
    write_units(blocks)
    if hasattr(module, "write_derived"):
        module.write_derived(doc, blocks)
    if write_confidence:
        module.write_confidence(doc, blocks)
    return doc.serialize(), changed, decisions


def restore_document(data: bytes, restorer, fmt: str = "auto", *, name: Optional[str] = None,
                     write_confidence: bool = False) -> Tuple[bytes, str]:
    """Restore one markup document's words in place; returns (bytes, format).

    fmt: "auto" (``detect_format``) or one of MARKUP.  Plain text is not handled
    here (decode it and call ``Restorer.restore``): FormatError for it.
    """
    if fmt == "auto":
        fmt = detect_format(data, name)
    if fmt not in MARKUP:
        raise FormatError(f"{fmt_name(fmt) if fmt in FORMATS else fmt} is not a markup format")
    out, _ = restore_markup(data, fmt, restorer, write_confidence=write_confidence)
    return out, fmt
