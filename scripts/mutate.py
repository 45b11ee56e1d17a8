"""A small mutation-testing tool for the runtime package (vidiacritic/).

Each mutant is one small, deliberate bug made on the syntax tree of one module:

  compare   negate a comparison (< to >=, == to !=, in to not in, is to is not) or
            move its boundary (< to <=, > to >=)
  const     an integer constant +1 or -1 (axis=2 -> axis=3, range(1, T) -> range(2, T))
  boolop    swap `and` and `or`
  negate    negate the condition of an if, while or conditional expression
  return    replace a returned value by None

For every mutant the repository is copied to a temporary folder (models/ and data/
linked, not copied), the module is replaced by its mutant, and the tests that cover the
module (TESTS below, or the whole suite with --full) run there with a timeout.  A mutant
is *killed* when a test fails or the run times out, and *survives* when all tests pass.
The result goes to tests/MUTATION.md: `killed: K of N`, then every survivor with its
line, to be reviewed (an equivalent mutant, or a missing test).

    python -m scripts.mutate --modules viterbi --max-per-module 10       # a quick look
    python -m scripts.mutate --max-per-module 8 --jobs 2                 # the campaign
    python -m scripts.mutate --list --modules channel                    # sites only
    python -m scripts.mutate --rerun-survivors                           # after adding tests

Mutants are sampled per module with a fixed seed (--seed), so a rerun tries the same
ones.  Nothing in the working tree is modified.
"""
from __future__ import annotations

import argparse
import ast
import copy
import datetime
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "vidiacritic"
REPORT = os.path.join(ROOT, "tests", "MUTATION.md")
COPIED = ("vidiacritic", "tests", "scripts", "README.md", "pyproject.toml", "setup.cfg")
LINKED = ("models", "data")

# The tests that exercise each module, fast ones first (pytest -x stops at the first
# failure).  Modules not listed run the whole suite.
TESTS: Dict[str, Tuple[str, ...]] = {
    "viterbi": ("test_viterbi_reference.py", "test_accuracy_floors.py"),
    "channel": ("test_channel_reference.py", "test_channel.py", "test_candidates_reference.py",
                "test_candidate_table.py"),
    "candidates": ("test_candidates_reference.py", "test_candidates.py", "test_candidate_table.py",
                   "test_accuracy_floors.py"),
    "ngram": ("test_ngram.py", "test_accuracy_floors.py"),
    "text": ("test_text.py", "test_text_reference.py", "test_restorer.py", "test_normalization.py",
             "test_accuracy_floors.py"),
    "tokens": ("test_tokens_debris.py", "test_restorer.py", "test_accuracy_floors.py", "test_tokens.py"),
    "fixes": ("test_fixes.py", "test_restorer.py", "test_accuracy_floors.py"),
    "lexicon": ("test_lexicon.py", "test_accuracy_floors.py"),
    "marks": ("test_marks.py", "test_idempotence.py", "test_restorer.py"),
    "restorer": ("test_restorer.py", "test_marks.py", "test_accuracy_floors.py", "test_idempotence.py",
                 "test_model_engine.py"),
    "lattice": ("test_restorer.py", "test_userterms.py", "test_marks.py", "test_accuracy_floors.py",
                "test_idempotence.py"),
    "reading": ("test_marks.py", "test_restorer.py", "test_accuracy_floors.py", "test_idempotence.py"),
    "rescoring": ("test_model_engine.py", "test_restorer.py", "test_accuracy_floors.py", "test_idempotence.py"),
    "user_matching": ("test_userterms.py",),
    "assembly": ("test_restorer.py", "test_fixes.py", "test_userterms.py", "test_accuracy_floors.py"),
    "explanation": ("test_restorer.py", "test_idempotence.py"),
    "config": ("test_config.py", "test_restorer.py", "test_accuracy_floors.py"),
    "engine_loading": ("test_config.py", "test_model_engine.py", "test_integrity.py"),
    "safeio": ("test_safeio.py", "test_write_faults.py", "test_cli.py"),
    "stream": ("test_stream.py", "test_cli.py"),
    "integrity": ("test_integrity.py",),
    "formats": ("test_formats.py",),
    **{f"batch.{m}": ("test_write_faults.py", "test_batch_fuzz.py", "test_batch.py", "test_batch_hostile.py")
       for m in ("cli", "common", "job", "manifest", "outputs", "progress", "worker", "backends")},
    **{f"batch.{m}": ("test_batch.py", "test_batch_hostile.py")
       for m in ("archives", "members", "zipread", "tarread")},
    "cli": ("test_write_faults.py", "test_safeio.py", "test_cli.py", "test_marks.py"),
    "cli_io": ("test_write_faults.py", "test_safeio.py", "test_cli.py"),
    "options": ("test_cli.py", "test_batch.py"),
    "destinations": ("test_safeio.py", "test_write_faults.py", "test_cli.py"),
    "encodings": ("test_encodings.py", "test_cli.py"),
    "legacy": ("test_encodings.py", "test_cli.py"),
    "evaluate": ("test_evaluate.py", "test_cli.py", "test_accuracy_floors.py"),
}

