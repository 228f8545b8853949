"""Build the `ComparisonContext` of several assessments (`diagnose brief --compare KZ KG EE`).

A difference between countries counts only where each could be assessed: a problem that is
found in one country and could not be assessed in another is a coverage gap (absence of
evidence), reported as such, never as a difference.

The key messages (at most five), in this order: real differences (countries that could be
assessed disagree), each pattern with the same question answered in each country side by
side; problems found wherever they could be assessed, with their figures; per country, what
cannot be concluded for want of answers and how few answers could decide it; evidence of
different years; countries outside the thesis's core. Directions are ranked as in the single
brief (`summary.priorities`). Nothing is chosen per country.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from diagnostics.analysis.compare import Cell as StatusCell
from diagnostics.analysis.compare import Row, decisive_indicators
from diagnostics.answers import format_value
from diagnostics.assessment import Assessment, validate_answers
from diagnostics.coverage import diagnosis_coverage
from diagnostics.evaluator import Status
from diagnostics.i18n import N_, _, country_name, ngettext
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import UNIVERSAL_CAVEATS, IndicatorType
from diagnostics.profile import Profile

from .builder import direction_entry, reader_names, undecided_diagnoses
from .model import (
    BriefMeta,
    Cell,
    ComparisonContext,
    ComparisonMessage,
    ComparisonRow,
    CountryColumn,
    CountryFact,
    IndicatorNeed,
    Ref,
    References,
)
from .summary import CONFIDENCE_RANK, MAX_MESSAGES, priorities
from .wording import capfirst, indicator_label, join, lower_first, short_source, sort_citations, tier_note

UNASSESSED = ("not_assessable", "not_in_knowledge_base")
TITLES_NAMED = 3
# The order a message is kept in when there are more than five (differences matter most).
KEEP_ORDER = {"differs": 0, "gap": 1, "dates": 2, "shared": 3, "found": 4, "scope": 5, "evidence": 6}
SHOW_ORDER = {"differs": 0, "shared": 1, "found": 2, "gap": 3, "dates": 4, "scope": 5, "evidence": 6}
_QUANTITATIVE = (IndicatorType.SHARE, IndicatorType.NUMBER)


def comparison_row(kb: KnowledgeBase, rule_id: str, cells: Sequence[Cell]) -> ComparisonRow:
    """A row of the matrix, judged by the analysis core's comparison row (one definition of a
    difference and of a coverage gap for the CLI, the TUI and the briefs)."""
    rule = kb.rules[rule_id]
    judged = Row(rule_id, rule.title, rule.layer.value, rule.severity.value,
                 [StatusCell(Status.NOT_ASSESSABLE if c.status in UNASSESSED else Status(c.status), c.confidence)
                  for c in cells])
    role = rule.role or "diagnosis"
    # A root cause is tagged in the matrix unless its title says so already.
    named = "root" in rule.title.lower() or _("root cause") in rule.title.lower()
    return ComparisonRow(id=rule_id, title=rule.title, role=role,
                         tag=_("root cause") if role == "root_cause" and not named else "", cells=list(cells),
                         differs=judged.differs_where_decided, coverage_gap=judged.evidence_gap_only)


SOURCE_CHARS = 60


def brief_source(source: str) -> str:
    """A source short enough to sit beside another country's: its first part (outside brackets),
    then its issuer alone when that is still long (before a bracket or a quoted title), cut at
    a word within SOURCE_CHARS; each country's full report gives it in full."""
    text = short_source(source)
    depth = 0
    for n, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == ";" and depth == 0:
            text = text[:n]
            break
    if len(text) > SOURCE_CHARS:
        cuts = [n for n in (text.find(" ("), text.find(", '"), text.find(', "'), text.find(", ‘")) if n >= 12]
        if cuts:
            text = text[:min(cuts)]
    if len(text) > SOURCE_CHARS:
        text = text[:SOURCE_CHARS].rsplit(" ", 1)[0].rstrip(",;:('\"") + "…"
    if text.count("(") > text.count(")"):  # cut inside a bracket: close it
        text += ")" * (text.count("(") - text.count(")"))
    return text


