"""Comparison: a matrix of rules × profiles, with the answers that drive each difference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..assessment import Assessment, Assessor, validate_answers
from ..condition_tree import Compare, Known
from ..kb import KnowledgeBase
from ..knowledge import Layer
from ..logic import RuleOutcome, Status
from ..profile import Profile
from .whatif import answer_text


@dataclass
class Cell:
    status: Status
    confidence: str | None

    def label(self) -> str:
        return self.status.value + (f" ({self.confidence})" if self.confidence else "")


@dataclass
class Driver:
    indicator: str
    values: list[str]  # one per column: the answer, "unknown" or "unanswered"


@dataclass
class Row:
    rule: str
    title: str
    layer: str
    severity: str
    cells: list[Cell]
    drivers: list[Driver] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len({(c.status, c.confidence) for c in self.cells}) > 1

    @property
    def evidence_gap_only(self) -> bool:
        """It differs only because some countries lack the answers to decide it: where it
        could be decided, the status and confidence agree (a coverage gap, not a difference)."""
        gap = any(c.status is Status.NOT_ASSESSABLE for c in self.cells)
        decided = {(c.status, c.confidence) for c in self.cells if c.status is not Status.NOT_ASSESSABLE}
        return gap and self.differs and len(decided) <= 1

    @property
    def differs_where_decided(self) -> bool:
        """The countries where it could be decided disagree (status or confidence)."""
        return self.differs and not self.evidence_gap_only

    def as_json(self, columns: Sequence[str]) -> dict[str, Any]:
        return {
            "rule": self.rule, "title": self.title, "layer": self.layer, "severity": self.severity,
            "cells": {col: {"status": c.status.value, "confidence": c.confidence}
                      for col, c in zip(columns, self.cells, strict=True)},
            "differs": self.differs,
            "evidence_gap_only": self.evidence_gap_only,
            "drivers": [{"indicator": d.indicator, "values": dict(zip(columns, d.values, strict=True))}
                        for d in self.drivers],
        }


@dataclass
class Comparison:
    columns: list[str]
    rows: list[Row]
    assessments: list[Assessment]

    def row(self, rule_id: str) -> Row:
        return next(r for r in self.rows if r.rule == rule_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": [r.as_json(self.columns) for r in self.rows],
            "audit": {c: a.audit.model_dump() for c, a in zip(self.columns, self.assessments, strict=True)},
        }


def decisive_indicators(kb: KnowledgeBase, rule_id: str, outcomes: Mapping[str, RuleOutcome]) -> list[str]:
    """Indicators that settle a rule's status: the leaves that made it true, false or open."""
    out: list[str] = []
    seen: set[str] = set()

    def walk(rid: str) -> None:
        if rid in seen:
            return
        seen.add(rid)
        o = outcomes[rid]
        if o.status is Status.FIRED:
            picked = o.true_leaves
        elif o.status is Status.NOT_ASSESSABLE:
            picked = ((o.gate.unknown_leaves if o.gate else [])
                      + (o.when.unknown_leaves if o.when else []))
            for i in o.missing:
                if i not in out:
                    out.append(i)
        else:
            picked = o.false_leaves
        for lf in picked:
            leaf = lf.leaf
            if isinstance(leaf, Compare):
                if leaf.indicator not in out:
                    out.append(leaf.indicator)
            elif isinstance(leaf, Known):
                if leaf.known not in out:
                    out.append(leaf.known)
            else:
                walk(leaf.finding)

    walk(rule_id)
    return out


def compare_profiles(assessor: Assessor, profiles: Sequence[tuple[str, Profile]],
                     all_rules: bool = False) -> Comparison:
    """A matrix of rules × profiles with, for rows that differ, the answers that drive it."""
    kb = assessor.kb
    columns = [label for label, _ in profiles]
    assessments = [assessor.assess(p, file=label) for label, p in profiles]
    outcomes = [kb.logic.outcomes(validate_answers(p, kb)) for _, p in profiles]
    rows: list[Row] = []
    if all_rules:  # diagnoses first, then down the layers; topological order within a layer
        rank = {layer: i for i, layer in enumerate(reversed(list(Layer)))}
        position = {r: i for i, r in enumerate(kb.rules)}
        order = sorted(kb.rules, key=lambda r: (rank[kb.rules[r].layer], position[r]))
    else:
        order = [r.id for r in kb.diagnoses()]
    for rid in order:
        rule = kb.rules[rid]
        cells = [Cell(a.status(rid), a.finding(rid).confidence) for a in assessments]
        row = Row(rid, rule.title, rule.layer.value, rule.severity.value, cells)
        if row.differs:
            candidates: list[str] = []
            for o in outcomes:
                for i in decisive_indicators(kb, rid, o):
                    if i not in candidates:
                        candidates.append(i)
            for ind in candidates:
                shown = [answer_text(p.answers.get(ind)) for _, p in profiles]
                if len(set(shown)) > 1:
                    row.drivers.append(Driver(ind, shown))
            # Answers known on both sides but different are the real contrasts; list them first.
            row.drivers.sort(key=lambda d: len({v for v in d.values if v not in ("unknown", "unanswered")}) < 2)
        rows.append(row)
    return Comparison(columns, rows, assessments)
