"""Build the `ComparisonContext` of several assessments (`diagnose brief --compare KZ KG EE`).

A difference between countries counts only where each could be assessed: a problem that is
found in one country and could not be assessed in another is a coverage gap (absence of
evidence), reported as such, never as a difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from diagnostics.analysis.compare import Cell as StatusCell
from diagnostics.analysis.compare import Row
from diagnostics.assessment import Assessment
from diagnostics.evaluator import Status
from diagnostics.i18n import N_, _, country_name, ngettext
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS
from diagnostics.profile import Profile

from .builder import direction_entry, reader_names, undecided_diagnoses
from .model import BriefMeta, Cell, ComparisonContext, ComparisonRow, CountryColumn, Ref, References
from .wording import join, lower_first, sort_citations, tier_note

UNASSESSED = ("not_assessable", "not_in_knowledge_base")


def comparison_row(kb: KnowledgeBase, rule_id: str, cells: Sequence[Cell]) -> ComparisonRow:
    """A row of the matrix, judged by the analysis core's comparison row (one definition of a
    difference and of a coverage gap for the CLI, the TUI and the briefs)."""
    rule = kb.rules[rule_id]
    judged = Row(rule_id, rule.title, rule.layer.value, rule.severity.value,
                 [StatusCell(Status.NOT_ASSESSABLE if c.status in UNASSESSED else Status(c.status), c.confidence)
                  for c in cells])
    return ComparisonRow(id=rule_id, title=rule.title, role=rule.role or "diagnosis", cells=list(cells),
                         differs=judged.differs_where_decided, coverage_gap=judged.evidence_gap_only)


def build_comparison(
    items: Sequence[tuple[Assessment, Profile | None]],
    kb: KnowledgeBase,
    *,
    audience: str = N_("Committee members and staff"),
    unit: str = N_("Committee briefing staff"),
    title: str | None = None,
    date: dt.date | None = None,
) -> ComparisonContext:
    """A side-by-side brief: which diagnoses hold in which country, and how surely."""
    from diagnostics import __version__

    countries = []
    for a, _profile in items:
        family = kb.families.get(a.family)
        countries.append(CountryColumn(
            country=a.country, name=country_name(a.country, a.name), family=a.family,
            family_name=family.name if family else a.family,
            tier=a.tier, tier_note=tier_note(a.tier),
            as_of=a.as_of, fired=sum(1 for f in a.diagnoses() if f.status is Status.FIRED),
            not_assessable=sum(1 for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE),
            imaginaries=len(a.imaginaries), knowledge_base=a.audit.knowledge_base, profile=a.audit.profile))
    from diagnostics.assessment import ROLE_ORDER

    dx_ids = sorted((r.id for r in kb.diagnoses()), key=lambda r: (ROLE_ORDER.get(kb.rules[r].role, 4), r))
    rows = []
    for rid in dx_ids:
        cells = []
        for a, _profile in items:
            try:
                f = a.finding(rid)
                cells.append(Cell(status=f.status.value, confidence=f.confidence))
            except KeyError:
                cells.append(Cell(status="not_in_knowledge_base", confidence=None))
        rows.append(comparison_row(kb, rid, cells))

    names = [c.name for c in countries]
    everywhere = [r for r in rows if all(c.status == "fired" for c in r.cells)]
    split = [r for r in rows if r.differs and any(c.status == "fired" for c in r.cells)]
    messages = []
    if everywhere:
        more = " " + _("and {n} more").format(n=len(everywhere) - 3) if len(everywhere) > 3 else ""
        messages.append(ngettext("{n} systemic problem holds in all of {countries}: {titles}{more}.",
                                 "{n} systemic problems hold in all of {countries}: {titles}{more}.",
                                 len(everywhere)).format(
            n=len(everywhere), countries=join(names), more=more,
            titles="; ".join(lower_first(r.title) for r in everywhere[:3])))
    if split:
        messages.append(ngettext("{n} differs between the countries where the evidence allows a judgement; "
                                 "the table shows where it was found or ruled out.",
                                 "{n} differ between the countries where the evidence allows a judgement; "
                                 "the table shows where each was found or ruled out.", len(split)).format(n=len(split)))
    gap_only = [r for r in rows if r.coverage_gap]
    if gap_only:
        short = [c.name for i, c in enumerate(countries) if any(r.cells[i].status in UNASSESSED for r in gap_only)]
        messages.append(ngettext("For {n} problem the only difference is missing answers ({countries}): "
                                 "a coverage gap, not a difference between the countries.",
                                 "For {n} problems the only difference is missing answers ({countries}): "
                                 "a coverage gap, not a difference between the countries.",
                                 len(gap_only)).format(n=len(gap_only), countries=join(short)))
    lowest = [c for c in countries if c.tier in ("C", "D", "E")]
    if lowest:
        messages.append(_("{countries} lie outside the thesis's core population: findings there test the thesis "
                          "rather than apply it.").format(countries=join([c.name for c in lowest])))
    if not gap_only:
        messages.append(_("Differences in evidence, not only in reality, can drive differences in findings."))

    responds: dict[str, list[Ref]] = {}
    for r in rows:
        if any(c.status == "fired" for c in r.cells):
            for did in kb.rules[r.id].directions:
                responds.setdefault(did, []).append(Ref(id=r.id, title=r.title))
    reader = reader_names(kb)
    directions = [direction_entry(kb, did, targets, reader) for did, targets in responds.items()
                  if did in kb.directions]
    undecided = {a.country: undecided_diagnoses(a, kb) for a, _ in items}
    cites = [c for r in rows if any(x.status == "fired" for x in r.cells) for c in kb.rules[r.id].citations]
    today = date or dt.datetime.now(dt.UTC).date()
    meta = BriefMeta(
        title=title or _("Systemic problems of transition compared: {countries}").format(countries=join(names)),
        country="+".join(c.country for c in countries), country_name=join(names),
        date=today.isoformat(), as_of=None, audience=_(audience), issuing_unit=_(unit),
        generator=f"policy-diagnostics {__version__}",
    )
    return ComparisonContext(
        meta=meta, key_messages=messages[:5], countries=countries, rows=rows, directions=directions,
        universal_caveats=[_(c) for c in UNIVERSAL_CAVEATS], not_assessable=undecided,
        references=References(thesis=sort_citations(cites + [c for d in directions for c in d.citations]),
                              sources=[]),
    )
