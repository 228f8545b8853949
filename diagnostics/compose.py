"""Composing plugins' records into knowledge bases: the checks that span plugins,
contributions to other plugins' findings, and one knowledge base per scope.

A plugin rule with `contributes_to: <rule id>` counts under that finding, in the knowledge
base of the plugin's countries only:
- if the target's `when` is `at_least: {k, of: [...]}`, the contributor joins `of` as one
  more manifestation or mechanism, and still k of them are needed;
- otherwise the contributor becomes one more alternative: `any: [when, {finding: P}]`.
Three-valued (Kleene): an `any` holds if one part holds, fails if all fail, else is
unknown (not assessable); `at_least` holds with k parts true, fails when fewer than k can
still be true, else is unknown. A contributor that did not fire counts as false, one that
is not assessable as unknown. The target's gate and evidence sets still apply, and the
contributor shows in the target's trace like any premise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .citations import citation_problem
from .condition_tree import AnyOf, AtLeast, AtLeastSpec, Finding
from .errors import KnowledgeError, PluginError
from .i18n import _
from .kb import KnowledgeBase, did_you_mean
from .knowledge import Direction, Family, Indicator, Layer, Rule
from .provenance import CORE_PLUGIN


@dataclass
class Loaded:
    """A plugin that imported and registered, and the records its hooks returned."""

    report: Any  # registry.PluginReport
    plugin: Any
    pm: Any  # a pluggy.PluginManager holding this plugin alone
    records: dict[str, list[Any]] = field(default_factory=dict)
    scope: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return self.report.name

    def rules(self) -> list[Rule]:
        return [x for p in self.records.get("diagnostics_rule_packs", []) for x in p.rules]

    def knowledge(self) -> list[Any]:
        return [*self.records.get("diagnostics_indicators", []), *self.rules(),
                *self.records.get("diagnostics_directions", [])]


class Blame(Exception):
    """Records of these plugins broke the knowledge base; they are left out and it is rebuilt."""

    def __init__(self, items: list[Loaded], messages: dict[str, str]) -> None:
        super().__init__("; ".join(messages.values()))
        self.items = items
        self.messages = messages


def blame(items: list[Loaded], problems: dict[str, list[str]], prefix: str) -> Blame:
    chosen = [i for i in items if problems.get(i.name)]
    return Blame(chosen, {i.name: prefix + "; ".join(problems[i.name][:5]) for i in chosen})


def attribute(error: KnowledgeError, items: list[Loaded]) -> Blame:
    """Pin each problem of a failed build on the plugin whose record it names."""
    problems: dict[str, list[str]] = {}
    for line in str(error).splitlines():
        owner = next((i for i in items if line.startswith(f"{i.name} ")), None)
        if owner is None or owner.name == CORE_PLUGIN:
            raise PluginError(thesis_failed(line))
        problems.setdefault(owner.name, []).append(line)
    return blame(items, problems, invalid_knowledge_prefix())


def thesis_failed(problem: str) -> str:
    return _("the thesis knowledge base failed to load: {problem}").format(problem=problem)


def invalid_knowledge_prefix() -> str:
    return _("invalid knowledge: {problems}").format(problems="")


def invalid_records_prefix() -> str:
    return _("invalid records: {problems}").format(problems="")


def contribute(rules: list[Rule]) -> list[Rule]:
    """Apply `contributes_to` (see the module's docstring)."""
    extra: dict[str, list[str]] = {}
    for r in rules:
        if r.contributes_to is not None:
            extra.setdefault(r.contributes_to, []).append(r.id)
    out = []
    for r in rules:
        if r.id in extra:
            more = tuple(Finding(finding=f) for f in extra[r.id])
            when: Any
            if isinstance(r.when, AtLeast):
                spec = r.when.at_least
                when = AtLeast(at_least=AtLeastSpec(k=spec.k, of=(*spec.of, *more)))
            else:
                own = r.when.any if isinstance(r.when, AnyOf) else (r.when,)
                when = AnyOf(any=(*own, *more))
            r = r.model_copy(update={"when": when})
        out.append(r)
    return out


def build_kb(items: list[Loaded], families: list[Family]) -> KnowledgeBase:
    indicators: list[Indicator] = []
    rules: list[Rule] = []
    directions: list[Direction] = []
    for i in items:
        indicators += i.records.get("diagnostics_indicators", [])
        rules += i.rules()
        directions += i.records.get("diagnostics_directions", [])
    return KnowledgeBase.build(indicators, contribute(rules), directions, families)


def _checks(accepted: list[Loaded]) -> dict[str, list[str]]:
    """Problems found before building: citations, contributions and profiles' families."""
    problems: dict[str, list[str]] = {}
    rules = {r.id: (r, i) for i in accepted for r in i.rules()}
    families = {f.id for i in accepted for f in i.records.get("diagnostics_families", [])}
    for item in accepted:
        out = problems.setdefault(item.name, [])
        if item.name != CORE_PLUGIN:
            keys = {s.key for s in item.records.get("diagnostics_bibliography", [])}
            for record in item.knowledge():
                out += [f"{record.id}: {p}" for c in record.citations if (p := citation_problem(c, keys))]
        for r in item.rules():
            target = r.contributes_to
            if target is None:
                continue
            if target not in rules:
                out.append(_("{id}: contributes_to unknown rule {target}").format(id=r.id, target=repr(target))
                           + did_you_mean(target, rules))
            elif rules[target][1] is item:
                out.append(_("{id}: contributes_to {target}, a rule of the same plugin (require it instead)")
                           .format(id=r.id, target=target))
            elif rules[target][0].layer == Layer.CONTEXT:
                out.append(_("{id}: contributes_to {target}, a context gate, not a finding")
                    .format(id=r.id, target=target))
        for p in item.records.get("diagnostics_profiles", []):
            if p.family not in families:
                out.append(_("profile {country}: unknown family {family}")
                    .format(country=p.country, family=repr(p.family))
                           + did_you_mean(p.family, families))
    return {k: v for k, v in problems.items() if v}


def compose(accepted: list[Loaded]) -> dict[str, Any]:
    """The knowledge bases of the accepted plugins; raises Blame naming plugins to leave out."""
    problems = _checks(accepted)
    if problems.get(CORE_PLUGIN):
        raise PluginError(thesis_failed(problems[CORE_PLUGIN][0]))
    if problems:
        raise blame(accepted, problems, invalid_records_prefix())
    families = [f for i in accepted for f in i.records.get("diagnostics_families", [])]
    try:
        full = build_kb(accepted, families)
    except KnowledgeError as exc:
        raise attribute(exc, accepted) from None

    scoped_plugins = [i for i in accepted if i.scope is not None and i.knowledge()]
    base = full
    scoped: dict[str, KnowledgeBase] = {}
    if scoped_plugins:
        unscoped = [i for i in accepted if i not in scoped_plugins]
        base = build_kb(unscoped, families)
        groups: dict[tuple[str, ...], KnowledgeBase] = {}
        for country in sorted({c for i in scoped_plugins for c in i.scope or ()}):
            group = [i for i in scoped_plugins if country in (i.scope or ())]
            names = tuple(i.name for i in group)
            if names not in groups:
                try:
                    groups[names] = full if len(group) == len(scoped_plugins) else build_kb(
                        unscoped + group, families)
                except KnowledgeError as exc:
                    raise attribute(exc, group) from None
            scoped[country] = groups[names]
    profiles = {p.country: p for i in accepted for p in i.records.get("diagnostics_profiles", [])}
    bibliography = {f"{i.name}:{s.key}": s for i in accepted for s in i.records.get("diagnostics_bibliography", [])}
    return {"kb": base, "full_kb": full if scoped_plugins else None, "scoped": scoped,
            "profiles": profiles, "bibliography": bibliography}
