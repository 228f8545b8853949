"""Knowledge texts in other languages: translation records and files, collecting them from the
plugins, a localized copy of the knowledge base, and the completeness check.

Rule titles, mechanisms, stories, questions, indicator questions, help, value labels and
"where to look" source lists, directions, country-family names and plugins' names for readers
come from per-language YAML files keyed by record id (rules/i18n/<lang>/*.yaml, format in
docs/i18n.md) that plugins provide through the ``diagnostics_translations`` hook.
:func:`localize_kb` returns a copy of the knowledge base with the texts replaced; an entry
without a translation keeps its English text behind the visible marker ``(EN)``, never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DataError
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _

if TYPE_CHECKING:
    from .hookspecs import BriefSection
    from .kb import KnowledgeBase
    from .registry import Registry

FALLBACK_MARKER = "(EN) "  # put before an English text shown where a translation is missing

# The translatable fields of each kind of record, in the order FORMAT.md hashes them.
RULE_FIELDS = ("title", "mechanism", "story", "counter_examples", "questions", "gate_reason")
INDICATOR_FIELDS = ("topic", "question", "help", "definition", "ask_if_reason", "sources", "scale_labels")
DIRECTION_FIELDS = ("title", "text", "caveats")
SECTION_FIELDS = ("title", "body")  # a plugin's brief section (diagnostics_brief_sections)
FAMILY_FIELDS = ("name", "description")
HOOK = "diagnostics_translations"


# ---------------------------------------------------------------------------------------
# Translated knowledge: records, files, the hook's results


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en_hash: str = ""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class RuleText(_Entry):
    title: str = ""
    mechanism: str = ""
    story: str = ""
    counter_examples: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    gate_reason: str = ""


class IndicatorText(_Entry):
    topic: str = ""
    label: str = ""
    question: str = ""
    help: str = ""
    definition: str = ""
    ask_if_reason: str = ""
    sources: tuple[str, ...] = ()  # where to look for the evidence, in the order of the English list
    scale_labels: tuple[str, str] | None = None  # the words at 1 and at 5 of a scale
    value_labels: dict[str, str] = Field(default_factory=dict)


class DirectionText(_Entry):
    title: str = ""
    text: str = ""
    caveats: tuple[str, ...] = ()


class SectionText(_Entry):
    title: str = ""
    body: str = ""


class FamilyText(_Entry):
    name: str = ""
    description: str = ""


class PluginText(_Entry):
    """A plugin's name for readers ('Mongolia' in 'Mongolia plugin (its bibliography)'); its
    English is made from the plugin's name, so there is nothing to hash."""

    title: str = ""


class KnowledgeTranslation(BaseModel):
    """Translations of knowledge records into one language (one or more files' worth)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str
    rules: dict[str, RuleText] = Field(default_factory=dict)
    indicators: dict[str, IndicatorText] = Field(default_factory=dict)
    directions: dict[str, DirectionText] = Field(default_factory=dict)
    brief_sections: dict[str, SectionText] = Field(default_factory=dict)
    families: dict[str, FamilyText] = Field(default_factory=dict)
    plugins: dict[str, PluginText] = Field(default_factory=dict)  # by plugin name (entry-point name)
    provided_by: str = ""

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in KINDS and v is None)}
        return data


KINDS = ("rules", "indicators", "directions", "brief_sections", "families", "plugins")


def load_translation_file(path: Path, provided_by: str = "") -> KnowledgeTranslation:
    """One translation file (rules.yaml, indicators.yaml or directions.yaml of a language).

    A malformed file is a DataError naming the file and line.
    """
    from .yamlio import load_data, parse_model

    data, lines = load_data(path)
    if not isinstance(data, dict) or "language" not in data:
        raise DataError(_("a translation file is a mapping with 'language' and rules/indicators/directions"),
                        file=path, line=1)
    record: KnowledgeTranslation = parse_model(KnowledgeTranslation, data, path, lines)
    return record.model_copy(update={"provided_by": provided_by or record.provided_by})


def translation_files(folder: Path) -> list[Path]:
    """The translation files of a plugin's `i18n/` folder: i18n/<lang>/*.yaml."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/*.yaml") if p.parent.name in LANGUAGES)


