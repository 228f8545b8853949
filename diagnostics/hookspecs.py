"""Plugin hook specifications (pluggy project ``diagnostics``).

A plugin is a module or object with functions (or methods) decorated by ``hookimpl`` and
named after a hook below. Every hook returns a list of typed records; the plugin manager
calls them through ``pm.hook``, validates what they return, stamps the providing plugin on
each record, and rejects duplicates and unknown references. External plugins register
through the entry-point group ``policy_diagnostics``; see docs/writing-plugins.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy
from pydantic import BaseModel, ConfigDict, field_validator

from .i18n import _
from .knowledge import Direction, Family, Indicator, RulePack
from .profile import COUNTRY_CODE

if TYPE_CHECKING:
    from .assessment import Assessment
    from .translated_knowledge import KnowledgeTranslation

PROJECT = "diagnostics"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class CountryProfile(BaseModel):
    """A country profile a plugin ships: read lazily from its YAML file when assessed."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    country: str
    name: str
    family: str
    path: Path
    provided_by: str = ""

    @field_validator("country")
    @classmethod
    def _code(cls, v: str) -> str:
        if not COUNTRY_CODE.match(v):
            raise ValueError(_("country {code} must be an ISO 3166 alpha-2 or alpha-3 code").format(code=repr(v)))
        return v


PLACEMENTS = ("after_findings", "before_annex", "annex")


class BriefSection(BaseModel):
    """An extra section a plugin adds to policy briefs.

    The body is Markdown, rendered by markdown-it with raw HTML switched off
    (`diagnostics.markdown`), so a plugin can format text but never inject markup.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    title: str
    body: str
    placement: str = "before_annex"  # one of PLACEMENTS; others are left out with a notice
    provided_by: str = ""


_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")


class Source(BaseModel):
    """One entry of a plugin's bibliography; its rules cite it as `[key]` or `[key] p.12`."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    key: str
    title: str
    author: str = ""
    year: int | None = None
    publisher: str = ""
    url: str = ""
    provided_by: str = ""

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _KEY.match(v):
            raise ValueError(_("bibliography key {key} must be lower case letters, digits, '_' or '-'")
                .format(key=repr(v)))
        return v


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
def diagnostics_scope() -> list[str]:  # type: ignore[empty-body]
    """Country codes this plugin's indicators, rules and directions apply to.

    Without this hook a plugin's knowledge applies to the countries of the families it
    declares, and a plugin that declares no family applies everywhere. Other countries'
    assessments, briefs and questionnaires never see a scoped plugin's records.

    Example::

        @hookimpl
        def diagnostics_scope():
            return ["MN"]
    """


@hookspec
def diagnostics_bibliography() -> list[Source]:  # type: ignore[empty-body]
    """Sources of the plugin's own, which its records cite as `[key]` or `[key] p.12`.

    Example::

        @hookimpl
        def diagnostics_bibliography():
            return [Source(key="nso2021", title="Mongolian Statistical Yearbook 2021",
                           author="National Statistics Office of Mongolia", year=2022)]
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

    A plugin translates its own records and brief sections, or adds a language for any records. Entries are
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
    "diagnostics_scope",
    "diagnostics_bibliography",
    "diagnostics_brief_sections",
    "diagnostics_translations",
)
