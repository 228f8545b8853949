"""Built-in country family plugin: the family and its profiles are data (family.yaml, profiles/)."""

from pathlib import Path

from diagnostics.familykit import family_plugin

plugin = family_plugin(Path(__file__).parent)
