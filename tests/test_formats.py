"""hOCR, ALTO and PAGE XML restored in place (vidiacritic.formats, issue 13).

Fixtures (tests/fixtures/ocr_formats, made by scripts/make_ocr_fixtures.py): Tesseract's
own hOCR and ALTO for two rendered pages of text written for these tests, read with the
English model (marks lost: the input the project restores) and with the Vietnamese one
(correct text: round trips), its plain-text output, the lines rendered, and a
hand-written PAGE XML page.
"""
import os
import re
import subprocess
import sys
import time

import pytest
from lxml import etree

from vidiacritic.formats import FormatError, check_markup, detect_format, restore_markup
from vidiacritic.formats import alto, hocr, page
from vidiacritic.formats.page_text import page_text
from vidiacritic.formats.xmldoc import MAX_ATTRIBUTE, Document
from vidiacritic.text import strip_diacritics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures", "ocr_formats")
PAGES = ("notice", "heading")
MODULES = {"hocr": hocr, "alto": alto, "page": page}
EXT = {"hocr": "hocr", "alto": "xml"}


def fixture(name: str) -> bytes:
    with open(os.path.join(FIX, name), "rb") as fh:
        return fh.read()


@pytest.fixture(scope="module")
def restorer():
    from vidiacritic import Restorer

    return Restorer()


# ------------------------------------------------------------ blanking (independent of the code)
_HOCR_WORD = re.compile(r"(<span class='ocrx_word'[^>]*>)(.*?)(</span>)", re.S)
_ALTO_CONTENT = re.compile(r'(<String [^>]*CONTENT=")([^"]*)(")')
_PAGE_UNICODE = re.compile(r"(<Unicode>)(.*?)(</Unicode>)", re.S)
BLANKERS = {"hocr": _HOCR_WORD, "alto": _ALTO_CONTENT, "page": _PAGE_UNICODE}


def blanked(data: bytes, fmt: str) -> bytes:
    """The document with every word's text removed (what must never change)."""
    return BLANKERS[fmt].sub(lambda m: m.group(1) + m.group(3), data.decode("utf-8")).encode("utf-8")


def words(data: bytes, fmt: str):
    return [re.sub(r"<[^>]+>", "", m.group(2)) for m in BLANKERS[fmt].finditer(data.decode("utf-8"))]


def strip_words(data: bytes, fmt: str) -> bytes:
    """The document with its word text stripped of every mark (typed without them)."""
    return BLANKERS[fmt].sub(lambda m: m.group(1) + strip_diacritics(m.group(2)) + m.group(3),
                             data.decode("utf-8")).encode("utf-8")


# ------------------------------------------------------------ detection
@pytest.mark.parametrize("name,fmt", [("notice.eng.hocr", "hocr"), ("notice.eng.xml", "alto"),
                                      ("heading.vie.xml", "alto"), ("decision.page.xml", "page"),
                                      ("notice.eng.txt", "text")])
def test_detect_format_from_content(name, fmt):
    assert detect_format(fixture(name)) == fmt
    assert detect_format(fixture(name), "renamed.txt") == fmt  # the content decides


def test_detect_plain_text_and_unknown_xml():
    assert detect_format("<b>Uy ban</b> nhan dan\n".encode()) == "text"
    assert detect_format("<<Quyet dinh>>\n".encode()) == "text"
    with pytest.raises(FormatError, match="not hOCR, ALTO or PAGE"):
        detect_format(b'<?xml version="1.0"?><doc><p>Uy ban</p></doc>')
    assert detect_format(b"<html><body/></html>", "x.hocr") == "hocr"  # the extension breaks the tie


