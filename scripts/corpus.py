"""Reading ../shared/corpus: one shared iterator so every builder sees the same split.

Held-out rule: a line whose CRC32 is divisible by HELDOUT_MODULUS is never used for
training (n-gram LM, lexicon, seq2seq).  It forms the held-out evaluation slice.
"""
from __future__ import annotations

import argparse
import lzma
import os
import unicodedata
import zlib
from typing import Iterator, Optional

DEFAULT_CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
HELDOUT_MODULUS = 200
LEGAL_FILES = ("legal_phapdien", "legal_congbao", "legal_vlc")
GENERAL_FILES = ("wiki_viwiki", "news_baomoi", "news_dantri")
ALL_FILES = LEGAL_FILES + GENERAL_FILES


def is_heldout(line: str) -> bool:
    return zlib.crc32(line.encode("utf-8")) % HELDOUT_MODULUS == 0


def iter_lines(corpus_dir: str, name: str, split: str = "train",
               limit: Optional[int] = None, every: int = 1) -> Iterator[str]:
    """NFC lines of one corpus file.  split: "train", "heldout" or "all".

    `every` keeps one line in `every` (a cheap, deterministic subsample).
    """
    path = os.path.join(corpus_dir, name + ".txt.xz")
    n = 0
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if every > 1 and i % every:
                continue
            line = unicodedata.normalize("NFC", line.rstrip("\n"))
            if not line:
                continue
            held = is_heldout(line)
            if (split == "train" and held) or (split == "heldout" and not held):
                continue
            yield line
            n += 1
            if limit is not None and n >= limit:
                return


def add_corpus_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="directory holding the *.txt.xz corpus files (default ../shared/corpus)")
