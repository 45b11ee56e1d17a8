"""Known failures as data (tests/cases/known_failures.tsv), each a strict xfail.

A row that starts to pass is an XPASS, which strict mode reports as a failure: the fix
is then pinned by moving the row to restore.tsv, and the lab note in the README loses a
line.  The rows are checked to be well formed, so a typo cannot hide a case."""
import os

import pytest

from casedata import CASES_DIR

CASES = os.path.join(CASES_DIR, "known_failures.tsv")
ENGINES = {"both": ("model", "statistical"), "model": ("model",), "statistical": ("statistical",)}


def _rows():
    rows = []
    with open(CASES, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            engine, reading, text, expected, why = line.rstrip("\n").split("\t")
            assert engine in ENGINES and reading in ("ocr", "auto"), f"line {n}: {line!r}"
            assert text != expected and why, f"line {n}: no failure to describe"
            for name in ENGINES[engine]:
                rows.append(pytest.param(name, reading, text, expected,
                                         id=f"{name}:{text[:24]}",
                                         marks=pytest.mark.xfail(strict=True, reason=why)))
    return rows


@pytest.mark.parametrize("engine,reading,text,expected", _rows())
def test_known_failure(request, engine, reading, text, expected):
    restorer = request.getfixturevalue("stat" if engine == "statistical" else "model")
    out = restorer.restore(text, ocr_document=True if reading == "ocr" else None)
    assert out == expected


def test_known_failures_file_is_well_formed():
    """Every data line becomes a case per engine it names (none lost by the parsing)."""
    with open(CASES, encoding="utf-8") as fh:
        lines = [x for x in fh if x.strip() and not x.startswith("#")]
    assert lines and len(_rows()) == sum(len(ENGINES[x.split("\t")[0]]) for x in lines)
