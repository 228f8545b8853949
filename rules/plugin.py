"""The thesis knowledge base as a built-in plugin: same hooks as any external plugin."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from diagnostics.hookspecs import hookimpl
from diagnostics.kb import load_directory
from diagnostics.knowledge import Direction, Indicator, Rule, RulePack

from . import HERE


@cache
def _records() -> tuple[list[Indicator], list[Rule], list[Direction]]:
    return load_directory(HERE)


@hookimpl
def diagnostics_indicators() -> list[Indicator]:
    return _records()[0]


@hookimpl
def diagnostics_rule_packs() -> list[RulePack]:
    return [RulePack(name="thesis", rules=tuple(_records()[1]))]


@hookimpl
def diagnostics_directions() -> list[Direction]:
    return _records()[2]


@hookimpl
def diagnostics_translations() -> list[Path]:
    from diagnostics.translated_knowledge import translation_files  # only when a language is asked for

    return translation_files(HERE / "i18n")
