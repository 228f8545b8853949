"""Plugins: discovery, validation, stamping, and broken plugins that must not break the rest."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from diagnostics import hookspecs
from diagnostics.cli import main
from diagnostics.errors import PluginError
from diagnostics.hookspecs import hookimpl
from diagnostics.knowledge import Family, Indicator, Rule, RulePack
from diagnostics.registry import load_registry

GOOD_FAMILY = Family(id="test_family", name="Test", tier="D", description="A test family.")


def plugin(**hooks):
    """A plugin object from plain functions (each marked as a hook implementation)."""
    return SimpleNamespace(**{f"diagnostics_{k}": hookimpl(v) for k, v in hooks.items()})


def _rule(rule_id: str, when: dict) -> Rule:
    return Rule.model_validate(dict(
        id=rule_id, title="T", layer="context", theme="test", function="context", when=when,
        evidence_grade="doc", mechanism="m", story="s", citations=["§2.3 p.10 (ll. 821–837)"]))


def _load(*plugins, strict=False):
    return load_registry(external=False, env={}, extra_plugins=plugins, strict=strict)


def test_builtin_plugins_and_stamps(registry) -> None:
    names = [r.name for r in registry.reports]
    assert names[:5] == ["thesis", "central_asia", "eastern_europe", "south_caucasus", "baltic_states"]
    rule = registry.kb.rules["dx.formal_informal_mismatch"]
    assert rule.provided_by.startswith("thesis ")
    assert registry.kb.indicators["wto.member"].provided_by.startswith("thesis ")


def test_good_plugin_adds_records() -> None:
    reg = _load(("good", plugin(families=lambda: [GOOD_FAMILY])))
    assert "test_family" in reg.families
    assert reg.families["test_family"].provided_by.startswith("good")


def test_import_error_is_reported_and_the_rest_works() -> None:
    reg = load_registry(external=False, env={}, builtin=[
        ("thesis", "diagnostics.rules.plugin"), ("ghost", "no_such_module_anywhere")])
    report = next(r for r in reg.reports if r.name == "ghost")
    assert report.status == "failed" and "ModuleNotFoundError" in report.error
    assert len(reg.kb.rules) >= 80


def test_raising_hook_is_reported() -> None:
    def boom():
        raise RuntimeError("database offline")

    reg = _load(("boomer", plugin(families=boom)))
    report = next(r for r in reg.reports if r.name == "boomer")
    assert report.status == "failed"
    assert "diagnostics_families raised RuntimeError: database offline" in report.error
    assert "dx.formal_informal_mismatch" in reg.kb.rules


def test_invalid_record_is_reported() -> None:
    reg = _load(("sloppy", plugin(families=lambda: [{"id": "Bad Id", "name": "x", "tier": "Z"}])))
    report = next(r for r in reg.reports if r.name == "sloppy")
    assert report.status == "failed" and "invalid Family" in report.error


def test_duplicate_id_names_both_plugins() -> None:
    reg = _load(("first", plugin(families=lambda: [GOOD_FAMILY])),
                ("second", plugin(families=lambda: [GOOD_FAMILY])))
    second = next(r for r in reg.reports if r.name == "second")
    assert second.status == "failed"
    assert "family 'test_family' (also from plugin first)" in second.error
    assert reg.families["test_family"].provided_by.startswith("first")


def test_duplicate_of_a_core_rule_is_rejected() -> None:
    pack = RulePack(name="x", rules=(_rule("node.soviet_command_legacy", {"indicator": "wto.member", "eq": "member"}),))
    reg = _load(("copycat", plugin(rule_packs=lambda: [pack])))
    report = next(r for r in reg.reports if r.name == "copycat")
    assert "rule 'node.soviet_command_legacy' (also from plugin thesis)" in report.error


def test_rule_referencing_unknown_indicator_is_reported() -> None:
    pack = RulePack(name="x", rules=(_rule("node.x_rule", {"indicator": "wto.membr", "eq": "member"}),))
    reg = _load(("typo", plugin(rule_packs=lambda: [pack])))
    report = next(r for r in reg.reports if r.name == "typo")
    assert report.status == "failed"
    assert "unknown indicator 'wto.membr'" in report.error and "did you mean 'wto.member'" in report.error
    assert "node.x_rule" not in reg.kb.rules


def test_plugin_indicator_and_rule_work_together() -> None:
    ind = Indicator(id="extra.flag", type="bool", evidence_kind="context", function="context",
                    topic="Extra", question="Is the flag set?")
    pack = RulePack(name="x", rules=(_rule("node.extra_flag", {"indicator": "extra.flag", "eq": True}),))
    reg = _load(("extra", plugin(indicators=lambda: [ind], rule_packs=lambda: [pack])))
    assert "node.extra_flag" in reg.kb.rules and "extra.flag" in reg.kb.feeds


def test_strict_makes_problems_fatal() -> None:
    with pytest.raises(PluginError, match="plugin boomer"):
        _load(("boomer", plugin(families=lambda: 1 / 0)), strict=True)


def test_disable_and_allow_lists() -> None:
    reg = load_registry(external=False, env={"DIAGNOSE_DISABLE_PLUGINS": "baltic_states"})
    assert "baltic_states" not in reg.families
    assert next(r for r in reg.reports if r.name == "baltic_states").status == "disabled"


def test_every_hook_is_documented_with_an_example() -> None:
    for name in hookspecs.HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 40, name
        assert "Example::" in doc and "@hookimpl" in doc, name


def test_docs_cover_every_hook() -> None:
    from conftest import ROOT

    text = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    for name in hookspecs.HOOKS:
        assert name in text, name


mongolia = pytest.importorskip("diagnostics_mongolia", reason="example plugin not installed (CI installs it)")


def test_example_plugin_is_discovered_through_its_entry_point() -> None:
    reg = load_registry(env={})
    report = next(r for r in reg.reports if r.name == "mongolia")
    assert report.source == "entry point" and report.status == "ok" and report.version == "0.2.0"
    assert reg.families["mongolia"].tier.value == "D"
    assert "MN" in reg.profiles


def test_example_plugin_rule_fires_on_mongolia(diagnostics_registry, diagnostics_assess) -> None:
    reg = diagnostics_registry(("mongolia", mongolia.plugin))
    result = diagnostics_assess(reg, "MN")
    assert result.status("node.mn_satellite_command_legacy") == "fired"
    assert result.tier == "D"
    assert result.finding("node.mn_satellite_command_legacy").confidence == "low"


def test_no_plugins_flag_leaves_out_entry_points() -> None:
    result = CliRunner().invoke(main, ["--no-plugins", "plugins", "--json"])
    assert result.exit_code == 0
    assert "mongolia" not in result.stdout


def test_strict_cli_exits_2_on_a_broken_plugin(tmp_path) -> None:
    """A real broken entry-point plugin: a distribution whose module fails to import."""
    site = tmp_path / "site"
    dist = site / "broken_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[policy_diagnostics]\nbroken = broken_plugin_mod\n")
    (site / "broken_plugin_mod.py").write_text("raise ImportError('missing dependency: foo')\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    cmd = [sys.executable, "-m", "diagnostics.cli"]
    lenient = subprocess.run([*cmd, "families"], capture_output=True, text=True, env=env, timeout=120)
    assert lenient.returncode == 0
    assert "plugin broken left out" in lenient.stderr and "missing dependency: foo" in lenient.stderr
    strict = subprocess.run([*cmd, "--strict", "families"], capture_output=True, text=True, env=env, timeout=120)
    assert strict.returncode == 2
    assert "plugin broken" in strict.stderr and "Traceback" not in strict.stderr


def test_every_country_profile_assesses_honestly(registry, assessor) -> None:
    """All 15 post-Soviet profiles load and assess; sparse data gives not_assessable, never a crash."""
    from conftest import read_profile

    assert sorted(registry.profiles) == sorted(
        ["KZ", "KG", "UZ", "TJ", "TM", "RU", "BY", "UA", "MD", "GE", "AM", "AZ", "EE", "LV", "LT"])
    for code, entry in registry.profiles.items():
        result = assessor.assess(read_profile(entry.path), file=str(entry.path))
        assert result.tier is not None, code
        statuses = {d.status.value for d in result.diagnoses()}
        assert statuses <= {"fired", "not_fired", "not_assessable", "not_applicable"}
        if code != "KZ":
            # public facts only: no informal evidence, so no mismatch can be judged
            assert result.status("dx.formal_informal_mismatch") != "fired", code
            for d in result.diagnoses():
                if d.status.value == "not_assessable":
                    assert result.coverage.per_diagnosis[d.rule], (code, d.rule)
