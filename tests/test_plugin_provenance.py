"""A plugin's own findings and directions are labelled as the plugin's, never as the thesis's:
in the brief (md, html, pdf), the full report, `diagnose assess` (text and JSON) and the TUI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from diagnostics.reports.builder import build_context
from diagnostics.reports.model import BriefContext
from diagnostics.reports.pdf import page_text, typeset
from diagnostics.reports.render import render_brief
from diagnostics.tui.widgets.findings import FindingsPanel
from textual.app import App, ComposeResult
from textual.widgets.tree import TreeNode

from diagnostics.assessment import Assessment
from diagnostics.assessment_text import print_assessment
from diagnostics.cli import main
from diagnostics.familykit import FamilyPlugin
from diagnostics.hookspecs import hookimpl
from diagnostics.knowledge import Rule, RulePack
from diagnostics.provenance import plugin_of, source_label
from diagnostics.testing import assess, make_registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "mongolia-plugin" / "diagnostics_mongolia"
OWN = "dx.mn_mining_enclave"  # a diagnosis of the plugin's own (test only)
NODE = "node.mn_mining_enclave_by_agreement"
LABEL = "Mongolia plugin (its bibliography)"
ENCLAVE = {"fdi.inflow_trend": "rising", "fdi.extractive_share_inflow": 0.7,
           "fdi.mnc_activity_profile": "assembly_and_extraction", "mn.mining_agreement_fixes_terms": True,
           "fdi.mnc_local_sourcing_interest": False}


class WithOwnDiagnosis(FamilyPlugin):
    """The example plugin plus a root cause of its own, citing its own bibliography."""

    @hookimpl
    def diagnostics_rule_packs(self) -> list[RulePack]:  # type: ignore[override]
        own = Rule.model_validate(dict(
            id=OWN, title="Mining agreements that keep the economy an enclave", layer="diagnosis",
            role="root_cause", theme="fdi_spillover_failure", function="coordinator",
            when={"finding": NODE}, severity="high", evidence_grade="doc+ke",
            mechanism="Terms fixed mine by mine leave no room for local suppliers.",
            story="An example for tests, from the plugin's own source.",
            directions=["mn_tie_mining_agreements_to_local_supply"], citations=["[oyunbazar2015]"]))
        return [*super().diagnostics_rule_packs(), RulePack(name="own", rules=(own,))]


def scenario() -> dict:
    """Mongolia's profile with an enclave pattern set: a scenario for tests, not a claim."""
    data = yaml.safe_load((EXAMPLE / "profiles" / "mn.yaml").read_text(encoding="utf-8"))
    data["answers"].update({k: {"value": v} for k, v in ENCLAVE.items()})
    return data


@pytest.fixture(scope="module")
def registry():
    return make_registry(("mongolia", WithOwnDiagnosis(EXAMPLE)))


@pytest.fixture(scope="module")
def result(registry) -> Assessment:
    out = assess(registry, scenario())
    assert out.status(OWN) == "fired" and out.status(NODE) == "fired"
    return out


@pytest.fixture(scope="module")
def brief(result: Assessment, registry) -> BriefContext:
    from diagnostics.testing import load_profile

    return build_context(result, registry.kb_for("MN"), load_profile(scenario(), registry), registry,
                         date=dt.date(2025, 1, 1))


def test_whose_a_record_is() -> None:
    assert plugin_of("mongolia 0.2.0") == "mongolia"
    assert plugin_of("thesis 0.1.0") == plugin_of("") == ""
    assert source_label("western_balkans") == "Western Balkans plugin (its bibliography)"


def test_findings_carry_their_plugin(result: Assessment) -> None:
    assert result.finding(OWN).plugin == result.finding(NODE).plugin == "mongolia"
    assert result.finding("dx.fdi_spillover_failure").plugin == ""  # the thesis's, though a plugin contributes


def test_brief_context_labels_the_plugins_own_records(brief: BriefContext) -> None:
    own = next(d for d in brief.diagnoses if d.id == OWN)
    assert own.source == LABEL
    assert next(r for r in brief.root_causes if r.id == OWN).source == LABEL
    assert all(d.source == "" for d in brief.diagnoses if d.id != OWN)
    assert next(n for n in brief.nodes if n.id == NODE).source == LABEL
    direction = next(x for x in brief.directions if x.id == "mn_tie_mining_agreements_to_local_supply")
    assert direction.source == direction.kind_note == LABEL  # not "the thesis's own recommendation"
    assert "[oyunbazar2015]" not in brief.references.thesis
    mine = brief.references.plugins[0]
    assert mine.plugin == "mongolia" and "[oyunbazar2015]" in mine.citations
    assert any("Oyunbazar (2015)" in b for b in mine.bibliography)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_brief_and_report_say_whose_finding_it_is(brief: BriefContext, fmt: str) -> None:
    short = render_brief(brief, fmt)
    assert f"Source: {LABEL}" in short.replace("**", "").replace("<strong>", "").replace("</strong>", "")
    full = render_brief(brief, fmt, full=True).replace("\\", "")
    assert f"{LABEL}: [oyunbazar2015]" in full  # its sources, where the thesis's would stand
    assert not any("Thesis:" in line and "[oyunbazar2015]" in line for line in full.splitlines())  # never the thesis


def test_pdf_brief_says_whose_finding_it_is(brief: BriefContext) -> None:
    pages = " ".join(page_text(typeset(render_brief(brief, "html"))))
    assert LABEL in " ".join(pages.split())


def test_cli_text_labels_the_plugins_findings(result: Assessment, registry, capsys) -> None:
    print_assessment(result, registry.kb_for("MN"))
    text = " ".join(capsys.readouterr().out.split())
    assert f"{OWN} · {LABEL}" in text and f"Source: {LABEL}: [oyunbazar2015]" in text
    assert f"{NODE} · manifestation" in text and "cites: §" in text  # thesis diagnoses keep their citations


def test_cli_assess_marks_the_example_plugins_findings(tmp_path: Path) -> None:
    pytest.importorskip("diagnostics_mongolia", reason="example plugin not installed (CI installs it)")
    profile = tmp_path / "mn.yaml"
    profile.write_text(yaml.safe_dump(scenario(), allow_unicode=True), encoding="utf-8")
    text = CliRunner().invoke(main, ["assess", str(profile)], terminal_width=300)
    assert text.exit_code == 0, text.output
    words = " ".join(re.sub("[│├└─]", " ", text.stdout).split())  # the tree's lines may wrap
    assert LABEL in words.split(NODE, 1)[1][:60]  # on the finding's own line
    data = json.loads(CliRunner().invoke(main, ["assess", str(profile), "--json"]).stdout)
    plugins = {f["rule"]: f["plugin"] for f in data["findings"]}
    assert plugins[NODE] == "mongolia" and plugins["dx.fdi_spillover_failure"] == ""


def _labels(node: TreeNode[str], out: dict[str, str]) -> dict[str, str]:
    for child in node.children:
        out[str(child.data)] = str(child.label)
        _labels(child, out)
    return out


def test_tui_findings_pane_labels_the_plugins_findings(result: Assessment, registry) -> None:
    kb = registry.kb_for("MN")

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield FindingsPanel(kb)

    async def run() -> dict[str, str]:
        async with Host().run_test() as pilot:
            panel = pilot.app.query_one(FindingsPanel)
            panel.show(result)
            await pilot.pause()
            return _labels(panel.findings.root, {})

    labels = asyncio.run(run())
    assert labels[OWN].endswith(LABEL)
    assert LABEL not in labels["dx.fdi_spillover_failure"]
