#!/usr/bin/env python3
"""Whole-report speed of several checkouts, timed alternately: issue 9's speed line.

Runs `vidiacritic fix INPUT` (the dev OCR by default) from process start to finish
with each TREE's own vidiacritic package (a checkout or `git worktree`; build its C
extension first: `python setup.py build_ext --inplace`, and compile its .pyc:
`python -m compileall -q vidiacritic`, or every start pays for compiling), one tree
after the other, --runs times, so that a busier minute of the machine slows them alike.
Prints each tree's median wall time and user CPU, its speed relative to the first tree,
the mean of its faster half of runs and the speed by that (on a machine whose other
tenants slow some runs a lot, the slow tail says little about the code), and whether its
output is the first tree's, byte for byte.

usage: python -m scripts.time_report [--runs 9] [--input ../shared/dev/seed_ocr.txt] TREE [TREE ...]
example (the day issue 9 was filed, and this checkout):
    git worktree add --detach ../c0 c0bf737 && python -m scripts.time_report ../c0 .
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

# (the tree's package, not an installed one: the tree is the working directory and
# comes first on sys.path; checked once per tree before timing)
RUN = ("import sys; sys.path.insert(0, '.'); from vidiacritic.cli import entry; "
       "sys.argv = ['vidiacritic', 'fix', sys.argv[1]]; entry()")
WHERE = "import sys; sys.path.insert(0, '.'); import vidiacritic; print(vidiacritic.__file__)"


def faster_half(times) -> float:
    """The mean of the faster half of `times` (all of one run's, the faster when odd)."""
    ordered = sorted(times)
    half = ordered[: max(1, len(ordered) // 2)]
    return sum(half) / len(half)


def _run(tree: str, path: str):
    """(wall seconds, user CPU seconds, stdout bytes) of one `fix` in `tree`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, path], cwd=tree, capture_output=True)
    wall = time.perf_counter() - t
    if done.returncode:
        sys.exit(f"time_report: {tree}: exit {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trees", nargs="+")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--input", default=os.path.join("..", "shared", "dev", "seed_ocr.txt"))
    args = ap.parse_args()
    path = os.path.abspath(args.input)
    if not os.path.isfile(path):
        sys.exit(f"time_report: no such file: {args.input}")
    trees = [os.path.abspath(t) for t in args.trees]
    for tree in trees:
        got = subprocess.run([sys.executable, "-c", WHERE], cwd=tree, capture_output=True, text=True).stdout.strip()
        if not os.path.realpath(got).startswith(os.path.realpath(tree) + os.sep):
            sys.exit(f"time_report: {tree} imports vidiacritic from {got or '(nowhere)'}, not its own")
    walls = {t: [] for t in trees}
    users = {t: [] for t in trees}
    outputs = {}
    for _ in range(args.runs):
        for tree in trees:
            wall, user, out = _run(tree, path)
            walls[tree].append(wall)
            users[tree].append(user)
            outputs.setdefault(tree, out)
    first, first_half = statistics.median(walls[trees[0]]), faster_half(walls[trees[0]])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.runs} runs each, alternated; load average now {load:.2f}")
    for tree in trees:
        w = statistics.median(walls[tree])
        same = "same output" if outputs[tree] == outputs[trees[0]] else "OUTPUT DIFFERS from the first tree's"
        print(f"{tree}: wall median {w:.2f} s (min {min(walls[tree]):.2f}, max {max(walls[tree]):.2f}), "
              f"user CPU median {statistics.median(users[tree]):.2f} s, speed {first / w:.0%} of the first; "
              f"faster half {faster_half(walls[tree]):.2f} s, speed {first_half / faster_half(walls[tree]):.0%}; {same}")


if __name__ == "__main__":
    main()
