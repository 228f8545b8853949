"""The next question of a guided assessment, and why, in the analyst's order of work.

`analysis.plan_questions` scores every open question by how much it can still decide. This
module turns those scores into an order an analyst can follow:

- it stays on the topic of the question in hand while a question there can still change a
  root cause, and only then moves to the best question of another topic;
- it skips questions that cannot matter for this country: questions read only by findings
  whose gate is false, questions whose `ask_if` fails (a WTO member's questions for an
  acceding country), and the questions of a ranking the country is not in (another question
  of that ranking recorded as unknown);
- it says, in plain words, why each question is next and why a skipped one is not asked.

No textual here: the TUI calls it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .assessment import Assessment
from .i18n import _, ngettext
from .kb import KnowledgeBase
from .knowledge import Layer
from .logic import Status, holds
from .profile import Answer, Profile


@dataclass(frozen=True)
class Suggestion:
    indicator: str
    reason: str = ""  # why it is next, in plain words


@dataclass
class Plan:
    suggestions: list[Suggestion]
    skipped: dict[str, str] = field(default_factory=dict)  # indicator -> why it is not asked

    @property
    def first(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


def skipped_questions(kb: KnowledgeBase, answers: Mapping[str, Answer],
                      statuses: Mapping[str, Status]) -> dict[str, str]:
    """Open questions that cannot matter for this country, each with the reason."""
    out: dict[str, str] = {}
    known = {k: a.value for k, a in answers.items() if a.known}
    unranked: dict[str, str] = {}  # ranking -> a question of it recorded as unknown
    for ind, a in answers.items():
        spec = kb.indicators.get(ind)
        if spec is not None and spec.ranking and a.unknown:
            unranked.setdefault(spec.ranking, ind)
    for spec in kb.indicators.values():
        if spec.id in answers:
            continue
        cond = spec.ask_if
        if cond is not None and cond.indicator in known and not holds(cond, known[cond.indicator]):
            out[spec.id] = spec.ask_if_reason or _("Not asked: it does not fit this country's earlier answers.")
            continue
        if spec.ranking in unranked:
            other = kb.indicators[unranked[spec.ranking]].question
            out[spec.id] = _("The country seems not to be ranked in the {ranking}: "
                             "“{question}” is recorded as unknown.").format(ranking=spec.ranking, question=other)
            continue
        readers = kb.feeds.get(spec.id, [])
        if readers and all(statuses.get(r) is Status.NOT_APPLICABLE for r in readers):
            why = kb.rules[readers[0]].gate_reason
            out[spec.id] = (_("Only findings that do not apply here read it: {reason}").format(reason=why)
                            if why else _("Only findings that do not apply here read it."))
    return out


def plan_next(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
              current: str | None = None, n: int = 3) -> Plan:
    """The next questions, best first, keeping to the topic of `current` while it still matters."""
    statuses = {f.rule: f.status for f in assessment.findings}
    skipped = skipped_questions(kb, profile.answers, statuses)
    # Questions that could still change an undecided root cause.
    for_roots: set[str] = {i for inds in assessment.coverage.per_diagnosis.values() for i in inds}
    from .analysis import plan_questions  # here, not above: the TUI's workspace opens without it

    scored = [q for q in plan_questions(kb, profile, 0)
              if q.indicator not in profile.answers and q.indicator not in skipped]
    topic = kb.indicators[current].topic if current in kb.indicators else None
    here = [q for q in scored if kb.indicators[q.indicator].topic == topic and q.indicator in for_roots]
    best = here[0] if here else (next((q for q in scored if q.indicator in for_roots), None)
                                 or (scored[0] if scored else None))
    if best is None:
        rest = fallback_plan(kb, profile, assessment, order, n, skipped)
        return Plan([Suggestion(q, _("No open question can change a finding now; a rule still reads this one."))
                     for q in rest], skipped)
    # After the first question, the rest of its topic, then the best of the others.
    new_topic = kb.indicators[best.indicator].topic
    same = [q for q in scored if kb.indicators[q.indicator].topic == new_topic and q.indicator in for_roots]
    ranked = list(dict.fromkeys([best.indicator, *(q.indicator for q in same), *(q.indicator for q in scored)]))
    by_id = {q.indicator: q for q in scored}
    out = []
    for ind in ranked[:n]:
        q = by_id[ind]
        where = kb.indicators[ind].topic
        settles = _settles(kb, q.decides, ind in for_roots)
        if topic is None:
            reason = _("Starts with {topic}: {settles}")
        elif where == topic:
            reason = _("Stays on {topic}: {settles}")
        elif not here:
            reason = _("Moves to {topic}; nothing left in the current topic can change a root cause: {settles}")
        else:
            reason = _("Moves to {topic}: {settles}")
        out.append(Suggestion(ind, reason.format(topic=where, settles=settles)))
    return Plan(out, skipped)


def _settles(kb: KnowledgeBase, decides: list[str], for_root: bool) -> str:
    if not decides:
        return _("it narrows a root cause still open") if for_root else _("it narrows findings still open")
    dx = [r for r in decides if kb.rules[r].layer == Layer.DIAGNOSIS]
    first = kb.rules[(dx or decides)[0]].title
    more = len(decides) - 1
    if not more:
        return _("it can settle “{title}”").format(title=first)
    return ngettext("it can settle “{title}” and {n} more finding", "it can settle “{title}” and {n} more findings",
                    more).format(title=first, n=more)


def fallback_plan(kb: KnowledgeBase, profile: Profile, assessment: Assessment, order: list[str],
                  n: int = 1, skipped: Mapping[str, str] | None = None) -> list[str]:
    """The first open questions that could still decide an undecided diagnosis, else any a rule reads."""
    skip = skipped or {}
    deciding: set[str] = set()
    for indicators in assessment.coverage.per_diagnosis.values():
        deciding.update(indicators)
    open_qs = [q for q in order if q not in profile.answers and not kb.indicators[q].display_only
               and q not in skip]
    picked = [q for q in open_qs if q in deciding]
    if len(picked) < n:
        picked += [q for q in open_qs if kb.feeds.get(q) and q not in picked]
    return picked[:n]
