"""The brief's context model: the one object brief and report templates receive (as `brief`).

A documented contract (docs/briefs.md, docs/brief.schema.json): user templates may rely on
exactly these fields. It holds text, not markup; the renderer escapes every string. The
two-page brief and the full report are rendered from the same `BriefContext`: the brief
reads `key_messages`, `root_causes`, `priorities` and `hearing_questions`; the report reads
everything. Built by `reports.builder` (one country) and `reports.compare` (several).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from diagnostics.i18n import N_
from diagnostics.record_base import Deferred

BRIEF_SCHEMA_VERSION = 2
BRIEF_SCHEMA_ID = "urn:policy-diagnostics:brief:v2"
# The comparison's contract moved to v3 when its key messages became objects with figures.
COMPARISON_SCHEMA_VERSION = 3
COMPARISON_SCHEMA_ID = "urn:policy-diagnostics:brief-comparison:v3"

PLACEMENTS = ("after_findings", "before_annex", "annex")

# Reader texts; marked with N_ for the catalog and translated where they are shown.
TIER_NOTES = {
    "A": N_("the thesis's own case: its findings apply directly"),
    "B": N_("a former Soviet republic sharing about seven decades of command economy: the thesis's "
         "mechanisms are expected to apply, but local evidence must confirm each one"),
    "C": N_("a contrast case (about five decades of Soviet rule and an older market memory): the "
         "thesis's claims are tested here and confidence is lower"),
    "D": N_("a post-socialist economy that was never part of the USSR: the thesis applies by analogy only"),
    "E": N_("a gradualist, state-led economy with more bargaining power: a contrast, at low confidence"),
}

DIRECTION_KINDS = {
    "T7": N_("the thesis's own recommendation"),
    "Tch": N_("from the thesis's chapter findings"),
    "Tint": N_("an interviewee's proposal the thesis reports"),
    "KE": N_("implied by the thesis's argument"),
    "Tch/KE": N_("from the chapter findings, partly implied"),
}

LAYER_LABELS = {
    "context": N_("context"),
    "policy": N_("policy choice"),
    "mechanism": N_("mechanism"),
    "manifestation": N_("manifestation"),
    "diagnosis": N_("systemic problem"),
}



class Model(Deferred):
    """Validator and serialiser built when a class is first used (record_base.Deferred): a
    brief of one country never builds the comparison's, and a comparison never the brief's."""

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
    source: str = Field(default="", description="Whose finding this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


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
    source: str = Field(default="", description="Whose finding this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


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
    source: str = Field(default="", description="Whose finding this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


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
    source: str = Field(default="", description="Whose direction this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


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
    indicators: list[str] = Field(description="Ids of the indicators it concerns.")
    affects: list[str] = Field(default_factory=list, description="The same indicators, by their labels.")


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
    """A section a plugin added (hook diagnostics_brief_sections): Markdown, raw HTML off."""

    id: str
    title: str
    paragraphs: list[str]
    body: str = Field(description="The section's Markdown source, rendered by markdown-it with raw HTML "
                                  "switched off.")
    placement: Literal["after_findings", "before_annex", "annex"]
    provided_by: str
    plugin_title: str = Field("", description="The plugin's name for readers in the brief's language, as the "
                                              "plugin translates it; made from its name otherwise.")


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


class PluginSources(Model):
    """What a plugin's own findings and directions cite: kept apart from the thesis's citations."""

    plugin: str = Field(description="The plugin's name, e.g. 'mongolia'.")
    label: str = Field(description="How readers see it, e.g. 'Mongolia plugin (its bibliography)'.")
    citations: list[str] = Field(description="Its citations: bibliography keys ('[key] p.12') and any thesis "
                                             "passage it draws an analogy with.")
    bibliography: list[str] = Field(description="The entries of its bibliography those keys name: "
                                                "'[key] Author (year), Title, Publisher'.")


class References(Model):
    thesis: list[str] = Field(description="Thesis citations of the thesis's own findings and directions, in "
                                          "thesis order.")
    plugins: list[PluginSources] = Field(default_factory=list,
                                         description="Sources of plugins' own findings and directions, per plugin.")
    sources: list[SourceRef] = Field(description="Sources of the answers used.")


# ---------------------------------------------------------------------------------------
# The two-page brief: key messages with their facts, root causes, priorities, questions.

class Fact(Model):
    """A decisive answer behind a finding, as a reader can repeat it in a hearing."""

    indicator: str
    label: str = Field(description="The indicator's plain-language label.")
    value_text: str = Field(description="The answer in words, with its unit.")
    source: str = Field(description="Where the answer comes from, shortened for the reader.")
    as_of: int | None = Field(description="Year the answer refers to, if recorded.")


class KeyMessage(Model):
    """A finding stated for the committee: what, the facts that decide it, what it means."""

    finding: str = Field(description="Id of the diagnosis (empty for a message about missing evidence or one "
                                      "that groups several diagnoses).")
    findings: list[str] = Field(default_factory=list, description=(
        "Ids of the diagnoses a message groups, in the order of its facts (one fact each); empty otherwise."))
    statement: str = Field(description="The finding in one sentence, with its confidence.")
    facts: list[Fact] = Field(description="The decisive answers (numbers first), at most two; one per diagnosis "
                                          "in a message that groups several.")
    meaning: str = Field(description="What the finding means for the committee.")
    source: str = Field(default="", description="Whose finding this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


class RootCause(Model):
    """A root cause in one short paragraph."""

    id: str
    title: str
    confidence: str | None
    paragraph: str
    source: str = Field(default="", description="Whose finding this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


class Priority(Model):
    """A ranked policy direction of the brief: at most five, each with its caveat."""

    id: str
    rank: int
    title: str
    summary: str = Field(description="The direction in one sentence.")
    caveat: str
    addresses: list[Ref] = Field(description="The diagnoses it addresses.")
    confidence: str | None = Field(description="The highest confidence among the diagnoses it addresses.")
    source: str = Field(default="", description="Whose direction this is when a plugin provides it, e.g. "
                                                "'Mongolia plugin (its bibliography)'; empty for the thesis's own.")


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
    key_messages: list[KeyMessage] = Field(description="Three to five findings with their facts (the brief).")
    root_causes: list[RootCause] = Field(description="Each root cause in one paragraph (the brief).")
    priorities: list[Priority] = Field(description="At most five directions, ranked (the brief).")
    hearing_questions: list[str] = Field(description="Four to six questions for the hearing (the brief).")
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
    to_decide: list[IndicatorNeed] = Field(default_factory=list, description=(
        "Unanswered questions that could decide its diagnoses that could not be assessed (the fewest found "
        "for each, merged); empty when every one was assessed or the profile is not available."))


class Cell(Model):
    status: str
    confidence: str | None
    answers_short: int | None = Field(default=None, description=(
        "When not assessable: the fewest further answers that could decide it (None when no answers can, "
        "or the profile is not available)."))


class CountryFact(Fact):
    """A decisive answer of one country, set beside the other countries' answers to the same question."""

    country: str = Field(description="ISO code of the country whose answer it is.")
    country_name: str


