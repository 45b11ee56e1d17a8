#!/usr/bin/env python3
"""Build data/english_words.tsv: the most frequent English words, for keeping English
phrases inside Vietnamese text as written (vidiacritic.fixes.foreign_words).

    python -m scripts.build_english_words --fetch --pkgs /tmp/wordfreq --out data/english_words.tsv

Source: the ``small_en`` frequency list of the PyPI package ``wordfreq`` 3.1.1
(``wordfreq/data/small_en.msgpack.gz`` inside the wheel, read straight from the zip: the
package itself need not be installed).  The file is wordfreq's "cBpack": a msgpack list
whose first item is a header and whose item i+1 lists the words of frequency
10^(-i/100), most frequent first.  Kept: the first ``--top`` words made of the letters
a-z only (numbers, apostrophes and non-Latin words dropped; single letters other than
"a" and "i" dropped), in frequency order.

Output: UTF-8 TSV, one lowercase word and its frequency (10^(-cB/100), wordfreq's
rounding) per line, most frequent first, after a header of ``#`` lines naming the
source.  Word list only, no text.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import io
import os
import re
import subprocess
import sys
import zipfile
from typing import List, Tuple

from scripts.build_manifest import refresh_for
from scripts.tables import write_tsv

PACKAGE = "wordfreq==3.1.1"
DATA_MEMBER = "wordfreq/data/small_en.msgpack.gz"
_ASCII_WORD = re.compile(r"^[a-z]+$")
# Single letters are list markers and points of a clause in Vietnamese text (điểm d,
# b)); only the two that are English words stay.
_WORD_LETTERS = ("a", "i")


def fetch(pkgs: str) -> None:
    os.makedirs(pkgs, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", pkgs, PACKAGE],
                   check=True)


def read_cbpack(wheel: str) -> List[List[str]]:
    """Frequency buckets of the wheel's English list (bucket i: frequency 10^(-i/100))."""
    import msgpack

    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(DATA_MEMBER)
    data = msgpack.load(gzip.GzipFile(fileobj=io.BytesIO(raw)), raw=False)
    header = data[0]
    if header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{wheel}: unexpected {DATA_MEMBER} header {header!r}")
    return data[1:]


def top_words(buckets: List[List[str]], top: int) -> List[Tuple[str, float]]:
    out: List[Tuple[str, float]] = []
    for cb, bucket in enumerate(buckets):
        for w in bucket:
            if _ASCII_WORD.match(w) and (len(w) > 1 or w in _WORD_LETTERS):
                out.append((w, 10 ** (-cb / 100)))
                if len(out) == top:
                    return out
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pkgs", default="/tmp/wordfreq")
    ap.add_argument("--fetch", action="store_true", help="download the wheel first")
    ap.add_argument("--top", type=int, default=12000)
    ap.add_argument("--out", default="data/english_words.tsv")
    a = ap.parse_args()
    if a.fetch:
        fetch(a.pkgs)
    wheels = sorted(glob.glob(os.path.join(a.pkgs, "wordfreq-3.1.1-*.whl")))
    if not wheels:
        sys.exit(f"error: no wordfreq 3.1.1 wheel under {a.pkgs} (use --fetch)")
    words = top_words(read_cbpack(wheels[0]), a.top)
    write_tsv(a.out, ((w, f"{f:.3g}") for w, f in words),
              comments=(f"{len(words)} most frequent English words (a-z only) of PyPI {PACKAGE}, {DATA_MEMBER}",
                        "data license CC-BY-SA-4.0; card: data/ENGLISH_WORDS_CARD.md"))
    refresh_for(a.out)  # data/MANIFEST.json: the new file's hash
    print(f"{len(words)} words written to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
