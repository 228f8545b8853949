"""`BriefContext`: the one object a brief template receives, and the builder that makes it.

Two-stage rendering: an `Assessment` (plus the knowledge base, the profile and the plugin
registry) becomes a `BriefContext`; Markdown, HTML and JSON are all rendered from that
context alone. The context is a documented contract (docs/briefs.md, docs/brief.schema.json):
user templates may rely on exactly these fields. It holds text, not markup; every string
that an analyst or a plugin typed is escaped by the renderer.

Order follows design rule R-17 (MAP.md §10): what this is a case of; root causes with their
chains; findings (story, mechanism, evidence, confidence, contrasts); directions; questions;
what could not be assessed; then the data-quality annex, method and references.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from diagnostics.assessment import Assessment, FindingResult, TraceStep
from diagnostics.citations import parse_citation
from diagnostics.evaluator import Status
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS, Indicator, IndicatorType
from diagnostics.profile import Profile

if TYPE_CHECKING:
    from diagnostics.registry import Registry

BRIEF_SCHEMA_VERSION = 1
BRIEF_SCHEMA_ID = "urn:policy-diagnostics:brief:v1"
COMPARISON_SCHEMA_ID = "urn:policy-diagnostics:brief-comparison:v1"

PLACEMENTS = ("after_findings", "before_annex", "annex")

TIER_NOTES = {
    "A": "the thesis's own case: its findings apply directly",
    "B": "a former Soviet republic sharing about seven decades of command economy: the thesis's "
         "mechanisms are expected to apply, but local evidence must confirm each one",
    "C": "a contrast case (about five decades of Soviet rule and an older market memory): the "
         "thesis's claims are tested here and confidence is lower",
    "D": "a post-socialist economy that was never part of the USSR: the thesis applies by analogy only",
    "E": "a gradualist, state-led economy with more bargaining power: a contrast, at low confidence",
}

DIRECTION_KINDS = {
    "T7": "the thesis's own recommendation",
    "Tch": "from the thesis's chapter findings",
    "Tint": "an interviewee's proposal the thesis reports",
    "KE": "implied by the thesis's argument",
    "Tch/KE": "from the chapter findings, partly implied",
}

LAYER_LABELS = {
    "context": "context",
    "policy": "policy choice",
    "mechanism": "mechanism",
    "manifestation": "manifestation",
    "diagnosis": "systemic problem",
}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------
class BriefMeta(Model):
    """Masthead and rendering switches."""

    title: str = Field(description="Brief title.")
    country: str = Field(description="ISO code of the country assessed, e.g. KZ.")
    country_name: str
    date: str = Field(description="Date the brief was produced (ISO 8601).")
    as_of: str | None = Field(default=None, description="Date of the profile's answers.")
    audience: str = Field(description="Who the brief is for, e.g. a committee.")
    issuing_unit: str = Field(description="Who issues the brief.")
    generator: str = Field(description="Software and version that produced the brief.")
    annexes: bool = Field(default=True, description="Render the annexes; false gives the main body only.")


class Ref(Model):
    """A reference to a finding or a direction of the brief."""

    id: str
    title: str
    number: int | None = Field(default=None, description="For a diagnosis: its position in `diagnoses` (from 1).")


class StoryPart(Model):
    """A part of the Kazakhstan story: a top-level diagnosis, or a context condition."""

    id: str
    title: str
    note: str = Field(default="", description="Why it does not apply (gate reason), if it does not.")


class CaseOf(Model):
    """'What is this a case of?': family, tier, and which parts of the thesis case apply."""

    family: str
    family_name: str
    tier: str | None
    tier_note: str
    thesis_case: bool = Field(description="True when the country is the thesis's own case (tier A).")
    applies: list[StoryPart] = Field(description="Top-level diagnoses that fired.")
    context: list[StoryPart] = Field(description="Context conditions (legacy, gates) that hold.")
    not_applicable: list[StoryPart] = Field(description="Diagnoses whose context gate is false.")
    not_present: list[StoryPart] = Field(description="Diagnoses assessed and not found.")
    undecided: list[StoryPart] = Field(description="Diagnoses that could not be assessed.")


class AnswerUsed(Model):
    """One answer a finding used: the evidence line of the brief."""

    indicator: str
    name: str = Field(description="A short name: the indicator id in words, e.g. 'near market incentives'.")
    topic: str
    question: str
    value: Any
    value_text: str = Field(description="The value in words, with its unit.")
    conditions: list[str] = Field(description="The rule conditions this answer met.")
    source: str
    evidence: str | None = Field(description="documented, survey, interview, expert_judgement or secondary.")
    as_of: int | None = Field(description="Year the answer refers to.")
    note: str = ""


class ChainLink(Model):
    """A finding beneath a diagnosis: a symptom on the way to the root cause (R-5)."""

    id: str
    title: str
    layer: str
    confidence: str | None


class Chain(Model):
    """The findings a diagnosis rests on, through its trace, grouped by layer."""

    manifestations: list[ChainLink]
    mechanisms: list[ChainLink]
    policies: list[ChainLink]
    diagnoses: list[Ref] = Field(description="Other diagnoses this one builds on.")
    context: list[ChainLink] = Field(description="Context conditions (gates, legacy) it rests on.")
    size: int = Field(description="Number of findings in the chain, diagnoses included.")


class DiagnosisEntry(Model):
    """A fired top-level diagnosis: a finding of the brief, with its chain."""

    id: str
    number: int = Field(description="Position in `diagnoses`, from 1 (the brief's 3.n).")
    title: str
    role: str = Field(description="root_cause, diagnosis, function_rollup or outcome (the rule's role, R-5).")
    theme: str
    function: str
    severity: str
    story: str
    mechanism: str
    evidence: list[AnswerUsed] = Field(description="Answers the diagnosis used directly.")
    supporting: list[str] = Field(description="Supporting comparisons that hold (raise confidence only).")
    confidence: str | None
    confidence_reasons: list[str]
    contrasts: list[str] = Field(description="Counter-examples and contrast cases.")
    directions: list[Ref] = Field(description="Its policy directions (details in `directions`).")
    questions: list[str]
    citations: list[str]
    chain: Chain


class NodeEntry(Model):
    """A fired finding below the diagnoses (policy choice, mechanism, manifestation)."""

    id: str
    title: str
    layer: str
    confidence: str | None
    confidence_reasons: list[str]
    story: str
    mechanism: str
    feeds: list[Ref] = Field(description="The diagnoses whose chain it belongs to.")
    builds_on: list[Ref] = Field(description="The findings it rests on directly.")
    evidence: list[AnswerUsed]
    citations: list[str]


class DirectionEntry(Model):
    """A policy direction: an orientation, never an instrument (R-6)."""

    id: str
    title: str
    text: str
    caveats: list[str]
    kind: str
    kind_note: str
    audience: str
    responds_to: list[Ref] = Field(description="The diagnoses it responds to.")
    citations: list[str]


class QuestionGroup(Model):
    finding: str
    title: str
    questions: list[str]


class IndicatorNeed(Model):
    """An unanswered indicator that would help decide a diagnosis."""

    id: str
    question: str
    evidence_kind: str


class Undecided(Model):
    """A diagnosis that could not be assessed, and the evidence that would decide it."""

    id: str
    title: str
    missing_evidence: list[str] = Field(description="Mismatch sides with no answer: formal, informal.")
    deciding: list[IndicatorNeed]


class Caution(Model):
    id: str
    text: str
    source: str
    indicators: list[str]


class SetAside(Model):
    """An answered indicator deliberately not used as a trigger (R-4, display-only)."""

    indicator: str
    question: str
    value_text: str
    source: str
    as_of: int | None
    reason: str


class DataQuality(Model):
    cautions: list[Caution] = Field(description="The profile's recorded data cautions.")
    set_aside: list[SetAside] = Field(description="Benchmarks and display-only figures not used as triggers.")
    imaginaries: list[str] = Field(description="Candidate imaginaries (R-8): aspirations, not evidence.")
    profile_available: bool = Field(description="False when the brief was built from an assessment file alone.")


class ExtraSection(Model):
    """A section a plugin added (hook diagnostics_brief_sections); rendered as escaped text."""

    id: str
    title: str
    paragraphs: list[str]
    placement: Literal["after_findings", "before_annex", "annex"]
    provided_by: str


class GraphNode(Model):
    id: str
    title: str
    layer: str
    role: str = Field(description="A diagnosis's role (root_cause, diagnosis, ...), else its layer.")
    rests_on: list[Ref] = Field(description="The findings it rests on (the edges into it).")


class GraphEdge(Model):
    source: str = Field(description="The premise.")
    target: str = Field(description="The finding that rests on it.")


class CausalGraph(Model):
    """Fired findings and the premises they used: the source of the causal-chain diagram."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


