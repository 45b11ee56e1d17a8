#!/usr/bin/env python3
"""How much the seq2seq scorer could still add to the restorer, per kind of text.

Issue 9 asks the model engine for 0.5 point over the statistical engine on every
poor-scan set.  The scorer only re-ranks candidates, so what it can add is bounded by what
it knows that the rest of the pipeline does not.  For each set of (noisy, gold) line pairs,
restored as one document by each engine (as the benchmark's columns are), this counts, over
the words of word-aligned lines whose gold is one of the scorer's syllables:

  restorer   the share each engine restores right
  scorer     the share the scorer's argmax gets right, teacher-forced (the gold words
             before it given, the noisy line as its source: how training measures it)
  reach      words the scorer's argmax gets right where the default engine is wrong, in
             points of the whole set (all its gold words): more than re-ranking by the
             scorer could gain, since teacher forcing hands it the words before
  reach, own words before
             the same with the default engine's output words as the words before each
             one (where they align), as the scorer reads them when it re-ranks: nearer
             what re-ranking could gain

    python -m scripts.seq2seq.scorer_reach --bundle runs/device          # its validation part, per kind
    python -m scripts.seq2seq.scorer_reach poor-vie=PAIRS.tsv [NAME=PAIRS.tsv ...]

Uses the runtime scorer (ONNX Runtime or numpy), not torch.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np

from scripts.seq2seq.pairs_dataset import words_of

Pairs = List[Tuple[str, str]]

# A line's words (tokens.WORD: no numbers, no punctuation) as training reads them: the
# scorer's input and output are 1:1 on these.
words = words_of


def bundle_sets(folder: str) -> Dict[str, Pairs]:
    """The bundle's validation rows by kind (device_kit's Parquet, read with pyarrow)."""
    from scripts.seq2seq.device_kit import load_bundle
    _train, valid, _man = load_bundle(folder)
    return valid.pairs_by_kind()


def argmax_right(scorer, pairs: Pairs, before: Sequence[Sequence[str]] = None,
                 batch: int = 32) -> List[List[bool]]:
    """Per pair (word-aligned ones; others get []), whether the scorer's argmax syllable at
    each word is the gold one, given the gold words before it (teacher-forced), or, with
    `before` (per pair, a restorer's output words; [] where they do not align), those
    words before it.  Words whose gold is no known syllable count as not right (they are
    left out of the shares by the caller)."""
    from vidiacritic.text import normalize_syllable
    vocab = scorer.syllables
    out: List[List[bool]] = [[] for _ in pairs]
    todo = []
    for i, (noisy, gold) in enumerate(pairs):
        g = words(gold)
        prefix = g if before is None else before[i]
        if g and len(words(noisy)) == len(g) == len(prefix):
            todo.append((i, noisy, [vocab.get(normalize_syllable(w), 0) for w in g],
                         [vocab.get(normalize_syllable(w), 0) for w in prefix]))
    for k in range(0, len(todo), batch):
        part = todo[k: k + batch]
        lps = scorer.log_probs([s for _, s, _, _ in part], [p for _, _, _, p in part])
        for (i, _s, ids, _p), lp in zip(part, lps):
            best = np.argmax(lp[: len(ids)], axis=-1)
            out[i] = [bool(t) and int(b) == t for b, t in zip(best, ids)]
    return out


def measure(name: str, pairs: Pairs, restorers: Dict[str, object], scorer) -> dict:
    """One set's row (see the module's docstring)."""
    from vidiacritic.evaluate import syllable_key
    from vidiacritic.text import normalize_syllable
    outputs = {e: r.restore("\n".join(n for n, _ in pairs)).split("\n") for e, r in restorers.items()}
    first = next(iter(restorers))
    tf = argmax_right(scorer, pairs)
    own = argmax_right(scorer, pairs, [words(o) for o in outputs[first]])
    known = scorer.syllables
    right = {e: 0 for e in restorers}
    n = tf_right = reach = reach_own = total = 0
    for i, (noisy, gold) in enumerate(pairs):
        g = words(gold)
        total += len(g)
        out = {e: words(outputs[e][i]) for e in restorers}
        if not tf[i] or any(len(out[e]) != len(g) for e in restorers):
            continue
        for j, w in enumerate(g):
            if normalize_syllable(w) not in known:
                continue
            n += 1
            tf_right += tf[i][j]
            ok = {e: syllable_key(out[e][j], False) == syllable_key(w, False) for e in restorers}
            for e in restorers:
                right[e] += ok[e]
            reach += tf[i][j] and not ok[first]
            reach_own += own[i][j] and not ok[first]
    row = {"set": name, "lines": len(pairs), "words": n, "scorer": tf_right / max(1, n),
           "reach_words": reach, "reach_points": 100.0 * reach / max(1, total),
           "reach_own_words": reach_own, "reach_own_points": 100.0 * reach_own / max(1, total)}
    row.update({e: right[e] / max(1, n) for e in restorers})
    return row


def main(argv: Sequence[str] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", help="NAME=PAIRS.tsv (noisy<TAB>gold per line)")
    ap.add_argument("--bundle", default="", help="a device_kit bundle: its validation rows by kind")
    ap.add_argument("--model", default=None, help="scorer folder (default: models/seq2seq)")
    ap.add_argument("--engines", default="model,statistical", help="the first is the one reach is counted for")
    a = ap.parse_args(argv)
    from scripts.tables import read_pairs
    from vidiacritic import Restorer
    sets: Dict[str, Pairs] = {}
    for spec in a.sets:
        name, _, path = spec.partition("=")
        if not path or not os.path.isfile(path):
            sys.exit(f"scorer_reach: not NAME=PAIRS.tsv or no such file: {spec}")
        sets[name] = list(read_pairs([path]))
    if a.bundle:
        sets.update(bundle_sets(a.bundle))
    if not sets:
        sys.exit("scorer_reach: give NAME=PAIRS.tsv sets or --bundle")
    restorers = {e: Restorer(engine=e, model_dir=a.model) if e == "model" else Restorer(engine=e)
                 for e in a.engines.split(",")}
    scorer = restorers["model"].scorer if "model" in restorers else Restorer(model_dir=a.model).scorer
    engines = list(restorers)
    print(f"| set | lines | known words | {' | '.join(engines)} | scorer (teacher-forced) | reach: words | "
          f"reach: points | reach, own words before: words | points |")
    print("|---|---|---|" + "---|" * len(engines) + "---|---|---|---|---|")
    for name, pairs in sets.items():
        r = measure(name, pairs, restorers, scorer)
        cells = " | ".join(f"{r[e]:.4f}" for e in engines)
        print(f"| {name} | {r['lines']} | {r['words']} | {cells} | {r['scorer']:.4f} | "
              f"{r['reach_words']} | {r['reach_points']:.2f} | {r['reach_own_words']} | "
              f"{r['reach_own_points']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
