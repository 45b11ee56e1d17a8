#!/usr/bin/env python3
"""Build the compact seq2seq training data (outside the repository, default runs/s2s_data).

What it writes (everything the GPU machine needs travels in this one folder):

  legal.txt.xz, general.txt.xz   clean corpus chunks (train split only, NFC, ≤ --max-syl
                                 words each, cut at sentence ends when possible)
  real_ocr.tsv.xz                real Tesseract (ocr, clean) pairs, when --ocr-pairs has
                                 at least --min-ocr-pairs usable lines
  noise.json                     the character noise channel (default, or fitted on the
                                 real pairs)
  dev/seed_ocr.txt, dev/seed_gold.txt, dev/score.py   the dev set and its scorer
  pairs_sample.tsv               a few hundred materialized (kind, noisy, clean) pairs
  stats.json                     files, lines, syllables, noise statistics

The noisy sides are *not* stored: ``scripts/seq2seq/data.py`` draws them on the fly
from the clean chunks with ``scripts.seq2seq.noise`` (fresh noise every pass), and
``--materialize N`` writes N pairs per kind to pairs_<kind>.tsv.xz for inspection or
for other trainers.

    python -m scripts.seq2seq.make_pairs --corpus ../shared/corpus --out runs/s2s_data
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import re
import shutil
import time
import unicodedata

from scripts.corpus import (GENERAL_FILES, LEGAL_FILES, add_corpus_args,
                            is_heldout, iter_lines)
from scripts.seq2seq.noise import (CharNoise, noise_stats, partial_strip,
                                     strip_line)

_SENT_END = re.compile(r"[.;:?!]$")


def n_syl(text: str) -> int:
    return sum(1 for t in text.split() if any(c.isalpha() for c in t))


def chunks_of(line: str, max_syl: int, rng: random.Random):
    """Cut a paragraph into pieces of ≤ max_syl words, at sentence ends when possible."""
    words = line.split()
    i = 0
    while i < len(words):
        if len(words) - i <= max_syl:
            yield " ".join(words[i:])
            return
        window = words[i:i + max_syl]
        cut = None
        for k in range(len(window) - 1, 15, -1):
            if _SENT_END.search(window[k]):
                cut = k + 1
                break
        if cut is None:
            cut = max_syl
        yield " ".join(words[i:i + cut])
        i += cut


def file_syllables(corpus: str, name: str) -> int:
    try:
        with open(os.path.join(corpus, "stats.json")) as fh:
            return int(json.load(fh)[name]["syllables"])
    except (OSError, KeyError, ValueError):
        return 0


def build_clean(corpus: str, names, budget: dict, out_path: str, max_syl: int,
                rng: random.Random, stats: dict) -> None:
    with lzma.open(out_path, "wt", encoding="utf-8", preset=6) as out:
        for name in names:
            want = budget.get(name, 0)
            if want <= 0:
                continue
            have = file_syllables(corpus, name)
            every = max(1, int(have / want)) if have else 1
            t0 = time.time()
            syl = nlines = nch = 0
            for line in iter_lines(corpus, name, split="train", every=every):
                line = " ".join(line.split())
                for ch in chunks_of(line, max_syl, rng):
                    s = n_syl(ch)
                    if s < 3:
                        continue
                    out.write(ch + "\n")
                    syl += s
                    nch += 1
                nlines += 1
                if syl >= want:
                    break
            stats[name] = {"every": every, "lines": nlines, "chunks": nch, "syllables": syl}
            print(f"{name}: every {every}, {nlines} lines, {nch} chunks, {syl} syl "
                  f"({time.time() - t0:.0f}s)", flush=True)


def build_clean_all(a, legal_budget, general_budget, rng, stats) -> None:
    build_clean(a.corpus, LEGAL_FILES, legal_budget, os.path.join(a.out, "legal.txt.xz"),
                a.max_syl, rng, stats["files"])
    build_clean(a.corpus, GENERAL_FILES, general_budget,
                os.path.join(a.out, "general.txt.xz"), a.max_syl, rng, stats["files"])


def load_ocr_pairs(path: str):
    pairs = []
    if not path or not os.path.exists(path):
        return pairs
    with open(path, encoding="utf-8") as fh:
        for row in fh:
            parts = row.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            ocr = unicodedata.normalize("NFC", " ".join(parts[0].split()))
            clean = unicodedata.normalize("NFC", " ".join(parts[1].split()))
            if not ocr or not clean or is_heldout(clean):
                continue
            pairs.append((ocr, clean))
    return pairs


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_args(ap)
    ap.add_argument("--out", default="runs/s2s_data")
    ap.add_argument("--legal-syl", type=float, default=16e6,
                    help="syllables of legal text (split over the legal files)")
    ap.add_argument("--general-syl", type=float, default=9e6)
    ap.add_argument("--max-syl", type=int, default=64)
    ap.add_argument("--ocr-pairs", default="/work/work_data/ocr_pairs_train.tsv")
    ap.add_argument("--min-ocr-pairs", type=int, default=2000)
    ap.add_argument("--dev-dir", default=None, help="default: <corpus>/../dev")
    ap.add_argument("--score-py", default=None, help="default: <corpus>/../eval/score.py")
    ap.add_argument("--materialize", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-clean", action="store_true",
                    help="keep existing legal/general chunks; redo OCR pairs, noise, dev, stats")
    a = ap.parse_args(argv)

    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    stats: dict = {"args": vars(a)}

    # legal: phapdien is by far the largest; keep congbao and vlc whole-ish.
    L = a.legal_syl
    legal_budget = {"legal_phapdien": 0.62 * L, "legal_congbao": 0.26 * L,
                    "legal_vlc": 0.12 * L}
    G = a.general_syl
    general_budget = {"wiki_viwiki": 0.45 * G, "news_baomoi": 0.4 * G,
                      "news_dantri": 0.15 * G}
    stats["files"] = {}
    old_stats = os.path.join(a.out, "stats.json")
    if a.skip_clean and os.path.exists(old_stats):
        with open(old_stats, encoding="utf-8") as fh:
            stats["files"] = json.load(fh).get("files", {})
    else:
        build_clean_all(a, legal_budget, general_budget, rng, stats)

    # real OCR pairs and the noise channel
    pairs = load_ocr_pairs(a.ocr_pairs)
    stats["real_ocr_pairs"] = len(pairs)
    if len(pairs) >= a.min_ocr_pairs:
        with lzma.open(os.path.join(a.out, "real_ocr.tsv.xz"), "wt", encoding="utf-8") as fh:
            for o, c in pairs:
                fh.write(f"{o}\t{c}\n")
        noise = CharNoise.fit(pairs)
        stats["noise_channel"] = f"fitted on {len(pairs)} real pairs"
    else:
        rp = os.path.join(a.out, "real_ocr.tsv.xz")
        if os.path.exists(rp):
            os.remove(rp)
        noise = CharNoise.default()
        stats["noise_channel"] = f"default (only {len(pairs)} real pairs)"
    with open(os.path.join(a.out, "noise.json"), "w", encoding="utf-8") as fh:
        fh.write(noise.to_json())
    print("noise channel:", stats["noise_channel"], flush=True)

    # dev set + scorer
    shared = os.path.dirname(os.path.abspath(a.corpus))
    dev_dir = a.dev_dir or os.path.join(shared, "dev")
    score_py = a.score_py or os.path.join(shared, "eval", "score.py")
    os.makedirs(os.path.join(a.out, "dev"), exist_ok=True)
    for f in ("seed_ocr.txt", "seed_gold.txt"):
        shutil.copy(os.path.join(dev_dir, f), os.path.join(a.out, "dev", f))
    shutil.copy(score_py, os.path.join(a.out, "dev", "score.py"))

    # noise statistics: dev OCR vs synthetic channel vs real pairs
    gold = open(os.path.join(dev_dir, "seed_gold.txt"), encoding="utf-8").read().split("\n")
    ocr = open(os.path.join(dev_dir, "seed_ocr.txt"), encoding="utf-8").read().split("\n")
    r2 = random.Random(7)
    stats["noise_stats"] = {
        "dev_ocr_vs_gold": noise_stats(ocr, gold),
        "synthetic_on_dev_gold": noise_stats([noise.line(g, r2) for g in gold], gold),
    }
    if pairs:
        sub = pairs[:5000]
        stats["noise_stats"]["real_tesseract_pairs"] = noise_stats([p[0] for p in sub],
                                                                   [p[1] for p in sub])
    for k, v in stats["noise_stats"].items():
        print(f"{k}: {v}")

    # a small materialized sample (and optional larger files)
    with lzma.open(os.path.join(a.out, "legal.txt.xz"), "rt", encoding="utf-8") as fh:
        sample = [next(fh).rstrip("\n") for _ in range(2000)]
    kinds = {
        "stripped": lambda t, r: strip_line(t),
        "partial": lambda t, r: partial_strip(t, r),
        "ocr_synth": lambda t, r: noise.line(t, r),
    }
    with open(os.path.join(a.out, "pairs_sample.tsv"), "w", encoding="utf-8") as fh:
        for i, t in enumerate(sample[:300]):
            k = list(kinds)[i % 3]
            fh.write(f"{k}\t{kinds[k](t, rng)}\t{t}\n")
    if a.materialize:
        for k, fn in kinds.items():
            with lzma.open(os.path.join(a.out, f"pairs_{k}.tsv.xz"), "wt",
                           encoding="utf-8") as fh:
                with lzma.open(os.path.join(a.out, "legal.txt.xz"), "rt",
                               encoding="utf-8") as src:
                    for i, t in enumerate(src):
                        if i >= a.materialize:
                            break
                        t = t.rstrip("\n")
                        fh.write(f"{fn(t, rng)}\t{t}\n")

    sizes = {f: os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out)
             if os.path.isfile(os.path.join(a.out, f))}
    stats["bytes"] = sizes
    with open(os.path.join(a.out, "stats.json"), "w", encoding="utf-8") as fh:
        json.dump(stats, fh, ensure_ascii=False, indent=1)
    print("sizes:", sizes, "total MB", round(sum(sizes.values()) / 1e6, 1))


if __name__ == "__main__":
    main()
