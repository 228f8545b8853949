"""The plugin platform: scope, contributions, citations, `rules check`, containment, cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from diagnostics import kbcache
from diagnostics.citations import citation_problem, thesis_index, thesis_sections
from diagnostics.cli import main
from diagnostics.compose import contribute
from diagnostics.condition_tree import AnyOf, AtLeast, Finding
from diagnostics.errors import DataError, PluginError
from diagnostics.familykit import FamilyPlugin
from diagnostics.hookspecs import hookimpl
from diagnostics.knowledge import Rule
from diagnostics.registry import load_registry
from diagnostics.testing import assess, load_profile, make_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "mongolia-plugin" / "diagnostics_mongolia"
CONTRIBUTOR = "node.mn_mining_enclave_by_agreement"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def mn_scenario(**answers) -> dict:
    """Mongolia's profile with some answers set: a scenario for tests, not a claim about Mongolia."""
    data = yaml.safe_load((EXAMPLE / "profiles" / "mn.yaml").read_text(encoding="utf-8"))
    data["answers"].update({k: {"value": v} for k, v in answers.items()})
    return data


FDI_ENCLAVE = {"fdi.inflow_trend": "rising", "fdi.extractive_share_inflow": 0.7,
               "fdi.mnc_activity_profile": "assembly_and_extraction"}


# -- scope --------------------------------------------------------------------------
def test_kz_json_is_the_same_with_and_without_the_example_plugin() -> None:
    pytest.importorskip("diagnostics_mongolia", reason="example plugin not installed (CI installs it)")
    plugins = json.loads(run("plugins", "--json").stdout)
    assert any(p["name"] == "mongolia" and p["status"] == "ok" for p in plugins)
    with_plugin = json.loads(run("assess", "KZ", "--json").stdout)
    without = json.loads(run("--no-plugins", "assess", "KZ", "--json").stdout)
    with_plugin.pop("audit"), without.pop("audit")
    assert with_plugin == without


def test_scoped_plugin_records_reach_only_its_countries() -> None:
    reg = make_registry(("mongolia", FamilyPlugin(EXAMPLE)))
    assert CONTRIBUTOR in reg.kb_for("MN").rules and "mn.mining_agreement_fixes_terms" in reg.kb_for("MN").indicators
    for kb in (reg.kb, reg.kb_for("KZ"), reg.kb_for("EE")):
        assert CONTRIBUTOR not in kb.rules and "mn.mining_agreement_fixes_terms" not in kb.indicators
    assert reg.kb_for("KZ").rules["dx.fdi_spillover_failure"] == make_registry().kb.rules["dx.fdi_spillover_failure"]
    assert next(r for r in reg.reports if r.name == "mongolia").scope == ["MN"]


def test_declared_scope_overrides_the_families() -> None:
    class Scoped(FamilyPlugin):
        @hookimpl
        def diagnostics_scope(self) -> list[str]:
            return ["KG"]

    reg = make_registry(("mongolia", Scoped(EXAMPLE)))
    assert CONTRIBUTOR in reg.kb_for("KG").rules and CONTRIBUTOR not in reg.kb_for("MN").rules


# -- contributions --------------------------------------------------------------------
def test_contributing_rule_appears_in_the_diagnosis_trace_for_its_country() -> None:
    reg = make_registry(("mongolia", FamilyPlugin(EXAMPLE)))
    result = assess(reg, mn_scenario(**FDI_ENCLAVE, **{"mn.mining_agreement_fixes_terms": True,
                                                       "fdi.mnc_local_sourcing_interest": False}))
    dx = result.finding("dx.fdi_spillover_failure")
    assert dx.status.value == "fired"
    assert CONTRIBUTOR in [s.rule for s in dx.trace if s.kind == "finding"]
    assert reg.kb_for("MN").rules[CONTRIBUTOR].provided_by.startswith("mongolia ")


def test_contribution_is_three_valued() -> None:
    """at_least k=2 of the thesis's four plus the contributor, one thesis part true:
    contributor true -> fired; false -> not fired; unknown -> not assessable."""
    reg = make_registry(("mongolia", FamilyPlugin(EXAMPLE)))
    base = {**FDI_ENCLAVE, "fdi.mnc_local_sourcing_interest": False}

    def status(**more) -> str:
        return assess(reg, mn_scenario(**base, **more)).finding("dx.fdi_spillover_failure").status.value

    assert status(**{"mn.mining_agreement_fixes_terms": True}) == "fired"
    # Without the contributor the other three thesis parts stay open: not assessable either way,
    # so compare the contributor's own status, which drives the difference.
    no = assess(reg, mn_scenario(**base, **{"mn.mining_agreement_fixes_terms": False}))
    assert no.finding(CONTRIBUTOR).status.value == "not_fired"
    unknown = assess(reg, mn_scenario(**base))
    assert unknown.finding(CONTRIBUTOR).status.value == "not_assessable"
    assert unknown.finding("dx.fdi_spillover_failure").status.value == "not_assessable"


