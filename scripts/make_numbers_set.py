"""Numbers never change: a held-out set of lines with numbers, and the measurement.

Issue 9 asks for proof that real numbers (amounts, dates, counts, codes, ordinals, list
numbers, Roman numerals) never change, also inside OCR documents, where digits may
stand for letters (vidiacritic.digit_letters).  This script

* ``pick``: takes lines of the corpus's HELD-OUT split only (scripts/corpus.py: never
  used for training) that hold such tokens, a quota per kind so every kind is there,
  and writes them as a TSV (``line<TAB>kinds``) outside the repository (corpus text
  is never committed);
* ``measure``: restores the lines (a) as given (correct text), (b) with their marks
  stripped, (c) stripped and read as an OCR document (``ocr_document=True``: the path
  where digits may be read as letters), (d) stripped and interleaved with the lines of
  a real OCR document (data/sample_ocr.txt, its reading detected as usual), and
  counts every number or code token whose text changed (0 is the target), plus the
  words changed in (a).

A "number chunk" is a whitespace-separated chunk holding a number token (a NUMBER
token, a protected one with a digit: a code or date, or a Roman numeral: I, II, IV…).
It changed when its number tokens with marks stripped differ from the input's:
a code's Đ restored (15/2014/ND-CP → NĐ-CP) or a currency unit's đ is no change of the
number, a digit read as a letter is.  The restorer never changes whitespace, so the
input's and the output's chunks pair one to one.

    python -m scripts.make_numbers_set pick --out /work/work_data/numbers_heldout.tsv
    python -m scripts.make_numbers_set measure /work/work_data/numbers_heldout.tsv [--engine auto]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from typing import Dict, Iterator, List, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

from scripts.corpus import DEFAULT_CORPUS, LEGAL_FILES, iter_lines  # noqa: E402
from vidiacritic.text import strip_diacritics  # noqa: E402
from vidiacritic.tokens import NUMBER, PROTECTED, tokenize  # noqa: E402

SAMPLE_OCR = os.path.join(HERE, "..", "data", "sample_ocr.txt")
# Legal text (the target domain) and news (counts, amounts, percentages in prose).
FILES = LEGAL_FILES + ("news_dantri", "news_baomoi")

_ROMAN_NUMERAL = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
# The kinds of number a line may hold; a line counts under every kind it has.
_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
KINDS: Dict[str, re.Pattern] = {
    "date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|ngày \d{1,2} tháng \d{1,2} năm \d{4}|\b\d{1,2}/\d{4}\b"),
    "amount": re.compile(r"\b\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?\b|\d+ ?(?:đồng|triệu|tỷ|nghìn|USD|VNĐ)\b"),
    "percent": re.compile(r"\d+(?:[.,]\d+)? ?%"),
    "code": re.compile(r"\b\d+(?:/\d{4})?/[A-ZĐ][A-Za-zĐđ]*(?:[-/][A-ZĐ][A-Za-zĐđ]*)*\b|\b\d+-[A-ZĐ]+/[A-ZĐ]+\b"),
    "article": re.compile(r"\b(?:Điều|khoản|Khoản|điểm|Mục|mục|Chương|Phần|Phụ lục|tiết) \d+\b"),
    "roman": re.compile(rf"^(?=[IVX]){_ROMAN}[.:)]\s|\b(?:Chương|CHƯƠNG|Phần|PHẦN|Mục|MỤC) (?=[IVX])(?:{_ROMAN})\b"),
    "list": re.compile(r"^\s*\d{1,3}[.)]\s|^\s*\d+(?:\.\d+)+\.?\s"),
    "ordinal": re.compile(r"\bthứ \d+\b|\blần \d+\b|\bkhóa \d+\b|\bkhoá [XVI]+\b"),
    "count": re.compile(r"\b\d{1,3} (?:người|năm|tháng|ngày|giờ|lần|xã|huyện|tỉnh|đơn vị|hộ|km|m|ha|kg|tấn|cơ sở|trường)\b"),
    "year": re.compile(r"\bnăm (?:19|20)\d\d\b"),
    "decimal": re.compile(r"\b\d+,\d{1,2}\b"),
}


def line_kinds(line: str) -> List[str]:
    """The KINDS a line holds, in KINDS order."""
    return [k for k, rx in KINDS.items() if rx.search(line)]


def usable(line: str) -> bool:
    """A line worth testing: one text line of 20–200 characters, mostly letters and
    digits, with marks (so that stripping changes it) and no tab."""
    return (20 <= len(line) <= 200 and "\t" not in line and strip_diacritics(line) != line
            and sum(c.isalnum() or c.isspace() for c in line) >= 0.8 * len(line))


def pick(corpus: str, n_lines: int, files: Sequence[str] = FILES,
         split: str = "heldout") -> Iterator[Tuple[str, List[str]]]:
    """Up to `n_lines` held-out lines with numbers: each kind gets an equal quota (a
    line is taken while one of its kinds is under quota), the files read in turn;
    when the files run out first, lines over quota fill the set."""
    quota = max(1, n_lines // len(KINDS))
    got: Counter = Counter()
    seen = set()
    spare: List[Tuple[str, List[str]]] = []
    n = 0
    streams = [iter_lines(corpus, name, split=split) for name in files]
    while streams and n < n_lines:
        for stream in list(streams):
            line = next(stream, None)
            if line is None:
                streams.remove(stream)
                continue
            line = " ".join(line.split())
            if line in seen or not usable(line):
                continue
            kinds = line_kinds(line)
            if not kinds:
                continue
            seen.add(line)
            if all(got[k] >= quota for k in kinds):
                if len(spare) < n_lines:
                    spare.append((line, kinds))
                continue
            got.update(kinds)
            n += 1
            yield line, kinds
            if n >= n_lines:
                break
    yield from spare[: n_lines - n]


def number_tokens(chunk: str) -> List[str]:
    """The number tokens of a chunk: NUMBER tokens, protected ones with a digit (codes,
    dates) and Roman numerals (vidiacritic.tokens).  A word with digits in it ("s6",
    OCR's số) is a WORD token, not a number; a word glued to a number ("300.000/người")
    is not part of it."""
    out = []
    for tok in tokenize(chunk):
        if tok.kind == NUMBER or (tok.kind == PROTECTED and (any(c.isdigit() for c in tok.text)
                                                            or _ROMAN_NUMERAL.match(tok.text))):
            out.append(tok.text)
    return out


def is_number_chunk(chunk: str) -> bool:
    """A chunk holding a number token (number_tokens)."""
    return bool(number_tokens(chunk))


def _bare(text: str) -> str:
    return strip_diacritics(text).replace("đ", "d").replace("Đ", "D")


def _blocks(a: Sequence[str], b: Sequence[str]):
    """Aligned blocks (a chunks, b chunks) of two chunk lists: chunk by chunk where the
    counts agree, else by their marks-free text (a merged or split word, issue 9.5,
    changes the whitespace of the words around, never of a number)."""
    if len(a) == len(b):
        return [([x], [y]) for x, y in zip(a, b)]
    import difflib

    ops = difflib.SequenceMatcher(None, [_bare(x) for x in a], [_bare(y) for y in b], autojunk=False)
    blocks = []
    for tag, i1, i2, j1, j2 in ops.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            blocks += [([x], [y]) for x, y in zip(a[i1:i2], b[j1:j2])]
        else:
            blocks.append((list(a[i1:i2]), list(b[j1:j2])))
    return blocks


def changed_numbers(src: str, out: str) -> List[Tuple[str, str]]:
    """(input chunk, output chunk) of every chunk whose number tokens changed beyond
    their marks (see the module docstring)."""
    changed = []
    for x, y in _blocks(src.split(), out.split()):
        x, y = " ".join(x), " ".join(y)
        if (nums := number_tokens(x)) and [_bare(t) for t in nums] != [_bare(t) for t in number_tokens(y)]:
            changed.append((x, y))
    return changed


def changed_words(src: str, out: str) -> Tuple[int, int]:
    """(chunks changed, chunks) between two texts (a merged or split word counts once)."""
    a = src.split()
    return sum(x != y for x, y in _blocks(a, out.split())), len(a)


def interleave(lines: Sequence[str], ocr_lines: Sequence[str]) -> Tuple[str, List[int]]:
    """One document: after every line of ours, the next line of the OCR document (in a
    loop); returns the text and the indices of our lines in it."""
    body = [ln for ln in ocr_lines if ln.strip()]
    out: List[str] = []
    ours: List[int] = []
    for k, line in enumerate(lines):
        ours.append(len(out))
        out.append(line)
        out.append(body[k % len(body)])
    return "\n".join(out), ours


def measure(lines: Sequence[str], restorer, sample_ocr: str = SAMPLE_OCR) -> Dict[str, object]:
    """The four restorations (module docstring) of `lines`; per variant the number
    chunks, how many changed and a few examples; words changed on the correct text."""
    stripped = [strip_diacritics(ln) for ln in lines]
    with open(sample_ocr, encoding="utf-8") as fh:
        ocr_lines = fh.read().split("\n")
    mixed, ours = interleave(stripped, ocr_lines)
    mixed_out = restorer.restore(mixed).split("\n")  # once: the whole document
    outs = {
        "correct": restorer.restore("\n".join(lines)).split("\n"),
        "stripped": restorer.restore("\n".join(stripped)).split("\n"),
        "ocr-document": restorer.restore("\n".join(stripped), ocr_document=True).split("\n"),
        "in-real-ocr": [mixed_out[i] for i in ours],
    }
    report: Dict[str, object] = {}
    for name, out in outs.items():
        src = lines if name == "correct" else stripped
        changes = [c for s, o in zip(src, out) for c in changed_numbers(s, o)]
        total = sum(is_number_chunk(c) for s in src for c in s.split())
        report[name] = {"number_chunks": total, "changed": len(changes), "examples": changes[:10]}
    changed, total = map(sum, zip(*(changed_words(s, o) for s, o in zip(lines, outs["correct"]))))
    report["correct_words_changed"] = (changed, total)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick", help="write the held-out numbers set")
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--n-lines", type=int, default=1000)
    p.add_argument("--out", required=True, help="a TSV outside the repository")
    p.add_argument("--split", choices=("heldout", "train"), default="heldout",
                   help="held-out (the proof; default) or training lines (to choose "
                        "digit_letters.DIGIT_MARGIN on)")
    m = sub.add_parser("measure", help="restore the set four ways and count changed numbers")
    m.add_argument("tsv")
    m.add_argument("--engine", default="auto")
    args = ap.parse_args(argv)
    if args.cmd == "pick":
        kinds: Counter = Counter()
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("line\tkinds\n")
            n = 0
            for line, ks in pick(args.corpus, args.n_lines, split=args.split):
                fh.write(f"{line}\t{','.join(ks)}\n")
                kinds.update(ks)
                n += 1
        os.replace(tmp, args.out)
        print(f"{n} lines → {args.out}; lines per kind: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
        return 0
    from vidiacritic import Restorer
    with open(args.tsv, encoding="utf-8") as fh:
        rows = [ln.rstrip("\n").split("\t") for ln in fh]
    lines = [r[0] for r in rows[1:] if r and r[0]]
    t0 = time.time()
    report = measure(lines, Restorer(engine=args.engine))
    for name, r in report.items():
        if name == "correct_words_changed":
            c, t = r
            print(f"words changed on the correct lines: {c}/{t} ({c / max(t, 1):.3%})")
            continue
        print(f"{name}: {r['changed']} of {r['number_chunks']} number chunks changed"
              + ("" if not r["examples"] else "; e.g. " + ", ".join(f"{a!r}→{b!r}" for a, b in r["examples"])))
    print(f"({len(lines)} lines, engine {args.engine}, {time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
