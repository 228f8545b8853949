"""The CLI as an analyst uses it: readable output, stable JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from diagnostics.cli import main


def run(*args: str):
    result = CliRunner().invoke(main, ["--no-plugins", *args], terminal_width=120)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_assess_kz_prints_root_causes_with_citations_and_traces() -> None:
    r = run("assess", "KZ")
    assert r.exit_code == 0
    out = r.stdout
    assert "Kazakhstan (KZ)" in out and "tier A" in out
    assert "dx.formal_informal_mismatch" in out and "FIRED" in out
    assert "cites: §" in out
    assert "← 1 (Thesis §7.3" in out  # an answer with its source, at the bottom of a trace
    assert "Candidate imaginaries" in out
    assert out.index("Root causes") < out.index("Diagnoses") < out.index("Government functions") < out.index("Outcome")


def test_assess_json_is_stable_and_complete() -> None:
    r = run("assess", "KZ", "--json")
    data = json.loads(r.stdout)
    assert set(data) == {"country", "name", "family", "tier", "as_of", "findings", "coverage", "imaginaries", "audit"}
    assert data["audit"]["schema_version"] == 1
    f = next(x for x in data["findings"] if x["rule"] == "dx.state_procurement_distortion")
    assert f["status"] == "fired" and f["trace"] and f["citations"] and f["confidence"]
    assert data["findings"][0]["layer"] == "diagnosis"


def test_engines_agree_through_the_cli() -> None:
    a = json.loads(run("assess", "KZ", "--json").stdout)
    b = json.loads(run("--engine", "reference", "assess", "KZ", "--json").stdout)
    assert [f["status"] for f in a["findings"]] == [f["status"] for f in b["findings"]]


def test_explain_how_and_why_not() -> None:
    r = run("explain", "KZ", "technology_park_failure")
    assert r.exit_code == 0
    assert "How it fired" in r.stdout and "Kazakhstan story" in r.stdout and "Cites:" in r.stdout
    r = run("explain", "KZ", "node.borrowed_instruments_adopted_standards_warning")
    assert "Why not" in r.stdout and "needs" in r.stdout


def test_explain_unknown_rule_suggests() -> None:
    r = run("explain", "KZ", "node.technology_park_failur")
    assert r.exit_code == 2 and "did you mean 'node.technology_park_failure'" in r.stderr


def test_rules_list_and_show() -> None:
    r = run("rules", "list", "--layer", "diagnosis")
    assert r.exit_code == 0 and "11 rules" in r.stdout and "dx.catch_up_failure" in r.stdout
    r = run("rules", "show", "formal_informal_mismatch")
    assert "Fires when" in r.stdout and "Needs evidence from both sides" in r.stdout
    assert "Rolls up to: dx.catch_up_failure" in r.stdout
    r = run("rules", "show", "node.near_market_research_deficit")
    assert "Rolls up to" in r.stdout and "dx.formal_informal_mismatch" in r.stdout


def test_indicators_and_profile_schema() -> None:
    r = run("indicators", "--namespace", "tech_parks", "--json")
    items = json.loads(r.stdout)
    assert len(items) == 4 and all(i["feeds"] for i in items if not i["display_only"])
    schema = json.loads(run("profile", "schema").stdout)
    assert "answers" in schema["properties"] and schema["required"] == ["country"]


def test_families_and_countries() -> None:
    fams = json.loads(run("families", "--json").stdout)
    assert {f["id"] for f in fams} >= {"central_asia"}
    rows = json.loads(run("countries", "--json").stdout)
    kz = next(r for r in rows if r["country"] == "KZ")
    assert kz["tier"] == "A" and kz["family"] == "central_asia"


def test_profile_validate_ok(registry) -> None:
    r = run("profile", "validate", str(registry.profiles["KZ"].path))
    assert r.exit_code == 0 and "valid profile for KZ" in r.stdout


def test_cli_package_imports_no_front_end_and_loads_commands_by_name() -> None:
    """The brief and TUI commands are registered by import path: importing every CLI module
    leaves diagnostics.reports and diagnostics.tui unimported, and naming them loads them."""
    import subprocess
    import sys

    code = ("import sys, diagnostics.cli, diagnostics.cli.assess, diagnostics.cli.knowledge, "
            "diagnostics.cli.profiles, diagnostics.cli.plugins, diagnostics.cli.analysis; "
            "bad = [m for m in sys.modules if m.startswith(('diagnostics.reports', 'diagnostics.tui'))]; "
            "assert not bad, bad; "
            "from diagnostics.cli.app import main; import click; "
            "cmd = main.get_command(click.Context(main), 'brief'); "
            "assert cmd is not None and 'diagnostics.reports.cli' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
