"""scripts/make_ocr_pairs.py: line chopping, the block stream and resuming.

Only the rendering test needs tesseract (and Pillow); the rest is pure Python and runs
against a tiny corpus written to tmp_path.
"""
import json
import lzma
import os
import random
import shutil

import pytest

from scripts import make_ocr_pairs as mop

PARA = ("Ủy ban nhân dân tỉnh chịu trách nhiệm tổ chức thực hiện Nghị định số "
        "15/2023/NĐ-CP, bảo đảm đúng quy định của pháp luật về ngân sách nhà nước; "
        "báo cáo kết quả thực hiện trước ngày 31/12/2024.")


def test_chop_keeps_words_punctuation_and_case():
    for width in (40, 55, 75):
        pieces = mop.chop_paragraph(PARA, width)
        assert all(len(p) <= width for p in pieces)
        assert " ".join(pieces) == PARA          # word boundaries, nothing lost or changed
        assert all(p == p.strip() and "  " not in p for p in pieces)


def test_chop_drops_a_short_tail_but_keeps_a_short_paragraph():
    assert mop.chop_paragraph("Điều 1. Phạm vi điều chỉnh của Luật này", 18) == \
        ["Điều 1. Phạm vi", "điều chỉnh của"]                # tail "Luật này" dropped
    assert mop.chop_paragraph("Điều 1. Phạm vi điều chỉnh của Luật này", 18, min_last=5) == \
        ["Điều 1. Phạm vi", "điều chỉnh của", "Luật này"]
    assert mop.chop_paragraph("Điều 3.", 60) == ["Điều 3."]
    assert mop.chop_paragraph("a\tb  c\n", 60) == ["a b c"]


def test_piece_filter():
    assert mop.piece_ok("Điều 5. Đối tượng tham gia bảo hiểm y tế", 60)
    assert not mop.piece_ok("数据 dữ liệu mới", 60)          # glyphs outside the fonts
    assert not mop.piece_ok("1.2.3", 60)                      # no words
    assert not mop.piece_ok("x" * 90, 60)                     # a URL-like monster


def test_parse_files():
    assert mop.parse_files("a:0.7, b,c:2") == [("a", 0.7), ("b", 1.0), ("c", 2.0)]


def _corpus(tmp_path):
    rng = random.Random(0)
    words = PARA.replace(",", "").replace(";", "").split()
    for name in ("legal_x", "news_y"):
        with lzma.open(tmp_path / f"{name}.txt.xz", "wt", encoding="utf-8") as fh:
            for i in range(400):
                fh.write(" ".join(rng.choice(words) for _ in range(rng.randint(3, 40))) + f" {name} {i}.\n")
    return str(tmp_path)


def test_block_stream_is_deterministic(tmp_path):
    corpus = _corpus(tmp_path)
    files = mop.parse_files("legal_x:0.7,news_y:0.3")

    def take(seed):
        it = mop.iter_blocks(files, "train", seed, corpus, 300)
        return [(b.source, b.lines, b.params) for b in (next(it) for _ in range(8))]

    assert take(1) == take(1)
    assert take(1) != take(2)
    blocks = take(1)
    assert all(mop.LINES_PER_BLOCK[0] <= len(lines) <= mop.LINES_PER_BLOCK[1]
               for _, lines, _ in blocks)


def _fake_ocr(block, mode="lines", tmpdir=None, lang="eng", confidences=False):
    # drop one line in three, as an empty OCR result would be
    pairs = [(line.upper(), line) for i, line in enumerate(block.lines) if i % 3 != 1]
    if confidences:
        return [(o, c, " ".join("90" for _ in o.split())) for o, c in pairs]
    return pairs


