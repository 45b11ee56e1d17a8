"""What the engines load besides the shared resources: the seq2seq scorer (in a
background thread, with the ``auto`` engine's fallback when its files are absent) and
the rules engine's unigram language model."""
from __future__ import annotations

import threading
import warnings

import numpy as np

from . import resources


class UnigramLM:
    """The rules engine's language model: word frequencies only, no context."""

    def __init__(self, counts: np.ndarray, bos_id: int, eos_id: int):
        total = float(counts.sum()) + len(counts)
        self.table = np.log((counts.astype(np.float64) + 1.0) / total)
        self.table[bos_id] = 0.0
        self.table[eos_id] = 0.0
        self.bos_id, self.eos_id = bos_id, eos_id

    def logprob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.table[w]

    def logprob_bigram(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.table[w]


class Background:
    """fn() run in a thread; result() waits, then returns its value or raises its error."""

    def __init__(self, fn):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn) -> None:
        try:
            self._value = fn()
        except BaseException as e:  # re-raised in the caller's thread by result()
            self._error = e

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def scorer_and_weights(folder=None):
    """(scorer, its ModelWeights): the shipped model's, or those of the model in
    `folder` (another trained model, with its own weights.json)."""
    if folder is None:
        return resources.load_scorer(), resources.load_model_weights()
    return resources.load_scorer_from(folder), resources.load_model_weights(folder)


def scorer_or_fallback(required: bool, pending: Background):
    """(scorer, its ModelWeights) as `pending` (a Background running scorer_and_weights)
    loads them, or None, with a warning each time, when engine="auto" finds the model's files absent
    or sentencepiece missing.  Anything else (a damaged file: CorruptResource; a bad
    VIDIACRITIC_RUNTIME: SettingError) is raised: a broken model never silently
    becomes a weaker engine."""
    try:
        return pending.result()
    except (resources.MissingResource, ImportError) as e:
        if required:
            raise resources.MissingResource(f"engine='model' is unavailable: {e}") from None
        warnings.warn(f"vidiacritic: the seq2seq model is unavailable ({e}); "
                      "using the statistical engine", stacklevel=3)
        return None
