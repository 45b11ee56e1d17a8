"""Initials joined by dots ("U.S.", "N.V.A"): each is one letter, marked or not, never a
syllable of more letters (lattice.dotted_initial, in LatticeBuilder.build and widen).
Cases are data (tests/cases/initials.json)."""
import re

import pytest

from vidiacritic.lattice import dotted_initial
from vidiacritic.tokens import tokenize

from casedata import assert_restores, load_json

CASES = load_json("initials.json")


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src,expected", CASES["kept"])
def test_initials_stay_letters(request, engine, src, expected):
    restorer = request.getfixturevalue(engine)
    assert_restores(restorer, src, expected)


@pytest.mark.parametrize("engine", ["stat", "model"])
@pytest.mark.parametrize("src", CASES["letters"])
def test_each_initial_comes_out_one_letter(request, engine, src):
    out = request.getfixturevalue(engine).restore(src)
    initials = re.findall(r"(?<![\w.])(\w+)\.(\w+)\.(?=\s)", out)
    assert len(initials) == src.count("U.S.")
    assert all(len(a) == 1 and len(b) == 1 for a, b in initials), out


@pytest.mark.parametrize("text,at,expected", [
    ("U.S. Army", 0, True), ("U.S. Army", 2, True), ("ông N.V.A", 4, True), ("ông N.V.A", 8, True),
    ("TP. Hà Nội", 0, False), ("A. Nguyễn", 0, False), ("ông A và B", 4, False), ("Q.1", 0, False)])
def test_dotted_initial(text, at, expected):
    toks = tokenize(text)
    ti = next(i for i, t in enumerate(toks) if t.start == at)
    assert dotted_initial(toks, ti) is expected
