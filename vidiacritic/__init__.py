"""vidiacritic — give Vietnamese OCR text back its diacritics.

    >>> import vidiacritic
    >>> vidiacritic.restore("Uy ban nhan dan tinh")
    'Ủy ban nhân dân tỉnh'

The pipeline, one module per stage: text (normalization, tones, casing) → tokens
→ candidates (OCR channel) → lattice → viterbi (n-gram decoding) → restorer (the API).
"""
__version__ = "0.1.0"

from .restorer import Explanation, Restorer, WordDecision, explain, restore, restore_lines  # noqa: E402

__all__ = ["restore", "restore_lines", "explain", "Restorer", "Explanation", "WordDecision", "__version__"]
