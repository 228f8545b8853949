"""What every command shares: the loaded plugins and assessor, profile loading, JSON output.

Only click is imported at module level so that `diagnose --help` starts fast; the engine,
pydantic models and rich are imported when a command needs them.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from diagnostics.assessment import Assessment, Assessor
    from diagnostics.kb import KnowledgeBase
    from diagnostics.profile import Profile
    from diagnostics.registry import Registry


class Settings:
    """The options of the `diagnose` group, and the registry and assessor built from them once."""

    def __init__(self, strict: bool = False, no_plugins: bool = False, engine: str = "durable",
                 lang: str = "en") -> None:
        self.strict = strict
        self.no_plugins = no_plugins
        self.engine = engine
        self.lang = lang
        self._english: Registry | None = None
        self._registry: Registry | None = None
        self._assessors: dict[int, Assessor] = {}

    def english_registry(self) -> Registry:
        """The registry as the plugins give it: knowledge texts in English."""
        if self._english is None:
            from diagnostics.i18n import _

            with startup_allocations():
                from diagnostics.registry import load_registry

                self._english = load_registry(strict=self.strict, external=not self.no_plugins)
            for report in self._english.problems():
                click.echo(_("warning: plugin {name} left out: {error}").format(
                    name=report.name, error=report.error), err=True)
        return self._english

    def registry(self) -> Registry:
        """The registry with its knowledge texts in the chosen language (English, marked, where missing)."""
        if self._registry is None and self.lang == "en":
            # The knowledge is written in English: no translations to collect (nor their models to build).
            self._registry = self.english_registry()
        if self._registry is None:
            from diagnostics.i18n import _
            from diagnostics.translated_knowledge import localize_registry

            self._registry, catalog = localize_registry(self.english_registry(), self.lang)
            for problem in catalog.problems:
                click.echo(_("warning: translation left out: {problem}").format(problem=problem), err=True)
        return self._registry

    def assessor(self, country: str | None = None) -> Assessor:
        """The assessor for a country: the knowledge base of the plugins in its scope."""
        kb = self.registry().kb_for(country)
        if id(kb) not in self._assessors:
            with startup_allocations():  # its compiled logic core and engine live as long
                from diagnostics.assessment import Assessor

                self._assessors[id(kb)] = Assessor(kb, engine=self.engine)
        return self._assessors[id(kb)]


@contextlib.contextmanager
def startup_allocations() -> Iterator[None]:
    """Load what lives until the command ends (modules, pydantic models, the cached knowledge
    base, the assessor) with the cyclic garbage collector paused, then move it out of the
    collector's later passes (gc.freeze). Scanning these objects again and again cost `diagnose assess` about a
    tenth of its CPU. `DiagnoseGroup.main` unfreezes them when the command returns."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def leave_to_the_system_at_exit() -> None:
    """When the process ends, leave what the command built to the operating system.

    On the way out the interpreter runs the cyclic collector over every object still tracked:
    the knowledge base, the assessment, for a brief also the report modules and WeasyPrint's
    typeset pages with their style and box cycles (from about 15,000 objects for `assess` to
    90,000 for a PDF brief), searched to free memory the operating system takes back anyway.
    Freezing them from an exit handler (atexit, so the other handlers and the flushing of files
    still run) moves them out of that pass. A process that goes on (tests calling commands
    through click's runner) is not affected until it ends. Registered once, for every command.
    """
    global _left_at_exit
    if not _left_at_exit:
        atexit.register(gc.freeze)
        _left_at_exit = True


_left_at_exit = False


pass_settings = click.make_pass_decorator(Settings, ensure=True)


def fail(message: str) -> NoReturn:
    from diagnostics.i18n import _
    from diagnostics.safeio import strip_controls

    # The message may quote hostile input: no control characters reach the terminal.
    click.echo(_("error: {message}").format(message=strip_controls(message)), err=True)
    sys.exit(2)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# Line maps of the profile files read in this process, so that value errors found later
# (against the indicator catalogue) can still name the line.
PROFILE_LINES: dict[str, Mapping[Any, int]] = {}
PROFILE_DIGESTS: dict[str, str] = {}  # the same, for digests a cached profile file brings along


def load_profile_file(path: Path, cache_key: str | None = None) -> Profile:
    """A profile file or a TUI assessment file (diagnostics.profileio.load_profile), from the
    on-disk cache when read before unchanged and `cache_key` (Registry.cache_key) is given."""
    from diagnostics.profileio import load_profile

    loaded = load_profile(path, cache_key)
    PROFILE_LINES[str(path)] = loaded.lines
    if loaded.cached_digest:
        PROFILE_DIGESTS[str(path)] = loaded.cached_digest
    else:
        PROFILE_DIGESTS.pop(str(path), None)
    return loaded.profile


def resolve_profile(settings: Settings, ref: str) -> tuple[Profile, str]:
    """A file path, or a country code that a plugin provides a profile for."""
    from diagnostics.errors import DataError

    path = Path(ref)
    profiles = settings.registry().profiles
    if not (path.exists() or path.suffix.lower() in (".yaml", ".yml", ".json")):
        code = ref.upper()
        if code not in profiles:
            from diagnostics.i18n import _

            known = ", ".join(sorted(profiles)) or _("none")
            raise DataError(_("{ref} is neither a profile file nor a known country code (known: {known})").format(
                ref=repr(ref), known=known))
        path = profiles[code].path
    profile = load_profile_file(path, settings.registry().cache_key)
    settings.registry().check_family(profile, path, PROFILE_LINES.get(str(path)))
    return profile, str(path)


def assess_ref(settings: Settings, ref: str) -> tuple[Assessment, Profile]:
    profile, where = resolve_profile(settings, ref)
    assessor = settings.assessor(profile.country)
    return assessor.assess(profile, file=where, lines=PROFILE_LINES.get(where),
                           digest=PROFILE_DIGESTS.get(where)), profile


def rule_id_or_fail(kb: KnowledgeBase, rule_id: str) -> str:
    """A rule id, accepted without its `dx.`/`node.` prefix; unknown ids are a DataError."""
    from diagnostics.errors import DataError
    from diagnostics.kb import did_you_mean

    if not rule_id.startswith(("node.", "dx.")):
        rule_id = next((p + rule_id for p in ("dx.", "node.") if p + rule_id in kb.rules), rule_id)
    if rule_id not in kb.rules:
        from diagnostics.i18n import _

        raise DataError(_("unknown rule {id}").format(id=repr(rule_id)) + did_you_mean(rule_id, kb.rules))
    return rule_id