def _rule(rule_id: str, when: dict, **kw) -> Rule:
    return Rule.model_validate(dict(id=rule_id, title="T", layer="manifestation", theme="t", function="coordinator",
                                    when=when, evidence_grade="doc", mechanism="m", story="s",
                                    citations=["§2.3 p.10 (ll. 821–837)"]) | kw)


def test_contribute_joins_at_least_lists_and_otherwise_adds_an_alternative() -> None:
    leaf = {"indicator": "wto.member", "eq": "member"}
    target_k = _rule("dx.k", {"at_least": {"k": 2, "of": [{"finding": "node.a"}, {"finding": "node.b"}]}},
                     layer="diagnosis")
    target_all = _rule("node.all", {"all": [leaf, {"finding": "node.a"}]})
    plugin = _rule("node.p", leaf, contributes_to="dx.k")
    plugin2 = _rule("node.q", leaf, contributes_to="node.all")
    out = {r.id: r for r in contribute([target_k, target_all, plugin, plugin2])}
    assert isinstance(out["dx.k"].when, AtLeast) and out["dx.k"].when.at_least.k == 2
    assert out["dx.k"].when.at_least.of[-1] == Finding(finding="node.p")
    assert isinstance(out["node.all"].when, AnyOf) and out["node.all"].when.any[-1] == Finding(finding="node.q")


def test_contribution_to_an_unknown_rule_fails_the_plugin() -> None:
    class Bad(FamilyPlugin):
        @hookimpl
        def diagnostics_rule_packs(self):  # type: ignore[override]
            from diagnostics.knowledge import RulePack

            return [RulePack(name="x", rules=(
                _rule("node.mn_x", {"indicator": "wto.member", "eq": "member"},
                      contributes_to="dx.fdi_spilover_failure", directions=["fdi_by_type_and_strategic_assets"]),))]

    with pytest.raises(PluginError, match="did you mean 'dx.fdi_spillover_failure'"):
        make_registry(("bad", Bad(EXAMPLE)))


def test_contribution_only_from_a_mechanism_or_manifestation() -> None:
    with pytest.raises(ValueError, match="only a mechanism or manifestation"):
        _rule("node.c", {"indicator": "wto.member", "eq": "member"}, layer="context", contributes_to="dx.x")


# -- citations --------------------------------------------------------------------------
def test_every_core_citation_lies_inside_its_section_of_the_shipped_index(kb) -> None:
    cites = [c for r in kb.rules.values() for c in r.citations]
    cites += [c for d in kb.directions.values() for c in d.citations]
    cites += [c for i in kb.indicators.values() for c in i.citations]
    assert len(cites) > 300
    assert [p for c in cites if (p := citation_problem(c))] == []


def test_shipped_index_matches_the_thesis_when_present() -> None:
    from conftest import thesis_path

    path = thesis_path()
    if path is None:
        pytest.skip("thesis text not found beside the repository")
    assert thesis_sections(path) == thesis_index().sections


def test_invented_line_ranges_and_unknown_keys_are_caught() -> None:
    assert "no section 9.9" in (citation_problem("§9.9 p.999 (ll. 1–2)") or "")
    assert "outside §4.5" in (citation_problem("§4.5 p.61 (ll. 4000–4010)") or "")
    assert citation_problem("§4.5 p.61 (ll. 5346–5371)") is None
    assert "unknown bibliography key 'nso2012'" in (citation_problem("[nso2012] p.3", {"nso2021"}) or "")
    assert citation_problem("[nso2021] p.3", {"nso2021"}) is None


# -- rules check --------------------------------------------------------------------------
@pytest.fixture
def plugin_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mn"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def test_rules_check_passes_the_example_plugin(plugin_copy: Path) -> None:
    r = run("rules", "check", str(plugin_copy))
    assert r.exit_code == 0, r.output
    assert "ok" in r.stdout and "applies to MN" in r.stdout


def test_rules_check_fails_an_empty_folder(tmp_path: Path) -> None:
    r = run("rules", "check", str(tmp_path))
    assert r.exit_code == 2 and "no records found" in r.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rules_check_fails_a_shadowing_rule_naming_file_and_line(plugin_copy: Path) -> None:
    _edit(plugin_copy / "rules.yaml", "id: node.mn_mining_enclave_by_agreement", "id: node.extractive_fdi_enclave")
    _edit(plugin_copy / "directions.yaml", "- node.mn_mining_enclave_by_agreement", "- node.extractive_fdi_enclave")
    r = run("rules", "check", str(plugin_copy))
    assert r.exit_code == 2
    assert "rule 'node.extractive_fdi_enclave' (also from plugin thesis)" in r.stderr
    assert "rules.yaml:" in r.stderr


