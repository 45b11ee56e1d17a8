#!/usr/bin/env python3
"""The real Tesseract training pairs of the scorer's GPU fine-tune, made by one command.

The twenty-sixth session's fine-tune (models/seq2seq/CARD.md, "GPU fine-tune (session
26)") read nine pair files of the TRAINING split: Tesseract ``vie`` and ``eng`` on poor
scans, block pages, other domains and clean renders.  A later GPU session makes them again
with this script (about 12 minutes on two cores, resumable: make_ocr_pairs appends to a
file it finds and stops at its line count), then packs the bundle:

    python -m scripts.seq2seq.device_pairs --corpus ../shared/corpus --out /work/work_data/gpu13 --jobs 2
    python -m scripts.seq2seq.device_kit pack --corpus ../shared/corpus --synthetic 300000 --every 4 \\
        $(python -m scripts.seq2seq.device_pairs --out /work/work_data/gpu13 --pack-args) --out runs/device

``--print`` lists the commands without running them.  Needs tesseract-ocr,
tesseract-ocr-vie and the fonts of make_ocr_pairs.FONTS (fonts-liberation2,
fonts-dejavu-core, fonts-freefont-ttf, fonts-noto-core).  Held-out text is never read.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import List, Sequence, Tuple

LEGAL = "legal_phapdien:0.5,legal_congbao:0.3,legal_vlc:0.2"
OTHER = "news_baomoi:0.4,news_dantri:0.2,wiki_viwiki:0.4"

# (file, make_ocr_pairs arguments, bundle label): the session-26 recipe.  Each file's
# --start differs from the others of its language and corpus files, so the sets hold
# mostly other text.
RECIPE: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ("poor_vie_train.tsv", ("--files", LEGAL, "--scan", "poor", "--lang", "vie", "--start", "0.15",
                            "--seed", "1301", "--n-lines", "2000"), "vie-poor"),
    ("poor_vie_train2.tsv", ("--files", LEGAL, "--scan", "poor", "--lang", "vie", "--start", "0.55",
                             "--seed", "1311", "--n-lines", "3000"), "vie-poor"),
    ("block_vie_train.tsv", ("--files", LEGAL, "--scan", "poor", "--lang", "vie", "--mode", "block",
                             "--start", "0.7", "--seed", "1313", "--n-lines", "800"), "vie-block"),
    ("dom_vie_train.tsv", ("--files", OTHER, "--scan", "poor", "--lang", "vie", "--start", "0.1",
                           "--seed", "1331", "--n-lines", "2500"), "vie-dom"),
    ("clean_vie_train.tsv", ("--files", LEGAL, "--scan", "clean", "--lang", "vie", "--start", "0.25",
                             "--seed", "1303", "--n-lines", "1000"), "vie-clean"),
    ("poor_eng_train.tsv", ("--files", LEGAL, "--scan", "poor", "--lang", "eng", "--start", "0.2",
                            "--seed", "1302", "--n-lines", "2000"), "eng-poor"),
    ("poor_eng_train2.tsv", ("--files", LEGAL, "--scan", "poor", "--lang", "eng", "--start", "0.8",
                             "--seed", "1312", "--n-lines", "1500"), "eng-poor"),
    ("dom_eng_train.tsv", ("--files", OTHER, "--scan", "poor", "--lang", "eng", "--start", "0.15",
                           "--seed", "1332", "--n-lines", "1500"), "eng-dom"),
    ("clean_eng_train.tsv", ("--files", LEGAL, "--scan", "clean", "--lang", "eng", "--start", "0.35",
                             "--seed", "1341", "--n-lines", "1500"), "eng-clean"),
)


def commands(corpus: str, out: str) -> List[List[str]]:
    """One make_ocr_pairs command per pair file of RECIPE, training split."""
    return [[sys.executable, "-m", "scripts.make_ocr_pairs", "--corpus", corpus, "--split", "train",
             "--jobs", "1", *args, "--out", os.path.join(out, name)] for name, args, _ in RECIPE]


def pack_args(out: str) -> List[str]:
    """device_kit pack's --real arguments for the files in `out`, one per file (the rows
    of files with the same label get the same kind)."""
    return [f"--real={label}={os.path.join(out, name)}" for name, _, label in RECIPE]


def run(cmds: Sequence[Sequence[str]], jobs: int) -> int:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one Tesseract thread per job

    def one(cmd):
        return subprocess.run(list(cmd), env=env).returncode

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        codes = list(pool.map(one, cmds))
    bad = [c for c in codes if c]
    if bad:
        print(f"device_pairs: error: {len(bad)} of {len(codes)} commands failed", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join("..", "shared", "corpus"))
    ap.add_argument("--out", required=True, help="folder for the pair files (outside the repository)")
    ap.add_argument("--jobs", type=int, default=2, help="pair files made at once")
    ap.add_argument("--print", action="store_true", help="list the commands, run nothing")
    ap.add_argument("--pack-args", action="store_true", help="print device_kit pack's --real arguments")
    a = ap.parse_args(argv)
    if a.pack_args:
        print(" ".join(pack_args(a.out)))
        return 0
    cmds = commands(a.corpus, a.out)
    if a.print:
        for c in cmds:
            print(" ".join(c[1:]))
        return 0
    os.makedirs(a.out, exist_ok=True)
    return run(cmds, a.jobs)


if __name__ == "__main__":
    raise SystemExit(main())
