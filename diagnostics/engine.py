"""The forward-chaining backend on durable-rules. The only module that imports `durable`.

Each rule's condition (gate ∧ evidence ∧ when) is compiled to disjunctive normal form; every
alternative becomes one durable-rules rule whose patterns join one answer fact per
indicator and one finding fact per required rule. An action derives the rule's finding
fact, which lets later rules chain on it.

Workarounds for measured durable-rules defects (see shared/engineering/durable-rules.md):
- our own Host without the two background timer threads (they steal activations, segfault);
- actions looked up by name, the ruleset definition deep-copied before registering;
- every pattern pins `type` by equality (the engine's state fact would loop otherwise);
- no durable-rules negation (unsound): `not` is pushed into the comparisons at compile time;
- a sentinel fact fires first in every session (delete_state crashes if no action ran);
- one live session at a time, deleted in `finally` (1,024-session cap, 32-bit sid hashes);
- explicit fact ids, floats normalised (exponent floats fail to parse), NaN/inf rejected;
- exceptions inside actions are captured and re-raised (durable swallows them).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from durable import engine as durable_engine

from .conditions import dnf
from .errors import EngineError, KnowledgeError
from .kb import MAX_PATTERNS, KnowledgeBase, condition_parts
from .knowledge import Compare, Finding, Indicator, IndicatorType, Known

RULESET = "diagnostics"
SENTINEL = "__session__"


@dataclass(frozen=True)
class Firing:
    """One activation: which rule fired, on which answers and findings."""

    rule_id: str
    answers: dict[str, Any]  # indicator id -> value matched
    findings: tuple[str, ...]  # rule ids whose findings were matched


@dataclass
class EngineResult:
    fired: list[str]  # rule ids in firing order, each once
    firings: list[Firing] = field(default_factory=list)


def normalise_float(x: float) -> float:
    """A float whose JSON text the durable-rules parser accepts (it needs a '.' before 'e')."""
    if not math.isfinite(x):
        raise EngineError(f"{x!r} is not a finite number")
    value = x
    for _ in range(64):
        text = repr(value)
        if "e" not in text or "." in text.split("e")[0]:
            return value
        value = math.nextafter(value, 0.0)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return normalise_float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    raise EngineError(f"cannot give {type(value).__name__} value {value!r} to the engine")


def _test(c: Compare) -> dict[str, Any]:
    v = c.value
    if c.op == "contains":
        return {f"m_{v}": 1}
    if c.op == "lacks":
        return {f"m_{v}": 0}
    if c.op == "in":
        return {"$or": [{"value": _jsonable(x)} for x in v]}
    if c.op == "not_in":
        return {"$and": [{"$neq": {"value": _jsonable(x)}} for x in v]}
    if c.op == "eq":
        return {"value": _jsonable(v)}
    op = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}[c.op]
    return {op: {"value": _jsonable(v)}}


def _pattern_list(conj: tuple[Any, ...]) -> list[dict[str, Any]]:
    """One durable pattern per fact the alternative joins."""
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    findings: list[str] = []
    auxes: list[str] = []
    for leaf in conj:
        if isinstance(leaf, Compare):
            by_indicator.setdefault(leaf.indicator, []).append(_test(leaf))
        elif isinstance(leaf, Known):
            by_indicator.setdefault(leaf.known, [])
        elif isinstance(leaf, Finding) and leaf.finding not in findings:
            findings.append(leaf.finding)
        elif isinstance(leaf, _Aux) and leaf.key not in auxes:
            auxes.append(leaf.key)
    # durable-rules never joins a fact with itself, so all tests on one indicator share a pattern.
    patterns: list[dict[str, Any]] = []
    for i, (ind, tests) in enumerate(by_indicator.items()):
        patterns.append({f"a{i}": {"$and": [{"type": "answer"}, {"ind": ind}, *tests]}})
    for j, target in enumerate(findings):
        patterns.append({f"f{j}": {"$and": [{"type": "finding"}, {"rule": target}]}})
    for k, key in enumerate(auxes):
        patterns.append({f"x{k}": {"$and": [{"type": "aux"}, {"key": key}]}})
    return patterns


@dataclass(frozen=True)
class _Aux:
    """A derived helper fact standing for one top-level part of a rule's condition."""

    key: str


