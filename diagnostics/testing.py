"""The test API for plugin authors; its pytest fixtures load through the `pytest11` entry point.

    from diagnostics.testing import assess, make_registry

    def test_my_rule_fires():
        registry = make_registry(("mongolia", MyPlugin()))
        result = assess(registry, "MN")            # a country code, a file, a Profile or a dict
        assert result.status("node.my_rule") == "fired"

`make_registry` builds a registry with the built-in plugins plus the plugins you pass. It
never reads entry points, the environment or the on-disk cache, so a test sees exactly the
plugins it names. `assess` uses the knowledge base of the profile's country (so a scoped
plugin's rules apply to its countries only) and raises the project's own errors: a
`DataError` for a bad profile (unknown family, wrong value type, missing country), a
`PluginError` for a plugin that failed to load when `strict=True`. The fixtures
`diagnostics_registry` and `diagnostics_assess` give the same two functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .assessment import Assessment
    from .profile import Profile
    from .registry import Registry


def make_registry(*plugins: tuple[str, Any], strict: bool = True) -> Registry:
    """The built-in plugins plus `(name, plugin object)` pairs; `strict` raises PluginError
    when any plugin fails instead of leaving it out."""
    from .registry import load_registry

    return load_registry(strict=strict, external=False, env={}, extra_plugins=plugins, cache=False)


def load_profile(data: Mapping[str, Any] | Path | str, registry: Registry | None = None) -> Profile:
    """A Profile from a dict, a file, or a country code the registry knows; DataError if invalid."""
    from .errors import DataError
    from .profile import Profile
    from .yamlio import parse_model

    lines: dict[Any, int] = {}
    where = Path("<profile dict>")
    if isinstance(data, str) and registry is not None and data.upper() in registry.profiles:
        data = registry.profiles[data.upper()].path
    if isinstance(data, (str, Path)):
        from .profileio import load_profile as read_profile_file  # profiles and assessment files

        where = Path(data)
        loaded = read_profile_file(where)
        if registry is not None:
            registry.check_family(loaded.profile, where, dict(loaded.lines))
        return loaded.profile
    if not isinstance(data, Mapping):
        from .i18n import _

        raise DataError(_("a profile must be a mapping with 'country', 'family' and 'answers'"), file=where)
    profile: Profile = parse_model(Profile, dict(data), where, lines)
    if registry is not None:
        registry.check_family(profile, where, lines)
    return profile


def assess(registry: Registry, profile: Profile | Mapping[str, Any] | Path | str,
           engine: str = "durable") -> Assessment:
    """Assess a Profile, a dict, a profile file or a country code with the registry's plugins."""
    from .assessment import Assessor, validate_answers
    from .profile import Profile

    if not isinstance(profile, Profile):
        profile = load_profile(profile, registry)
    else:
        registry.check_family(profile)
    kb = registry.kb_for(profile.country)
    validate_answers(profile, kb, "<profile>", None)
    return Assessor(kb, engine=engine).assess(profile)


@pytest.fixture
def diagnostics_registry() -> Callable[..., Registry]:
    """`make_registry` as a fixture: `diagnostics_registry((name, plugin), ..., strict=True)`."""
    return make_registry


@pytest.fixture
def diagnostics_assess() -> Callable[..., Assessment]:
    """`assess` as a fixture: `diagnostics_assess(registry, "KZ" | Path | Profile | dict)`."""
    return assess


def scaled_knowledge_base(kb: Any, copies: int) -> Any:
    """The knowledge base with `copies - 1` renamed copies of every indicator and rule added
    (copy k renames `ns.name` to `ns_ck.name` and `node.x` to `node.x_ck`): for checking that
    building and assessing grow linearly with the size of the knowledge base."""
    from .kb import KnowledgeBase
    from .knowledge import Indicator, Rule

    indicators = list(kb.indicators.values())
    rules = list(kb.rules.values())
    for k in range(2, copies + 1):
        suffix = f"_c{k}"
        for spec in kb.indicators.values():
            indicators.append(Indicator.model_validate({**spec.model_dump(), "id": scaled_id(spec.id, k)}))
        for rule in kb.rules.values():
            data = _rename(rule.model_dump(by_alias=True, exclude_none=True), k)
            data["id"] = rule.id + suffix
            rules.append(Rule.model_validate(data))
    return KnowledgeBase.build(indicators, rules, list(kb.directions.values()), list(kb.families.values()))


def scaled_id(indicator: str, copy: int) -> str:
    """An indicator's id in copy `copy` of a scaled knowledge base (copy 1 is the original)."""
    if copy == 1:
        return indicator
    ns, name = indicator.split(".", 1)
    return f"{ns}_c{copy}.{name}"


def _rename(data: Any, k: int) -> Any:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("indicator", "known") and isinstance(value, str):
                out[key] = scaled_id(value, k)
            elif key == "finding" and isinstance(value, str):
                out[key] = f"{value}_c{k}"
            elif key in ("formal", "informal"):
                out[key] = [scaled_id(v, k) for v in value]
            else:
                out[key] = _rename(value, k)
        return out
    if isinstance(data, (list, tuple)):
        return [_rename(v, k) for v in data]
    return data