@pytest.fixture
def fake_tesseract(monkeypatch):
    monkeypatch.setattr(mop, "ocr_block", _fake_ocr)
    monkeypatch.setattr(mop.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(mop, "tesseract_langs", lambda: ["eng", "osd", "vie"])


def _run(corpus, out, n, *extra):
    mop.main(["--corpus", corpus, "--files", "legal_x:0.7,news_y:0.3", "--n-lines", str(n),
              "--seed", "5", "--out", str(out), *extra])
    with open(out, encoding="utf-8") as fh:
        return fh.read().splitlines()


def test_resume_appends_without_duplicates(tmp_path, fake_tesseract):
    (tmp_path / "c").mkdir()
    corpus = _corpus(tmp_path / "c")
    full = _run(corpus, tmp_path / "full.tsv", 120)
    assert len(full) >= 120
    assert all(len(row.split("\t")) == 4 for row in full)

    # stopped early, then continued: the same file as one uninterrupted run
    part = tmp_path / "part.tsv"
    _run(corpus, part, 50)
    assert _run(corpus, part, 120) == full

    # killed in the middle of writing a line: the broken line is cut, no pair repeats,
    # and at most the block being written loses lines
    killed = tmp_path / "killed.tsv"
    text = "\n".join(full[:57]) + "\n" + full[57][:10]
    killed.write_text(text, encoding="utf-8")
    resumed = _run(corpus, killed, 120)
    assert len(resumed) >= 120
    assert len(set(resumed)) == len(resumed)
    assert resumed[:57] == full[:57]
    assert set(resumed) <= set(full)

    # a run with the right arguments on a finished file does nothing
    assert _run(corpus, part, 100) == full


def test_resume_refuses_foreign_output(tmp_path, fake_tesseract):
    corpus = _corpus(tmp_path)
    out = tmp_path / "other.tsv"
    out.write_text("".join(f"x\tnot from this stream {i}\tF\t20\n" for i in range(5)), encoding="utf-8")
    with pytest.raises(SystemExit):
        _run(corpus, out, 50)


def test_render_and_ocr_one_block():
    pytest.importorskip("PIL")
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed")
    lines = mop.chop_paragraph(PARA, 60)
    block = mop.Block(0, "test", lines, mop._draw_params(random.Random(3)), [False] * len(lines))
    block.params.update(font="LiberationSerif", width=60, em_px=26.0, rotate=0.0, noise=0.0,
                        binarize=False, blur=0.0)
    pairs = mop.ocr_block(block)
    assert [c for _, c in pairs] == lines
    # the English model drops most marks but keeps the digits and the words' shape
    assert "15/2023" in pairs[0][0] + pairs[1][0]
    assert all("\t" not in o for o, _ in pairs)


def test_second_writer_is_refused(tmp_path, fake_tesseract):
    import fcntl
    corpus = _corpus(tmp_path)
    out = tmp_path / "locked.tsv"
    with open(str(out) + ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SystemExit):
            _run(corpus, out, 50)


# --------------------------------------------------------------------------------------
# Development sets of issue 9: --scan poor, --lang vie, --start
# --------------------------------------------------------------------------------------

def test_poor_scan_recipe_is_always_degraded_and_within_its_ranges():
    for seed in range(300):
        p = mop.draw_params(random.Random(seed), "poor")
        assert mop.POOR_EM_PX_RANGE[0] <= p["em_px"] <= mop.POOR_EM_PX_RANGE[1]
        assert 0.2 <= abs(p["rotate"]) <= mop.POOR_ROTATE_DEG
        assert mop.POOR_BLUR_RANGE[0] <= p["blur"] <= mop.POOR_BLUR_RANGE[1]
        assert mop.POOR_NOISE_SIGMA[0] <= p["noise"] <= mop.POOR_NOISE_SIGMA[1]
        assert mop.POOR_JPEG_QUALITY[0] <= p["jpeg"] <= mop.POOR_JPEG_QUALITY[1]
        assert mop.POOR_UNEVEN[0] <= p["uneven"] <= mop.POOR_UNEVEN[1]
        assert p["font"] in mop._FONT_FILES
    fonts = {mop.draw_params(random.Random(s), "poor")["font"] for s in range(300)}
    assert {"LiberationSerif", "DejaVuSerif"} <= fonts        # Times metric and a wide serif
    with pytest.raises(ValueError):
        mop.draw_params(random.Random(0), "fax")


def test_clean_recipe_draws_what_it_drew_before():
    # the default profile must not move: resumed training files and the seed-101 held-out
    # pairs are matched against the stream; these are the keys the old recipe had
    p = mop.draw_params(random.Random(4), "clean")
    assert "jpeg" not in p and "uneven" not in p
    assert p == mop._draw_params(random.Random(4))


def _corpus_with_heldout(tmp_path, n_heldout=60):
    """Two files whose held-out split (scripts/corpus.is_heldout) has n_heldout lines each."""
    from scripts.corpus import is_heldout
    rng = random.Random(1)
    words = PARA.replace(",", "").replace(";", "").split()
    for name in ("legal_x", "news_y"):
        held = 0
        i = 0
        with lzma.open(tmp_path / f"{name}.txt.xz", "wt", encoding="utf-8") as fh:
            while held < n_heldout:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 30))) + f" {name} {i}."
                held += is_heldout(line)
                fh.write(line + "\n")
                i += 1
    return str(tmp_path)


