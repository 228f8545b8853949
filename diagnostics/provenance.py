"""Whose knowledge a record is: the thesis's own, or a plugin's.

The plugin manager stamps every record a plugin contributes `provided_by: "<plugin> <version>"`.
The built-in plugin `thesis` carries the thesis's knowledge; whatever another plugin adds is
that plugin's, and is labelled so wherever it is shown (CLI, TUI, briefs), never as the
thesis's. A record nobody stamped (a knowledge base built by hand) counts as the thesis's.
"""

from __future__ import annotations

from .i18n import _, current_language

CORE_PLUGIN = "thesis"

# Plugins' own names for readers in other languages, {(language, plugin): title}: given by each
# plugin in its translation files and registered when a registry is localized
# (diagnostics.translated_knowledge.localize_registry).
_TITLES: dict[tuple[str, str], str] = {}


def set_plugin_titles(lang: str, titles: dict[str, str]) -> None:
    """Replace the plugin titles known for `lang`."""
    for key in [k for k in _TITLES if k[0] == lang]:
        del _TITLES[key]
    _TITLES.update({(lang, plugin): title for plugin, title in titles.items()})


def plugin_of(provided_by: str) -> str:
    """The plugin a record comes from when it is not the thesis's own; '' for the thesis's."""
    name = provided_by.split(" ", 1)[0] if provided_by else ""
    return "" if name == CORE_PLUGIN else name


def plugin_title(plugin: str) -> str:
    """A plugin's name for readers: its own translation in the current language, else made from
    its name: 'mongolia' -> 'Mongolia', 'western_balkans' -> 'Western Balkans'."""
    return _TITLES.get((current_language(), plugin)) or default_plugin_title(plugin)


def default_plugin_title(plugin: str) -> str:
    """A plugin's name for readers made from its name, as English shows it."""
    return plugin.replace("_", " ").replace("-", " ").title()


def source_label(plugin: str) -> str:
    """Whose a plugin's record is, for readers: 'Mongolia plugin (its bibliography)'."""
    return _("{plugin} plugin (its bibliography)").format(plugin=plugin_title(plugin))
