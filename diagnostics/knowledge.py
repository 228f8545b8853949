"""Knowledge records: indicators, rules, policy directions, country families.

These are the shapes an analyst reviews in YAML (see docs/rule-language.md). They are
plain pydantic models (a rule's condition tree is in :mod:`diagnostics.condition_tree`);
cross-record checks (unknown references, cycles, design rules) live in :mod:`diagnostics.kb`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .condition_tree import Compare, Condition
from .i18n import N_, _
from .record_base import INDICATOR_ID, RULE_ID, SNAKE_ID, Strict


class IndicatorType(StrEnum):
    BOOL = "bool"
    SCALE = "scale"  # integer 1..5, 1 = absent / hostile, 5 = very high / strong
    SHARE = "share"  # 0..1
    NUMBER = "number"  # with a unit and an optional range
    RANK_FRAC = "rank_frac"  # rank / number ranked, 1.0 = worst
    ENUM = "enum"  # one value from `values`
    SET = "set"  # several values from `values`
    YEAR = "year"
    TEXT = "text"  # display only, never used by a rule


class EvidenceKind(StrEnum):
    FORMAL = "formal"
    INFORMAL = "informal"
    CONTEXT = "context"
    OUTCOME = "outcome"
    # A standard cross-country measure (enterprise surveys, governance indices...). It never
    # feeds a rule directly; it may stand in for an informal indicator through `proxy_for`.
    MEASURE = "measure"


class Function(StrEnum):
    ALLOCATOR = "allocator"
    REGULATOR = "regulator"
    COORDINATOR = "coordinator"
    CROSS_CUTTING = "cross_cutting"
    CONTEXT = "context"


class Layer(StrEnum):
    CONTEXT = "context"
    POLICY = "policy"
    MECHANISM = "mechanism"
    MANIFESTATION = "manifestation"
    DIAGNOSIS = "diagnosis"


LAYER_ORDER = {layer: i for i, layer in enumerate(Layer)}


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ProxyBand(Strict):
    """One band of a proxy: when the measure lies in it, the informal indicator gets `value`."""

    value: Any
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> ProxyBand:
        if all(b is None for b in (self.gt, self.gte, self.lt, self.lte)):
            raise ValueError(_("a proxy band needs at least one of gt, gte, lt, lte"))
        if self.gt is not None and self.gte is not None or self.lt is not None and self.lte is not None:
            raise ValueError(_("a proxy band takes one lower bound (gt or gte) and one upper bound (lt or lte)"))
        return self

    def holds(self, x: float) -> bool:
        return ((self.gt is None or x > self.gt) and (self.gte is None or x >= self.gte)
                and (self.lt is None or x < self.lt) and (self.lte is None or x <= self.lte))

    def describe(self) -> str:
        lower = f"> {self.gt:g}" if self.gt is not None else f">= {self.gte:g}" if self.gte is not None else ""
        upper = f"< {self.lt:g}" if self.lt is not None else f"<= {self.lte:g}" if self.lte is not None else ""
        return " and ".join(p for p in (lower, upper) if p)


class ProxyRule(Strict):
    """How a standard measure stands in for an informal indicator the analyst has not answered.

    Used only where the measure captures what the thesis describes: `concept` cites the thesis
    for the concept, `rationale` argues the bands (never a developed-economy benchmark), and
    values falling in no band leave the indicator unknown. An analyst's answer always wins.
    """

    indicator: str
    rationale: str = Field(min_length=40)
    concept: tuple[str, ...] = Field(min_length=1)  # thesis citations for the concept measured
    bands: tuple[ProxyBand, ...] = Field(min_length=1)

    def value_for(self, x: float) -> Any:
        for band in self.bands:
            if band.holds(x):
                return band.value
        return None


class Indicator(Strict):
    """One question an analyst answers about a country."""

    id: str
    type: IndicatorType
    evidence_kind: EvidenceKind
    function: Function
    topic: str
    label: str = ""  # a short plain-language name for readers (briefs); the question is the fallback
    question: str
    help: str = ""
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    benchmark: bool = False  # a ratio against developed economies: never a finding alone
    display_only: bool = False
    citations: tuple[str, ...] = ()
    # Standard measures (evidence_kind: measure) say exactly what is measured and by whom.
    definition: str = ""
    publisher: str = ""
    proxy_for: tuple[ProxyRule, ...] = ()
    provided_by: str = ""
    # Guided assessment: the words at the two ends of a 1-5 scale, when the question does not
    # say them itself; a question asked only when `ask_if` holds (or is still unknown), with
    # the reason shown when it is skipped; the published ranking a rank question comes from.
    scale_labels: tuple[str, str] | None = None
    ask_if: Compare | None = None
    ask_if_reason: str = ""
    ranking: str = ""
    # Readers' labels of enum/set values, filled from translations (diagnostics.i18n); not hashed.
    value_labels: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def namespace(self) -> str:
        return self.id.split(".", 1)[0]

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not INDICATOR_ID.match(v):
            raise ValueError(_("indicator id {id} must look like 'namespace.name' in snake_case").format(id=repr(v)))
        return v

    @model_validator(mode="after")
    def _type_fields(self) -> Indicator:
        if self.type in (IndicatorType.ENUM, IndicatorType.SET) and not self.values:
            raise ValueError(_("{id}: type {type} needs a list of 'values'").format(id=self.id, type=self.type))
        if self.type not in (IndicatorType.ENUM, IndicatorType.SET) and self.values:
            raise ValueError(_("{id}: 'values' only fits enum or set indicators").format(id=self.id))
        if self.type == IndicatorType.NUMBER and not self.unit:
            raise ValueError(_("{id}: a number indicator needs a 'unit'").format(id=self.id))
        if self.type == IndicatorType.TEXT and not self.display_only:
            raise ValueError(_("{id}: text indicators must be display_only").format(id=self.id))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(_("{id}: min is above max").format(id=self.id))
        if self.evidence_kind == EvidenceKind.MEASURE and not (self.publisher and self.definition):
            raise ValueError(_("{id}: a standard measure needs its 'publisher' and a precise 'definition'")
                             .format(id=self.id))
        if self.proxy_for and self.evidence_kind != EvidenceKind.MEASURE:
            raise ValueError(_("{id}: only a standard measure (evidence_kind: measure) may be a proxy")
                             .format(id=self.id))
        if self.proxy_for and self.type not in (IndicatorType.NUMBER, IndicatorType.SHARE):
            raise ValueError(_("{id}: a proxy must be a number or a share").format(id=self.id))
        return self

    def bounds(self) -> tuple[float | None, float | None]:
        """The numeric range a value must lie in, including the type's own range."""
        fixed = {
            IndicatorType.SCALE: (1.0, 5.0),
            IndicatorType.SHARE: (0.0, 1.0),
            IndicatorType.RANK_FRAC: (0.0, 1.0),
            IndicatorType.YEAR: (1800.0, 2100.0),
        }.get(self.type, (None, None))
        lo = self.min if self.min is not None else fixed[0]
        hi = self.max if self.max is not None else fixed[1]
        return lo, hi


