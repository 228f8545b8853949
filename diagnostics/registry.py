"""The plugin host: loads built-in and external plugins and builds the knowledge base once.

Plugins are registered with pluggy and their hooks called through `pm.hook`, one plugin at
a time so that every record and every failure is pinned on the plugin it comes from. Plugin
code runs contained: anything it raises (even SystemExit or KeyboardInterrupt) fails that
plugin only, and what it prints goes to stderr so that `--json` output stays clean.

After all plugins load, their records are checked together (duplicates, citations, unknown
families, contributions) and the knowledge base is built and validated once; a plugin
whose records break it is left out with the problem. `strict=True` makes any problem an
error. Knowledge of a scoped plugin (its families' countries, or `diagnostics_scope`)
applies only there: `kb_for(country)` is the knowledge base an assessment of that country
uses, `kb` the one of every country outside all scopes. The result is cached on disk
(`diagnostics.kbcache`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
from pydantic import BaseModel, ValidationError

from . import hookspecs
from .compose import CORE_PLUGIN, Blame, Loaded, compose, thesis_failed
from .errors import DataError, DiagnosticsError, PluginError
from .hookspecs import PLACEMENTS, BriefSection, CountryProfile, Source
from .i18n import DEFAULT_LANGUAGE, N_, _, current_language
from .kb import KnowledgeBase, did_you_mean
from .knowledge import Direction, Family, Indicator, RulePack
from .parse_messages import pluggy_problem, pydantic_message

if TYPE_CHECKING:
    from .assessment import Assessment
    from .profile import Profile

ENTRY_POINT_GROUP = "policy_diagnostics"

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
    "diagnostics_bibliography": Source,
}
KNOWLEDGE_HOOKS = ("diagnostics_indicators", "diagnostics_rule_packs", "diagnostics_directions")


@dataclass
class PluginReport:
    name: str
    version: str
    source: str  # "builtin", "entry point" or "direct"
    status: str = "ok"  # ok | failed | disabled
    error: str = ""
    hooks: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    scope: list[str] | None = None  # country codes its knowledge applies to; None: everywhere
    load_ms: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "source": self.source,
            "status": self.status, "error": self.error, "hooks": self.hooks,
            "records": self.records, "scope": self.scope,
        }


@dataclass
class Registry:
    kb: KnowledgeBase  # for countries outside every plugin's scope (all of the thesis's)
    profiles: dict[str, CountryProfile]
    reports: list[PluginReport]
    manager: pluggy.PluginManager
    full_kb: KnowledgeBase | None = None  # every plugin's records, for listing and checks
    scoped: dict[str, KnowledgeBase] = field(default_factory=dict)  # country -> its knowledge base
    bibliography: dict[str, Source] = field(default_factory=dict)  # "plugin:key" -> source
    managers: dict[str, pluggy.PluginManager] = field(default_factory=dict)  # one per working plugin
    cache_key: str | None = None  # the on-disk cache's key for these plugins (None: not cached)

    @property
    def families(self) -> dict[str, Family]:
        return self.kb.families

    @property
    def everything(self) -> KnowledgeBase:
        return self.full_kb or self.kb

    def kb_for(self, country: str | None) -> KnowledgeBase:
        """The knowledge base that applies to a country: the thesis's plus plugins in scope."""
        return self.scoped.get((country or "").upper(), self.kb)

    def problems(self) -> list[PluginReport]:
        return [r for r in self.reports if r.status == "failed"]

    def in_scope(self, name: str, country: str | None) -> bool:
        """True if the plugin's knowledge and brief sections apply to this country."""
        report = next((r for r in self.reports if r.name == name), None)
        return report is None or report.scope is None or (country or "").upper() in report.scope

    def check_family(self, profile: Profile, file: str | Path | None = None,
                     lines: Mapping[Any, int] | None = None) -> None:
        """An unknown family id in a profile is an error that suggests the nearest known one."""
        if not profile.family or profile.family in self.families:
            return
        known = ", ".join(sorted(self.families)) or _("none")
        line = (lines or {}).get(("family",)) if lines is not None else None
        raise DataError(_("unknown family {family}{hint} (known: {known})").format(
            family=repr(profile.family), hint=did_you_mean(profile.family, self.families), known=known),
            file=file, line=line)

    def plugin_manager(self, name: str) -> pluggy.PluginManager | None:
        """The manager holding plugin `name` alone, through which its hooks are called (so that
        whatever it returns or raises is its own); None when no such plugin is loaded."""
        if name not in self.managers:
            plugin = self.manager.get_plugin(name)
            if plugin is None:
                return None
            self.managers[name] = new_manager()
            self.managers[name].register(plugin, name=name)
        return self.managers[name]

    def brief_sections(self, assessment: Assessment, lang: str | None = None) -> tuple[list[BriefSection], list[str]]:
        """Sections the plugins in scope of this assessment add to its brief, validated here
        and nowhere else; a failing plugin is left out with a notice. Titles and bodies are in
        `lang` (default: the current language) where a plugin's translations give them."""
        sections: list[BriefSection] = []
        notices: list[str] = []
        for name, plugin in self.manager.list_name_plugin():
            if plugin is None or not self.in_scope(name, assessment.country):
                continue
            pm = self.plugin_manager(name)
            if pm is None or not pm.hook.diagnostics_brief_sections.get_hookimpls():
                continue
            try:
                found = [_validate(BriefSection, x, "diagnostics_brief_sections", n)
                         for n, x in enumerate(call_hook(pm, "diagnostics_brief_sections", assessment=assessment))]
            except PluginError as exc:
                notices.append(_("plugin {name}: brief sections left out ({problem})").format(name=name, problem=exc))
                continue
            for record in found:
                if record.placement not in PLACEMENTS:
                    notices.append(_("plugin {name}: section {id} left out: placement {placement} is not one of "
                                     "{placements}").format(name=name, id=repr(record.id),
                                                            placement=repr(record.placement),
                                                            placements=", ".join(PLACEMENTS)))
                    continue
                sections.append(record.model_copy(update={"provided_by": name}))
        lang = lang or current_language()
        if sections and lang != DEFAULT_LANGUAGE:
            from .translated_knowledge import collect_translations, localize_sections

            sections = localize_sections(sections, collect_translations(self, lang))
        return sections, notices


