"""The scenario-analysis commands as an analyst runs them: output, JSON, files, bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from diagnostics.cli import main

SPD = "dx.state_procurement_distortion"


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["--no-plugins", *args], terminal_width=200)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_one_line_error(r: Result, text: str) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], r.stderr
    assert "Traceback" not in r.output


# -------------------------------------------------------------------------------------
def test_whatif_text_and_json() -> None:
    sets = ["--set", "procurement.share_of_gov_expenditure=0.2", "--set", "local_content.lcr_in_force=false",
            "--set", "champions.exists_profile=false"]
    r = run("whatif", "KZ", *sets)
    assert r.exit_code == 0, r.stderr
    assert "procurement.share_of_gov_expenditure: 0.43 → 0.2" in r.stdout
    assert f"• {SPD} FIRED (high) → not fired" in r.stdout
    assert "no longer fires" in r.stdout and "because of:" in r.stdout
    assert r.stdout.index("Diagnoses") < r.stdout.index("Findings beneath")
    data = json.loads(run("whatif", "KZ", *sets, "--json").stdout)
    change = next(c for c in data["changes"] if c["rule"] == SPD)
    assert change["kind"] == "disappears" and change["after"]["status"] == "not_fired"
    assert SPD in data["fired_before"] and SPD not in data["fired_after"]


def test_whatif_bad_input_is_one_line_and_exit_2() -> None:
    assert_one_line_error(run("whatif", "KZ", "--set", "procurement.share_of_gov_expenditur=0.2"),
                          "unknown indicator 'procurement.share_of_gov_expenditur' (did you mean")
    assert_one_line_error(run("whatif", "KZ", "--set", "procurement.share_of_gov_expenditure=lots"),
                          "expects a number, got 'lots'")
    assert_one_line_error(run("whatif", "KZ", "--set", "local_content.lcr_in_force=maybe"),
                          "expects true or false")
    assert_one_line_error(run("whatif", "KZ", "--set", "procurement.share_of_gov_expenditure"),
                          "expected ns.name=VALUE")
    assert_one_line_error(run("whatif", "XX", "--set", "local_content.lcr_in_force=false"),
                          "neither a profile file nor a known country code")
    assert run("whatif", "KZ").exit_code == 2  # --set is required (click usage error)


def test_compare_matrix_and_drivers() -> None:
    r = run("compare", "KZ", "KG", "EE")
    assert r.exit_code == 0, r.stderr
    # Kyrgyzstan and Estonia leave procurement undecided: a coverage gap, not a difference
    assert "diagnoses × profiles" in r.stdout and "~ state_procurement_distortion" in r.stdout
    assert "coverage gap" in r.stdout
    mature = run("compare", "KZ", "tests/fixtures/profiles/mature_market.yaml")
    assert "* regulatory_burden_and_corruption" in mature.stdout
    assert "Answers that drive the differences" in mature.stdout
    assert "context.years_under_central_planning: KZ: 70 | mature_market: 0" in mature.stdout
    data = json.loads(run("compare", "KZ", "EE", "--json").stdout)
    assert data["columns"] == ["KZ", "EE"]
    row = next(x for x in data["rows"] if x["rule"] == SPD)
    assert row["cells"]["KZ"]["status"] == "fired" and row["cells"]["EE"]["status"] != "fired"
    assert row["differs"] and row["drivers"]
    assert_one_line_error(run("compare", "KZ"), "at least two profiles")


def test_compare_labels_files_and_duplicates(tmp_path: Path) -> None:
    p = tmp_path / "kz_low_procurement.yaml"
    p.write_text("country: KZ\nanswers:\n  procurement.share_of_gov_expenditure: {value: 0.1}\n", encoding="utf-8")
    data = json.loads(run("compare", "KZ", str(p), str(p), "--json").stdout)
    assert data["columns"] == ["KZ", "kz_low_procurement", "kz_low_procurement#2"]


def test_sensitivity_text_and_json() -> None:
    r = run("sensitivity", "KZ", "--rule", "state_procurement_distortion", "--rule", "dx.wto_plus_accession_burden")
    assert r.exit_code == 0, r.stderr
    assert "change sets of up to 3 answers" in r.stdout
    assert "3 changes ⇒ not fired" in r.stdout
    assert "procurement.share_of_gov_expenditure: 0.43 → 0.29" in r.stdout
    assert "(procurement.share_of_gov_expenditure < 0.3)" in r.stdout
    assert "wto.member: member → non_member" in r.stdout
    data = json.loads(run("sensitivity", "KZ", "--rule", "state_procurement_distortion", "--json").stdout)
    (spd,) = data["fired"]
    assert spd["rule"] == SPD and len(spd["counterfactuals"]) == 9 and spd["complete"]
    r = run("sensitivity", "KZ", "--rule", SPD, "--max-size", "2")
    assert "robust: no set of ≤ 2 answer changes stops it firing" in r.stdout
    assert_one_line_error(run("sensitivity", "KZ", "--rule", "dx.state_procurement"), "unknown rule")
    assert run("sensitivity", "KZ", "--max-size", "4").exit_code == 2


def test_sensitivity_of_open_diagnoses_names_deciders() -> None:
    r = run("sensitivity", "EE")
    assert r.exit_code == 0, r.stderr
    assert "not assessable" in r.stdout and "does not fire if" in r.stdout
    data = json.loads(run("sensitivity", "EE", "--json").stdout)
    # only the external WTO-plus context diagnosis fires for Estonia (its accession record)
    assert {d["rule"] for d in data["fired"]} <= {"dx.wto_plus_accession_burden"} and data["not_assessable"]
    assert any(d["deciders"] for d in data["not_assessable"])


def test_next_questions(tmp_path: Path) -> None:
    p = tmp_path / "partial.yaml"
    p.write_text("country: KZ\nanswers:\n  context.former_soviet_republic: {value: true}\n", encoding="utf-8")
    r = run("next", str(p), "-n", "3")
    assert r.exit_code == 0, r.stderr
    assert " 1. " in r.stdout and " 3. " in r.stdout and " 4. " not in r.stdout
    data = json.loads(run("next", str(p), "-n", "5", "--json").stdout)
    assert len(data) == 5 and all(q["decides"] or q["reason"] for q in data)
    assert "context.former_soviet_republic" not in [q["indicator"] for q in data]
    assert data[0]["score"] >= data[-1]["score"]
    # Every KZ question is answered (four as 'unknown', which settle nothing that is open).
    assert "Nothing left to ask" in run("next", "KZ").stdout
    assert json.loads(run("next", "KZ", "--include-unknown", "--json").stdout) == []
    r = run("next", str(p), "--include-unknown", "-n", "1")
    assert r.exit_code == 0 and " 1. " in r.stdout


# -------------------------------------------------------------------------------------
SPEC = """\
base: KZ
grid:
  procurement.share_of_gov_expenditure: {from: 0.0, to: 0.5, step: 0.1}
  champions.exists_profile: [true, false]