def test_rules_check_fails_an_invented_thesis_line_range(plugin_copy: Path) -> None:
    _edit(plugin_copy / "rules.yaml", '"§6.3 p.114 (ll. 9807–9811)"', '"§9.9 p.999 (ll. 99901–99902)"')
    r = run("rules", "check", str(plugin_copy))
    assert r.exit_code == 2 and "the thesis has no section 9.9" in r.stderr and "rules.yaml:" in r.stderr


def test_rules_check_fails_an_unknown_bibliography_key(plugin_copy: Path) -> None:
    _edit(plugin_copy / "indicators.yaml", "[oyunbazar2015]", "[oyunbazar2051]")
    r = run("rules", "check", str(plugin_copy))
    assert r.exit_code == 2 and "unknown bibliography key 'oyunbazar2051'" in r.stderr
    assert "indicators.yaml:" in r.stderr


def test_rules_check_fails_what_the_engine_cannot_load(plugin_copy: Path) -> None:
    """More facts in one rule than durable-rules can join: seventeen required findings.
    (Comparisons are decided before chaining and make one fact, however many there are.)"""
    from diagnostics.registry import load_registry

    nodes = [r for r in load_registry(external=False).kb.rules if r.startswith("node.")][:17]
    many = "\n".join(f"        - {{finding: {r}}}" for r in nodes)
    _edit(plugin_copy / "rules.yaml", "        - {indicator: mn.mining_agreement_fixes_terms, eq: true}\n", many + "\n")
    r = run("rules", "check", str(plugin_copy))
    assert r.exit_code == 2 and "engine allows 16" in r.stderr


# -- profiles and the test API ------------------------------------------------------------
def test_unknown_family_in_a_profile_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("country: KZ\nfamily: central_asai\nanswers: {}\n", encoding="utf-8")
    r = run("--no-plugins", "assess", str(p))
    assert r.exit_code == 2
    assert "p.yaml:2: unknown family 'central_asai' (did you mean 'central_asia'?)" in r.stderr


def test_testing_api_assesses_a_dict_and_raises_project_errors() -> None:
    reg = make_registry()
    result = assess(reg, {"country": "KZ", "family": "central_asia", "answers": {"wto.member": {"value": "member"}}})
    assert result.country == "KZ"
    with pytest.raises(DataError, match="unknown family"):
        assess(reg, {"country": "KZ", "family": "nowhere", "answers": {}})
    with pytest.raises(DataError):
        assess(reg, {"country": "KZ", "answers": {"wto.member": {"value": 12}}})
    with pytest.raises(DataError):
        assess(reg, {"answers": {}})
    with pytest.raises(DataError, match="mapping"):
        load_profile(["not", "a", "profile"])  # type: ignore[arg-type]


