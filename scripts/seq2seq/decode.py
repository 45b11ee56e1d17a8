#!/usr/bin/env python3
"""Greedy-decode a text file line by line with the seq2seq model; report speed.

    python scripts/seq2seq/decode.py ../shared/dev/seed_ocr.txt -o runs/hyp.txt
    python scripts/seq2seq/decode.py IN --runtime ct2 --ct2-dir runs/s2s_ct2
    python scripts/seq2seq/decode.py IN --strip   # strip diacritics of IN first

Empty lines stay empty; whitespace inside a line is collapsed.  Lines are batched by
length (--max-tokens source pieces per batch).  Prints lines, syllables, generated
pieces, seconds, syllables/s and pieces/s to stderr as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from vidiacritic.text import strip_diacritics  # noqa: E402

PAD, UNK, BOS, EOS = 0, 1, 2, 3
DEFAULT_MODEL = os.path.join(os.path.dirname(__file__), "..", "..", "models", "seq2seq", "generator")


def batches(items, max_tokens, max_batch=128):
    k = 0
    while k < len(items):
        n = 1
        while (k + n < len(items) and n < max_batch
               and len(items[k + n][1]) * (n + 1) <= max_tokens):
            n += 1
        yield items[k:k + n]
        k += n


def decode_torch(model_dir, sp, items, max_tokens, threads):
    import torch
    from transformers import BartForConditionalGeneration
    if threads:
        torch.set_num_threads(threads)
    t = time.time()
    model = BartForConditionalGeneration.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    load = time.time() - t
    out, gen_tokens = {}, 0
    with torch.inference_mode():
        for chunk in batches(items, max_tokens):
            L = max(len(s) for _, s in chunk)
            inp = torch.full((len(chunk), L), PAD, dtype=torch.long)
            for j, (_, s) in enumerate(chunk):
                inp[j, : len(s)] = torch.tensor(s)
            gen = model.generate(input_ids=inp, attention_mask=(inp != PAD).long(),
                                 num_beams=1, do_sample=False,
                                 max_new_tokens=min(256, int(L * 1.4) + 10))
            for j, (i, _) in enumerate(chunk):
                ids = [x for x in gen[j].tolist() if x > EOS]
                gen_tokens += len(ids) + 1
                out[i] = ids
    return out, gen_tokens, load


def decode_ct2(ct2_dir, sp, items, max_tokens, threads):
    import ctranslate2
    t = time.time()
    tr = ctranslate2.Translator(ct2_dir, device="cpu", compute_type="int8",
                                inter_threads=1, intra_threads=threads or 2)
    load = time.time() - t
    out, gen_tokens = {}, 0
    for chunk in batches(items, max_tokens):
        L = max(len(s) for _, s in chunk)
        res = tr.translate_batch([sp.id_to_piece(s) for _, s in chunk], beam_size=1,
                                 max_decoding_length=min(256, int(L * 1.4) + 10))
        for (i, _), r in zip(chunk, res):
            ids = [sp.piece_to_id(p) for p in r.hypotheses[0]]
            ids = [x for x in ids if x > EOS]
            gen_tokens += len(ids) + 1
            out[i] = ids
    return out, gen_tokens, load


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--runtime", choices=("torch", "ct2"), default="torch")
    ap.add_argument("--ct2-dir", default="runs/s2s_ct2")
    ap.add_argument("--strip", action="store_true")
    ap.add_argument("--max-tokens", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args(argv)
    import sentencepiece as spm
    t0 = time.time()
    sp_path = os.path.join(a.model, "spm.model")
    if not os.path.exists(sp_path):  # generator/ shares the tokenizer of models/seq2seq
        sp_path = os.path.join(a.model, "..", "spm.model")
    sp = spm.SentencePieceProcessor(model_file=sp_path)
    lines = open(a.input, encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if a.strip:
        lines = [strip_diacritics(x) for x in lines]
    items = [(i, sp.encode(" ".join(x.split()))[:250]) for i, x in enumerate(lines)
             if x.strip()]
    items.sort(key=lambda x: len(x[1]))
    t = time.time()
    fn = decode_torch if a.runtime == "torch" else decode_ct2
    src = a.model if a.runtime == "torch" else a.ct2_dir
    out, gen_tokens, load = fn(src, sp, items, a.max_tokens, a.threads)
    dt = time.time() - t - load
    hyp = [sp.decode(out[i]) if i in out else "" for i in range(len(lines))]
    text = "\n".join(hyp) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    syl = sum(1 for x in lines for w in x.split() if any(c.isalpha() for c in w))
    print(json.dumps({"runtime": a.runtime, "lines": len(lines), "syllables": syl,
                      "generated_pieces": gen_tokens, "load_s": round(load, 2),
                      "decode_s": round(dt, 2), "syl_per_s": round(syl / dt, 1),
                      "pieces_per_s": round(gen_tokens / dt, 1),
                      "total_s": round(time.time() - t0, 2)}), file=sys.stderr)


if __name__ == "__main__":
    main()
