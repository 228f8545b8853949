"""The language of the interface: choosing it, its strings (gettext) and its formatting (Babel).

All keyed by a language code (`en` is the default and the source language):

- Interface strings go through :func:`_` (gettext, domain ``diagnostics``). Catalogs live in
  ``diagnostics/locale/<lang>/LC_MESSAGES/diagnostics.po``; a compiled ``.mo`` beside it is
  used when present and current, otherwise the ``.po`` is compiled in memory, so a fresh
  clone works without a build step.
- Numbers, percentages and dates are formatted, and typed numbers read, by Babel in the
  language's conventions ("7,5" and "1 234,5" in Russian).

Knowledge texts (rule titles, questions, directions...) in other languages are the business of
:mod:`diagnostics.translated_knowledge`. This module imports neither textual nor jinja2.
"""

from __future__ import annotations

import gettext as _gettext
import io
import math
import os
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from .errors import DataError

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
ENV_VAR = "DIAGNOSE_LANG"
DOMAIN = "diagnostics"
LOCALE_DIR = Path(__file__).parent / "locale"


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


def NP_(singular: str, plural: str) -> str:  # noqa: N802 - gettext's marker style, like N_
    """Mark a plural entry for extraction (extracted with `-k NP_:1,2`); returns the singular."""
    return singular


# ---------------------------------------------------------------------------------------
# Locale formatting and parsing (Babel)


def _locale(lang: str | None) -> str:
    return lang or _current


# English, the default, is formatted here in CLDR's patterns for `en` (tests compare with Babel):
# loading Babel's locale data costs more CPU than a whole `diagnose assess`.
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def format_number(value: float | int, lang: str | None = None, digits: int = 3) -> str:
    """A number in the language's conventions: 1,234.5 in English, 1 234,5 in Russian."""
    if _locale(lang) == DEFAULT_LANGUAGE and abs(value) < 10**15:
        if isinstance(value, int):
            return f"{value:,}"  # Babel's English pattern (#,##0), without loading its locale data
        if math.isfinite(value):
            return f"{int(value):,}" if value.is_integer() else _english_decimal(round(value, digits))
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
    if _locale(lang) == DEFAULT_LANGUAGE and math.isfinite(share) and abs(share) < 1e13:
        return _english_decimal(round(share, digits + 2), scale=2) + "%"
    from babel.numbers import format_percent as _format_percent

    # The locale's own pattern (its spacing and sign), with up to `digits` decimals kept.
    return _format_percent(round(share, digits + 2), locale=_locale(lang), decimal_quantization=False)


def _english_decimal(value: float, scale: int = 0) -> str:
    """CLDR en's decimal pattern (#,##0.###) with every decimal the value has kept, as Babel writes
    it with decimal_quantization off (`scale` 2: the percent pattern's number). A brief shows
    dozens of figures, and Babel's locale data would be loaded for them alone."""
    from decimal import Decimal

    text = format(Decimal(str(value)).scaleb(scale), "f")  # Babel's own conversion: str(), then scaled
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    return f"{sign}{int(whole):,}{'.' + fraction if fraction else ''}"


def format_date(value: date | datetime, lang: str | None = None, length: str = "long") -> str:
    """A date in words in the language: 5 December 2026 / 5 декабря 2026 г."""
    if isinstance(value, datetime):
        value = value.date()
    if _locale(lang) == DEFAULT_LANGUAGE and length == "long":
        return f"{_EN_MONTHS[value.month - 1]} {value.day}, {value.year}"  # CLDR en: MMMM d, y
    from babel.dates import format_date as _format_date

    return _format_date(value, format=length, locale=_locale(lang))


def format_datetime(value: datetime, lang: str | None = None) -> str:
    """A timestamp for an audit line, in the language's medium format."""
    if _locale(lang) == DEFAULT_LANGUAGE:
        # CLDR en medium: "MMM d, y, h:mm:ss a", a narrow no-break space before AM/PM. Babel
        # shows the datetime's own wall-clock time (no conversion), as this does.
        hour = value.hour % 12 or 12
        return (f"{_EN_MONTHS[value.month - 1][:3]} {value.day}, {value.year}, "
                f"{hour}:{value.minute:02}:{value.second:02}\u202f{'AM' if value.hour < 12 else 'PM'}")
    from babel.dates import format_datetime as _format_datetime

    return _format_datetime(value, format="medium", locale=_locale(lang))


# Units of the built-in indicators, translated through the interface catalog; a unit with no
# translation (a plugin's own) is shown as written. A test keeps this list in step with the data.
# Counted units are plural entries of the catalog, so that the noun agrees with the number
# ("1 орган", "2 органа", "61 орган", "5 органов"); their English plural is the unit as written.
COUNTED_UNITS = (
    NP_("acts per year", "acts per year"), NP_("bodies", "bodies"), NP_("days", "days"),
    NP_("ministries", "ministries"), NP_("months", "months"), NP_("months per year", "months per year"),
    NP_("requirements", "requirements"), NP_("years", "years"),
)
# A catalog entry writes a literal percent sign as "%%" (gettext reads "% of" as a python-format
# directive, and msgfmt --check and Babel's checkers then refuse the translation); see unit_msgid.
KNOWN_UNITS = (
    N_("%%"), N_("%% of GDP"), N_("%% of senior management time"),
    N_("ratio (supplier linkages realised ÷ expected)"), N_("ratio (required output ÷ domestic market)"),
    N_("index (0 = fully diversified, 1 = one product)"), N_("BTI score (1 to 10)"),
    N_("CPI score (0 = highly corrupt, 100 = very clean)"), N_("WGI estimate (about -2.5 to 2.5)"),
    *COUNTED_UNITS,
)


def unit_text(unit: str, count: float | None = None) -> str:
    """A unit of measure in the current language, agreeing with `count` when one is given.

    Without a count the form for many ('органов', 'лет') names the unit, as in a field label.
    A fraction takes the form gettext gives 2 ('2,5 органа'), as Russian grammar wants.
    """
    if not unit:
        return ""
    if unit not in COUNTED_UNITS:
        return gettext(unit_msgid(unit)).replace("%%", "%")
    n = 5 if count is None else int(count) if float(count).is_integer() else 2
    return ngettext(unit, unit, abs(n))


def unit_msgid(unit: str) -> str:
    """The catalog entry of a unit as written in the data: its percent signs doubled."""
    return unit.replace("%", "%%")


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


def value_label(indicator: Any, value: str) -> str:
    """The reader's label of an enum/set value: translated when the knowledge base is."""
    labels: Mapping[str, str] = getattr(indicator, "value_labels", None) or {}
    return labels.get(value) or value.replace("_", " ")