# ------------------------------------------------------------ reading
@pytest.mark.parametrize("fmt", ["hocr", "alto"])
@pytest.mark.parametrize("name", PAGES)
def test_page_text_is_tesseracts_plain_text(name, fmt):
    """Words, lines and blocks read from the markup give the same page as Tesseract's own
    text output: the restorer sees what it would see for plain text."""
    doc = Document(fixture(f"{name}.eng.{EXT[fmt]}"))
    text, spans = page_text(MODULES[fmt].read(doc))
    assert text == fixture(f"{name}.eng.txt").decode("utf-8").strip()
    assert len(spans) == len(words(fixture(f"{name}.eng.{EXT[fmt]}"), fmt))


def test_page_reading_order_follows_reading_order_element():
    data = fixture("decision.page.xml").replace(b'index="0" regionRef="r1"', b'index="2" regionRef="r1"')
    text, _ = page_text(page.read(Document(data)))
    assert text.startswith("Về việc") and text.endswith("QUYẾT ĐỊNH")
    text, _ = page_text(page.read(Document(fixture("decision.page.xml"))))
    assert text.startswith("QUYẾT ĐỊNH\n\nVề việc")


# ------------------------------------------------------------ restoring in place
@pytest.mark.parametrize("fmt", ["hocr", "alto"])
@pytest.mark.parametrize("name", PAGES)
def test_tesseract_pages_restored_only_word_text_changes(restorer, name, fmt):
    src = fixture(f"{name}.eng.{EXT[fmt]}")
    out, changed = restore_markup(src, fmt, restorer)
    assert changed > 0 and out != src
    assert blanked(out, fmt) == blanked(src, fmt)  # every other byte, declaration to end
    etree.fromstring(out)  # still well-formed
    gold = fixture(f"{name}.gold.txt").decode("utf-8").split()
    got = words(out, fmt)
    assert len(got) == len(gold)
    right = sum(g == w for g, w in zip(gold, got))
    assert right / len(gold) >= 0.9, list(zip(gold, got))


@pytest.mark.parametrize("fmt", ["hocr", "alto"])
def test_markup_words_equal_plain_text_restoration(restorer, fmt):
    """The words restored inside the markup are the words restore() gives for the
    page's plain text: the same context, the same decisions."""
    src = fixture(f"notice.eng.{EXT[fmt]}")
    out, _ = restore_markup(src, fmt, restorer)
    plain = restorer.restore(fixture("notice.eng.txt").decode("utf-8"))
    assert words(out, fmt) == plain.split()


@pytest.mark.parametrize("name,fmt", [(f"{p}.vie.hocr", "hocr") for p in PAGES] +
                         [(f"{p}.vie.xml", "alto") for p in PAGES] + [("decision.page.xml", "page")])
def test_correct_text_round_trips_byte_for_byte(restorer, name, fmt):
    src = fixture(name)
    out, changed = restore_markup(src, fmt, restorer)
    assert changed == 0 and out == src


def test_page_xml_restored_with_lines_and_regions_consistent(restorer):
    gold = fixture("decision.page.xml")
    src = strip_words(gold, "page")
    assert src != gold
    out, _ = restore_markup(src, "page", restorer)
    assert blanked(out, "page") == blanked(src, "page")
    tree = etree.fromstring(out)
    ns = {"p": "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"}
    for line in tree.iterfind(".//p:TextLine", ns):
        ws = [u.text for u in line.iterfind("p:Word/p:TextEquiv/p:Unicode", ns)]
        own = line.find("p:TextEquiv/p:Unicode", ns).text
        if ws:
            assert own == " ".join(ws)
    for region in tree.iterfind(".//p:TextRegion", ns):
        own = region.find("p:TextEquiv/p:Unicode", ns).text
        lines = [line.find("p:TextEquiv/p:Unicode", ns).text for line in region.iterfind("p:TextLine", ns)]
        assert own == "\n".join(lines)
    right = sum(a == b for a, b in zip(words(out, "page"), words(gold, "page")))
    assert right / len(words(gold, "page")) >= 0.9