class EvidenceSets(Strict):
    """Formal and informal indicators a mismatch-type rule needs (at least one of each known)."""

    formal: tuple[str, ...] = Field(min_length=1)
    informal: tuple[str, ...] = Field(min_length=1)


class Rule(Strict):
    """A node or diagnosis of the knowledge map, with its condition and its explanation."""

    id: str
    title: str
    layer: Layer
    theme: str
    function: Function
    when: Condition
    gate: Condition | None = None
    gate_reason: str = ""  # printed when the gate is false
    mismatch: bool = False  # needs formal and informal evidence (design rule R-2)
    evidence: EvidenceSets | None = None
    supporting: tuple[Compare, ...] = ()  # raises confidence; can never fire the rule
    background: bool = False  # explanatory context: shown in stories, never as a finding
    # For top-level rules: how a brief presents them (design rule R-5: roots first).
    role: Literal["root_cause", "diagnosis", "function_rollup", "outcome"] | None = None
    severity: Severity = Severity.MEDIUM
    evidence_grade: str
    mechanism: str
    story: str
    counter_examples: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    citations: tuple[str, ...] = Field(min_length=1)
    # A plugin rule may count as one more way a finding of another plugin (usually the
    # thesis) comes about; see docs/writing-plugins.md. Left out of dumps and digests.
    contributes_to: str | None = Field(default=None, exclude=True)
    provided_by: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not RULE_ID.match(v):
            raise ValueError(_("rule id {id} must be 'node.<snake_case>' or 'dx.<snake_case>'").format(id=repr(v)))
        return v

    @field_validator("evidence_grade")
    @classmethod
    def _grade(cls, v: str) -> str:
        parts = re.split(r"[+ ]+", v.replace("contested:", "").strip())
        bad = [p for p in parts if p and p not in EVIDENCE_GRADES]
        if bad or not any(parts):
            raise ValueError(_("evidence_grade {value}: use {grades} joined by '+'").format(
                value=repr(v), grades=", ".join(EVIDENCE_GRADES)))
        return v

    @field_validator("mechanism", "story", "title")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError(_("must not be blank (design rule R-1: mechanism and story)"))
        return v.strip()

    @model_validator(mode="after")
    def _mismatch_needs_evidence(self) -> Rule:
        if self.mismatch and self.evidence is None:
            raise ValueError(_("{id} is mismatch-type and needs 'evidence: {{formal: [...], informal: [...]}}'")
                             .format(id=self.id))
        if self.evidence is not None and not self.mismatch:
            raise ValueError(_("{id}: 'evidence' sets are only for mismatch: true rules").format(id=self.id))
        return self

    @property
    def is_diagnosis(self) -> bool:
        return self.layer == Layer.DIAGNOSIS

    @model_validator(mode="after")
    def _contributes_from_a_mechanism_or_manifestation(self) -> Rule:
        if self.contributes_to is not None and self.layer not in (Layer.MECHANISM, Layer.MANIFESTATION):
            raise ValueError(_("{id}: only a mechanism or manifestation can contribute to another finding "
                               "(this rule's layer is {layer})").format(id=self.id, layer=self.layer.value))
        return self

    @model_validator(mode="after")
    def _role_only_for_diagnoses(self) -> Rule:
        if self.role is not None and self.layer != Layer.DIAGNOSIS:
            raise ValueError(_("{id}: 'role' is only for diagnosis-layer rules").format(id=self.id))
        return self


