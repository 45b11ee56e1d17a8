"""Make realistic (noisy OCR, clean) line pairs by rendering corpus text and running Tesseract.

    python -m scripts.make_ocr_pairs --files legal_phapdien:0.35,legal_congbao:0.2,... \\
        --split train --n-lines 40000 --jobs 1 --seed 1 --out /work/work_data/ocr_pairs_train.tsv

Why this works (../shared/DATA_SOURCES.md section 3): Tesseract 5 with the *English* model
(`-l eng`) reads rendered Vietnamese the way the dev set was read: most tone marks dropped,
`é` for many accented e/ê/ô, base letters broken (ô→6, ư→w/tt/u, ơ→d, Đ→P), digits inside
words.  Rendering clean corpus text and OCR-ing it gives unlimited pairs with that noise.

Pipeline, one *block* (a small page: 10–20 consecutive lines of one corpus file) at a time:
  1. corpus paragraphs (scripts/corpus.py, train or held-out split) are chopped on word
     boundaries into printed-line pieces (`chop_paragraph`; one column width per block,
     drawn from 40–80 characters, median about 70 like the dev pages; the last piece of a
     paragraph may be shorter).  Punctuation, numbers and case are kept; short paragraphs
     are sometimes upper-cased and a few lines are upper-cased, so ~4-5% of lines are ALL-CAPS
     (headings, as in real documents; the corpus has some of its own).
  2. the block is rendered (`render_block`) with one font (Liberation Serif 2.x — the Times
     clone of official documents —, FreeSerif, DejaVu Serif, Noto Serif, some bold and
     sans), one size, justified or ragged, at 2–3× the target resolution and downscaled
     (anti-aliasing of a scan), then optionally blurred, noised, binarized, rotated.
     `--fonts NAME:W,...` draws the font from another mix (a set in other fonts: every
     other parameter of each block stays the same); a font that is not installed is
     rendered with its fallback (FONT_FALLBACK), which the output's third column names.
  3. each line is cropped from the page and the crops are given to ONE Tesseract process
     as a list file with `--psm 7` (one text line per image); Tesseract answers one page
     per image, separated by form feeds, so lines stay aligned with their source.

Speed (measured on the 2-core work machine shared with other jobs, 1 process,
OMP_THREAD_LIMIT=1, the same 8 blocks / 120 lines for each; CPU time of the script and its
tesseract children, which does not depend on the load of the machine):
  one `tesseract --psm 7` process per line image   6.8 lines per CPU-second
  one `--psm 7` process per block, list file       25.1 lines per CPU-second
  one `--psm 6` process per block page             26.0 lines per CPU-second
Loading the model (~0.1 s) dominates the first; the two per-block modes are equally fast,
so the list-file mode is the default: it never loses alignment (`--psm 6` can merge or
split lines, and the whole block must then be dropped) and gave the same noise statistics.
`--mode block` keeps the `--psm 6` variant.  On the loaded machine the wall-clock rate was
10–16 lines/s (see data/OCR_NOISE.md).

Kinds of sets (issue 9): `--lang vie` reads with Tesseract's Vietnamese model (Debian
tesseract-ocr-vie), which keeps marks but often wrong ones; `--scan poor` degrades every
block like a cheap office scan (12–13 pt at about 100–145 dpi, rotation 0.2–1°, blur,
noise, JPEG quality 30–60, grey unevenly lit paper: `_draw_poor_params`) instead of the
milder mix of the default `--scan clean`.  `--start F` begins each file's stream a fraction
F into it, so that development sets of different kinds use different held-out text:

    python -m scripts.make_ocr_pairs --split heldout --scan poor --lang vie --start 0.35 \
        --seed 201 --n-lines 400 --out /work/work_data/poor_vie_heldout.tsv

Recipes outside the training mix (checks that the method fits no one recipe's damage;
data/OCR_NOISE.md, session 23): `--lang vie+eng` reads with both models at once, as users
of Vietnamese text with English in it often do; `--scan augraphy --mode block` renders a
page at about 190-250 dpi and degrades it with a pipeline of augraphy's print-and-scan
effects (`augraphy_pipeline`: ink bleed, letterpress, paper texture, a dirty drum, noise,
lighting, fax, JPEG; PyPI augraphy, needed by this profile only, seeded per block):

    pip install augraphy
    python -m scripts.make_ocr_pairs --split heldout --scan augraphy --mode block --lang vie \
        --start 0.93 --seed 2303 --n-lines 300 --out /work/work_data/s23/aug_vie_heldout.tsv

A font that is not installed is replaced by a close installed one (FONT_FALLBACK, with a
warning); the font column names the font actually used.

Output: TSV `ocr<TAB>clean<TAB>font<TAB>size` (size = em size in pixels of the final
image), with `--confidences` a fifth column of Tesseract's word confidences (0-100, one per
OCR word, space-separated: what hOCR's `x_wconf` and ALTO's `WC` carry), one pair per line, UTF-8 NFC, appended to --out.  A pair whose OCR is empty is
dropped.

Resuming: the block stream is a pure function of (files, split, seed, corpus), so on
restart the existing output is matched against the stream block by block (`count_done`)
and generation continues after the last block found; an incomplete last line is cut off.
A kill loses at most the block being processed.  A lock file (OUT.lock) keeps a second
run from writing to the same output; OUT.recipe.json records the arguments that shape the
OCR column (scan, lang, start ...), and a run with other ones is refused rather than
appended.  Generation stops once the output holds
--n-lines pairs.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from scripts.corpus import LEGAL_FILES, add_corpus_args, iter_lines

DEFAULT_OUT = "/work/work_data/ocr_pairs.tsv"

# Column widths in characters: dev pages have a median of 74, 10% under 56 (paragraph ends).
WIDTH_RANGE = (40, 80)
WIDE_RANGE = (60, 80)      # most blocks: A4 text at 13–14 pt
P_WIDE = 0.8
LINES_PER_BLOCK = (10, 20)
MAX_PIECES_PER_PARAGRAPH = 4   # take a few consecutive lines per paragraph: more variety
MIN_LAST_PIECE = 12            # shorter paragraph tails ("Điều 3.") are still printed
P_HEADING_PARAGRAPH = 0.12     # a short paragraph (<= HEADING_MAX chars) is upper-cased
HEADING_MAX = 90
P_CAPS_LINE = 0.01             # any other line
SHORT_TAIL, P_KEEP_SHORT_TAIL = 35, 0.4   # paragraph tails under 35 chars: keep 40%
# Characters a printed Vietnamese administrative page plausibly holds (and our fonts have).
_EXTRA_OK = set("–—‘’“”…•°±×÷§№€")

# name, file, weight.  All have ơ ư and U+1EA0–U+1EF9 (checked with fc-list charset).
FONTS = [
    ("LiberationSerif", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 0.34),
    ("LiberationSerif-Bold", "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", 0.05),
    ("FreeSerif", "/usr/share/fonts/truetype/freefont/FreeSerif.ttf", 0.17),
    ("DejaVuSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0.14),
    ("DejaVuSerifCondensed", "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed.ttf", 0.04),
    ("NotoSerif", "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf", 0.14),
    ("LiberationSans", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", 0.04),
    ("NotoSans", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 0.03),
    ("FreeSans", "/usr/share/fonts/truetype/freefont/FreeSans.ttf", 0.02),
    ("DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0.03),
]

# Rendering variation (per block).  Tuned so that the noise statistics of the pairs match
# the dev set's (data/OCR_NOISE.md), not on individual dev tokens.
EM_PX_RANGE = (20.0, 34.0)     # em size in pixels of the final image
SUPERSAMPLE = (2, 3)           # render at this multiple, then downscale
P_BLUR, BLUR_RANGE = 0.5, (0.3, 0.9)
P_NOISE, NOISE_SIGMA = 0.3, (4.0, 14.0)
P_BINARIZE = 0.15
P_ROTATE, ROTATE_DEG = 0.25, 0.6
P_JUSTIFY = 0.6
P_INK_GREY = 0.3               # toner not fully black

# `--scan poor`: a cheap office scan of a printed page, 12–13 pt type at about 100–145 dpi
# (em size in pixels = pt * dpi / 72: 16 px is 12 pt at 96 dpi, 26 px 13 pt at 144 dpi),
# always slightly rotated, blurred and noisy, saved as a low-quality JPEG, on grey paper
# lit unevenly.  Same fonts as the clean profile.
POOR_EM_PX_RANGE = (16.0, 26.0)
POOR_BLUR_RANGE = (0.5, 1.2)
POOR_NOISE_SIGMA = (6.0, 18.0)
POOR_ROTATE_DEG = 1.0
POOR_JPEG_QUALITY = (30, 60)
POOR_PAPER = (195, 240)        # grey level of the paper where it is brightest
POOR_UNEVEN = (0.05, 0.25)     # share of that brightness lost in the darkest corner
P_POOR_BINARIZE = 0.1
# `--scan augraphy`: a page at about 190-250 dpi (13 pt type: 34-46 px to the em) through
# a print-and-scan pipeline of augraphy's effects (PyPI augraphy, installed for this profile
# only; augraphy_pipeline: ink bleed, letterpress, paper texture, a light dirty drum,
# noise, lighting, fax, JPEG).  Another recipe than `poor`'s, made with a
# tool the project never trained on: a check that the method does not fit one recipe's
# damage.  Block mode only (its effects are drawn over whole pages).
AUG_EM_PX_RANGE = (34.0, 46.0)
SCANS = ("clean", "poor", "augraphy")
# (vie+eng: both models at once, Tesseract's way of reading a page in two languages,
# which users of Vietnamese text with English in it often pass)
LANGS = ("eng", "vie", "vie+eng")


def _allowed_char(ch: str) -> bool:
    o = ord(ch)
    return (32 <= o < 0x250 and o != 0x7F) or 0x1EA0 <= o <= 0x1EF9 or ch in _EXTRA_OK


# --------------------------------------------------------------------------------------
# Pure-Python part: chopping text and the deterministic block stream
# --------------------------------------------------------------------------------------

def clean_text(text: str) -> str:
    """NFC, whitespace runs (tabs included) collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def chop_paragraph(text: str, width: int, min_last: int = MIN_LAST_PIECE) -> List[str]:
    """Greedy word wrap of one paragraph into pieces of at most `width` characters.

    A word longer than `width` gets a piece of its own (the caller may drop it).  A final
    piece shorter than `min_last` characters is dropped unless it is the whole paragraph.

    >>> chop_paragraph("Điều 1. Phạm vi điều chỉnh của Luật này", 18)
    ['Điều 1. Phạm vi', 'điều chỉnh của']
    """
    words = clean_text(text).split(" ")
    pieces: List[str] = []
    cur = ""
    for w in words:
        if not w:
            continue
        if not cur:
            cur = w
        elif len(cur) + 1 + len(w) <= width:
            cur += " " + w
        else:
            pieces.append(cur)
            cur = w
    if cur:
        pieces.append(cur)
    if len(pieces) > 1 and len(pieces[-1]) < min_last:
        pieces.pop()
    return pieces


