"""Stage 4b — the seq2seq candidate scorer, run with numpy alone.

The model is a small BART (``scripts/seq2seq/train_scorer.py``): its encoder reads a
noisy line through sentencepiece, its decoder emits one syllable token per input word.
At inference it does not generate.  Given the decoder's input (the first-pass Viterbi
choice of every earlier word) one teacher-forced pass yields, for every word, a
log-probability for each candidate the OCR channel proposed; the restorer adds these
to the lattice and decodes again.  So the model can only choose among plausible
repairs of the word that is there: it never drops, adds, reorders or rewrites tokens.

Runtimes (neither needs torch nor transformers):
  onnxruntime  ``scorer.int8.onnx``, int8 weights, dynamic int8 activations: the fastest
               on a laptop CPU (``scripts/seq2seq/bench_scorer.py``); used when the file
               and the onnxruntime package are there.
  numpy        ``scorer.npz`` alone, float32 arithmetic: the fallback, and the reference
               that ``tests/test_scorer.py`` checks against transformers' BART.
The model has ~9M parameters and is run teacher-forced (no step-by-step generation), so
a handful of matrix products per layer is all it takes either way.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import plain_memory
from ..errors import MissingResource, SettingError, VidiacriticError

RUNTIMES = ("auto", "onnxruntime", "numpy")
ONNX_FILE = "scorer.int8.onnx"
# Segments longer than this are cut (the model was trained on spans of 3–64 words).
MAX_WORDS = 64
MAX_SOURCE = 250


def _onnx_session(path: Path, required: bool):
    """An onnxruntime session for the int8 graph, or None (numpy then runs the model)
    when onnxruntime is not installed and not `required`."""
    try:
        import onnxruntime as ort
    except ImportError:
        if required:
            raise
        return None
    if not path.exists():
        raise MissingResource(f"missing {path}")
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = 1  # one graph at a time; intra-op threads: all cores
    # Its threads sleep between operators instead of spinning: on cores other processes
    # share, spinning only takes their time (the scores are the same either way;
    # models/seq2seq/CARD.md, Speed).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


CONFIG_KEYS = ("d_model", "heads", "encoder_layers", "decoder_layers", "syllable_offset", "bos", "eos", "pad")


def _read_config(path: Path) -> dict:
    cfg = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in CONFIG_KEYS if not isinstance(cfg, dict) or not isinstance(cfg.get(k), int)]
    if missing:
        raise ValueError(f"no integer {', '.join(missing)}")
    return cfg


def _reading(path: Path, read):
    """read(path), with any failure but a missing package named after the file (the
    errors of json, numpy, sentencepiece or onnxruntime on a damaged file rarely are)."""
    try:
        return read(path)
    except (ImportError, VidiacriticError):
        raise
    except Exception as e:
        raise ValueError(f"{path.name}: {type(e).__name__}: {e}") from e


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _linear(x, weight_t, bias):
    """x (..., d_in) @ weight_t (d_in, d_out) + bias, as one 2-D GEMM (numpy runs a
    stacked 3-D matmul as many small ones)."""
    shape = x.shape
    y = x.reshape(-1, shape[-1]) @ weight_t
    y += bias
    return y.reshape(*shape[:-1], weight_t.shape[1])


def _gelu(x):
    # tanh approximation of BART's exact (erf) GELU: numpy has no erf, and the two
    # differ by < 1e-3, far below what changes a choice (tests/test_scorer.py).
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def load_weights(path, only: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """float32 weights from ``scorer.npz``: float16 arrays, or int8 matrices stored as
    ``NAME::int8`` with one float32 scale per row in ``NAME::scale``.  `only`: just
    these names."""
    w: Dict[str, np.ndarray] = {}
    with np.load(path, allow_pickle=False) as z:
        for k in z.files:
            if k.endswith("::scale"):
                continue
            if only is not None and k.split("::")[0] not in only:
                continue
            if k.endswith("::int8"):
                name = k[: -len("::int8")]
                w[name] = z[k].astype(np.float32) * z[name + "::scale"][:, None]
            else:
                w[k] = z[k].astype(np.float32)
    return w


def load_rows(path, name: str, start: int) -> np.ndarray:
    """Rows `start`: of weight `name` of ``scorer.npz``, the same float32 values
    load_weights gives, in plain pages (vidiacritic.plain_memory: no 14 MB temporary
    and no huge pages, whose faults on fresh memory are slow in a VM)."""
    with np.load(path, allow_pickle=False) as z:
        if name + "::int8" in z.files:
            q, scale = z[name + "::int8"][start:], z[name + "::scale"][start:, None]
        else:
            q, scale = z[name][start:], np.float32(1.0)
        # (int8 and float16 convert to float32 exactly: the product is load_weights')
        dtype = np.result_type(np.float32, scale)
        out = plain_memory.zeros(q.shape, dtype)
        np.multiply(q, scale, out=out, dtype=dtype)
    return out


class CandidateScorer:
    """Loads ``scorer.npz`` + ``scorer.json`` + ``spm.model`` + ``syllables.txt``, and
    ``scorer.int8.onnx`` for the onnxruntime runtime.

    runtime: "auto" (onnxruntime when the .onnx file and the package are there, else
    numpy), "onnxruntime" (required) or "numpy"; None reads the environment variable
    VIDIACRITIC_RUNTIME (default "auto")."""

    def __init__(self, folder, runtime: Optional[str] = None):
        # The setting is checked before anything is imported or read: a typo is an
        # error even where sentencepiece is missing (which makes "auto" fall back).
        if runtime is None:
            runtime = os.environ.get("VIDIACRITIC_RUNTIME", "auto")
        if runtime not in RUNTIMES:
            raise SettingError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
        import sentencepiece as spm  # small C++ wheel

        folder = Path(folder)
        self.cfg = _reading(folder / "scorer.json", _read_config)
        self._npz = folder / "scorer.npz"
        self.session = None
        if runtime != "numpy" and (runtime == "onnxruntime" or (folder / ONNX_FILE).exists()):
            self.session = _reading(folder / ONNX_FILE,
                                    lambda p: _onnx_session(p, required=runtime == "onnxruntime"))
        self.runtime = "onnxruntime-int8" if self.session is not None else "numpy"
        self.offset = int(self.cfg["syllable_offset"])
        # onnxruntime needs only the output embedding's syllable rows from the .npz (the
        # rest loads if something asks for self.w or self.emb)
        self._w: Optional[Dict[str, np.ndarray]] = None
        if self.session is None:
            self._w = _reading(self._npz, load_weights)
            self.out_emb = np.ascontiguousarray(self.emb[self.offset:])  # syllable rows
        else:
            self.out_emb = _reading(self._npz, lambda p: load_rows(p, "model.shared.weight", self.offset))
        self.sp = _reading(folder / "spm.model", lambda p: spm.SentencePieceProcessor(model_file=str(p)))
        syl = _reading(folder / "syllables.txt", lambda p: p.read_text(encoding="utf-8")).split("\n")
        self.syllables = {s: i + 1 for i, s in enumerate(x for x in syl if x)}  # 0: unknown
        self._names: Optional[List[Optional[str]]] = None  # output id → syllable (built by syllable())
        self.d = int(self.cfg["d_model"])
        self.heads = int(self.cfg["heads"])
        self.scale = float(np.sqrt(self.d)) if self.cfg.get("scale_embedding", True) else 1.0
        self.bos = int(self.cfg["bos"])
        self.lin: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        if self.session is None:
            self._prepare()

    @property
    def w(self) -> Dict[str, np.ndarray]:
        """All weights as float32 (loaded on first use when onnxruntime runs the model)."""
        if self._w is None:
            self._w = load_weights(self._npz)
        return self._w

    @property
    def emb(self) -> np.ndarray:
        """The shared (input and output) embedding, float32."""
        return self.w["model.shared.weight"]

    # ------------------------------------------------------------ ids
    def syllable_id(self, form: Optional[str]) -> int:
        """Index in the output vocabulary (0 for "keep as written" and unknown words)."""
        return self.syllables.get(form, 0) if form is not None else 0

    def syllable(self, sid: int) -> Optional[str]:
        """The syllable of output id `sid` (None for 0, "keep as written" and unknown words)."""
        if self._names is None:
            self._names = [None] * (len(self.syllables) + 1)
            for s, i in self.syllables.items():
                self._names[i] = s
        return self._names[sid]

    def syllable_ids(self, forms: Sequence[Optional[str]]) -> np.ndarray:
        """syllable_id of each form, as an array ([0] for no forms: the word is kept)."""
        get = self.syllables.get  # (None, "keep as written", is no key: it gets 0 too)
        return np.array([get(f, 0) for f in forms] or [0])

    # ------------------------------------------------------------ transformer
    def _prepare(self) -> None:
        """Weights rearranged for the forward pass: transposed and contiguous, the query
        scale folded in, and the projections that read the same input stacked so that
        each is one GEMM (q, k, v for self-attention; k, v for cross-attention)."""
        w = self.w
        hd = self.d // self.heads
        self.lin: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}

        def stack(names, scale0=1.0):
            ws = [w[n + ".weight"] * (scale0 if i == 0 else 1.0) for i, n in enumerate(names)]
            bs = [w[n + ".bias"] * (scale0 if i == 0 else 1.0) for i, n in enumerate(names)]
            return np.ascontiguousarray(np.concatenate(ws, 0).T), np.concatenate(bs)

        for part, n in (("encoder", self.cfg["encoder_layers"]), ("decoder", self.cfg["decoder_layers"])):
            for i in range(int(n)):
                p = f"model.{part}.layers.{i}."
                a = p + "self_attn."
                self.lin[a + "qkv"] = stack([a + "q_proj", a + "k_proj", a + "v_proj"], hd ** -0.5)
                self.lin[a + "out"] = stack([a + "out_proj"])
                self.lin[p + "fc1"] = stack([p + "fc1"])
                self.lin[p + "fc2"] = stack([p + "fc2"])
                if part == "decoder":
                    c = p + "encoder_attn."
                    self.lin[c + "q"] = stack([c + "q_proj"], hd ** -0.5)
                    self.lin[c + "kv"] = stack([c + "k_proj", c + "v_proj"])
                    self.lin[c + "out"] = stack([c + "out_proj"])

    def _heads(self, q, k, v, mask, prefix):
        """Scaled dot-product attention over heads; q (B,T,d), k/v (B,S,d)."""
        B, T, d = q.shape
        S = k.shape[1]
        h = self.heads
        hd = d // h
        q = q.reshape(B, T, h, hd).transpose(0, 2, 1, 3)
        k = k.reshape(B, S, h, hd).transpose(0, 2, 3, 1)
        v = v.reshape(B, S, h, hd).transpose(0, 2, 1, 3)
        a = q @ k
        a += mask[:, None]
        a -= a.max(-1, keepdims=True)
        np.exp(a, out=a)
        a /= a.sum(-1, keepdims=True)
        o = (a @ v).transpose(0, 2, 1, 3).reshape(B, T, d)
        return _linear(o, *self.lin[prefix + "out"])

    def _self_attn(self, prefix, x, mask):
        d = self.d
        qkv = _linear(x, *self.lin[prefix + "qkv"])
        return self._heads(qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:], mask, prefix)

    def _cross_attn(self, prefix, x, kv, mask):
        d = self.d
        q = _linear(x, *self.lin[prefix + "q"])
        return self._heads(q, kv[..., :d], kv[..., d:], mask, prefix)

    def _ffn(self, prefix, x):
        return _linear(_gelu(_linear(x, *self.lin[prefix + "fc1"])), *self.lin[prefix + "fc2"])

    def _embed(self, part, ids):
        w = self.w
        pos = w[f"model.{part}.embed_positions.weight"][2: 2 + ids.shape[1]]  # BART offset 2
        x = self.emb[ids] * self.scale + pos
        return _layer_norm(x, w[f"model.{part}.layernorm_embedding.weight"],
                           w[f"model.{part}.layernorm_embedding.bias"])

    def _encode(self, src: np.ndarray):
        w = self.w
        pad = src == self.cfg["pad"]
        mask = np.where(pad, -1e9, 0.0).astype(np.float32)[:, None, :]
        x = self._embed("encoder", src)
        for i in range(int(self.cfg["encoder_layers"])):
            p = f"model.encoder.layers.{i}."
            x = _layer_norm(x + self._self_attn(p + "self_attn.", x, mask),
                            w[p + "self_attn_layer_norm.weight"], w[p + "self_attn_layer_norm.bias"])
            x = _layer_norm(x + self._ffn(p, x), w[p + "final_layer_norm.weight"],
                            w[p + "final_layer_norm.bias"])
        return x, mask

    def _decode(self, dec: np.ndarray, mem, mem_mask):
        w = self.w
        T = dec.shape[1]
        causal = np.triu(np.full((T, T), -1e9, dtype=np.float32), 1)[None]
        x = self._embed("decoder", dec)
        for i in range(int(self.cfg["decoder_layers"])):
            p = f"model.decoder.layers.{i}."
            x = _layer_norm(x + self._self_attn(p + "self_attn.", x, causal),
                            w[p + "self_attn_layer_norm.weight"], w[p + "self_attn_layer_norm.bias"])
            kv = _linear(mem, *self.lin[p + "encoder_attn.kv"])
            x = _layer_norm(x + self._cross_attn(p + "encoder_attn.", x, kv, mem_mask),
                            w[p + "encoder_attn_layer_norm.weight"],
                            w[p + "encoder_attn_layer_norm.bias"])
            x = _layer_norm(x + self._ffn(p, x), w[p + "final_layer_norm.weight"],
                            w[p + "final_layer_norm.bias"])
        return x

    def _states(self, sources: Sequence[str], prefixes: Sequence[Sequence[int]]) -> np.ndarray:
        """Decoder output states (B, T, d) for a batch of segments."""
        src_ids = [self.sp.encode(s)[:MAX_SOURCE] or [self.cfg["eos"]] for s in sources]
        S = max(len(s) for s in src_ids)
        T = max(len(p) for p in prefixes)
        B = len(sources)
        src = np.zeros((B, S), dtype=np.int64)
        dec = np.zeros((B, T), dtype=np.int64)
        for b, (s, p) in enumerate(zip(src_ids, prefixes)):
            src[b, : len(s)] = s
            dec[b, 0] = self.bos
            dec[b, 1: len(p)] = np.asarray(p[:-1], dtype=np.int64) + self.offset
        if self.session is not None:
            return self.session.run(None, {"input_ids": src, "decoder_input_ids": dec})[0]
        mem, mem_mask = self._encode(src)
        return self._decode(dec, mem, mem_mask)

    def log_probs(self, sources: Sequence[str], prefixes: Sequence[Sequence[int]]) -> List[np.ndarray]:
        """For each segment: (n_words, n_syllables+1) log-probabilities of the syllable
        at every word given the source text and the syllable ids before it."""
        h = self._states(sources, prefixes)
        logits = h @ self.out_emb.T
        logits -= logits.max(-1, keepdims=True)
        lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        return [lp[b, : len(p)] for b, p in enumerate(prefixes)]

    def score(self, segments: Sequence[Tuple[str, Sequence[int], Sequence[np.ndarray]]],
              batch_tokens: int = 1500, rows: Optional[Dict[Tuple[int, int], np.ndarray]] = None
              ) -> List[List[np.ndarray]]:
        """segments: (source text, first-pass syllable id per word, candidate ids per
        word).  Returns, per segment and word, the log-probabilities of the candidates
        normalised over that word's candidates.  (Normalising over the whole syllable
        vocabulary instead only shifts each word's scores by a constant, which changes
        neither the Viterbi path nor the confidences, and costs a 6k-way softmax.)
        Segments are batched by length so that little time goes to padding.
        `rows`: {(segment, word): None} of words whose decoder states are wanted too
        (filled in: (d,) arrays, for :meth:`logits`)."""
        out: List[Optional[List[np.ndarray]]] = [None] * len(segments)
        wanted: Dict[int, list] = {}
        for key in rows or ():
            wanted.setdefault(key[0], []).append(key)
        order = sorted(range(len(segments)), key=lambda i: len(segments[i][0]))
        k = 0
        while k < len(order):
            n = 1
            while k + n < len(order) and (len(segments[order[k + n]][0]) // 3 + 2) * (n + 1) <= batch_tokens:
                n += 1
            idx = order[k: k + n]
            k += n
            h = self._states([segments[i][0] for i in idx], [segments[i][1] for i in idx])
            for b, i in enumerate(idx):
                out[i] = self.candidate_log_probs(h[b], segments[i][2])
                for key in wanted.get(i, ()):
                    rows[key] = h[b][key[1]].copy()
        return out  # type: ignore[return-value]

    def logits(self, states: np.ndarray, ids: Optional[np.ndarray] = None) -> np.ndarray:
        """Output logits (n, len(ids)) of decoder states (n, d) for syllable ids `ids`
        (default: all).  The ids are by frequency (syllables.txt), so ids 0..k are the
        k most frequent syllables and "unknown"."""
        emb = self.out_emb if ids is None else self.out_emb[np.asarray(ids)]
        return np.asarray(states) @ emb.T

    def candidate_log_probs(self, states: np.ndarray, cands: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Decoder states of one segment (T, d) → per word, the log-softmax of the
        output logits over that word's candidate ids."""
        res = []
        # (the ufuncs' reduce: what ndarray.max and .sum call through a Python wrapper,
        # the same values, for each of the dev OCR report's ~2,400 scored words)
        top, add = np.maximum.reduce, np.add.reduce
        for j, c in enumerate(cands):
            z = self.out_emb[np.asarray(c)] @ states[j]
            z = z - top(z)
            res.append(z - np.log(add(np.exp(z))))
        return res