class _Country:
    """One column's assessment with what the figures are drawn from (when its profile is known)."""

    def __init__(self, kb: KnowledgeBase, assessment: Assessment, profile: Profile | None) -> None:
        self.assessment, self.profile = assessment, profile
        self.name = country_name(assessment.country, assessment.name)
        self.values = validate_answers(profile, kb) if profile is not None else None
        self._kb = kb
        self._outcomes: Mapping[str, Any] | None = None
        # open diagnosis -> the fewest further answers that could decide it (None: no answers can)
        self.needs: dict[str, list[str] | None] = {}

    def decisive(self, rule_id: str) -> list[str]:
        """The answered indicators that settle the rule here (empty without the profile)."""
        if self.values is None:
            return []
        if self._outcomes is None:
            self._outcomes = self._kb.logic.outcomes(self.values)
        return [i for i in decisive_indicators(self._kb, rule_id, self._outcomes) if self.answered(i)]

    def answered(self, indicator: str) -> bool:
        return (self.values is not None and indicator in self.values and indicator in self.values.answers
                and not self.values.answers[indicator].unknown)

    def own_facts(self, kb: KnowledgeBase, rows: Sequence[ComparisonRow], limit: int) -> list[CountryFact]:
        """The decisive facts of findings of this country alone, chosen as the single brief chooses
        them (numbers first, circumstances last), one per finding."""
        from .builder import answers_used
        from .summary import decisive_facts

        by_id = {f.rule: f for f in self.assessment.findings if f.status is Status.FIRED}
        answers = {u.indicator: u for f in by_id.values() for u in answers_used(f.trace, kb, self.profile)}
        out: list[CountryFact] = []
        for r in rows:
            if len(out) >= limit:
                break
            facts = decisive_facts(by_id[r.id], kb, by_id, answers, {f.indicator for f in out}, 1)
            out += [CountryFact(**{**f.model_dump(), "source": self.source(kb, f.indicator, f.source)},
                                country=self.assessment.country, country_name=self.name) for f in facts]
        return out

    def source(self, kb: KnowledgeBase, indicator: str, recorded: str) -> str:
        """Where an answer comes from, short; a survey measure standing in for the indicator is
        named by its label (the recorded text is the core's, in English)."""
        answer = self.values.answers.get(indicator) if self.values is not None else None
        if answer is not None and answer.proxy and answer.proxy in kb.indicators:
            measure = indicator_label(kb.indicators[answer.proxy], answer.proxy)
            return _("survey stand-in: {measure}").format(measure=lower_first(measure))
        return brief_source(recorded)

    def fact(self, kb: KnowledgeBase, indicator: str) -> CountryFact:
        assert self.values is not None
        answer, spec = self.values.answers[indicator], kb.indicators[indicator]
        return CountryFact(indicator=indicator, label=indicator_label(spec, indicator),
                           value_text=format_value(answer.value, "reader", spec),
                           source=self.source(kb, indicator, answer.source),
                           as_of=answer.as_of, country=self.assessment.country, country_name=self.name)


def _side_by_side(kb: KnowledgeBase, rows: Sequence[ComparisonRow], columns: Sequence[_Country],
                  where: Sequence[int], limit: int) -> list[CountryFact]:
    """The same question answered in each of the `where` countries, for up to `limit` questions
    (one per row): a question that decides the row in all of them first, figures first, and
    for a difference, answers that differ."""
    out: list[CountryFact] = []
    taken: set[str] = set()
    for r in rows:
        if len(taken) >= limit:
            break
        decisive = [columns[i].decisive(r.id) for i in where]
        candidates: list[tuple[tuple[int, int, int, int, int], str]] = []
        for order, ind in enumerate(dict.fromkeys(i for d in decisive for i in d)):
            if ind in taken or ind not in kb.indicators or not all(columns[i].answered(ind) for i in where):
                continue
            spec = kb.indicators[ind]
            assert all(columns[i].values is not None for i in where)
            same = len({repr(columns[i].values[ind]) for i in where}) == 1  # type: ignore[index]
            kind = 0 if spec.type in _QUANTITATIVE else 1 if spec.type is IndicatorType.RANK_FRAC else 2
            everywhere = 0 if all(ind in d for d in decisive) else 1
            undated = int(any(not columns[i].values.answers[ind].as_of for i in where))  # type: ignore[union-attr]
            candidates.append(((int(same and r.differs), everywhere, kind, undated, order), ind))
        if candidates:
            ind = min(candidates)[1]
            taken.add(ind)
            out += [columns[i].fact(kb, ind) for i in where]
    return out


