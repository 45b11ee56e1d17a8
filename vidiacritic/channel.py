"""The OCR channel: how likely is the observed token, given the clean syllable?

P(observed | clean) is a mixture of three ways a word reaches us:
  * identity — the text was typed or OCR'd correctly ("chức" → "chức");
  * stripped — all marks were lost ("chức" → "chuc"), as in unaccented typing;
  * OCR      — Tesseract's English model misread it ("chức" → "chic", "chire").
The OCR part is a character edit model (substitution, deletion, insertion
probabilities) estimated by ``scripts/build_channel.py`` from (OCR, clean) pairs made
by rendering corpus text and running Tesseract — never tuned on the dev set.  The
edit cost of a token pair is the best (Viterbi) alignment under those probabilities.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from .text import strip_diacritics

# Log-probability for an edit never seen in the training pairs: rare but possible.
UNSEEN_EDIT_LOGP = math.log(1e-5)


def _lse(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


@dataclass
class CharEditModel:
    """Per-character edit probabilities (natural log)."""

    sub: Dict[str, Dict[str, float]] = field(default_factory=dict)  # clean → {obs or "" (deleted): logp}
    ins: Dict[str, float] = field(default_factory=dict)  # obs char inserted → logp (includes P(insert))
    no_ins: float = 0.0  # log P(no insertion at a position)

    def sub_logp(self, c: str, o: str) -> float:
        table = self.sub.get(c)
        if table is None:
            # Unseen clean letter (rare accented form): treat like its base letter.
            table = self.sub.get(strip_diacritics(c), {})
            if o == c:
                return table.get(strip_diacritics(c), UNSEEN_EDIT_LOGP)
        return table.get(o, UNSEEN_EDIT_LOGP)

    def ins_logp(self, o: str) -> float:
        return self.ins.get(o, UNSEEN_EDIT_LOGP + UNSEEN_EDIT_LOGP)

    def logp(self, obs: str, clean: str) -> float:
        """Best-alignment log P(obs | clean) by dynamic programming (strings are short)."""
        n, m = len(clean), len(obs)
        neg = -math.inf
        prev = [0.0] * (m + 1)
        for j in range(1, m + 1):
            prev[j] = prev[j - 1] + self.ins_logp(obs[j - 1])
        for i in range(1, n + 1):
            c = clean[i - 1]
            cur = [neg] * (m + 1)
            cur[0] = prev[0] + self.sub_logp(c, "") + self.no_ins
            for j in range(1, m + 1):
                o = obs[j - 1]
                best = prev[j - 1] + self.sub_logp(c, o) + self.no_ins
                dele = prev[j] + self.sub_logp(c, "") + self.no_ins
                if dele > best:
                    best = dele
                ins = cur[j - 1] + self.ins_logp(o)
                if ins > best:
                    best = ins
                cur[j] = best
            prev = cur
        return prev[m]

    def to_json(self) -> dict:
        return {"sub": self.sub, "ins": self.ins, "no_ins": self.no_ins}

    @classmethod
    def from_json(cls, d: dict) -> "CharEditModel":
        return cls(sub=d["sub"], ins=d["ins"], no_ins=d["no_ins"])


@dataclass
class Channel:
    """The three-way mixture; weights are priors over how the text was produced."""

    edits: CharEditModel
    w_identity: float = 0.35
    w_stripped: float = 0.25
    w_ocr: float = 0.40
    meta: dict = field(default_factory=dict)

    def logp(self, obs: str, clean: str) -> float:
        """log P(obs | clean); both lowercase NFC."""
        total = math.log(self.w_ocr) + self.edits.logp(obs, clean)
        if obs == clean:
            total = _lse(total, math.log(self.w_identity))
        elif obs == strip_diacritics(clean):
            total = _lse(total, math.log(self.w_stripped))
        return total

    def save(self, path: str) -> None:
        data = {
            "weights": {"identity": self.w_identity, "stripped": self.w_stripped, "ocr": self.w_ocr},
            "edits": self.edits.to_json(),
            "meta": self.meta,
        }
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=0, sort_keys=True)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str) -> "Channel":
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        w = d["weights"]
        return cls(CharEditModel.from_json(d["edits"]), w["identity"], w["stripped"], w["ocr"], d.get("meta", {}))


# ---------------------------------------------------------------- estimation helpers
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


def estimate_edits(pairs: Iterable[Tuple[str, str]], alpha: float = 0.1) -> CharEditModel:
    """Count aligned edits over (obs, clean) token pairs and turn them into log-probs."""
    sub_counts: Dict[str, Dict[str, float]] = {}
    ins_counts: Dict[str, float] = {}
    positions = 0
    n_ins = 0
    for obs, clean in pairs:
        for c, o in align_chars(obs, clean):
            if c == "":
                ins_counts[o] = ins_counts.get(o, 0) + 1
                n_ins += 1
            else:
                positions += 1
                row = sub_counts.setdefault(c, {})
                row[o] = row.get(o, 0) + 1
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
