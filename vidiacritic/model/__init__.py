"""Seq2seq OCR-repair model: noise models for training pairs, training helpers.

Nothing here is imported by the engines yet; integration comes later (issue 3).
Only ``noise`` is pure Python; training code lives in ``scripts/seq2seq``.
"""
