"""Stage 4b — the document's own word pairs and words: a cache of what it writes again and again.

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

The document's own words (a unigram cache, Config.memory_unigram, since session 16):
a story about chị Mai writes chị far more often than the corpus does, and where the
decoder is unsure of a "chi" whose neighbours make no pair written elsewhere ("Hom qua
chi ve"), the language model's common chỉ is the likelier word only by the corpus's
counts.  The words the first decoding chose surely are counted; an unsure word's
candidate that the document writes surely at least Config.memory_unigram_min times gets
log((1 - λ) + λ · P_document / P_corpus) (λ = memory_unigram; P_corpus from the language
model's counts, a syllable outside its vocabulary counted as its rarest; at most
Config.memory_unigram_most), the bonus of a cache mixed into the model at λ where the
language model's probability is the corpus unigram's.  A common word the document writes
as often as the corpus does gains nothing, a name or a term it repeats up to the cap.
Measured (session 16; wrong words left, the same sets as below, model engine unless
said): windows stripped 748 → 729, OCR 1,124 → 1,095 (won 101, lost 57: chi → chị,
ma → mã, Co → Cổ in documents about them; lost: nghi → nghỉ, chị → tôi); statistical
804 → 782, 1,312 → 1,282; the dev report 71 → 71 (76 → 76 statistical); the shuffled
training slices 955 → 953 (unrelated lines are no document: rặn đẻ for răn đe in a set
that writes rặn, but loài for loại 15 words better in another); the fifteen
Tesseract-vie slices 1,183 → 1,183.  λ 0.1 / 0.2 / 0.4: windows 734 / 729 / 733 and
1,100 / 1,095 / 1,106; at least 3 sure occurrences (λ 0.2): 728 / 1,107, shuffled 943,
vie 1,185.

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
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .tokens import WORD, Token
from .viterbi import chosen_share


def sure_chains(toks: Sequence[Token], runs, metas, decoded, sure: float) -> List[List[Optional[str]]]:
    """Per chain, each position's decoded form where the decoding chose it with at least
    `sure` of its marginals, None elsewhere (and where _neighbour has none): what the
    pairs and the words are counted from, each share computed once."""
    chains = []
    for run, meta, dec in zip(runs, metas, decoded):
        chain = []
        for pos in range(len(run)):
            form = _neighbour(toks, run, meta, dec, pos)
            if form is not None and chosen_share(dec.marginals[pos], meta[pos][0], dec.best[pos]) < sure:
                form = None
            chain.append(form)
        chains.append(chain)
    return chains


def sure_pairs(chains: Sequence[Sequence[Optional[str]]]) -> Counter:
    """(form, next form) of every two neighbouring sure words of a chain (sure_chains),
    counted."""
    return Counter((a, b) for chain in chains for a, b in zip(chain, chain[1:]) if a is not None and b is not None)


def sure_forms(chains: Sequence[Sequence[Optional[str]]]) -> Counter:
    """The form of every sure word of a chain (sure_chains), counted."""
    return Counter(form for chain in chains for form in chain if form is not None)


def cache_bonus(config, forms: Counter, lm):
    """form -> the unigram cache's bonus (Config.memory_unigram): log((1 - λ) + λ ·
    P_document(form) / P_corpus(form)) for a form the document writes surely at least
    Config.memory_unigram_min times, at most Config.memory_unigram_most; 0 otherwise."""
    lam, least, most = config.memory_unigram, config.memory_unigram_min, config.memory_unigram_most
    n = sum(forms.values())
    total = float(lm.counts.sum())
    out = {}
    rare = float(lm.meta.get("min_count", 1))  # (a syllable outside the vocabulary: seen less often)
    for f, c in forms.items():
        if c < least:
            continue
        i = lm.vocab.get(f)
        seen = rare if i is None or i == lm.unk_id else max(float(lm.counts[i]), rare)
        b = float(np.log((1.0 - lam) + lam * (c / n) / (seen / total)))
        if b > 0:
            out[f] = min(b, most)
    return out


def recall(toks: Sequence[Token], runs, lattices, metas, decoded, config, lm=None) -> List[Tuple[int, int]]:
    """Adds the document's pair bonus (module docstring) to the unary scores of the
    unsure words' candidates, in place (and marks those forms' hits in `metas`
    "document", for explain()); returns the (chain, position) of each word
    where a candidate other than the chosen one got more than the chosen, for
    Rescorer.decode_around."""
    sure, bonus, most = config.memory_sure, config.memory_bonus, config.memory_most
    chains = sure_chains(toks, runs, metas, decoded, sure)
    pairs = sure_pairs(chains)
    cache = cache_bonus(config, sure_forms(chains), lm) if config.memory_unigram and lm is not None else {}
    if not pairs and not cache:
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
            counts = np.array([0 if f is None else min(most, (pairs[left, f] if left is not None else 0)
                                                         + (pairs[f, right] if right is not None else 0))
                               for f in forms], dtype=float)
            counts = bonus * counts + np.array([cache.get(f, 0.0) if f is not None else 0.0 for f in forms])
            if not counts.any():
                continue
            lat.unary[pos] = lat.unary[pos] + counts
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