def test_page_line_text_that_differs_from_its_words_is_left(restorer):
    src = strip_words(fixture("decision.page.xml"), "page").replace(
        b"<Unicode>Ve viec cong nhan ket qua bau cu</Unicode>", b"<Unicode>Ve  viec cong nhan ket qua bau cu</Unicode>")
    out, _ = restore_markup(src, "page", restorer)
    assert b"<Unicode>Ve  viec cong nhan ket qua bau cu</Unicode>" in out
    assert "<Unicode>Về</Unicode>".encode() in out


def test_write_confidence_only_when_asked(restorer):
    src = fixture("notice.eng.xml")
    plain, _ = restore_markup(src, "alto", restorer)
    assert re.findall(rb'WC="[^"]*"', plain) == re.findall(rb'WC="[^"]*"', src)
    out, _ = restore_markup(src, "alto", restorer, write_confidence=True)
    # the restorer's own confidence in each word, from explain() on the page text
    text, spans = page_text(alto.read(Document(src)))
    decisions = {d.start: d for d in restorer.explain(text).words}
    expected = {}
    for unit, lo, hi in spans:
        changed = [d for s, d in decisions.items() if lo <= s < hi and d.changed]
        if changed:
            expected[unit.node.get("ID")] = f"{min(d.confidence for d in changed):.2f}"
    before = dict(re.findall(r'ID="(string_\d+)"[^>]*WC="([^"]*)"', src.decode()))
    after = dict(re.findall(r'ID="(string_\d+)"[^>]*WC="([^"]*)"', out.decode()))
    assert expected and len(after) == len(before)
    assert {k: after[k] for k in expected} == expected
    assert all(after[k] == before[k] for k in before if k not in expected)
    assert blanked(re.sub(rb'WC="[^"]*"', b"", out), "alto") == blanked(re.sub(rb'WC="[^"]*"', b"", src), "alto")
    hsrc = fixture("notice.eng.hocr")
    hout, _ = restore_markup(hsrc, "hocr", restorer, write_confidence=True)
    confs = re.findall(rb"x_wconf (\d+)", hout)
    assert len(confs) == len(re.findall(rb"x_wconf \d+", hsrc)) and confs != re.findall(rb"x_wconf (\d+)", hsrc)


# ------------------------------------------------------------ hOCR details, escapes, encodings
HOCR_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
             "<body><div class='ocr_page' title='bbox 0 0 100 100'><p class='ocr_par'>"
             "<span class='ocr_line' title='bbox 0 0 100 10'>")
HOCR_TAIL = "</span></p></div></body></html>\n"


def hocr_doc(words_markup: str) -> bytes:
    return (HOCR_HEAD + words_markup + HOCR_TAIL).encode("utf-8")


def test_hocr_nested_markup_in_words(restorer):
    src = hocr_doc("<span class='ocrx_word' title='x_wconf 90'><strong>Uy</strong></span> "
                   "<span class='ocrx_word'>ban</span> <span class='ocrx_word'><em>nhan</em></span> "
                   "<span class='ocrx_word'>d<em>a</em>n</span>")
    out, _ = restore_markup(src, "hocr", restorer)
    assert "<strong>Ủy</strong>".encode() in out and "<em>nhân</em>".encode() in out
    assert "d<em>â</em>n".encode() in out  # each run keeps its letters


def test_ocr_split_words_are_restored_inside_their_markup_word(restorer):
    """In OCR output the tokenizer joins "tu’" and "Ngu@i" into one word each; both lie
    inside one markup word, so the joined word's new text goes there, as in plain text."""
    line = "Ngu@i dan dugc tu’ van ve th6 tuc nha dat."
    src = hocr_doc(" ".join(f"<span class='ocrx_word'>{w}</span>" for w in line.split()))
    out, _ = restore_markup(src, "hocr", restorer)
    got = words(out, "hocr")
    assert got[0] == "Người" and got[3] == "tư"
    assert got == restorer.restore(line).split()
    assert blanked(out, "hocr") == blanked(src, "hocr")


