"""Stage 4b — the document's own word pairs: a cache of what it writes again and again.

A report repeats its phrases: a committee, a fund, a campaign, "Tổng số" in every
table.  Where the OCR damaged one occurrence so that the decoder is unsure of a word
("Ban Chi déo", read Bạn Chỉ đến), the occurrences it read surely elsewhere are
evidence the corpus-wide language model lacks: the document itself says which word
goes with its neighbours (Ban Chỉ đạo).  This is a cache language model
(Kuhn and De Mori, 1990), kept to the one thing it is reliable for here: pairs of
neighbouring words that the first decoding chose surely (chosen share at least
Config.memory_sure) are counted; an unsure word's candidate that would make such a
pair with the word decoded beside it gets Config.memory_bonus per pair the document
wrote elsewhere (at most Config.memory_most), and the words around it are decoded
again (Rescorer.decode_around).

A word never counts as its own evidence: an unsure word makes no sure pair, so the
pairs counted at its place are not counted.  Numbers, words kept as written and
words of another kind than WORD take no part (a number read as a word because the
document writes that word next to the same neighbour elsewhere is no evidence).
It acts in every kind of document (OCR output of either model, typed text with or
without marks) and in every reading of it.

Measured (session 15; wrong words left, model engine unless said):
- 100 training-split windows of 20 consecutive corpus lines (legal, news, Wikipedia),
  restored as documents: stripped 766 → 748, synthetic OCR noise 1,163 → 1,124
  (statistical engine 819 → 804, 1,349 → 1,316).  Bonus 0.5 / 1 / 2 / 3: 755 / 751 /
  747 / 753 and 1,140 / 1,133 / 1,125 / 1,131; sure 0.8 or 0.95, at most 1 or 3
  pairs: within 3 words.  Won 48, lost 3 at bonus 1 (`Tông số` → Tổng số,
  `nhượng quyển` → quyền, `Đa Năng` → Đà Nẵng; lost: `tác giả` → gia).
- Tesseract-vie training slices (six, /work/work_data/vie12): 498 → 478.  Typed
  partly-marked ones (three): 204 → 189 (with the memory kept out of typed-marked
  readings, 204: they gain only where it acts there too).
- Shuffled-line training slices (ten sets of unrelated lines restored as one
  document, where another line's pairs are no evidence): 975 → 957.
- Not adopted: no pairs with the language model's 15 or 40 most frequent syllables
  (của, trong, việc: generic pairs a large document repeats): windows 752 / 1,132 and
  755 / 1,136, shuffled slices 959.  The bonus by the pair's share of its neighbour's
  pairs in the document (a cache bigram probability, P(word | neighbour), times 2, 4 or
  6; generic neighbours pair with many words): windows 754 / 1,130, 753 / 1,128, 762 /
  1,134, shuffled slices 964 at 4.  Words chosen with a share up to 0.97 or 1.0 open to
  the memory too, their own place's pairs left out: 748 / 1,126 and 748 / 1,127,
  shuffled 955 (with their own pairs counted, which only confirms a sure word's choice
  and keeps the scorer from moving it: 746 / 1,116, shuffled 949; that is another
  device, the scorer's say on sure words, tried in models/seq2seq/CARD.md, session 12).
"""
from __future__ import annotations

from collections import Counter
from typing import List, Sequence, Tuple

import numpy as np

from .tokens import WORD, Token
from .viterbi import chosen_share


def sure_pairs(toks: Sequence[Token], runs, metas, decoded, sure: float) -> Counter:
    """(form, next form) of every two neighbouring words of a chain that the decoding
    chose with at least `sure` of their marginals, counted."""
    pairs: Counter = Counter()
    for run, meta, dec in zip(runs, metas, decoded):
        prev = None  # the previous position's sure form, None where it was not sure
        for pos in range(len(run)):
            form = _neighbour(toks, run, meta, dec, pos)
            if form is not None and chosen_share(dec.marginals[pos], meta[pos][0], dec.best[pos]) < sure:
                form = None
            if form is not None and prev is not None:
                pairs[prev, form] += 1
            prev = form
    return pairs


def recall(toks: Sequence[Token], runs, lattices, metas, decoded, config) -> List[Tuple[int, int]]:
    """Adds the document's pair bonus (module docstring) to the unary scores of the
    unsure words' candidates, in place (and marks those forms' hits in `metas`
    "document", for explain()); returns the (chain, position) of each word
    where a candidate other than the chosen one got more than the chosen, for
    Rescorer.decode_around."""
    sure, bonus, most = config.memory_sure, config.memory_bonus, config.memory_most
    pairs = sure_pairs(toks, runs, metas, decoded, sure)
    if not pairs:
        return []
    moved = []
    for r, (run, meta, dec) in enumerate(zip(runs, metas, decoded)):
        lat = lattices[r]
        for pos, ti in enumerate(run):
            forms = meta[pos][0]
            if toks[ti].kind != WORD or len(forms) < 2:
                continue
            k = dec.best[pos]
            if chosen_share(dec.marginals[pos], forms, k) >= sure:
                continue
            left = _neighbour(toks, run, meta, dec, pos - 1)
            right = _neighbour(toks, run, meta, dec, pos + 1)
            if left is None and right is None:
                continue
            counts = np.array([0 if f is None else min(most, (pairs[left, f] if left is not None else 0)
                                                         + (pairs[f, right] if right is not None else 0))
                               for f in forms], dtype=float)
            if not counts.any():
                continue
            lat.unary[pos] = lat.unary[pos] + bonus * counts
            # (explain() names the document as the source of a form its pairs favoured,
            # unless a lexicon phrase or a user term did too)
            meta[pos] = (forms, [h if h or not c else "document" for h, c in zip(meta[pos][1], counts)])
            if counts.max() > counts[k]:
                moved.append((r, pos))
    return moved


def _neighbour(toks, run, meta, dec, pos):
    """The form decoded at `pos` of a chain (None: outside it, a number, a word kept
    as written)."""
    if pos < 0 or pos >= len(run) or toks[run[pos]].kind != WORD or not meta[pos][0]:
        return None
    return meta[pos][0][dec.best[pos]]
