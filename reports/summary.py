"""The two-page brief's content, chosen from a built context: facts first, then what they mean.

* Key messages (three to five): each root cause, then the core diagnoses (one message each, or
  one message naming them all with one fact each when they do not fit), then the function
  roll-ups and the outcome with the strongest facts while room is left, then what could not
  be assessed. A message states the finding, gives at most two decisive facts and says what
  the finding means (a root cause's mechanism is left to its paragraph). The facts are the
  answers in the finding's trace (its own first, then those of the findings beneath it,
  nearest first), numbers before yes/no answers, dated and documented answers first; an
  answer that another diagnosis in the messages rests on more directly is left to that
  diagnosis, so that each shows its own decisive fact. Nothing is chosen per country.
* Root causes: one short paragraph each (mechanism, where it shows, how sure).
* Priorities: at most five directions, ranked by how many diagnoses they address, then by the
  confidence of those diagnoses, each with its caveat.
* Hearing questions: four to six, one per diagnosis in brief order, then what would decide an
  undecided one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from diagnostics.assessment import Assessment, FindingResult
from diagnostics.i18n import N_, _, country_name, ngettext
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import IndicatorType
from diagnostics.profile import Profile

from .model import AnswerUsed, DiagnosisEntry, DirectionEntry, Fact, KeyMessage, Priority, RootCause, Undecided
from .wording import evidence_words, join, lead, lower_first, short_source, uncited

MAX_MESSAGES = 5
FACTS_PER_MESSAGE = 2
MAX_PRIORITIES = 5
MAX_QUESTIONS = 6
QUESTIONS_FROM_FINDINGS = 5
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}

ROLE_MEANING = {
    "root_cause": N_("As a root cause, it will outlast measures aimed only at its symptoms."),
    "diagnosis": N_("It is systemic: mending one programme or agency will not end it."),
    "function_rollup": N_("The state fails in this role as a whole, not in one programme."),
    "outcome": N_("It is where the other problems lead; it changes only when they do."),
}
GROUP_MEANING = N_("They are systemic: mending one programme or agency will not end any of them.")

_QUANTITATIVE = (IndicatorType.SHARE, IndicatorType.NUMBER)


def _confidence(value: str | None) -> str:
    return _("{level} confidence").format(level=_(value)) if value else _("confidence not rated")


def _premises(f: FindingResult) -> list[str]:
    return [s.rule for s in f.trace if s.kind == "finding" and s.rule]


def _answers_beneath(f: FindingResult, by_id: Mapping[str, FindingResult]) -> list[tuple[int, FindingResult]]:
    """The finding and every fired finding beneath it, with its distance (0 = the finding itself)."""
    out = [(0, f)]
    seen = {f.rule}
    frontier = [f]
    depth = 0
    while frontier:
        depth += 1
        nxt = []
        for x in frontier:
            for p in _premises(x):
                if p in by_id and p not in seen:
                    seen.add(p)
                    nxt.append(by_id[p])
                    out.append((depth, by_id[p]))
        frontier = nxt
    return out


def reach(f: FindingResult, by_id: Mapping[str, FindingResult]) -> dict[str, int]:
    """Each answered indicator beneath the finding, with how far down it is (0 = its own trace)."""
    out: dict[str, int] = {}
    for depth, finding in _answers_beneath(f, by_id):
        for step in finding.trace:
            if step.kind == "answer" and step.indicator and step.value is not None:
                out.setdefault(step.indicator, depth)
    return out


def decisive_facts(f: FindingResult, kb: KnowledgeBase, by_id: Mapping[str, FindingResult],
                   answers: Mapping[str, AnswerUsed], skip: Iterable[str] = (), limit: int = FACTS_PER_MESSAGE,
                   others: Iterable[Mapping[str, int]] = ()) -> list[Fact]:
    """The answers that best let a reader repeat why the finding holds: numbers first.

    `others` are the reaches of the other diagnoses in the messages: an answer that one of them
    rests on more directly than this finding does is left to it.
    """
    taken = set(skip)
    mine = reach(f, by_id)
    for other in others:
        taken.update(i for i, d in other.items() if i in mine and d < mine[i])
    candidates: list[tuple[tuple[int, int, int, int, int], AnswerUsed]] = []
    order = 0
    beneath = _answers_beneath(f, by_id)
    # Circumstances (context findings) explain, they do not decide: use them only when nothing else.
    if any(x.layer != "context" for d, x in beneath if d):
        beneath = [(d, x) for d, x in beneath if x.layer != "context"]
    for depth, finding in beneath:
        for step in finding.trace:
            if step.kind != "answer" or not step.indicator or step.indicator in taken or step.value is None:
                continue
            spec = kb.indicators.get(step.indicator)
            used = answers.get(step.indicator)
            if spec is None or used is None:
                continue
            kind = 0 if spec.type in _QUANTITATIVE else 1 if spec.type is IndicatorType.RANK_FRAC else 2
            score = (kind, min(depth, 2), 0 if step.as_of else 1, 0 if step.evidence == "documented" else 1, order)
            candidates.append((score, used))
            taken.add(step.indicator)
            order += 1
    candidates.sort(key=lambda c: c[0])
    return [Fact(indicator=u.indicator, label=u.name, value_text=u.value_text, source=short_source(u.source),
                 as_of=u.as_of)
            for _score, u in candidates[:limit]]


def _meaning(d: DiagnosisEntry) -> str:
    # A root cause's mechanism opens its own paragraph under "Root causes": not said twice.
    mechanism = "" if d.role == "root_cause" else uncited(lead(d.mechanism, 1))
    meaning = ROLE_MEANING.get(d.role)
    return " ".join(x for x in (mechanism, _(meaning) if meaning else "") if x)


def _addressed_by(ids: Iterable[str], ranked: Sequence[Priority], several: bool = False) -> str:
    """Which of the brief's ranked directions answer the findings: what the committee can act on."""
    wanted = set(ids)
    numbers = [str(p.rank) for p in ranked if any(r.id in wanted for r in p.addresses)]
    if not numbers:
        return ""
    if several:
        text = ngettext("Direction {numbers} below addresses them.", "Directions {numbers} below address them.",
                        len(numbers))
    else:
        text = ngettext("Direction {numbers} below addresses it.", "Directions {numbers} below address it.",
                        len(numbers))
    return text.format(numbers=join(numbers))