def test_escapes_and_other_encodings_stay_valid(restorer):
    src = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
           "<Layout><Page><PrintSpace><TextBlock><TextLine>"
           "<String CONTENT='R&amp;D'/><SP/><String CONTENT='&quot;Uy'/><SP/><String CONTENT='ban'/>"
           "<SP/><String CONTENT='nhan'/><SP/><String CONTENT='dan&quot;'/>"
           "</TextLine></TextBlock></PrintSpace></Page></Layout></alto>\n").encode("latin-1")
    out, _ = restore_markup(src, "alto", restorer)
    contents = [s.get("CONTENT") for s in etree.fromstring(out).iter("{*}String")]
    assert contents == ["R&D", '"Ủy', "ban", "nhân", 'dân"']
    assert out.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert b"&#x1EE6;y" in out  # Ủ is not in Latin-1: a character reference
    assert out.count(b"R&amp;D") == 1


def test_alto_v2_without_namespace_prefix_and_v1(restorer):
    for ns in ('xmlns="http://www.loc.gov/standards/alto/ns-v2#"', ""):
        src = (f"<alto {ns}><Layout><Page><PrintSpace><TextBlock><TextLine>"
               "<String CONTENT=\"Uy\"/><SP/><String CONTENT=\"ban\"/><SP/><String CONTENT=\"nhan\"/>"
               "<SP/><String CONTENT=\"dan\"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>").encode()
        assert detect_format(src) == "alto"
        out, _ = restore_markup(src, "alto", restorer)
        assert words(out, "alto") == ["Ủy", "ban", "nhân", "dân"]


# ------------------------------------------------------------ hostile XML
BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE alto [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<alto><Layout><Page><PrintSpace><TextBlock><TextLine>'
                  b'<String CONTENT="&lol9;"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>\n')
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE alto [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<alto><Layout><Page><PrintSpace><TextBlock><TextLine><String CONTENT="&xxe;"/>'
       b"</TextLine></TextBlock></PrintSpace></Page></Layout></alto>\n")
# the declaration hidden behind a comment that looks like a start tag
XXE_AFTER_COMMENT = XXE.replace(b"<!DOCTYPE", b"<!-- <a --><!DOCTYPE")
# used in text, where libxml2 keeps an unexpanded reference instead of failing
XXE_IN_TEXT = XXE.replace(b'<String CONTENT="&xxe;"/>', b"<String>&xxe;</String>")
PARAMETER_XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE alto [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
                 b"<alto/>\n")
HUGE_ATTRIBUTE = (b"<alto><Layout><Page><PrintSpace><TextBlock><TextLine><String CONTENT=\"x\" ID=\""
                  + b"a" * (MAX_ATTRIBUTE + 1) + b"\"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>")
HUGER_ATTRIBUTE = HUGE_ATTRIBUTE.replace(b"a" * (MAX_ATTRIBUTE + 1), b"a" * (20 << 20))
HOSTILE = {"billion_laughs": BILLION_LAUGHS, "xxe": XXE, "xxe_after_comment": XXE_AFTER_COMMENT,
           "xxe_in_text": XXE_IN_TEXT,
           "parameter_xxe": PARAMETER_XXE, "huge_attribute": HUGE_ATTRIBUTE, "huger_attribute": HUGER_ATTRIBUTE}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_refused_fast(case):
    t = time.perf_counter()
    with pytest.raises(FormatError) as e:
        check_markup(HOSTILE[case], "alto")
    assert time.perf_counter() - t < 1.0
    assert "\n" not in str(e.value)


def test_external_dtd_is_never_read(restorer):
    src = fixture("notice.eng.xml").replace(b"<alto ", b'<!DOCTYPE alto SYSTEM "file:///etc/passwd">\n<alto ', 1)
    out, _ = restore_markup(src, "alto", restorer)
    assert b"root:" not in out and blanked(out, "alto") == blanked(src, "alto")