class ComparisonMessage(Model):
    """A key message of a comparison: a difference, a shared finding or a gap, with its figures."""

    kind: Literal["differs", "shared", "found", "gap", "dates", "scope", "evidence"] = Field(description=(
        "differs: countries that could be assessed disagree; shared: found wherever assessed (two countries "
        "at least); found: found in one country and assessable in no other; gap: nothing can be concluded "
        "for a country; dates: evidence of different years; scope: countries outside the thesis's core; "
        "evidence: a general caution."))
    rows: list[str] = Field(description="Ids of the diagnoses it is about (in matrix order).")
    statement: str
    facts: list[CountryFact] = Field(description="The same question answered in each country, side by side.")
    meaning: str = Field(description="What follows for the committee.")


class ComparisonRow(Model):
    id: str
    title: str
    role: str
    tag: str = Field(default="", description="'root cause' for a root cause whose title does not say so already; "
                                             "empty otherwise.")
    cells: list[Cell] = Field(description="One per country, in column order.")
    differs: bool = Field(description="Countries where it could be assessed disagree (found, not found, confidence).")
    coverage_gap: bool = Field(description="It differs only because some country lacks the answers to decide "
                                           "it: absence of evidence, not a difference.")


class ComparisonContext(Model):
    """Everything a comparison brief template receives (as `brief`)."""

    model_config = ConfigDict(
        extra="forbid",
        title="ComparisonContext",
        json_schema_extra={"$id": COMPARISON_SCHEMA_ID,
                           "$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_version: int = COMPARISON_SCHEMA_VERSION
    meta: BriefMeta
    key_messages: list[ComparisonMessage] = Field(description=(
        "Three to five: real differences and shared findings with their figures, coverage gaps with what "
        "would decide them, evidence of different years."))
    countries: list[CountryColumn]
    rows: list[ComparisonRow]
    problems_found: int = Field(description="Diagnoses found in at least one country.")
    priorities: list[Priority] = Field(description=(
        "At most five directions, ranked as in the single brief: by how many of the problems found in any "
        "country they address, then by the (highest) confidence of those findings."))
    directions: list[DirectionEntry] = Field(description="Directions for diagnoses fired in any country.")
    universal_caveats: list[str]
    not_assessable: dict[str, list[Undecided]] = Field(description="Country code -> undecided diagnoses.")
    references: References


