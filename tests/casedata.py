"""The test cases of tests/cases/, read in one place.

Test cases are data: the lines and documents the restorer is checked on live in
tests/cases/, not in the test code, so that a case is added, read or moved (say from
known_failures.tsv to restore.tsv once fixed) without touching a test.  This module
holds their location and encoding (UTF-8) once, the one way the text files are read
(data lines, '#' comments and blank lines skipped), and the check most restore cases
make: the text comes out as expected, and restoring that output again changes nothing.
"""
import json
import os

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


def load_json(name):
    """tests/cases/<name>, parsed as JSON."""
    with open(os.path.join(CASES_DIR, name), encoding="utf-8") as fh:
        return json.load(fh)


def read_lines(name):
    """The data lines of tests/cases/<name> (without their line break): blank lines and
    lines starting with '#' skipped."""
    with open(os.path.join(CASES_DIR, name), encoding="utf-8") as fh:
        return [ln.rstrip("\n") for ln in fh if ln.strip() and not ln.startswith("#")]


def read_tsv(name):
    """The data lines of tests/cases/<name> (read_lines), each split at its tabs."""
    return [ln.split("\t") for ln in read_lines(name)]


def assert_restores(restorer, src, expected):
    """`src` restores to `expected`, and restoring `expected` again changes nothing."""
    __tracebackhide__ = True
    out = restorer.restore(src)
    assert out == expected, f"restore({src!r})\n  gave     {out!r}\n  expected {expected!r}"
    again = restorer.restore(expected)
    assert again == expected, f"restoring the expected text again changed it:\n  {expected!r}\n  gave {again!r}"
