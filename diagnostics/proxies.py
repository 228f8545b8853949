"""Standard measures standing in for unanswered informal indicators.

A standard cross-country measure (an enterprise survey figure, a governance index) may stand
in for an informal indicator of the thesis where its knowledge-base record says it measures
the same thing (`proxy_for`, with the thesis citation for the concept and the argued bands).
The derived answer is marked with the measure it came from, so explanations show it and
confidence never rests on proxies as if they were the analyst's own evidence.

An analyst's own answer always wins: a proxy only fills an indicator with no known value.
When two measures standing in for the same indicator disagree, neither is used.
"""

from __future__ import annotations

from .kb import KnowledgeBase
from .profile import Answer, EvidenceGrade, Profile


def proxy_answers(profile: Profile, kb: KnowledgeBase) -> dict[str, Answer]:
    """Answers derived from the profile's standard measures, keyed by the informal indicator."""
    candidates: dict[str, list[Answer]] = {}
    for measure in kb.indicators.values():
        if not measure.proxy_for:
            continue
        given = profile.answers.get(measure.id)
        if given is None or not given.known or isinstance(given.value, (bool, str, tuple)) or given.value is None:
            continue
        x = float(given.value)
        for proxy in measure.proxy_for:
            target = profile.answers.get(proxy.indicator)
            if target is not None and target.known:
                continue  # the analyst's answer overrides any proxy
            value = proxy.value_for(x)
            if value is None:
                continue  # the measure falls between bands: no honest reading either way
            band = next(b for b in proxy.bands if b.holds(x))
            year = f", {given.as_of}" if given.as_of else ""
            candidates.setdefault(proxy.indicator, []).append(Answer(
                value=value,
                source=f"survey proxy: {measure.question.rstrip('?')} = {given.value:g}"
                       f" ({given.source or measure.publisher}{year})",
                url=given.url,
                evidence=given.evidence or EvidenceGrade.SURVEY,
                as_of=given.as_of,
                note=f"Band {band.describe()} gives {value}. {proxy.rationale}",
                proxy=measure.id,
            ))
    out: dict[str, Answer] = {}
    for indicator, answers in candidates.items():
        if len({repr(a.value) for a in answers}) == 1:
            out[indicator] = answers[0]
    return out


def with_proxies(profile: Profile, kb: KnowledgeBase) -> Profile:
    """The profile with proxy answers filled in where the analyst gave none."""
    derived = proxy_answers(profile, kb)
    if not derived:
        return profile
    return profile.model_copy(update={"answers": {**profile.answers, **derived}})