class PluginUsed(Model):
    name: str
    version: str


class Method(Model):
    """How the brief was made, and the audit stamp of the assessment."""

    package_version: str
    knowledge_base: str = Field(description="Digest of the knowledge base.")
    profile: str = Field(description="Digest of the profile.")
    engine: str
    assessed_at: str
    assessment_schema_version: int
    indicators: int
    answered: int
    unknown: int
    unanswered: int
    plugins: list[PluginUsed]
    notices: list[str] = Field(description="Problems met while building the brief (e.g. a failing plugin).")


class SourceRef(Model):
    source: str
    evidence: list[str]
    years: list[int]
    indicators: list[str]


class References(Model):
    thesis: list[str] = Field(description="Thesis citations, in thesis order.")
    sources: list[SourceRef] = Field(description="Sources of the answers used.")


class BriefContext(Model):
    """Everything a policy brief template receives (as `brief`). See docs/briefs.md."""

    model_config = ConfigDict(
        extra="forbid",
        title="BriefContext",
        json_schema_extra={"$id": BRIEF_SCHEMA_ID,
                           "$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_version: int = BRIEF_SCHEMA_VERSION
    meta: BriefMeta
    key_messages: list[str] = Field(description="Three to five messages for the first page.")
    case: CaseOf
    diagnoses: list[DiagnosisEntry] = Field(description="Fired diagnoses: roots first (R-5).")
    nodes: list[NodeEntry] = Field(description="Fired findings beneath the diagnoses.")
    directions: list[DirectionEntry]
    universal_caveats: list[str] = Field(description="Caveats that apply to every direction (stated once).")
    questions: list[QuestionGroup] = Field(description="Questions for local stakeholders, per diagnosis.")
    not_assessable: list[Undecided]
    data_quality: DataQuality
    sections: list[ExtraSection] = Field(description="Sections added by plugins.")
    graph: CausalGraph
    method: Method
    references: References


# ---------------------------------------------------------------------------------------
# Comparison brief (`diagnose brief --compare KZ KG EE`)

class CountryColumn(Model):
    country: str
    name: str
    family: str
    family_name: str
    tier: str | None
    tier_note: str
    as_of: str | None
    fired: int
    not_assessable: int
    imaginaries: int
    knowledge_base: str
    profile: str


class Cell(Model):
    status: str
    confidence: str | None


class ComparisonRow(Model):
    id: str
    title: str
    role: str
    cells: list[Cell] = Field(description="One per country, in column order.")
    differs: bool


class ComparisonContext(Model):
    """Everything a comparison brief template receives (as `brief`)."""

    model_config = ConfigDict(
        extra="forbid",
        title="ComparisonContext",
        json_schema_extra={"$id": COMPARISON_SCHEMA_ID,
                           "$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_version: int = BRIEF_SCHEMA_VERSION
    meta: BriefMeta
    key_messages: list[str]
    countries: list[CountryColumn]
    rows: list[ComparisonRow]
    directions: list[DirectionEntry] = Field(description="Directions for diagnoses fired in any country.")
    universal_caveats: list[str]
    not_assessable: dict[str, list[Undecided]] = Field(description="Country code -> undecided diagnoses.")
    references: References


# ---------------------------------------------------------------------------------------
def format_value(spec: Indicator | None, value: Any) -> str:
    """A value in words for a reader: 'yes', '67%', '3 of 5', 'knowledge economy'."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    if spec is None:
        return str(value)
    t = spec.type
    if t == IndicatorType.SHARE and isinstance(value, (int, float)):
        return f"{value * 100:.3g}%"
    if t == IndicatorType.SCALE:
        return f"{value} of 5"
    if t == IndicatorType.RANK_FRAC and isinstance(value, (int, float)):
        return f"{value:.2f} of the ranking (1 = last)"
    if t == IndicatorType.NUMBER and isinstance(value, (int, float)):
        return f"{value:,.10g} {spec.unit or ''}".strip()
    if t == IndicatorType.ENUM:
        return str(value).replace("_", " ")
    return str(value)


def _answers_used(steps: Iterable[TraceStep], kb: KnowledgeBase, profile: Profile | None) -> list[AnswerUsed]:
    """Answer steps merged per indicator (a mismatch rule may list one answer twice)."""
    out: dict[str, AnswerUsed] = {}
    for s in steps:
        if s.kind != "answer" or not s.indicator:
            continue
        if s.indicator in out:
            if s.condition not in out[s.indicator].conditions:
                out[s.indicator].conditions.append(s.condition)
            continue
        spec = kb.indicators.get(s.indicator)
        answer = profile.answers.get(s.indicator) if profile else None
        out[s.indicator] = AnswerUsed(
            indicator=s.indicator,
            name=s.indicator.split(".", 1)[-1].replace("_", " "),
            topic=spec.topic if spec else "",
            question=spec.question if spec else s.indicator,
            value=s.value,
            value_text=format_value(spec, s.value),
            conditions=[s.condition],
            source=s.source,
            evidence=s.evidence,
            as_of=s.as_of,
            note=answer.note if answer else "",
        )
    return list(out.values())


def _ref(f: FindingResult) -> Ref:
    return Ref(id=f.rule, title=f.title)


def _premises(f: FindingResult) -> list[str]:
    return [s.rule for s in f.trace if s.kind == "finding" and s.rule]


def _shown(f: FindingResult) -> bool:
    """Findings the brief reports: fired, not background, not a context gate."""
    return f.status is Status.FIRED and not f.background and f.layer != "context"


def _closure(rule_id: str, by_id: Mapping[str, FindingResult]) -> list[str]:
    """Every fired finding a finding rests on through its trace, nearest first."""
    seen: list[str] = []
    frontier = [rule_id]
    while frontier:
        nxt: list[str] = []
        for rid in frontier:
            for p in _premises(by_id[rid]):
                if p in by_id and p not in seen and p != rule_id:
                    seen.append(p)
                    nxt.append(p)
        frontier = nxt
    return seen


_CITE_ORDER = re.compile(r"§(\d+)\.(\d+)")


def _citation_key(text: str) -> tuple[int, int, int, int, str]:
    try:
        c = parse_citation(text)
    except ValueError:
        return (3, 0, 0, 0, text)
    first = c.ranges[0][0] if c.ranges else 0
    if c.source == "blog":
        return (2, 0, 0, first, text)
    if c.section == "Abstract":
        return (0, 0, 0, first, text)
    m = _CITE_ORDER.match(text)
    major, minor = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    return (1, major, minor, first, text)


def sort_citations(citations: Iterable[str]) -> list[str]:
    return sorted(set(citations), key=_citation_key)


def _sources(answers: Iterable[AnswerUsed]) -> list[SourceRef]:
    by_source: dict[str, SourceRef] = {}
    for a in answers:
        key = a.source or "(no source recorded)"
        ref = by_source.setdefault(key, SourceRef(source=key, evidence=[], years=[], indicators=[]))
        if a.evidence and a.evidence not in ref.evidence:
            ref.evidence.append(a.evidence)
        if a.as_of and a.as_of not in ref.years:
            ref.years.append(a.as_of)
        if a.indicator not in ref.indicators:
            ref.indicators.append(a.indicator)
    for ref in by_source.values():
        ref.years.sort()
    return sorted(by_source.values(), key=lambda r: r.source.lower())


def tier_note(tier: str | None) -> str:
    if tier is None:
        return "the country family has no tier, so its fit with the thesis case is unknown"
    return TIER_NOTES.get(tier, f"tier {tier}")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _key_messages(a: Assessment, diagnoses: Sequence[DiagnosisEntry], undecided: Sequence[Undecided],
                  chain_size: int) -> list[str]:
    total = len(a.diagnoses())
    if not diagnoses:
        first = (f"None of the {total} systemic problems the thesis describes could be diagnosed "
                 f"for {a.name} from the answers given.")
    else:
        roots = [d.title for d in diagnoses if d.role == "root_cause"] or [diagnoses[0].title]
        first = (f"{a.name} shows {len(diagnoses)} of the {total} systemic problems the thesis "
                 f"describes; the root {'causes are' if len(roots) > 1 else 'cause is'}: "
                 + "; ".join(_lower_first(r) for r in roots) + ".")
    messages = [first]
    if diagnoses:
        levels = {lvl: [d for d in diagnoses if d.confidence == lvl] for lvl in ("high", "medium", "low")}
        parts = [f"{lvl} for {len(ds)}" for lvl, ds in levels.items() if ds]
        messages.append("Confidence is " + _join(parts) + " of them; every finding states its reasons "
                        "and the answers it used.")
    if chain_size:
        messages.append(f"{chain_size} further findings (policy choices, mechanisms and "
                        "manifestations) trace back to these problems: treated one by one, they "
                        "would be symptoms, not causes.")
    if undecided:
        messages.append(f"{len(undecided)} problem{'s' if len(undecided) > 1 else ''} could not be "
                        "assessed; section 6 names the evidence that would decide "
                        f"{'them' if len(undecided) > 1 else 'it'}.")
    if a.imaginaries and len(messages) < 5:
        messages.append(f"{len(a.imaginaries)} stated aspiration{'s are' if len(a.imaginaries) > 1 else ' is'} "
                        "flagged as candidate imaginaries: a vision is not a plan.")
    if len(messages) < 5:
        messages.append("The directions say what should change, not how; results are likely to "
                        "take decades.")
    return messages[:5]


def _direction(kb: KnowledgeBase, did: str, targets: list[Ref]) -> DirectionEntry:
    spec = kb.directions[did]
    return DirectionEntry(id=did, title=spec.title, text=spec.text, caveats=list(spec.caveats), kind=spec.kind,
                          kind_note=DIRECTION_KINDS.get(spec.kind, spec.kind), audience=spec.audience,
                          responds_to=targets, citations=list(spec.citations))


def _undecided(a: Assessment, kb: KnowledgeBase) -> list[Undecided]:
    """Diagnoses that could not be assessed, with the unanswered indicators that would decide them."""
    return [
        Undecided(id=f.rule, title=f.title, missing_evidence=list(f.missing_evidence),
                  deciding=[IndicatorNeed(id=i, question=kb.indicators[i].question,
                                          evidence_kind=kb.indicators[i].evidence_kind.value)
                            for i in a.coverage.per_diagnosis.get(f.rule, f.missing) if i in kb.indicators])
        for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE
    ]


def _plugin_sections(a: Assessment, registry: Registry | None, notices: list[str]) -> list[ExtraSection]:
    from diagnostics.hookspecs import BriefSection

    if registry is None:
        return []
    out: list[ExtraSection] = []
    hook = registry.manager.hook.diagnostics_brief_sections
    for impl in hook.get_hookimpls():
        name = impl.plugin_name
        try:
            result: Any = impl.function(assessment=a) or []
            sections = [BriefSection.model_validate(s.model_dump() if isinstance(s, BaseModel) else s)
                        for s in result]
        except Exception as exc:  # noqa: BLE001 - a broken plugin section must not stop the brief
            notices.append(f"plugin {name}: brief sections left out ({type(exc).__name__}: {exc})")
            continue
        for s in sections:
            if s.placement not in PLACEMENTS:
                notices.append(f"plugin {name}: section {s.id!r} left out: placement {s.placement!r} "
                               f"is not one of {', '.join(PLACEMENTS)}")
                continue
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", s.body) if p.strip()]
            out.append(ExtraSection(id=s.id, title=s.title, paragraphs=paragraphs,
                                    placement=s.placement, provided_by=name))  # type: ignore[arg-type]
    return out


def build_context(
    assessment: Assessment,
    kb: KnowledgeBase,
    profile: Profile | None = None,
    registry: Registry | None = None,
    *,
    audience: str = "Committee members and staff",
    unit: str = "Committee briefing staff",
    title: str | None = None,
    date: dt.date | None = None,
    notices: Sequence[str] = (),
) -> BriefContext:
    """Build the brief context of one assessment.

    `profile` adds answer notes, data cautions and the benchmark figures set aside; without
    it (a brief from an assessment file) those parts say the profile was not available.
    `registry` adds the family name, the plugins used and plugin sections.
    """
    from diagnostics import __version__

    a = assessment
    notes = list(notices)
    unknown_rules = sorted(f.rule for f in a.findings if f.rule not in kb.rules)
    if unknown_rules:
        from diagnostics.errors import DataError

        raise DataError(f"the assessment names rules the knowledge base lacks: {', '.join(unknown_rules[:5])}"
                        " (assessed with another knowledge base?)")
    if a.audit.knowledge_base != kb.digest:
        notes.append(f"the assessment used knowledge base {a.audit.knowledge_base}; texts come from "
                     f"the loaded one ({kb.digest})")
    by_id = {f.rule: f for f in a.findings if f.status is Status.FIRED}
    rule_order = {rid: n for n, rid in enumerate(kb.rules)}
    # The assessment lists diagnoses roots first, then by role; the brief keeps that order.
    fired_dx = [f for f in a.diagnoses() if f.status is Status.FIRED]

    # Chains: every shown finding reached through the traces, grouped by layer.
    number = {f.rule: n for n, f in enumerate(fired_dx, start=1)}

    def dx_ref(rule_id: str) -> Ref:
        return Ref(id=rule_id, title=by_id[rule_id].title, number=number[rule_id])

    feeds: dict[str, list[Ref]] = {}
    diagnoses: list[DiagnosisEntry] = []
    for f in fired_dx:
        rule = kb.rules[f.rule]
        below = [by_id[r] for r in _closure(f.rule, by_id)]
        links: dict[str, list[ChainLink]] = {"manifestation": [], "mechanism": [], "policy": []}
        context: list[ChainLink] = []
        for n in sorted(below, key=lambda n: rule_order[n.rule]):
            if n.layer == "context" and not n.background:
                context.append(ChainLink(id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence))
            if not _shown(n) or n.layer not in links:
                continue
            feeds.setdefault(n.rule, []).append(dx_ref(f.rule))
            links[n.layer].append(ChainLink(id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence))
        built_on = [dx_ref(p) for p in _premises(f) if p in number]
        chain = Chain(manifestations=links["manifestation"], mechanisms=links["mechanism"],
                      policies=links["policy"], diagnoses=built_on, context=context,
                      size=sum(len(v) for v in links.values()) + len(built_on))
        diagnoses.append(DiagnosisEntry(
            id=f.rule, number=number[f.rule], title=f.title, role=f.role or "diagnosis",
            theme=f.theme, function=f.function, severity=f.severity,
            story=rule.story, mechanism=rule.mechanism,
            evidence=_answers_used(f.trace, kb, profile), supporting=list(f.supporting),
            confidence=f.confidence, confidence_reasons=list(f.confidence_reasons),
            contrasts=list(rule.counter_examples),
            directions=[Ref(id=x, title=kb.directions[x].title) for x in f.directions if x in kb.directions],
            questions=list(rule.questions), citations=list(f.citations), chain=chain,
        ))

    nodes = [
        NodeEntry(
            id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence,
            confidence_reasons=list(n.confidence_reasons),
            story=kb.rules[n.rule].story, mechanism=kb.rules[n.rule].mechanism,
            feeds=feeds[n.rule],
            builds_on=[_ref(by_id[p]) for p in _premises(n) if p in by_id and _shown(by_id[p])],
            evidence=_answers_used(n.trace, kb, profile), citations=list(n.citations),
        )
        for n in sorted((by_id[r] for r in feeds), key=lambda n: (rule_order[n.rule]))
    ]

    # Directions of the fired diagnoses, first-mentioned first; caveats stay with each.
    responds: dict[str, list[Ref]] = {}
    for f in fired_dx:
        for did in f.directions:
            responds.setdefault(did, []).append(dx_ref(f.rule))
    missing = [did for did in responds if did not in kb.directions]
    notes += [f"direction {did!r} is not in the knowledge base" for did in missing]
    directions = [_direction(kb, did, targets) for did, targets in responds.items() if did not in missing]
    undecided = _undecided(a, kb)

    family = kb.families.get(a.family)
    case = CaseOf(
        family=a.family, family_name=family.name if family else (a.family or "no family"),
        tier=a.tier, tier_note=tier_note(a.tier), thesis_case=a.tier == "A",
        applies=[StoryPart(id=d.id, title=d.title) for d in diagnoses],
        context=[StoryPart(id=f.rule, title=f.title) for f in a.findings
                 if f.status is Status.FIRED and f.layer == "context" and not f.background],
        not_applicable=[StoryPart(id=f.rule, title=f.title, note=f.gate_reason) for f in a.diagnoses()
                        if f.status is Status.NOT_APPLICABLE],
        not_present=[StoryPart(id=f.rule, title=f.title) for f in a.diagnoses()
                     if f.status is Status.NOT_FIRED],
        undecided=[StoryPart(id=u.id, title=u.title) for u in undecided],
    )

    set_aside: list[SetAside] = []
    cautions: list[Caution] = []
    if profile is not None:
        cautions = [Caution(id=c.id, text=c.text, source=c.source, indicators=list(c.indicators))
                    for c in profile.data_cautions]
        for ind_id, answer in profile.answers.items():
            ind = kb.indicators.get(ind_id)
            if ind is None or not answer.known or not (ind.benchmark or ind.display_only):
                continue
            reason = ("a benchmark against developed economies: it may raise confidence, never "
                      "trigger a finding (R-4)" if ind.benchmark else
                      "display only: recorded for the reader, never used by a rule")
            set_aside.append(SetAside(indicator=ind_id, question=ind.question,
                                      value_text=format_value(ind, answer.value), source=answer.source,
                                      as_of=answer.as_of, reason=reason))
    else:
        notes.append("built from an assessment file without its profile: answer notes, data "
                     "cautions and set-aside figures are not shown")
    data_quality = DataQuality(cautions=cautions, set_aside=set_aside, imaginaries=list(a.imaginaries),
                               profile_available=profile is not None)

    sections = _plugin_sections(a, registry, notes)

    shown_ids = [d.id for d in diagnoses] + [n.id for n in nodes]
    roles = {d.id: d.role for d in diagnoses}
    in_graph = set(shown_ids)
    graph = CausalGraph(
        nodes=[GraphNode(id=i, title=by_id[i].title, layer=by_id[i].layer, role=roles.get(i, by_id[i].layer),
                         rests_on=[_ref(by_id[p]) for p in _premises(by_id[i]) if p in in_graph])
               for i in shown_ids],
        edges=[GraphEdge(source=p, target=i) for i in shown_ids for p in _premises(by_id[i]) if p in in_graph],
    )

    plugins = []
    if registry is not None:
        plugins = [PluginUsed(name=r.name, version=r.version) for r in registry.reports if r.status == "ok"]
    c = a.coverage
    method = Method(
        package_version=a.audit.package_version, knowledge_base=a.audit.knowledge_base,
        profile=a.audit.profile, engine=a.audit.engine, assessed_at=a.audit.assessed_at,
        assessment_schema_version=a.audit.schema_version, indicators=c.indicators,
        answered=c.answered, unknown=c.unknown, unanswered=c.unanswered,
        plugins=plugins, notices=notes,
    )

    all_answers = [e for d in diagnoses for e in d.evidence] + [e for n in nodes for e in n.evidence]
    references = References(
        thesis=sort_citations([*(x for d in diagnoses for x in d.citations),
                               *(x for n in nodes for x in n.citations),
                               *(x for d in directions for x in d.citations)]),
        sources=_sources(all_answers),
    )

    today = date or dt.datetime.now(dt.UTC).date()
    meta = BriefMeta(
        title=title or f"Systemic problems of transition: {a.name}",
        country=a.country, country_name=a.name, date=today.isoformat(), as_of=a.as_of,
        audience=audience, issuing_unit=unit, generator=f"policy-diagnostics {__version__}",
    )
    return BriefContext(
        meta=meta,
        key_messages=_key_messages(a, diagnoses, undecided, len(nodes)),
        case=case,
        diagnoses=diagnoses,
        nodes=nodes,
        directions=directions,
        universal_caveats=list(UNIVERSAL_CAVEATS),
        questions=[QuestionGroup(finding=d.id, title=d.title, questions=d.questions)
                   for d in diagnoses if d.questions],
        not_assessable=undecided,
        data_quality=data_quality,
        sections=sections,
        graph=graph,
        method=method,
        references=references,
    )


# ---------------------------------------------------------------------------------------
def build_comparison(
    items: Sequence[tuple[Assessment, Profile | None]],
    kb: KnowledgeBase,
    *,
    audience: str = "Committee members and staff",
    unit: str = "Committee briefing staff",
    title: str | None = None,
    date: dt.date | None = None,
) -> ComparisonContext:
    """A side-by-side brief: which diagnoses hold in which country, and how surely."""
    from diagnostics import __version__

    countries = []
    for a, _ in items:
        family = kb.families.get(a.family)
        countries.append(CountryColumn(
            country=a.country, name=a.name, family=a.family, family_name=family.name if family else a.family,
            tier=a.tier, tier_note=tier_note(a.tier),
            as_of=a.as_of, fired=sum(1 for f in a.diagnoses() if f.status is Status.FIRED),
            not_assessable=sum(1 for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE),
            imaginaries=len(a.imaginaries), knowledge_base=a.audit.knowledge_base, profile=a.audit.profile))
    from diagnostics.assessment import ROLE_ORDER

    dx_ids = sorted((r.id for r in kb.diagnoses()), key=lambda r: (ROLE_ORDER.get(kb.rules[r].role, 4), r))
    rows = []
    for rid in dx_ids:
        cells = []
        for a, _ in items:
            try:
                f = a.finding(rid)
                cells.append(Cell(status=f.status.value, confidence=f.confidence))
            except KeyError:
                cells.append(Cell(status="not_in_knowledge_base", confidence=None))
        rows.append(ComparisonRow(id=rid, title=kb.rules[rid].title, role=kb.rules[rid].role or "diagnosis",
                                  cells=cells,
                                  differs=len({(c.status, c.confidence) for c in cells}) > 1))

    names = [c.name for c in countries]
    everywhere = [r for r in rows if all(c.status == "fired" for c in r.cells)]
    split = [r for r in rows if r.differs and any(c.status == "fired" for c in r.cells)]
    messages = []
    if everywhere:
        messages.append(f"{len(everywhere)} systemic problem{'s hold' if len(everywhere) > 1 else ' holds'} "
                        f"in all of {_join(names)}: " + "; ".join(_lower_first(r.title) for r in everywhere[:3])
                        + (f" and {len(everywhere) - 3} more" if len(everywhere) > 3 else "") + ".")
    if split:
        messages.append(f"{len(split)} differ between the countries; the table shows where each was "
                        "found, ruled out or left undecided.")
    lowest = [c for c in countries if c.tier in ("C", "D", "E")]
    if lowest:
        messages.append(_join([c.name for c in lowest]) + " lie outside the thesis's core population: "
                        "findings there test the thesis rather than apply it.")
    gaps = [c for c in countries if c.not_assessable]
    if gaps:
        messages.append("Evidence gaps: " + "; ".join(f"{c.name} {c.not_assessable} undecided" for c in gaps)
                        + ".")
    messages.append("Differences in evidence, not only in reality, can drive differences in findings.")

    responds: dict[str, list[Ref]] = {}
    for r in rows:
        if any(c.status == "fired" for c in r.cells):
            for did in kb.rules[r.id].directions:
                responds.setdefault(did, []).append(Ref(id=r.id, title=r.title))
    directions = [_direction(kb, did, targets) for did, targets in responds.items() if did in kb.directions]
    undecided = {a.country: _undecided(a, kb) for a, _ in items}
    cites = [c for r in rows if any(x.status == "fired" for x in r.cells) for c in kb.rules[r.id].citations]
    today = date or dt.datetime.now(dt.UTC).date()
    meta = BriefMeta(
        title=title or f"Systemic problems of transition compared: {_join(names)}",
        country="+".join(c.country for c in countries), country_name=_join(names),
        date=today.isoformat(), as_of=None, audience=audience, issuing_unit=unit,
        generator=f"policy-diagnostics {__version__}",
    )
    return ComparisonContext(
        meta=meta, key_messages=messages[:5], countries=countries, rows=rows, directions=directions,
        universal_caveats=list(UNIVERSAL_CAVEATS), not_assessable=undecided,
        references=References(thesis=sort_citations(cites + [c for d in directions for c in d.citations]),
                              sources=[]),
    )