def piece_ok(piece: str, width: int) -> bool:
    return (len(piece) <= width + 5 and sum(c.isalpha() for c in piece) >= 3
            and all(_allowed_char(c) for c in piece))


@dataclass
class Block:
    """One rendered page: consecutive lines of one corpus file and its rendering recipe."""
    index: int
    source: str
    lines: List[str]
    params: Dict[str, object] = field(default_factory=dict)
    ends: List[bool] = field(default_factory=list)   # line ends its paragraph (not justified)


def parse_files(spec: str) -> List[Tuple[str, float]]:
    """'a:0.5,b,c:2' -> [('a', .5), ('b', 1.0), ('c', 2.0)] (weights need not sum to 1)."""
    out = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, w = item.partition(":")
        out.append((name, float(w) if w else 1.0))
    if not out:
        raise SystemExit("--files is empty")
    return out


def _file_lines(corpus_dir: str, name: str) -> Optional[int]:
    try:
        with open(os.path.join(corpus_dir, "stats.json"), encoding="utf-8") as fh:
            return int(json.load(fh)[name]["lines"])
    except (OSError, KeyError, ValueError):
        return None


def paragraph_pieces(paragraphs: Iterator[str], rng: random.Random,
                     width_fn) -> Iterator[Tuple[str, bool]]:
    """Yield (piece, ends_paragraph) from paragraphs, a few consecutive pieces of each.

    `width_fn()` gives the current column width (it changes from block to block).
    """
    for para in paragraphs:
        para = clean_text(para)
        if not para:
            continue
        width = width_fn()
        heading = len(para) <= HEADING_MAX and rng.random() < P_HEADING_PARAGRAPH
        pieces = chop_paragraph(para.upper() if heading else para, width)
        if len(pieces) > MAX_PIECES_PER_PARAGRAPH:
            start = 0 if rng.random() < 0.5 else rng.randrange(len(pieces) - MAX_PIECES_PER_PARAGRAPH + 1)
            pieces = pieces[start:start + MAX_PIECES_PER_PARAGRAPH]
        for i, p in enumerate(pieces):
            if not piece_ok(p, width):
                continue
            if (i == len(pieces) - 1 and i > 0 and len(p) < SHORT_TAIL
                    and rng.random() >= P_KEEP_SHORT_TAIL):
                continue
            if not heading and rng.random() < P_CAPS_LINE:
                p = p.upper()
            yield p, i == len(pieces) - 1


