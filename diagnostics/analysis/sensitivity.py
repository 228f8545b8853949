"""Sensitivity: which answer changes would un-fire a fired finding (counterfactuals), and
which unknown answers would settle an open one (deciders).

The searches run on the logic core's incremental mode; the cut search walks the same
compiled condition trees (`LogicCore.trees`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..assessment import undecided_indicators, validate_answers
from ..condition_tree import Compare
from ..errors import DataError
from ..i18n import _
from ..kb import KnowledgeBase, did_you_mean
from ..logic import DECIDED, F, LeafResult, Node, RuleOutcome, Status, T, U
from ..profile import Answer, EvidenceGrade, Profile, Value
from .values import ValueClass, answer_classes, closure_indicators, jsonable, truth, value_classes


@dataclass
class Flip:
    indicator: str
    before: Value
    after: Value
    region: str  # the class of values the new answer stands for
    falsifies: list[str]  # premises that stop holding

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "before": jsonable(self.before),
                "after": jsonable(self.after), "region": self.region, "falsifies": self.falsifies}


@dataclass
class Counterfactual:
    changes: list[Flip]
    status: Status  # the diagnosis's status after the changes

    def as_json(self) -> dict[str, Any]:
        return {"changes": [c.as_json() for c in self.changes], "status": self.status.value}

    def answers(self) -> dict[str, Answer | None]:
        return {c.indicator: Answer(value=c.after, evidence=EvidenceGrade.EXPERT_JUDGEMENT,
                                    note="counterfactual") for c in self.changes}


@dataclass
class FiredSensitivity:
    rule: str
    title: str
    counterfactuals: list[Counterfactual]
    complete: bool  # False if the search budget ran out before every branch was tried
    evaluated: int

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "complete": self.complete,
                "evaluated": self.evaluated,
                "counterfactuals": [c.as_json() for c in self.counterfactuals]}


@dataclass
class Outcome:
    value: Value
    region: str
    status: Status


@dataclass
class Decider:
    indicator: str
    outcomes: list[Outcome]

    @property
    def fires_if(self) -> list[str]:
        return [o.region for o in self.outcomes if o.status is Status.FIRED]

    @property
    def clears_if(self) -> list[str]:
        return [o.region for o in self.outcomes if o.status in (Status.NOT_FIRED, Status.NOT_APPLICABLE)]

    @property
    def decides(self) -> bool:
        return bool(self.fires_if or self.clears_if)

    def as_json(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "fires_if": self.fires_if, "clears_if": self.clears_if,
                "outcomes": [{"value": jsonable(o.value), "region": o.region, "status": o.status.value}
                             for o in self.outcomes]}


@dataclass
class OpenSensitivity:
    rule: str
    title: str
    deciders: list[Decider]  # unknown indicators that settle it alone, one way or the other
    also_needed: list[str]  # unknown indicators that matter but cannot settle it alone

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title,
                "deciders": [d.as_json() for d in self.deciders], "also_needed": self.also_needed}


@dataclass
class Sensitivity:
    country: str
    max_size: int
    fired: list[FiredSensitivity]
    open: list[OpenSensitivity]

    def for_rule(self, rule_id: str) -> FiredSensitivity | OpenSensitivity:
        items: list[FiredSensitivity | OpenSensitivity] = [*self.fired, *self.open]
        for item in items:
            if item.rule == rule_id:
                return item
        raise KeyError(rule_id)

    def as_json(self) -> dict[str, Any]:
        return {"country": self.country, "max_size": self.max_size,
                "fired": [f.as_json() for f in self.fired], "not_assessable": [o.as_json() for o in self.open]}


Cut = frozenset[str]


def _minimal(sets: Iterable[Cut]) -> list[Cut]:
    items = list(sets)
    if len(items) <= 1:
        return items
    out: list[Cut] = []
    for c in sorted(set(items), key=len):
        if not any(k <= c for k in out):
            out.append(c)
    return out


def _product(parts: Sequence[list[Cut]], limit: int) -> list[Cut]:
    acc: list[Cut] = [frozenset()]
    for part in parts:
        acc = _minimal([a | b for a in acc for b in part if len(a | b) <= limit])
        if not acc:
            break
    return acc


Events = dict[str, dict[tuple[int, bool], tuple[Compare, bool]]]  # indicator -> premises that held
_Entry = tuple[list[Cut], Events]


class _Cuts:
    """Optimistic minimal cut sets of a fired rule in one state, of at most `limit` answers.

    Treat the condition in negation normal form as a monotone function of its leaves; a
    set of answers is a cut when changing them so that every premise on them fails would
    stop the rule firing. Any real set of changes that stops it contains such a cut (only
    premises that held can fail), so searching only among members of cuts misses nothing;
    whether the concrete values really do it is then checked by evaluation.
    """

    def __init__(self, trees: Mapping[str, tuple[Node | None, Node]], values: Mapping[str, Any],
                 status: Mapping[str, Status], fixed: set[str], limit: int,
                 flippable: Callable[[Compare], bool], inherited: Mapping[str, _Entry] | None = None) -> None:
        self.trees, self.values, self.status = trees, values, status
        self.fixed, self.limit, self.flippable = fixed, limit, flippable
        self.memo: dict[str, _Entry] = dict(inherited or {})
        self._sink: Events = {}

    def rule(self, rule_id: str) -> _Entry:
        hit = self.memo.get(rule_id)
        if hit is None:
            outer, self._sink = self._sink, {}
            gate, when = self.trees[rule_id]
            found = self.node(when, T, False)
            if gate is not None:
                found = found + self.node(gate, T, False)
            hit = (_minimal(found), self._sink)
            self._sink = outer
            self.memo[rule_id] = hit
        return hit

    def node(self, n: Node, want: int, negated: bool) -> list[Cut]:
        """Cuts that move node `n` off its current value `want` (T or F)."""
        v, s = self.values, self.status
        if n.kind == "cmp":
            leaf: Compare = n.leaf
            if leaf.indicator in self.fixed or not self.flippable(leaf):
                return []
            self._sink.setdefault(leaf.indicator, {})[(id(leaf), negated)] = (leaf, negated)
            return [frozenset((leaf.indicator,))]
        if n.kind == "known":
            return []  # changing a value never un-answers it
        if n.kind == "finding":
            if want != T:
                return []
            cuts, events = self.rule(n.leaf.finding)
            for ind, held in events.items():
                self._sink.setdefault(ind, {}).update(held)
            return cuts
        if n.kind == "not":
            return self.node(n.kids[0], 2 - want, not negated)
        kids = [(kid, kid.tv(v, s)) for kid in n.kids]
        same = [kid for kid, t in kids if t == want]
        if n.kind == "at_least":
            n_true = sum(t == T for _, t in kids)
            n_unknown = sum(t == U for _, t in kids)
            m = n_true - n.need + 1 if want == T else n.need - n_true - n_unknown
            if m <= 0 or m > len(same):
                return []
            per = [self.node(kid, want, negated) for kid in same]
            out: list[Cut] = []
            for combo in itertools.combinations(per, m):
                out += _product(combo, self.limit)
            return _minimal(out)
        if (n.kind == "all") == (want == T):  # one kid leaving `want` is enough
            return _minimal([c for kid in same for c in self.node(kid, want, negated)])
        return _product([self.node(kid, want, negated) for kid in same], self.limit)

    def inherit(self, changed: str, limit: int, closures: Mapping[str, frozenset[str]]) -> dict[str, _Entry]:
        """Entries still valid after `changed` is flipped: rules that cannot see it."""
        return {rid: ([c for c in cuts if len(c) <= limit], ev) for rid, (cuts, ev) in self.memo.items()
                if changed not in closures[rid]}


def _describe(leaf: Compare, negated: bool) -> str:
    return LeafResult(leaf, T if not negated else F, negated=negated).describe()


def counterfactuals(kb: KnowledgeBase, rule_id: str, values: Mapping[str, Any], *,
                    max_size: int = 3, budget: int = 20_000,
                    base_status: Mapping[str, Status] | None = None) -> FiredSensitivity:
    """The minimal sets of answer changes (≤ max_size answers) after which `rule_id` stops firing.

    Minimal means no smaller set of the same answers would do it with any values. The
    search walks only answers that belong to a cut of the current state (see `_Cuts`),
    flips each to the value classes that make one of its premises fail, and checks each
    candidate with the fast evaluator.
    """
    logic = kb.logic
    status0 = dict(base_status) if base_status is not None else logic.statuses(values)
    title = kb.rules[rule_id].title
    if status0[rule_id] is not Status.FIRED:
        return FiredSensitivity(rule_id, title, [], True, 0)
    trees, closures = logic.trees, logic.closures
    classes: dict[tuple[str, str], list[ValueClass]] = {}

    def classes_of(ind: str, current: Any) -> list[ValueClass]:
        key = (ind, repr(current))
        if key not in classes:
            classes[key] = value_classes(kb, ind, current)[1:]
        return classes[key]

    flips: dict[int, bool] = {}

    def flippable(leaf: Compare) -> bool:
        hit = flips.get(id(leaf))
        if hit is None:
            current = values[leaf.indicator]
            held = truth([leaf], current)
            hit = any(truth([leaf], vc.value) != held for vc in classes_of(leaf.indicator, current))
            flips[id(leaf)] = hit
        return hit

    found: dict[Cut, Counterfactual] = {}
    visited: set[frozenset[tuple[str, str]]] = set()
    evaluated = 0
    complete = True

    def search(vals: dict[str, Any], status: dict[str, Status], chosen: tuple[Flip, ...],
               inherited: Mapping[str, _Entry]) -> None:
        nonlocal evaluated, complete
        names = {f.indicator for f in chosen}
        room = max_size - len(chosen)
        cuts = _Cuts(trees, vals, status, names, room, flippable, inherited)
        candidates, events = cuts.rule(rule_id)
        order = list(dict.fromkeys(i for c in candidates for i in sorted(c)))
        for ind in order:
            keys = frozenset(names | {ind})
            if any(k <= keys for k in found):
                continue
            current = vals[ind]
            held = list(events.get(ind, {}).values())
            for vc in classes_of(ind, current):
                falsified = [_describe(leaf, neg) for leaf, neg in held
                             if truth([leaf], vc.value) != truth([leaf], current)]
                if not falsified:
                    continue  # every premise on this answer still holds
                tag = frozenset({*((f.indicator, repr(f.after)) for f in chosen), (ind, repr(vc.value))})
                if tag in visited:
                    continue
                visited.add(tag)
                if evaluated >= budget:
                    complete = False
                    return
                evaluated += 1
                new_vals = {**vals, ind: vc.value}
                new_status = logic.update(status, new_vals, [ind])
                flip = Flip(ind, values[ind], vc.value, vc.region, list(dict.fromkeys(falsified)))
                if new_status[rule_id] is not Status.FIRED:
                    changes = sorted([*chosen, flip], key=lambda c: c.indicator)
                    found.setdefault(keys, Counterfactual(changes, new_status[rule_id]))
                    break
                if room > 1:
                    search(new_vals, new_status, (*chosen, flip), cuts.inherit(ind, room - 1, closures))
                    if keys in found or any(k <= keys for k in found):
                        break

    search(dict(values), status0, (), {})
    minimal = [cf for keys, cf in found.items() if not any(k < keys for k in found)]
    minimal.sort(key=lambda cf: (len(cf.changes), [c.indicator for c in cf.changes]))
    return FiredSensitivity(rule_id, title, minimal, complete, evaluated)


def deciders(kb: KnowledgeBase, rule_id: str, values: Mapping[str, Any],
             outcomes: Mapping[str, RuleOutcome] | None = None,
             base_status: Mapping[str, Status] | None = None) -> OpenSensitivity:
    """For a not-assessable rule: which unknown answers settle it alone, and which way."""
    logic = kb.logic
    outcomes = outcomes if outcomes is not None else logic.outcomes(values)
    status0 = dict(base_status) if base_status is not None else {r: o.status for r, o in outcomes.items()}
    found: list[Decider] = []
    also: list[str] = []
    for ind in undecided_indicators(outcomes, rule_id):
        results = []
        for vc in answer_classes(kb, ind):
            new_vals = {**values, ind: vc.value}
            st = logic.update(status0, new_vals, [ind])[rule_id]
            results.append(Outcome(vc.value, vc.region, st))
        d = Decider(ind, results)
        if d.decides:
            found.append(d)
        else:
            also.append(ind)
    # Indicators that settle it whatever the answer come first.
    found.sort(key=lambda d: -sum(o.status in DECIDED for o in d.outcomes) / max(1, len(d.outcomes)))
    return OpenSensitivity(rule_id, kb.rules[rule_id].title, found, also)


def sensitivity(kb: KnowledgeBase, profile: Profile, *, max_size: int = 3,
                rules: Sequence[str] | None = None, budget: int = 20_000) -> Sensitivity:
    """Counterfactuals for fired diagnoses, deciding answers for not-assessable ones."""
    if not 1 <= max_size <= 3:
        raise DataError(_("the size of a change set must be 1, 2 or 3, not {size}").format(size=max_size))
    values = validate_answers(profile, kb)
    outcomes = kb.logic.outcomes(values)
    status = {r: o.status for r, o in outcomes.items()}
    targets = list(rules) if rules is not None else [r.id for r in kb.diagnoses()]
    for rid in targets:
        if rid not in kb.rules:
            raise DataError(_("unknown rule {id}").format(id=repr(rid)) + did_you_mean(rid, kb.rules))
    fired = [counterfactuals(kb, rid, values, max_size=max_size, budget=budget, base_status=status)
             for rid in targets if status[rid] is Status.FIRED]
    open_ = [deciders(kb, rid, values, outcomes, status)
             for rid in targets if status[rid] is Status.NOT_ASSESSABLE]
    return Sensitivity(profile.country, max_size, fired, open_)


@dataclass
class SingleChange:
    indicator: str
    before: Value | None  # None: not answered
    after: Value | None  # None: the answer becomes unknown
    status: Status  # the rule's status after the change


def single_changes(kb: KnowledgeBase, profile: Profile, rule_id: str) -> list[SingleChange]:
    """Every single answer change (or making an answer unknown) that changes the rule's status."""
    logic = kb.logic
    values = validate_answers(profile, kb)
    base = logic.statuses(values)
    out: list[SingleChange] = []
    for ind in closure_indicators(kb, rule_id, supporting=False):
        current = values.get(ind)
        # One value per class the rules can tell apart is enough to see every status change.
        tries: list[Any] = [c.value for c in value_classes(kb, ind, current) if c.value != current]
        if ind in values:
            tries.append(None)
        for v in tries:
            trial = {k: x for k, x in values.items() if k != ind}
            if v is not None:
                trial[ind] = v
            status = logic.update(base, trial, [ind])[rule_id]
            if status is not base[rule_id]:
                out.append(SingleChange(ind, current, v, status))
    return out