def _message(d: DiagnosisEntry, facts: list[Fact], ranked: Sequence[Priority] = ()) -> KeyMessage:
    named = "root" in d.title.lower() or _("root cause") in d.title.lower()
    kind = _("a root cause, ") if d.role == "root_cause" and not named else ""
    meaning = " ".join(x for x in (_meaning(d), _addressed_by([d.id], ranked)) if x)
    return KeyMessage(finding=d.id, statement=f"{d.title}: {kind}{_confidence(d.confidence)}.", facts=facts,
                      meaning=meaning, source=d.source)


def key_messages(a: Assessment, kb: KnowledgeBase, profile: Profile | None, diagnoses: Sequence[DiagnosisEntry],
                 undecided: Sequence[Undecided], by_id: Mapping[str, FindingResult],
                 ranked: Sequence[Priority] = ()) -> list[KeyMessage]:
    """Three to five findings with their decisive facts, what they mean and which of the `ranked`
    directions answer them."""
    from .builder import answers_used  # the same answer records the report shows

    answers = {u.indicator: u for f in by_id.values() for u in answers_used(f.trace, kb, profile)}
    total = len(a.diagnoses())
    if not diagnoses:
        messages = [KeyMessage(
            finding="", statement=_("None of the {total} systemic problems the thesis describes could be "
                                    "diagnosed for {country} from the answers given.").format(
                total=total, country=country_name(a.country, a.name)),
            facts=[], meaning=_("The answers recorded so far do not show the pattern the thesis found; "
                                "missing answers may hide it."))]
    else:
        messages = []
    used: set[str] = set()
    roots = [d for d in diagnoses if d.role == "root_cause"]
    cores = [d for d in diagnoses if d.role == "diagnosis"]
    others = [d for d in diagnoses if d.role not in ("root_cause", "diagnosis")]
    room = MAX_MESSAGES - (1 if undecided else 0)
    roots = roots[:room]
    room -= len(roots)
    # The core diagnoses each get a message if they fit; else one message names them all.
    grouped = len(cores) > room >= 1
    cores = cores if room else []
    shown = {d.id: reach(by_id[d.id], by_id) for d in (*roots, *cores)}

    def facts_of(d: DiagnosisEntry, limit: int = FACTS_PER_MESSAGE) -> list[Fact]:
        facts = decisive_facts(by_id[d.id], kb, by_id, answers, used, limit,
                               [r for rid, r in shown.items() if rid != d.id])
        used.update(x.indicator for x in facts)
        return facts

    # The core diagnoses choose their facts first: a root cause rests on more answers and has
    # more to choose from.
    chosen: list[tuple[int, KeyMessage]] = []
    if grouped:
        pairs = [(d, facts_of(d, 1)) for d in cores]
        levels = list(dict.fromkeys(_(d.confidence) for d in cores if d.confidence))
        confidence = (_("each with {level} confidence").format(level=levels[0]) if len(levels) == 1 else
                      _("with {levels} confidence").format(levels=join(levels)) if levels else
                      _("confidence not rated"))
        chosen.append((cores[0].number, KeyMessage(
            finding="", findings=[d.id for d, facts in pairs if facts],
            statement=ngettext("These causes show in {n} systemic problem, {confidence}: {titles}.",
                               "These causes show in {n} systemic problems, {confidence}: {titles}.",
                               len(cores)).format(n=len(cores), confidence=confidence,
                                                  titles="; ".join(lower_first(d.title) for d in cores)),
            facts=[facts[0] for _d, facts in pairs if facts],
            meaning=" ".join(x for x in (_(GROUP_MEANING), _addressed_by([d.id for d in cores], ranked, True)) if x))))
        room -= 1
    else:
        chosen += [(d.number, _message(d, facts_of(d), ranked)) for d in cores]
        room -= len(cores)
    chosen += [(d.number, _message(d, facts_of(d), ranked)) for d in roots]
    # Roll-ups and the outcome compete for the room left on their facts: numbers a member can
    # repeat, then confidence.
    contenders = []
    for d in others:
        facts = decisive_facts(by_id[d.id], kb, by_id, answers, used)
        numbers = sum(1 for x in facts if kb.indicators[x.indicator].type in _QUANTITATIVE)
        contenders.append((-numbers, -CONFIDENCE_RANK.get(d.confidence or "", 0), d.number, d))
    contenders.sort(key=lambda r: r[:3])
    for *_key, d in contenders:
        if room <= 0 and len(chosen) >= 3 - (1 if undecided else 0):
            break
        facts = decisive_facts(by_id[d.id], kb, by_id, answers, used)  # again: earlier picks took some
        used.update(x.indicator for x in facts)
        chosen.append((d.number, _message(d, facts, ranked)))
        room -= 1
    chosen.sort(key=lambda c: c[0])
    messages += [m for _n, m in chosen]
    if undecided:
        titles = [lower_first(u.title) for u in undecided[:3]]
        more = " " + _("and {n} more").format(n=len(undecided) - 3) if len(undecided) > 3 else ""
        messages.append(KeyMessage(
            finding="", statement=_("{n} of the {total} problems could not be assessed: {titles}{more}.").format(
                n=len(undecided), total=total, titles=join(titles), more=more),
            facts=[], meaning=_("This is a gap in the evidence, not a clean bill of health; the questions "
                                "below would close it.")))
    return messages[:MAX_MESSAGES]