def test_start_gives_other_text_deterministically(tmp_path):
    corpus = _corpus_with_heldout(tmp_path)
    files = mop.parse_files("legal_x,news_y")

    def lines(start, n_blocks=3):
        it = mop.iter_blocks(files, "heldout", 3, corpus, 100, scan="poor", start=start)
        return [l for b in (next(it) for _ in range(n_blocks)) for l in b.lines]

    first, later = lines(0.0), lines(0.6)
    assert later == lines(0.6)
    assert not set(first) & set(later)
    # the text does not depend on the scan profile, only the rendering does
    it = mop.iter_blocks(files, "heldout", 3, corpus, 100, scan="clean", start=0.6)
    assert [l for b in (next(it) for _ in range(3)) for l in b.lines] == later
    with pytest.raises(SystemExit):
        next(mop.iter_blocks(files, "heldout", 3, corpus, 100, start=1.0))


def test_poor_render_is_grey_uneven_and_deterministic():
    pytest.importorskip("PIL")
    lines = mop.chop_paragraph(PARA, 60)[:2]
    params = mop.draw_params(random.Random(11), "poor")
    params.update(font="LiberationSerif", width=60, binarize=False, uneven=0.25, paper=230)
    block = mop.Block(0, "test", lines, params, [False] * len(lines))
    images = mop.render_block(block, split_lines=True)
    assert len(images) == 2
    again = mop.render_block(block, split_lines=True)
    assert [im.tobytes() for im in images] == [im.tobytes() for im in again]
    clean = dict(params, uneven=0.0, jpeg=0, noise=0.0, blur=0.0, rotate=0.0, paper=255)
    plain = mop.render_block(mop.Block(0, "test", lines, clean, [False, False]), split_lines=True)
    for im, ref in zip(images, plain):
        assert im.mode == "L"
        hist = im.histogram()
        assert sum(hist[250:]) < 0.01 * sum(hist)           # no white paper left
        assert ref.histogram()[255] > 0.5 * sum(ref.histogram())
        # line height follows the em size (low resolution: few pixels per line)
        assert params["em_px"] <= im.height <= 4 * params["em_px"]


def test_illumination_and_jpeg():
    pytest.importorskip("PIL")
    from PIL import Image
    field = mop._illumination((200, 40), 230, 0.2, random.Random(2))
    lo, hi = field.getextrema()
    assert 230 * 0.8 - 2 <= lo < hi <= 230      # uneven, never brighter than the paper
    im = Image.new("L", (64, 32), 255)
    im.paste(0, (10, 10, 40, 20))
    out = mop._jpeg(im, 30)
    assert out.size == im.size and out.mode == "L"
    assert out.tobytes() != im.tobytes()          # ringing around the edges of the ink
    assert mop._jpeg(im, 30).tobytes() == out.tobytes()


def test_missing_font_falls_back(monkeypatch, tmp_path):
    monkeypatch.setitem(mop._FONT_FILES, "NotoSerif", str(tmp_path / "none.ttf"))
    assert mop.font_used("NotoSerif") == "DejaVuSerif"
    real = tmp_path / "real.ttf"
    real.write_bytes(b"")
    monkeypatch.setitem(mop._FONT_FILES, "NotoSerif", str(real))
    assert mop.font_used("NotoSerif") == "NotoSerif"


def test_ocr_block_asks_for_the_language(monkeypatch):
    pytest.importorskip("PIL")
    calls = []

    class Done:
        def __init__(self, stdout):
            self.stdout = stdout

    def fake_run(cmd, **kw):
        calls.append(cmd)
        return Done("một\f hai \f")

    monkeypatch.setattr(mop.subprocess, "run", fake_run)
    lines = ["Điều 1. Phạm vi", "điều chỉnh của"]
    block = mop.Block(0, "t", lines, mop.draw_params(random.Random(1), "poor"), [False, False])
    block.params.update(font="LiberationSerif", width=20)
    assert mop.ocr_block(block, lang="vie") == [("một", lines[0]), ("hai", lines[1])]
    assert calls[-1][calls[-1].index("-l") + 1] == "vie"
    mop.ocr_block(block)
    assert calls[-1][calls[-1].index("-l") + 1] == "eng"


