"""The plugin manager: loads built-in and external plugins and builds one knowledge base.

This is the one place that validates plugin records, stamps the providing plugin on each,
and rejects duplicates and unknown references. A plugin that fails (import error, raising
hook, invalid records, conflicts) is reported and left out; the rest keep working.
`strict=True` turns any such problem into an error.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError

from . import hookspecs
from .errors import DiagnosticsError, KnowledgeError, PluginError
from .hookspecs import CountryProfile
from .kb import KnowledgeBase
from .knowledge import Direction, Family, Indicator, RulePack

ENTRY_POINT_GROUP = "policy_diagnostics"
CORE_PLUGIN = "thesis"

# Built-in plugins, registered through the same hooks as external ones.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("thesis", "diagnostics.rules.plugin"),
    ("central_asia", "diagnostics.plugins.central_asia:plugin"),
    ("eastern_europe", "diagnostics.plugins.eastern_europe:plugin"),
    ("south_caucasus", "diagnostics.plugins.south_caucasus:plugin"),
    ("baltic_states", "diagnostics.plugins.baltic_states:plugin"),
)

RECORD_HOOKS: dict[str, type[BaseModel]] = {
    "diagnostics_families": Family,
    "diagnostics_profiles": CountryProfile,
    "diagnostics_indicators": Indicator,
    "diagnostics_rule_packs": RulePack,
    "diagnostics_directions": Direction,
}


@dataclass
class PluginReport:
    name: str
    version: str
    source: str  # "builtin" or "entry point"
    status: str = "ok"  # ok | failed | disabled
    error: str = ""
    hooks: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    load_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "source": self.source,
            "status": self.status, "error": self.error, "hooks": self.hooks,
            "records": self.records,
        }


@dataclass
class Registry:
    kb: KnowledgeBase
    profiles: dict[str, CountryProfile]
    reports: list[PluginReport]
    manager: pluggy.PluginManager

    @property
    def families(self) -> dict[str, Family]:
        return self.kb.families

    def problems(self) -> list[PluginReport]:
        return [r for r in self.reports if r.status == "failed"]


def _env_list(env: Mapping[str, str], key: str) -> set[str] | None:
    raw = env.get(key)
    if raw is None or not raw.strip():
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def _version_of(module: Any, dist: str | None = None) -> str:
    """The distribution's version, else the module's __version__, else the core's."""
    if dist:
        try:
            from importlib.metadata import version

            return version(dist)
        except Exception:  # noqa: BLE001 - a missing version is not a load failure
            pass
    from . import __version__

    return str(getattr(module, "__version__", __version__))


@dataclass
class _Collected:
    report: PluginReport
    records: dict[str, list[Any]]


def _collect(name: str, plugin: Any, pm: pluggy.PluginManager, report: PluginReport) -> _Collected:
    """Call every record hook of one plugin and validate what it returns."""
    out: dict[str, list[Any]] = {}
    stamp = f"{name} {report.version}"
    for hook_name, model in RECORD_HOOKS.items():
        impl = getattr(plugin, hook_name, None)
        if impl is None:
            continue
        report.hooks.append(hook_name)
        try:
            result = impl()
        except Exception as exc:  # noqa: BLE001 - any failure in plugin code is reported
            raise PluginError(f"hook {hook_name} raised {type(exc).__name__}: {exc}") from None
        if result is None:
            result = []
        if not isinstance(result, (list, tuple)):
            raise PluginError(f"hook {hook_name} must return a list, got {type(result).__name__}")
        records = []
        for n, item in enumerate(result):
            try:
                record = model.model_validate(item.model_dump() if isinstance(item, BaseModel) else item)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                raise PluginError(
                    f"hook {hook_name} returned an invalid {model.__name__} (item {n + 1}"
                    f"{', ' + where if where else ''}): {first['msg']}"
                ) from None
            records.append(_stamp(record, stamp))
        out[hook_name] = records
        report.records[hook_name.removeprefix("diagnostics_")] = len(records)
    for hook_name in hookspecs.HOOKS:
        if hook_name not in RECORD_HOOKS and hasattr(plugin, hook_name):
            report.hooks.append(hook_name)
    return _Collected(report, out)


def _stamp(record: BaseModel, stamp: str) -> BaseModel:
    if isinstance(record, RulePack):
        rules = tuple(r.model_copy(update={"provided_by": stamp}) for r in record.rules)
        return record.model_copy(update={"rules": rules})
    if "provided_by" in type(record).model_fields:
        return record.model_copy(update={"provided_by": stamp})
    return record


def _ids(collected: _Collected) -> dict[str, set[str]]:
    r = collected.records
    return {
        "indicator": {i.id for i in r.get("diagnostics_indicators", [])},
        "rule": {x.id for p in r.get("diagnostics_rule_packs", []) for x in p.rules},
        "direction": {d.id for d in r.get("diagnostics_directions", [])},
        "family": {f.id for f in r.get("diagnostics_families", [])},
        "profile": {p.country for p in r.get("diagnostics_profiles", [])},
    }