def _draw_layout(rng: random.Random, fonts: Optional[Sequence[Tuple[str, float]]],
                 em_px_range: Tuple[float, float]) -> Dict[str, object]:
    """The page's font (from `fonts`, default FONTS), size and layout: the draws every
    recipe makes first, in this order (a recipe's stream of blocks depends on it)."""
    names, weights = _font_mix(fonts)
    return {
        "font": rng.choices(names, weights)[0],
        "em_px": round(rng.uniform(*em_px_range), 1),
        "supersample": rng.choice(SUPERSAMPLE),
        "line_gap": rng.uniform(1.35, 1.8),
        "justify": rng.random() < P_JUSTIFY,
    }


def _draw_params(rng: random.Random, fonts: Optional[Sequence[Tuple[str, float]]] = None) -> Dict[str, object]:
    return {
        **_draw_layout(rng, fonts, EM_PX_RANGE),
        "blur": round(rng.uniform(*BLUR_RANGE), 2) if rng.random() < P_BLUR else 0.0,
        "noise": round(rng.uniform(*NOISE_SIGMA), 1) if rng.random() < P_NOISE else 0.0,
        "binarize": rng.random() < P_BINARIZE,
        "rotate": round(rng.uniform(-ROTATE_DEG, ROTATE_DEG), 2) if rng.random() < P_ROTATE else 0.0,
        "ink": rng.randint(20, 80) if rng.random() < P_INK_GREY else 0,
        "paper": rng.randint(225, 255),
        "render_seed": rng.randrange(1 << 30),
    }


def _draw_poor_params(rng: random.Random, fonts: Optional[Sequence[Tuple[str, float]]] = None) -> Dict[str, object]:
    """Rendering recipe of one block for `--scan poor` (see POOR_* above)."""
    rotate = rng.uniform(0.2, POOR_ROTATE_DEG) * rng.choice((-1, 1))
    return {
        **_draw_layout(rng, fonts, POOR_EM_PX_RANGE),
        "blur": round(rng.uniform(*POOR_BLUR_RANGE), 2),
        "noise": round(rng.uniform(*POOR_NOISE_SIGMA), 1),
        "binarize": rng.random() < P_POOR_BINARIZE,
        "rotate": round(rotate, 2),
        "ink": rng.randint(20, 90) if rng.random() < 0.4 else 0,
        "paper": rng.randint(*POOR_PAPER),
        "uneven": round(rng.uniform(*POOR_UNEVEN), 3),
        "jpeg": rng.randint(*POOR_JPEG_QUALITY),
        "render_seed": rng.randrange(1 << 30),
    }