def _titles(rows: Sequence[ComparisonRow]) -> str:
    more = " " + _("and {n} more").format(n=len(rows) - TITLES_NAMED) if len(rows) > TITLES_NAMED else ""
    return "; ".join(lower_first(r.title) for r in rows[:TITLES_NAMED]) + more


def _messages(kb: KnowledgeBase, rows: Sequence[ComparisonRow], columns: Sequence[_Country],
              countries: Sequence[CountryColumn]) -> list[ComparisonMessage]:
    names = [c.name for c in countries]
    per_question = 2 if len(countries) == 2 else 1  # figures to set side by side in one message
    out: list[ComparisonMessage] = []

    def decided(r: ComparisonRow) -> list[int]:
        return [i for i, c in enumerate(r.cells) if c.status not in UNASSESSED]

    # Real differences, one message per pattern (who found it, who ruled it out).
    patterns: dict[tuple[str | None, ...], list[ComparisonRow]] = {}
    for r in rows:
        if r.differs:
            key = tuple(None if c.status in UNASSESSED else "fired" if c.status == "fired" else "absent"
                        for c in r.cells)
            patterns.setdefault(key, []).append(r)
    for key, group in patterns.items():
        found = [names[i] for i, s in enumerate(key) if s == "fired"]
        absent = [names[i] for i, s in enumerate(key) if s == "absent"]
        where = [i for i, s in enumerate(key) if s is not None]
        if absent and found:
            statement = ngettext("{n} problem is found in {found} and ruled out in {absent}: {titles}.",
                                 "{n} problems are found in {found} and ruled out in {absent}: {titles}.",
                                 len(group)).format(n=len(group), found=join(found), absent=join(absent),
                                                    titles=_titles(group))
        else:
            first = group[0]
            levels = join([f"{names[i]} {_(level) if (level := first.cells[i].confidence) else _('not rated')}"
                           for i in where])
            statement = ngettext("{n} problem is found in {found} with different confidence ({levels}): {titles}.",
                                 "{n} problems are found in {found} with different confidence ({levels} for the "
                                 "first): {titles}.", len(group)).format(
                n=len(group), found=join(found), levels=levels, titles=_titles(group))
        out.append(ComparisonMessage(
            kind="differs", rows=[r.id for r in group], statement=statement,
            facts=_side_by_side(kb, group, columns, where, per_question),
            meaning=_("Each country's own answers decide it: a difference between the countries, not in what is "
                      "known about them.")))

    # Problems found wherever they could be assessed (in two countries at least).
    shared = [r for r in rows if not r.differs and len(decided(r)) >= 2
              and all(r.cells[i].status == "fired" for i in decided(r))]
    if shared:
        everywhere = all(len(decided(r)) == len(countries) for r in shared)
        where = sorted({i for r in shared for i in decided(r)})
        statement = (ngettext("{n} problem is found in each of {countries}: {titles}.",
                              "{n} problems are found in each of {countries}: {titles}.", len(shared))
                     if everywhere else
                     ngettext("{n} problem is found in every country where it could be assessed ({countries}): "
                              "{titles}.",
                              "{n} problems are found in every country where they could be assessed "
                              "({countries}): {titles}.", len(shared)))
        common = [r for r in shared if all(i in decided(r) for i in where)]
        out.append(ComparisonMessage(
            kind="shared", rows=[r.id for r in shared],
            statement=statement.format(n=len(shared), countries=join([names[i] for i in where]),
                                       titles=_titles(shared)),
            facts=_side_by_side(kb, common, columns, where, per_question),
            meaning=_("Each finding rests on that country's own answers, not on the other's.")))

    # Problems found in one country only, where no other could be assessed: what holds there,
    # with its figures; it cannot yet be set against the others.
    for i, c in enumerate(countries):
        alone = [r for r in rows if decided(r) == [i] and r.cells[i].status == "fired"]
        if not alone or any(m.kind in ("differs", "shared") for m in out):
            continue
        confidences = [r.cells[i].confidence for r in alone]
        top = max((lvl for lvl in confidences if lvl), key=lambda lvl: CONFIDENCE_RANK.get(lvl, 0), default=None)
        surest = sum(1 for lvl in confidences if lvl == top)
        if top and surest == len(alone):
            statement = ngettext("{n} problem is found in {country}, with {level} confidence: {titles}.",
                                 "{n} problems are found in {country}, all with {level} confidence: {titles}.",
                                 len(alone))
        elif top:
            statement = ngettext("{n} problem is found in {country}, {m} of them with {level} confidence: {titles}.",
                                 "{n} problems are found in {country}, {m} of them with {level} confidence: "
                                 "{titles}.", len(alone))
        else:
            statement = ngettext("{n} problem is found in {country}: {titles}.",
                                 "{n} problems are found in {country}: {titles}.", len(alone))
        out.append(ComparisonMessage(
            kind="found", rows=[r.id for r in alone],
            statement=statement.format(n=len(alone), country=c.name, m=surest, level=_(top) if top else "",
                                       titles=_titles(alone)),
            facts=columns[i].own_facts(kb, alone, 2),
            meaning=ngettext("It cannot yet be set against {others}, where it could not be assessed.",
                             "They cannot yet be set against {others}, where they could not be assessed.",
                             len(alone)).format(others=join([names[j] for j in range(len(countries)) if j != i]))))

    # What cannot be concluded for want of answers, per country, and how close it is.
    for i, c in enumerate(countries):
        open_rows = [r for r in rows if r.cells[i].status in UNASSESSED and any(
            j != i and x.status not in UNASSESSED for j, x in enumerate(r.cells))]
        if not open_rows:
            continue
        others = [names[j] for j in range(len(countries))
                  if j != i and any(r.cells[j].status not in UNASSESSED for r in open_rows)]
        statement = ngettext(
            "Nothing can be concluded about {country} on {n} problem assessed in {others}: answers are missing.",
            "Nothing can be concluded about {country} on {n} problems assessed in {others}: answers are missing.",
            len(open_rows)).format(country=c.name, n=len(open_rows), others=join(others))
        short = [n for r in open_rows if (n := r.cells[i].answers_short) is not None]
        needed = {q for r in open_rows for q in columns[i].needs.get(r.id) or ()}
        if short and len(short) == len(open_rows):
            lo, hi = min(short), max(short)
            each = (ngettext("Each is only {n} answer short of a decision",
                             "Each is only {n} answers short of a decision", hi).format(n=hi) if lo == hi else
                    _("Each is only {low} to {high} answers short of a decision").format(low=lo, high=hi))
            meaning = ngettext("{each}; answering {n} question could decide them all (see “Closing the gaps”).",
                               "{each}; answering {n} questions could decide them all (see “Closing the gaps”).",
                               len(needed)).format(each=each, n=len(needed))
        else:
            meaning = _("The questions under “Closing the gaps” could decide them.")
        out.append(ComparisonMessage(kind="gap", rows=[r.id for r in open_rows], statement=statement, facts=[],
                                     meaning=meaning))

    years = {c.name: c.as_of[:4] for c in countries if c.as_of}
    if len(set(years.values())) > 1:
        out.append(ComparisonMessage(
            kind="dates", rows=[], facts=[],
            statement=_("The evidence is from different years: {years}.").format(
                years=join([f"{name} {year}" for name, year in years.items()])),
            meaning=_("Part of any difference may be a change over time rather than a difference between the "
                      "countries; the older answers may no longer hold.")))
    lowest = [c for c in countries if c.tier in ("C", "D", "E")]
    if lowest:
        out.append(ComparisonMessage(
            kind="scope", rows=[], facts=[],
            statement=ngettext("{countries} lies outside the thesis's core population: findings there test the "
                               "thesis rather than apply it.",
                               "{countries} lie outside the thesis's core population: findings there test the thesis "
                               "rather than apply it.", len(lowest)).format(countries=join([c.name for c in lowest])),
            meaning=""))
    if not any(m.kind in ("gap", "dates") for m in out):
        out.append(ComparisonMessage(
            kind="evidence", rows=[], facts=[], meaning="",
            statement=_("Differences in evidence, not only in reality, can drive differences in findings.")))
    kept = sorted(out, key=lambda m: KEEP_ORDER[m.kind])[:MAX_MESSAGES]
    return sorted(kept, key=lambda m: SHOW_ORDER[m.kind])