def test_recipe_is_kept_and_another_refused(tmp_path, fake_tesseract, monkeypatch):
    corpus = _corpus(tmp_path)
    out = tmp_path / "vie.tsv"
    first = _run(corpus, out, 40, "--lang", "vie", "--scan", "poor")
    assert len(first) >= 40
    with pytest.raises(SystemExit):                       # same text stream, other OCR
        _run(corpus, out, 80, "--lang", "eng", "--scan", "poor")
    with pytest.raises(SystemExit):
        _run(corpus, out, 80, "--lang", "vie")
    assert _run(corpus, out, 80, "--lang", "vie", "--scan", "poor")[:len(first)] == first
    # a file from before the recipe sidecar resumes only with the old defaults
    old = tmp_path / "old.tsv"
    _run(corpus, old, 30)
    os.remove(str(old) + ".recipe.json")
    with pytest.raises(SystemExit):
        _run(corpus, old, 60, "--lang", "vie")
    assert len(_run(corpus, old, 60)) >= 60
    monkeypatch.setattr(mop, "tesseract_langs", lambda: ["eng"])
    with pytest.raises(SystemExit, match="tesseract-ocr-vie"):
        _run(corpus, tmp_path / "new.tsv", 30, "--lang", "vie")


def test_vie_model_reads_marks():
    pytest.importorskip("PIL")
    if shutil.which("tesseract") is None or "vie" not in mop.tesseract_langs():
        pytest.skip("tesseract-ocr-vie not installed")
    lines = mop.chop_paragraph(PARA, 60)[:2]
    params = mop.draw_params(random.Random(5), "poor")
    params.update(font="LiberationSerif", width=60, em_px=24.0, blur=0.5, noise=6.0,
                  binarize=False, jpeg=60)
    block = mop.Block(0, "test", lines, params, [False, False])
    pairs = mop.ocr_block(block, lang="vie")
    assert [c for _, c in pairs] == lines
    ocr = " ".join(o for o, _ in pairs)
    # unlike the English model, the Vietnamese one keeps (mostly right) tone marks
    from vidiacritic.text import TONE_MARKS
    import unicodedata
    toned = sum(any(c in TONE_MARKS for c in unicodedata.normalize("NFD", w)) for w in ocr.split())
    assert toned >= 0.5 * sum(any(c in TONE_MARKS for c in unicodedata.normalize("NFD", w))
                              for w in " ".join(lines).split())


@pytest.mark.parametrize("scan", ["clean", "poor"])
def test_a_font_mix_changes_only_the_font(scan):
    """--fonts (a set in other fonts than the training recipe's): every block's other
    rendering parameters are those of the default mix, so the two sets differ by font."""
    mix = mop.parse_fonts("LiberationSans:2,NotoSans")
    assert mix == [("LiberationSans", 2.0), ("NotoSans", 1.0)]
    for seed in range(50):
        default = mop.draw_params(random.Random(seed), scan)
        other = mop.draw_params(random.Random(seed), scan, mix)
        assert other["font"] in ("LiberationSans", "NotoSans")
        assert {k: v for k, v in other.items() if k != "font"} == {k: v for k, v in default.items() if k != "font"}


@pytest.mark.parametrize("spec", ["Comic:1", "LiberationSans:0", "LiberationSans:-1", ""])
def test_a_bad_font_mix_is_refused(spec):
    with pytest.raises(SystemExit):
        mop.parse_fonts(spec)


def test_the_font_mix_is_part_of_the_recipe():
    import argparse
    args = argparse.Namespace(files="legal_x", split="heldout", seed=1, scan="clean", lang="eng",
                              start=0.0, mode="lines", fonts=None)
    assert "fonts" not in mop.recipe_of(args)  # (files made before --fonts resume as before)
    args.fonts = "NotoSerif"
    assert mop.recipe_of(args)["fonts"] == "NotoSerif"


def test_confidences_column(tmp_path, fake_tesseract):
    (tmp_path / "c").mkdir()
    corpus = _corpus(tmp_path / "c")
    rows = [r.split("\t") for r in _run(corpus, tmp_path / "conf.tsv", 30, "--confidences")]
    assert rows and all(len(r) == 5 and len(r[4].split()) == len(r[0].split()) for r in rows)
    with open(str(tmp_path / "conf.tsv") + ".recipe.json", encoding="utf-8") as fh:
        assert json.load(fh)["confidences"] is True


