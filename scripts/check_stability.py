#!/usr/bin/env python3
"""How stable is the restorer on text that needs nothing?  Two checks:

  rerestore FILE...   restore each file, restore the output again, and count the words
                      the second pass changes (0 when restoring is idempotent)
  places              the place names of the project's own lexicon (data/admin_terms.tsv,
                      source admin_units), correct text, each in a sentence of a report
                      (PLACES_PER_DOC sentences per document) and, with --alone, each on
                      its own; counts the place-name words the restorer changes

usage:
  python -m scripts.check_stability rerestore ../shared/dev/seed_ocr.txt [-v]
  python -m scripts.check_stability places [--every 5] [--alone] [-v]

Words are compared line by line, split on whitespace; a line whose word count changed
counts all its words.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from typing import Iterable, List, Sequence, Tuple


from vidiacritic import Restorer
from vidiacritic.resources import data_path

# The sentence each place name is written in (written for this check).
SENTENCE = "Đoàn công tác của tỉnh đã đến làm việc tại {} và kiểm tra tình hình sản xuất."
PLACES_PER_DOC = 20


def changed_words(before: str, after: str) -> List[Tuple[str, str]]:
    """(before, after) for every word that differs, line by line."""
    out: List[Tuple[str, str]] = []
    for a, b in zip(before.split("\n"), after.split("\n")):
        wa, wb = a.split(), b.split()
        if len(wa) != len(wb):
            out.extend((x, "?") for x in wa)
            continue
        out.extend((x, y) for x, y in zip(wa, wb) if x != y)
    return out


def place_names(every: int = 1) -> List[str]:
    """The admin_units phrases of data/admin_terms.tsv (xã Thung Nai, huyện Tam Đường),
    one in `every`."""
    with open(data_path("admin_terms.tsv"), encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["source"] == "admin_units"]
    return [r["phrase"] for r in rows[::every]]


def place_changes(restorer: Restorer, names: Sequence[str], alone: bool) -> List[Tuple[str, str]]:
    """Changed words inside the place names, each name in SENTENCE (documents of
    PLACES_PER_DOC sentences) or, with `alone`, restored on its own."""
    out: List[Tuple[str, str]] = []
    if alone:
        for name in names:
            out.extend(changed_words(name, restorer.restore(name)))
        return out
    prefix = len(SENTENCE.split("{}")[0].split())
    for i in range(0, len(names), PLACES_PER_DOC):
        chunk = names[i:i + PLACES_PER_DOC]
        restored = restorer.restore("\n".join(SENTENCE.format(n) for n in chunk)).split("\n")
        for name, line in zip(chunk, restored):
            k = len(name.split())
            out.extend(changed_words(name, " ".join(line.split()[prefix:prefix + k])))
    return out


def _report(label: str, changes: Iterable[Tuple[str, str]], total: int, verbose: bool) -> None:
    changes = list(changes)
    print(f"{label}: {len(changes)} of {total} words changed")
    if verbose:
        for a, b in changes:
            print(f"  {a} -> {b}")


def main(argv=None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--engine", default="auto")
    common.add_argument("-v", "--verbose", action="store_true", help="list the changed words")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="check", required=True)
    rr = sub.add_parser("rerestore", parents=[common])
    rr.add_argument("files", nargs="+")
    pl = sub.add_parser("places", parents=[common])
    pl.add_argument("--every", type=int, default=1, help="one place name in EVERY")
    pl.add_argument("--alone", action="store_true", help="also restore each name on its own")
    args = ap.parse_args(argv)
    restorer = Restorer(engine=args.engine)
    t0 = time.perf_counter()
    if args.check == "rerestore":
        for path in args.files:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            once = restorer.restore(text)
            twice = restorer.restore(once)
            _report(f"{path} restored again", changed_words(once, twice), len(once.split()), args.verbose)
    else:
        names = place_names(args.every)
        total = sum(len(n.split()) for n in names)
        _report(f"{len(names)} place names in a sentence", place_changes(restorer, names, False),
                total, args.verbose)
        if args.alone:
            _report(f"{len(names)} place names alone", place_changes(restorer, names, True),
                    total, args.verbose)
    print(f"engine {restorer.engine}, {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