def root_causes(a: Assessment, diagnoses: Sequence[DiagnosisEntry],
                by_id: Mapping[str, FindingResult]) -> list[RootCause]:
    """Each root cause in one short paragraph: mechanism, where it shows, how sure and why."""
    out = []
    for d in diagnoses:
        if d.role != "root_cause":
            continue
        parts = [uncited(lead(d.mechanism, 1))]
        shows = [lower_first(x.title) for x in d.chain.manifestations]
        if shows:
            more = ", " + _("and {n} more").format(n=len(shows) - 3) if len(shows) > 3 else ""
            parts.append(_("It shows in {findings}{more}.").format(findings=join(shows[:3]), more=more))
        elif d.chain.context:
            parts.append(_("It rests on the country's circumstances: {findings}.").format(
                findings=join([lower_first(x.title) for x in d.chain.context[:3]])))
        kinds = by_id[d.id].evidence_kinds
        sure = _confidence(d.confidence).capitalize()
        parts.append(_("{confidence}, from {evidence}.").format(confidence=sure, evidence=evidence_words(kinds))
                     if kinds else f"{sure}.")
        out.append(RootCause(id=d.id, title=d.title, confidence=d.confidence, paragraph=" ".join(parts),
                             source=d.source))
    return out


def priorities(diagnoses: Sequence[DiagnosisEntry] | Mapping[str, str | None],
               directions: Sequence[DirectionEntry]) -> list[Priority]:
    """At most five directions: most diagnoses addressed first, then the surest, then first named.

    `diagnoses` are the diagnoses found, or (for a comparison) their ids mapped to the confidence
    each is found with (the highest among the countries)."""
    confidence = dict(diagnoses) if isinstance(diagnoses, Mapping) else {d.id: d.confidence for d in diagnoses}

    def key(item: tuple[int, DirectionEntry]) -> tuple[int, int, int]:
        pos, x = item
        return (-len(x.responds_to), -sum(CONFIDENCE_RANK.get(confidence.get(r.id) or "", 0) for r in x.responds_to),
                pos)

    ranked = sorted(enumerate(directions), key=key)[:MAX_PRIORITIES]
    out = []
    for rank, (_pos, x) in enumerate(ranked, start=1):
        levels = [confidence.get(r.id) for r in x.responds_to]
        best = max((lvl for lvl in levels if lvl), key=lambda lvl: CONFIDENCE_RANK.get(lvl, 0), default=None)
        out.append(Priority(id=x.id, rank=rank, title=x.title, summary=uncited(lead(x.text, 1)),
                            caveat=uncited(lead(x.caveats[0], 1)) if x.caveats else "",
                            addresses=list(x.responds_to), confidence=best, source=x.source))
    return out


def hearing_questions(diagnoses: Sequence[DiagnosisEntry], undecided: Sequence[Undecided]) -> list[str]:
    """Four to six questions: one per diagnosis (roots first), then what would decide an open one."""
    out: list[str] = []
    depth = 0
    while len(out) < QUESTIONS_FROM_FINDINGS and any(len(d.questions) > depth for d in diagnoses):
        for d in diagnoses:
            if len(d.questions) > depth and d.questions[depth] not in out:
                out.append(d.questions[depth])
                if len(out) >= QUESTIONS_FROM_FINDINGS:
                    break
        depth += 1
    for u in undecided:
        if u.deciding and len(out) < MAX_QUESTIONS:
            out.append(u.deciding[0].question)
            break
    return out
