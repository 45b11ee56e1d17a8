"""The GPU session's kit (scripts/seq2seq/device_kit.py): the Parquet bundle read without
``datasets``, the pieces that come back from the device and their reassembly, the slim
tree's byte count and branch, and a two-step CPU training whose exported files the
restorer loads.  The training test skips without torch; no corpus text is used."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("pyarrow")

from scripts.seq2seq import device_kit as DK  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "models", "seq2seq")
# Lines written for these tests (not corpus text), with hand-made noisy sides.
GOLD = [
    "Ủy ban nhân dân tỉnh có trách nhiệm hướng dẫn thi hành Nghị định này.",
    "Người lao động được hưởng chế độ bảo hiểm xã hội theo quy định.",
    "Điều 5. Quyền và nghĩa vụ của cơ quan, tổ chức",
    "Thông tư này có hiệu lực thi hành kể từ ngày 15/3/2024.",
]
NOISY = [
    "Uy ban nhân dan tinh có trach nhiem huong dẫn thi hành Nghi đinh nay.",
    "Ngudi lao đông được huởng chế dộ bao hiểm xã hôi theo quy dinh.",
    "Dieu 5. Quyen va nghia vu cua co quan, to chuc",
    "Thong tu nay co hieu luc thi hanh ke tu ngay 15/3/2024.",
]


def synthetic_rows(n_per_kind=6):
    rows = {c: [] for c in DK.COLUMNS}
    for kind in ("real-vie-poor", "stripped", "identity"):
        for i in range(n_per_kind):
            g = GOLD[i % len(GOLD)]
            rows["noisy"].append(g if kind == "identity" else NOISY[i % len(NOISY)])
            rows["clean"].append(g)
            rows["kind"].append(kind)
            rows["source"].append("test")
    return rows


def test_split_valid_holds_back_a_share_of_each_kind():
    kinds = ["a"] * 50 + ["b"] * 5 + ["c"]
    held = DK.split_valid(kinds, per_kind=3, frac=0.1)
    got = {k: sum(h for h, kk in zip(held, kinds) if kk == k) for k in "abc"}
    assert got == {"a": 3, "b": 1, "c": 0}  # capped; at least one of two or more; none of one
    assert held[:3] == [True] * 3 and not any(held[3:50])  # the first rows, in order
    assert held == DK.split_valid(kinds, per_kind=3, frac=0.1)


def test_bundle_round_trip_and_manifest(tmp_path):
    rows = synthetic_rows()
    man = DK.write_bundle(rows, str(tmp_path), per_kind=2, frac=0.5, meta={"command": "test"})
    train, valid, man2 = DK.load_bundle(str(tmp_path))
    assert man2 == json.loads(json.dumps(man, ensure_ascii=False))
    assert man["files"]["valid.parquet"]["kinds"] == {"identity": 2, "real-vie-poor": 2, "stripped": 2}
    assert len(train) + len(valid) == len(rows["kind"]) == 18
    assert man["files"]["train.parquet"]["rows"] == len(train) == 12
    assert man["bytes"] == sum(os.path.getsize(tmp_path / n) for n in ("train.parquet", "valid.parquet"))
    back = sorted(zip(*(train[c] + valid[c] for c in DK.COLUMNS)))
    assert back == sorted(zip(*(rows[c] for c in DK.COLUMNS)))
    assert train[0].keys() == set(DK.COLUMNS)
    assert set(valid.pairs_by_kind()) == {"identity", "real-vie-poor", "stripped"}
    with open(tmp_path / "valid.parquet", "r+b") as fh:  # a damaged file is refused
        fh.seek(10)
        fh.write(b"\0\0\0\0")
    with pytest.raises(SystemExit):
        DK.load_bundle(str(tmp_path))


def test_bundle_reads_without_datasets_or_rapidfuzz(tmp_path):
    """The device has neither: the bundle and the training code's imports must not need
    them (rapidfuzz gets the kit's stand-in)."""
    DK.write_bundle(synthetic_rows(), str(tmp_path), per_kind=2, frac=0.5)
    code = (
        "import sys, importlib.abc\n"
        "class B(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('datasets', 'rapidfuzz'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, B())\n"
        "from scripts.seq2seq import device_kit as DK\n"
        "assert DK.stub_missing_modules() == ['rapidfuzz']\n"
        "import vidiacritic.tokens, vidiacritic.model.scorer\n"
        f"tr, va, man = DK.load_bundle({str(tmp_path)!r})\n"
        "print(len(tr), len(va))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["12", "6"]


def test_ship_pieces_and_fetch(tmp_path, monkeypatch):
    out, dest, model, init = (tmp_path / n for n in ("out", "ship", "model", "init"))
    out.mkdir()
    init.mkdir()
    blobs = {"scorer.npz": os.urandom(2500), "scorer.int8.onnx": os.urandom(900),
             "scorer.json": b"{}", "report.json": b"{}"}
    for n, b in blobs.items():
        (out / n).write_bytes(b)
    for n in DK.COPY_FILES:
        (init / n).write_text(n)
    monkeypatch.setattr(DK, "SHIP_PIECE", 1000)
    info = DK.ship(str(out), str(dest))
    assert info["files"]["scorer.npz"]["parts"] == ["scorer.npz.part0", "scorer.npz.part1",
                                                    "scorer.npz.part2"]
    assert info["files"]["scorer.int8.onnx"]["parts"] == ["scorer.int8.onnx"]
    assert all(os.path.getsize(dest / p) <= 1000 for f in info["files"].values() for p in f["parts"])
    (out / "scorer.npz").write_bytes(blobs["scorer.npz"][:1500])  # a second ship: fewer pieces
    DK.ship(str(out), str(dest))
    assert not (dest / "scorer.npz.part2").exists()
    blobs["scorer.npz"] = blobs["scorer.npz"][:1500]
    DK.main(["fetch", "--from", str(dest), "--out", str(model), "--init", str(init)])
    for n, b in blobs.items():
        assert (model / n).read_bytes() == b
    assert (model / "weights.json").read_text() == "weights.json"
    (dest / "scorer.npz.part1").write_bytes(b"x")  # a damaged piece is refused
    with pytest.raises(SystemExit):
        DK.main(["fetch", "--from", str(dest), "--out", str(tmp_path / "m2"), "--init", str(init)])


def test_ship_leaves_the_graph_out_beyond_eight_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    for n in DK.RESULT_FILES:
        (out / n).write_bytes(os.urandom(2500 if n.startswith("scorer.") and n != "scorer.json" else 10))
    monkeypatch.setattr(DK, "SHIP_PIECE", 1000)
    info = DK.ship(str(out), str(tmp_path / "ship"))
    assert "scorer.int8.onnx" not in info["files"]
    assert len(os.listdir(tmp_path / "ship")) <= DK.SHIP_MAX_FILES


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_slim_tree_counts_what_travels_and_branch_leaves_worktree(tmp_path):
    repo = tmp_path / "repo"
    (repo / "models" / "ngram").mkdir(parents=True)
    (repo / "models" / "ngram" / "3.keys.npy").write_bytes(b"k" * 5000)
    (repo / "models" / "keep.json").write_bytes(b"j" * 100)
    (repo / "big.png").write_bytes(b"p" * 300)
    (repo / ".gitignore").write_text("runs/\n")
    _git(tmp_path, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    (repo / "new.py").write_bytes(b"n" * 7)  # untracked, not ignored: travels
    (repo / "runs").mkdir()
    (repo / "runs" / "b.parquet").write_bytes(b"b" * 40)  # ignored: only when carried
    files = dict(DK.travelling_files(str(repo)))
    assert files == {"models/ngram/3.keys.npy": 5000, "models/keep.json": 100, "big.png": 300,
                     ".gitignore": 6, "new.py": 7}
    assert sorted(p for p in files if DK.dropped(p)) == ["big.png", "models/ngram/3.keys.npy"]
    DK.make_slim_branch(str(repo), "slim")
    listed = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "slim"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert listed == [".gitignore", "models/keep.json"]
    assert (repo / "models" / "ngram" / "3.keys.npy").exists()  # the working tree is untouched
    st = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True,
                        text=True, check=True).stdout
    assert st.split() == ["??", "new.py"]
    assert DK.main(["slim-tree", "--repo", str(repo), "--carry", "runs"]) == 0


@pytest.fixture(scope="module")
def tiny_init(tmp_path_factory):
    """A 'tiny' scorer exported with the shipped tokenizer and syllables (fast to train)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from scripts.seq2seq import train_scorer as TS
    import sentencepiece as spm
    folder = str(tmp_path_factory.mktemp("tiny_init"))
    offset = spm.SentencePieceProcessor(model_file=os.path.join(MODEL, "spm.model")).get_piece_size()
    n_syl = len(TS.load_syllables(os.path.join(MODEL, "syllables.txt")))
    model = TS.build_model(offset + n_syl + 1, "tiny", dropout=0.0)
    TS.export(model, folder, "tiny", os.path.join(MODEL, "spm.model"),
              os.path.join(MODEL, "syllables.txt"), offset)
    return folder


def test_train_exports_files_the_restorer_loads(tmp_path, tiny_init):
    import numpy as np
    from vidiacritic import Restorer
    bundle, out, ship = (str(tmp_path / n) for n in ("bundle", "out", "ship"))
    DK.write_bundle(synthetic_rows(), bundle, per_kind=2, frac=0.5)
    rc = DK.main(["train", "--bundle", bundle, "--init", tiny_init, "--device", "cpu", "--threads", "1",
                  "--max-steps", "2", "--minutes", "5", "--eval-minutes", "60", "--out", out,
                  "--ship", ship, "--log-every", "1", "--lr", "1e-2", "--warmup", "1"])
    assert rc == 0
    report = json.load(open(os.path.join(out, "report.json"), encoding="utf-8"))
    assert report["steps"] == 2 and set(report["valid_tf_end"]) >= {"real-vie-poor", "all"}
    before, after = np.load(os.path.join(tiny_init, "scorer.npz")), np.load(os.path.join(out, "scorer.npz"))
    assert sorted(before.files) == sorted(after.files)
    assert any(not np.array_equal(before[k], after[k]) for k in before.files)  # it trained
    model = str(tmp_path / "model")
    DK.main(["fetch", "--from", ship, "--out", model, "--init", MODEL])
    assert json.load(open(os.path.join(model, "scorer.json")))["d_model"] == 64
    r = Restorer(model_dir=model)
    text = "Dieu 5. Quyen va nghia vu cua co quan, to chuc"
    got = r.restore(text)
    assert len(got.split()) == len(text.split()) and got.startswith("Điều 5.")


def test_fresh_noise_redraws_synthetic_rows_only():
    pytest.importorskip("torch")
    pytest.importorskip("sentencepiece")
    import random
    from scripts.seq2seq import pairs_dataset as PD
    rows = DK.Rows(synthetic_rows(4))
    Pairs = DK.fresh_pairs_class()
    ds = Pairs(rows, os.path.join(MODEL, "spm.model"), {}, 160, 3000, 0.3, 1, fresh=1.0,
               marks_path=os.path.join(ROOT, "models", "marks.json"),
               noise_path=os.path.join(MODEL, "noise.json"))
    rng = random.Random(5)
    kinds = rows["kind"]
    redrawn = 0
    for i in range(len(rows)):
        r = ds.row(i, rng)
        assert r["clean"] == rows[i]["clean"] and r["kind"] == kinds[i]
        assert PD.aligned(r["noisy"], r["clean"])
        if kinds[i] == "real-vie-poor":
            assert r == rows[i]  # real pairs stay as recorded
        if kinds[i] == "stripped":
            assert r["noisy"] == PD.strip_line(r["clean"])
        redrawn += r["noisy"] != rows[i]["noisy"]
    assert redrawn >= 2  # the stripped rows of the test had hand-made noise, now redrawn
    ds.fresh = 0.0
    assert all(ds.row(i, rng) == rows[i] for i in range(len(rows)))


def test_train_survives_a_failed_graph_export(tmp_path, tiny_init, monkeypatch):
    """scorer.npz is written before the ONNX graph: when the graph's export fails (an
    exporter of another torch version on the device), the run goes on, ships the weights
    without the graph, and fetch rebuilds it here."""
    from scripts.seq2seq import onnx_export

    def broken(*args, **kw):
        raise RuntimeError("exporter broke")
    monkeypatch.setattr(onnx_export, "export_onnx", broken)
    bundle, out, ship = (str(tmp_path / n) for n in ("bundle", "out", "ship"))
    DK.write_bundle(synthetic_rows(), bundle, per_kind=2, frac=0.5)
    assert DK.main(["train", "--bundle", bundle, "--init", tiny_init, "--device", "cpu", "--threads", "1",
                    "--max-steps", "1", "--minutes", "5", "--eval-minutes", "60", "--out", out,
                    "--ship", ship]) == 0
    log = [json.loads(x) for x in open(os.path.join(out, "train_log.jsonl"), encoding="utf-8")]
    assert any(r.get("event") == "export_error" for r in log)
    info = json.load(open(os.path.join(ship, DK.SHIP_FILE)))
    assert "scorer.npz" in info["files"] and "scorer.int8.onnx" not in info["files"]
    monkeypatch.undo()
    model = str(tmp_path / "model")
    DK.main(["fetch", "--from", ship, "--out", model, "--init", MODEL])
    assert os.path.getsize(os.path.join(model, "scorer.int8.onnx")) > 0


def test_unseen_lines_drops_the_training_pairs_text(tmp_path):
    """scripts/seq2seq/unseen_lines.py: a weight-tuning slice keeps only lines whose gold
    shares no run of 8 words with a training pair's gold (a stock phrase shorter than
    that is no reason to drop a line)."""
    from scripts.seq2seq import unseen_lines as UL

    train = tmp_path / "train.tsv"
    train.write_text("".join(f"x\t{g}\n" for g in GOLD[:2]), encoding="utf-8")
    rows = [
        "ocr a\tNgười lao động được hưởng chế độ bảo hiểm xã hội theo quy định mới.\n",  # a seen line, one word more
        "ocr b\tCơ quan có trách nhiệm hướng dẫn thi hành Thông tư này.\n",  # 6 words shared: kept
        "ocr c\tĐiều 5. Quyền và nghĩa vụ của cơ quan, tổ chức\n",  # unseen
    ]
    pairs = tmp_path / "slice.tsv"
    pairs.write_text("".join(rows), encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert UL.main(["--train", str(train), str(pairs), str(out)]) == 0
    assert out.read_text(encoding="utf-8") == rows[1] + rows[2]
    with pytest.raises(SystemExit):
        UL.main(["--train", str(train), str(pairs), str(pairs)])


def test_device_pairs_recipe_reads_the_training_split_only(capsys):
    """scripts/seq2seq/device_pairs.py: the session-26 pair files, each a training-split
    make_ocr_pairs command of its own seed, and pack's --real arguments for them."""
    from scripts.seq2seq import device_pairs as DP

    assert DP.main(["--out", "/tmp/x", "--print"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(DP.RECIPE) == 9
    assert all("--split train" in ln and "heldout" not in ln for ln in lines)
    seeds = [ln.split("--seed ")[1].split()[0] for ln in lines]
    assert len(set(seeds)) == len(seeds)
    assert DP.main(["--out", "/tmp/x", "--pack-args"]) == 0
    args = capsys.readouterr().out.split()
    assert args[0] == "--real=vie-poor=/tmp/x/poor_vie_train.tsv" and len(args) == 9
    assert {a.split("=")[1] for a in args} == {"vie-poor", "vie-block", "vie-dom", "vie-clean",
                                                "eng-poor", "eng-dom", "eng-clean"}


def test_real_pairs_of_bundle_are_its_train_rows_only(tmp_path):
    bundle = str(tmp_path / "bundle")
    DK.write_bundle(synthetic_rows(), bundle, per_kind=2, frac=0.5)
    train, valid, _ = DK.load_bundle(bundle)
    path = str(tmp_path / "real.tsv")
    assert DK.real_pairs_of_bundle(bundle, path) == 4  # 6 real rows less the 2 held back
    lines = open(path, encoding="utf-8").read().splitlines()
    want = [f"{n}\t{c}" for n, c, k in zip(train["noisy"], train["clean"], train["kind"])
            if k == "real-vie-poor"]
    assert lines == want


def test_pretrain_a_scorer_from_scratch_then_finetune_it(tmp_path):
    """The GPU session's larger scorer: train_scorer's recipe on carried clean chunks,
    then `train --init` on the bundle; both ship files the restorer loads."""
    import lzma
    pytest.importorskip("torch")
    from vidiacritic import Restorer
    data, bundle, p1, p2 = (str(tmp_path / n) for n in ("data", "bundle", "p1", "p2"))
    os.makedirs(data)
    for name in ("legal.txt.xz", "general.txt.xz"):
        with lzma.open(os.path.join(data, name), "wt", encoding="utf-8") as fh:
            fh.write("\n".join(GOLD) + "\n")
    DK.write_bundle(synthetic_rows(), bundle, per_kind=2, frac=0.5)
    rc = DK.main(["pretrain", "--data", data, "--bundle", bundle, "--init", MODEL, "--preset", "tiny",
                  "--minutes", "1", "--max-steps", "2", "--max-tokens", "400", "--warmup", "1",
                  "--log-every", "1", "--out", p1, "--ship", str(tmp_path / "ship1")])
    assert rc == 0
    log = [json.loads(x) for x in open(os.path.join(p1, "train_log.jsonl"), encoding="utf-8")]
    start = next(r for r in log if r.get("event") == "start")
    assert start["real_pairs"] == 4 and start["preset"] == "tiny" and start["legal_chunks"] == 4
    assert not os.path.exists(os.path.join(p1, "real_pairs.tsv"))  # training text not left behind
    assert json.load(open(os.path.join(str(tmp_path / "ship1"), "ship.json")))["files"]["scorer.npz"]
    rc = DK.main(["train", "--bundle", bundle, "--init", p1, "--device", "cpu", "--threads", "1",
                  "--max-steps", "1", "--minutes", "5", "--eval-minutes", "60", "--out", p2,
                  "--warmup", "1"])
    assert rc == 0
    assert json.load(open(os.path.join(p2, "scorer.json")))["d_model"] == 64
    text = "Dieu 5. Quyen va nghia vu cua co quan, to chuc"
    got = Restorer(model_dir=p2).restore(text)
    assert len(got.split()) == len(text.split())


def test_scorer_reach_counts_what_the_scorer_knows_and_the_restorer_misses(tmp_path, capsys):
    """scripts/seq2seq/scorer_reach.py: its teacher-forced count is the trainer's measure
    (the shipped scorer reads these stripped test lines almost all right), and the reach
    counts only words the first engine got wrong."""
    from scripts.seq2seq import scorer_reach as SR
    from vidiacritic import Restorer
    pairs = list(zip(NOISY, GOLD))
    scorer = Restorer(engine="model").scorer
    tf = SR.argmax_right(scorer, pairs + [("một hai", "một hai ba")])
    assert [len(x) for x in tf] == [len(SR.words(g)) for g in GOLD] + [0]  # unaligned: not counted
    assert sum(map(sum, tf)) >= 0.8 * sum(map(len, tf))
    # the noisy words themselves before each word: other words before, other votes
    own = SR.argmax_right(scorer, pairs, [SR.words(n) for n in NOISY])
    assert [len(x) for x in own] == [len(x) for x in tf[:4]] and own != tf[:4]
    assert SR.argmax_right(scorer, pairs[:1], [["một"]]) == [[]]  # words before that do not align

    class Keeps:  # an "engine" that leaves the text as it is: wrong wherever marks are missing
        def restore(self, text):
            return text
    row = SR.measure("t", pairs, {"keep": Keeps(), "model": Restorer(engine="model")}, scorer)
    assert row["keep"] < row["model"] and row["words"] > 20
    missed = sum(1 for (n, g), right in zip(pairs, tf) for a, b, ok in zip(SR.words(n), SR.words(g), right)
                 if ok and b.lower() in scorer.syllables and a != b)
    assert row["reach_words"] == missed  # the scorer right, the text as written wrong
    assert row["reach_own_words"] == sum(1 for (n, g), right in zip(pairs, own) for a, b, ok in
                                         zip(SR.words(n), SR.words(g), right)
                                         if ok and b.lower() in scorer.syllables and a != b)
    path = tmp_path / "p.tsv"
    path.write_text("".join(f"{n}\t{g}\n" for n, g in pairs), encoding="utf-8")
    assert SR.main([f"t={path}", "--engines", "statistical"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("| t | 4 |")
