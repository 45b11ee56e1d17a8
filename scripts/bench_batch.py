"""Benchmark `vidiacritic batch`: files/s, syllables/s and peak memory for --jobs 1,
--jobs 2 and a Dask LocalCluster, on an archive built from corpus text.

    python -m scripts.bench_batch [--files 1000] [--lines 8] [--engine auto]
                                  [--configs jobs1,jobs2,dask2] [--work /work/work_data/bench]

The archive (a .tar.gz of FILES members, each LINES held-out corpus lines with the
diacritics stripped, as OCR without a Vietnamese model gives them) is written under
--work, outside the repository, and reused when it exists.  Each configuration runs
the real command in a fresh output folder (``--no-resume``), as a subprocess;
peak memory is the largest sum of RSS over the whole process tree (the batch
process, its workers, the Dask scheduler and workers), sampled every 50 ms.
``--trace`` also prints the tree's RSS every few seconds, to show that memory stays
flat as the files go by (use with --files 10000).

Reported: wall = whole command, model loading included; run = the batch's own
processing time (from its summary line), from which files/s and syllables/s are
computed; "wall files/s" is given too.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

from scripts.corpus import DEFAULT_CORPUS, iter_lines
from vidiacritic.text import strip_diacritics

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _legal_lines(corpus: str):
    """Held-out legal lines, cycled if a large archive needs more than there are."""
    while True:
        for name in ("legal_congbao", "legal_phapdien", "legal_vlc"):
            yield from iter_lines(corpus, name, split="heldout")


def build_archive(path: str, corpus: str, files: int, lines: int) -> None:
    tmp = path + ".part"
    src = _legal_lines(corpus)
    with tarfile.open(tmp, "w:gz") as tf:
        for i in range(files):
            chunk = [next(src) for _ in range(lines)]
            data = ("\n".join(strip_diacritics(l) for l in chunk) + "\n").encode("utf-8")
            info = tarfile.TarInfo(f"vb{i // 100:03d}/doc{i:05d}.txt")
            info.size = len(data)
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)


def tree_rss(pid: int) -> int:
    import psutil
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_one(name: str, extra: list, archive: str, work: str, engine: str, trace: bool,
            factory: str = None) -> dict:
    out = os.path.join(work, "out-" + name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "vidiacritic.batch", archive, "--out", out, "--no-resume",
           "--engine", engine] + extra
    if factory:
        cmd += ["--restorer-factory", factory]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=work)
    peak = 0
    next_trace = t0 + 2.0
    try:
        import psutil
        have_psutil = True
    except ImportError:
        have_psutil = False
    while proc.poll() is None:
        if have_psutil:
            rss = tree_rss(proc.pid)
            peak = max(peak, rss)
            if trace and time.perf_counter() >= next_trace:
                next_trace += 5.0
                done = _manifest_lines(out)
                try:
                    main_rss = psutil.Process(proc.pid).memory_info().rss
                except psutil.Error:
                    main_rss = 0
                print(f"  [{name}] t={time.perf_counter() - t0:6.1f}s files={done:6d} "
                      f"tree RSS={rss / 2**20:7.1f} MiB (batch process {main_rss / 2**20:6.1f} MiB)",
                      flush=True)
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if not have_psutil:
        peak = ru1.ru_maxrss * 1024
    m = re.search(r"in ([\d.]+) s", stdout)
    run_s = max(float(m.group(1)) if m else wall, 1e-3)
    ok = syll = 0
    with open(os.path.join(out, "manifest.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["status"] == "ok":
                ok += 1
                syll += rec.get("syllables") or 0
    if proc.returncode != 0:
        print(f"  [{name}] exit {proc.returncode}: {stderr.strip()[-500:]}", flush=True)
    return {"name": name, "files": ok, "syllables": syll, "wall_s": wall, "run_s": run_s,
            "files_per_s": ok / run_s, "syllables_per_s": syll / run_s,
            "wall_files_per_s": ok / wall, "peak_mib": peak / 2**20, "rc": proc.returncode,
            "cpu_pct": 100 * cpu_s / wall,
            "out": out}


def _manifest_lines(out: str) -> int:
    try:
        with open(os.path.join(out, "manifest.jsonl"), "rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return 0


CONFIGS = {
    "jobs1": ["--jobs", "1"],
    "jobs2": ["--jobs", "2"],
    "dask2": ["--dask-local", "2"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--work", default="/work/work_data/bench")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=8, help="corpus lines per file")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--archive", help="use this archive instead of building one")
    ap.add_argument("--configs", default="jobs1,jobs2,dask2")
    ap.add_argument("--restorer-factory", help="passed through to the batch command")
    ap.add_argument("--no-fsync", action="store_true", help="pass --no-fsync to the command")
    ap.add_argument("--trace", action="store_true", help="print the tree's RSS every 5 s")
    ap.add_argument("--cpus", help="pin this script and the runs to these CPUs, e.g. 0,1 "
                                   "(a 2-core machine on a bigger one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
        print(f"pinned to CPUs {sorted(os.sched_getaffinity(0))}", flush=True)

    os.makedirs(args.work, exist_ok=True)
    args.work = os.path.abspath(args.work)
    archive = os.path.abspath(args.archive or os.path.join(args.work, f"bench-{args.files}x{args.lines}.tar.gz"))
    if not os.path.exists(archive):
        t0 = time.perf_counter()
        build_archive(archive, args.corpus, args.files, args.lines)
        print(f"built {archive} ({os.path.getsize(archive) / 2**20:.1f} MiB) "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
    results = []
    for name in args.configs.split(","):
        extra = list(CONFIGS[name]) + (["--no-fsync"] if args.no_fsync else [])
        res = run_one(name, extra, archive, args.work, args.engine, args.trace, args.restorer_factory)
        results.append(res)
        print(f"{name:6s} files={res['files']:5d} syllables={res['syllables']:8d} "
              f"run={res['run_s']:6.1f}s wall={res['wall_s']:6.1f}s "
              f"files/s={res['files_per_s']:7.1f} syllables/s={res['syllables_per_s']:9,.0f} "
              f"(wall files/s={res['wall_files_per_s']:6.1f}) peak RSS={res['peak_mib']:7.1f} MiB "
              f"CPU={res['cpu_pct']:4.0f}%",
              flush=True)
    by = {r["name"]: r for r in results}
    if "jobs1" in by and "jobs2" in by:
        print(f"speed-up jobs2/jobs1: {by['jobs2']['files_per_s'] / by['jobs1']['files_per_s']:.2f}x "
              f"(wall {by['jobs1']['wall_s'] / by['jobs2']['wall_s']:.2f}x)")
    if len(results) > 1:
        # same outputs whatever the configuration
        def outputs(d):
            got = {}
            for folder, _dirs, files in os.walk(d):
                for f in files:
                    if f != "manifest.jsonl":
                        with open(os.path.join(folder, f), "rb") as fh:
                            got[os.path.relpath(os.path.join(folder, f), d)] = fh.read()
            return got
        ref = outputs(results[0]["out"])
        same = all(outputs(r["out"]) == ref for r in results[1:])
        print(f"identical outputs across configurations: {same}")
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
