"""Seq2seq model: noise channel (pure Python) and a tiny training run (torch, if present)."""
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from vidiacritic.model.noise import (CharNoise, align_counts, noise_stats,  # noqa: E402
                                     partial_strip, strip_line)
from vidiacritic.text import strip_diacritics  # noqa: E402

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


def test_tiny_model_trains(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    spm = pytest.importorskip("sentencepiece")
    from scripts.seq2seq import train as T

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
    model = T.build_model(sp.get_piece_size(), "tiny", max_pos=128, dropout=0.0)
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
    out = T.translate(model, sp, ["", strip_line(SENTS[0])], torch.device("cpu"))
    assert out[0] == "" and isinstance(out[1], str)
