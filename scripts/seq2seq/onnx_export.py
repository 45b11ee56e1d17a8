"""Export the candidate scorer for ONNX Runtime, int8 (``scorer.int8.onnx``).

The graph maps (source piece ids, decoder input ids) to the decoder's last hidden states,
which is what ``vidiacritic/model/scorer.py`` needs; the candidate log-softmax stays in
numpy.  Weights of the MatMul and Gather (embedding) nodes are quantized to int8 by ONNX
Runtime's dynamic quantization: activations are quantized per batch at run time, which
the CPU's integer dot-product instructions run several times faster than float32.
Measured on the dev OCR segments: ``scripts/seq2seq/bench_scorer.py``.

Used by ``train_scorer.py``'s export; on its own:

    python -m scripts.seq2seq.onnx_export --model models/seq2seq

(rebuilds ``scorer.int8.onnx`` from ``scorer.npz``).  Needs torch, transformers, onnx
and onnxruntime (the ``train`` extra); the library needs only onnxruntime.
"""
from __future__ import annotations

import argparse
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_FILE = "scorer.int8.onnx"


def export_onnx(model, out_path: str, pad: int) -> None:
    """Trace `model` (a transformers BartForConditionalGeneration, eval mode) and write
    the int8 graph to `out_path` atomically."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class States(torch.nn.Module):
        def __init__(self, bart):
            super().__init__()
            self.bart = bart.model

        def forward(self, input_ids, decoder_input_ids):
            return self.bart(input_ids=input_ids, attention_mask=(input_ids != pad).long(),
                             decoder_input_ids=decoder_input_ids, use_cache=False).last_hidden_state

    wrapped = States(model.float().cpu().eval()).eval()
    src = torch.full((2, 24), 5, dtype=torch.long)
    dec = torch.full((2, 10), 5, dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = os.path.join(tmp, "scorer.onnx")
        with torch.no_grad():
            # The TorchScript exporter: it needs no onnxscript, and the graph is small.
            torch.onnx.export(wrapped, (src, dec), fp32, input_names=["input_ids", "decoder_input_ids"],
                              output_names=["states"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "source"},
                                            "decoder_input_ids": {0: "batch", 1: "target"},
                                            "states": {0: "batch", 1: "target"}})
        part = out_path + ".tmp"
        quantize_dynamic(fp32, part, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gather"])
        os.replace(part, out_path)


def model_from_npz(folder: str):
    """A transformers BART holding the weights of ``folder/scorer.npz``."""
    import torch

    from scripts.seq2seq import train_scorer as TS
    from vidiacritic.model.scorer import CandidateScorer

    sc = CandidateScorer(folder, runtime="numpy")
    cfg = sc.cfg
    preset = next(k for k, v in TS.PRESETS.items()
                  if v == (cfg["d_model"], cfg["encoder_layers"], cfg["decoder_layers"], cfg["heads"], cfg["ffn"]))
    model = TS.build_model(len(sc.emb), preset, dropout=0.0).eval()
    sd = {k: torch.tensor(v) for k, v in sc.w.items()}
    sd["model.encoder.embed_tokens.weight"] = sd["model.decoder.embed_tokens.weight"] = sd["model.shared.weight"]
    model.load_state_dict(sd, strict=False)
    return model, sc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "models", "seq2seq"))
    a = ap.parse_args()
    model, sc = model_from_npz(a.model)
    export_onnx(model, os.path.join(a.model, ONNX_FILE), int(sc.cfg["pad"]))
    print(f"wrote {os.path.join(a.model, ONNX_FILE)}")


if __name__ == "__main__":
    main()
