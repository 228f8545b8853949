"""Whose knowledge a record is: the thesis's own, or a plugin's.

The plugin manager stamps every record a plugin contributes `provided_by: "<plugin> <version>"`.
The built-in plugin `thesis` carries the thesis's knowledge; whatever another plugin adds is
that plugin's, and is labelled so wherever it is shown (CLI, TUI, briefs), never as the
thesis's. A record nobody stamped (a knowledge base built by hand) counts as the thesis's.
"""

from __future__ import annotations

from .i18n import _

CORE_PLUGIN = "thesis"


def plugin_of(provided_by: str) -> str:
    """The plugin a record comes from when it is not the thesis's own; '' for the thesis's."""
    name = provided_by.split(" ", 1)[0] if provided_by else ""
    return "" if name == CORE_PLUGIN else name


def plugin_title(plugin: str) -> str:
    """A plugin's name for readers: 'mongolia' -> 'Mongolia', 'western_balkans' -> 'Western Balkans'."""
    return plugin.replace("_", " ").replace("-", " ").title()


def source_label(plugin: str) -> str:
    """Whose a plugin's record is, for readers: 'Mongolia plugin (its bibliography)'."""
    return _("{plugin} plugin (its bibliography)").format(plugin=plugin_title(plugin))
