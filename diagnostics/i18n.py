"""The language layer: interface strings (gettext), locale formatting (Babel), translated knowledge.

Three parts, all keyed by a language code (`en` is the default and the source language):

- Interface strings go through :func:`_` (gettext, domain ``diagnostics``). Catalogs live in
  ``diagnostics/locale/<lang>/LC_MESSAGES/diagnostics.po``; a compiled ``.mo`` beside it is
  used when present and current, otherwise the ``.po`` is compiled in memory, so a fresh
  clone works without a build step.
- Numbers, percentages and dates are formatted, and typed numbers read, by Babel in the
  language's conventions ("7,5" and "1 234,5" in Russian).
- Knowledge texts (rule titles, mechanisms, stories, questions, indicator questions and
  help, value labels, directions) come from per-language YAML files keyed by record id
  (rules/i18n/<lang>/*.yaml, format in docs/i18n.md) that plugins provide through the
  ``diagnostics_translations`` hook. :func:`localize_kb` returns a copy of the knowledge base
  with the texts replaced; an entry without a translation keeps its English text behind the
  visible marker ``(EN)``, never an error.

This module imports neither textual nor jinja2.
"""

from __future__ import annotations

import dataclasses
import gettext as _gettext
import hashlib
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DataError

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .registry import Registry

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
ENV_VAR = "DIAGNOSE_LANG"
DOMAIN = "diagnostics"
LOCALE_DIR = Path(__file__).parent / "locale"
FALLBACK_MARKER = "(EN) "  # put before an English text shown where a translation is missing

# The translatable fields of each kind of record, in the order FORMAT.md hashes them.
RULE_FIELDS = ("title", "mechanism", "story", "counter_examples", "questions", "gate_reason")
INDICATOR_FIELDS = ("topic", "question", "help", "definition")
DIRECTION_FIELDS = ("title", "text", "caveats")
HOOK = "diagnostics_translations"


# ---------------------------------------------------------------------------------------
# Choosing the language


def resolve_language(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The language to use: the option if given, else DIAGNOSE_LANG, else English.

    Accepts a locale such as ``ru_RU.UTF-8`` or ``ru-RU`` as ``ru``; an unsupported language is
    a DataError naming the ones there are.
    """
    env = os.environ if env is None else env
    raw = option if option else env.get(ENV_VAR, "")
    if not raw or not raw.strip():
        return DEFAULT_LANGUAGE
    code = raw.strip().split(".")[0].replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        source = "--lang" if option else ENV_VAR
        raise DataError(f"{source}: unsupported language {raw!r} (supported: {', '.join(LANGUAGES)})")
    return code


_current = DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    """Make `lang` the language of interface strings and formatting in this process."""
    global _current
    _current = resolve_language(lang, {})


def current_language() -> str:
    return _current


# ---------------------------------------------------------------------------------------
# Interface strings (gettext)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The gettext catalog of `lang`: its .mo when current, else its .po compiled in memory."""
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    po = catalog_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if not po.exists():
        return _gettext.NullTranslations()
    return _gettext.GNUTranslations(io.BytesIO(compile_catalog(po, lang)))


def compile_catalog(po: Path, lang: str) -> bytes:
    """The .mo bytes of a .po file (Babel); fuzzy entries are left out, as msgfmt does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def gettext(message: str) -> str:
    """`message` in the current language (the English text when it has no translation)."""
    return translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (module-level tables)."""
    return message


# ---------------------------------------------------------------------------------------
# Locale formatting and parsing (Babel)


def _locale(lang: str | None) -> str:
    return lang or _current


def format_number(value: float | int, lang: str | None = None, digits: int = 3) -> str:
    """A number in the language's conventions: 1,234.5 in English, 1 234,5 in Russian."""
    from babel.numbers import format_decimal, get_decimal_symbol

    if abs(value) >= 1e15 or (isinstance(value, float) and not math.isfinite(value)):
        # Beyond what a reader counts digit by digit (and beyond Babel's decimal precision):
        # scientific notation with the language's decimal sign.
        from decimal import Decimal

        return f"{Decimal(value):.{digits}e}".replace(".", get_decimal_symbol(_locale(lang)))
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=_locale(lang))
    return format_decimal(round(value, digits), locale=_locale(lang), decimal_quantization=False)


