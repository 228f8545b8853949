"""Build the `BriefContext` of one assessment (the model is in reports.model).

An `Assessment` (plus the knowledge base, the profile and the plugin registry) becomes a
`BriefContext`; the brief, the full report and the JSON are all rendered from it alone.
Every text meant for a reader passes through `wording.plain`, so ids and design-rule codes
never reach the committee. The two-page brief's parts (key messages with their facts, root
causes, ranked directions, hearing questions) are chosen in reports.summary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from diagnostics.answers import format_value
from diagnostics.assessment import Assessment, FindingResult, TraceStep
from diagnostics.citations import parse_citation
from diagnostics.evaluator import Status
from diagnostics.i18n import N_, _, country_name
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS
from diagnostics.profile import Profile
from diagnostics.provenance import plugin_of, plugin_title, source_label

from . import summary
from .model import (
    DIRECTION_KINDS,
    AnswerUsed,
    BriefContext,
    BriefMeta,
    CaseOf,
    CausalGraph,
    Caution,
    Chain,
    ChainLink,
    DataQuality,
    DiagnosisEntry,
    DirectionEntry,
    ExtraSection,
    GraphEdge,
    GraphNode,
    IndicatorNeed,
    Method,
    NodeEntry,
    PluginSources,
    PluginUsed,
    QuestionGroup,
    Ref,
    References,
    SetAside,
    SourceRef,
    StoryPart,
    Undecided,
)
from .wording import indicator_label, plain, plain_with, sort_citations, tier_note

if TYPE_CHECKING:
    from diagnostics.registry import Registry


def reader_names(kb: KnowledgeBase) -> dict[str, str]:
    """Ids a knowledge-base text may mention, mapped to what a reader calls them."""
    names = {i.id: indicator_label(i, i.id) for i in kb.indicators.values()}
    names.update({r.id: r.title for r in kb.rules.values()})
    names.update({d.id: d.title for d in kb.directions.values()})
    return names


def answers_used(steps: Iterable[TraceStep], kb: KnowledgeBase, profile: Profile | None) -> list[AnswerUsed]:
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
            name=indicator_label(spec, s.indicator),
            topic=spec.topic if spec else "",
            question=spec.question if spec else s.indicator,
            value=s.value,
            value_text=format_value(s.value, "reader", spec),
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


def source_of(plugin: str) -> str:
    """A plugin's own record is labelled as the plugin's ('Mongolia plugin (its bibliography)');
    the thesis's own records carry no label."""
    return source_label(plugin) if plugin else ""


def direction_entry(kb: KnowledgeBase, did: str, targets: list[Ref], names: Mapping[str, str]) -> DirectionEntry:
    spec = kb.directions[did]
    source = source_of(plugin_of(spec.provided_by))
    # The kinds (T7, Tch, ...) say where in the thesis a direction comes from: not for a plugin's.
    kind_note = source or (_(DIRECTION_KINDS[spec.kind]) if spec.kind in DIRECTION_KINDS else spec.kind)
    return DirectionEntry(id=did, title=spec.title, text=plain(spec.text, names),
                          caveats=[plain(c, names) for c in spec.caveats], kind=spec.kind, kind_note=kind_note,
                          audience=spec.audience, responds_to=targets, citations=list(spec.citations), source=source)


def plugin_sources(kb: KnowledgeBase, registry: Registry | None,
                   entries: Iterable[DiagnosisEntry | NodeEntry | DirectionEntry]) -> list[PluginSources]:
    """The citations of plugins' own findings and directions, per plugin, with the entries of
    its bibliography they name (when the registry is known)."""
    cited: dict[str, list[str]] = {}
    for e in entries:
        record = kb.directions.get(e.id) if isinstance(e, DirectionEntry) else kb.rules.get(e.id)
        plugin = plugin_of(record.provided_by) if record is not None else ""
        if plugin:
            cited.setdefault(plugin, []).extend(e.citations)
    out = []
    for plugin, citations in cited.items():
        books = []
        for c in sort_citations(citations):
            try:
                key = parse_citation(c).key
            except ValueError:
                continue
            book = registry.bibliography.get(f"{plugin}:{key}") if registry is not None and key else None
            if book is not None:
                year = f" ({book.year})" if book.year else ""
                books.append(", ".join(x for x in (f"[{book.key}] {book.author}{year}".strip(), book.title,
                                                   book.publisher) if x))
        out.append(PluginSources(plugin=plugin, label=source_label(plugin), citations=sort_citations(citations),
                                 bibliography=list(dict.fromkeys(books))))
    return out


def undecided_diagnoses(a: Assessment, kb: KnowledgeBase) -> list[Undecided]:
    """Diagnoses that could not be assessed, with the unanswered indicators that would decide them."""
    return [
        Undecided(id=f.rule, title=f.title, missing_evidence=list(f.missing_evidence),
                  deciding=[IndicatorNeed(id=i, question=kb.indicators[i].question,
                                          evidence_kind=kb.indicators[i].evidence_kind.value)
                            for i in a.coverage.per_diagnosis.get(f.rule, f.missing) if i in kb.indicators])
        for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE
    ]


def _plugin_sections(a: Assessment, registry: Registry | None, notices: list[str]) -> list[ExtraSection]:
    """Sections of the plugins in scope of this country, validated by the registry."""
    if registry is None:
        return []
    sections, problems = registry.brief_sections(a)
    notices.extend(problems)
    return [ExtraSection(id=s.id, title=s.title, body=s.body, placement=s.placement,  # type: ignore[arg-type]
                         paragraphs=[" ".join(p.split()) for p in re.split(r"\n\s*\n", s.body) if p.strip()],
                         provided_by=s.provided_by, plugin_title=plugin_title(s.provided_by.split(" ", 1)[0]))
            for s in sections]


