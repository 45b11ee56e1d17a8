"""The README's Python examples are run as doctests, so that what it shows is what you get."""
import doctest
import os
import re

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def test_readme_examples():
    text = open(README, encoding="utf-8").read()
    text = re.sub(r"^```.*$", "", text, flags=re.M)  # a code fence ends an example's output
    test = doctest.DocTestParser().get_doctest(text, {}, "README", README, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    res = runner.summarize(verbose=False)
    assert res.attempted >= 4
    assert res.failed == 0
