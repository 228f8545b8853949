"""Documentation generated from the code and the knowledge base, kept in sync by tests.

    python -m diagnostics.docgen        # rewrites docs/reference.md and docs/knowledge-map.md

`reference_page()` lists every field of every record a plugin or an analyst writes, with
its type, default and allowed values, read from the pydantic models. `knowledge_map_page()`
describes the shipped knowledge base (layers, themes, tiers, roles, functions, evidence
kinds, design rules) from the knowledge base itself.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .kb import KnowledgeBase
from .knowledge import LAYER_ORDER, Layer

DOCS = Path(__file__).resolve().parent.parent / "docs"

# Short meanings for fields whose names do not say enough; the rest explain themselves.
MEANINGS: dict[str, str] = {
    "Indicator.evidence_kind": "what the answer is evidence of; `measure`s never feed rules directly",
    "Indicator.function": "the state function the question is about",
    "Indicator.benchmark": "a ratio against developed economies: never a finding alone (R-4)",
    "Indicator.display_only": "shown to analysts, never used in a condition",
    "Indicator.citations": "thesis citations or `[key]` of the plugin's bibliography",
    "Indicator.scale_labels": "for a 1-5 scale: the words at 1 and at 5, when the question does not say them",
    "Indicator.ask_if": "the guided assessment asks the question only when this comparison holds or is unknown",
    "Indicator.ask_if_reason": "shown when the question is skipped because `ask_if` fails",
    "Indicator.ranking": "the published ranking a rank question comes from; the country's other ranks of it are "
                         "skipped once one is recorded unknown",
    "Rule.when": "the condition (docs/rule-language.md)",
    "Rule.gate": "a context condition; false makes the rule `not_applicable`",
    "Rule.mismatch": "needs formal and informal evidence (R-2)",
    "Rule.supporting": "comparisons that raise confidence but can never fire the rule",
    "Rule.background": "explanatory context, shown in stories, never reported as a finding",
    "Rule.role": "for diagnoses: how a brief presents it",
    "Rule.evidence_grade": "joined by `+`; may start with `contested:`",
    "Rule.contributes_to": "a plugin rule counted under another plugin's finding (docs/writing-plugins.md)",
    "Rule.directions": "ids of policy directions (R-6)",
    "Rule.citations": "at least one (R-1)",
    "Direction.kind": "T7 thesis recommendation, Tch chapter text, Tint interviewee, KE implied only",
    "Direction.answers": "ids of the rules it responds to",
    "Family.country_tiers": "a tier for single countries, overriding the family's",
    "CountryProfile.path": "the profile's YAML file, read when the country is assessed",
    "BriefSection.body": "Markdown; raw HTML is not rendered",
    "BriefSection.placement": "one of after_findings, before_annex, annex",
    "Source.key": "cited as `[key]` or `[key] p.12`",
    "provided_by": "stamped by the plugin manager; do not write it",
}


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        if len(names) > 3:
            return "condition"
        return " or ".join(names) + (" or null" if type(None) in args else "")
    if origin is typing.Literal:
        return "text"
    if origin in (tuple, list):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "text"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp.__name__
    return {str: "text", int: "integer", float: "number", bool: "true/false", Any: "any"}.get(
        tp, getattr(tp, "__name__", str(tp)))


def _allowed(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return ", ".join(f"`{a}`" for a in args)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return ", ".join(f"`{m.value}`" for m in tp)
    if origin in (typing.Union, types.UnionType, tuple, list, typing.Annotated):
        parts = [_allowed(a) for a in args if a is not type(None) and a is not Ellipsis]
        return "; ".join(p for p in parts if p)
    return ""


def _fields(model: type[BaseModel]) -> list[str]:
    rows = ["| field | type | required / default | allowed values | meaning |", "|---|---|---|---|---|"]
    hints = typing.get_type_hints(model, include_extras=True)
    for name, info in model.model_fields.items():
        key = info.alias or name
        tp = hints.get(name, info.annotation)
        if info.is_required():
            default = "required"
        else:
            value = info.get_default(call_default_factory=True)
            default = f"`{value!r}`" if value not in ((), {}, "", None) else "optional"
            if isinstance(value, enum.Enum):
                default = f"`{value.value}`"
        meaning = MEANINGS.get(f"{model.__name__}.{name}") or MEANINGS.get(name, "")
        rows.append(f"| `{key}` | {_type_name(tp)} | {default} | {_allowed(tp)} | {meaning} |")
    return rows


def _models() -> list[tuple[str, type[BaseModel], str]]:
    from .condition_tree import AtLeastSpec, Compare
    from .hookspecs import BriefSection, CountryProfile, Source
    from .knowledge import Direction, EvidenceSets, Family, Indicator, Rule, RulePack
    from .profile import Answer, Profile

    return [
        ("Indicator", Indicator, "a question of the catalogue (`indicators:` lists, hook diagnostics_indicators)"),
        ("Rule", Rule, "a node or diagnosis (`rules:` lists, inside a RulePack)"),
        ("Compare", Compare, "a comparison leaf of a condition: `{indicator: x, gte: 0.5}`"),
        ("AtLeastSpec", AtLeastSpec, "the body of `at_least:`"),
        ("EvidenceSets", EvidenceSets, "the `evidence:` of a mismatch rule"),
        ("Direction", Direction, "a policy direction (`directions:` lists)"),
        ("Family", Family, "a country family (`family:` of family.yaml)"),
        ("RulePack", RulePack, "what diagnostics_rule_packs returns"),
        ("CountryProfile", CountryProfile, "what diagnostics_profiles returns"),
        ("Source", Source, "an entry of a plugin's bibliography (`sources:` of bibliography.yaml)"),
        ("BriefSection", BriefSection, "what diagnostics_brief_sections returns"),
        ("Profile", Profile, "a profile file"),
        ("Answer", Answer, "one answer of a profile"),
    ]


def reference_page() -> str:
    from .citations import BIBLIOGRAPHY_CITATION, CITATION
    from .record_base import INDICATOR_ID, RULE_ID

    out = ["# Field reference", "",
           "Generated from the models by `python -m diagnostics.docgen`; a test keeps it in sync.",
           "Unknown fields are errors everywhere. Condition syntax: [rule-language.md](rule-language.md).", "",
           "Identifiers and citations:", "",
           f"- indicator id: `{INDICATOR_ID.pattern}` (namespace.name)",
           f"- rule id: `{RULE_ID.pattern}`",
           f"- thesis citation: `{CITATION.pattern}`",
           f"- bibliography citation: `{BIBLIOGRAPHY_CITATION.pattern}`", ""]
    for title, model, what in _models():
        out += [f"## {title}", "", f"{what[0].upper()}{what[1:]}.", "", *_fields(model), ""]
    return "\n".join(out).rstrip() + "\n"


DESIGN_RULES = (
    ("R-1", "every rule has a mechanism, a story and at least one citation"),
    ("R-2", "a formal-informal mismatch needs evidence on both sides before it can fire"),
    ("R-4", "no alternative rests only on outcome or benchmark indicators"),
    ("R-5", "diagnoses are reached through mechanisms and manifestations, root causes first"),
    ("R-6", "every reportable finding names at least one policy direction"),
    ("R-17", "a brief presents the diagnosis before the evidence beneath it"),
)


def knowledge_map_page(kb: KnowledgeBase) -> str:
    from .knowledge import EvidenceKind, Function, IndicatorType, Severity, Tier

    rules = list(kb.rules.values())
    out = ["# Knowledge map", "",
           "The thesis knowledge base as it ships, generated from the knowledge base itself by",
           "`python -m diagnostics.docgen` (a test keeps it in sync). Rules, indicators and",
           "directions cite the thesis by section, page and line range; `diagnose rules show ID`",
           "prints any of them in full.", "",
           f"{len(kb.rules)} rules, {len(kb.indicators)} indicators, {len(kb.directions)} directions, "
           f"{len(kb.families)} families.", "", "## Layers", "",
           "Reasoning runs upward: context gates, policies, mechanisms, manifestations, diagnoses.", "",
           "| layer | rules | ids |", "|---|---|---|"]
    for layer in sorted(Layer, key=lambda x: LAYER_ORDER[x]):
        ids = sorted(r.id for r in rules if r.layer == layer)
        out.append(f"| `{layer.value}` | {len(ids)} | {', '.join(f'`{i}`' for i in ids)} |")
    out += ["", "## Diagnoses", "", "| diagnosis | role | title | severity |", "|---|---|---|---|"]
    for r in kb.diagnoses():
        out.append(f"| `{r.id}` | {r.role or ''} | {r.title} | {r.severity.value} |")
    themes = Counter(r.theme for r in rules)
    out += ["", "## Themes", "",
            "`theme` is free text in snake_case; the thesis uses these (a plugin may add its own).", "",
            "| theme | rules |", "|---|---|", *[f"| `{t}` | {n} |" for t, n in sorted(themes.items())]]
    out += ["", "## Tiers and families", "",
            "A family's tier says how closely the thesis's case applies and drives confidence.", "",
            "| tier | families (countries) |", "|---|---|"]
    for tier in Tier:
        fams = [f"{f.name} ({', '.join(f.countries)})" for f in kb.families.values() if f.tier == tier]
        out.append(f"| `{tier.value}` | {'; '.join(fams) or '—'} |")
    out += ["", "## Allowed values", "",
            f"- rule `function`, indicator `function`: {', '.join(f'`{f.value}`' for f in Function)}",
            f"- rule `severity`: {', '.join(f'`{s.value}`' for s in Severity)}",
            f"- diagnosis `role`: {', '.join(f'`{r}`' for r in typing.get_args(_role_type()))}",
            f"- indicator `type`: {', '.join(f'`{t.value}`' for t in IndicatorType)}",
            f"- indicator `evidence_kind`: {', '.join(f'`{e.value}`' for e in EvidenceKind)}",
            "- rule `evidence_grade`: `doc`, `int`, `inf`, `blog`, `ke`, joined by `+`",
            "- direction `kind`: `T7`, `Tch`, `Tint`, `KE`, `Tch/KE`", "",
            "Every field: [reference.md](reference.md).", "", "## Design rules", "",
            "Checked when the knowledge base loads (and by `diagnose rules check`):", ""]
    out += [f"- **{code}**: {text}" for code, text in DESIGN_RULES]
    kinds = Counter(i.evidence_kind.value for i in kb.indicators.values())
    out += ["", "## Indicators by evidence kind", "", "| evidence kind | indicators |", "|---|---|",
            *[f"| `{k}` | {n} |" for k, n in sorted(kinds.items())]]
    return "\n".join(out).rstrip() + "\n"


def _role_type() -> Any:
    from .knowledge import Rule

    hint = typing.get_type_hints(Rule)["role"]
    return next(a for a in typing.get_args(hint) if a is not type(None))


def thesis_kb() -> KnowledgeBase:
    """The knowledge base of the built-in plugins only (what the map describes)."""
    from .registry import load_registry

    return load_registry(external=False, env={}, cache=False).kb


def write_all(docs: Path = DOCS) -> None:
    (docs / "reference.md").write_text(reference_page(), encoding="utf-8")
    (docs / "knowledge-map.md").write_text(knowledge_map_page(thesis_kb()), encoding="utf-8")


def _strip(text: str) -> str:
    return re.sub(r"\s+\n", "\n", text)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    write_all()
