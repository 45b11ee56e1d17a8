#!/usr/bin/env python3
"""Train the sentencepiece tokenizer shared by the noisy source and the clean target.

Training text: a sample of the clean chunks of runs/s2s_data plus noisy versions of the
same chunks (fully stripped, partly stripped, synthetic OCR), and the real OCR pairs
when present, with a few upper-cased lines (headings).  Unigram, byte fallback,
character coverage 1.0, digits split, identity normalization (NFC is done beforehand).

    python -m scripts.seq2seq.train_tokenizer --data runs/s2s_data --out models/seq2seq
"""
from __future__ import annotations

import argparse
import lzma
import os
import random
import tempfile

from scripts.seq2seq.noise import CharNoise, partial_strip, strip_line

PAD, UNK, BOS, EOS = 0, 1, 2, 3


def sample_lines(path: str, n: int, rng: random.Random):
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        lines = [x.rstrip("\n") for x in fh]
    rng.shuffle(lines)
    return lines[:n]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="runs/s2s_data")
    ap.add_argument("--out", default="models/seq2seq")
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--model-type", default="unigram")
    ap.add_argument("--lines", type=int, default=60000, help="clean chunks per domain")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    import sentencepiece as spm

    rng = random.Random(a.seed)
    noise_path = os.path.join(a.data, "noise.json")
    noise = (CharNoise.from_json(open(noise_path, encoding="utf-8").read())
             if os.path.exists(noise_path) else CharNoise.default())
    clean = sample_lines(os.path.join(a.data, "legal.txt.xz"), a.lines, rng)
    clean += sample_lines(os.path.join(a.data, "general.txt.xz"), a.lines // 2, rng)
    texts = []
    for t in clean:
        texts.append(t)
        r = rng.random()
        if r < 0.3:
            texts.append(strip_line(t))
        elif r < 0.45:
            texts.append(partial_strip(t, rng))
        else:
            texts.append(noise.line(t, rng))
        if rng.random() < 0.03:
            texts.append(t.upper())
            texts.append(noise.line(t.upper(), rng))
    real = os.path.join(a.data, "real_ocr.tsv.xz")
    if os.path.exists(real):
        with lzma.open(real, "rt", encoding="utf-8") as fh:
            for i, row in enumerate(fh):
                if i >= a.lines // 2:
                    break
                texts.append(row.split("\t")[0])
    rng.shuffle(texts)
    os.makedirs(a.out, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt",
                                     delete=False) as tmp:
        for t in texts:
            tmp.write(t + "\n")
    print(f"training sentencepiece on {len(texts)} lines", flush=True)
    spm.SentencePieceTrainer.train(
        input=tmp.name, model_prefix=os.path.join(a.out, "spm"), vocab_size=a.vocab,
        model_type=a.model_type, character_coverage=1.0, byte_fallback=True,
        split_digits=True, normalization_rule_name="identity",
        pad_id=PAD, unk_id=UNK, bos_id=BOS, eos_id=EOS,
        input_sentence_size=len(texts), shuffle_input_sentence=True,
        max_sentence_length=8192, num_threads=a.threads, minloglevel=1)
    os.remove(tmp.name)
    vocab = os.path.join(a.out, "spm.vocab")
    if os.path.exists(vocab):
        os.remove(vocab)  # the .model holds everything
    sp = spm.SentencePieceProcessor(model_file=os.path.join(a.out, "spm.model"))
    probe = clean[:2000]
    syl = sum(len(t.split()) for t in probe)
    for name, fn in (("clean", lambda t: t), ("stripped", strip_line),
                     ("ocr_synth", lambda t: noise.line(t, rng))):
        ntok = sum(len(sp.encode(fn(t))) for t in probe)
        print(f"{name}: {ntok / syl:.2f} pieces per word")


if __name__ == "__main__":
    main()
