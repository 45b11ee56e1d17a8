"""scripts/make_ocr_pairs.py: line chopping, the block stream and resuming.

Only the rendering test needs tesseract (and Pillow); the rest is pure Python and runs
against a tiny corpus written to tmp_path.
"""
import lzma
import os
import random
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from scripts import make_ocr_pairs as mop  # noqa: E402

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


def _fake_ocr(block, mode="lines", tmpdir=None):
    # drop one line in three, as an empty OCR result would be
    return [(line.upper(), line) for i, line in enumerate(block.lines) if i % 3 != 1]


@pytest.fixture
def fake_tesseract(monkeypatch):
    monkeypatch.setattr(mop, "ocr_block", _fake_ocr)
    monkeypatch.setattr(mop.shutil, "which", lambda name: "/usr/bin/" + name)


def _run(corpus, out, n):
    mop.main(["--corpus", corpus, "--files", "legal_x:0.7,news_y:0.3", "--n-lines", str(n),
              "--seed", "5", "--out", str(out)])
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