TSV = "\n".join(["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
                 "1\t1\t0\t0\t0\t0\t0\t0\t9\t9\t-1\t",
                 "5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t93.3\tĐiều",
                 "5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t70.5\tthi",
                 "5\t1\t1\t1\t1\t3\t0\t0\t9\t9\t95\t ",
                 "5\t3\t1\t1\t1\t1\t0\t0\t9\t9\t-1\tcơ",
                 "5\t3\t1\t1\t2\t1\t0\t0\t9\t9\t88\tquan", ""])


def test_tsv_lines_by_page_and_by_line():
    texts, confs = mop.tsv_lines(TSV, by_page=True, pages=3)
    assert texts == ["Điều thi", "", "cơ quan"]  # (page 2 read nothing; a blank word is dropped)
    assert confs == [[93.3, 70.5], [], [0.0, 88.0]]  # (Tesseract's -1: none, read as 0)
    texts, confs = mop.tsv_lines(TSV, by_page=False)
    assert texts == ["Điều thi", "cơ", "quan"] and confs[2] == [88.0]


# --------------------------------------------------------------------------------------
# Recipes outside the training mix (session 23): --lang vie+eng, --scan augraphy
# --------------------------------------------------------------------------------------

def test_both_models_at_once(tmp_path, fake_tesseract, monkeypatch):
    """--lang vie+eng reads with Tesseract's two models together; each must be installed."""
    corpus = _corpus(tmp_path)
    assert len(_run(corpus, tmp_path / "ve.tsv", 30, "--lang", "vie+eng", "--scan", "poor")) >= 30
    assert json.load(open(str(tmp_path / "ve.tsv") + ".recipe.json"))["lang"] == "vie+eng"
    monkeypatch.setattr(mop, "tesseract_langs", lambda: ["eng", "osd"])
    with pytest.raises(SystemExit, match="tesseract-ocr-vie"):
        _run(corpus, tmp_path / "ve2.tsv", 30, "--lang", "vie+eng")
    with pytest.raises(SystemExit):
        _run(corpus, tmp_path / "ve3.tsv", 30, "--lang", "eng+vie")  # (not a choice: one order, one recipe)


def test_augraphy_recipe_leaves_every_degradation_to_augraphy(tmp_path, fake_tesseract):
    for seed in range(100):
        p = mop.draw_params(random.Random(seed), "augraphy")
        assert p["augraphy"] and mop.AUG_EM_PX_RANGE[0] <= p["em_px"] <= mop.AUG_EM_PX_RANGE[1]
        assert (p["blur"], p["noise"], p["rotate"], p["binarize"], p["paper"]) == (0.0, 0.0, 0.0, False, 255)
        assert "jpeg" not in p and "uneven" not in p
    # its effects are drawn over a whole page: lines are not cut from it
    with pytest.raises(SystemExit, match="--mode block"):
        _run(_corpus(tmp_path), tmp_path / "aug.tsv", 30, "--scan", "augraphy")


def test_augraphy_page_is_degraded_and_fetches_nothing(monkeypatch, tmp_path):
    """The pipeline runs offline (augraphy's Scribbles and BindingsAndFasteners download
    fonts and images; they are not in it), degrades the page, gives the same page for
    the same seed and writes nothing where it runs (augraphy caches pages in the working
    directory)."""
    pytest.importorskip("PIL")
    pytest.importorskip("augraphy")
    import socket

    import numpy as np

    def no_network(*a, **k):
        raise AssertionError("the augraphy profile tried to reach the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    names = {type(a).__name__ for phase in ("ink_phase", "paper_phase", "post_phase")
             for a in getattr(mop.augraphy_pipeline(), phase).augmentations}
    assert names and not names & {"Scribbles", "BindingsAndFasteners"}
    lines = mop.chop_paragraph(PARA, 60)[:3]
    params = mop.draw_params(random.Random(2), "augraphy")
    params.update(font="LiberationSerif", width=60)
    block = mop.Block(0, "test", lines, params, [False] * len(lines))
    params["augraphy"] = False
    clean = np.asarray(mop.render_block(block)[0], dtype=np.int16)
    params["augraphy"] = True
    monkeypatch.chdir(tmp_path)
    page = np.asarray(mop.render_block(block)[0], dtype=np.int16)
    assert page.shape == clean.shape and np.abs(page - clean).mean() > 1.0
    assert np.array_equal(page, np.asarray(mop.render_block(block)[0], dtype=np.int16))
    assert not any(tmp_path.iterdir())