@dataclasses.dataclass
class Catalog:
    """Every knowledge translation into one language, merged in plugin order."""

    language: str
    rules: dict[str, RuleText] = dataclasses.field(default_factory=dict)
    indicators: dict[str, IndicatorText] = dataclasses.field(default_factory=dict)
    directions: dict[str, DirectionText] = dataclasses.field(default_factory=dict)
    brief_sections: dict[str, SectionText] = dataclasses.field(default_factory=dict)
    families: dict[str, FamilyText] = dataclasses.field(default_factory=dict)
    plugins: dict[str, PluginText] = dataclasses.field(default_factory=dict)
    sources: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)  # (kind, id) -> plugin
    problems: list[str] = dataclasses.field(default_factory=list)  # files that could not be read

    def add(self, t: KnowledgeTranslation) -> None:
        for kind in KINDS:
            entries: dict[str, Any] = getattr(t, kind)
            getattr(self, kind).update(entries)
            self.sources.update({(kind, i): t.provided_by for i in entries})


def collect_translations(registry: Registry, lang: str) -> Catalog:
    """The knowledge translations into `lang` that the loaded plugins provide.

    A plugin's hook may return KnowledgeTranslation records or paths of translation files.
    A hook that raises or a file that cannot be read is recorded in `problems` (and its
    texts fall back to English); it never stops the others.
    """
    from .errors import PluginError
    from .registry import call_hook

    catalog = Catalog(lang)
    if lang == DEFAULT_LANGUAGE:
        return catalog
    for report in registry.reports:
        if report.status != "ok":
            continue
        pm = registry.plugin_manager(report.name)
        if pm is None or not pm.hook.diagnostics_translations.get_hookimpls():
            continue
        stamp = f"{report.name} {report.version}".strip()
        try:  # through pm.hook, like every hook: prints go to stderr, anything raised is contained
            items = call_hook(pm, HOOK)
        except PluginError as exc:  # a broken translation must not stop the tool
            catalog.problems.append(_("plugin {name}: {error}").format(name=report.name, error=exc))
            continue
        for item in items:
            try:
                if isinstance(item, (str, Path)):
                    path = Path(item)
                    if path.parent.name != lang:
                        continue  # only read the files of the language asked for
                    record = load_translation_file(path, stamp)
                else:
                    record = KnowledgeTranslation.model_validate(
                        item.model_dump() if isinstance(item, BaseModel) else item)
                    record = record.model_copy(update={"provided_by": stamp})
            except (DataError, ValidationError, OSError) as exc:
                catalog.problems.append(_("plugin {name}: {error}").format(name=report.name, error=exc))
                continue
            if record.language == lang:
                catalog.add(record)
    return catalog


# ---------------------------------------------------------------------------------------
# en_hash: detecting translations whose English has changed since