_FLIP = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
# Off-by-one at a boundary: < becomes <=, > becomes >= (and back).
_BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_SYMBOL = {ast.Lt: "<", ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!=",
           ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


@dataclass(frozen=True)
class Site:
    module: str  # "viterbi"
    index: int  # position among the module's sites, in tree-walk order
    kind: str
    line: int
    what: str  # human-readable change

    @property
    def name(self) -> str:
        return f"{self.module}:{self.line} {self.kind} ({self.what})"


class _Mutator(ast.NodeTransformer):
    """Walks a module; counts mutation sites and, when `target` is given, applies that
    one.  The walk order is the same in both modes, so indices are stable."""

    def __init__(self, module: str, target: Optional[int] = None):
        self.module = module
        self.target = target
        self.sites: List[Site] = []

    def _site(self, node: ast.AST, kind: str, what: str) -> bool:
        """Register a site; True when it is the one to apply."""
        self.sites.append(Site(self.module, len(self.sites), kind, getattr(node, "lineno", 0), what))
        return self.target == len(self.sites) - 1

    def visit_If(self, node):
        return self._negate(node)

    def visit_While(self, node):
        return self._negate(node)

    def visit_IfExp(self, node):
        return self._negate(node)

    def _negate(self, node):
        if _is_main_guard(node):
            return node
        apply = self._site(node, "negate", "not (" + _short(node.test) + ")")
        self.generic_visit(node)
        if apply:
            node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            for table in (_FLIP, _BOUNDARY):
                new = table.get(type(op))
                if new is not None and self._site(node, "compare", f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}"):
                    node.ops[i] = new()
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._site(node, "boolop", f"{type(node.op).__name__.lower()} -> {swap.__name__.lower()}"):
            node.op = swap()
        return node

    def visit_Constant(self, node):
        v = node.value
        if type(v) is not int:  # bool is not mutated (True + 1 is no bug anyone writes)
            return node
        for delta in (1, -1):
            if self._site(node, "const", f"{v} -> {v + delta}"):
                return ast.copy_location(ast.Constant(value=v + delta), node)
        return node

    def visit_Return(self, node):
        self.generic_visit(node)
        if node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None):
            return node
        if self._site(node, "return", "return " + _short(node.value) + " -> return None"):
            node.value = ast.Constant(value=None)
        return node


def _is_main_guard(node) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _short(node: ast.AST, n: int = 50) -> str:
    s = ast.unparse(node).replace("\n", " ")
    return s if len(s) <= n else s[: n - 3] + "..."


def module_path(module: str, root: str = ROOT) -> str:
    return os.path.join(root, PACKAGE, *module.split(".")) + ".py"


def sites_in(source: str, module: str) -> List[Site]:
    m = _Mutator(module)
    m.visit(ast.parse(source))
    return m.sites


def apply_site(source: str, site: Site) -> str:
    """The source with the one change `site` describes (formatting and comments are
    lost: the code is regenerated from the tree)."""
    m = _Mutator(site.module, target=site.index)
    tree = ast.fix_missing_locations(m.visit(copy.deepcopy(ast.parse(source))))
    return ast.unparse(tree) + "\n"


def _source(module: str) -> str:
    with open(module_path(module), encoding="utf-8") as fh:
        return fh.read()


def sites_of(module: str) -> List[Site]:
    return sites_in(_source(module), module)


def mutant_source(site: Site) -> str:
    return apply_site(_source(site.module), site)


