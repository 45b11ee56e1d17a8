"""The seq2seq candidate scorer the default engine runs (``scorer.py``: numpy or
onnxruntime, no torch).

Its training code (noise models for training pairs, trainer, exporter) lives in
``scripts/seq2seq`` and imports this package, never the reverse.
"""
