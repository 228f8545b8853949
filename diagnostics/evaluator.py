"""The three-valued reference evaluator (Kleene logic): every rule's status and explanation.

It gives every rule a status: fired, not_fired, not_assessable (naming the indicators that
would decide it) or not_applicable (gate false). It is the logic core in full mode with
explanations: the differential tests hold durable-rules to it, and it is a backend of its
own (`--engine reference`) for machines where durable-rules cannot be built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .kb import KnowledgeBase
from .logic import Evaluation, LeafResult, RuleOutcome, Status

__all__ = ["Evaluation", "LeafResult", "ReferenceEvaluator", "RuleOutcome", "Status"]


class ReferenceEvaluator:
    """Evaluate every rule of a knowledge base in dependency order."""

    name = "reference"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.logic = kb.logic

    def evaluate(self, values: Mapping[str, Any]) -> dict[str, RuleOutcome]:
        return self.logic.outcomes(values)

    def fired(self, values: Mapping[str, Any]) -> list[str]:
        return [r for r, s in self.logic.statuses(values).items() if s is Status.FIRED]
