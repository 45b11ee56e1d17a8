"""Seq2seq model: noise channel (pure Python) and a tiny training run (torch, if present)."""
import os
import random

import numpy as np
import pytest


from scripts.seq2seq.noise import (CharNoise, align_counts, noise_stats,
                                     partial_strip, strip_line)
from vidiacritic.text import strip_diacritics

SENTS = [
    "Ủy ban nhân dân tỉnh có trách nhiệm hướng dẫn thi hành Nghị định này.",
    "Bộ trưởng Bộ Tài chính quy định chi tiết việc quản lý thuế đối với doanh nghiệp.",
    "Người lao động được hưởng chế độ bảo hiểm xã hội theo quy định của pháp luật.",
    "Hội đồng nhân dân các cấp thực hiện chức năng giám sát việc thi hành Hiến pháp.",
    "Mặt trận Tổ quốc Việt Nam tổ chức hội nghị tổng kết công tác năm 2023.",
    "Cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.",
    "Thông tư này có hiệu lực thi hành kể từ ngày ký ban hành.",
    "Điều kiện kinh doanh dịch vụ kế toán được quy định tại Luật Kế toán.",
]


def test_noise_channel_shapes():
    rng = random.Random(0)
    cn = CharNoise.default()
    for s in SENTS:
        n = cn.line(s, rng, level=1.0)
        assert abs(len(n.split()) - len(s.split())) <= 2
        # nothing marked survives except the Latin-1 look-alikes Tesseract knows
        assert strip_line(s) == strip_diacritics(s)
        p = partial_strip(s, rng, p=1.0)
        assert strip_diacritics(p) == strip_diacritics(s)
    again = CharNoise.from_json(cn.to_json())
    assert again.line(SENTS[0], random.Random(3)) == cn.line(SENTS[0], random.Random(3))


def test_noise_fit_and_stats():
    rng = random.Random(1)
    cn = CharNoise.default()
    pairs = [(cn.line(s, rng, 1.5), s) for s in SENTS * 30]
    counts, plain = align_counts(pairs)
    assert counts["ế"]["é"] > 0 and plain["words"] > 0
    fitted = CharNoise.fit(pairs)
    assert set(fitted.table) == set(cn.table)
    st = noise_stats([p[0] for p in pairs], [p[1] for p in pairs])
    assert 0 < st["wrong_base"] < 1 and st["marked_kept"] < 0.2
    assert noise_stats(SENTS, SENTS)["exact"] == 1.0


def test_pair_stream_trains_a_tiny_bart(tmp_path):
    """The shared pair stream's batches (scripts/seq2seq/data.py) teach a tiny BART."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    spm = pytest.importorskip("sentencepiece")
    from scripts.seq2seq import data as T
    from scripts.seq2seq.train_scorer import PRESETS

    rng = random.Random(0)
    cn = CharNoise.default()
    txt = tmp_path / "tok.txt"
    with open(txt, "w", encoding="utf-8") as fh:
        for _ in range(20):
            for s in SENTS:
                fh.write(s + "\n" + strip_line(s) + "\n" + cn.line(s, rng) + "\n")
    spm.SentencePieceTrainer.train(
        input=str(txt), model_prefix=str(tmp_path / "spm"), vocab_size=700, hard_vocab_limit=False,
        model_type="unigram", character_coverage=1.0, byte_fallback=True,
        split_digits=True, normalization_rule_name="identity", pad_id=0, unk_id=1,
        bos_id=2, eos_id=3, minloglevel=2)
    sp_path = str(tmp_path / "spm.model")
    sp = spm.SentencePieceProcessor(model_file=sp_path)
    torch.manual_seed(0)
    ds = T.PairStream(SENTS, SENTS[:2], [], sp_path, cn.to_json(), "pretrain",
                      max_len=64, max_tokens=400, seed=0, pool_batches=4)
    it = iter(ds)
    model = T.build_model(sp.get_piece_size(), "tiny", max_pos=128, dropout=0.0, presets=PRESETS)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    batches = [next(it) for _ in range(4)]
    losses = []
    for step in range(30):
        inp, att, lab = batches[step % len(batches)]
        loss = model(input_ids=inp, attention_mask=att, labels=lab).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert sum(losses[-4:]) / 4 < 0.7 * sum(losses[:4]) / 4


def test_scorer_training_runs_resumes_and_exports(tmp_path):
    """train_scorer.py end to end on a toy corpus: train, resume, export, load in numpy."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    import lzma
    import json
    from scripts.seq2seq import train_scorer as TS
    from vidiacritic.model.scorer import CandidateScorer

    data = tmp_path / "data"
    data.mkdir()
    with lzma.open(data / "legal.txt.xz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(SENTS * 5) + "\n")
    syl = tmp_path / "syllables.txt"
    words = sorted({w.lower().strip(".,") for s in SENTS for w in s.split()})
    syl.write_text("\n".join(words) + "\n", encoding="utf-8")
    pairs = tmp_path / "real.tsv"
    pairs.write_text("".join(f"{strip_line(s)}\t{s}\n" for s in SENTS), encoding="utf-8")
    spm_path = os.path.join(os.path.dirname(__file__), "..", "models", "seq2seq", "spm.model")
    common = ["--data", str(data), "--tokenizer", spm_path, "--syllables", str(syl),
              "--real", str(pairs), "--heldout", str(pairs), "--dev", str(tmp_path / "none"),
              "--out", str(tmp_path / "out"), "--ckpt-dir", str(tmp_path / "ck"),
              "--preset", "tiny", "--workers", "0", "--max-tokens", "300", "--log-every", "2",
              "--train-minutes", "10"]
    TS.main(common + ["--max-steps", "4"])
    TS.main(common + ["--max-steps", "6"])  # resumes at step 4
    log = [json.loads(x) for x in open(tmp_path / "out" / "train_log.jsonl", encoding="utf-8")]
    assert any(r.get("event") == "resume" and r["step"] == 4 for r in log)
    assert [r for r in log if r.get("event") == "done"][-1]["step"] == 6
    assert any("heldout_tf" in r for r in log)
    sc = CandidateScorer(tmp_path / "out")
    lps = sc.score([("Uy ban nhan dan tinh", [0, 0, 0, 0, 0],
                     [np.array([0, 1, 2])] * 5)])[0]
    assert len(lps) == 5 and all(abs(np.exp(lp).sum() - 1) < 1e-4 for lp in lps)