def _draw_augraphy_params(rng: random.Random, fonts: Optional[Sequence[Tuple[str, float]]] = None) -> Dict[str, object]:
    """Rendering recipe of one block for `--scan augraphy` (AUG_EM_PX_RANGE): a clean
    render, every degradation left to augraphy (seeded by render_seed)."""
    return {
        **_draw_layout(rng, fonts, AUG_EM_PX_RANGE),
        "blur": 0.0, "noise": 0.0, "binarize": False, "rotate": 0.0,
        "ink": rng.randint(20, 80) if rng.random() < P_INK_GREY else 0,
        "paper": 255,
        "augraphy": True,
        "render_seed": rng.randrange(1 << 30),
    }


def _augraphy(im, seed: int):
    """`im` (greyscale page) through augraphy_pipeline(), seeded by `seed`."""
    import numpy as np
    from PIL import Image

    pipeline = augraphy_pipeline(seed)
    # (augraphy keeps its last 30 input pages in ./augraphy_cache, and some effects draw on
    # them: run in an empty folder of our own, so that a page depends on its seed alone
    # and nothing is written into the working directory)
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="augraphy_") as scratch:
        os.chdir(scratch)
        try:
            out = np.asarray(pipeline(np.asarray(im.convert("RGB"))[:, :, ::-1].copy()))  # (OpenCV's BGR)
        finally:
            os.chdir(here)
    if out.ndim == 3:
        return Image.fromarray(np.ascontiguousarray(out[:, :, ::-1]).astype(np.uint8), "RGB").convert("L")
    return Image.fromarray(out.astype(np.uint8), "L")


def augraphy_pipeline(seed: Optional[int] = None):
    """A print-and-scan pipeline of augraphy's effects that keeps every line of text
    readable as a line (augraphy's default adds stamps, hollow letters and ruled lines
    over half a page, its dirty rollers and bad photocopy bands of toner over whole
    lines, and Tesseract then reads another number of lines than the block has, so no
    pair comes out): ink bleed, letterpress; paper texture and brightness; a light dirty
    drum, subtle noise, a lighting gradient, fax, JPEG.  None of them fetches anything at
    run time (augraphy's Scribbles and BindingsAndFasteners download fonts and images).
    With `seed`, the generators it draws from are seeded first: Python's and numpy's
    (some effects draw their settings when they are built) and OpenCV's (its noise)."""
    try:
        import cv2  # (augraphy's own dependency, OpenCV)
        from augraphy import (AugraphyPipeline, BrightnessTexturize, DirtyDrum, Faxify, InkBleed, Jpeg, Letterpress,
                              LightingGradient, NoiseTexturize, SubtleNoise)
    except ImportError:
        raise SystemExit("--scan augraphy needs the augraphy package: pip install augraphy") from None
    if seed is not None:
        import numpy as np

        random.seed(seed)
        np.random.seed(seed % (1 << 32))
        cv2.setRNGSeed(seed % (1 << 31))
    ink = [InkBleed(intensity_range=(0.1, 0.3), severity=(0.2, 0.4), p=0.5),
           Letterpress(p=0.3)]
    paper = [NoiseTexturize(p=0.5), BrightnessTexturize(p=0.5)]
    post = [DirtyDrum(line_width_range=(1, 3), noise_intensity=0.2, p=0.2),
            SubtleNoise(p=0.6),
            LightingGradient(p=0.4),
            Faxify(p=0.1),
            Jpeg(quality_range=(30, 80), p=0.6)]
    return AugraphyPipeline(ink_phase=ink, paper_phase=paper, post_phase=post, random_seed=seed)


def _font_mix(fonts: Optional[Sequence[Tuple[str, float]]]) -> Tuple[List[str], List[float]]:
    """(names, weights) to draw a block's font from: `fonts` (parse_fonts), else FONTS."""
    mix = [(name, weight) for name, _, weight in FONTS] if fonts is None else list(fonts)
    return [name for name, _ in mix], [weight for _, weight in mix]


def parse_fonts(spec: str) -> List[Tuple[str, float]]:
    """'LiberationSans:0.5,NotoSerif' -> [('LiberationSans', .5), ('NotoSerif', 1.0)]: a
    font mix of FONTS' names (--fonts; a set of other fonts than the training recipe's)."""
    out = parse_files(spec)  # (the same NAME[:WEIGHT],... syntax)
    unknown = [name for name, _ in out if name not in _FONT_FILES]
    if unknown:
        raise SystemExit(f"--fonts: unknown font {unknown[0]!r}; choose among {', '.join(_FONT_FILES)}")
    if any(not weight > 0 for _, weight in out):
        raise SystemExit("--fonts: weights must be positive")
    return out


def draw_params(rng: random.Random, scan: str = "clean",
                fonts: Optional[Sequence[Tuple[str, float]]] = None) -> Dict[str, object]:
    """One block's rendering recipe for a scan profile ("clean": the training recipe);
    `fonts`: the font mix (default FONTS').  One font is drawn per block whatever the
    mix, so the other parameters of a stream are the same under any mix."""
    if scan == "poor":
        return _draw_poor_params(rng, fonts)
    if scan == "augraphy":
        return _draw_augraphy_params(rng, fonts)
    if scan != "clean":
        raise ValueError(f"unknown scan profile {scan!r}")
    return _draw_params(rng, fonts)


