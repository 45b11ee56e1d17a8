"""Safe XML reading and byte-exact rewriting for the OCR formats.

Two views of one document:

* **lxml** parses it (entity expansion, DTD loading and network access off, libxml2's
  size limits on) and so checks that it is well-formed and harmless, and gives the
  element tree the format modules walk;
* a **scanner** finds, in the decoded source text, where every start tag, attribute
  value and run of character data lies.  Element *i* of ``root.iter()`` is start tag
  *i* of the scan (both in document order; the tag names are checked to agree).

Rewriting splices new text into those spans and leaves every other character as it
was: the XML declaration, the DOCTYPE, quoting, attribute order, whitespace, empty
tags, comments and namespace prefixes.  lxml's own serializer would re-quote
attributes and rewrite empty tags (Tesseract's ``<meta ... />``), so it is not used
for writing.

Refused with ``FormatError`` (one line), before any restoring:
  not well-formed XML; a DTD declaring entities (billion laughs, external entities
  such as ``file:///etc/passwd``); an attribute value longer than MAX_ATTRIBUTE; a
  document whose encoding does not round-trip (UTF-16 without a declaration, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

# Word boxes and hOCR titles are a few hundred characters; a longer attribute is not an
# OCR file (or is an attack on memory), and libxml2 would otherwise accept up to 10 MB.
MAX_ATTRIBUTE = 64 * 1024


class FormatError(ValueError):
    """The input cannot be read as the OCR format asked for; the message is one line."""


# ------------------------------------------------------------------ parsing
def _parser():
    from lxml import etree

    # resolve_entities=False: no entity is ever expanded; load_dtd=False, no_network=True:
    # nothing outside the bytes given is read; huge_tree=False keeps libxml2's limits on
    # text and attribute sizes and nesting depth.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False, remove_comments=False,
                           remove_pis=False, strip_cdata=False)
    # (collect_ids=False would make libxml2 try to load the external DTD: left at default)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def parse(data: bytes):
    """The lxml tree of `data`, or FormatError for anything unsafe or malformed."""
    from lxml import etree

    _refuse_entity_declarations(data)
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as e:
        if "limit exceeded" in str(e).lower():  # libxml2's own caps (huge_tree=False)
            raise FormatError("a text or attribute is larger than the XML parser's limit "
                              "(10 MB; not an OCR file)") from None
        raise FormatError(f"not well-formed XML: {_one_line(e)}") from None
    except ValueError as e:  # e.g. a str with an encoding declaration
        raise FormatError(_one_line(e)) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FormatError("the DTD declares entities (refused: entity expansion is unsafe)")
    for el in tree.getroot().iter():
        for value in el.attrib.values() if isinstance(el.tag, str) else ():
            if len(value) > MAX_ATTRIBUTE:
                raise FormatError(f"an attribute value is longer than {MAX_ATTRIBUTE} characters "
                                  "(not an OCR file)")
    return tree


_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)


def _refuse_entity_declarations(data: bytes) -> None:
    """Entity declarations can only stand in the prolog's DTD, before the root element;
    refusing them there costs nothing and happens before libxml2 reads them."""
    head = _COMMENT.sub(b"", data[:1 << 20])  # "<!-- <a -->" is no root element
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[:root.start()]
    if _ENTITY_DECL.search(prolog) or _ENTITY_DECL.search(prolog.replace(b"\x00", b"")):
        raise FormatError("the DTD declares entities (refused: entity expansion is unsafe)")


def source_text(data: bytes, tree) -> Tuple[str, str]:
    """(decoded document, codec) such that ``text.encode(codec) == data``; FormatError
    where no such codec is known (then the bytes could not be kept exactly)."""
    declared = tree.docinfo.encoding or "utf-8"
    for codec in (declared, "utf-8-sig" if declared.lower().replace("_", "-") == "utf-8" else None):
        if codec is None:
            continue
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if text.encode(codec) == data:
            return text, codec
    raise FormatError(f"the document's encoding ({declared}) cannot be rewritten byte for byte")


# ------------------------------------------------------------------ scanning
_NAME = r"[^\s/>=\"']+"
_ATTR = re.compile(r"(" + _NAME + r")\s*=\s*(\"([^\"]*)\"|'([^']*)')")
_START = re.compile(r"<(" + _NAME + r")((?:\s+" + _NAME + r"\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_END = re.compile(r"</(" + _NAME + r")\s*>")


@dataclass
class Element:
    """Where one element lies in the source text."""

    name: str                       # as written, with its prefix
    start: int                      # "<" of the start tag
    tag_end: int                    # just after ">" of the start tag
    attrs: Dict[str, Tuple[int, int, str]] = field(default_factory=dict)  # value span, quote
    close: int = -1                 # "<" of the end tag (tag_end for an empty element)


@dataclass
class CharData:
    """A run of character data: text (escaped as written) or a CDATA section."""

    start: int
    end: int
    cdata: bool


@dataclass
class Scan:
    elements: List[Element]
    chars: List[CharData]


def _skip_doctype(s: str, i: int) -> int:
    """End of a DOCTYPE declaration starting at `i` (internal subset and quotes skipped)."""
    depth, quote = 0, None
    j = i + 2
    while j < len(s):
        c = s[j]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == ">" and depth <= 0:
            return j + 1
        j += 1
    raise FormatError("unterminated DOCTYPE")


def scan(s: str) -> Scan:
    """Start tags, end tags and character data of a well-formed document (lxml has
    checked it), in document order.  Linear in the length of `s`."""
    elements: List[Element] = []
    chars: List[CharData] = []
    stack: List[Element] = []
    i, n = 0, len(s)
    while i < n:
        if s[i] != "<":
            j = s.find("<", i)
            j = n if j < 0 else j
            if stack:
                chars.append(CharData(i, j, False))
            i = j
            continue
        if s.startswith("<!--", i):
            i = s.index("-->", i + 4) + 3
        elif s.startswith("<![CDATA[", i):
            j = s.index("]]>", i + 9)
            chars.append(CharData(i + 9, j, True))
            i = j + 3
        elif s.startswith("<?", i):
            i = s.index("?>", i + 2) + 2
        elif s.startswith("<!", i):
            i = _skip_doctype(s, i)
        elif s.startswith("</", i):
            m = _END.match(s, i)
            if m is None or not stack:
                raise FormatError(f"cannot read the end tag at character {i}")
            stack.pop().close = i
            i = m.end()
        else:
            m = _START.match(s, i)
            if m is None:
                raise FormatError(f"cannot read the start tag at character {i}")
            el = Element(m.group(1), i, m.end())
            for a in _ATTR.finditer(s, m.start(2), m.end(2)):
                quoted = 3 if a.group(3) is not None else 4
                el.attrs[a.group(1)] = (a.start(quoted), a.end(quoted), a.group(2)[0])
            elements.append(el)
            if m.group(3):
                el.close = m.end()
            else:
                stack.append(el)
            i = m.end()
    return Scan(elements, chars)


def qualified_name(el) -> str:
    """An lxml element's name as written in the source (prefix:local)."""
    from lxml import etree

    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