# -- containment --------------------------------------------------------------------------
class Rude:
    """A plugin that prints and exits while loading its records."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    @hookimpl
    def diagnostics_families(self):
        print("hello from a plugin")
        raise self.exc


@pytest.mark.parametrize("exc", [SystemExit(3), KeyboardInterrupt(), RuntimeError("boom")])
def test_plugin_exits_and_interrupts_are_contained(exc: BaseException, capsys) -> None:
    reg = load_registry(external=False, env={}, extra_plugins=[("rude", Rude(exc))], cache=False)
    report = next(r for r in reg.reports if r.name == "rude")
    assert report.status == "failed" and type(exc).__name__ in report.error
    captured = capsys.readouterr()
    assert "hello from a plugin" not in captured.out and "hello from a plugin" in captured.err


def test_json_stays_clean_when_a_plugin_prints(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "noisy_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: noisy-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[policy_diagnostics]\nnoisy = noisy_plugin_mod\n")
    (site / "noisy_plugin_mod.py").write_text("print('imported!')\nimport sys\nsys.exit(1)\n")
    import os

    env = {**os.environ, "PYTHONPATH": str(site)}
    r = subprocess.run([sys.executable, "-m", "diagnostics.cli", "assess", "KZ", "--json"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["country"] == "KZ"
    assert "imported!" in r.stderr and "plugin noisy left out" in r.stderr


def test_misspelled_hook_fails_the_plugin() -> None:
    typo = SimpleNamespace(diagnostics_familes=hookimpl(lambda: []))
    reg = load_registry(external=False, env={}, extra_plugins=[("typo", typo)], cache=False)
    report = next(r for r in reg.reports if r.name == "typo")
    assert report.status == "failed" and "diagnostics_familes" in report.error


# -- cache ---------------------------------------------------------------------------------
def test_the_cache_is_keyed_by_plugin_files_and_versions(tmp_path: Path) -> None:
    folder = tmp_path / "fam"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    plugin = FamilyPlugin(folder)
    key = kbcache.cache_key([("mn", "1.0", plugin)])
    assert key == kbcache.cache_key([("mn", "1.0", plugin)])
    assert key != kbcache.cache_key([("mn", "1.1", plugin)])
    _edit(folder / "rules.yaml", "severity: low", "severity: medium")
    assert key != kbcache.cache_key([("mn", "1.0", plugin)])


def test_a_cached_registry_equals_a_fresh_one(tmp_path: Path) -> None:
    env = {"DIAGNOSE_CACHE_DIR": str(tmp_path)}
    first = load_registry(external=False, env=env)
    assert len(list(tmp_path.glob("kb-*.pickle"))) == 1
    second = load_registry(external=False, env=env)
    # What every run derives from a knowledge base is read from the cache, not computed again.
    assert {"digest", "feeds", "used_by", "rolls_up_to"} <= vars(second.kb).keys()
    fresh = load_registry(external=False, env={}, cache=False)
    assert second.kb.digest == first.kb.digest == fresh.kb.digest
    assert second.kb.feeds == fresh.kb.feeds and second.kb.rolls_up_to == fresh.kb.rolls_up_to
    assert list(second.kb.rules) == list(fresh.kb.rules) and second.profiles == fresh.profiles
    (tmp_path / next(tmp_path.glob("kb-*.pickle")).name).write_bytes(b"not a pickle")
    assert load_registry(external=False, env=env).kb.digest == fresh.kb.digest  # rebuilt, not trusted


# -- docs, layers and the scaffold ----------------------------------------------------------
def test_generated_docs_are_in_sync() -> None:
    """If this fails, run `python -m diagnostics.docgen` and commit docs/."""
    from diagnostics.docgen import knowledge_map_page, reference_page, thesis_kb

    assert (ROOT / "docs" / "reference.md").read_text(encoding="utf-8") == reference_page()
    assert (ROOT / "docs" / "knowledge-map.md").read_text(encoding="utf-8") == knowledge_map_page(thesis_kb())


def test_reference_lists_every_field_of_every_record() -> None:
    from diagnostics.docgen import _models

    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for title, model, _ in _models():
        section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in section, f"{title}.{name}"
    assert "`root_cause`" in (ROOT / "docs" / "knowledge-map.md").read_text(encoding="utf-8")


def test_docs_refer_only_to_what_ships() -> None:
    pages = [*(ROOT / "docs").glob("*.md"), ROOT / "README.md", ROOT / "examples" / "mongolia-plugin" / "README.md"]
    assert [p.name for p in pages if "MAP.md" in p.read_text(encoding="utf-8")] == []


def test_user_guide_profile_example_is_a_valid_profile() -> None:
    import re

    from diagnostics.assessment import validate_answers

    text = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    block = re.search(r"## Profile files\n\n```yaml\n(.*?)```", text, re.S)
    assert block is not None
    reg = make_registry()
    profile = load_profile(yaml.safe_load(block.group(1)), reg)
    validate_answers(profile, reg.kb_for(profile.country))


def test_import_contracts_name_every_core_module() -> None:
    """A new module of diagnostics/ must be listed in pyproject's import-linter contracts."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    core = set(config["contracts"][0]["source_modules"])
    on_disk = {f"diagnostics.{p.stem}" for p in (ROOT / "diagnostics").glob("*.py") if p.stem != "__init__"}
    on_disk |= {f"diagnostics.{p.parent.name}" for p in (ROOT / "diagnostics").glob("*/__init__.py")}
    assert on_disk - core == set()


def test_plugin_new_writes_a_plugin_whose_tests_pass(tmp_path: Path) -> None:
    import os

    r = run("plugin", "new", "western_balkans", "--dir", str(tmp_path), "--country", "RS")
    assert r.exit_code == 0, r.output
    dist = tmp_path / "policy-diagnostics-western-balkans"
    for part in ("pyproject.toml", "README.md", "tests/test_western_balkans.py",
                 "diagnostics_western_balkans/family.yaml",
                 "diagnostics_western_balkans/i18n/ru/rules.yaml", "diagnostics_western_balkans/bibliography.yaml"):
        assert (dist / part).is_file(), part
    assert '"i18n/*/*.yaml"' in (dist / "pyproject.toml").read_text(encoding="utf-8")
    check = run("rules", "check", str(dist / "diagnostics_western_balkans"))
    assert check.exit_code == 0 and "applies to RS" in check.stdout, check.output
    env = {**os.environ, "PYTHONPATH": str(dist)}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(dist / "tests")],
                           capture_output=True, text=True, env=env, cwd=dist, timeout=600)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
    again = run("plugin", "new", "western_balkans", "--dir", str(tmp_path))
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert run("plugin", "new", "Bad-Name", "--dir", str(tmp_path)).exit_code == 2