EVIDENCE_GRADES = ("doc", "int", "inf", "blog", "ke")


class Direction(Strict):
    """A policy direction: an orientation, never an instrument prescription (R-6)."""

    id: str
    title: str
    text: str
    caveats: tuple[str, ...] = ()
    kind: Literal["T7", "Tch", "Tint", "KE", "Tch/KE"]
    audience: Literal["government", "international_partners", "researchers"] = "government"
    answers: tuple[str, ...] = ()  # rule ids it responds to
    citations: tuple[str, ...] = Field(min_length=1)
    # A plugin rule may count as one more way a finding of another plugin (usually the
    # thesis) comes about; see docs/writing-plugins.md. Left out of dumps and digests.
    contributes_to: str | None = Field(default=None, exclude=True)
    provided_by: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not SNAKE_ID.match(v):
            raise ValueError(_("direction id {id} must be snake_case").format(id=repr(v)))
        return v


# In English here; shown through the interface catalog (diagnostics.i18n) in other languages.
UNIVERSAL_CAVEATS = (
    N_("Mindsets are sticky: even well-aimed measures may meet resistance "
       "(thesis §7.3 p.145, ll. 12386–12390)."),
    N_("Results may take decades, longer than the careers of those who start them "
       "(thesis §7.3 p.146, ll. 12495–12503)."),
)


class Tier(StrEnum):
    A = "A"  # Soviet republics sharing the thesis's legacy and transition path
    B = "B"
    C = "C"  # contrast cases (e.g. the Baltic states)
    D = "D"  # post-socialist, never in the USSR
    E = "E"


class Family(Strict):
    """A country family contributed by a plugin: its tier drives confidence (MAP.md §9)."""

    id: str
    name: str
    tier: Tier
    description: str
    countries: tuple[str, ...] = ()
    country_tiers: dict[str, Tier] = Field(default_factory=dict)  # per-country override
    provided_by: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not SNAKE_ID.match(v):
            raise ValueError(_("family id {id} must be snake_case").format(id=repr(v)))
        return v

    def tier_of(self, country: str) -> Tier:
        return self.country_tiers.get(country, self.tier)


class RulePack(Strict):
    """A named set of rules from one plugin."""

    name: str
    rules: tuple[Rule, ...]