def compile_ruleset(kb: KnowledgeBase) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The durable-rules definition, and durable rule name -> (kind, id) of what it derives.

    Each rule becomes one main durable rule. A top-level part of its condition that has
    several alternatives (an `any`, an `at_least`, an evidence set) becomes auxiliary rules
    deriving a helper fact, instead of multiplying the main rule out: a full expansion
    would link one alpha node to more beta nodes than durable-rules allows (256).
    """
    definition: dict[str, Any] = {
        SENTINEL: {"all": [{"m": {"type": SENTINEL}}], "run": SENTINEL},
    }
    names: dict[str, tuple[str, str]] = {}
    for rule_id, rule in kb.rules.items():
        main: list[Any] = []
        for n, part in enumerate(condition_parts(rule)):
            alternatives = dnf(part)
            if len(alternatives) == 1:
                main.extend(alternatives[0])
                continue
            key = f"{rule_id}/{n}"
            for m, conj in enumerate(alternatives):
                name = f"{key}#{m}"
                definition[name] = {"all": _pattern_list(conj), "run": name}
                names[name] = ("aux", key)
            main.append(_Aux(key))
        definition[rule_id] = {"all": _pattern_list(tuple(main)), "run": rule_id}
        names[rule_id] = ("finding", rule_id)
    for name, spec in definition.items():
        if len(spec["all"]) > MAX_PATTERNS:
            raise KnowledgeError(f"{name}: joins {len(spec['all'])} facts; durable-rules allows {MAX_PATTERNS}")
    return definition, names


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A Host whose actions are looked up by name and which starts no timer threads."""

    def __init__(self, actions: Mapping[str, Any], rulesets: dict[str, Any]) -> None:
        self._named_actions = actions
        super().__init__(rulesets)

    def _run(self) -> None:  # Host.__init__ would start two perpetual threading.Timer loops
        pass

    def get_action(self, action_name: str) -> Any:
        return self._named_actions[action_name]


def answer_fact(spec: Indicator, value: Any) -> dict[str, Any]:
    fact: dict[str, Any] = {"id": f"a:{spec.id}", "type": "answer", "ind": spec.id}
    if spec.type == IndicatorType.SET:
        members = set(value)
        for member in spec.values:
            fact[f"m_{member}"] = 1 if member in members else 0
    else:
        fact["value"] = _jsonable(value)
    return fact


class DurableEngine:
    """Assess profiles with durable-rules; safe for any number of assessments per process."""

    name = "durable"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.definition, self._names = compile_ruleset(kb)
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._current: _Session | None = None
        actions = {name: self._make_action(name) for name in self._names}
        actions[SENTINEL] = lambda c: None
        self._host = _QuietHost(actions, {RULESET: copy.deepcopy(self.definition)})
        self._used = {i for i, rules in kb.feeds.items() if rules}
        # Each durable rule derives one fact at most, so chains end by themselves; the cap
        # only guards against a defect turning into an endless loop.
        self.max_firings = 10 * len(self._names) + 100

    def _make_action(self, name: str) -> Any:
        kind, target = self._names[name]
        fact = {"id": f"d:{target}", "type": "finding", "rule": target} if kind == "finding" else {
            "id": f"x:{target}", "type": "aux", "key": target}

        def action(c: Any) -> None:
            session = self._current
            if session is None:  # pragma: no cover - only if durable calls back late
                return
            try:
                matched = c._m or {}
                session.count += 1
                if session.count > session.cap:
                    raise EngineError(f"more than {session.cap} firings: runaway chain")
                if target in session.seen:
                    return  # another alternative already derived this fact
                session.seen.add(target)
                if kind == "finding":
                    answers = {f["ind"]: session.values.get(f["ind"]) for a, f in matched.items() if a[0] == "a"}
                    found = tuple(f["rule"] for a, f in matched.items() if a[0] == "f")
                    session.firings.append(Firing(target, answers, found))
                    session.derived.append(target)
                try:
                    c.assert_fact(dict(fact))
                except durable_engine.MessageNotHandledException:
                    pass  # no rule consumes this finding: nothing to chain
                except durable_engine.MessageObservedException:
                    raise EngineError(f"fact id collision while deriving {target}") from None
            except BaseException as exc:  # durable-rules would swallow it
                session.errors.append(exc)

        return action

    def assess(self, values: Mapping[str, Any]) -> EngineResult:
        """Fire every rule the known answers support. `values` maps indicator id -> value."""
        with self._lock:
            sid = str(next(self._counter))
            session = _Session(values=dict(values), cap=self.max_firings)
            self._current = session
            try:
                self._host.assert_fact(RULESET, {"sid": sid, "id": "s", "type": SENTINEL})
                try:
                    for ind, value in values.items():
                        spec = self.kb.indicators.get(ind)
                        if spec is None or ind not in self._used or value is None:
                            continue
                        fact = answer_fact(spec, value)
                        fact["sid"] = sid
                        try:
                            json.dumps(fact, allow_nan=False)
                            self._host.assert_fact(RULESET, fact)
                        except durable_engine.MessageNotHandledException:
                            pass  # no rule tests this value: it cannot matter
                        except ValueError as exc:
                            raise EngineError(f"{ind}: {exc}") from None
                    state = self._host.get_state(RULESET, sid)
                    if state.get("exception"):
                        raise EngineError(f"rule action failed: {state['exception']}")
                    if session.errors:
                        err = session.errors[0]
                        if isinstance(err, EngineError):
                            raise err
                        raise EngineError(f"rule action failed: {err!r}") from err
                finally:
                    self._host.delete_state(RULESET, sid)
            finally:
                self._current = None
            return EngineResult(fired=list(session.derived), firings=session.firings)


@dataclass
class _Session:
    values: dict[str, Any]
    cap: int
    derived: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    count: int = 0
    firings: list[Firing] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
