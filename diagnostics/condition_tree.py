"""A rule's condition: a small tree whose leaves compare one indicator, require an answer, or
require another rule's finding (docs/rule-language.md). Rewritten into normal forms in
:mod:`diagnostics.conditions`; evaluated in :mod:`diagnostics.logic`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from .record_base import Strict

COMPARISON_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "lacks")
ORDER_OPS = ("lt", "lte", "gt", "gte")


def rule_text(value: Any) -> str:
    """A value as the rule language writes it: true/false, {a, b}, 5 for 5.0, 0.25.

    The one place for this style; `answers.format_value(value, "rule")` calls it too.
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(str(v) for v in value) + "}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


class Compare(Strict):
    """`{indicator: ns.name, gte: 4}`: true when the answer satisfies the comparison."""

    indicator: str
    op: str
    value: Any
    tag: Literal["T", "P", "KE"] | None = None  # thesis value, proposed calibration, inference

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "op" in data:
            return data
        ops = [k for k in data if k in COMPARISON_OPS]
        if len(ops) != 1:
            from .i18n import _

            raise ValueError(_("a comparison needs exactly one operator of {ops}; got {found}").format(
                ops=", ".join(COMPARISON_OPS), found=sorted(k for k in data if k != "indicator") or _("none")))
        rest = {k: v for k, v in data.items() if k != ops[0]}
        return {**rest, "op": ops[0], "value": data[ops[0]]}

    def describe(self) -> str:
        symbol = {"eq": "==", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
        op = symbol.get(self.op, self.op.replace("_", " "))
        return f"{self.indicator} {op} {rule_text(self.value)}"


class Known(Strict):
    """`{known: ns.name}`: true when the indicator has an answer (used for evidence sets)."""

    known: str

    def describe(self) -> str:
        return f"{self.known} is answered"


class Finding(Strict):
    """`{finding: node.x}`: true when rule `node.x` fired."""

    finding: str

    def describe(self) -> str:
        return f"{self.finding} fired"


class All(Strict):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(Strict):
    any: tuple[Condition, ...] = Field(min_length=1)


class Not(Strict):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class AtLeastSpec(Strict):
    k: int = Field(ge=1)
    of: tuple[Condition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _k_fits(self) -> AtLeastSpec:
        if self.k > len(self.of):
            from .i18n import _

            raise ValueError(_("at_least k={k} exceeds its {n} conditions").format(k=self.k, n=len(self.of)))
        return self


class AtLeast(Strict):
    at_least: AtLeastSpec


def _condition_kind(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("all", "any", "not", "at_least", "finding", "known"):
            if key in data:
                return key
        if "indicator" in data:
            return "compare"
        return None
    if isinstance(data, BaseModel):
        return {
            All: "all", AnyOf: "any", Not: "not", AtLeast: "at_least",
            Finding: "finding", Known: "known", Compare: "compare",
        }[type(data)]
    return None


Condition = Annotated[
    Annotated[All, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[AtLeast, Tag("at_least")]
    | Annotated[Finding, Tag("finding")]
    | Annotated[Known, Tag("known")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(
        _condition_kind,
        custom_error_type="invalid_condition",
        custom_error_message=(
            "a condition must be a mapping with one of all, any, not, at_least, "
            "finding, known or indicator"
        ),
    ),
]

# The models build their validators on first use (defer_build), which resolves the
# forward references to Condition; a knowledge base read from the cache never needs them.


def children(cond: Any) -> tuple[Any, ...]:
    if isinstance(cond, All):
        return cond.all
    if isinstance(cond, AnyOf):
        return cond.any
    if isinstance(cond, Not):
        return (cond.not_,)
    if isinstance(cond, AtLeast):
        return cond.at_least.of
    return ()


def leaves(cond: Any) -> list[Any]:
    """Every leaf (Compare, Known, Finding) of a condition tree, in order."""
    kids = children(cond)
    if not kids:
        return [cond]
    out: list[Any] = []
    for kid in kids:
        out.extend(leaves(kid))
    return out
