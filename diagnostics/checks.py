"""`diagnose rules check`: a plugin's folder checked exactly as the registry would load it.

The folder becomes a `FamilyPlugin`, loaded strictly beside the built-in plugins (never the
installed ones, so a plugin can be checked while installed). Any problem is a DataError
that names the file and line of the record it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import DataError, DiagnosticsError
from .i18n import _, pgettext


def record_lines(folder: Path) -> dict[str, tuple[Path, int]]:
    """Record id -> (file, line) of its `id:` (or `key:`, `country:`) line in the folder's YAML."""
    found: dict[str, tuple[Path, int]] = {}
    pattern = re.compile(r"^\s*(?:-\s*)?(?:id|key):\s*['\"]?([\w.-]+)['\"]?\s*$")
    for path in sorted(folder.rglob("*.yaml")):
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = pattern.match(line)
            if m:
                found.setdefault(m.group(1), (path, n))
    return found


def _locate(message: str, lines: dict[str, tuple[Path, int]]) -> DataError:
    """The message with the file and line of the first record id it mentions."""
    for token in re.findall(r"[a-z][\w]*\.[a-z][\w.]*|[a-z][\w-]*", message):
        if token in lines:
            path, line = lines[token]
            return DataError(message, file=path, line=line)
    return DataError(message)


def engine_problem(kb: Any, engine: str) -> str | None:
    """None if the rule engine can load this knowledge base, else why not.

    Uses the engine's own check when it offers one; otherwise builds the durable-rules
    ruleset, which is what fails for knowledge the engine cannot hold.
    """
    if engine != "durable":
        return None
    from . import engine as backend

    check = getattr(backend, "check_loadable", None)
    try:
        if check is not None:
            return check(kb)  # type: ignore[no-any-return]
        backend.DurableEngine(kb)
    except DiagnosticsError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever durable-rules raises means "cannot load"
        return _("the rule engine cannot load it: {error}").format(error=f"{type(exc).__name__}: {exc}")
    return None


def check_folder(folder: Path, name: str, engine: str = "durable") -> str:
    """Load the folder as a plugin; raise DataError on any problem, else return a summary."""
    from .familykit import FamilyPlugin
    from .registry import load_registry

    plugin = FamilyPlugin(folder)
    lines = record_lines(folder)
    try:
        registry = load_registry(external=False, env={}, extra_plugins=[(name, plugin)], strict=True, cache=False)
    except DataError:
        raise
    except DiagnosticsError as exc:
        from .compose import invalid_knowledge_prefix, invalid_records_prefix
        from .registry import plugin_problem

        prefixes = "|".join(re.escape(p) for p in (invalid_knowledge_prefix(), invalid_records_prefix()))
        message = re.sub(rf"^{re.escape(plugin_problem(name, ''))}({prefixes})?", "", str(exc))
        message = re.sub(rf"^{re.escape(name)} \S+: ", "", message)  # the stamp "name version: "
        raise _locate(message, lines) from None
    report = next(r for r in registry.reports if r.name == name)
    if not report.records:
        raise DataError(_("no records found: expected family.yaml, indicators.yaml, rules.yaml, "
                          "directions.yaml or bibliography.yaml (or indicators/, nodes/, directions/ folders)"),
                        file=folder)
    kbs = {id(kb): kb for kb in (registry.everything, *registry.scoped.values())}
    for kb in kbs.values():
        problem = engine_problem(kb, engine)
        if problem:
            raise _locate(problem, lines)
    counts = record_counts(report.records)
    scope = ", ".join(report.scope) if report.scope is not None else _("all countries")
    return _("{counts}; applies to {scope}").format(counts=counts, scope=scope)


def record_counts(records: Mapping[str, int]) -> str:
    """'137 indicators, 42 directions' in the current language (a plugin's records by hook)."""
    return ", ".join(_RECORD_COUNTS[kind]().format(n=n) if kind in _RECORD_COUNTS else f"{n} {kind}"
                     for kind, n in records.items())


# What `rules check FOLDER` and `diagnose plugins` count, by hook (the English reads "3 indicators"); a context of
# their own, as "{n} indicators" is also a heading elsewhere.
_RECORD_COUNTS: dict[str, Callable[[], str]] = {
    "families": lambda: pgettext("record count", "{n} families"),
    "profiles": lambda: pgettext("record count", "{n} profiles"),
    "indicators": lambda: pgettext("record count", "{n} indicators"),
    "rule_packs": lambda: pgettext("record count", "{n} rule_packs"),
    "directions": lambda: pgettext("record count", "{n} directions"),
    "bibliography": lambda: pgettext("record count", "{n} bibliography"),
    "brief_sections": lambda: pgettext("record count", "{n} brief_sections"),
    "translations": lambda: pgettext("record count", "{n} translations"),
    "scope": lambda: pgettext("record count", "{n} scope"),
}
