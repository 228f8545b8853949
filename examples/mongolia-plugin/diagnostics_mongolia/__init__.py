"""Mongolia as a tier-D family: the hooks are provided by `family_plugin` from data files.

`family_plugin` reads family.yaml, profiles/<code>.yaml and rules.yaml in this folder and
returns an object whose `diagnostics_*` functions are pluggy hook implementations; we
re-export them at module level so that the entry point can name this module.
"""

from pathlib import Path

from diagnostics.familykit import family_plugin

__version__ = "0.1.0"

_plugin = family_plugin(Path(__file__).parent)
diagnostics_families = _plugin.diagnostics_families
diagnostics_profiles = _plugin.diagnostics_profiles
diagnostics_rule_packs = _plugin.diagnostics_rule_packs
diagnostics_translations = _plugin.diagnostics_translations  # i18n/ru: Russian texts of its rule
