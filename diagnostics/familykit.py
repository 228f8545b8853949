"""Build a plugin from a folder of data files.

`FamilyPlugin` is a class whose methods are pluggy hook implementations, found by their
names. From its folder it reads, each only if present:
- `family.yaml` (the family, with `country_names`) and `profiles/<cc>.yaml`;
- `indicators.yaml`, `rules.yaml`, `directions.yaml` (or folders `indicators/`, `nodes/`,
  `directions/` of such files, the layout of the thesis knowledge base);
- `bibliography.yaml` (the plugin's own sources);
- `i18n/<lang>/*.yaml` (translations of its records, docs/i18n.md).
The built-in families use it, and so do external plugins (subclass it to add hooks) and
`diagnose rules check`. Files are read when a hook is called, never at import.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import DataError
from .hookspecs import CountryProfile, Source, hookimpl
from .i18n import _
from .kb import load_direction_file, load_indicator_file, load_rule_file
from .knowledge import Direction, Family, Indicator, RulePack
from .yamlio import load_data, parse_model


class FamilyPlugin:
    """A plugin providing the family in `folder`, its profiles and any optional records."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"FamilyPlugin({str(self.folder)!r})"

    def files(self, flat: str, nested: str) -> list[Path]:
        """`flat` in the folder, then every YAML file of the `nested` subfolder."""
        found = [self.folder / flat] if (self.folder / flat).is_file() else []
        return found + sorted((self.folder / nested).glob("*.yaml"))

    @cached_property
    def _family_file(self) -> tuple[Family, dict[str, str]] | None:
        path = self.folder / "family.yaml"
        if not path.exists():
            return None
        data, lines = load_data(path)
        if not isinstance(data, dict) or "family" not in data:
            raise DataError(_("expected a 'family:' mapping"), file=path, line=1)
        family: Family = parse_model(Family, data["family"], path, lines, ("family",))
        return family, dict(data.get("country_names") or {})

    @hookimpl
    def diagnostics_families(self) -> list[Family]:
        return [self._family_file[0]] if self._family_file else []

    @hookimpl
    def diagnostics_profiles(self) -> list[CountryProfile]:
        if self._family_file is None:
            return []
        family, names = self._family_file
        profiles = []
        for code in family.countries:
            path = self.folder / "profiles" / f"{code.lower()}.yaml"
            if not path.exists():
                raise DataError(_("no profile file for {country}").format(country=code), file=path)
            profiles.append(CountryProfile(country=code, name=names.get(code, code), family=family.id, path=path))
        return profiles

    @hookimpl
    def diagnostics_indicators(self) -> list[Indicator]:
        return [x for p in self.files("indicators.yaml", "indicators") for x in load_indicator_file(p)]

    @hookimpl
    def diagnostics_rule_packs(self) -> list[RulePack]:
        rules = [x for p in self.files("rules.yaml", "nodes") for x in load_rule_file(p)]
        name = self._family_file[0].id if self._family_file else self.folder.name
        return [RulePack(name=name, rules=tuple(rules))] if rules else []

    @hookimpl
    def diagnostics_directions(self) -> list[Direction]:
        return [x for p in self.files("directions.yaml", "directions") for x in load_direction_file(p)]

    @hookimpl
    def diagnostics_bibliography(self) -> list[Source]:
        path = self.folder / "bibliography.yaml"
        if not path.exists():
            return []
        data, lines = load_data(path)
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
            raise DataError(_("expected a top-level '{key}:' list").format(key="sources"), file=path, line=1)
        return [parse_model(Source, item, path, lines, ("sources", n)) for n, item in enumerate(data["sources"])]

    @hookimpl
    def diagnostics_translations(self) -> list[Path]:
        from .translated_knowledge import translation_files

        return translation_files(self.folder / "i18n") if (self.folder / "i18n").is_dir() else []


def family_plugin(folder: Path) -> Any:
    """The plugin object for a family folder (kept for plugins written against 0.1)."""
    return FamilyPlugin(folder)