def attribute_name(el, key: str) -> str:
    """An lxml attribute key ({ns}local) as written in the source."""
    from lxml import etree

    if not key.startswith("{"):
        return key
    q = etree.QName(key)
    if q.namespace == "http://www.w3.org/XML/1998/namespace":
        return "xml:" + q.localname
    for prefix, uri in (el.nsmap or {}).items():
        if uri == q.namespace and prefix:
            return f"{prefix}:{q.localname}"
    return q.localname


# ------------------------------------------------------------------ escaping
_REF = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def unescape(raw: str) -> str:
    """Character data as written → its characters (predefined and numeric references;
    lxml has refused every other entity)."""
    def ref(m: "re.Match[str]") -> str:
        name = m.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _REF.sub(ref, raw.replace("\r\n", "\n"))


def _encodable(text: str, codec: str) -> str:
    """Characters the document's encoding lacks, as numeric references."""
    out = []
    for ch in text:
        try:
            ch.encode(codec)
            out.append(ch)
        except UnicodeEncodeError:
            out.append(f"&#x{ord(ch):X};")
    return "".join(out)


def escape_text(text: str, codec: str) -> str:
    return _encodable(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), codec)


def escape_attribute(text: str, quote: str, codec: str) -> str:
    out = text.replace("&", "&amp;").replace("<", "&lt;")
    out = out.replace('"', "&quot;") if quote == '"' else out.replace("'", "&apos;")
    # whitespace other than a space would be normalized away by the next reader
    out = out.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    return _encodable(out, codec)


