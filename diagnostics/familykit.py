"""Build a country-family plugin from a folder: `family.yaml` plus `profiles/<cc>.yaml`.

The built-in families use it, and so can external plugins. Profiles are read lazily when
a country is assessed, so listing families costs one small YAML file per family.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .errors import DataError
from .hookspecs import CountryProfile, hookimpl
from .i18n import translation_files
from .kb import load_indicator_file, load_rule_file
from .knowledge import Family, RulePack
from .yamlio import load_data, parse_model


def family_plugin(folder: Path) -> Any:
    """A plugin object providing the family, its profiles, any `rules.yaml`/`indicators.yaml`
    and any translations in `i18n/<lang>/*.yaml`."""
    data, lines = load_data(folder / "family.yaml")
    if not isinstance(data, dict) or "family" not in data:
        raise DataError("expected a 'family:' mapping", file=folder / "family.yaml", line=1)
    family: Family = parse_model(Family, data["family"], folder / "family.yaml", lines, ("family",))
    names: dict[str, str] = data.get("country_names", {})
    profiles = []
    for code in family.countries:
        path = folder / "profiles" / f"{code.lower()}.yaml"
        if not path.exists():
            raise DataError(f"no profile file for {code}", file=path)
        profiles.append(CountryProfile(country=code, name=names.get(code, code), family=family.id, path=path))

    ns = SimpleNamespace()

    @hookimpl
    def diagnostics_families() -> list[Family]:
        return [family]

    @hookimpl
    def diagnostics_profiles() -> list[CountryProfile]:
        return profiles

    ns.diagnostics_families = diagnostics_families
    ns.diagnostics_profiles = diagnostics_profiles
    if (folder / "indicators.yaml").exists():

        @hookimpl
        def diagnostics_indicators() -> list[Any]:
            return load_indicator_file(folder / "indicators.yaml")

        ns.diagnostics_indicators = diagnostics_indicators
    if (folder / "rules.yaml").exists():

        @hookimpl
        def diagnostics_rule_packs() -> list[RulePack]:
            return [RulePack(name=family.id, rules=tuple(load_rule_file(folder / "rules.yaml")))]

        ns.diagnostics_rule_packs = diagnostics_rule_packs
    if (folder / "i18n").is_dir():

        @hookimpl
        def diagnostics_translations() -> list[Path]:
            return translation_files(folder / "i18n")

        ns.diagnostics_translations = diagnostics_translations
    return ns
