"""The word before an article code is Điều (fixes.names_article), and an article's
heading starts a chain (fixes.opens_article, Restorer._cut_chains).  Cases are data
(tests/cases/article_headings.json)."""
import pytest

from casedata import load_json
from vidiacritic import fixes
from vidiacritic.tokens import cut_before, tokenize

CASES = load_json("article_headings.json")


@pytest.mark.parametrize("code", CASES["article_codes"])
def test_article_codes(code):
    assert fixes.is_article_code(code)


@pytest.mark.parametrize("text", CASES["not_article_codes"])
def test_not_article_codes(text):
    assert not fixes.is_article_code(text)


def test_names_article_and_opens_article():
    toks = tokenize("quy dinh tai Dieu 22.1.LQ.28 cua\nDieu 30.2.NĐ.1.41. Pham vi\nDieu\n22.1.LQ.28")
    words = {t.start: i for i, t in enumerate(toks)}
    text = "".join(t.text for t in toks)
    at = [words[k] for k in (text.index("Dieu"), text.index("\nDieu") + 1, text.rindex("Dieu"))]
    assert [fixes.names_article(toks, i) for i in at] == [True, True, False]  # (a line break between: no)
    assert [fixes.opens_article(toks, i) for i in at] == [False, True, False]  # (inline: not a heading)


def test_cut_before():
    assert list(cut_before([1, 2, 3, 4], lambda i: i in (1, 3))) == [[1, 2], [3, 4]]  # (never before the first)
    assert list(cut_before([5], lambda i: True)) == [[5]]


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["documents"])
def test_article_headings_restored(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    assert restorer.restore(src) == expected
    assert restorer.restore(expected) == expected
