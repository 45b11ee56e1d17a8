#!/usr/bin/env python3
"""Sort a restorer's errors into kinds, for the lab note in the README and data/OCR_NOISE.md.

Lines where output, gold and input have the same number of words are aligned word by word;
each wrong word (the reference metric's comparison: case-insensitive, tone-placement
style ignored) is counted as
  marks    right letters, wrong marks (sạch/sách): the context did not decide
  kept     left as written although the gold differs (damage beyond the candidates)
  letters  wrong letters (a damaged token read as another valid syllable)
With --vocab, kept and letters are split further, the words of the language model's
vocabulary (models/ngram/vocab.txt) counting as valid syllables:
  kept-valid     the input word is a valid syllable (a wrong one), and it differs from the
                 gold word by the tone mark only (-tone: đảo for đào), by vowel marks
                 or đ (-marks: nhầm for nhằm, quân for quản) or by letters (-letters:
                 tình for trình)
  kept-invalid   it is not (damage no candidate reached: durge for được)
  letters-missing / letters-extra / letters-other   the output has fewer / more / other
                 base letters (marks removed) than the gold word
Gold tokens without a letter (numbers, codes, punctuation) are skipped, as the metric
skips them.  Errors on lines whose word counts differ (merged or split words) are
counted apart.

    python -m scripts.error_report OUTPUT GOLD INPUT [--examples 10] [--vocab]
"""
import argparse
from collections import Counter
from typing import Callable, Optional


from vidiacritic.evaluate import score
from vidiacritic.text import normalize_syllable, split_tone, strip_diacritics

KINDS = ("marks", "kept", "letters")
FINE_KINDS = ("marks", "kept-valid-tone", "kept-valid-marks", "kept-valid-letters", "kept-invalid", "letters-missing", "letters-extra",
              "letters-other")


def _key(w: str) -> str:
    return normalize_syllable(w.strip(".,;:!?()\"'“”"))


def kind_of(out: str, gold: str, inp: str, is_valid: Optional[Callable[[str], bool]] = None) -> str:
    """The kind of one wrong output word (see the module docstring); fine kinds when
    `is_valid` (a syllable test) is given."""
    if out == inp:
        if is_valid is None:
            return "kept"
        if not is_valid(_key(inp)):
            return "kept-invalid"
        if split_tone(_key(inp))[0] == split_tone(_key(gold))[0]:
            return "kept-valid-tone"
        if strip_diacritics(_key(inp)) == strip_diacritics(_key(gold)):
            return "kept-valid-marks"
        return "kept-valid-letters"
    o, g = strip_diacritics(_key(out)), strip_diacritics(_key(gold))
    if o == g:
        return "marks"
    if is_valid is None:
        return "letters"
    if len(o) < len(g):
        return "letters-missing"
    return "letters-extra" if len(o) > len(g) else "letters-other"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("gold")
    ap.add_argument("input")
    ap.add_argument("--examples", type=int, default=0)
    ap.add_argument("--vocab", action="store_true",
                    help="split kept and letters by the language model's vocabulary")
    a = ap.parse_args()
    read = lambda p: open(p, encoding="utf-8").read().split("\n")  # noqa: E731
    is_valid = None
    names = KINDS
    if a.vocab:
        from vidiacritic.ngram import NgramLM
        vocab = NgramLM.load().vocab
        is_valid = lambda w: any(c.isalpha() for c in w) and w in vocab  # noqa: E731
        names = FINE_KINDS
    kinds, examples = Counter(), {k: [] for k in names}
    words = aligned = 0
    unaligned_out, unaligned_gold = [], []
    for o, g, i in zip(read(a.output), read(a.gold), read(a.input)):
        ow, gw, iw = o.split(), g.split(), i.split()
        words += len(gw)
        if not (len(ow) == len(gw) == len(iw)):
            unaligned_out.append(o)
            unaligned_gold.append(g)
            continue
        aligned += len(gw)
        for k, (x, y, z) in enumerate(zip(ow, gw, iw)):
            if _key(x) == _key(y) or not any(c.isalpha() for c in y):
                continue
            kind = kind_of(x, y, z, is_valid)
            kinds[kind] += 1
            examples[kind].append(f"{' '.join(gw[max(0, k - 2):k])} [{z} → {x}, gold {y}] {' '.join(gw[k + 1:k + 3])}")
    print(f"{aligned} of {words} gold words on aligned lines; errors: {sum(kinds.values())}")
    for kind in names:
        print(f"  {kind:<16} {kinds[kind]}")
        for e in examples[kind][: a.examples]:
            print("      " + e)
    if unaligned_gold:
        s = score(unaligned_out, unaligned_gold)
        print(f"lines with merged or split words: {len(unaligned_gold)}, "
              f"{s['tokens']} gold words, {s['tokens'] - round(s['syl_acc'] * s['tokens'])} wrong "
              "(by the metric's alignment)")


if __name__ == "__main__":
    main()
