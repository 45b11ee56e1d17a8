#!/usr/bin/env python3
"""Convert models/seq2seq (BART, sentencepiece vocabulary) to CTranslate2 (int8 default).

    python scripts/seq2seq/to_ct2.py --model models/seq2seq/generator --out runs/s2s_ct2

The stock converter wants a Hugging Face tokenizer and reads BartConfig.normalize_before,
which transformers 5 no longer has; both are patched here (BART is post-norm).
"""
import argparse

import ctranslate2  # noqa: F401
import sentencepiece as spm
from ctranslate2.converters import transformers as ct2t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="models/seq2seq/generator")
    ap.add_argument("--out", default="runs/s2s_ct2")
    ap.add_argument("--quantization", default="int8")
    a = ap.parse_args(argv)
    sp = spm.SentencePieceProcessor(model_file=f"{a.model}/spm.model")
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]

    class Loader(ct2t.BartLoader):
        def get_model_spec(self, model):
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return super().get_model_spec(model)

        def get_vocabulary(self, model, tokenizer):
            return vocab

        def set_config(self, config, model, tokenizer):
            config.bos_token = sp.id_to_piece(2)
            config.eos_token = sp.id_to_piece(3)
            config.unk_token = sp.id_to_piece(1)
            config.decoder_start_token = sp.id_to_piece(model.config.decoder_start_token_id)

    ct2t._MODEL_LOADERS["BartConfig"] = Loader()

    class Conv(ct2t.TransformersConverter):
        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            return None

    print(Conv(a.model).convert(a.out, quantization=a.quantization, force=True))


if __name__ == "__main__":
    main()