def format_percent(share: float, lang: str | None = None, digits: int = 1) -> str:
    """A share 0..1 as a percentage: 7.5% in English, 7,5 % in Russian."""
    from babel.numbers import format_percent as _format_percent

    # The locale's own pattern (its spacing and sign), with up to `digits` decimals kept.
    return _format_percent(round(share, digits + 2), locale=_locale(lang), decimal_quantization=False)


def format_date(value: date | datetime, lang: str | None = None, length: str = "long") -> str:
    """A date in words in the language: 5 December 2026 / 5 декабря 2026 г."""
    from babel.dates import format_date as _format_date

    if isinstance(value, datetime):
        value = value.date()
    return _format_date(value, format=length, locale=_locale(lang))


def format_datetime(value: datetime, lang: str | None = None) -> str:
    """A timestamp for an audit line, in the language's medium format."""
    from babel.dates import format_datetime as _format_datetime

    return _format_datetime(value, format="medium", locale=_locale(lang))


# Units of the built-in indicators, translated through the interface catalog; a unit with no
# translation (a plugin's own) is shown as written. A test keeps this list in step with the data.
KNOWN_UNITS = (
    N_("%"), N_("% of GDP"), N_("% of senior management time"), N_("acts per year"), N_("bodies"),
    N_("days"), N_("ministries"), N_("months"), N_("months per year"), N_("requirements"), N_("years"),
    N_("ratio (supplier linkages realised ÷ expected)"), N_("ratio (required output ÷ domestic market)"),
    N_("index (0 = fully diversified, 1 = one product)"), N_("BTI score (1 to 10)"),
    N_("CPI score (0 = highly corrupt, 100 = very clean)"), N_("WGI estimate (about -2.5 to 2.5)"),
)


def unit_text(unit: str) -> str:
    """A unit of measure in the current language."""
    return gettext(unit) if unit else ""


def country_name(code: str, english: str, lang: str | None = None) -> str:
    """A country's name in the language (Babel's territory names), else the name as given."""
    chosen = _locale(lang)
    if chosen == DEFAULT_LANGUAGE:
        return english
    from babel import Locale

    return str(Locale.parse(chosen).territories.get(code.upper(), english))


def date_text(iso: str | None, lang: str | None = None) -> str:
    """An ISO date ('2018-12-31') in words in the language; as given when it is not one."""
    if not iso:
        return "—"
    try:
        return format_date(date.fromisoformat(iso), lang)
    except ValueError:
        return iso


def read_number(text: str, lang: str | None = None) -> float:
    """A number typed in the language's conventions; ValueError if it is not one.

    Spaces (the Russian thousands separator) are removed by the caller; here the decimal and
    group marks are read by Babel in strict mode, so an ambiguous '7,5' in English is an
    error rather than 75. The C form ('7.5', '1e-3') is accepted in every language.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(parse_decimal(text, locale=_locale(lang), strict=True))
    except NumberFormatError as exc:
        raise ValueError(str(exc)) from None


def decimal_comma(lang: str | None = None) -> bool:
    """True where the language writes decimals with a comma (Russian: 7,5)."""
    from babel.numbers import get_decimal_symbol

    return bool(get_decimal_symbol(_locale(lang)) == ",")


def number_reader(lang: str | None = None) -> Callable[[str], float]:
    """A reader for `diagnostics.answers.parse_text` in `lang` (default: the current language)."""
    chosen = _locale(lang)
    return lambda text: read_number(text, chosen)


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
    value_labels: dict[str, str] = Field(default_factory=dict)


class DirectionText(_Entry):
    title: str = ""
    text: str = ""
    caveats: tuple[str, ...] = ()


class KnowledgeTranslation(BaseModel):
    """Translations of knowledge records into one language (one or more files' worth)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str
    rules: dict[str, RuleText] = Field(default_factory=dict)
    indicators: dict[str, IndicatorText] = Field(default_factory=dict)
    directions: dict[str, DirectionText] = Field(default_factory=dict)
    provided_by: str = ""

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (k in ("rules", "indicators", "directions") and v is None)}
        return data


