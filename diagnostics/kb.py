"""The knowledge base: indicators, rules and directions, validated once as a whole.

`KnowledgeBase.build` runs every static check: unknown references (with a "did you mean"),
type mismatches, duplicate ids, cycles, unreachable rules, the thesis's design rules
(MAP.md §10) that can be checked mechanically, and every limit of the forward-chaining
engine (`engine.compile_program`), so that what passes here is what the engine loads.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .citations import parse_citation
from .condition_tree import All, AnyOf, Compare, Finding, Known, leaves
from .conditions import Conjunction, NegationError, TooComplex, dnf, push_not
from .errors import DataError, KnowledgeError
from .i18n import N_, _
from .knowledge import LAYER_ORDER, Direction, EvidenceKind, Family, Indicator, IndicatorType, Layer, Rule
from .yamlio import load_data, parse_model

if TYPE_CHECKING:
    from .logic import LogicCore


@dataclass
class Problem:
    where: str  # file or plugin
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}" if self.rule else f"{self.where}: {self.message}"


def did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    if not close:
        return ""
    return " " + _("(did you mean {name}?)").format(name=repr(close[0]))


@dataclass
class KnowledgeBase:
    indicators: dict[str, Indicator]
    rules: dict[str, Rule]  # in topological order: premises before the rules that use them
    directions: dict[str, Direction]
    families: dict[str, Family] = field(default_factory=dict)

    # ---------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        indicators: Sequence[Indicator],
        rules: Sequence[Rule],
        directions: Sequence[Direction] = (),
        families: Sequence[Family] = (),
        origin: dict[str, str] | None = None,
    ) -> KnowledgeBase:
        """Validate everything; raise KnowledgeError listing every problem found."""
        origin = origin or {}
        problems: list[Problem] = []

        def where(record_id: str, provided_by: str) -> str:
            return origin.get(record_id) or provided_by or _("knowledge base")

        def index(records: Sequence[Any], kind: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for rec in records:
                if rec.id in out:
                    also = out[rec.id].provided_by or _("another file")
                    problems.append(Problem(where(rec.id, rec.provided_by), rec.id,
                                            _(kind).format(also=also)))
                out[rec.id] = rec
            return out

        ind: dict[str, Indicator] = index(indicators, N_("duplicate indicator id (also from {also})"))
        rl: dict[str, Rule] = index(rules, N_("duplicate rule id (also from {also})"))
        dirs: dict[str, Direction] = index(directions, N_("duplicate direction id (also from {also})"))
        fams: dict[str, Family] = index(families, N_("duplicate family id (also from {also})"))

        compiled: dict[str, list[Conjunction]] = {}
        graph: dict[str, set[str]] = {}
        for r in rl.values():
            w = where(r.id, r.provided_by)
            before = len(problems)
            problems.extend(Problem(w, r.id, m) for m in _check_rule(r, ind, rl, dirs))
            graph[r.id] = {lf.finding for lf in _rule_leaves(r) if isinstance(lf, Finding) and lf.finding in rl}
            if len(problems) == before:
                try:
                    compiled[r.id] = _compile(r)
                except (TooComplex, NegationError) as exc:
                    problems.append(Problem(w, r.id, str(exc)))
                    continue
                # Context (L0) nodes are gates, never findings, so R-4 does not apply to them.
                if r.layer != Layer.CONTEXT and not all(_benchmark_free(conj, ind) for conj in compiled[r.id]):
                    problems.append(Problem(w, r.id, _("an alternative rests only on outcome or benchmark indicators "
                                                       "(design rule R-4: a benchmark gap is never a finding alone)")))
        for d in dirs.values():
            for target in d.answers:
                if target not in rl:
                    problems.append(Problem(where(d.id, d.provided_by), d.id,
                                            _("answers unknown rule {id}").format(id=repr(target))
                                            + did_you_mean(target, rl)))
            problems.extend(Problem(where(d.id, d.provided_by), d.id, m) for m in _check_citations(d.citations))
        for i in ind.values():
            problems.extend(Problem(where(i.id, i.provided_by), i.id, m) for m in _check_citations(i.citations))
            problems.extend(Problem(where(i.id, i.provided_by), i.id, m) for m in _check_proxies(i, ind))

        order: list[str] = []
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            members = exc.args[1]
            first = rl[members[0]]
            problems.append(Problem(where(first.id, first.provided_by), first.id,
                                    _("rules form a cycle: {cycle}").format(cycle=" -> ".join(members))))

        if not problems:
            problems.extend(_unreachable(order, rl, compiled, ind, origin))
        if problems:
            raise KnowledgeError("\n".join(str(p) for p in problems))
        kb = cls(indicators=ind, rules={k: rl[k] for k in order}, directions=dirs, families=fams)
        from .engine import compile_program  # pure Python: durable-rules itself is not imported

        engine_problems = compile_program(kb).problems
        if engine_problems:
            def located(message: str) -> str:
                rule = rl.get(message.split(":", 1)[0])
                return f"{where(rule.id, rule.provided_by)}: {message}" if rule else \
                    _("knowledge base: {problem}").format(problem=message)

            raise KnowledgeError("\n".join(located(p) for p in engine_problems))
        return kb

    # ---------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # The compiled logic core (with its forward-chaining form) travels as a pickle of its
        # own, read only when a command uses it: the on-disk cache holds several knowledge
        # bases and a run assesses with one (kbcache).
        state = dict(self.__dict__)
        core = state.pop("logic", None)
        if core is not None:
            state["_logic_pickle"] = pickle.dumps(core, protocol=pickle.HIGHEST_PROTOCOL)
        return state

    @cached_property
    def logic(self) -> LogicCore:
        """The compiled three-valued condition trees of every rule (see diagnostics.logic)."""
        from .logic import LogicCore

        packed = self.__dict__.pop("_logic_pickle", None)
        if packed is not None:
            core: LogicCore = pickle.loads(packed)  # noqa: S301 - written by __getstate__ above
            core.kb = self
            return core
        return LogicCore(self)

    @cached_property
    def digest(self) -> str:
        """A hash of the whole knowledge base, for the audit stamp."""
        payload = json.dumps(
            [
                [i.model_dump(mode="json") for i in self.indicators.values()],
                [r.model_dump(mode="json", by_alias=True) for r in self.rules.values()],
                [d.model_dump(mode="json") for d in self.directions.values()],
            ],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @cached_property
    def feeds(self) -> dict[str, list[str]]:
        """Indicator id -> ids of the rules whose condition, gate or evidence read it ("why ask")."""
        out: dict[str, list[str]] = {i: [] for i in self.indicators}
        for r in self.rules.values():
            for lf in _rule_leaves(r, with_supporting=True):
                key = lf.indicator if isinstance(lf, Compare) else lf.known if isinstance(lf, Known) else None
                if key in out and r.id not in out[key]:
                    out[key].append(r.id)
        return out

    @cached_property
    def used_by(self) -> dict[str, list[str]]:
        """Rule id -> ids of the rules that require its finding."""
        out: dict[str, list[str]] = {r: [] for r in self.rules}
        for r in self.rules.values():
            for lf in _rule_leaves(r):
                if isinstance(lf, Finding) and r.id not in out[lf.finding]:
                    out[lf.finding].append(r.id)
        return out

    @cached_property
    def rolls_up_to(self) -> dict[str, list[str]]:
        """Rule id -> the top-level diagnoses it feeds, directly or through other rules (R-5)."""
        out: dict[str, list[str]] = {}
        for rid in reversed(list(self.rules)):
            roots: list[str] = []
            for parent in self.used_by[rid]:
                if self.rules[parent].layer == Layer.DIAGNOSIS:
                    roots.append(parent)
                roots.extend(out.get(parent, []))
            out[rid] = sorted(set(roots), key=list(self.rules).index)
        return out

    def rule_indicators(self, rule_id: str) -> list[str]:
        """Indicators read directly by a rule (condition, gate and evidence sets)."""
        seen: list[str] = []
        for lf in _rule_leaves(self.rules[rule_id]):
            key = lf.indicator if isinstance(lf, Compare) else lf.known if isinstance(lf, Known) else None
            if key and key not in seen:
                seen.append(key)
        return seen

    def diagnoses(self) -> list[Rule]:
        return sorted(
            (r for r in self.rules.values() if r.layer == Layer.DIAGNOSIS),
            key=lambda r: list(self.rules).index(r.id),
        )

    def by_layer(self) -> list[Rule]:
        return sorted(self.rules.values(), key=lambda r: (LAYER_ORDER[r.layer], r.id))


# -------------------------------------------------------------------------------------
def _rule_leaves(rule: Rule, with_supporting: bool = False) -> list[Any]:
    out = leaves(rule.when)
    if rule.gate is not None:
        out += leaves(rule.gate)
    if rule.evidence is not None:
        out += [Known(known=i) for i in (*rule.evidence.formal, *rule.evidence.informal)]
    if with_supporting:
        out += list(rule.supporting)
    return out


def condition_parts(rule: Rule) -> list[Any]:
    """The conjuncts of gate ∧ evidence ∧ when, negation pushed into the comparisons."""
    parts: list[Any] = []
    if rule.gate is not None:
        parts.append(push_not(rule.gate))
    if rule.evidence is not None:
        parts.append(AnyOf(any=tuple(Known(known=i) for i in rule.evidence.formal)))
        parts.append(AnyOf(any=tuple(Known(known=i) for i in rule.evidence.informal)))
    when = push_not(rule.when)
    parts.extend(when.all if isinstance(when, All) else (when,))
    return parts


def _compile(rule: Rule) -> list[Conjunction]:
    """gate ∧ (evidence) ∧ when, as DNF over negation-free leaves."""
    return dnf(All(all=tuple(condition_parts(rule))))


def _benchmark_free(conj: Conjunction, ind: dict[str, Indicator]) -> bool:
    """True if the alternative has a premise beyond outcome statistics and benchmark ratios."""
    for lf in conj:
        if isinstance(lf, Finding):
            return True
        if isinstance(lf, Compare):
            spec = ind[lf.indicator]
            if spec.evidence_kind != EvidenceKind.OUTCOME and not spec.benchmark:
                return True
    return False


_OPS_BY_TYPE = {
    IndicatorType.BOOL: {"eq", "ne"},
    IndicatorType.ENUM: {"eq", "ne", "in", "not_in"},
    IndicatorType.SET: {"contains", "lacks"},
    IndicatorType.TEXT: set(),
}
_NUMERIC_OPS = {"eq", "ne", "lt", "lte", "gt", "gte"}


def _check_citations(citations: Iterable[str]) -> list[str]:
    out = []
    for c in citations:
        try:
            parse_citation(c)
        except ValueError as exc:
            out.append(str(exc))
    return out


def _check_proxies(measure: Indicator, ind: dict[str, Indicator]) -> list[str]:
    """A proxy stands in for an existing informal indicator, with values that indicator accepts."""
    from .profile import AnswerError, check_value

    out: list[str] = []
    for proxy in measure.proxy_for:
        target = ind.get(proxy.indicator)
        if target is None:
            out.append(_("proxy for unknown indicator {id}").format(id=repr(proxy.indicator))
                       + did_you_mean(proxy.indicator, ind))
            continue
        if target.evidence_kind != EvidenceKind.INFORMAL:
            out.append(_("may stand in only for an informal indicator; {id} is {kind}").format(
                id=target.id, kind=target.evidence_kind))
        out.extend(_check_citations(proxy.concept))
        for band in proxy.bands:
            try:
                check_value(target, band.value)
            except AnswerError as exc:
                out.append(_("proxy band gives a value {id} does not accept: {problem}").format(
                    id=target.id, problem=exc))
    return out


def _check_compare(c: Compare, ind: dict[str, Indicator]) -> list[str]:
    if c.indicator not in ind:
        return [_("unknown indicator {id}").format(id=repr(c.indicator)) + did_you_mean(c.indicator, ind)]
    spec = ind[c.indicator]
    allowed = _OPS_BY_TYPE.get(spec.type, _NUMERIC_OPS)
    if spec.display_only:
        return [_("{id} is display-only and cannot be used in a condition").format(id=c.indicator)]
    if c.op not in allowed:
        return [_("operator {op} does not fit {type} indicator {id} (use {ops})").format(
            op=repr(c.op), type=spec.type.value, id=c.indicator, ops=", ".join(sorted(allowed)) or _("none"))]
    values = c.value if c.op in ("in", "not_in") else [c.value]
    if c.op in ("in", "not_in") and not isinstance(c.value, (list, tuple)):
        return [_("{op} needs a list of values for {id}").format(op=c.op, id=c.indicator)]
    from .profile import AnswerError, check_value

    for v in values:
        try:
            if spec.type == IndicatorType.SET:
                check_value(spec, [v])
            else:
                check_value(spec, v)
        except AnswerError as exc:
            return [_("comparison value does not fit: {problem}").format(problem=exc)]
    return []


def _check_rule(r: Rule, ind: dict[str, Indicator], rl: dict[str, Rule], dirs: dict[str, Direction]) -> list[str]:
    out: list[str] = []
    for lf in _rule_leaves(r, with_supporting=True):
        if isinstance(lf, Compare):
            out.extend(_check_compare(lf, ind))
        elif isinstance(lf, Known):
            if lf.known not in ind:
                out.append(_("unknown indicator {id}").format(id=repr(lf.known)) + did_you_mean(lf.known, ind))
        elif isinstance(lf, Finding):
            if lf.finding not in rl:
                out.append(_("requires unknown rule {id}").format(id=repr(lf.finding)) + did_you_mean(lf.finding, rl))
            elif lf.finding == r.id:
                out.append(_("requires its own finding"))
    if r.evidence is not None:
        for side, kind in (("formal", EvidenceKind.FORMAL), ("informal", EvidenceKind.INFORMAL)):
            for i in getattr(r.evidence, side):
                if i in ind and ind[i].evidence_kind != kind:
                    out.append(_("evidence.{side} lists {id}, whose evidence kind is {kind}").format(
                        side=side, id=i, kind=ind[i].evidence_kind.value))
    if r.theme == "formal_informal_mismatch" and r.layer == Layer.MANIFESTATION and not r.mismatch:
        out.append(_("a formal–informal mismatch manifestation must set 'mismatch: true' (design rule R-2)"))
    for d in r.directions:
        if d not in dirs:
            out.append(_("unknown policy direction {id}").format(id=repr(d)) + did_you_mean(d, dirs))
    out.extend(_check_citations(r.citations))
    if r.layer != Layer.CONTEXT and not r.background and not r.directions and dirs:
        out.append(_("a reportable finding needs at least one policy direction (R-6)"))
    return out


def _satisfiable(conj: Conjunction, ind: dict[str, Indicator]) -> bool:
    """False if the comparisons in one alternative contradict each other."""
    from .logic import compare
    from .profile import AnswerError, check_value

    by_ind: dict[str, list[Compare]] = {}
    for lf in conj:
        if isinstance(lf, Compare):
            by_ind.setdefault(lf.indicator, []).append(lf)
    for key, comps in by_ind.items():
        if len(comps) < 2:
            continue
        spec = ind[key]
        candidates: list[Any]
        if spec.type == IndicatorType.BOOL:
            candidates = [True, False]
        elif spec.type == IndicatorType.ENUM:
            candidates = list(spec.values)
        elif spec.type == IndicatorType.SET:
            continue  # membership tests on different members never contradict
        else:
            pts = sorted({float(c.value) for c in comps})
            candidates = pts + [p + 1e-9 for p in pts] + [p - 1e-9 for p in pts]
            lo, hi = spec.bounds()
            candidates += [x for x in (lo, hi) if x is not None]
        ok = False
        for v in candidates:
            try:
                check_value(spec, v) if spec.type != IndicatorType.SCALE else None
            except AnswerError:
                continue
            if all(compare(c.op, v, c.value) for c in comps):
                ok = True
                break
        if not ok:
            return False
    return True


def _unreachable(
    order: list[str], rl: dict[str, Rule], compiled: dict[str, list[Conjunction]],
    ind: dict[str, Indicator], origin: dict[str, str],
) -> list[Problem]:
    reachable: set[str] = set()
    problems = []
    for rid in order:
        ok = any(
            _satisfiable(conj, ind)
            and all(lf.finding in reachable for lf in conj if isinstance(lf, Finding))
            for conj in compiled[rid]
        )
        if ok:
            reachable.add(rid)
        else:
            r = rl[rid]
            problems.append(Problem(origin.get(rid) or r.provided_by or _("knowledge base"), rid,
                                    _("unreachable: no combination of answers can make it fire")))
    return problems


# -------------------------------------------------------------------------------------
# Loading YAML files of records (used by the built-in knowledge plugin and by plugins).

def _records(path: Path, key: str) -> tuple[list[Any], Mapping[Any, int]]:
    data, lines = load_data(path)
    if not isinstance(data, dict) or key not in data or not isinstance(data[key], list):
        raise DataError(_("expected a top-level '{key}:' list").format(key=key), file=path, line=1)
    return data[key], lines


def _load_records(path: Path, key: str, model: type[Any], provided_by: str) -> list[Any]:
    items, lines = _records(path, key)
    out = []
    for n, item in enumerate(items):
        numbered = _("item {n}").format(n=n + 1)
        label = item.get("id", numbered) if isinstance(item, dict) else numbered
        if isinstance(item, dict) and provided_by:
            item = {**item, "provided_by": provided_by}
        out.append(parse_model(model, item, path, lines, (key, n), what=str(label)))
    return out


def load_indicator_file(path: Path, provided_by: str = "") -> list[Indicator]:
    return _load_records(path, "indicators", Indicator, provided_by)


def load_rule_file(path: Path, provided_by: str = "") -> list[Rule]:
    return _load_records(path, "rules", Rule, provided_by)


def load_direction_file(path: Path, provided_by: str = "") -> list[Direction]:
    return _load_records(path, "directions", Direction, provided_by)


def load_directory(root: Path, provided_by: str = "") -> tuple[list[Indicator], list[Rule], list[Direction]]:
    """Read `indicators/*.yaml`, `nodes/*.yaml` and `directions/*.yaml` under a folder."""
    indicators: list[Indicator] = []
    rules: list[Rule] = []
    directions: list[Direction] = []
    for p in sorted((root / "indicators").glob("*.yaml")):
        indicators += load_indicator_file(p, provided_by)
    for p in sorted((root / "nodes").glob("*.yaml")):
        rules += load_rule_file(p, provided_by)
    for p in sorted((root / "directions").glob("*.yaml")):
        directions += load_direction_file(p, provided_by)
    return indicators, rules, directions
