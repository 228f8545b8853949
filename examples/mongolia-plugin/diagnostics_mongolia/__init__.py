"""Mongolia as a tier-D family: an example of every plugin hook.

`Plugin` extends `FamilyPlugin`, which reads this folder: family.yaml, profiles/,
indicators.yaml, rules.yaml, directions.yaml, bibliography.yaml and the Russian
translations in i18n/ru/. Its hook methods are found by pluggy by their names. On top of
the files it adds a brief section for Mongolian assessments. Its knowledge applies to
Mongolia only (the countries of its family), so other countries' results never change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diagnostics.familykit import FamilyPlugin
from diagnostics.hookspecs import BriefSection, hookimpl

__version__ = "0.2.0"

HERE = Path(__file__).parent


class Plugin(FamilyPlugin):
    @hookimpl
    def diagnostics_scope(self) -> list[str]:
        # The default (the family's countries) says the same; stated here to show the hook.
        return ["MN"]

    @hookimpl
    def diagnostics_brief_sections(self, assessment: Any) -> list[BriefSection]:
        if assessment.country != "MN":
            return []
        return [BriefSection(
            id="mn_analogy_note",
            title="Reading this brief for Mongolia",
            body=("Mongolia was a **satellite state**, never a Soviet republic. The thesis's "
                  "mechanisms apply here *by analogy*:\n\n- findings rest on the same reasoning,\n"
                  "- but at low confidence, until local evidence confirms them."),
            placement="after_findings",
        )]


plugin = Plugin(HERE)