def build_comparison(
    items: Sequence[tuple[Assessment, Profile | None]],
    kb: KnowledgeBase,
    *,
    audience: str = N_("Committee members and staff"),
    unit: str = N_("Committee briefing staff"),
    title: str | None = None,
    date: dt.date | None = None,
) -> ComparisonContext:
    """A side-by-side brief: which diagnoses hold in which country, how surely, and what is open."""
    from diagnostics import __version__
    from diagnostics.assessment import ROLE_ORDER

    dx_ids = sorted((r.id for r in kb.diagnoses()), key=lambda r: (ROLE_ORDER.get(kb.rules[r].role, 4), r))
    columns = [_Country(kb, a, profile) for a, profile in items]
    countries = []
    for col in columns:
        a = col.assessment
        open_ids = [f.rule for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE and f.rule in kb.rules]
        if col.profile is not None and open_ids:
            for cov in diagnosis_coverage(kb, a, col.profile, open_ids):
                col.needs[cov.rule] = cov.to_decide if cov.reachable else None
        to_decide = list(dict.fromkeys(i for rid in dx_ids for i in (col.needs.get(rid) or ())
                                       if i in kb.indicators))
        family = kb.families.get(a.family)
        countries.append(CountryColumn(
            country=a.country, name=col.name, family=a.family,
            family_name=family.name if family else a.family,
            tier=a.tier, tier_note=tier_note(a.tier),
            as_of=a.as_of, fired=sum(1 for f in a.diagnoses() if f.status is Status.FIRED),
            not_assessable=sum(1 for f in a.diagnoses() if f.status is Status.NOT_ASSESSABLE),
            imaginaries=len(a.imaginaries), knowledge_base=a.audit.knowledge_base, profile=a.audit.profile,
            to_decide=[IndicatorNeed(id=i, question=kb.indicators[i].question,
                                     evidence_kind=kb.indicators[i].evidence_kind.value) for i in to_decide]))

    rows = []
    for rid in dx_ids:
        cells = []
        for col in columns:
            try:
                f = col.assessment.finding(rid)
            except KeyError:
                cells.append(Cell(status="not_in_knowledge_base", confidence=None))
                continue
            need = col.needs.get(rid)
            cells.append(Cell(status=f.status.value, confidence=f.confidence,
                              answers_short=len(need) if f.status is Status.NOT_ASSESSABLE and need else None))
        rows.append(comparison_row(kb, rid, cells))

    # Directions of the problems found anywhere, first-mentioned first (in matrix order, roots
    # first, as the single brief lists them), ranked as the single brief ranks them.
    found = [r for r in rows if any(c.status == "fired" for c in r.cells)]
    best = {r.id: max((c.confidence for c in r.cells if c.status == "fired" and c.confidence),
                      key=lambda level: CONFIDENCE_RANK.get(level, 0), default=None) for r in found}
    responds: dict[str, list[Ref]] = {}
    for r in found:
        for did in kb.rules[r.id].directions:
            responds.setdefault(did, []).append(Ref(id=r.id, title=r.title))
    reader = reader_names(kb)
    directions = [direction_entry(kb, did, targets, reader) for did, targets in responds.items()
                  if did in kb.directions]
    undecided = {a.country: undecided_diagnoses(a, kb) for a, _ in items}
    cites = [c for r in found for c in kb.rules[r.id].citations]
    names = [c.name for c in countries]
    today = date or dt.datetime.now(dt.UTC).date()
    meta = BriefMeta(
        title=title or _("Systemic problems of transition compared: {countries}").format(countries=join(names)),
        country="+".join(c.country for c in countries), country_name=join(names),
        date=today.isoformat(), as_of=None, audience=_(audience), issuing_unit=_(unit),
        generator=f"policy-diagnostics {__version__}",
    )
    messages = _messages(kb, rows, columns, countries)
    for m in messages:
        m.statement, m.meaning = capfirst(m.statement), capfirst(m.meaning)
    return ComparisonContext(
        meta=meta, key_messages=messages, countries=countries, rows=rows, problems_found=len(found),
        priorities=priorities(best, directions), directions=directions,
        universal_caveats=[_(c) for c in UNIVERSAL_CAVEATS], not_assessable=undecided,
        references=References(thesis=sort_citations(cites + [c for d in directions for c in d.citations]),
                              sources=[]),
    )