# -------------------------------------------------------------------------------------
@contextlib.contextmanager
def plugin_code(what: str) -> Iterator[None]:
    """Run plugin code with its prints sent to stderr and anything it raises contained."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    except PluginError:
        raise
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # noqa: BLE001 - plugin code is untrusted
        detail = f": {exc}" if str(exc) else ""
        raise PluginError(_("{what} raised {error}").format(what=what, error=type(exc).__name__) + detail) from None


class PluginDirectory(pluggy.PluginManager):
    """The shared manager: every working plugin by name (duplicate names and objects are
    refused). Hooks are called through each plugin's own manager (`call_hook`), so a plugin's
    hook implementations are parsed there, once, and not again here."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> None:
        return None


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def call_hook(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[Any]:
    """A plugin's answer to a hook, through `pm.hook` of the manager holding that plugin alone
    (so that every record and every failure is the plugin's)."""
    with plugin_code(_("hook {name}").format(name=hook_name)):
        results = getattr(pm.hook, hook_name)(**kwargs)
    result = results[0] if results else []
    if result is None:
        return []
    if not isinstance(result, (list, tuple)):
        raise PluginError(_("hook {name} must return a list, got {type}")
            .format(name=hook_name, type=type(result).__name__))
    return list(result)


def _validate(model: type[BaseModel], item: Any, hook_name: str, n: int = 0) -> Any:
    try:
        if isinstance(item, model):
            return item  # already validated when it was made
        return model.model_validate(item.model_dump() if isinstance(item, BaseModel) else item)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PluginError(_("hook {name} returned an invalid {model} ({item}): {problem}").format(
            name=hook_name, model=model.__name__,
            item=_("item {n}").format(n=n + 1) + (", " + where if where else ""),
            problem=first["msg"] if current_language() == DEFAULT_LANGUAGE else pydantic_message(first))) from None


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


def _import(target: Any) -> Any:
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        plugin = importlib.import_module(module_name)
        return getattr(plugin, attr) if attr else plugin
    if hasattr(target, "load") and hasattr(target, "group"):
        return target.load()
    return target


def _register(pm: pluggy.PluginManager, name: str, target: Any, report: PluginReport,
              dist: str | None) -> Loaded:
    """Import a plugin and register it with one manager of its own and in the directory."""
    with plugin_code(_("import")):
        plugin = _import(target)
    report.version = _version_of(plugin, dist)
    own = new_manager()
    try:
        own.register(plugin, name=name)
        own.check_pending()  # a hookimpl named like no hook (a typo) is an error, not ignored
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        if pm.has_plugin(name):
            pm.unregister(name=name)
        raise PluginError(pluggy_problem(exc)) from None
    report.hooks = sorted(h.name for h in own.get_hookcallers(plugin) or [])
    return Loaded(report, plugin, own)


def _collect(item: Loaded) -> None:
    """Call every record hook of one plugin and validate what it returns."""
    stamp = f"{item.name} {item.report.version}"
    for hook_name, model in RECORD_HOOKS.items():
        if hook_name not in item.report.hooks:
            continue
        records = [_stamp(_validate(model, x, hook_name, n), stamp)
                   for n, x in enumerate(call_hook(item.pm, hook_name))]
        item.records[hook_name] = records
        if records:
            item.report.records[hook_name.removeprefix("diagnostics_")] = len(records)
    if "diagnostics_scope" in item.report.hooks:
        from .profile import COUNTRY_CODE

        codes = [str(c).upper() for c in call_hook(item.pm, "diagnostics_scope")]
        bad = [c for c in codes if not COUNTRY_CODE.match(c)]
        if bad:
            raise PluginError(_("hook diagnostics_scope returned {code}, not an ISO country code")
                .format(code=repr(bad[0])))
        item.scope = frozenset(codes)
    elif item.records.get("diagnostics_families") and item.name != CORE_PLUGIN:
        item.scope = frozenset(c for f in item.records["diagnostics_families"] for c in f.countries)
    item.report.scope = sorted(item.scope) if item.scope is not None else None


def plugin_problem(name: str, error: str) -> str:
    return _("plugin {name}: {error}").format(name=name, error=error)


def _stamp(record: BaseModel, stamp: str) -> BaseModel:
    if isinstance(record, RulePack):
        rules = tuple(r.model_copy(update={"provided_by": stamp}) for r in record.rules)
        return record.model_copy(update={"rules": rules})
    if "provided_by" in type(record).model_fields:
        return record.model_copy(update={"provided_by": stamp})
    return record


_ID_KINDS = {
    "indicator": N_("indicator {id} (also from plugin {plugin})"),
    "rule": N_("rule {id} (also from plugin {plugin})"),
    "direction": N_("direction {id} (also from plugin {plugin})"),
    "family": N_("family {id} (also from plugin {plugin})"),
    "profile": N_("profile {id} (also from plugin {plugin})"),
}


def _ids(item: Loaded) -> dict[str, set[str]]:
    r = item.records
    return {
        "indicator": {i.id for i in r.get("diagnostics_indicators", [])},
        "rule": {x.id for x in item.rules()},
        "direction": {d.id for d in r.get("diagnostics_directions", [])},
        "family": {f.id for f in r.get("diagnostics_families", [])},
        "profile": {p.country for p in r.get("diagnostics_profiles", [])},
    }


def _fail(item: Loaded, pm: pluggy.PluginManager, message: str) -> None:
    item.report.status, item.report.error = "failed", message
    if pm.has_plugin(item.name):
        pm.unregister(name=item.name)


def load_registry(
    *,
    strict: bool = False,
    external: bool = True,
    env: Mapping[str, str] | None = None,
    extra_plugins: Iterable[tuple[str, Any]] = (),
    builtin: Iterable[tuple[str, str]] = BUILTIN_PLUGINS,
    cache: bool = True,
) -> Registry:
    """Load plugins and build the knowledge base.

    `external=False` (``--no-plugins``) skips entry-point plugins. The environment variables
    DIAGNOSE_LOAD_PLUGINS (allow-list) and DIAGNOSE_DISABLE_PLUGINS (block-list) name
    plugins, comma-separated. `extra_plugins` registers (name, object) pairs directly, which
    is how tests and `diagnostics.testing` add plugins without entry points. `cache=False`
    neither reads nor writes the on-disk cache (DIAGNOSE_CACHE_DIR or the user's cache).
    """
    env = os.environ if env is None else env
    allow = _env_list(env, "DIAGNOSE_LOAD_PLUGINS")
    block = _env_list(env, "DIAGNOSE_DISABLE_PLUGINS") or set()
    pm = PluginDirectory(hookspecs.PROJECT)
    reports: list[PluginReport] = []
    candidates: list[tuple[str, str, Any, str | None]] = []  # name, source, target, dist

    for name, module in builtin:
        candidates.append((name, "builtin", module, None))
    if external:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            candidates.append((ep.name, "entry point", ep, ep.dist.name if ep.dist else None))
    for name, obj in extra_plugins:
        candidates.append((name, "direct", obj, None))

    loaded: list[Loaded] = []
    for name, source, target, dist in candidates:
        report = PluginReport(name=name, version=_version_of(None, dist) if source != "direct" else "",
                              source=source)
        reports.append(report)
        if name in block or (allow is not None and source != "builtin" and name not in allow):
            report.status, report.error = "disabled", _("disabled by DIAGNOSE_*_PLUGINS")
            continue
        start = time.perf_counter()
        try:
            loaded.append(_register(pm, name, target, report, dist))
        except DiagnosticsError as exc:
            report.status, report.error = "failed", str(exc)
        finally:
            report.load_ms = (time.perf_counter() - start) * 1000

    from . import kbcache

    key = None
    if cache and not any(r.source == "direct" for r in reports):
        key = kbcache.cache_key((i.name, i.report.version, i.plugin) for i in loaded)
    folder = kbcache.cache_dir(env) if key else None
    payload = kbcache.load(folder, key) if folder and key else None
    if payload is None:
        payload = _build_all(pm, loaded)
        if folder and key:
            _derive(payload)
            kbcache.save(folder, key, payload)
    by_name = {r.name: r for r in payload["reports"]}
    for item in loaded:
        saved = by_name[item.name]
        item.report.status, item.report.error = saved.status, saved.error
        item.report.records, item.report.scope = saved.records, saved.scope
        if saved.status != "ok" and pm.has_plugin(item.name):
            pm.unregister(name=item.name)

    registry = Registry(kb=payload["kb"], profiles=payload["profiles"], reports=reports, manager=pm,
                        full_kb=payload["full_kb"], scoped=payload["scoped"],
                        bibliography=payload["bibliography"],
                        managers={i.name: i.pm for i in loaded if i.report.status == "ok"},
                        cache_key=key if folder else None)
    core = next((r for r in reports if r.name == CORE_PLUGIN), None)
    if core is not None and core.status != "ok":
        raise PluginError(thesis_failed(core.error))
    if strict and registry.problems():
        raise PluginError("; ".join(plugin_problem(r.name, r.error) for r in registry.problems()))
    return registry


def _derive(payload: dict[str, Any]) -> None:
    """Compute, before caching, what every run derives from a knowledge base (the audit digest
    alone is a JSON dump of every record; the compiled rules and their forward-chaining form),
    so that a run reading the cache does not."""
    from .chaining import ChainingError

    kbs = [payload["kb"], payload["full_kb"], *payload["scoped"].values()]
    for kb in {id(kb): kb for kb in kbs if kb is not None}.values():
        for name in ("digest", "feeds", "used_by", "rolls_up_to", "logic"):
            getattr(kb, name)
        with contextlib.suppress(ChainingError):
            getattr(kb.logic, "chaining")  # noqa: B009 - computed for the cache


def _build_all(pm: pluggy.PluginManager, loaded: list[Loaded]) -> dict[str, Any]:
    """Collect every plugin's records, check them together and build the knowledge bases."""
    accepted: list[Loaded] = []
    owners: dict[tuple[str, str], str] = {}
    for item in loaded:
        try:
            _collect(item)
        except DiagnosticsError as exc:
            _fail(item, pm, str(exc))
            continue
        # Duplicates are pinned on the later plugin, so the first one keeps working.
        clash = [_(_ID_KINDS[kind]).format(id=repr(i), plugin=owners[(kind, i)])
                 for kind, ids in _ids(item).items() for i in sorted(ids) if (kind, i) in owners]
        if clash:
            _fail(item, pm, _("duplicate ids: {ids}").format(ids="; ".join(clash)))
            continue
        accepted.append(item)
        owners.update({(kind, i): item.name for kind, ids in _ids(item).items() for i in ids})

    while True:
        try:
            result = compose(accepted)
            break
        except Blame as blamed:
            for item in blamed.items:
                _fail(item, pm, blamed.messages[item.name])
            accepted = [i for i in accepted if i not in blamed.items]
    return {**result, "reports": [i.report for i in loaded]}