scenarios:
  - name: as is
    set: {}
  - name: no local content
    set: {local_content.lcr_in_force: false}
"""


def test_sweep_writes_csv_and_jsonl(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out" / "rows.csv"
    r = run("sweep", str(spec), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert "24 scenarios written" in r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 24 and rows[0]["scenario"] == "as is"
    assert rows[0]["set:procurement.share_of_gov_expenditure"] == "0"
    # All three state-as-market premises gone: no procurement, champion or local content.
    gone = [x for x in rows if x["scenario"] == "no local content" and x["set:champions.exists_profile"] == "false"
            and float(x["set:procurement.share_of_gov_expenditure"]) < 0.3]
    assert gone and all(x[SPD] == "not_fired" and x[f"{SPD}:confidence"] == "" for x in gone)
    kept = [x for x in rows if x["scenario"] == "as is"]
    assert all(x[SPD] == "fired" for x in kept)
    assert not list(out.parent.glob(".*.tmp"))  # written atomically

    jl = tmp_path / "rows.jsonl"
    assert run("sweep", str(spec), "-o", str(jl), "--all", "--no-progress").exit_code == 0
    lines = [json.loads(x) for x in jl.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 24 and len(lines[0]["results"]) > 11  # --all: every rule
    r = run("sweep", str(spec), "--format", "csv", "--no-progress")
    assert r.stdout.startswith("index,profile,scenario,") and len(r.stdout.splitlines()) == 25


def test_sweep_bad_input(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert_one_line_error(run("sweep", str(spec), "-o", str(tmp_path / "rows.txt")), "name it .jsonl or .csv")
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: KZ\ngrid:\n  champions.exists_profile: [true, perhaps]\n", encoding="utf-8")
    assert_one_line_error(run("sweep", str(bad)), f"{bad}:3: champions.exists_profile expects true or false")
    bad.write_text("base: KZ\ngrid:\n  champions.exist_profile: [true]\n", encoding="utf-8")
    assert_one_line_error(run("sweep", str(bad)), "did you mean 'champions.exists_profile'")
    bad.write_text("profiles: [KZ, nowhere.yaml]\n", encoding="utf-8")
    assert_one_line_error(run("sweep", str(bad)), "nowhere.yaml: file not found")
    assert_one_line_error(run("sweep", str(tmp_path / "missing.yaml")), "file not found")
    out = tmp_path / "never.csv"
    bad.write_text("base: KZ\ngrid:\n  champions.exists_profile: [true, perhaps]\n", encoding="utf-8")
    run("sweep", str(bad), "-o", str(out))
    assert not out.exists() and not list(tmp_path.glob(".never.csv.*"))


def test_sweep_over_profile_files_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "low.yaml").write_text(
        "country: KZ\nanswers:\n  procurement.share_of_gov_expenditure: {value: 0.1}\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("profiles: [KZ, low.yaml]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--no-plugins", "sweep", str(spec), "--no-progress"])
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["profile"] for x in rows] == ["KZ", "low.yaml"]
    assert SPD in rows[0]["fired"] and rows[1]["fired"] == []


def test_help_lists_the_commands_and_loads_no_engine() -> None:
    code = ("import sys; from diagnostics.cli import main; "
            "import diagnostics.cli.analysis, diagnostics.cli.assess, diagnostics.cli.knowledge; "
            "assert not any(m in sys.modules for m in ('durable', 'rich', 'diagnostics.analysis', "
            "'diagnostics.engine', 'textual', 'jinja2', 'pydantic', 'diagnostics.answers')), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
    r = run("--help")
    for name in ("whatif", "compare", "sensitivity", "next", "sweep"):
        assert f"  {name} " in r.stdout
