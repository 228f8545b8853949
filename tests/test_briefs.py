"""Policy briefs: the context contract, the formats, escaping, customisation, the CLI.

Golden files of the Kazakhstan brief (kz_brief.*) and full report (kz_report.*) live in
tests/golden/ with dates, versions and digests scrubbed (PDF checks: test_briefs_pdf.py).
After an intended change, regenerate them with

    DIAGNOSTICS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_briefs.py -k golden

and review the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html as htmllib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2.meta
import pluggy
import pytest
from click.testing import CliRunner
from diagnostics.reports.builder import build_context
from diagnostics.reports.compare import build_comparison
from diagnostics.reports.diagram import chain_graph, diagram_layout, diagrams_for
from diagnostics.reports.model import BriefContext, ComparisonContext
from diagnostics.reports.render import TEMPLATES, environment, lead, md_escape, render_brief
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from diagnostics import __version__, hookspecs
from diagnostics.assessment import Assessment, Assessor
from diagnostics.cli import main
from diagnostics.errors import DataError
from diagnostics.hookspecs import BriefSection, hookimpl
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS
from diagnostics.profile import Answer, DataCaution, EvidenceGrade, Profile
from diagnostics.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
DOCS = ROOT / "docs"
NOW = dt.datetime(2025, 3, 31, 9, 0, tzinfo=dt.UTC)
DATE = dt.date(2025, 4, 1)
HOSTILE = "<script>alert('x')</script> {{ 7*7 }} {% raw %} *stars* | pipe [link](http://evil.test)"


# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kz(assessor: Assessor, kz_profile: Profile) -> Assessment:
    return assessor.assess(kz_profile, now=NOW)


@pytest.fixture(scope="module")
def kz_brief(kz: Assessment, kb: KnowledgeBase, kz_profile: Profile, registry: Registry) -> BriefContext:
    return build_context(kz, kb, kz_profile, registry, date=DATE)


def scrub(text: str, a: Assessment) -> str:
    """Remove what changes between runs or releases: dates, versions, digests."""
    text = text.replace(a.audit.knowledge_base, "<KB-DIGEST>").replace(a.audit.profile, "<PROFILE-DIGEST>")
    text = re.sub(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)?)?", "<DATE>", text)
    return text.replace(__version__, "<VERSION>")


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, ["--no-plugins", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


class Tags(HTMLParser):
    """Collects tags and attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