def test_not_well_formed_is_one_line():
    with pytest.raises(FormatError, match="not well-formed XML") as e:
        check_markup(b"<alto><Layout></alto>", "alto")
    assert "\n" not in str(e.value)
    html5 = b"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body><div class='ocr_page'></div></body></html>"
    assert detect_format(html5) == "hocr"
    with pytest.raises(FormatError, match="read as XHTML"):
        check_markup(html5, "hocr")


# ------------------------------------------------------------ the command line
def cli(*args):
    return subprocess.run([sys.executable, "-m", "vidiacritic.cli", *args], capture_output=True,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("case", ["billion_laughs", "xxe", "huger_attribute"])
def test_cli_refuses_hostile_xml_with_one_line(tmp_path, case):
    src = tmp_path / "page.xml"
    src.write_bytes(HOSTILE[case])
    out = tmp_path / "out.xml"
    p = cli("fix", str(src), "-o", str(out), "--format", "alto")
    err = p.stderr.decode()
    assert p.returncode == 1 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("vidiacritic: error: ") and "Traceback" not in err
    assert not out.exists()


def test_cli_fix_hocr_alto_page(tmp_path):
    srcs = {"page.hocr": fixture("notice.eng.hocr"), "page.alto.xml": fixture("notice.eng.xml"),
            "page.page.xml": strip_words(fixture("decision.page.xml"), "page")}
    for name, data in srcs.items():
        (tmp_path / name).write_bytes(data)
    p = cli("fix", str(tmp_path / "page.hocr"), "-o", str(tmp_path / "out.hocr"))
    assert p.returncode == 0, p.stderr
    assert "Người".encode() in (tmp_path / "out.hocr").read_bytes()
    p = cli("fix", "--in-place", "--backup", ".orig", str(tmp_path / "page.alto.xml"), str(tmp_path / "page.page.xml"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "page.alto.xml.orig").read_bytes() == srcs["page.alto.xml"]
    assert blanked((tmp_path / "page.alto.xml").read_bytes(), "alto") == blanked(srcs["page.alto.xml"], "alto")
    assert "QUYẾT ĐỊNH".encode() in (tmp_path / "page.page.xml").read_bytes()
    p = cli("fix", str(tmp_path / "page.hocr"), "--format", "alto")
    assert p.returncode == 1 and b"not ALTO" in p.stderr and len(p.stderr.splitlines()) == 1


# ------------------------------------------------------------ batch
def test_batch_restores_ocr_markup_and_records_the_format(tmp_path):
    import json

    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    members = {"a.xml": fixture("notice.eng.xml"), "sub/b.hocr": fixture("notice.eng.hocr"),
               "c.txt": fixture("notice.eng.txt"), "d.xml": strip_words(fixture("decision.page.xml"), "page"),
               "mets.xml": b'<?xml version="1.0"?><mets><x>Uy ban nhan dan</x></mets>\n',
               "notes.hocr": b"Uy ban nhan dan\n"}
    for name, data in members.items():
        (src / name).write_bytes(data)
    out = tmp_path / "out"
    p = cli("batch", str(src), "--out", str(out), "--jobs", "1", "--quiet")
    assert p.returncode == 0, p.stderr
    recs = {r["member"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    assert {m: (r["status"], r["format"]) for m, r in recs.items()} == {
        "a.xml": ("ok", "alto"), "sub/b.hocr": ("ok", "hocr"), "c.txt": ("ok", "text"),
        "d.xml": ("ok", "page"), "mets.xml": ("skipped", None), "notes.hocr": ("skipped", None)}
    assert "not hOCR, ALTO or PAGE" in recs["mets.xml"]["error"]
    for member, fmt in (("a.xml", "alto"), ("sub/b.hocr", "hocr"), ("d.xml", "page")):
        got = (out / "in" / member).read_bytes()
        assert got != members[member] and blanked(got, fmt) == blanked(members[member], fmt)
        assert recs[member]["words_changed"] > 0
    assert words((out / "in" / "a.xml").read_bytes(), "alto") == (out / "in" / "c.txt").read_text().split()
    p = cli("batch", str(src), "--out", str(out), "--jobs", "1", "--quiet")  # resumes: nothing redone
    assert p.returncode == 0 and "4 ok (4 already done)" in p.stdout.decode() + p.stderr.decode()


# ------------------------------------------------------------ property: any word text
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORD = st.text(alphabet=st.sampled_from(list("aeiouydnhgtcAEUDN&<>\"'’@6é ") + ["ư", "ờ", "Đ", "\u0301"]),
                min_size=1, max_size=8).filter(lambda w: w.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_WORD, min_size=1, max_size=6), min_size=1, max_size=4))
def test_any_word_text_only_word_text_changes(restorer, lines):
    """Whatever the words (escapes, quotes, combining marks, spaces inside), the output
    is well-formed, has the same words count and differs from the input only in words."""
    from xml.sax.saxutils import quoteattr

    body = "".join("<TextLine>" + "<SP/>".join(f"<String CONTENT={quoteattr(w)} WC='0.5'/>" for w in line)
                   + "</TextLine>\n" for line in lines)
    src = ('<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
           f"<Layout><Page><PrintSpace><TextBlock>\n{body}</TextBlock></PrintSpace></Page></Layout></alto>\n"
           ).encode("utf-8")
    out, _ = restore_markup(src, "alto", restorer)
    blank = re.compile(rb"""CONTENT=("[^"]*"|'[^']*')""")
    assert blank.sub(b"CONTENT=''", out) == blank.sub(b"CONTENT=''", src)
    got = [s.get("CONTENT") for s in etree.fromstring(out).iter("{*}String")]
    assert len(got) == sum(len(line) for line in lines)
    # the same words as hOCR text (escaped as character data, not attributes)
    from xml.sax.saxutils import escape

    hsrc = hocr_doc("</span><span class='ocr_line'>".join(
        " ".join(f"<span class='ocrx_word' title='x_wconf 50'>{escape(w)}</span>" for w in line) for line in lines))
    hout, _ = restore_markup(hsrc, "hocr", restorer)
    assert blanked(hout, "hocr") == blanked(hsrc, "hocr")
    hgot = ["".join(s.itertext()) for s in etree.fromstring(hout).iter() if s.get("class") == "ocrx_word"]
    assert hgot == got  # the same page text, the same words, whatever the format
    from vidiacritic.tokens import HORN_MARKS, OCR_DEBRIS

    def kept(w):  # what restoring must keep: not letters, not OCR's stand-ins for marks
        return re.sub(r"\w", "", strip_diacritics(w)) if not any(c in w for c in OCR_DEBRIS + HORN_MARKS + "@") \
            else None

    for before, after in zip((w for line in lines for w in line), got):
        if kept(before) is not None:
            assert kept(after) == kept(before), (before, after)


def test_markup_words_keep_their_boundaries(restorer):
    """Word breaks are the markup's: a String holding two pieces of a split word, or a
    merged word, comes back with its spacing (plain text would be mended)."""
    words = ["Hội", "đồng", "đã", "tổ", "chức", "cuộc", "họpcủa", "các", "thành", "viên", "để", "đá nh", "giá"]
    assert restorer.restore(" ".join(words)).count(" ") > len(words) - 1  # plain text: mended
    body = "<TextLine>" + "<SP/>".join(f"<String CONTENT='{w}'/>" for w in words) + "</TextLine>\n"
    src = ('<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
           f"<Layout><Page><PrintSpace><TextBlock>\n{body}</TextBlock></PrintSpace></Page></Layout></alto>\n"
           ).encode("utf-8")
    out, _ = restore_markup(src, "alto", restorer)
    got = [s.get("CONTENT") for s in etree.fromstring(out).iter("{*}String")]
    assert [g.count(" ") for g in got] == [w.count(" ") for w in words]
