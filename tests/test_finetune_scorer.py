"""The fine-tune of the shipped scorer starts from its weights: the float BART rebuilt from
scorer.npz must reproduce the shipped runtime's scores (finetune_scorer.check_rebuild)."""
import os

import pytest

HERE = os.path.dirname(__file__)

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")

MODEL = os.path.join(HERE, "..", "models", "seq2seq")


@pytest.fixture(scope="module")
def rebuilt():
    from scripts.seq2seq.onnx_export import model_from_npz
    return model_from_npz(MODEL)


def test_rebuilt_model_reproduces_shipped_scores(rebuilt):
    from scripts.seq2seq import finetune_scorer as FS
    model, sc = rebuilt
    assert FS.check_rebuild(model, sc, int(sc.cfg["syllable_offset"])) < 1e-3


def test_check_detects_changed_weights(rebuilt):
    """The check is not vacuous: a small change of one layer's weights is caught."""
    import torch
    from scripts.seq2seq import finetune_scorer as FS
    model, sc = rebuilt
    w = model.model.decoder.layers[0].fc1.weight
    keep = w.detach().clone()
    try:
        with torch.no_grad():
            w.add_(0.05 * torch.randn_like(w))
        assert FS.check_rebuild(model, sc, int(sc.cfg["syllable_offset"])) > 1e-3
    finally:
        with torch.no_grad():
            w.copy_(keep)