def _stream_length(corpus_dir: str, name: str, split: str, every: int) -> int:
    """About how many lines iter_lines yields for one file (from stats.json, else counted)."""
    n_file = _file_lines(corpus_dir, name)
    if n_file:
        return n_file // 200 if split == "heldout" else n_file // every
    return sum(1 for _ in iter_lines(corpus_dir, name, split=split, every=every))


def iter_blocks(files: Sequence[Tuple[str, float]], split: str, seed: int,
                corpus_dir: str, n_hint: int, scan: str = "clean",
                start: float = 0.0, fonts: Optional[Sequence[Tuple[str, float]]] = None) -> Iterator[Block]:
    """The deterministic, endless stream of blocks for (files, split, seed, corpus, scan, start).

    `n_hint` (the wanted number of lines) only sets how sparsely each file is sampled
    (`every`), so that the lines come from all over a file rather than from its start.
    `start` (0–1) begins each file's stream that far in: the held-out split is read from
    its beginning (every=1), so sets that must not share text (the seed-101 held-out pairs,
    the poor-scan sets) are given different starts.  A file that runs out starts over
    from its beginning (with a warning).
    """
    if not 0.0 <= start < 1.0:
        raise SystemExit("--start must be in [0, 1)")
    total_w = sum(w for _, w in files)
    master = random.Random(f"blocks:{seed}")
    streams = {}
    widths: Dict[str, int] = {}
    for name, w in files:
        quota = max(1.0, n_hint * w / total_w)
        n_file = _file_lines(corpus_dir, name)
        if n_file and split == "heldout":
            n_file //= 200
        # ~2.5 pieces per paragraph are used; sample about 2x the paragraphs needed.
        every = max(1, int(n_file / (quota / 2.5 * 2))) if n_file else 1
        if split == "heldout":
            every = 1
        frng = random.Random(f"file:{seed}:{name}")
        skip = int(start * _stream_length(corpus_dir, name, split, every)) if start else 0

        def paragraphs(name=name, every=every, skip=skip):
            rounds = 0
            while True:
                n = 0
                for line in iter_lines(corpus_dir, name, split=split, every=every):
                    n += 1
                    if rounds == 0 and n <= skip:
                        continue
                    yield line
                rounds += 1
                if n == 0:
                    return
                print(f"[make_ocr_pairs] {name}: corpus exhausted, starting over (round {rounds})",
                      file=sys.stderr)

        widths[name] = 70
        streams[name] = paragraph_pieces(paragraphs(), frng, lambda name=name: widths[name])
    names = [n for n, _ in files]
    weights = [w for _, w in files]
    index = 0
    while True:
        name = master.choices(names, weights)[0]
        brng = random.Random(f"block:{seed}:{index}")
        lo, hi = WIDE_RANGE if brng.random() < P_WIDE else WIDTH_RANGE
        widths[name] = brng.randint(lo, hi)
        n_lines = brng.randint(*LINES_PER_BLOCK)
        lines, ends = [], []
        for piece, end in streams[name]:
            lines.append(piece)
            ends.append(end)
            if len(lines) >= n_lines:
                break
        if not lines:
            raise SystemExit(f"corpus file {name} ({split}) gave no usable lines")
        params = draw_params(brng, scan, fonts)
        params["width"] = widths[name]
        yield Block(index, name, lines, params, ends)
        index += 1


def read_done(out_path: str) -> List[str]:
    """Clean column of the pairs already written; cuts off an incomplete last line."""
    if not os.path.exists(out_path):
        return []
    with open(out_path, "rb+") as fh:
        data = fh.read()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            fh.truncate(cut)
            data = data[:cut]
    out = []
    for line in data.decode("utf-8").split("\n"):
        if line:
            parts = line.split("\t")
            out.append(parts[1] if len(parts) > 1 else "")
    return out


def count_done(done_clean: Sequence[str], blocks: Iterator[Block]) -> int:
    """How many blocks of the stream the written pairs cover (blocks are written in order).

    Each block contributes an in-order subsequence of its lines (OCR-empty pairs and
    rejected blocks are missing).  Blocks are matched greedily; a block that contributed
    nothing counts as done when a later block did.
    """
    pos = 0
    last_done = -1
    if not done_clean:
        return 0
    for block in blocks:
        matched = 0
        for line in block.lines:
            if pos < len(done_clean) and done_clean[pos] == line:
                pos += 1
                matched += 1
        if matched:
            last_done = block.index
        if pos >= len(done_clean):
            return last_done + 1
        if block.index - last_done > 50:   # nothing matches: the file is from another stream
            raise SystemExit("existing output does not match this (files, split, seed): "
                             "use another --out or the same arguments")
    return last_done + 1


# --------------------------------------------------------------------------------------
# Rendering and OCR
# --------------------------------------------------------------------------------------

_FONT_FILES = {name: path for name, path, _ in FONTS}
# A font that is not installed (fonts-freefont-ttf, fonts-noto-core) is replaced by the
# installed one closest in design and metrics, so that a machine with only
# fonts-liberation2 and fonts-dejavu-core still renders every block of the same stream.
FONT_FALLBACK = {
    "FreeSerif": "LiberationSerif",        # both Times clones
    "NotoSerif": "DejaVuSerif",
    "NotoSans": "DejaVuSans",
    "FreeSans": "LiberationSans",          # both Helvetica clones
}
_warned_fonts: set = set()


