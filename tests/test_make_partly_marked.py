"""scripts/make_partly_marked.py: tone marks dropped, other marks kept, at given rates."""
import lzma
import os
import random
import unicodedata

import pytest

from scripts import make_partly_marked as mpm
from scripts.corpus import is_heldout
from vidiacritic.text import TONE_MARKS

LINE = ("Điều 5. Ủy ban nhân dân tỉnh được giao quản lý 1.250 tỷ đồng (Nghị định "
        "15/2023/NĐ-CP), bảo đảm đúng quy định; ngày 31/12/2024 báo cáo Thủ tướng.")


def _tones(text):
    return sum(c in TONE_MARKS for c in unicodedata.normalize("NFD", text))


def test_drop_tone_marks_keeps_the_other_marks():
    assert mpm.drop_tone_marks("đồng") == "đông"
    assert mpm.drop_tone_marks("được") == "đươc"
    assert mpm.drop_tone_marks("Điều") == "Điêu"
    assert mpm.drop_tone_marks("nghiệp") == "nghiêp"
    assert mpm.drop_tone_marks("ĐẶNG") == "ĐĂNG"
    assert mpm.drop_tone_marks("Ủy") == "Uy"
    assert mpm.drop_tone_marks("hỏi ngã") == "hoi nga"
    for w in ("đơn", "ưu", "cân", "êm", "ô", "ăn", "15/2023/NĐ-CP", "Zalo", "a)"):
        assert mpm.drop_tone_marks(w) == w


def test_rates_zero_and_one():
    rng = random.Random(0)
    assert mpm.partly_mark(LINE, 0.0, rng) == LINE
    full = mpm.partly_mark(LINE, 1.0, random.Random(0))
    assert _tones(full) == 0
    assert full == " ".join(mpm.drop_tone_marks(w) for w in LINE.split(" "))
    # numbers, codes, punctuation, spacing and the non-tone marks are all still there
    assert "15/2023/NĐ-CP)," in full and "31/12/2024" in full and "1.250" in full
    assert full.count("đ") == LINE.count("đ") and full.count("ư") == LINE.count("ư")


def test_rate_is_the_share_of_toned_words_and_deterministic():
    words = LINE.split(" ") * 200
    text = " ".join(words)
    toned = sum(mpm.has_tone(w) for w in words)
    for rate in (0.3, 0.6):
        out = mpm.partly_mark(text, rate, random.Random(7))
        assert out == mpm.partly_mark(text, rate, random.Random(7))
        assert out != mpm.partly_mark(text, rate, random.Random(8))
        dropped = sum(a != b for a, b in zip(out.split(" "), words))
        assert abs(dropped / toned - rate) < 0.05
        # a word is either as it was or toneless, never otherwise changed
        for a, b in zip(out.split(" "), words):
            assert a == b or a == mpm.drop_tone_marks(b)


def test_parse_rates():
    assert mpm.parse_rates("0.3,0.6,1") == [0.3, 0.6, 1.0]
    for bad in ("", "1.5", "-0.1,0.2"):
        with pytest.raises(SystemExit):
            mpm.parse_rates(bad)


def _corpus(tmp_path, n_heldout=40):
    """Two corpus files with n_heldout held-out lines each (and many training lines)."""
    rng = random.Random(3)
    words = LINE.replace(";", "").split()
    for name in ("legal_x", "news_y"):
        held = i = 0
        with lzma.open(tmp_path / f"{name}.txt.xz", "wt", encoding="utf-8") as fh:
            while held < n_heldout:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(5, 25))) + f" {name} {i}."
                held += is_heldout(line)
                fh.write(line + "\n")
                i += 1
    return str(tmp_path)


def _heldout_paragraphs(corpus):
    out = []
    for name in ("legal_x", "news_y"):
        with lzma.open(os.path.join(corpus, name + ".txt.xz"), "rt", encoding="utf-8") as fh:
            out += [l.rstrip("\n") for l in fh if is_heldout(l.rstrip("\n"))]
    return out


def test_main_writes_heldout_pairs_at_mixed_rates(tmp_path):
    (tmp_path / "c").mkdir()
    corpus = _corpus(tmp_path / "c")
    out = tmp_path / "partly.tsv"
    args = ["--corpus", corpus, "--files", "legal_x:0.6,news_y:0.4", "--n-lines", "30",
            "--seed", "4", "--rates", "0.3,1.0", "--out", str(out)]
    mpm.main(args)
    rows = [l.split("\t") for l in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 30 and all(len(r) == 3 for r in rows)
    assert [float(r[2]) for r in rows[:4]] == [0.3, 1.0, 0.3, 1.0]
    held = _heldout_paragraphs(corpus)
    for noisy, clean, rate in rows:
        assert any(clean in p for p in held)             # held-out text only
        assert _tones(clean) > 0
        assert mpm.drop_tone_marks(noisy) == mpm.drop_tone_marks(clean)
        if rate == "1.0":
            assert _tones(noisy) == 0
    assert any(r[0] != r[1] for r in rows if r[2] == "0.3")
    first = out.read_text(encoding="utf-8")
    mpm.main(args)
    assert out.read_text(encoding="utf-8") == first     # deterministic
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]

    later = tmp_path / "later.tsv"
    mpm.main(args[:-1] + [str(later), "--start", "0.5", "--n-lines", "10"])
    later_clean = {l.split("\t")[1] for l in later.read_text(encoding="utf-8").splitlines()}
    assert later_clean and not later_clean & {r[1] for r in rows[:10]}


def test_main_refuses_bad_arguments(tmp_path):
    corpus = _corpus(tmp_path, n_heldout=3)
    inside = os.path.join(os.path.dirname(__file__), "..", "partly.tsv")
    with pytest.raises(SystemExit):
        mpm.main(["--corpus", corpus, "--files", "legal_x", "--out", inside])
    assert not os.path.exists(inside)
    with pytest.raises(SystemExit, match="not found"):
        mpm.main(["--corpus", corpus, "--files", "nothing_here", "--out", str(tmp_path / "o.tsv")])
    with pytest.raises(SystemExit):
        mpm.main(["--corpus", corpus, "--files", "legal_x", "--start", "1.2",
                  "--out", str(tmp_path / "o.tsv")])
