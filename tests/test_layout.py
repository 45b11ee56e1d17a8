"""The repository's layout (issue 10): the runtime package needs nothing from training,
no module edits sys.path to find another, and the documented tool commands name
modules that exist (tools run as ``python -m scripts.<tool>`` from the repository root)."""
import ast
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tracked(*patterns):
    """Files git tracks under the repository root (working-tree copies), matching patterns."""
    try:
        out = subprocess.run(["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [os.path.join(ROOT, p) for p in out if p and os.path.exists(os.path.join(ROOT, p))]


def _python_files():
    return _tracked("*.py")


def _tree(path):
    with open(path, encoding="utf-8") as fh:
        return ast.parse(fh.read(), filename=path)


def _is_sys_path(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "path"
            and isinstance(node.value, ast.Name) and node.value.id == "sys")


def sys_path_edits(tree):
    """Line numbers where sys.path is changed: a call of one of its methods
    (insert, append, extend ...) or an assignment to it or a slice of it."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_sys_path(node.func.value):
            lines.append(node.lineno)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if _is_sys_path(t) or (isinstance(t, ast.Subscript) and _is_sys_path(t.value)):
                    lines.append(node.lineno)
    return sorted(lines)


def imported_modules(tree):
    """Absolute module names a module imports (relative imports are its own package)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_scan_finds_what_it_looks_for():
    """The two scans below would see the edits and imports they forbid."""
    tree = ast.parse("import sys\nsys.path.insert(0, 'x')\nsys.path.append('y')\nsys.path[:0] = ['z']\n"
                     "def f():\n    from scripts.corpus import iter_lines\n    import scripts.build_ngram\n")
    assert sys_path_edits(tree) == [2, 3, 4]
    assert imported_modules(tree) == ["sys", "scripts.corpus", "scripts.build_ngram"]


def test_no_module_edits_sys_path():
    found = [f"{os.path.relpath(p, ROOT)}:{n}" for p in _python_files() for n in sys_path_edits(_tree(p))]
    assert not found, "run tools as modules (python -m scripts.<tool>) instead: " + ", ".join(found)


def test_runtime_imports_nothing_from_scripts():
    runtime = [p for p in _python_files() if os.path.relpath(p, ROOT).startswith("vidiacritic" + os.sep)]
    assert runtime
    found = [f"{os.path.relpath(p, ROOT)}: {m}" for p in runtime for m in imported_modules(_tree(p))
             if m == "scripts" or m.startswith("scripts.")]
    assert not found, "the runtime package must not need training code: " + ", ".join(found)


_BY_PATH = re.compile(r"\bpython3?(?: +-[A-Za-z]+)* +(?:scripts|tests)/[\w/]+\.py\b")
_AS_MODULE = re.compile(r"\bpython3? +-m +((?:scripts|tests)(?:\.\w+)+)")


RETIRED = {os.path.join("models", "seq2seq", "generator", "CARD.md")}


def _documents():
    return _tracked("*.md", "*.py", "*.sh", "*.cfg", ".ci/run")


def test_documented_commands_run_tools_as_modules():
    """No document runs a tool by its file path (that no longer finds the runtime), and
    every 'python -m scripts.<tool>' names a module that exists (the retired generator's card
    records commands of code that lives on only in the git history)."""
    by_path, missing, seen = [], [], set()
    for p in _documents():
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
        rel = os.path.relpath(p, ROOT)
        if rel in RETIRED:
            continue
        by_path += [f"{rel}: {m.group(0)}" for m in _BY_PATH.finditer(text)]
        for m in _AS_MODULE.finditer(text):
            module = m.group(1)
            seen.add(module)
            if not os.path.exists(os.path.join(ROOT, *module.split(".")) + ".py"):
                missing.append(f"{rel}: {module}")
    assert not by_path, by_path
    assert not missing, missing
    assert "scripts.build_ngram" in seen  # the scan reads the documents at all


def test_tests_import_this_checkout():
    """pytest's pythonpath (setup.cfg) puts this checkout first: the runtime and the tools
    under test are these files, not an installed copy of another checkout."""
    import scripts
    import vidiacritic
    for module in (vidiacritic, scripts):
        assert os.path.dirname(os.path.dirname(os.path.abspath(module.__file__))) == ROOT, module.__file__


# Dependencies of some tools that the test environment may lack (training, rendering, plots).
OPTIONAL = {"torch", "transformers", "onnx", "onnxruntime", "sentencepiece", "PIL", "matplotlib",
            "psutil", "pyvi", "msgpack", "datasets"}


def _tool_modules():
    """Every module of the scripts package (read from the folder at collection time)."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, "scripts")):
        dirs[:] = [d for d in dirs if os.path.exists(os.path.join(folder, d, "__init__.py"))]
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, f), ROOT)
                out.append(rel[:-3].replace(os.sep, ".").replace(".__init__", ""))
    return sorted(out)


@pytest.mark.parametrize("module", _tool_modules())
def test_every_tool_imports_as_a_module(module):
    """Each tool imports as part of the scripts package (what 'python -m' does first),
    without running: a module moved or renamed under it shows here, not at its next run."""
    import importlib
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] in OPTIONAL:
            pytest.skip(f"{module} needs {e.name}")
        raise
