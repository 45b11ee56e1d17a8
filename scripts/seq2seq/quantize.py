"""Writing the scorer's weights as ``scorer.npz`` stores them (train_scorer.export); the
runtime's reader is ``vidiacritic.model.scorer.load_weights``."""
from __future__ import annotations

from typing import Dict

import numpy as np


def quantize_rows(weights: Dict[str, np.ndarray], min_size: int = 4096) -> Dict[str, np.ndarray]:
    """The inverse of vidiacritic.model.scorer.load_weights' int8 case: every 2-D matrix of at least `min_size`
    values becomes int8 with a symmetric scale per row (an output unit of a linear layer,
    a token of the embedding); the rest is stored as float16."""
    out: Dict[str, np.ndarray] = {}
    for k, v in weights.items():
        v = np.asarray(v, dtype=np.float32)
        if v.ndim == 2 and v.size >= min_size and not k.endswith("embed_positions.weight"):
            scale = np.abs(v).max(1) / 127.0
            scale[scale == 0] = 1.0
            out[k + "::int8"] = np.clip(np.rint(v / scale[:, None]), -127, 127).astype(np.int8)
            out[k + "::scale"] = scale.astype(np.float32)
        else:
            out[k] = v.astype(np.float16)
    return out
