"""Estimating the channels from (observed, clean) token pair counts: the OCR channel's
character edit model (scripts/build_channel.py) and the marks channel's tone confusion
and letter edits (scripts/build_marks_channel.py).  The runtime only reads the JSON
these write (vidiacritic.channel, vidiacritic.marks)."""
from __future__ import annotations

import math
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np

from vidiacritic.channel import CharEditModel
from vidiacritic.marks import N_TONES, MarksChannel, letters_and_tone
from vidiacritic.text import strip_diacritics


def align_chars(obs: str, clean: str) -> List[Tuple[str, str]]:
    """Alignment of obs to clean as (clean_char or "", obs_char or "") pairs.

    Costs favour pairing letters that share a base letter (é with ế, 6 with ô is
    learned later), which is enough to bootstrap the estimates.
    """

    def cost(c: str, o: str) -> float:
        if c == o:
            return 0.0
        if strip_diacritics(c) == strip_diacritics(o):
            return 0.3
        return 1.0

    n, m = len(clean), len(obs)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = i * 0.9
    for j in range(1, m + 1):
        d[0][j] = j * 0.9
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j - 1] + cost(clean[i - 1], obs[j - 1]), d[i - 1][j] + 0.9, d[i][j - 1] + 0.9)
    out: List[Tuple[str, str]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and abs(d[i][j] - (d[i - 1][j - 1] + cost(clean[i - 1], obs[j - 1]))) < 1e-9:
            out.append((clean[i - 1], obs[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and abs(d[i][j] - (d[i - 1][j] + 0.9)) < 1e-9:
            out.append((clean[i - 1], ""))
            i -= 1
        else:
            out.append(("", obs[j - 1]))
            j -= 1
    out.reverse()
    return out


def estimate_edits(pair_counts: Mapping[Tuple[str, str], int], alpha: float = 0.1) -> CharEditModel:
    """Count aligned edits over (obs, clean) token pairs, each aligned once and weighted
    by how often it occurs, and turn them into log-probs."""
    sub_counts: Dict[str, Dict[str, float]] = {}
    ins_counts: Dict[str, float] = {}
    positions = 0
    n_ins = 0
    for (obs, clean), k in pair_counts.items():
        for c, o in align_chars(obs, clean):
            if c == "":
                ins_counts[o] = ins_counts.get(o, 0) + k
                n_ins += k
            else:
                positions += k
                row = sub_counts.setdefault(c, {})
                row[o] = row.get(o, 0) + k
    model = CharEditModel()
    p_ins = (n_ins + 1) / (positions + n_ins + 2)
    model.no_ins = math.log(1 - p_ins)
    tot_ins = sum(ins_counts.values())
    for o, k in ins_counts.items():
        model.ins[o] = math.log(p_ins) + math.log(k / tot_ins)
    for c, row in sub_counts.items():
        total = sum(row.values()) + alpha * (len(row) + 1)
        model.sub[c] = {o: math.log((k + alpha) / total) for o, k in row.items()}
    return model


def estimate_tones(pair_counts: Dict[Tuple[str, str], int], alpha: float = 0.5,
                   letters_changed: Optional[bool] = None) -> np.ndarray:
    """log P(observed tone | clean tone) from (observed, clean) syllable pair counts:
    of every pair, or (letters_changed) only of those whose toneless letters differ
    (True) or agree (False)."""
    counts = np.full((N_TONES, N_TONES), alpha)
    for (obs, clean), k in pair_counts.items():
        (ol, ot), (cl, ct) = letters_and_tone(obs), letters_and_tone(clean)
        if letters_changed is None or (ol != cl) == letters_changed:
            counts[ct, ot] += k
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def estimate_marks_channel(pair_counts: Dict[Tuple[str, str], int], meta: Optional[dict] = None) -> MarksChannel:
    """The channel from (observed, clean) lowercase syllable pairs and their counts."""
    letter_counts: Dict[Tuple[str, str], int] = {}
    for (obs, clean), k in pair_counts.items():
        key = (letters_and_tone(obs)[0], letters_and_tone(clean)[0])
        letter_counts[key] = letter_counts.get(key, 0) + k
    # A misread glyph often takes its tone mark with it: the tone is read wrong far more
    # often when a letter is (Tesseract vie poor scans: 49% against 3%), so the tone is
    # estimated apart for the two cases (a pooled table charged a wrong letter and tone
    # together as two independent slips, and kept such words out of the candidates).
    return MarksChannel(estimate_tones(pair_counts), estimate_edits(letter_counts), dict(meta or {}),
                        tone_letters_kept=estimate_tones(pair_counts, letters_changed=False),
                        tone_letters_changed=estimate_tones(pair_counts, letters_changed=True))