def font_used(name: str) -> str:
    """The font that renders `name`: itself when installed, else its fallback (warned once)."""
    if os.path.exists(_FONT_FILES[name]) or name not in FONT_FALLBACK:
        return name
    alt = FONT_FALLBACK[name]
    if name not in _warned_fonts:
        _warned_fonts.add(name)
        print(f"[make_ocr_pairs] font {name} not installed ({_FONT_FILES[name]}): using {alt}",
              file=sys.stderr, flush=True)
    return alt


def render_block(block: Block, split_lines: bool = False):
    """Render the block's lines as a scanned page.

    Returns a list of greyscale images: the whole page, or (split_lines) one image per
    line, cut from the clean page at mid-leading before rotation, blur, noise and
    binarization are applied to each image.
    """
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

    p = block.params
    rng = random.Random(p["render_seed"])
    scale = int(p["supersample"])
    size = max(6, int(round(float(p["em_px"]) * scale)))
    font = ImageFont.truetype(_FONT_FILES[font_used(str(p["font"]))], size)
    ascent, descent = font.getmetrics()
    # column width: the width in pixels of `width` average characters of this block
    sample = " ".join(block.lines)
    avg = font.getlength(sample) / max(1, len(sample))
    col_w = int(avg * int(p["width"]))
    col_w = max(col_w, max(int(font.getlength(l)) for l in block.lines))
    line_h = max(int(size * float(p["line_gap"])), int(1.08 * (ascent + descent)))
    lead = line_h - (ascent + descent)          # white space between two lines
    margin = int(size * 1.2)
    W = col_w + 2 * margin
    H = line_h * len(block.lines) + 2 * margin
    img = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(img)
    ink = int(p["ink"])
    boxes = []
    space_w = font.getlength(" ")
    for i, line in enumerate(block.lines):
        y = margin + i * line_h                   # ascender line (Pillow's default anchor)
        x0 = margin + (rng.randint(0, size) if i == 0 or rng.random() < 0.1 else 0)
        words = line.split(" ")
        natural = font.getlength(line)
        free = col_w - (x0 - margin) - natural
        last = i == len(block.lines) - 1 or (i < len(block.ends) and block.ends[i])
        if p["justify"] and len(words) > 1 and not last and 0 < free < 0.25 * col_w:
            gap = space_w + free / (len(words) - 1)
            x = float(x0)
            for w in words:
                draw.text((x, y), w, font=font, fill=ink)
                x += font.getlength(w) + gap
            right = margin + col_w
        else:
            draw.text((x0, y), line, font=font, fill=ink)
            right = int(x0 + natural)
        boxes.append((max(0, x0 - margin // 2), y - lead // 2,
                      min(W, right + margin // 2), y + ascent + descent + lead // 2))
    # downscale: the scanner's resolution
    resample = Image.LANCZOS if rng.random() < 0.6 else Image.BILINEAR
    if split_lines:
        images = [img.crop(box) for box in boxes]
    else:
        images = [img]
    out = []
    for im in images:
        im = im.resize((max(1, im.width // scale), max(1, im.height // scale)), resample)
        if p["rotate"]:
            im = im.rotate(float(p["rotate"]), resample=Image.BICUBIC, expand=True, fillcolor=255)
        if p["blur"]:
            im = im.filter(ImageFilter.GaussianBlur(float(p["blur"])))
        paper = int(p["paper"])
        if p.get("uneven"):
            im = ImageChops.multiply(im, _illumination(im.size, paper, float(p["uneven"]), rng))
        elif paper < 255:
            im = im.point(lambda v: int(v * paper / 255))
        if p["noise"]:
            im = _add_noise(im, float(p["noise"]), rng)
        if p["binarize"]:
            thr = rng.randint(110, 170)
            im = im.point(lambda v: 255 if v > thr else 0)
        if p.get("jpeg"):
            im = _jpeg(im, int(p["jpeg"]))
        if p.get("augraphy"):
            im = _augraphy(im, int(p["render_seed"]))
        out.append(im)
    return out


def _add_noise(im, sigma: float, rng: random.Random):
    """`im` plus gaussian sensor noise of `sigma` grey levels, clipped to 0–255.

    Drawn from `rng` (Pillow's effect_noise has its own unseeded generator), so that a
    block renders to the same pixels every time and a set can be rebuilt exactly.
    """
    import numpy as np
    from PIL import Image

    gen = np.random.default_rng(rng.randrange(1 << 32))
    a = np.asarray(im, dtype=np.float32) + gen.normal(0.0, sigma, (im.height, im.width))
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")


def _illumination(size: Tuple[int, int], paper: int, uneven: float, rng: random.Random):
    """A smooth grey field for multiplying a page image: paper `paper` where it is
    brightest, down to `paper * (1 - uneven)` (uneven lighting, yellowed or grey paper).

    A 3x2 grid of random levels upsampled bilinearly (bicubic would overshoot below
    the darkest level): slow variation along the line, as a scanner lamp or a curled page
    gives, not speckle.
    """
    from PIL import Image

    small = Image.new("L", (3, 2))
    small.putdata([int(paper * (1.0 - uneven * rng.random())) for _ in range(6)])
    return small.resize(size, Image.BILINEAR)


def _jpeg(im, quality: int):
    """The image after a JPEG save and load at `quality` (blocking and ringing artefacts)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out.convert("L")


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def ocr_block(block: Block, mode: str = "lines", tmpdir: Optional[str] = None,
              lang: str = "eng", confidences: bool = False) -> List[Tuple[str, ...]]:
    """Render and OCR one block with Tesseract's `lang` model; return its (ocr, clean)
    pairs (empty list if rejected).  With `confidences`, Tesseract writes TSV and each
    pair gets a third item: the word confidences (0-100, rounded), space-separated, one
    per whitespace word of the OCR text (the `x_wconf` of its hOCR)."""
    config = ["tsv"] if confidences else []
    images = render_block(block, split_lines=(mode != "block"))
    own_tmp = tmpdir is None
    tmpdir = tmpdir or tempfile.mkdtemp(prefix="ocrpairs_")
    try:
        dpi = max(50, int(float(block.params["em_px"]) * 72 / 13))
        if mode == "block":
            path = os.path.join(tmpdir, "page.png")
            images[0].save(path, dpi=(dpi, dpi))
            out = subprocess.run(["tesseract", path, "-", "-l", lang, "--psm", "6", *config],
                                 capture_output=True, text=True, env=_env()).stdout
            if confidences:
                texts, confs = tsv_lines(out, by_page=False)
            else:
                texts = [t for t in out.split("\n") if t.strip()]
        else:
            paths = []
            for i, im in enumerate(images):
                path = os.path.join(tmpdir, f"l{i:02d}.png")
                im.save(path, dpi=(dpi, dpi))
                paths.append(path)
            lst = os.path.join(tmpdir, "list.txt")
            with open(lst, "w") as fh:
                fh.write("\n".join(paths) + "\n")
            out = subprocess.run(["tesseract", lst, "-", "-l", lang, "--psm", "7", *config],
                                 capture_output=True, text=True, env=_env()).stdout
            if confidences:
                texts, confs = tsv_lines(out, by_page=True, pages=len(paths))
            else:
                texts = out.split("\f")
                if texts and not texts[-1].strip():
                    texts.pop()
                texts = [" ".join(t.split()) for t in texts]
        if len(texts) != len(block.lines):
            return []
        pairs = []
        for k, (t, clean) in enumerate(zip(texts, block.lines)):
            t = clean_text(t.replace("\t", " "))
            if t:
                pairs.append((t, clean, " ".join(str(round(c)) for c in confs[k])) if confidences else (t, clean))
        return pairs
    finally:
        if own_tmp:
            shutil.rmtree(tmpdir, ignore_errors=True)


def tsv_lines(out: str, by_page: bool, pages: int = 0) -> Tuple[List[str], List[List[float]]]:
    """Tesseract's TSV output as text lines and their word confidences: by page (the
    list-file mode: one line image a page; `pages` of them, an empty page an empty line)
    or by (page, block, paragraph, line) in the order Tesseract read them (--psm 6).
    A word's text is NFC with whitespace removed (it never holds any; a word that is
    empty after that is dropped with its confidence)."""
    lines: Dict[Tuple[int, ...], Tuple[List[str], List[float]]] = {}
    for row in out.split("\n")[1:]:
        f = row.split("\t")
        if len(f) != 12 or f[0] != "5":
            continue
        word = "".join(unicodedata.normalize("NFC", f[11]).split())
        if not word:
            continue
        key = (int(f[1]),) if by_page else (int(f[1]), int(f[2]), int(f[3]), int(f[4]))
        words, confs = lines.setdefault(key, ([], []))
        words.append(word)
        confs.append(max(0.0, float(f[10])))
    keys = [(p,) for p in range(1, pages + 1)] if by_page else sorted(lines)
    return ([" ".join(lines.get(k, ([], []))[0]) for k in keys],
            [lines.get(k, ([], []))[1] for k in keys])


def _work(args) -> Tuple[Block, List[Tuple[str, ...]]]:
    block, mode, lang, confidences = args
    return block, ocr_block(block, mode, lang=lang, confidences=confidences)


def tesseract_langs() -> List[str]:
    """The language models the installed Tesseract has (`tesseract --list-langs`)."""
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return [ln.strip() for ln in out.splitlines()[1:] if ln.strip()]


def recipe_of(args) -> Dict[str, object]:
    """What decides the OCR column besides the clean text: kept next to the output, since
    the clean-text stream alone cannot tell an `eng` file from a `vie` one on resuming."""
    recipe = {"files": args.files, "split": args.split, "seed": args.seed, "scan": args.scan,
              "lang": args.lang, "start": args.start, "mode": args.mode}
    if getattr(args, "fonts", None):  # (absent from the recipes of files made before --fonts)
        recipe["fonts"] = args.fonts
    if getattr(args, "confidences", False):  # (and before --confidences)
        recipe["confidences"] = True
    return recipe


def check_recipe(out_path: str, recipe: Dict[str, object], n_have: int) -> None:
    """Refuse to append to pairs made with another recipe; record the recipe of a new file.

    A file older than the sidecar can only have been made with scan clean, lang eng,
    start 0: such a file is resumed with that recipe (and the sidecar written).
    """
    side = out_path + ".recipe.json"
    if os.path.exists(side):
        with open(side, encoding="utf-8") as fh:
            old = json.load(fh)
        if old != recipe:
            diff = ", ".join(f"{k}: {old.get(k)!r} there, {v!r} now"
                             for k, v in recipe.items() if old.get(k) != v)
            raise SystemExit(f"{out_path} was made with another recipe ({diff}): "
                             "use another --out or the same arguments")
        return
    if n_have and (recipe["scan"], recipe["lang"], recipe["start"]) != ("clean", "eng", 0.0):
        raise SystemExit(f"{out_path} has pairs but no {side}: it can only be resumed with "
                         "--scan clean --lang eng --start 0")
    tmp = side + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(recipe, fh, ensure_ascii=False, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, side)


def format_pairs(block: Block, pairs: Sequence[Tuple[str, ...]]) -> str:
    """TSV rows: ocr, clean, font, size, and the word confidences where pairs have them."""
    font = font_used(str(block.params["font"]))
    size = block.params["em_px"]
    return "".join("\t".join((o, c, font, str(size), *rest)) + "\n" for o, c, *rest in pairs)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpus_args(ap)
    ap.add_argument("--files", default=",".join(LEGAL_FILES),
                    help="comma-separated corpus files, each optionally name:weight")
    ap.add_argument("--split", choices=("train", "heldout"), default="train")
    ap.add_argument("--n-lines", type=int, default=1000, help="stop once the output holds N pairs")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--lang", choices=LANGS, default="eng",
                    help="Tesseract model: eng (drops most marks, the dev set's OCR; default) or "
                         "vie (keeps marks, often wrong ones; Debian tesseract-ocr-vie) or vie+eng (both)")
    ap.add_argument("--scan", choices=SCANS, default="clean",
                    help="degradation profile: clean (the training recipe; default), poor "
                         "(about 100-145 dpi, rotation 0.2-1 degree, blur, noise, JPEG "
                         "quality 30-60, grey unevenly lit paper) or augraphy (about 190-250 dpi "
                         "through augraphy's print-and-scan effects; --mode block; "
                         "pip install augraphy)")
    ap.add_argument("--start", type=float, default=0.0,
                    help="begin each corpus file's stream this far in (0-1): sets made with "
                         "different starts use different text (default 0)")
    ap.add_argument("--fonts", default=None,
                    help="font mix NAME[:WEIGHT],... of FONTS' names instead of the training "
                         "recipe's (a set in other fonts: LiberationSans:1,NotoSans:1)")
    ap.add_argument("--mode", choices=("lines", "block"), default="lines",
                    help="lines: one image per line, --psm 7 list file (default); "
                         "block: one image per block, --psm 6")
    ap.add_argument("--confidences", action="store_true",
                    help="a fifth column: Tesseract's word confidences (0-100), one per OCR word "
                         "(read from its TSV output)")
    args = ap.parse_args(argv)
    if shutil.which("tesseract") is None:
        raise SystemExit("tesseract not found: apt-get install tesseract-ocr")
    if args.scan == "augraphy" and args.mode != "block":
        raise SystemExit("--scan augraphy needs --mode block (its effects are drawn over whole pages)")
    for lang in args.lang.split("+"):
        if lang not in tesseract_langs():
            raise SystemExit(f"Tesseract has no '{lang}' model: apt-get install tesseract-ocr-{lang}")
    repo = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if os.path.realpath(args.out).startswith(repo + os.sep):
        raise SystemExit("--out must lie outside the repository (corpus text is not to be committed)")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    files = parse_files(args.files)
    fonts = parse_fonts(args.fonts) if args.fonts else None

    # one writer per output file: a second run on the same file would interleave blocks
    lock = open(args.out + ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise SystemExit(f"another make_ocr_pairs.py is writing {args.out} (lock {args.out}.lock)")
    done_clean = read_done(args.out)
    n_have = len(done_clean)
    check_recipe(args.out, recipe_of(args), n_have)

    def blocks():
        return iter_blocks(files, args.split, args.seed, args.corpus, args.n_lines,
                           scan=args.scan, start=args.start, fonts=fonts)

    skip = count_done(done_clean, blocks())
    del done_clean
    print(f"[make_ocr_pairs] {args.out}: {n_have} pairs present, resuming after block {skip}",
          file=sys.stderr, flush=True)
    if n_have >= args.n_lines:
        return

    def todo():
        for block in blocks():
            if block.index >= skip:
                yield block, args.mode, args.lang, args.confidences

    def cpu() -> float:   # this process and its finished children (tesseract, workers)
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    t0, c0 = time.time(), cpu()
    n_new = n_rejected = n_blocks = 0
    with open(args.out, "a", encoding="utf-8") as fh:
        if args.jobs > 1:
            import multiprocessing as mp
            pool = mp.Pool(args.jobs)
            results = pool.imap(_work, todo(), chunksize=1)
        else:
            pool = None
            results = map(_work, todo())
        try:
            for block, pairs in results:
                n_blocks += 1
                if not pairs:
                    n_rejected += 1
                fh.write(format_pairs(block, pairs))
                fh.flush()
                n_new += len(pairs)
                if n_blocks % 20 == 0:
                    dt = time.time() - t0
                    print(f"[make_ocr_pairs] block {block.index}: {n_have + n_new} pairs, "
                          f"{n_new / dt:.1f} lines/s, {n_new / max(cpu() - c0, 1e-9):.1f} lines "
                          f"per CPU-second, {n_rejected} blocks rejected",
                          file=sys.stderr, flush=True)
                if n_have + n_new >= args.n_lines:
                    break
        finally:
            if pool is not None:
                pool.terminate()
    dt = time.time() - t0
    print(f"[make_ocr_pairs] done: {n_have + n_new} pairs ({n_new} new in {dt:.0f} s, "
          f"{n_new / max(dt, 1e-9):.1f} lines/s, {n_new / max(cpu() - c0, 1e-9):.1f} lines per "
          f"CPU-second, {n_rejected}/{n_blocks} blocks rejected)",
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