def en_hash(fields: Mapping[str, Any]) -> str:
    """First 12 hex digits of sha256 over the present, non-empty English fields (FORMAT.md)."""
    present = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in fields.items() if v}
    return hashlib.sha256(json.dumps(present, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def english_fields(record: Any, names: Iterable[str]) -> dict[str, Any]:
    return {n: getattr(record, n, None) for n in names}


# ---------------------------------------------------------------------------------------
# Applying translations


def _pick(english: Any, translated: Any) -> Any:
    """The translation if there is one; else the English, marked; nothing if English has nothing."""
    if translated:
        return translated
    if not english:
        return english
    if isinstance(english, (list, tuple)):
        return tuple(FALLBACK_MARKER + e for e in english)
    return FALLBACK_MARKER + english


def localize_kb(kb: KnowledgeBase, catalog: Catalog) -> KnowledgeBase:
    """A copy of `kb` whose texts are in the catalog's language, English (marked) where missing.

    Only texts change: ids, conditions and the compiled rules are shared, and the audit digest
    stays the English one so that an assessment's stamp does not depend on the language.
    """
    if catalog.language == DEFAULT_LANGUAGE:
        return kb
    rules = {}
    for rid, rule in kb.rules.items():
        t = catalog.rules.get(rid, RuleText())
        rules[rid] = rule.model_copy(update={f: _pick(getattr(rule, f), getattr(t, f)) for f in RULE_FIELDS})
    indicators = {}
    for iid, ind in kb.indicators.items():
        ti = catalog.indicators.get(iid, IndicatorText())
        update = {f: _pick(getattr(ind, f), getattr(ti, f)) for f in INDICATOR_FIELDS if hasattr(ind, f)}
        if hasattr(ind, "label"):
            # Without a translated label the translated question stands in (readers see no English).
            update["label"] = ti.label or ("" if ti.question else _pick(ind.label, ""))
        if hasattr(ind, "value_labels"):
            update["value_labels"] = {v: ti.value_labels.get(v) or _pick(v.replace("_", " "), "")
                                      for v in ind.values}
        indicators[iid] = ind.model_copy(update=update)
    directions = {}
    for did, d in kb.directions.items():
        td = catalog.directions.get(did, DirectionText())
        directions[did] = d.model_copy(update={f: _pick(getattr(d, f), getattr(td, f)) for f in DIRECTION_FIELDS})
    families = {}
    for fid, fam in kb.families.items():
        tf = catalog.families.get(fid, FamilyText())
        families[fid] = fam.model_copy(update={f: _pick(getattr(fam, f), getattr(tf, f)) for f in FAMILY_FIELDS})
    localized = dataclasses.replace(kb, indicators=indicators, rules=rules, directions=directions,
                                    families=families)
    localized.__dict__["digest"] = kb.digest  # cached_property: keep the English stamp
    localized.__dict__["logic"] = kb.logic  # the same conditions: share the compiled logic core
    localized.__dict__["language"] = catalog.language
    return localized


def localize_registry(registry: Registry, lang: str) -> tuple[Registry, Catalog]:
    """The registry with its knowledge base in `lang`, and the catalog used.

    Plugins' names for readers in `lang` are registered with diagnostics.provenance, which
    labels a plugin's records wherever they are shown."""
    from .provenance import set_plugin_titles

    catalog = collect_translations(registry, lang)
    set_plugin_titles(lang, {name: t.title for name, t in catalog.plugins.items() if t.title})
    if lang == DEFAULT_LANGUAGE:
        return registry, catalog
    # Every knowledge base of the registry: the shared one, and those of scoped plugins' countries.
    done: dict[int, KnowledgeBase] = {}

    def local(kb: KnowledgeBase) -> KnowledgeBase:
        if id(kb) not in done:
            done[id(kb)] = localize_kb(kb, catalog)
        return done[id(kb)]

    return dataclasses.replace(
        registry, kb=local(registry.kb), full_kb=local(registry.full_kb) if registry.full_kb else None,
        scoped={c: local(kb) for c, kb in registry.scoped.items()}), catalog


def localize_sections(sections: list[BriefSection], catalog: Catalog) -> list[BriefSection]:
    """Plugins' brief sections in the catalog's language, English (marked) where missing."""
    if catalog.language == DEFAULT_LANGUAGE:
        return sections
    out = []
    for section in sections:
        t = catalog.brief_sections.get(section.id, SectionText())
        out.append(section.model_copy(update={f: _pick(getattr(section, f), getattr(t, f)) for f in SECTION_FIELDS}))
    return out


# ---------------------------------------------------------------------------------------
# The completeness check (`diagnose rules check --lang ru`)


@dataclasses.dataclass(frozen=True)
class Gap:
    status: str  # untranslated | stale | unknown
    kind: str  # rule | indicator | direction | family | plugin | section
    id: str
    detail: str

    def line(self) -> str:
        """One line of `rules check --lang`: status, kind, id and detail in the language of the run."""
        status_width = max(13, *(len(_(w)) for w in _GAP_WORDS.values()))
        kind_width = max(10, *(len(_(w)) for w in _KIND_WORDS.values()))
        status = _(_GAP_WORDS[self.status]) if self.status in _GAP_WORDS else self.status
        kind = _(_KIND_WORDS[self.kind]) if self.kind in _KIND_WORDS else self.kind
        return f"{status:<{status_width}} {kind:<{kind_width}} {self.id}  {self.detail}"


# The columns of a gap line, through the interface catalog (the Gap keeps the English keys).
_GAP_WORDS = {"untranslated": N_("untranslated"), "stale": N_("stale"), "unknown": N_("unknown")}
_KIND_WORDS = {"rule": N_("rule"), "indicator": N_("indicator"), "direction": N_("direction"),
               "section": N_("section")}


def _no_entry() -> str:
    return _("no entry")


def _missing(fields: list[str]) -> str:
    return _("missing {fields}").format(fields=", ".join(fields))


def _stale(old: str, new: str) -> str:
    return _("en_hash {old}, English now {new}").format(old=old or _("(none)"), new=new)


def check_translations(kb: KnowledgeBase, catalog: Catalog) -> list[Gap]:
    """Untranslated entries (no entry, a missing field, a missing value label), stale entries
    (the English changed after translation: en_hash differs) and entries for unknown ids."""
    gaps: list[Gap] = []
    specs: list[tuple[str, str, Mapping[str, Any], dict[str, Any], tuple[str, ...]]] = [
        ("rule", "rules", kb.rules, catalog.rules, RULE_FIELDS),
        ("indicator", "indicators", kb.indicators, catalog.indicators, INDICATOR_FIELDS),
        ("direction", "directions", kb.directions, catalog.directions, DIRECTION_FIELDS),
        ("family", "families", kb.families, catalog.families, FAMILY_FIELDS),
    ]
    for kind, _plural, records, entries, names in specs:
        for rid, record in records.items():
            fields = english_fields(record, names)
            entry = entries.get(rid)
            if entry is None:
                gaps.append(Gap("untranslated", kind, rid, _no_entry()))
                continue
            missing = [n for n, v in fields.items() if v and not getattr(entry, n, None)]
            if kind == "indicator":
                missing += ["label"] if getattr(record, "label", "") and not entry.label else []
                missing += [_("value label {value}").format(value=repr(v)) for v in getattr(record, "values", ())
                            if v not in entry.value_labels]
            if missing:
                gaps.append(Gap("untranslated", kind, rid, _missing(missing)))
            expected = en_hash(fields)
            if entry.en_hash != expected:
                gaps.append(Gap("stale", kind, rid, _stale(entry.en_hash, expected)))
        for rid in sorted(set(entries) - set(records)):
            gaps.append(Gap("unknown", kind, rid, _("no such record in the knowledge base")))
    return gaps


def check_sections(sections: Iterable[BriefSection], catalog: Catalog) -> list[Gap]:
    """Brief sections (made per assessment, so checked against the sections of one) with no
    translation, a missing title or body, or a translation of an older English text."""
    gaps = []
    for section in sections:
        fields = english_fields(section, SECTION_FIELDS)
        entry = catalog.brief_sections.get(section.id)
        if entry is None:
            gaps.append(Gap("untranslated", "section", section.id, _no_entry()))
            continue
        missing = [n for n, v in fields.items() if v and not getattr(entry, n)]
        if missing:
            gaps.append(Gap("untranslated", "section", section.id, _missing(missing)))
        if entry.en_hash != en_hash(fields):
            gaps.append(Gap("stale", "section", section.id, _stale(entry.en_hash, en_hash(fields))))
    return gaps


def check_plugin_titles(registry: Registry, catalog: Catalog) -> list[Gap]:
    """Loaded plugins (other than the thesis's own) whose name for readers has no translation,
    and titles given for plugins that are not loaded."""
    from .provenance import CORE_PLUGIN

    loaded = {r.name for r in registry.reports if r.status == "ok" and r.name != CORE_PLUGIN}
    gaps = [Gap("untranslated", "plugin", name, "no title") for name in sorted(loaded)
            if not (catalog.plugins.get(name) and catalog.plugins[name].title)]
    gaps += [Gap("unknown", "plugin", name, "no such plugin is loaded")
             for name in sorted(set(catalog.plugins) - loaded - {CORE_PLUGIN})]
    return gaps