def md_to_html(md: str) -> str:
    """Render Markdown the way common viewers do (CommonMark + tables, raw HTML allowed)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


# ---------------------------------------------------------------------------------------
# Golden files

@pytest.mark.parametrize(("name", "fmt"), [("brief", "md"), ("brief", "html"), ("brief", "json"),
                                           ("report", "md"), ("report", "html")])
def test_golden_kz_brief(name: str, fmt: str, kz: Assessment, kz_brief: BriefContext, tmp_path: Path) -> None:
    actual = scrub(render_brief(kz_brief, fmt, full=name == "report"), kz)
    golden = GOLDEN / f"kz_{name}.{fmt}"
    if os.environ.get("DIAGNOSTICS_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        (tmp_path / golden.name).write_text(actual, encoding="utf-8")
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                 str(golden), "actual"))[:60])
        pytest.fail(f"{golden.name} differs (actual in {tmp_path}; regenerate with "
                    f"DIAGNOSTICS_UPDATE_GOLDEN=1 if intended):\n{diff}")


def test_scrub_leaves_no_date_version_or_digest(kz: Assessment, kz_brief: BriefContext) -> None:
    text = scrub(render_brief(kz_brief, "json"), kz)
    assert kz.audit.knowledge_base not in text and "2025-04-01" not in text
    assert '"package_version": "<VERSION>"' in text


# ---------------------------------------------------------------------------------------
# The context contract

def _model_fields(model: Any, seen: set[str]) -> set[str]:
    names: set[str] = set()
    if model.__name__ in seen:
        return names
    seen.add(model.__name__)
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in _nested(info.annotation):
            names |= _model_fields(arg, seen)
    return names


def _nested(annotation: Any) -> list[Any]:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out = []
    for arg in getattr(annotation, "__args__", ()):
        out += _nested(arg)
    return out


def test_every_context_field_is_documented() -> None:
    doc = (DOCS / "briefs.md").read_text(encoding="utf-8")
    for model in (BriefContext, ComparisonContext):
        missing = sorted(n for n in _model_fields(model, set()) if f"`{n}`" not in doc)
        assert not missing, f"fields of {model.__name__} not documented in docs/briefs.md: {missing}"


def test_templates_receive_only_the_context() -> None:
    env = environment("html")
    names = sorted(p.name for p in TEMPLATES.glob("*.j2"))
    assert {"brief.md.j2", "brief.html.j2", "compare.md.j2", "compare.html.j2"} <= set(names)
    for name in names:
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        free = jinja2.meta.find_undeclared_variables(env.parse(source))
        assert free <= {"brief"}, f"{name} reads {free - {'brief'}} besides `brief`"


def test_published_schemas_match_the_models() -> None:
    for file, model in (("brief.schema.json", BriefContext), ("brief-comparison.schema.json", ComparisonContext)):
        published = json.loads((DOCS / file).read_text(encoding="utf-8"))
        assert published == model.model_json_schema(), f"docs/{file} is stale: run `diagnose brief --schema`"
        assert published["$id"].startswith("urn:policy-diagnostics:")


def test_json_brief_round_trips_through_the_model(kz_brief: BriefContext) -> None:
    text = render_brief(kz_brief, "json")
    again = BriefContext.model_validate_json(text)
    assert again == kz_brief
    assert json.loads(text)["schema_version"] == 2


def test_json_brief_validates_against_published_schema(kz_brief: BriefContext) -> None:
    jsonschema = pytest.importorskip("jsonschema")  # used only where installed
    schema = json.loads((DOCS / "brief.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(render_brief(kz_brief, "json")), schema)


def test_schema_option_prints_the_published_schema() -> None:
    r = cli("brief", "--schema")
    assert r.exit_code == 0 and json.loads(r.stdout) == BriefContext.model_json_schema()
    r = cli("brief", "--schema", "--compare")
    assert json.loads(r.stdout) == ComparisonContext.model_json_schema()


# ---------------------------------------------------------------------------------------
# Content and order (MAP.md §10)

def test_kz_context_roots_first_with_chains(kz: Assessment, kz_brief: BriefContext) -> None:
    fired = [f.rule for f in kz.diagnoses() if f.status.value == "fired"]
    assert [d.id for d in kz_brief.diagnoses] == fired
    roles = [d.role for d in kz_brief.diagnoses]
    assert roles[0] == "root_cause" and roles.index("diagnosis") > max(
        i for i, r in enumerate(roles) if r == "root_cause")
    dx1 = kz_brief.diagnoses[0]
    assert dx1.number == 1 and dx1.chain.manifestations and dx1.evidence and dx1.contrasts
    assert all(link.layer == "manifestation" for link in dx1.chain.manifestations)
    external = next(d for d in kz_brief.diagnoses if d.id == "dx.wto_plus_accession_burden")
    assert external.chain.size == 0 and external.chain.context  # rests on context alone
    # Every node in a chain appears once in the annex list, feeding the diagnoses that use it.
    in_chains = {x.id for d in kz_brief.diagnoses for x in (*d.chain.manifestations, *d.chain.mechanisms,
                                                              *d.chain.policies)}
    assert in_chains == {n.id for n in kz_brief.nodes}
    assert 3 <= len(kz_brief.key_messages) <= 5
    assert kz_brief.case.tier == "A" and kz_brief.case.thesis_case
    assert json.loads(render_brief(kz_brief, "json"))["schema_version"] == 2


def test_evidence_carries_sources_and_years(kz_brief: BriefContext, kz_profile: Profile) -> None:
    answers = [e for d in kz_brief.diagnoses for e in d.evidence] + [e for n in kz_brief.nodes for e in n.evidence]
    assert answers and all(e.source == kz_profile.answers[e.indicator].source for e in answers)
    assert all(e.as_of == kz_profile.answers[e.indicator].as_of for e in answers)
    sources = {s.source for s in kz_brief.references.sources}
    assert {e.source for e in answers if e.source} <= sources


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_sections_in_presentation_order(fmt: str, kz_brief: BriefContext) -> None:
    text = render_brief(kz_brief, fmt, full=True)
    heads = ["Key messages", "What is this a case of?", "Root causes and their chains", "Findings",
             "Policy directions", "Questions for local stakeholders", "What could not be assessed",
             "Annex A. Data quality", "Annex B. Causal chains", "Annex C. Diagnoses in full",
             "Annex D. Findings in the chains", "Annex E. Policy directions in full",
             "Annex F. Method and audit", "References"]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)
    for d in kz_brief.diagnoses:
        assert d.title in text
    for caveat in UNIVERSAL_CAVEATS:  # stated once, not with every direction
        assert text.count(caveat if fmt == "html" else md_escape(caveat)) == 1


def test_no_annexes_gives_the_main_body(kz_brief: BriefContext) -> None:
    body = kz_brief.model_copy(update={"meta": kz_brief.meta.model_copy(update={"annexes": False})})
    for fmt in ("md", "html"):
        text = render_brief(body, fmt, full=True)
        assert "Annex A" not in text.replace("Annex A draws", "") and "What could not be assessed" in text
        assert len(text) < len(render_brief(kz_brief, fmt, full=True))


def test_not_assessable_names_the_deciding_evidence(registry: Registry, assessor: Assessor, kb: KnowledgeBase,
                                                   kz_profile: Profile) -> None:
    sparse = kz_profile.with_answers({k: None for k in list(kz_profile.answers)[::2]})
    a = assessor.assess(sparse, now=NOW)
    brief = build_context(a, kb, sparse, registry, date=DATE)
    assert brief.not_assessable
    u = brief.not_assessable[0]
    assert u.deciding and u.deciding[0].question == kb.indicators[u.deciding[0].id].question
    html = render_brief(brief, "html", full=True)
    assert u.title in html.split('id="not-assessable"')[1] and u.deciding[0].question in html
    # The brief says what could not be assessed and asks the question that would decide it.
    assert any(m.statement.endswith(".") and "could not be assessed" in m.statement for m in brief.key_messages)
    assert any(q in {n.question for x in brief.not_assessable for n in x.deciding} for q in brief.hearing_questions)


def test_data_quality_annex(kz_brief: BriefContext, kz_profile: Profile, kb: KnowledgeBase) -> None:
    q = kz_brief.data_quality
    assert [c.id for c in q.cautions] == [c.id for c in kz_profile.data_cautions]
    assert q.imaginaries and q.profile_available
    for s in q.set_aside:
        spec = kb.indicators[s.indicator]
        assert spec.benchmark or spec.display_only
    html = render_brief(kz_brief, "html", full=True)
    annex = html.split('id="annex-a"')[1].split('id="annex-b"')[0]
    assert all(c.id in annex for c in q.cautions) and q.imaginaries[0].split(" — ")[0] in annex


# ---------------------------------------------------------------------------------------
# Self-contained, printable HTML with the diagram

@pytest.mark.parametrize("full", [False, True])
def test_html_is_self_contained_and_printable(kz_brief: BriefContext, full: bool) -> None:
    html = render_brief(kz_brief, "html", full=full)
    page = parse_html(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        assert not attrs.get("src")
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    ids = [a["id"] for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    anchors = {a["href"][1:] for _, a in page.tags if (a.get("href") or "").startswith("#")}
    assert anchors <= set(ids)  # every in-page link lands somewhere
    style = html.split("<style>")[1].split("</style>")[0]
    assert "@import" not in style and "url(" not in style
    assert "size: A4" in style and "@media print" in style
    assert "counter(page)" in style and "string(doctitle)" in style
    # The two-page brief carries only its own rules (WeasyPrint parses and matches every rule it gets);
    # the full report has its annexes' too.
    assert ("break-before: page" in style) == full and (".diagram rect" in style) == full
    assert ".matrix" not in style or full
    assert "display: flex" not in style  # a flex box costs WeasyPrint several layout passes


def test_one_causal_chain_diagram_per_root_cause(kz_brief: BriefContext) -> None:
    html = render_brief(kz_brief, "html", full=True)
    roots = [d for d in kz_brief.diagnoses if d.role == "root_cause"]
    assert diagrams_for(kz_brief.diagnoses) == roots
    svgs = [part.split("</svg>")[0] for part in html.split("<svg")[1:]]
    assert len(svgs) == len(roots) == 3
    for d, svg in zip(roots, svgs, strict=True):
        graph = chain_graph(kz_brief.graph, d)
        chain = {x.id for x in (*d.chain.manifestations, *d.chain.mechanisms, *d.chain.policies)}
        assert {n.id for n in graph.nodes} == (chain | {d.id} if chain else {d.id, *(c.id for c in d.chain.context)})
        assert svg.count("<rect") == len(graph.nodes) <= 20  # small enough for one page
        # Styled by attributes, not by the page's CSS: WeasyPrint draws unstyled boxes black.
        assert all('fill="#' in r and 'stroke="#' in r for r in re.findall(r"<rect[^>]*>", svg))
        assert all("font-size=" in t for t in re.findall(r"<text[^>]*>", svg))
        assert svg.count("marker-end=") == len(graph.edges)
        layout = diagram_layout(graph)
        boxes = {b.id: b for b in layout.boxes}
        for e in graph.edges:  # premises sit left of or beside what they support
            assert boxes[e.source].x <= boxes[e.target].x or boxes[e.source].x - boxes[e.target].x < layout.width
        assert all(b.y + b.h <= layout.height for b in layout.boxes)


# ---------------------------------------------------------------------------------------
# Escaping of everything an analyst or a plugin typed

@pytest.fixture(scope="module")
def hostile(assessor: Assessor, kb: KnowledgeBase, kz_profile: Profile, registry: Registry) -> BriefContext:
    old = kz_profile.answers["wto.bargaining_power"]
    profile = kz_profile.with_answers({
        "wto.bargaining_power": Answer(value=old.value, source=HOSTILE, note=HOSTILE,
                                       evidence=EvidenceGrade.DOCUMENTED, as_of=2016)})
    profile = profile.model_copy(update={
        "name": "Kazakhstan <b>bold</b>",
        "data_cautions": [DataCaution(id="hostile", text=HOSTILE, source=HOSTILE)]})
    a = assessor.assess(profile, now=NOW)
    return build_context(a, kb, profile, registry, audience=HOSTILE, unit="Unit {{ 1+1 }}", date=DATE)


@pytest.mark.parametrize("full", [False, True])
def test_analyst_text_is_escaped_in_html(hostile: BriefContext, full: bool) -> None:
    html = render_brief(hostile, "html", full=full)
    page = parse_html(html)
    assert "script" not in [t for t, _ in page.tags] and "b" not in [t for t, _ in page.tags]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "{% raw %}" in html and "Unit {{ 1+1 }}" in html
    if not full:
        return
    text = "".join(page.text)
    assert "<script>alert('x')</script> {{ 7*7 }}" in text  # what the reader sees


def test_analyst_text_is_escaped_in_markdown(hostile: BriefContext) -> None:
    brief = render_brief(hostile, "md")
    assert "{{ 7\\*7 }}" in brief and "Unit {{ 1+1 }}" in brief
    assert "script" not in [t for t, _ in parse_html(md_to_html(brief)).tags]
    md = render_brief(hostile, "md", full=True)
    assert "{{ 7\\*7 }}" in md and "Unit {{ 1+1 }}" in md  # braces stay, the star is escaped
    html = md_to_html(md)
    page = parse_html(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "b" not in tags
    assert not any(a.get("href") == "http://evil.test" for _, a in page.tags)
    assert "&lt;script&gt;alert" in html
    text = "".join(page.text)
    assert "<script>alert('x')</script> {{ 7*7 }} {% raw %} *stars* | pipe [link](http://evil.test)" in text
    # The pipe did not split the evidence table: every row keeps the header's four cells.
    table = md.split("| Indicator | Answer | Source | Year |")[1].split("\n\n")[0]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in table.strip().splitlines())


def test_md_escape_neutralises_markdown_and_html() -> None:
    assert md_escape("# heading") == "\\# heading"
    assert md_escape("1. item") == "1\\. item"
    assert md_escape("a <b> & c *d* `e` [f](g) &amp;") == "a \\<b> & c \\*d\\* \\`e\\` \\[f\\](g) &amp;amp;"
    assert md_escape("two\n\nlines") == "two lines"


@pytest.mark.parametrize("text", ["0.17% of GDP", "-5%", "+3 points", "#1 priority", "2)b", "1.5 times", "=x", "-x-",
                                  "rank_frac > 0.66", "a__b", "дом_дом"])
def test_md_escape_leaves_what_commonmark_reads_as_text(text: str) -> None:
    assert md_escape(text) == text


@pytest.mark.parametrize(("text", "escaped"), [
    ("- item", "\\- item"), ("+ item", "\\+ item"), ("2) item", "2\\) item"), ("###### six", "\\###### six"),
    ("---", "\\---"), ("- - -", "\\- - -"), ("===", "\\==="), ("-", "\\-"), ("12.", "12\\."),
    ("> quote", "\\> quote"), ("_x_", "\\_x\\_"), ("snake_", "snake\\_"), ("__init__", "\\_\\_init\\_\\_"),
])
def test_md_escape_neutralises_block_starts(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet="#>+-=*_`~[]()<>!|\\&;.:)09 a\n", max_size=16))
def test_md_escape_renders_as_the_text_itself(text: str) -> None:
    # Wherever a value lands (a line of its own, or after a list marker), CommonMark shows it as typed.
    plain = " ".join(text.split())
    assume(plain)
    for line in (md_escape(text), "1. " + md_escape(text)):
        html_out = MarkdownIt("commonmark").render(line)
        inner = re.fullmatch(r"(?:<ol>\n<li>)?(?:<p>)?(.*?)(?:</p>)?(?:</li>\n</ol>)?\n", html_out, re.S)
        assert inner is not None and "<" not in inner.group(1), (text, html_out)
        assert htmllib.unescape(inner.group(1)) == plain, (text, html_out)


def test_markdown_brief_shows_numbers_as_written(kz_brief: BriefContext) -> None:
    md = render_brief(kz_brief, "md")
    assert "0.17% of GDP" in md and "0\\.17" not in md
    assert "0.17% of GDP" in "".join(parse_html(md_to_html(md)).text)


def test_lead_keeps_citations_whole() -> None:
    text = "Kazakhstan waited [§7.3 p.144 (ll. 12361–12376)]. Then e.g. more. Last one."
    assert lead(text) == "Kazakhstan waited [§7.3 p.144 (ll. 12361–12376)]."
    assert lead(text, 2) == "Kazakhstan waited [§7.3 p.144 (ll. 12361–12376)]. Then e.g. more."


# ---------------------------------------------------------------------------------------
# Plugin sections (hook diagnostics_brief_sections)

class SectionPlugin:
    @hookimpl
    def diagnostics_brief_sections(self, assessment: Assessment) -> list[BriefSection]:
        return [
            BriefSection(id="local", title="Local view <i>", body=f"First {HOSTILE}\n\nSecond paragraph.",
                         placement="after_findings"),
            BriefSection(id="annexed", title="Plugin annex", body="Annexed text.", placement="annex"),
            BriefSection(id="odd", title="Odd", body="x", placement="sidebar"),
        ]


class BrokenPlugin:
    @hookimpl
    def diagnostics_brief_sections(self, assessment: Assessment) -> list[BriefSection]:
        raise RuntimeError("boom")


def registry_with(kb: KnowledgeBase, *plugins: tuple[str, object]) -> Registry:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return Registry(kb=kb, profiles={}, reports=[], manager=pm)


def test_hook_plugin_sections_rendered_escaped(kz: Assessment, kb: KnowledgeBase, kz_profile: Profile) -> None:
    reg = registry_with(kb, ("local_plugin", SectionPlugin()), ("broken_plugin", BrokenPlugin()))
    brief = build_context(kz, kb, kz_profile, reg, date=DATE)
    assert [s.id for s in brief.sections] == ["local", "annexed"]
    assert brief.sections[0].paragraphs[1] == "Second paragraph." and brief.sections[0].provided_by == "local_plugin"
    notices = " ".join(brief.method.notices)
    assert "broken_plugin" in notices and "boom" in notices and "'sidebar'" in notices
    html = render_brief(brief, "html", full=True)
    assert "<i>" not in html and "Local view &lt;i&gt;" in html and "&lt;script&gt;" in html
    assert html.index("Local view") < html.index("Policy directions") < html.index("Plugin annex")
    md = render_brief(brief, "md", full=True)
    tags = [t for t, _ in parse_html(md_to_html(md)).tags]
    assert "## Local view \\<i>" in md and "script" not in tags and "i" not in tags


class MarkdownPlugin:
    @hookimpl
    def diagnostics_brief_sections(self, assessment: Assessment) -> list[BriefSection]:
        return [BriefSection(id="fmt", title="Formatted", placement="after_findings",
                             body="Some **bold** and *emphasis*:\n\n- one\n- two <b>raw</b>\n\n<div>block</div>")]


def test_plugin_sections_render_markdown_safely(kz: Assessment, kb: KnowledgeBase, kz_profile: Profile) -> None:
    """Markdown formats (md, html and so pdf); raw HTML is never passed through."""
    brief = build_context(kz, kb, kz_profile, registry_with(kb, ("fmt_plugin", MarkdownPlugin())), date=DATE)
    html = render_brief(brief, "html", full=True)
    assert "<strong>bold</strong>" in html and "<em>emphasis</em>" in html and "<li>one</li>" in html
    assert "<b>raw</b>" not in html and "<div>block</div>" not in html and "&lt;div&gt;block&lt;/div&gt;" in html
    md = render_brief(brief, "md", full=True)
    assert "Some **bold** and *emphasis*:" in md and "- one\n- two" in md
    tags = [t for t, _ in parse_html(md_to_html(md)).tags]
    assert "strong" in tags and "b" not in tags and "div" not in tags


# ---------------------------------------------------------------------------------------
# User templates in the sandbox

def test_user_template_extends_the_default(tmp_path: Path, kz_brief: BriefContext) -> None:
    (tmp_path / "brief.md.j2").write_text(
        '{% extends "default:brief.md.j2" %}\n{% block key_messages %}## Our summary\n\n'
        '{{ brief.key_messages[0] }}\n{% endblock %}\n', encoding="utf-8")
    md = render_brief(kz_brief, "md", template_dir=tmp_path)
    assert "## Our summary" in md and "## Key messages" not in md and "## Questions for the hearing" in md
    html = render_brief(kz_brief, "html", template_dir=tmp_path)  # no override: the default
    assert "Key messages" in html


def test_templates_have_gettext(tmp_path: Path, kz_brief: BriefContext) -> None:
    (tmp_path / "brief.html.j2").write_text(
        '{% extends "default:brief.html.j2" %}{% block colophon %}<p>{{ _("Key messages") }} '
        '{% trans n=brief.key_messages | length %}{{ n }} message{% pluralize %}{{ n }} messages{% endtrans %}'
        '</p>{% endblock %}', encoding="utf-8")
    html = render_brief(kz_brief, "html", template_dir=tmp_path)
    assert f"<p>Key messages {len(kz_brief.key_messages)} messages</p>" in html


@pytest.mark.parametrize("source", [
    "{{ brief.__class__.__mro__ }}",
    "{{ brief.key_messages.append('x') }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
])
def test_user_template_is_sandboxed(tmp_path: Path, kz_brief: BriefContext, source: str) -> None:
    (tmp_path / "brief.md.j2").write_text(source, encoding="utf-8")
    with pytest.raises(DataError, match="sandbox|template"):
        render_brief(kz_brief, "md", template_dir=tmp_path)


def test_cli_user_template_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "brief.md.j2").write_text("{% if %}", encoding="utf-8")
    r = cli("brief", "KZ", "--template-dir", str(tmp_path))
    assert r.exit_code == 2 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------
# CLI

def test_cli_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "kz.html"
    r = cli("brief", "KZ", "-o", str(out), "--audience", "Budget Committee", "--unit", "Research Service",
            "--date", "2025-04-01")
    assert r.exit_code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")  # format from the suffix
    assert "Budget Committee" in html and "Research Service" in html and "2025-04-01" in html
    r = cli("brief", "KZ", "-o", str(out))
    assert r.exit_code == 2 and "exists" in r.stderr and "--force" in r.stderr
    assert out.read_text(encoding="utf-8") == html
    r = cli("brief", "KZ", "-o", str(out), "--force", "--format", "md")  # the suffix says html
    assert r.exit_code == 2 and "contradicts" in r.stderr and out.read_text(encoding="utf-8") == html
    md = tmp_path / "kz.md"
    r = cli("brief", "KZ", "-o", str(md), "--format", "md")
    assert r.exit_code == 0 and md.read_text(encoding="utf-8").startswith("# Systemic problems")


def test_cli_brief_from_a_saved_assessment(tmp_path: Path) -> None:
    saved = tmp_path / "kz-assessment.json"
    saved.write_text(cli("assess", "KZ", "--json").stdout, encoding="utf-8")
    r = cli("brief", str(saved), "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["meta"]["country"] == "KZ" and data["data_quality"]["profile_available"] is True
    assert data["diagnoses"] and data["data_quality"]["cautions"]


def test_cli_compare(tmp_path: Path) -> None:
    r = cli("brief", "--compare", "KZ", "KG", "EE", "--format", "json")
    assert r.exit_code == 0, r.stderr
    c = ComparisonContext.model_validate_json(r.stdout)
    assert [x.country for x in c.countries] == ["KZ", "KG", "EE"]
    assert all(len(row.cells) == 3 for row in c.rows) and c.rows[0].role == "root_cause"
    assert c.countries[2].tier == "C" and 3 <= len(c.key_messages) + 1 <= 6
    for fmt in ("md", "html"):
        out = tmp_path / f"cmp.{fmt}"
        assert cli("brief", "--compare", "KZ", "KG", "EE", "-o", str(out)).exit_code == 0
        text = out.read_text(encoding="utf-8")
        assert "Systemic problems side by side" in text and "Estonia" in text


@pytest.mark.parametrize(("args", "message"), [
    (("brief",), "name a country code"),
    (("brief", "--compare", "KZ"), "at least two"),
    (("brief", "KZ", "KG"), "--compare"),
    (("brief", "KZ", "--date", "31/03/2025"), "not a date"),
    (("brief", "XX"), "neither a profile file nor a known country code"),
])
def test_cli_bad_input_one_line(args: tuple[str, ...], message: str) -> None:
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_render_brief_api_for_the_tui(kz_brief: BriefContext) -> None:
    import diagnostics.reports as reports

    assert reports.render_brief is render_brief and reports.BriefContext is BriefContext
    assert render_brief(kz_brief, "md").startswith("# ")
    assert render_brief(kz_brief, "html").startswith("<!DOCTYPE html>")
    assert json.loads(render_brief(kz_brief, "json"))["meta"]["country"] == "KZ"
    with pytest.raises(DataError, match="render_pdf"):
        render_brief(kz_brief, "pdf")
    with pytest.raises(DataError, match="unknown brief format"):
        render_brief(kz_brief, "docx")


def test_comparison_from_the_api(assessor: Assessor, kb: KnowledgeBase, registry: Registry) -> None:
    from diagnostics.cli import load_profile_file

    items = []
    for code in ("KZ", "KG"):
        p = load_profile_file(registry.profiles[code].path)
        items.append((assessor.assess(p, now=NOW), p))
    c = build_comparison(items, kb, date=DATE)
    kz_row = {r.id: r.cells[0].status for r in c.rows}
    assert kz_row == {f.rule: f.status.value for f in items[0][0].diagnoses()}
    assessed = [r for r in c.rows if "not_assessable" not in (r.cells[0].status, r.cells[1].status)]
    assert {r.id for r in c.rows if r.differs} == {r.id for r in assessed if r.cells[0] != r.cells[1]}
    # a coverage gap: answered in one country only (unanswered in both is no difference at all)
    one_sided = [r for r in c.rows if [x.status for x in r.cells].count("not_assessable") == 1]
    assert {r.id for r in c.rows if r.coverage_gap} == {r.id for r in one_sided}


def test_mini_knowledge_base_brief(mini_kb: KnowledgeBase) -> None:
    profile = Profile(country="ZZ", name="Demo", answers={
        "demo.legacy": Answer(value=True, source="law *1*", as_of=2020),
        "demo.attitude": Answer(value=1, source="interviews *2*", evidence=EvidenceGrade.INTERVIEW),
        "demo.law_count": Answer(value=2000, source="registry"),
        "demo.mode": Answer(value="radical", source="decree"),
        "demo.tools": Answer(value=("parks",), source="plan"),
    })
    a = Assessor(mini_kb, engine="reference").assess(profile, now=NOW)
    brief = build_context(a, mini_kb, profile, date=DATE)
    assert [d.id for d in brief.diagnoses] == ["dx.demo_root"]
    assert [n.id for n in brief.nodes] == ["node.demo_hostile", "node.demo_mismatch"]
    assert brief.case.tier is None and "no tier" in brief.case.tier_note
    md = render_brief(brief, "md", full=True)
    assert "- interviews \\*2\\* (interview)" in md and "Demo direction" in md
    assert render_brief(brief, "html", full=True).count("<rect") == 3
    assert "Demo direction" in render_brief(brief, "md")


def test_core_and_cli_import_no_jinja2() -> None:
    code = ("import sys, diagnostics.cli, diagnostics.assessment, diagnostics.reports.cli; "
            "assert 'jinja2' not in sys.modules, 'jinja2 imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_built_in_templates_are_compiled_once_and_a_broken_cache_entry_is_compiled_again(
        kz_brief: BriefContext) -> None:
    # conftest points the cache folder at a temporary one; jinja2 keeps its bytecode there.
    from diagnostics.reports import render

    folder = render._bytecode_cache("html")
    assert folder is not None
    for entry in Path(folder.directory).glob("html-*.cache"):  # other tests' templates
        entry.unlink()
    render.environment.cache_clear()
    expected = render_brief(kz_brief, "html")
    entries = list(Path(folder.directory).glob("html-*.cache"))
    assert len(entries) >= 2  # brief.html.j2 and the brief.css it includes
    render.environment.cache_clear()
    assert render_brief(kz_brief, "html") == expected  # from the cache
    for entry in entries:
        entry.write_bytes(b"not bytecode")
    render.environment.cache_clear()
    assert render_brief(kz_brief, "html") == expected  # compiled again
    assert all(entry.read_bytes() != b"not bytecode" for entry in entries)  # and stored again


# ---------------------------------------------------------------------------------------
# wording.plain: the searches it skips (a text without '(' has no bracketed code, one without
# '-' or 'MAP' no design-rule code) and the texts plain_with puts once change nothing.

def _plain_searching_every_text(text: str, names: dict[str, str]) -> str:
    """wording.plain as it was before it skipped searches: every pattern tried on every text."""
    from diagnostics.reports import wording as w

    out = w._INTERNAL_CODE.sub("", w._INTERNAL_PAREN.sub("", " ".join(text.split())))
    if names and not names.keys().isdisjoint(w._ID_WORD.findall(out)):
        out = w._ID_IN_BRACKETS.sub(
            lambda m: "" if m.group(1) in names and names[m.group(1)] in out[:m.start()] else m.group(0), out)
        out = w._ID_WORD.sub(lambda m: w._lower_title(names[m.group(0)]) if m.group(0) in names else m.group(0), out)
    if "_" in out:
        out = w._SNAKE.sub(lambda m: m.group(0).replace("_", " "), out)
    out = w._SPACE_BEFORE_PUNCTUATION.sub(r"\1", out)
    return w._SPACES.sub(" ", out).strip()


@given(st.lists(st.sampled_from(["R-8", "C-2", "MAP §3", "MAP", "(", ")", "design rule ", " and ", "doc", "+int",
                                 "x_y", "lcr.in_force", " ", ",", ".", "a", "-", "R", "8", "§"]), max_size=14)
       .map("".join))
def test_plain_skips_only_searches_that_cannot_match(text: str) -> None:
    from diagnostics.reports.wording import plain

    names = {"lcr.in_force": "Local content rules in force"}
    assert plain(text, names) == _plain_searching_every_text(text, names)


def test_plain_with_puts_each_text_as_plain_does(kb: KnowledgeBase) -> None:
    from diagnostics.reports.builder import reader_names
    from diagnostics.reports.wording import plain, plain_with

    names = reader_names(kb)
    say = plain_with(names)
    texts = [t for r in kb.rules.values() for t in (r.story, r.mechanism, *r.questions, *r.counter_examples)]
    assert any("(" in t for t in texts)
    for text in [*texts, *texts]:
        assert say(text) == plain(text, names)


def test_a_brief_builds_the_validators_of_its_own_models_only(tmp_path: Path) -> None:
    # The context models are built on first use (record_base.Deferred): a brief of one country
    # validates its context and never builds the comparison's models.
    code = f"""
import json
from diagnostics.cli import main
try:
    main(["--no-plugins", "brief", "KZ", "-o", {str(tmp_path / "kz.html")!r}])
except SystemExit as e:
    assert not e.code
from diagnostics.reports import model
print(json.dumps([name for name, cls in vars(model).items()
                  if isinstance(cls, type) and issubclass(cls, model.Model) and cls.__pydantic_complete__]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    built = json.loads(out)
    assert "BriefContext" in built and "KeyMessage" in built
    assert not {"ComparisonContext", "ComparisonRow", "CountryColumn", "Cell"} & set(built)
