"""The forward-chaining backend on durable-rules. The only module that imports durable-rules.

The rules arrive compiled by the logic core (`LogicCore.chaining`): each rule is a set of
alternatives over *parts* (subtrees without findings, decided in Python before chaining)
and *findings*. Per assessment the true parts are posted in one batch; durable-rules joins
them with the findings already derived and fires each rule at most once: all of a rule's
alternatives are one durable rule (`any`) with a `cap`, and rules run in order of depth
(`pri`), so by the time a rule's activation runs every premise it could use is in, and
its one activation carries every alternative that holds. That firing is the finding, and
the alternatives it carries are its "how".

Facts hold no answer values, only a chunk number written in base-32 digits, each digit its
own property name set to 1 (`x5: 1, y0: 1` is 5 + 0 * 32), and flags. durable-rules keeps
the children of an alpha node in a 512-slot table probed linearly by property name, and
compares every child with the fact's property of that name: one field with hundreds of
values makes every match (and, past 512, the build) scan them all, and even a digit field
`x` with 32 values is 32 comparisons per fact at each level, a number that grows with the
knowledge base. A digit in the name is found by its hash in one probe, and no table holds
more than 32 names, so the work per fact stays flat as the knowledge base grows.
True parts travel 32 to a fact (a chunk, with one flag field `bN` per true part): the C
core copies about 7 KB per stored fact whatever its size, so fewer, wider facts cost less.
A part's pattern tests its chunk's digits and its flag. Findings that other rules need
travel the same way, 32 to a fact of one depth: they wait while rules of their depth fire
and are posted together when the next rule to fire is deeper (the first that could need
them). Per assessment that is about 14 stored facts instead of one per finding (68).

Workarounds for measured durable-rules defects (see shared/engineering/durable-rules.md):
- we drive the C core directly: no Host, so no timer threads, no action Closures, no
  swallowed exceptions, no JSON round trip of the session state after every action;
- every pattern pins `type` by equality (the engine's state fact would loop otherwise);
- no durable-rules negation (unsound): negation is decided in Python, inside the parts;
- a sentinel fact fires first in every session (delete_state crashes if no action ran);
- one live session at a time, deleted in `finally`; fact ids checked for 32-bit hash
  collisions when compiling;
- the C ruleset is deleted when the engine is dropped (it holds about 3 MB of state slots).
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .chaining import Chaining, ChainingError
from .errors import EngineError
from .i18n import _

if TYPE_CHECKING:
    from .kb import KnowledgeBase

RULESET = "diagnostics"
SENTINEL = "$sentinel"
SID = "0"
BASE = 32  # children per alpha node: far below the 512 slots durable-rules allows
CHUNK = 32  # parts per fact, one flag field each (a fact holds at most 250 fields)
DIGIT_FIELDS = ("x", "y", "z", "w")
_FLAGS = [f'"b{bit}":1' for bit in range(CHUNK)]
MAX_PATTERNS = 16  # durable-rules MAX_MESSAGE_FRAMES: facts one alternative may join
MAX_BETA_LINKS = 256  # durable-rules BETA_LIST_LENGTH: patterns one fact may feed


@dataclass(frozen=True)
class Firing:
    """One activation: the rule and the premise positions of every alternative that held."""

    rule_id: str
    positions: tuple[int, ...]


@dataclass
class EngineResult:
    fired: list[str]  # rule ids in firing order, each once
    firings: list[Firing] = field(default_factory=list)


def _fnv1a(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def _digits(n: int, width: int) -> list[tuple[str, int]]:
    """`n` in base-32 digits, one property per digit named by its field and value."""
    out = []
    for f in DIGIT_FIELDS[:width]:
        out.append((f"{f}{n % BASE}", 1))
        n //= BASE
    return out


@dataclass
class Program:
    """A knowledge base compiled for durable-rules (kept on the knowledge base's chaining)."""

    definition: dict[str, Any]
    # rule -> its alternatives: (the parts and the findings they need, their premise positions)
    alternatives: dict[str, list[tuple[frozenset[int], frozenset[str], tuple[int, ...]]]]
    chunk_heads: list[str]  # chunk of parts -> its fact's JSON text up to the flags
    finding_heads: list[str]  # chunk of findings -> its fact's JSON text up to the flags
    finding_slots: dict[str, tuple[int, str]]  # consumed rule -> (its chunk of findings, its flag)
    depth: dict[str, int]  # rule -> its `pri`: rules fire in this order
    problems: list[str]
    definition_text: str = ""  # `definition` as the JSON durable-rules reads (made once, cached with it)


def _fact(kind: str, key: int, width: int) -> dict[str, Any]:
    return {"sid": SID, "id": f"{kind}{key}", "type": kind, **dict(_digits(key, width))}


def _pattern(kind: str, slot: int, width: int) -> dict[str, Any]:
    """A test for flag `slot` (chunk * 32 + bit) of a chunk fact of `kind` (o: parts, g: findings)."""
    chunk, bit = divmod(slot, CHUNK)
    return {"$and": [{"type": kind}, *({f: d} for f, d in _digits(chunk, width)), {f"b{bit}": 1}]}


def compile_program(kb: KnowledgeBase) -> Program:
    """The durable-rules definition of a knowledge base, and every limit it would break."""
    cached = kb.logic.translations.get("durable")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    problems: list[str] = []
    try:
        chaining: Chaining = kb.logic.chaining
    except ChainingError as exc:
        return Program({}, {}, [], [], {}, {}, [str(exc)])
    chunks = -(-len(chaining.parts) // CHUNK)
    # Consumed findings get flags in chunks of findings, a depth per chunk (all of a depth are
    # posted together, once the rules of lower depth have fired; see DurableEngine._run).
    slot_of: dict[int, int] = {}  # consumed rule's index -> its flag (chunk * 32 + bit)
    finding_chunk_depth: list[int] = []  # chunk of findings -> the depth of its rules
    used = CHUNK
    for cr in sorted((cr for cr in chaining.rules if cr.rule in chaining.consumed), key=lambda cr: cr.depth):
        if used == CHUNK or finding_chunk_depth[-1] != cr.depth:
            finding_chunk_depth.append(cr.depth)
            used = 0
        slot_of[cr.index] = (len(finding_chunk_depth) - 1) * CHUNK + used
        used += 1
    width = 1
    while BASE ** width < max(chunks, len(finding_chunk_depth), 1):
        width += 1
    if width > len(DIGIT_FIELDS):
        problems.append(_("{n} condition parts: the engine's fact encoding holds {limit}").format(
            n=len(chaining.parts), limit=BASE ** len(DIGIT_FIELDS)))
        width = len(DIGIT_FIELDS)
    rule_ids = [cr.rule for cr in chaining.rules]
    definition: dict[str, Any] = {SENTINEL: {"all": [{"m": {"type": "s"}}], "pri": 0}}
    alternatives: dict[str, list[tuple[frozenset[int], frozenset[str], tuple[int, ...]]]] = {}
    links: dict[str, int] = {}
    for cr in chaining.rules:
        alias_of = {(p.kind, p.key): ("o" if p.kind == "part" else "f") + str(p.key)
                    for alt in cr.alternatives for p in alt}
        tests = [_pattern("o", key, width) if kind == "part" else _pattern("g", slot_of[key], width)
                 for (kind, key) in alias_of]
        patterns = [{alias: test} for alias, test in zip(alias_of.values(), tests, strict=True)]
        for alias in alias_of.values():
            links[alias] = links.get(alias, 0) + 1
        if len(patterns) > MAX_PATTERNS:
            problems.append(_("{rule}: its condition joins {n} facts; the engine allows {limit}").format(
                rule=cr.rule, n=len(patterns), limit=MAX_PATTERNS))
        if len(cr.alternatives) == 1:
            # One way to fire: a plain join, which activates only when every premise is in.
            # Two premises may be flags of one fact (`dist` 0 lets one fact fill both).
            definition[cr.rule] = {"all": patterns, "pri": cr.depth, "dist": 0}
        else:
            # Several ways to fire: one pattern matching any premise fact; with `cap`, the one
            # activation (all premises are in by then: they fire at lower `pri`) carries
            # every premise present, and the action picks the alternatives that hold.
            definition[cr.rule] = {"all": [{"m": {"$or": tests}}], "pri": cr.depth, "cap": len(tests)}
        alternatives[cr.rule] = [
            (frozenset(p.key for p in alt if p.kind == "part"),
             frozenset(rule_ids[p.key] for p in alt if p.kind != "part"),
             tuple(pos for p in alt for pos in p.positions))
            for alt in cr.alternatives]
        if any(not alt for alt in cr.alternatives):
            problems.append(_("{rule}: a way to fire with no premise").format(rule=cr.rule))
    for alias, n in links.items():
        if n > MAX_BETA_LINKS:
            key = int(alias[1:])
            what = _("the finding of {rule}").format(rule=rule_ids[key]) if alias[0] == "f" else \
                _("a part of {rule}").format(rule=chaining.parts[key].rule)
            problems.append(_("{what} feeds {n} rule alternatives; the engine allows {limit}").format(
                what=what, n=n, limit=MAX_BETA_LINKS))
    ids = ["s", f"sid-{SID}", *(f"o{c}" for c in range(chunks)), *(f"g{c}" for c in range(len(finding_chunk_depth)))]
    hashes: dict[int, str] = {}
    for i in ids:
        other = hashes.setdefault(_fnv1a(i), i)
        if other != i:
            problems.append(_("fact ids {first} and {second} collide in the engine's 32-bit hash").format(
                first=repr(other), second=repr(i)))
    chunk_heads = [json.dumps(_fact("o", c, width), separators=(",", ":"))[:-1] for c in range(chunks)]
    finding_heads = [json.dumps(_fact("g", c, width), separators=(",", ":"))[:-1]
                     for c in range(len(finding_chunk_depth))]
    finding_slots = {rule_ids[i]: (slot // CHUNK, _FLAGS[slot % CHUNK]) for i, slot in slot_of.items()}
    program = Program(definition, alternatives, chunk_heads, finding_heads, finding_slots,
                      {cr.rule: cr.depth for cr in chaining.rules}, problems, json.dumps(definition))
    kb.logic.translations["durable"] = program
    return program


def load_problems(kb: KnowledgeBase, register: bool = True) -> list[str]:
    """Everything that would stop durable-rules loading this knowledge base ([] if it loads).

    `register` also builds the ruleset in the C core once (about a millisecond per 100 rules).
    """
    program = compile_program(kb)
    if program.problems or not register:
        return list(program.problems)
    try:
        DurableEngine(kb).close()
    except EngineError as exc:
        return [str(exc)]
    return []


def check_loadable(kb: KnowledgeBase) -> str | None:
    """None if durable-rules loads this knowledge base, else every reason why not (for
    `diagnose rules check`)."""
    problems = load_problems(kb)
    return "; ".join(problems) if problems else None


def _c() -> Any:
    import durable_rules_engine  # the C core of durable-rules

    return durable_rules_engine


def _delete_ruleset(handle: int) -> None:
    try:
        _c().delete_ruleset(handle)
    except Exception:  # pragma: no cover - interpreter shutdown
        pass


class DurableEngine:
    """Assess profiles with durable-rules; safe for any number of assessments per process."""

    name = "durable"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.program = compile_program(kb)
        if self.program.problems:
            raise EngineError(_("the engine cannot load this knowledge base: {problems}").format(
                problems="; ".join(self.program.problems)))
        self.chaining = kb.logic.chaining
        self._lock = threading.Lock()
        # Each rule fires at most once; the cap only guards against an engine defect.
        self.max_firings = len(self.chaining.rules) + 1
        c = _c()
        try:
            self._handle = c.create_ruleset(RULESET, self.program.definition_text)
        except c.error as exc:
            raise EngineError(_("durable-rules cannot load the knowledge base: {error}").format(error=exc)) from None
        self._finalizer = weakref.finalize(self, _delete_ruleset, self._handle)
        self._sentinel = json.dumps({"sid": SID, "id": "s", "type": "s"})

    def close(self) -> None:
        """Free the C ruleset now (otherwise when the engine is garbage-collected)."""
        self._finalizer()

    def assess(self, values: Mapping[str, Any]) -> EngineResult:
        """Fire every rule the known answers support. `values` maps indicator id -> value."""
        for ind, v in values.items():
            if isinstance(v, float) and not math.isfinite(v):
                raise EngineError(_("{id}: {value} is not a finite number").format(id=ind, value=repr(v)))
        true_parts = self.chaining.true_parts(values)
        flags: dict[int, list[str]] = {}
        for part in true_parts:
            chunk, bit = divmod(part, CHUNK)
            flags.setdefault(chunk, []).append(_FLAGS[bit])
        heads = self.program.chunk_heads
        facts = [self._sentinel, *(heads[chunk] + "," + ",".join(f) + "}" for chunk, f in flags.items())]
        with self._lock:
            return self._run("[" + ",".join(facts) + "]", frozenset(true_parts))

    def _run(self, payload: str, true_parts: frozenset[int]) -> EngineResult:
        c, handle = _c(), self._handle
        program = self.program
        alternatives, slots, depth = program.alternatives, program.finding_slots, program.depth
        fired: list[str] = []
        firings: list[Firing] = []
        derived: set[str] = set()
        # Findings that later rules need wait here, by chunk, and are posted together when
        # the next rule to fire is deeper than they are: every rule that can use them has
        # a higher `pri`, so none fires before they are in. One depth waits at a time.
        waiting: dict[int, list[str]] = {}
        waiting_depth = 0
        posted: set[int] = set()
        started = in_action = False
        try:
            code, state = c.assert_facts(handle, payload)
            if code == 2:
                raise EngineError(_("a fact id collided in durable-rules' 32-bit hash"))
            started = True
            result = c.start_action_for_state(handle, state)
            message = result[1] if result else None
            in_action = message is not None
            count = 0
            while message or waiting:
                # The message is {"rule": frame or [frames]}; only the rule's name matters.
                name = message[2:message.index('"', 2)] if message else None
                if waiting and (name is None or (name != SENTINEL and depth[name] > waiting_depth)):
                    if in_action:
                        c.abandon_action(handle, state)  # its activation stays on the agenda
                        in_action = False
                    self._post_findings(c, handle, waiting, posted)
                    waiting = {}
                    result = c.start_action_for_state(handle, state)
                    message = result[1] if result else None
                    in_action = message is not None
                    continue
                assert name is not None  # no message and nothing waiting ends the loop
                count += 1
                if count > self.max_firings:
                    raise EngineError(_("more than {n} firings: runaway chain").format(n=self.max_firings))
                if name != SENTINEL:
                    alts = alternatives[name]
                    if len(alts) == 1:  # a join: it activates only when every premise is in
                        held = [alts[0][2]]
                    else:  # every true part and every finding of lower depth is in
                        held = [pos for parts, found, pos in alts if parts <= true_parts and found <= derived]
                    if held:
                        fired.append(name)
                        derived.add(name)
                        firings.append(Firing(name, tuple(sorted({p for pos in held for p in pos}))))
                        slot = slots.get(name)
                        if slot is not None:
                            waiting.setdefault(slot[0], []).append(slot[1])
                            waiting_depth = depth[name]
                message = c.complete_and_start_action(handle, state)
                in_action = message is not None
        except c.error as exc:
            raise EngineError(_("durable-rules failed: {error}").format(error=exc)) from None
        finally:
            if started:
                try:
                    if in_action:
                        c.abandon_action(handle, state)
                    c.delete_state(handle, SID)
                except c.error:  # pragma: no cover - the state is gone already
                    pass
        return EngineResult(fired=fired, firings=firings)

    def _post_findings(self, c: Any, handle: int, waiting: dict[int, list[str]], posted: set[int]) -> None:
        """Post the waiting findings: one fact per chunk, a flag per finding."""
        if posted & waiting.keys():
            raise EngineError(_("a chunk of findings was posted twice: the rules fired out of depth order"))
        posted.update(waiting)
        heads = self.program.finding_heads
        code, _state = c.assert_facts(handle, "[" + ",".join(
            heads[chunk] + "," + ",".join(flags) + "}" for chunk, flags in waiting.items()) + "]")
        if code == 2:
            raise EngineError(_("a fact id collided in durable-rules' 32-bit hash"))
