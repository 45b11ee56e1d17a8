"""scripts/mutate.py: each mutation site changes exactly one thing, and every kind of
mutation the tool promises is produced (the campaign itself is not run here)."""
import ast
import os

from scripts import mutate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SRC = '''
def f(x, y):
    """Docstring."""
    if x < 2 and y:
        return x + 1
    while x != y:
        x = x - 1
    return [0] if y in (True, None) else None
'''


def test_every_kind_of_mutation_is_made():
    sites = mutate.sites_in(SRC, "m")
    assert {s.kind for s in sites} == {"compare", "const", "boolop", "negate", "return"}
    whats = {s.what for s in sites}
    assert {"< -> >=", "< -> <=", "!= -> ==", "in -> not in", "and -> or", "2 -> 3", "2 -> 1",
            "1 -> 0", "0 -> 1"} <= whats
    assert [s.index for s in sites] == list(range(len(sites)))


def test_each_mutant_differs_from_the_original_in_one_place():
    original = ast.unparse(ast.parse(SRC))
    for site in mutate.sites_in(SRC, "m"):
        mutant = mutate.apply_site(SRC, site)
        assert mutant.strip() != original.strip(), site.name
        changed = [a for a, b in zip(original.splitlines(), mutant.splitlines()) if a != b]
        assert len(changed) == 1, (site.name, changed)
        assert mutate.sites_in(mutant, "m")  # still valid Python with sites of its own


def test_the_runtime_package_has_sites_in_every_module():
    modules = mutate.all_modules()
    assert {"viterbi", "channel", "candidates", "tokens", "text", "fixes", "restorer", "batch.job",
            "cli"} <= set(modules)
    for m in ("viterbi", "channel"):
        assert len(mutate.sites_of(m)) > 50
        assert mutate.TESTS[m], m


def test_reviewed_reasons_survive_a_rerun(tmp_path):
    report = tmp_path / "MUTATION.md"
    site = mutate.sites_in(SRC, "m")[0]
    mutate.write_report(str(report), "cmd", [(site, "survived", 1.0)], "")
    text = report.read_text(encoding="utf-8")
    assert "killed: 0 of 1" in text and "(to review)" in text
    report.write_text(text.replace("(to review)", "equivalent: reason"), encoding="utf-8")
    mutate.write_report(str(report), "cmd", [(site, "survived", 1.0)], "")
    assert "why acceptable: equivalent: reason" in report.read_text(encoding="utf-8")


def test_every_test_file_the_map_names_exists():
    # A misspelt or renamed file would silently drop out of a module's tests.
    for module, files in mutate.TESTS.items():
        for f in files:
            assert os.path.exists(os.path.join(ROOT, "tests", f)), (module, f)


def test_a_rerun_reads_back_the_campaign_it_completes(tmp_path, monkeypatch):
    report = tmp_path / "MUTATION.md"
    sites = mutate.sites_in(SRC, "m")
    monkeypatch.setattr(mutate, "sites_of", lambda module: mutate.sites_in(SRC, module))
    results = [(sites[0], "killed", 3.0), (sites[1], "survived", 7.0), (sites[2], "timeout", 9.0)]
    mutate.write_report(str(report), "python -m scripts.mutate --seed 3", results, "")
    command, back = mutate.previous_results(str(report))
    assert command == "python -m scripts.mutate --seed 3"
    assert [(s.index, r) for s, r, _ in back] == [(0, "killed"), (1, "survived"), (2, "timeout")]
    monkeypatch.setattr(mutate, "sites_of", lambda module: [])  # the code changed since
    try:
        mutate.previous_results(str(report))
    except ValueError as e:
        assert "rerun the campaign" in str(e)
    else:
        raise AssertionError("a mutant missing from the code was accepted")