def all_modules() -> List[str]:
    out = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for f in sorted(files):
            if f.endswith(".py") and f != "__init__.py":
                rel = os.path.relpath(os.path.join(folder, f), os.path.join(ROOT, PACKAGE))
                out.append(rel[:-3].replace(os.sep, "."))
    return sorted(out)


# ---------------------------------------------------------------- running
def _sandbox() -> str:
    """A copy of the repository to mutate and test in; models/ and data/ linked."""
    box = tempfile.mkdtemp(prefix="vidiacritic-mutant-")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in COPIED:
        src = os.path.join(ROOT, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(box, name), ignore=ignore)
        elif os.path.exists(src):
            shutil.copy2(src, os.path.join(box, name))
    for name in LINKED:
        os.symlink(os.path.join(ROOT, name), os.path.join(box, name))
    return box


def _test_args(module: str, full: bool) -> List[str]:
    top = module.split(".")[0]
    if full or top not in TESTS:
        return ["tests"]
    return [os.path.join("tests", t) for t in TESTS[top] if os.path.exists(os.path.join(ROOT, "tests", t))]


def run_tests(module: str, site: Optional[Site], full: bool, timeout: float,
              python: str) -> Tuple[str, float]:
    """("killed" | "survived" | "timeout" | "passed" | "failed", seconds)."""
    box = _sandbox()
    try:
        if site is not None:
            with open(module_path(module, box), "w", encoding="utf-8") as fh:
                fh.write(mutant_source(site))
        env = dict(os.environ, PYTHONPATH=box, PYTHONDONTWRITEBYTECODE="1")
        cmd = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore"] + \
            _test_args(module, full)
        t0 = time.time()
        try:
            # the baseline's output is kept: when it fails, the reason is shown
            out = subprocess.PIPE if site is None else subprocess.DEVNULL
            proc = subprocess.run(cmd, cwd=box, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired:
            return "timeout", time.time() - t0
        ok = proc.returncode == 0
        if site is None:
            if not ok:
                tail = proc.stdout.decode("utf-8", "replace").splitlines()[-30:]
                print("\n".join(tail), file=sys.stderr)
            return ("passed" if ok else "failed"), time.time() - t0
        return ("survived" if ok else "killed"), time.time() - t0
    finally:
        shutil.rmtree(box, ignore_errors=True)


def choose(modules: Sequence[str], per_module: int, seed: int) -> List[Site]:
    rng = random.Random(seed)
    picked: List[Site] = []
    for mod in modules:
        sites = sites_of(mod)
        if per_module and len(sites) > per_module:
            sites = sorted(rng.sample(sites, per_module), key=lambda s: s.index)
        picked.extend(sites)
    return picked


def _line_text(site: Site) -> str:
    try:
        lines = _source(site.module).splitlines()
    except OSError:
        return ""
    return lines[site.line - 1].strip() if 0 < site.line <= len(lines) else ""


_REASON = re.compile(r"^- `(?P<name>[^`]+)`: .* — why acceptable: (?P<why>.*)$")


def reviewed_reasons(path: str) -> Dict[str, str]:
    """The reasons already written for survivors in an earlier report: a rerun keeps
    them for the mutants that survive again (same module, line, kind and change)."""
    out: Dict[str, str] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                m = _REASON.match(line.rstrip("\n"))
                if m and m.group("why") != "(to review)":
                    out[m.group("name")] = m.group("why")
    return out


_ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<result>[a-z]+) \| (?P<secs>\d+) \|$")
_COMMAND = re.compile(r"^Command: `(?P<cmd>.*)`\s*$")


def previous_results(path: str) -> Tuple[str, List[Tuple[Site, str, float]]]:
    """The command and the per-mutant results of an earlier report, each mutant matched
    back to its site in the current code (by name, in order: one line may hold the same
    change twice).  ValueError when a mutant no longer exists: the code changed since,
    so the campaign itself has to be rerun."""
    command, rows = "", []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            m = _COMMAND.match(line)
            if m and not command:
                command = m.group("cmd")
            m = _ROW.match(line)
            if m:
                rows.append((m.group("name"), m.group("result"), float(m.group("secs"))))
    if not command or not rows:
        raise ValueError(f"{path} holds no earlier campaign")
    free: Dict[str, List[Site]] = {}
    for module in sorted({name.split(":")[0] for name, _, _ in rows}):
        for s in sites_of(module):
            free.setdefault(s.name, []).append(s)
    out = []
    for name, result, secs in rows:
        if not free.get(name):
            raise ValueError(f"mutant {name} is not in the current code: rerun the campaign")
        out.append((free[name].pop(0), result, secs))
    return command, out