def _build(accepted: Iterable[_Collected]) -> KnowledgeBase:
    indicators: list[Indicator] = []
    rules = []
    directions: list[Direction] = []
    families: list[Family] = []
    for c in accepted:
        indicators += c.records.get("diagnostics_indicators", [])
        rules += [x for p in c.records.get("diagnostics_rule_packs", []) for x in p.rules]
        directions += c.records.get("diagnostics_directions", [])
        families += c.records.get("diagnostics_families", [])
    return KnowledgeBase.build(indicators, rules, directions, families)


def load_registry(
    *,
    strict: bool = False,
    external: bool = True,
    env: Mapping[str, str] | None = None,
    extra_plugins: Iterable[tuple[str, Any]] = (),
    builtin: Iterable[tuple[str, str]] = BUILTIN_PLUGINS,
) -> Registry:
    """Load plugins and build the knowledge base.

    `external=False` (``--no-plugins``) skips entry-point plugins. The environment variables
    DIAGNOSE_LOAD_PLUGINS (allow-list) and DIAGNOSE_DISABLE_PLUGINS (block-list) name
    plugins, comma-separated. `extra_plugins` registers (name, object) pairs directly, which
    is how tests and `diagnostics.testing` add plugins without entry points.
    """
    env = os.environ if env is None else env
    allow = _env_list(env, "DIAGNOSE_LOAD_PLUGINS")
    block = _env_list(env, "DIAGNOSE_DISABLE_PLUGINS") or set()
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    reports: list[PluginReport] = []
    candidates: list[tuple[str, str, Any, str | None]] = []  # name, source, loader, dist

    for name, module in builtin:
        candidates.append((name, "builtin", module, None))
    if external:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else None
            candidates.append((ep.name, "entry point", ep, dist))
    for name, obj in extra_plugins:
        candidates.append((name, "direct", obj, None))

    collected: list[_Collected] = []
    for name, source, target, dist in candidates:
        report = PluginReport(name=name, version=_version_of(None, dist) if source != "direct" else "",
                              source=source)
        reports.append(report)
        if name in block or (allow is not None and source != "builtin" and name not in allow):
            report.status, report.error = "disabled", "disabled by DIAGNOSE_*_PLUGINS"
            continue
        start = time.perf_counter()
        try:
            if isinstance(target, str):
                module_name, _, attr = target.partition(":")
                plugin = importlib.import_module(module_name)
                plugin = getattr(plugin, attr) if attr else plugin
            elif hasattr(target, "load") and hasattr(target, "group"):
                plugin = target.load()
            else:
                plugin = target
            report.version = _version_of(plugin, dist)
            pm.register(plugin, name=name)
            collected.append(_collect(name, plugin, pm, report))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the others
            msg = str(exc) if isinstance(exc, DiagnosticsError) else f"{type(exc).__name__}: {exc}"
            report.status, report.error = "failed", msg
            if pm.has_plugin(name):
                pm.unregister(name=name)
        finally:
            report.load_ms = (time.perf_counter() - start) * 1000

    # Accept plugins one by one so that a conflict is pinned on the plugin that brings it.
    accepted: list[_Collected] = []
    owners: dict[tuple[str, str], str] = {}
    kb: KnowledgeBase | None = None
    for c in collected:
        clash = [
            f"{kind} {i!r} (also from plugin {owners[(kind, i)]})"
            for kind, ids in _ids(c).items() for i in sorted(ids) if (kind, i) in owners
        ]
        if clash:
            _fail(c, pm, "duplicate ids: " + "; ".join(clash))
            continue
        adds_knowledge = any(c.records.get(h) for h in (
            "diagnostics_indicators", "diagnostics_rule_packs", "diagnostics_directions", "diagnostics_families"))
        if adds_knowledge or kb is None:
            try:
                kb = _build([*accepted, c])
            except KnowledgeError as exc:
                _fail(c, pm, f"invalid knowledge: {exc}")
                continue
        accepted.append(c)
        for kind, ids in _ids(c).items():
            for i in ids:
                owners[(kind, i)] = c.report.name
    if kb is None:
        raise PluginError("no knowledge base could be loaded: the thesis plugin failed")
    core = next((r for r in reports if r.name == CORE_PLUGIN), None)
    if core is not None and core.status != "ok":
        raise PluginError(f"the thesis knowledge base failed to load: {core.error}")

    profiles: dict[str, CountryProfile] = {}
    for c in accepted:
        for p in c.records.get("diagnostics_profiles", []):
            profiles[p.country] = p
    registry = Registry(kb=kb, profiles=profiles, reports=reports, manager=pm)
    if strict and registry.problems():
        raise PluginError("; ".join(f"plugin {r.name}: {r.error}" for r in registry.problems()))
    return registry


def _fail(c: _Collected, pm: pluggy.PluginManager, message: str) -> None:
    c.report.status, c.report.error = "failed", message
    if pm.has_plugin(c.report.name):
        pm.unregister(name=c.report.name)


