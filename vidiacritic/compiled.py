"""The optional C loops (vidiacritic/_decode.c) and the one setting that chooses them.

setup.py builds the extension when a C compiler is there; without it every loop runs in
numpy or Python, with the same results to the bit (the C code repeats their sums and
maxima in the same order).  VIDIACRITIC_DECODER: "auto" (default) runs the C loops when
they are built, "numpy" never runs them, "compiled" as auto but an error when the
extension is missing.  The loops: the decoder's two passes (vidiacritic.viterbi), the
edit channel's dynamic programming (vidiacritic.channel) and the phrase trie's walk
(vidiacritic.lexicon)."""
from __future__ import annotations

import os

from .errors import SettingError

try:  # built when a compiler was there
    from . import _decode as ext
except ImportError:
    ext = None

ENV = "VIDIACRITIC_DECODER"
CHOICES = ("auto", "numpy", "compiled")


def wanted(module) -> bool:
    """Whether to run the C loops of `module` (the extension, or None where it is not
    built) under the setting; a bad setting, or "compiled" without it, is an error."""
    setting = os.environ.get(ENV, "auto")
    if setting not in CHOICES:
        raise SettingError(f"{ENV}={setting!r} is not a decoder; choose one of {', '.join(CHOICES)}")
    if setting == "numpy":
        return False
    if module is None:
        if setting == "compiled":
            raise SettingError(f"{ENV}=compiled, but vidiacritic._decode is not built "
                               "(a C compiler at install time builds it)")
        return False
    return True
