#!/usr/bin/env python3
"""Everything a GPU session needs to train the seq2seq scorer in its one short device call
(issue 9; models/seq2seq/CARD.md, "Before a GPU run").

The device (one H200) gets only the checkout's files plus what ``carry`` names, 64 MiB in
all, has no ``datasets`` and no network, and sends back at most 8 files of 16 MiB from
$OUT.  So the training pairs travel as a small Parquet bundle, the tree travels without the
files training does not read, and the results come back as the runtime files.

  pack       build the pairs with pairs_dataset.py (the Hugging Face dataset stays the
             canonical store, under runs/), hold back a validation part per kind, and
             write ``train.parquet`` + ``valid.parquet`` (zstd) + ``bundle.json``
             (rows per kind, sha256, bytes, the command):
               python -m scripts.seq2seq.device_kit pack --corpus ../shared/corpus \\
                   --real vie-poor=/work/work_data/gpu13/poor_vie_train.tsv --out runs/device
  train      fine-tune the scorer in --init (or train a new ``base`` one) on a bundle, bf16
             autocast on CUDA, checkpoints, teacher-forced accuracy per kind on the
             validation part, then the runtime files (scorer.npz, scorer.int8.onnx,
             scorer.json; spm.model and syllables.txt copied, weights.json untouched) in
             --out; --ship DIR also copies them there in pieces under 15 MiB:
               python -m scripts.seq2seq.device_kit train --bundle runs/device \\
                   --init models/seq2seq --minutes 7 --device cuda --out /tmp/gpu_out --ship $OUT
  pretrain   a new scorer from scratch (``--preset base``) by train_scorer.py's recipe on
             the carried clean chunks of make_pairs.py, the bundle's real train rows as
             its real pairs; shipped like ``train``, whose ``--init`` then fine-tunes it on
             the bundle (model card, "A larger scorer on a GPU (session 27)"):
               python -m scripts.seq2seq.device_kit pretrain --data runs/s2s_carry \\
                   --bundle runs/device --preset base --workers 14 --minutes 5.8 --out /tmp/p1 --ship $OUT
  fetch      put shipped files back together here (sha256 checked) into a model folder
             that ``Restorer(model_dir=...)`` loads
  slim-tree  the bytes that would travel, with and without the files training does not
             read; --make BRANCH writes a commit without them (the working tree is not
             touched) for the one device call

Imports: this module uses the training code (finetune_scorer, train_scorer, loop,
onnx_export, quantize) and the runtime; the runtime never imports it.  No corpus text is
committed: bundles live under runs/ (git-ignored).
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
COLUMNS = ("noisy", "clean", "kind", "source")
PARTS = ("train", "valid")
MANIFEST = "bundle.json"
SHIP_FILE = "ship.json"
SHIP_PIECE = 15 * 2 ** 20          # under the 16 MiB a file from $OUT may hold
SHIP_MAX_FILES = 8                 # files that come back from $OUT
DEVICE_LIMIT = 64 * 2 ** 20        # the working tree that travels, carried paths included
# The scorer's files training reads from --init; the rest of models/seq2seq is rebuilt.
INIT_FILES = ("scorer.npz", "scorer.json", "spm.model", "syllables.txt")
COPY_FILES = ("spm.model", "syllables.txt", "noise.json", "weights.json")
RESULT_FILES = ("scorer.npz", "scorer.int8.onnx", "scorer.json", "train_log.jsonl", "report.json")
# Tracked files training does not read (the statistical engine's models, the lexicon,
# the ONNX graph that export rebuilds, pictures): left out of the slim tree.
SLIM_DROP = ("models/ngram/*", "models/candidates.tsv.gz", "data/admin_terms.*",
             "models/seq2seq/scorer.int8.onnx", "*.png", "models/seq2seq/generator/*")
# The training-split validation slices of this workplace (choosing happens on them) and
# held-out files are never training pairs.
REFUSED_DIRS = ("/work/work_data/train/",)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _git(repo: str, *args: str, env: Optional[dict] = None) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def _commit(repo: str) -> str:
    try:
        return _git(repo, "rev-parse", "--short", "HEAD").strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


# ---------------------------------------------------------------- the bundle

def split_valid(kinds: Sequence[str], per_kind: int, frac: float) -> List[bool]:
    """Which rows are held back: of each kind, the first min(`per_kind`, frac × its rows,
    at least 1 when it has 2 or more) in row order (the dataset is already shuffled)."""
    total: Dict[str, int] = {}
    for k in kinds:
        total[k] = total.get(k, 0) + 1
    want = {k: min(per_kind, max(1 if n >= 2 else 0, int(round(frac * n)))) for k, n in total.items()}
    seen: Dict[str, int] = {}
    out = []
    for k in kinds:
        i = seen.get(k, 0)
        seen[k] = i + 1
        out.append(i < want[k])
    return out


def kind_counts(kinds: Iterable[str]) -> Dict[str, int]:
    c: Dict[str, int] = {}
    for k in kinds:
        c[k] = c.get(k, 0) + 1
    return dict(sorted(c.items()))


def write_bundle(rows: Dict[str, list], out: str, *, per_kind: int = 150, frac: float = 0.1,
                 level: int = 19, meta: Optional[dict] = None) -> dict:
    """Write ``train.parquet``, ``valid.parquet`` (zstd) and ``bundle.json`` for the
    columns of `rows` (COLUMNS, lists of str); returns the manifest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(out, exist_ok=True)
    held = split_valid(rows["kind"], per_kind, frac)
    man = {"format": 1, "columns": list(COLUMNS), "valid_rule": {"per_kind": per_kind, "frac": frac},
           "files": {}, **(meta or {})}
    for part, want in (("train", False), ("valid", True)):
        idx = [i for i, h in enumerate(held) if h == want]
        tbl = pa.table({c: pa.array([rows[c][i] for i in idx], pa.string()) for c in COLUMNS})
        path = os.path.join(out, part + ".parquet")
        pq.write_table(tbl, path + ".tmp", compression="zstd", compression_level=level,
                       use_dictionary=["kind", "source"])
        os.replace(path + ".tmp", path)
        man["files"][part + ".parquet"] = {
            "rows": len(idx), "kinds": kind_counts(rows["kind"][i] for i in idx),
            "words": sum(len(rows["clean"][i].split()) for i in idx),
            "bytes": os.path.getsize(path), "sha256": sha256_file(path)}
    man["bytes"] = sum(f["bytes"] for f in man["files"].values())
    with open(os.path.join(out, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump(man, fh, indent=1, ensure_ascii=False)
    return man


class Rows:
    """Rows of one bundle part in memory, read with pyarrow alone (no ``datasets``):
    ``rows["kind"]`` is a column, ``rows[i]`` a row dict, as finetune_scorer.ArrowPairs
    reads them."""

    def __init__(self, cols: Dict[str, list]):
        self.cols = cols

    @classmethod
    def read(cls, path: str) -> "Rows":
        import pyarrow.parquet as pq
        t = pq.read_table(path)
        return cls({c: t.column(c).to_pylist() for c in COLUMNS})

    def __len__(self) -> int:
        return len(self.cols["kind"])

    def __getitem__(self, k):
        if isinstance(k, str):
            return self.cols[k]
        return {c: v[k] for c, v in self.cols.items()}

    def pairs_by_kind(self) -> Dict[str, List[Tuple[str, str]]]:
        out: Dict[str, List[Tuple[str, str]]] = {}
        for n, c, k in zip(self.cols["noisy"], self.cols["clean"], self.cols["kind"]):
            out.setdefault(k, []).append((n, c))
        return dict(sorted(out.items()))


def load_bundle(folder: str, verify: bool = True) -> Tuple[Rows, Rows, dict]:
    """(train rows, valid rows, manifest); with `verify` every file's sha256 must match."""
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
        man = json.load(fh)
    for name, info in man["files"].items():
        path = os.path.join(folder, name)
        if verify and sha256_file(path) != info["sha256"]:
            raise SystemExit(f"device_kit: error: {path} does not match {MANIFEST}")
    return Rows.read(os.path.join(folder, "train.parquet")), \
        Rows.read(os.path.join(folder, "valid.parquet")), man


def refuse(path: str) -> None:
    from scripts.seq2seq.pairs_dataset import refuse_heldout
    refuse_heldout(path)
    if any(os.path.abspath(path).startswith(d) for d in REFUSED_DIRS):
        raise SystemExit(f"device_kit: error: {path} is a validation slice, not training data")


def cmd_pack(a) -> int:
    import datasets

    t0 = time.time()
    for spec in a.real:
        refuse(spec.partition("=")[2])
    ds_dir = a.dataset
    if not ds_dir:
        from scripts.seq2seq import pairs_dataset
        from scripts.corpus import DEFAULT_CORPUS
        ds_dir = a.dataset_out
        argv = ["--corpus", a.corpus or DEFAULT_CORPUS, "--out", ds_dir, "--synthetic", str(a.synthetic),
                "--seed", str(a.seed), "--every", str(a.every)]
        for spec in a.real:
            argv += ["--real", spec]
        if pairs_dataset.main(argv):
            raise SystemExit("device_kit: error: pairs_dataset failed")
    ds = datasets.load_from_disk(ds_dir)
    # Plain lists: datasets 4+ returns a lazy Column whose every item is an Arrow read
    # (0.4 ms each; the bundle writer indexes each row several times).
    rows = {c: list(ds[c][:]) for c in COLUMNS}
    build = {}
    bpath = os.path.join(ds_dir, "build.json")
    if os.path.exists(bpath):
        with open(bpath, encoding="utf-8") as fh:
            build = json.load(fh)
    meta = {"command": "python -m scripts.seq2seq.device_kit " + " ".join(sys.argv[1:] if a.argv is None else a.argv),
            "dataset": {"path": ds_dir, "fingerprint": ds._fingerprint, "rows": len(ds),
                        "build_args": build.get("args")},
            "git": _commit(ROOT), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    man = write_bundle(rows, a.out, per_kind=a.valid_per_kind, frac=a.valid_frac, meta=meta)
    for name, f in man["files"].items():
        print(f"{name}: {f['rows']} rows, {f['bytes']:,} bytes, {json.dumps(f['kinds'])}")
    print(f"bundle {a.out}: {man['bytes']:,} bytes in all ({man['bytes'] / 2**20:.2f} MiB), "
          f"{time.time() - t0:.0f} s")
    return 0


# ---------------------------------------------------------------- training

def stub_missing_modules() -> List[str]:
    """The device's Python has no rapidfuzz, which ``import vidiacritic`` reaches through
    the candidate search; training never calls it.  A stand-in module that fails on use
    lets the training code import the library there.  Returns the names stubbed."""
    import types
    try:
        import rapidfuzz  # noqa: F401
        return []
    except ImportError:
        pass

    class _Missing:
        def __getattr__(self, name):
            raise ImportError("rapidfuzz is not installed (device_kit's stand-in)")

    top, dist = types.ModuleType("rapidfuzz"), types.ModuleType("rapidfuzz.distance")
    dist.Levenshtein = _Missing()
    top.distance = dist
    sys.modules["rapidfuzz"], sys.modules["rapidfuzz.distance"] = top, dist
    return ["rapidfuzz"]


def ship(out: str, dest: str) -> dict:
    """Copy the result files of `out` to `dest`, each in pieces of at most SHIP_PIECE
    bytes, with ``ship.json`` (sha256 of the whole files).  When the pieces would be more
    than SHIP_MAX_FILES files, the ONNX graph is left out (fetch rebuilds it)."""
    os.makedirs(dest, exist_ok=True)
    old = os.path.join(dest, SHIP_FILE)
    if os.path.exists(old):  # the pieces of an earlier ship: a file may now have fewer
        with open(old, encoding="utf-8") as fh:
            for f in json.load(fh)["files"].values():
                for part in f["parts"]:
                    if os.path.exists(os.path.join(dest, part)):
                        os.remove(os.path.join(dest, part))
    names = [n for n in RESULT_FILES if os.path.exists(os.path.join(out, n))]

    def pieces(n):
        return max(1, -(-os.path.getsize(os.path.join(out, n)) // SHIP_PIECE))
    if sum(pieces(n) for n in names) + 1 > SHIP_MAX_FILES and "scorer.int8.onnx" in names:
        names.remove("scorer.int8.onnx")
    info = {"files": {}}
    for n in names:
        src = os.path.join(out, n)
        parts = []
        with open(src, "rb") as fh:
            k = 0
            while True:
                chunk = fh.read(SHIP_PIECE)
                if not chunk and k:
                    break
                part = n if pieces(n) == 1 else f"{n}.part{k}"
                with open(os.path.join(dest, part), "wb") as g:
                    g.write(chunk)
                parts.append(part)
                k += 1
                if len(chunk) < SHIP_PIECE:
                    break
        info["files"][n] = {"sha256": sha256_file(src), "bytes": os.path.getsize(src), "parts": parts}
    with open(os.path.join(dest, SHIP_FILE), "w", encoding="utf-8") as fh:
        json.dump(info, fh, indent=1)
    return info


def fresh_pairs_class():
    """finetune_scorer.ArrowPairs whose synthetic rows get, with probability
    `fresh`, a noisy side drawn anew from their clean side by pairs_dataset.synth_row
    (same kind, same channels: models/marks.json and models/seq2seq/noise.json), so that
    minutes on a GPU, many passes over the bundle, do not learn one fixed draw of the
    noise.  Real Tesseract rows are always as recorded."""
    from scripts.seq2seq import finetune_scorer as FS
    from scripts.seq2seq import pairs_dataset as PD

    class FreshPairs(FS.ArrowPairs):
        def __init__(self, *args, fresh=0.5, marks_path="", noise_path="", **kw):
            super().__init__(*args, **kw)
            self.fresh, self.marks_path, self.noise_path = fresh, marks_path, noise_path
            self._channels = None

        def row(self, i, rng):
            r = self.ds[i]
            kind = r["kind"]
            if self.fresh <= 0 or kind.startswith("real-") or kind not in PD.SYNTH_MIX \
                    or rng.random() >= self.fresh:
                return r
            if self._channels is None:  # built in the worker that draws
                from scripts.seq2seq.noise import CharNoise
                from vidiacritic.marks import MarksChannel
                with open(self.noise_path, encoding="utf-8") as fh:
                    noise = CharNoise.from_json(fh.read())
                self._channels = (PD.MarksNoise(MarksChannel.load(self.marks_path)), noise)
            noisy = PD.synth_row(r["clean"], kind, rng, *self._channels)
            if noisy is None or not PD.aligned(noisy, r["clean"]):
                return r
            return dict(r, noisy=noisy)

    return FreshPairs


def cmd_train(a) -> int:
    t0 = time.time()
    stubbed = stub_missing_modules()
    import torch

    from scripts.seq2seq import finetune_scorer as FS
    from scripts.seq2seq import train_scorer as TS
    from scripts.seq2seq.loop import JsonLog, TrainLoop

    if a.device == "auto":
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(a.device)
    amp = device.type == "cuda"
    if amp:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    log = JsonLog(os.path.join(a.out, "train_log.jsonl"), t0)
    train, valid, man = load_bundle(a.bundle, verify=not a.no_verify)
    tok = os.path.join(a.init, "spm.model")
    syl_path = os.path.join(a.init, "syllables.txt")
    syllables = {w: i + 1 for i, w in enumerate(TS.load_syllables(syl_path))}
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=tok)
    if a.size == "base":  # a larger scorer, from random initialisation
        offset = sp.get_piece_size()
        model, preset, worst = TS.build_model(offset + len(syllables) + 1, "base"), "base", None
        lr = a.lr or 1e-3
    else:  # fine-tune the scorer in --init
        model, _sc, offset, preset, worst = FS.load_start(a.init)
        lr = a.lr or 2e-4
    model.to(device)
    max_tokens = a.max_tokens or (30000 if amp else 3000)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01,
                            eps=1e-8, **({"fused": True} if amp else {}))
    ckpt_dir = a.ckpt_dir or os.path.join(a.out, "ckpt")
    t_train = time.time()
    loop = TrainLoop(model, opt, ckpt_dir, log, lr=lr, warmup=a.warmup, finetune_frac=1.0,
                     plan_s=a.minutes * 60, deadline=t_train + a.minutes * 60, preset=preset,
                     device=device)
    n_syl = len(syllables) + 1
    val = valid.pairs_by_kind()
    log({"event": "start", "device": str(device),
         "gpu": torch.cuda.get_device_name(0) if amp else None, "size": a.size, "preset": preset,
         "params": sum(p.numel() for p in model.parameters()), "rebuild_dlogp": worst,
         "train_rows": len(train), "valid_rows": len(valid), "bundle_kinds": man["files"]["train.parquet"]["kinds"],
         "lr": lr, "max_tokens": max_tokens, "workers": a.workers, "real_share": a.real_share,
         "plan_s": loop.plan, "torch": torch.__version__, "stubbed": stubbed,
         "threads": torch.get_num_threads(), "bundle_git": man.get("git")})

    def accuracy() -> dict:
        res, right, total = {}, 0.0, 0
        for kind, pairs in val.items():
            acc, n = TS.tf_accuracy(model, sp, pairs, syllables, offset, device)
            res[kind] = round(acc, 5)
            right, total = right + acc * n, total + n
        res["all"] = round(right / max(1, total), 5)
        return res

    best: dict = {}

    def export(res: dict) -> None:
        te = time.time()
        try:
            TS.export(model, a.out, preset, tok, syl_path, offset)
        except Exception as e:  # noqa: BLE001 - scorer.npz is written first; fetch rebuilds the graph
            graph = os.path.join(a.out, "scorer.int8.onnx")
            npz = os.path.join(a.out, "scorer.npz")
            if not os.path.exists(npz) or os.path.getmtime(npz) < te:
                raise  # not even this step's weights were written
            if os.path.exists(graph):
                os.remove(graph)
            log({"event": "export_error", "error": f"{type(e).__name__}: {e}"[:500]})
        if a.ship:
            ship(a.out, a.ship)
        best.update(step=loop.step, valid_tf=res)
        log({"event": "export", "step": loop.step, "out": a.out, "ship": a.ship,
             "seconds": round(time.time() - te, 1)})

    before = accuracy()
    log({"event": "valid_tf", "step": loop.step, "when": "start", **before})

    def evaluate(final: bool) -> dict:
        """Exports when the validation accuracy (all kinds) is the best so far: the first
        evaluation proves the export path early, and a run that overfits its bundle late
        keeps its best weights."""
        res = accuracy()
        if not best or res["all"] > best["valid_tf"]["all"]:
            export(res)
        elif final:
            log({"event": "kept", "step": best["step"], "valid_tf_all": best["valid_tf"]["all"]})
        return {"valid_tf": res}

    Pairs = fresh_pairs_class()
    noise_path = os.path.join(a.init, "noise.json")
    if not os.path.exists(noise_path):
        noise_path = os.path.join(ROOT, "models", "seq2seq", "noise.json")

    def make_loader(phase):
        ds = Pairs(train, tok, syllables, a.max_len, max_tokens, a.real_share,
                   a.seed * 1009 + loop.step, fresh=a.fresh_noise,
                   marks_path=os.path.join(ROOT, "models", "marks.json"),
                   noise_path=noise_path)
        return iter(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=a.workers,
                                                pin_memory=amp,
                                                prefetch_factor=4 if a.workers else None))

    step = TS.make_train_step(model, opt, offset, n_syl, device, amp)
    seen = [0]

    def train_step(batch):
        loss, n = step(batch)
        seen[0] += n
        return loss, n

    loop.run(make_loader, train_step, evaluate, log_every=a.log_every, eval_minutes=a.eval_minutes,
             ckpt_minutes=a.ckpt_minutes, max_steps=a.max_steps, rate_key="syl_s")
    rows = [json.loads(x) for x in open(os.path.join(a.out, "train_log.jsonl"), encoding="utf-8")]
    rates = [r["syl_s"] for r in rows if "syl_s" in r]
    after = next(r["valid_tf"] for r in reversed(rows) if "valid_tf" in r and isinstance(r["valid_tf"], dict))
    report = {"steps": loop.step, "train_s": round(loop.elapsed, 1), "wall_s": round(time.time() - t0, 1),
              "syl_s_median": sorted(rates)[len(rates) // 2] if rates else None,
              "syllables_seen": seen[0],
              "passes": round(seen[0] / max(1, man["files"]["train.parquet"]["words"]), 2),
              "valid_tf_start": before, "valid_tf_end": after, "exported_step": best.get("step"),
              "valid_tf_exported": best.get("valid_tf"), "device": str(device),
              "size": a.size, "preset": preset, "lr": lr, "max_tokens": max_tokens,
              "bundle": {n: f["sha256"] for n, f in man["files"].items()},
              "bundle_command": man.get("command"), "args": vars(a), "torch": torch.__version__}
    with open(os.path.join(a.out, "report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False)
    if a.ship:
        ship(a.out, a.ship)
    print(json.dumps({k: report[k] for k in ("steps", "train_s", "wall_s", "syl_s_median", "passes",
                                             "valid_tf_start", "valid_tf_end", "exported_step")}),
          flush=True)
    return 0


def real_pairs_of_bundle(bundle: str, path: str, verify: bool = True) -> int:
    """Write the real Tesseract rows of the bundle's *train* part as ``noisy<TAB>clean``
    lines to `path` (train_scorer.py's --real); its validation rows stay unseen, so a
    scorer trained from scratch is judged on the same rows as a fine-tuned one.
    Returns the rows written."""
    train, _valid, _man = load_bundle(bundle, verify=verify)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for noisy, clean, kind in zip(train["noisy"], train["clean"], train["kind"]):
            if kind.startswith("real-") and "\t" not in noisy + clean and "\n" not in noisy + clean:
                fh.write(f"{noisy}\t{clean}\n")
                n += 1
    return n


def cmd_pretrain(a) -> int:
    """A scorer from scratch (issue 9: a larger model when a GPU is lent) by
    train_scorer.py's recipe: the clean chunks of make_pairs.py (carried; noise drawn
    fresh for every batch), pretraining then fine-tuning (its last --finetune-frac), with
    the bundle's real training rows as its real pairs; exported and shipped like `train`.
    `train --init OUT` then fine-tunes it on the bundle, as the shipped scorer was."""
    t0 = time.time()
    stubbed = stub_missing_modules()
    from scripts.seq2seq import train_scorer as TS
    os.makedirs(a.out, exist_ok=True)
    real = os.path.join(a.out, "real_pairs.tsv")
    n_real = real_pairs_of_bundle(a.bundle, real, verify=not a.no_verify) if a.bundle else 0
    argv = ["--data", a.data, "--preset", a.preset, "--out", a.out,
            "--ckpt-dir", a.ckpt_dir or os.path.join(a.out, "ckpt"),
            "--max-minutes", str(a.minutes + a.slack_minutes), "--train-minutes", str(a.minutes),
            "--finetune-frac", str(a.finetune_frac), "--lr", str(a.lr), "--warmup", str(a.warmup),
            "--workers", str(a.workers), "--eval-minutes", str(a.eval_minutes),
            "--log-every", str(a.log_every), "--seed", str(a.seed),
            "--tokenizer", os.path.join(a.init, "spm.model"),
            "--syllables", os.path.join(a.init, "syllables.txt"), "--dev", "-"]
    if n_real:
        argv += ["--real", real]
    if a.max_tokens:
        argv += ["--max-tokens", str(a.max_tokens)]
    if a.max_steps:
        argv += ["--max-steps", str(a.max_steps)]
    print(json.dumps({"event": "pretrain", "real_rows": n_real, "stubbed": stubbed, "argv": argv}),
          flush=True)
    TS.main(argv, t0=t0)  # (its deadline counts from this run's start, not its module's import)
    os.remove(real)  # training text stays on the device
    if a.ship:
        ship(a.out, a.ship)
    print(json.dumps({"event": "pretrain_done", "wall_s": round(time.time() - t0, 1)}), flush=True)
    return 0


# ---------------------------------------------------------------- fetch

def cmd_fetch(a) -> int:
    """Join shipped pieces into --out, check sha256, add the files the runtime needs from
    --init, and rebuild the ONNX graph from scorer.npz when it was not shipped."""
    with open(os.path.join(a.src, SHIP_FILE), encoding="utf-8") as fh:
        info = json.load(fh)
    os.makedirs(a.out, exist_ok=True)
    for name, f in info["files"].items():
        dst = os.path.join(a.out, name)
        with open(dst + ".tmp", "wb") as g:
            for part in f["parts"]:
                with open(os.path.join(a.src, part), "rb") as fh:
                    shutil.copyfileobj(fh, g)
        if sha256_file(dst + ".tmp") != f["sha256"]:
            raise SystemExit(f"device_kit: error: {name} does not match {SHIP_FILE}")
        os.replace(dst + ".tmp", dst)
    for name in COPY_FILES:
        src = os.path.join(a.init, name)
        if not os.path.exists(os.path.join(a.out, name)) and os.path.exists(src):
            shutil.copy(src, os.path.join(a.out, name))
    if "scorer.int8.onnx" not in info["files"]:
        stub_missing_modules()
        from scripts.seq2seq.onnx_export import ONNX_FILE, export_onnx, model_from_npz
        model, sc = model_from_npz(a.out)
        export_onnx(model, os.path.join(a.out, ONNX_FILE), int(sc.cfg["pad"]))
    print(f"model folder {a.out}: " + ", ".join(sorted(os.listdir(a.out))))
    return 0


# ---------------------------------------------------------------- slim tree

def dropped(path: str, patterns: Sequence[str] = SLIM_DROP) -> bool:
    return any(fnmatch.fnmatch(path, p) for p in patterns)


def travelling_files(repo: str) -> List[Tuple[str, int]]:
    """(path, bytes) of what the device tool sends from `repo`: tracked files and
    untracked ones that git does not ignore (present on disk), and a ``shared/`` folder."""
    out = _git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    seen, files = set(), []
    for p in out.split("\0"):
        full = os.path.join(repo, p)
        if p and p not in seen and os.path.isfile(full) and not os.path.islink(full):
            seen.add(p)
            files.append((p, os.path.getsize(full)))
    shared = os.path.join(repo, "shared")
    if os.path.isdir(shared):
        for d, _, names in os.walk(shared):
            for n in names:
                p = os.path.relpath(os.path.join(d, n), repo)
                if p not in seen:
                    seen.add(p)
                    files.append((p, os.path.getsize(os.path.join(d, n))))
    return files


def tree_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(path) for n in ns)


def make_slim_branch(repo: str, branch: str, patterns: Sequence[str] = SLIM_DROP) -> str:
    """A commit of HEAD's tree less the dropped files, on `branch` (forced), made through a
    temporary index: neither the working tree nor the real index changes."""
    import tempfile
    tracked = [p for p in _git(repo, "ls-tree", "-r", "-z", "--name-only", "HEAD").split("\0") if p]
    drop = [p for p in tracked if dropped(p, patterns)]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        _git(repo, "read-tree", "HEAD", env=env)
        if drop:
            subprocess.run(["git", "-C", repo, "update-index", "--force-remove", "-z", "--stdin"],
                           input="\0".join(drop) + "\0", text=True, check=True, env=env)
        tree = _git(repo, "write-tree", env=env).strip()
    msg = (f"device slim tree: HEAD less {len(drop)} files training does not read "
           f"(scripts/seq2seq/device_kit.py SLIM_DROP); throwaway, never merge")
    commit = _git(repo, "commit-tree", tree, "-p", "HEAD", "-m", msg).strip()
    _git(repo, "branch", "-f", branch, commit)
    return commit


def cmd_slim(a) -> int:
    files = travelling_files(a.repo)
    now = sum(b for _, b in files)
    kept = [(p, b) for p, b in files if not dropped(p)]
    slim = sum(b for _, b in kept)
    carry = {c: tree_bytes(os.path.join(a.repo, c)) for c in a.carry}
    total = slim + sum(carry.values())
    mib = 2 ** 20
    print(f"travels now: {len(files)} files, {now:,} bytes ({now / mib:.2f} MiB)")
    print(f"slim tree:   {len(kept)} files, {slim:,} bytes ({slim / mib:.2f} MiB); "
          f"left out {len(files) - len(kept)} files, {now - slim:,} bytes")
    for c, b in carry.items():
        print(f"carry {c}: {b:,} bytes ({b / mib:.2f} MiB)")
    ok = total <= DEVICE_LIMIT
    print(f"would send {total:,} bytes ({total / mib:.2f} MiB) of {DEVICE_LIMIT / mib:.0f} MiB: "
          f"{'fits' if ok else 'TOO LARGE'}")
    for p, b in sorted(kept, key=lambda x: -x[1])[: a.top]:
        print(f"  {b:>11,}  {p}")
    if a.make:
        commit = make_slim_branch(a.repo, a.make)
        print(f"branch {a.make} at {commit[:12]} (working tree untouched). For the one call:\n"
              f"  git -C {a.repo} switch {a.make}   # removes the left-out files from the working tree\n"
              f"  ... the device run, carry {list(a.carry) or '[bundle]'} ...\n"
              f"  git -C {a.repo} switch -          # puts them back")
    return 0 if ok else 1


# ---------------------------------------------------------------- CLI

def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="the training bundle")
    p.add_argument("--corpus", default="", help="default: scripts/corpus.py's (../shared/corpus)")
    p.add_argument("--real", action="append", default=[], help="LABEL=PAIRS.tsv (training split)")
    p.add_argument("--dataset", default="", help="an existing pairs_dataset.py dataset to pack")
    p.add_argument("--dataset-out", default="runs/device_ds", help="where the dataset is built")
    p.add_argument("--synthetic", type=int, default=150_000)
    p.add_argument("--every", type=int, default=7)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--valid-per-kind", type=int, default=150)
    p.add_argument("--valid-frac", type=float, default=0.1)
    p.add_argument("--out", default="runs/device")
    p = sub.add_parser("train", help="train on a bundle and export the runtime files")
    p.add_argument("--bundle", default="runs/device")
    p.add_argument("--init", default=os.path.join(ROOT, "models", "seq2seq"))
    p.add_argument("--size", choices=("small", "base"), default="small",
                   help="small: fine-tune --init; base: a larger scorer from scratch")
    p.add_argument("--minutes", type=float, default=7.0, help="training time (export comes after)")
    p.add_argument("--out", default="runs/device_out")
    p.add_argument("--ship", default="", help="also copy the results here in pieces ($OUT)")
    p.add_argument("--ckpt-dir", default="", help="default OUT/ckpt; a rerun resumes there")
    p.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
    p.add_argument("--lr", type=float, default=0.0, help="default 2e-4 fine-tune, 1e-3 base")
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--max-tokens", type=int, default=0, help="default 3000 CPU, 30000 CUDA")
    p.add_argument("--max-len", type=int, default=160)
    p.add_argument("--real-share", type=float, default=0.3)
    p.add_argument("--fresh-noise", type=float, default=0.5,
                   help="share of synthetic rows whose noisy side is drawn anew")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--eval-minutes", type=float, default=2.5)
    p.add_argument("--ckpt-minutes", type=float, default=3.0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--no-verify", action="store_true", help="skip the bundle's sha256 check")
    p = sub.add_parser("pretrain", help="a scorer from scratch on carried clean chunks")
    p.add_argument("--data", default="runs/s2s_data", help="make_pairs.py's clean chunks")
    p.add_argument("--bundle", default="runs/device", help="its real train rows are the real pairs")
    p.add_argument("--init", default=os.path.join(ROOT, "models", "seq2seq"),
                   help="where spm.model and syllables.txt are read")
    p.add_argument("--preset", default="base")
    p.add_argument("--minutes", type=float, default=6.0, help="planned training time")
    p.add_argument("--slack-minutes", type=float, default=1.5, help="load and export time")
    p.add_argument("--finetune-frac", type=float, default=0.3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--max-tokens", type=int, default=0, help="default 3000 CPU, 30000 CUDA")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--eval-minutes", type=float, default=3.0)
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ckpt-dir", default="", help="default OUT/ckpt")
    p.add_argument("--out", default="runs/pretrain_out")
    p.add_argument("--ship", default="", help="also copy the results here in pieces ($OUT)")
    p.add_argument("--no-verify", action="store_true", help="skip the bundle's sha256 check")
    p = sub.add_parser("fetch", help="shipped files back into a model folder")
    p.add_argument("--from", dest="src", required=True, help="the fetched $OUT files")
    p.add_argument("--out", default="runs/gpu_model")
    p.add_argument("--init", default=os.path.join(ROOT, "models", "seq2seq"))
    p = sub.add_parser("slim-tree", help="the bytes a device call would send, and a slim branch")
    p.add_argument("--repo", default=ROOT)
    p.add_argument("--carry", action="append", default=[], help="a carried path (repeatable)")
    p.add_argument("--make", default="", help="write the slim commit on this branch")
    p.add_argument("--top", type=int, default=8, help="list the largest kept files")
    a = ap.parse_args(argv)
    a.argv = list(argv) if argv is not None else None
    return {"pack": cmd_pack, "train": cmd_train, "pretrain": cmd_pretrain, "fetch": cmd_fetch,
            "slim-tree": cmd_slim}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