def load_translation_file(path: Path, provided_by: str = "") -> KnowledgeTranslation:
    """One translation file (rules.yaml, indicators.yaml or directions.yaml of a language).

    A malformed file is a DataError naming the file and line.
    """
    from .yamlio import load_data, parse_model

    data, lines = load_data(path)
    if not isinstance(data, dict) or "language" not in data:
        raise DataError("a translation file is a mapping with 'language' and rules/indicators/directions",
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
    sources: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)  # (kind, id) -> plugin
    problems: list[str] = dataclasses.field(default_factory=list)  # files that could not be read

    def add(self, t: KnowledgeTranslation) -> None:
        for kind in ("rules", "indicators", "directions"):
            entries: dict[str, Any] = getattr(t, kind)
            getattr(self, kind).update(entries)
            self.sources.update({(kind, i): t.provided_by for i in entries})


def collect_translations(registry: Registry, lang: str) -> Catalog:
    """The knowledge translations into `lang` that the loaded plugins provide.

    A plugin's hook may return KnowledgeTranslation records or paths of translation files.
    A hook that raises or a file that cannot be read is recorded in `problems` (and its
    texts fall back to English); it never stops the others.
    """
    catalog = Catalog(lang)
    if lang == DEFAULT_LANGUAGE:
        return catalog
    for report in registry.reports:
        if report.status != "ok":
            continue
        plugin = registry.manager.get_plugin(report.name)
        impl = getattr(plugin, HOOK, None)
        if impl is None:
            continue
        stamp = f"{report.name} {report.version}".strip()
        try:
            items = impl() or []
        except Exception as exc:  # noqa: BLE001 - a broken translation must not stop the tool
            catalog.problems.append(f"plugin {report.name}: {HOOK} raised {type(exc).__name__}: {exc}")
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
                catalog.problems.append(f"plugin {report.name}: {exc}")
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
    localized = dataclasses.replace(kb, indicators=indicators, rules=rules, directions=directions)
    localized.__dict__["digest"] = kb.digest  # cached_property: keep the English stamp
    localized.__dict__["logic"] = kb.logic  # the same conditions: share the compiled logic core
    localized.__dict__["language"] = catalog.language
    return localized


def localize_registry(registry: Registry, lang: str) -> tuple[Registry, Catalog]:
    """The registry with its knowledge base in `lang`, and the catalog used."""
    catalog = collect_translations(registry, lang)
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


def value_label(indicator: Any, value: str) -> str:
    """The reader's label of an enum/set value: translated when the knowledge base is."""
    labels: Mapping[str, str] = getattr(indicator, "value_labels", None) or {}
    return labels.get(value) or value.replace("_", " ")


# ---------------------------------------------------------------------------------------
# The completeness check (`diagnose rules check --lang ru`)


@dataclasses.dataclass(frozen=True)
class Gap:
    status: str  # untranslated | stale | unknown
    kind: str  # rule | indicator | direction
    id: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<13} {self.kind:<10} {self.id}  {self.detail}"


def check_translations(kb: KnowledgeBase, catalog: Catalog) -> list[Gap]:
    """Untranslated entries (no entry, a missing field, a missing value label), stale entries
    (the English changed after translation: en_hash differs) and entries for unknown ids."""
    gaps: list[Gap] = []
    specs: list[tuple[str, str, Mapping[str, Any], dict[str, Any], tuple[str, ...]]] = [
        ("rule", "rules", kb.rules, catalog.rules, RULE_FIELDS),
        ("indicator", "indicators", kb.indicators, catalog.indicators, INDICATOR_FIELDS),
        ("direction", "directions", kb.directions, catalog.directions, DIRECTION_FIELDS),
    ]
    for kind, _plural, records, entries, names in specs:
        for rid, record in records.items():
            fields = english_fields(record, names)
            entry = entries.get(rid)
            if entry is None:
                gaps.append(Gap("untranslated", kind, rid, "no entry"))
                continue
            missing = [n for n, v in fields.items() if v and not getattr(entry, n, None)]
            if kind == "indicator":
                missing += ["label"] if getattr(record, "label", "") and not entry.label else []
                missing += [f"value label {v!r}" for v in getattr(record, "values", ()) if v not in entry.value_labels]
            if missing:
                gaps.append(Gap("untranslated", kind, rid, "missing " + ", ".join(missing)))
            expected = en_hash(fields)
            if entry.en_hash != expected:
                gaps.append(Gap("stale", kind, rid, f"en_hash {entry.en_hash or '(none)'}, English now {expected}"))
        for rid in sorted(set(entries) - set(records)):
            gaps.append(Gap("unknown", kind, rid, "no such record in the knowledge base"))
    return gaps