# ------------------------------------------------------------------ the document
class Document:
    """A parsed, scanned OCR document that can be rewritten span by span."""

    def __init__(self, data: bytes):
        self.tree = parse(data)
        self.text, self.codec = source_text(data, self.tree)
        self.scan = scan(self.text)
        self.nodes = [el for el in self.tree.getroot().iter() if isinstance(el.tag, str)]
        if len(self.nodes) != len(self.scan.elements):
            raise FormatError("the document's elements could not be located in its text")
        # lxml hands out the same proxy object for a node while one is alive, and
        # self.nodes keeps them alive: id() identifies an element for this document's life
        self.index = {id(el): i for i, el in enumerate(self.nodes)}
        self.edits: List[Tuple[int, int, str]] = []
        self._char_starts = [c.start for c in self.scan.chars]

    @property
    def root(self):
        return self.tree.getroot()

    def where(self, el) -> Element:
        """The scan record of an lxml element (name checked)."""
        rec = self.scan.elements[self.index[id(el)]]
        if rec.name != qualified_name(el):
            raise FormatError(f"element {rec.name} at character {rec.start} is not {qualified_name(el)}")
        return rec

    def chars_of(self, el) -> List[CharData]:
        """The character data inside `el`, nested elements included, in order."""
        import bisect

        rec = self.where(el)
        lo = bisect.bisect_left(self._char_starts, rec.tag_end)
        out = []
        for c in self.scan.chars[lo:]:
            if c.start >= rec.close:
                break
            out.append(c)
        return out

    def char_value(self, c: CharData) -> str:
        raw = self.text[c.start:c.end]
        return raw if c.cdata else unescape(raw)

    def set_chars(self, c: CharData, value: str) -> None:
        if c.cdata:
            if "]]>" in value:
                raise FormatError("a restored word cannot be written into a CDATA section")
            self.edits.append((c.start, c.end, _encodable(value, self.codec)))
        else:
            self.edits.append((c.start, c.end, escape_text(value, self.codec)))

    def set_runs(self, runs: List[CharData], new: str) -> None:
        """New text for a piece of text written in several runs (``<em>`` inside a
        word, a comment inside a text): each run keeps its share where the length is
        unchanged; otherwise the first non-blank run gets the new text (keeping its
        own surrounding whitespace) and the other non-blank runs are emptied."""
        if not runs:
            return
        values = [self.char_value(c) for c in runs]
        if len(runs) == 1:
            self.set_chars(runs[0], new)
            return
        if len(new) == sum(len(v) for v in values):
            pos = 0
            for c, v in zip(runs, values):
                self.set_chars(c, new[pos:pos + len(v)])
                pos += len(v)
            return
        first = next((i for i, v in enumerate(values) if v.strip()), 0)
        for i, c in enumerate(runs):
            v = values[i]
            if i == first:
                lead = v[:len(v) - len(v.lstrip())]
                trail = v[len(v.rstrip()):] if v.strip() else ""
                self.set_chars(c, lead + new.strip() + trail)
            elif v.strip():
                self.set_chars(c, "")

    def set_attribute(self, el, name: str, value: str) -> None:
        """Replace an existing attribute's value, or add the attribute at the end of the
        start tag."""
        rec = self.where(el)
        if name in rec.attrs:
            lo, hi, quote = rec.attrs[name]
            self.edits.append((lo, hi, escape_attribute(value, quote, self.codec)))
            return
        close = rec.tag_end - (2 if self.text[rec.tag_end - 2:rec.tag_end] == "/>" else 1)
        while close > rec.start and self.text[close - 1].isspace():
            close -= 1
        quote = next(iter(rec.attrs.values()))[2] if rec.attrs else '"'
        self.edits.append((close, close, f" {name}={quote}{escape_attribute(value, quote, self.codec)}{quote}"))

    def attribute_span(self, el, name: str) -> Optional[Tuple[int, int, str]]:
        return self.where(el).attrs.get(name)

    def serialize(self) -> bytes:
        """The source with every edit spliced in; untouched characters are the input's."""
        parts, pos = [], 0
        for lo, hi, new in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if lo < pos:
                raise FormatError("overlapping edits")  # a bug, never silently merged
            parts.append(self.text[pos:lo])
            parts.append(new)
            pos = hi
        parts.append(self.text[pos:])
        return "".join(parts).encode(self.codec)