def write_report(path: str, command: str, results: List[Tuple[Site, str, float]], note: str) -> None:
    reasons = reviewed_reasons(path)
    killed = sum(1 for _, r, _ in results if r in ("killed", "timeout"))
    by_module: Dict[str, List[int]] = {}
    for s, r, _ in results:
        k = by_module.setdefault(s.module, [0, 0])
        k[0] += r in ("killed", "timeout")
        k[1] += 1
    lines = ["# Mutation testing", "",
             f"killed: {killed} of {len(results)}", "",
             f"Command: `{command}`  ",
             f"Run: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
             f"{sum(t for _, _, t in results) / 60:.1f} minutes of test runs (wall clock, summed).", ""]
    if note:
        lines += [note, ""]
    lines += ["| module | killed | of |", "|---|---|---|"]
    lines += [f"| {m} | {k} | {n} |" for m, (k, n) in sorted(by_module.items())]
    lines += ["", "## Survivors", ""]
    surv = [(s, t) for s, r, t in results if r == "survived"]
    if not surv:
        lines.append("None.")
    for s, _ in surv:
        why = reasons.get(s.name, "(to review)")
        lines.append(f"- `{s.name}`: `{_line_text(s)}` — why acceptable: {why}")
    lines += ["", "## All mutants", "", "| mutant | result | seconds |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {r} | {t:.0f} |" for s, r, t in results]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", default="", help="comma-separated (default: every module)")
    ap.add_argument("--max-per-module", type=int, default=8, help="sample size per module (0: all)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--jobs", type=int, default=1, help="mutants tested at once")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per mutant (default 3x baseline + 30)")
    ap.add_argument("--full", action="store_true", help="run the whole suite for every mutant")
    ap.add_argument("--list", action="store_true", help="list the chosen mutants and stop")
    ap.add_argument("--report", default=REPORT)
    ap.add_argument("--note", default="", help="a line written under the result (e.g. 'partial run')")
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="test again only the survivors of the report's campaign (after adding tests) "
                         "and merge the results into it")
    args = ap.parse_args(argv)
    earlier: List[Tuple[Site, str, float]] = []
    if args.rerun_survivors:
        try:
            earlier_command, earlier = previous_results(args.report)
        except (OSError, ValueError) as e:
            ap.error(str(e))
        picked = [s for s, r, _ in earlier if r == "survived"]
        modules = sorted({s.module for s in picked})
    else:
        modules = [m.strip() for m in args.modules.split(",") if m.strip()] or all_modules()
        for m in modules:
            if not os.path.exists(module_path(m)):
                ap.error(f"no module {PACKAGE}/{m}.py")
        picked = choose(modules, args.max_per_module, args.seed)
    if args.list:
        for s in picked:
            print(s.name)
        print(f"{len(picked)} mutants")
        return 0
    python = sys.executable
    timeouts: Dict[str, float] = {}
    for m in modules:  # the unmutated code must pass the tests that will judge it
        status, secs = run_tests(m, None, args.full, 3600, python)
        print(f"baseline {m}: {status} in {secs:.0f} s", flush=True)
        if status != "passed":
            print(f"mutate: error: the tests of {m} fail without any mutation", file=sys.stderr)
            return 1
        timeouts[m] = args.timeout or 3 * secs + 30

    def one(site: Site) -> Tuple[Site, str, float]:
        status, secs = run_tests(site.module, site, args.full, timeouts[site.module], python)
        print(f"{status:8} {secs:5.0f} s  {site.name}", flush=True)
        return site, status, secs

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, picked))
    command = shlex.join(["python", "-m", "scripts.mutate", *(argv if argv is not None else sys.argv[1:])])
    if args.rerun_survivors:  # the campaign's results, its survivors replaced by this run's
        again = {(s.module, s.index): (s, r, t) for s, r, t in results}
        results = [again.get((s.module, s.index), (s, r, t)) for s, r, t in earlier]
        command = earlier_command + " && " + command
    write_report(args.report, command, results, args.note)
    killed = sum(1 for _, r, _ in results if r != "survived")
    print(f"killed: {killed} of {len(results)} -> {os.path.relpath(args.report, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
