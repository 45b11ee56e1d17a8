"""The scorer's training-pair builder (scripts/seq2seq/pairs_dataset.py): the marks-channel
noise, the tone-dropping kind, and the Arrow dataset it writes."""
import os
import random
import unicodedata

import pytest

from scripts.seq2seq import pairs_dataset as PD  # noqa: E402
from vidiacritic.marks import MarksChannel, letters_and_tone  # noqa: E402
from vidiacritic.text import TONE_MARKS  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
LINES = [
    "Ủy ban nhân dân tỉnh có trách nhiệm hướng dẫn thi hành Nghị định này.",
    "Người lao động được hưởng chế độ bảo hiểm xã hội theo quy định của pháp luật.",
    "Thông tư này có hiệu lực thi hành kể từ ngày 15/3/2024.",
]


@pytest.fixture(scope="module")
def marks():
    return PD.MarksNoise(MarksChannel.load(os.path.join(ROOT, "models", "marks.json")))


def test_marks_noise_word_is_a_different_single_word(marks):
    rng = random.Random(3)
    for w in ("trình", "nhằm", "Được", "QUẢN", "về"):
        for _ in range(30):
            obs = marks.word(w, rng)
            assert obs != w and obs.isalpha() and " " not in obs
            assert unicodedata.is_normalized("NFC", obs)
            assert obs.isupper() == w.isupper()  # casing follows the clean word
            assert obs[0].isupper() == w[0].isupper()


def test_marks_noise_mostly_changes_tones_like_tesseract_vie(marks):
    """The channel fitted on real -l vie pairs errs mostly in the tone or one letter:
    most sampled readings keep the word's length within one letter."""
    rng = random.Random(5)
    obs = [marks.word("nhằm", rng) for _ in range(400)]
    near = sum(abs(len(o) - 4) <= 1 for o in obs)
    tone_only = sum(letters_and_tone(o)[0] == "nhăm" for o in obs)
    assert near / len(obs) > 0.8
    assert tone_only > 40  # tone confusions are a large share of the channel's errors


def test_marks_line_keeps_non_words_and_word_count(marks):
    rng = random.Random(7)
    for line in LINES:
        noisy = marks.line(line, 0.5, rng)
        assert PD.aligned(noisy, line)
        assert "15/3/2024." in noisy if "15/3/2024." in line else True
        assert noisy.split(" ")[-1][-1] == line.split(" ")[-1][-1]  # punctuation kept


def test_marks_line_rate_zero_is_identity(marks):
    rng = random.Random(1)
    assert [marks.line(x, 0.0, rng) for x in LINES] == LINES


def test_drop_tones_keeps_quality_marks():
    rng = random.Random(2)
    out = PD.drop_tones(LINES[1], 1.0, rng)
    assert not any(c in TONE_MARKS for c in unicodedata.normalize("NFD", out))
    assert "Ngươi" in out and "đông" in out and "đươc" in out  # ơ, ô, đ stay
    assert PD.drop_tones(LINES[1], 0.0, rng) == LINES[1]


def test_real_pairs_are_filtered_to_aligned_rows(tmp_path):
    p = tmp_path / "pairs_train.tsv"
    p.write_text("Uy ban nhan dan\tỦy ban nhân dân\tFont\t20\n"
                 "Uyban nhan dan\tỦy ban nhân dân\tFont\t20\n"  # merged word: dropped
                 "\tempty\n", encoding="utf-8")
    rows = list(PD.read_real("eng", str(p)))
    assert [r["noisy"] for r in rows] == ["Uy ban nhan dan"]
    assert rows[0]["kind"] == "real-eng"


def test_heldout_and_dev_files_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        PD.refuse_heldout(str(tmp_path / "poor_vie_heldout.tsv"))
    with pytest.raises(SystemExit):
        PD.refuse_heldout("/work/shared/dev/seed_ocr.txt")
    PD.refuse_heldout(str(tmp_path / "marks_poor_vie_train.tsv"))  # no error


def test_builds_a_memory_mapped_dataset(tmp_path):
    datasets = pytest.importorskip("datasets")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    import lzma
    for name in PD.LEGAL + PD.GENERAL:
        with lzma.open(corpus / f"{name}.txt.xz", "wt", encoding="utf-8") as fh:
            fh.write("\n".join(LINES * 20) + "\n")
    real = tmp_path / "x_train.tsv"
    real.write_text("Uy ban nhan dan\tỦy ban nhân dân\n", encoding="utf-8")
    out = tmp_path / "ds"
    assert PD.main(["--corpus", str(corpus), "--out", str(out), "--synthetic", "60",
                    "--every", "1", "--real", f"eng={real}"]) == 0
    ds = datasets.load_from_disk(str(out))
    assert ds.cache_files  # Arrow file on disk, memory-mapped
    assert set(ds.column_names) == {"noisy", "clean", "kind", "source"}
    kinds = set(ds["kind"])
    assert "real-eng" in kinds and kinds - {"real-eng"} <= set(PD.SYNTH_MIX)
    assert all(PD.aligned(n, c) for n, c in zip(ds["noisy"], ds["clean"]))
    assert all(c.upper() in {x.upper() for x in LINES} or c.upper() in " ".join(LINES).upper()
               for c in ds["clean"] if not c.startswith("Ủy ban nhân dân"))