def build_context(
    assessment: Assessment,
    kb: KnowledgeBase,
    profile: Profile | None = None,
    registry: Registry | None = None,
    *,
    audience: str = N_("Committee members and staff"),
    unit: str = N_("Committee briefing staff"),
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

        raise DataError(_("the assessment names rules the knowledge base lacks: {rules} (assessed with another "
                          "knowledge base?)").format(rules=", ".join(unknown_rules[:5])))
    if a.audit.knowledge_base != kb.digest:
        notes.append(_("the assessment used knowledge base {used}; texts come from the loaded one ({loaded})")
                     .format(used=a.audit.knowledge_base, loaded=kb.digest))
    by_id = {f.rule: f for f in a.findings if f.status is Status.FIRED}
    names = reader_names(kb)
    say = plain_with(names)  # plain(text, names), each text worked out once
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
                context.append(ChainLink(id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence,
                                         source=source_of(n.plugin)))
            if not _shown(n) or n.layer not in links:
                continue
            feeds.setdefault(n.rule, []).append(dx_ref(f.rule))
            links[n.layer].append(ChainLink(id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence,
                                            source=source_of(n.plugin)))
        built_on = [dx_ref(p) for p in _premises(f) if p in number]
        chain = Chain(manifestations=links["manifestation"], mechanisms=links["mechanism"],
                      policies=links["policy"], diagnoses=built_on, context=context,
                      size=sum(len(v) for v in links.values()) + len(built_on))
        diagnoses.append(DiagnosisEntry(
            id=f.rule, number=number[f.rule], title=f.title, role=f.role or "diagnosis",
            theme=f.theme, function=f.function, severity=f.severity,
            story=say(rule.story), mechanism=say(rule.mechanism),
            evidence=answers_used(f.trace, kb, profile), supporting=list(f.supporting),
            confidence=f.confidence, confidence_reasons=[say(r) for r in f.confidence_reasons],
            contrasts=[say(x) for x in rule.counter_examples],
            directions=[Ref(id=x, title=kb.directions[x].title) for x in f.directions if x in kb.directions],
            questions=[say(q) for q in rule.questions], citations=list(f.citations), chain=chain,
            source=source_of(f.plugin),
        ))

    nodes = [
        NodeEntry(
            id=n.rule, title=n.title, layer=n.layer, confidence=n.confidence,
            confidence_reasons=[say(r) for r in n.confidence_reasons],
            story=say(kb.rules[n.rule].story), mechanism=say(kb.rules[n.rule].mechanism),
            feeds=feeds[n.rule],
            builds_on=[_ref(by_id[p]) for p in _premises(n) if p in by_id and _shown(by_id[p])],
            evidence=answers_used(n.trace, kb, profile), citations=list(n.citations), source=source_of(n.plugin),
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
    directions = [direction_entry(kb, did, targets, names) for did, targets in responds.items() if did not in missing]
    undecided = undecided_diagnoses(a, kb)

    family = kb.families.get(a.family)
    case = CaseOf(
        family=a.family, family_name=family.name if family else (a.family or _("no family")),
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
        # The caution's id and the indicator ids are kept for tools; readers get words and labels.
        cautions = [Caution(id=c.id, text=say(c.text), source=c.source, indicators=list(c.indicators),
                            affects=[names.get(i, i) for i in c.indicators])
                    for c in profile.data_cautions]
        for ind_id, answer in profile.answers.items():
            ind = kb.indicators.get(ind_id)
            if ind is None or not answer.known or not (ind.benchmark or ind.display_only):
                continue
            reason = (_("a benchmark against developed economies: it may raise confidence, never "
                        "trigger a finding") if ind.benchmark else
                      _("display only: recorded for the reader, never used by a rule"))
            set_aside.append(SetAside(indicator=ind_id, question=ind.question,
                                      value_text=format_value(answer.value, "reader", ind), source=answer.source,
                                      as_of=answer.as_of, reason=reason))
    else:
        notes.append(_("built from an assessment file without its profile: answer notes, data "
                       "cautions and set-aside figures are not shown"))
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
    entries: list[DiagnosisEntry | NodeEntry | DirectionEntry] = [*diagnoses, *nodes, *directions]
    references = References(
        thesis=sort_citations(x for e in entries if not e.source for x in e.citations),
        plugins=plugin_sources(kb, registry, entries),
        sources=_sources(all_answers),
    )

    today = date or dt.datetime.now(dt.UTC).date()
    meta = BriefMeta(
        title=title or _("Systemic problems of transition: {country}").format(
            country=country_name(a.country, a.name)),
        country=a.country, country_name=country_name(a.country, a.name), date=today.isoformat(), as_of=a.as_of,
        audience=_(audience), issuing_unit=_(unit), generator=f"policy-diagnostics {__version__}",
    )
    ranked = summary.priorities(diagnoses, directions)
    return BriefContext(
        meta=meta,
        key_messages=summary.key_messages(a, kb, profile, diagnoses, undecided, by_id, ranked),
        root_causes=summary.root_causes(a, diagnoses, by_id),
        priorities=ranked,
        hearing_questions=summary.hearing_questions(diagnoses, undecided),
        case=case,
        diagnoses=diagnoses,
        nodes=nodes,
        directions=directions,
        universal_caveats=[_(c) for c in UNIVERSAL_CAVEATS],
        questions=[QuestionGroup(finding=d.id, title=d.title, questions=d.questions)
                   for d in diagnoses if d.questions],
        not_assessable=undecided,
        data_quality=data_quality,
        sections=sections,
        graph=graph,
        method=method,
        references=references,
    )


