"""Plugin hook specifications (pluggy project ``diagnostics``).

A plugin is a module or object with functions decorated by ``hookimpl``. Every hook
returns a list of typed records; the plugin manager validates them, stamps the providing
plugin on each, and rejects duplicates and unknown references. External plugins register
through the entry-point group ``policy_diagnostics``; see docs/writing-plugins.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy
from pydantic import BaseModel, ConfigDict, field_validator

from .i18n import KnowledgeTranslation
from .knowledge import Direction, Family, Indicator, RulePack
from .profile import COUNTRY_CODE

if TYPE_CHECKING:
    from .assessment import Assessment

PROJECT = "diagnostics"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class CountryProfile(BaseModel):
    """A country profile a plugin ships: read lazily from its YAML file when assessed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    name: str
    family: str
    path: Path
    provided_by: str = ""

    @field_validator("country")
    @classmethod
    def _code(cls, v: str) -> str:
        if not COUNTRY_CODE.match(v):
            raise ValueError(f"country {v!r} must be an ISO 3166 alpha-2 or alpha-3 code")
        return v


class BriefSection(BaseModel):
    """An extra section a plugin adds to policy briefs (Markdown body, rendered escaped)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    body: str
    placement: str = "before_annex"  # before_annex | after_findings | annex
    provided_by: str = ""


@hookspec
def diagnostics_families() -> list[Family]:  # type: ignore[empty-body]
    """Country families this plugin adds.

    Example::

        @hookimpl
        def diagnostics_families():
            return [Family(id="mongolia", name="Mongolia", tier="D",
                           description="Post-socialist, never part of the USSR.",
                           countries=("MN",))]
    """


@hookspec
def diagnostics_profiles() -> list[CountryProfile]:  # type: ignore[empty-body]
    """Country profiles (YAML files) this plugin ships, one per country code.

    Example::

        @hookimpl
        def diagnostics_profiles():
            here = Path(__file__).parent / "profiles"
            return [CountryProfile(country="MN", name="Mongolia", family="mongolia",
                                   path=here / "mn.yaml")]
    """


@hookspec
def diagnostics_indicators() -> list[Indicator]:  # type: ignore[empty-body]
    """Indicators (questions) this plugin adds to the catalogue.

    Example::

        @hookimpl
        def diagnostics_indicators():
            return load_indicator_file(Path(__file__).parent / "indicators.yaml")
    """


@hookspec
def diagnostics_rule_packs() -> list[RulePack]:  # type: ignore[empty-body]
    """Rule packs this plugin adds; rules may require the findings of core rules.

    Example::

        @hookimpl
        def diagnostics_rule_packs():
            rules = load_rule_file(Path(__file__).parent / "rules.yaml")
            return [RulePack(name="mongolia", rules=tuple(rules))]
    """


@hookspec
def diagnostics_directions() -> list[Direction]:  # type: ignore[empty-body]
    """Policy directions this plugin adds (orientations, never instrument prescriptions).

    Example::

        @hookimpl
        def diagnostics_directions():
            return load_direction_file(Path(__file__).parent / "directions.yaml")
    """


@hookspec
def diagnostics_brief_sections(assessment: Assessment) -> list[BriefSection]:  # type: ignore[empty-body]
    """Extra sections for a policy brief of this assessment (return [] to add none).

    Example::

        @hookimpl
        def diagnostics_brief_sections(assessment):
            if assessment.family != "mongolia":
                return []
            return [BriefSection(id="mn_context", title="Mongolian context",
                                 body="Mongolia was a satellite, not a Soviet republic.")]
    """


@hookspec
def diagnostics_translations() -> list[Path | KnowledgeTranslation]:  # type: ignore[empty-body]
    """Translations of knowledge texts: paths of i18n/<lang>/*.yaml files, or records.

    A plugin translates its own records, or adds a language for any records. Entries are
    keyed by record id; a missing one shows the English text marked (EN). Format and the
    completeness check (`diagnose rules check --lang ru`): docs/i18n.md.

    Example::

        @hookimpl
        def diagnostics_translations():
            return translation_files(Path(__file__).parent / "i18n")
    """


HOOKS = (
    "diagnostics_families",
    "diagnostics_profiles",
    "diagnostics_indicators",
    "diagnostics_rule_packs",
    "diagnostics_directions",
    "diagnostics_brief_sections",
    "diagnostics_translations",
)
