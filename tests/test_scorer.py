"""The numpy runtime of the candidate scorer computes what transformers' BART computes."""
import importlib.util
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")

ROOT = os.path.join(os.path.dirname(__file__), "..")
SCRIPTS = os.path.join(ROOT, "scripts", "seq2seq")


def _train_scorer():
    sys.path.insert(0, SCRIPTS)
    spec = importlib.util.spec_from_file_location("train_scorer", os.path.join(SCRIPTS, "train_scorer.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_numpy_forward_matches_transformers(tmp_path):
    ts = _train_scorer()
    from vidiacritic.model.scorer import CandidateScorer
    syl = tmp_path / "syllables.txt"
    syl.write_text("và\ncủa\nngười\nviệt\nnam\n", encoding="utf-8")
    torch.manual_seed(0)
    offset = 8000
    model = ts.build_model(offset + 6, "tiny", dropout=0.0).eval()
    with torch.no_grad():  # BART initialises small; widen so that errors would show
        for p in model.parameters():
            p.mul_(3.0)
    ts.export(model, str(tmp_path), "tiny", os.path.join(ROOT, "models", "seq2seq", "spm.model"),
              str(syl), offset)
    sc = CandidateScorer(tmp_path)
    sources = ["Uy ban MTTQ Viét Nam", "nguoi"]
    prefixes = [[4, 5, 0, 4], [3]]
    ours = sc.log_probs(sources, prefixes)

    src = [sc.sp.encode(s) for s in sources]
    for s, p, lp in zip(src, prefixes, ours):
        inp = torch.tensor([s])
        lab = torch.tensor([[offset + x for x in p]])
        with torch.no_grad():
            ref = torch.log_softmax(ts.syllable_logits(model, inp, torch.ones_like(inp),
                                                       ts.shift_right(lab), offset), -1)[0].numpy()
        # weights travel as float16: compare against the same rounding
        assert lp.shape == ref.shape
        assert np.allclose(lp, ref, atol=0.05), np.abs(lp - ref).max()
        assert (lp.argmax(-1) == ref.argmax(-1)).all()


def test_padding_does_not_change_scores(tmp_path):
    ts = _train_scorer()
    from vidiacritic.model.scorer import CandidateScorer
    syl = tmp_path / "syllables.txt"
    syl.write_text("và\ncủa\n", encoding="utf-8")
    torch.manual_seed(1)
    model = ts.build_model(8003, "tiny", dropout=0.0).eval()
    ts.export(model, str(tmp_path), "tiny", os.path.join(ROOT, "models", "seq2seq", "spm.model"),
              str(syl), 8000)
    sc = CandidateScorer(tmp_path)
    alone = sc.log_probs(["va cua"], [[1, 2]])[0]
    batched = sc.log_probs(["va cua", "mot doan van ban dai hon nhieu de co padding"],
                           [[1, 2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]])[0]
    assert np.allclose(alone, batched, atol=1e-4)
