"""Pytest fixtures for plugin authors (auto-loaded through the `pytest11` entry point).

    def test_my_rule_fires(diagnostics_registry, diagnostics_assess):
        registry = diagnostics_registry(("mongolia", my_plugin_module))
        result = diagnostics_assess(registry, "MN")
        assert result.status("node.my_rule") == "fired"

`diagnostics_registry` builds a registry with the built-in plugins plus the plugins you
pass, and never reads entry points, so tests see exactly the plugins they name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def diagnostics_registry() -> Callable[..., Any]:
    """A factory: `diagnostics_registry((name, plugin), ..., strict=False)` -> Registry."""
    from .registry import load_registry

    def make(*plugins: tuple[str, Any], strict: bool = False) -> Any:
        return load_registry(strict=strict, external=False, env={}, extra_plugins=plugins)

    return make


@pytest.fixture
def diagnostics_assess() -> Callable[..., Any]:
    """A helper: `diagnostics_assess(registry, "KZ" or Path or Profile, engine="durable")` -> Assessment."""
    from .assessment import Assessor
    from .profile import Profile
    from .yamlio import load_data, parse_model

    def assess(registry: Any, profile: str | Path | Any, engine: str = "durable") -> Any:
        if isinstance(profile, str) and profile.upper() in registry.profiles:
            profile = registry.profiles[profile.upper()].path
        if isinstance(profile, (str, Path)):
            path = Path(profile)
            data, lines = load_data(path)
            profile = parse_model(Profile, data, path, lines)
        return Assessor(registry.kb, engine=engine).assess(profile)

    return assess
