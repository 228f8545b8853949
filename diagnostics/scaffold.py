"""`diagnose plugin new NAME`: a complete plugin distribution whose tests pass as written.

The files are templates with the plugin's name filled in; every record is valid, cites the
plugin's own bibliography, and applies only to the plugin's country. The profile leaves
its answer unknown (a template never invents a value); the tests set it in a scenario.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataError
from .i18n import _

NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

FILES: dict[str, str] = {
    "pyproject.toml": '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "policy-diagnostics-{dist}"
version = "0.1.0"
description = "A policy-diagnostics plugin: {title}"
readme = "README.md"
requires-python = ">=3.11,<3.13"
dependencies = ["policy-diagnostics"]

# How `diagnose` finds the plugin: the object `plugin` of the package.
[project.entry-points.policy_diagnostics]
{name} = "{package}:plugin"

[tool.setuptools]
packages = ["{package}"]

# The data files must be listed, or the wheel ships without them.
[tool.setuptools.package-data]
{package} = ["*.yaml", "profiles/*.yaml", "i18n/*/*.yaml"]
''',
    "README.md": '''\
# {title}: a policy-diagnostics plugin

Made with `diagnose plugin new {name}`. Edit the YAML files of `{package}/`, then:

```bash
diagnose rules check {package}       # every record, citation and reference checked
pip install -e .
diagnose plugins                     # listed, status ok, scope {country}
diagnose assess {country}
pytest tests                         # uses the fixtures of diagnostics.testing
```

| file | holds |
|---|---|
| `family.yaml` | the family: id, name, tier (A–E), description, countries |
| `profiles/{lower}.yaml` | the country profile (answers with sources; unknown stays unknown) |
| `indicators.yaml` | questions of this plugin |
| `rules.yaml` | rules; `contributes_to:` counts one under a built-in finding |
| `directions.yaml` | policy directions the rules point to |
| `bibliography.yaml` | your sources, cited as `[key]` or `[key] p.12` |
| `i18n/ru/rules.yaml` | translations (docs/i18n.md of policy-diagnostics) |

The plugin's indicators, rules and directions apply only to its family's countries
({country}); other countries' assessments are unchanged by installing it. Field
reference: docs/reference.md of policy-diagnostics.
''',
    "{package}/__init__.py": '''\
"""{title}: a policy-diagnostics plugin (made with `diagnose plugin new {name}`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diagnostics.familykit import FamilyPlugin
from diagnostics.hookspecs import BriefSection, hookimpl

__version__ = "0.1.0"

HERE = Path(__file__).parent


class Plugin(FamilyPlugin):
    """Reads this folder's YAML files; the methods below add what files cannot."""

    @hookimpl
    def diagnostics_brief_sections(self, assessment: Any) -> list[BriefSection]:
        if assessment.country != "{country}":
            return []
        return [BriefSection(id="{name}_note", title="About this plugin",
                             body="Findings marked *{name}* come from this plugin, not from the thesis.",
                             placement="before_annex")]


plugin = Plugin(HERE)
''',
    "{package}/family.yaml": '''\
family:
  id: {name}
  name: {title}
  tier: D
  description: >-
    Say why the thesis's reasoning applies to these countries, and how far.
  countries: [{country}]
country_names: {{{country}: {title}}}
''',
    "{package}/profiles/{lower}.yaml": '''\
country: {country}
name: {title}
family: {name}
description: >-
  Answer each question with a value and its source; leave it unknown when no source says.
answers:
  {name}.example_flag:
    unknown: true
    note: Replace with a sourced answer.
''',
    "{package}/indicators.yaml": '''\
indicators:
  - id: {name}.example_flag
    type: bool
    evidence_kind: formal
    function: coordinator
    topic: {title}
    question: Does the example condition of this plugin hold?
    help: Say where an analyst finds the answer.
    sources: ["Where the answer is published"]
    citations: ["[{name}_source]"]
''',
    "{package}/rules.yaml": '''\
rules:
  - id: node.{name}_example
    title: An example finding of this plugin
    layer: manifestation
    theme: {name}
    function: coordinator
    # contributes_to: dx.fdi_spillover_failure   # count it under a built-in diagnosis
    when: {{indicator: {name}.example_flag, eq: true}}
    severity: low
    evidence_grade: doc
    mechanism: >-
      Explain in your own words how the condition produces the problem.
    story: >-
      Tell the case briefly, citing your sources.
    directions: [{name}_example_direction]
    citations: ["[{name}_source]"]
''',
    "{package}/directions.yaml": '''\
directions:
  - id: {name}_example_direction
    title: An example direction
    text: >-
      An orientation for policy, never a prescribed instrument.
    kind: KE
    answers: [node.{name}_example]
    citations: ["[{name}_source]"]
''',
    "{package}/bibliography.yaml": '''\
sources:
  - key: {name}_source
    title: Replace with the title of your source
    author: Replace with its author
    year: 2024
''',
    "{package}/i18n/ru/rules.yaml": '''\
# Russian texts of this plugin's rules, keyed by rule id (format: docs/i18n.md).
language: ru
rules: {{}}
# Your plugin's name for readers in Russian ("плагин … (его библиография)"), and its family's:
# plugins: {{{name}: {{title: "…"}}}}
# families: {{{name}: {{en_hash: …, name: "…", description: "…"}}}}
''',
    "tests/test_{name}.py": '''\
"""Tests of the plugin, with the fixtures policy-diagnostics ships (diagnostics.testing)."""

from __future__ import annotations

import yaml

import {package}

RULE = "node.{name}_example"


def test_the_plugin_loads_with_every_file(diagnostics_registry):
    registry = diagnostics_registry(("{name}", {package}.plugin))
    report = next(r for r in registry.reports if r.name == "{name}")
    assert report.status == "ok" and report.scope == ["{country}"]
    for kind in ("families", "profiles", "indicators", "rule_packs", "directions", "bibliography"):
        assert report.records.get(kind), kind


def test_the_rule_fires_when_its_answer_says_so(diagnostics_registry, diagnostics_assess):
    registry = diagnostics_registry(("{name}", {package}.plugin))
    profile = yaml.safe_load(({package}.HERE / "profiles" / "{lower}.yaml").read_text(encoding="utf-8"))
    profile["answers"]["{name}.example_flag"] = {{"value": True}}
    assert diagnostics_assess(registry, profile).status(RULE) == "fired"
    profile["answers"]["{name}.example_flag"] = {{"value": False}}
    assert diagnostics_assess(registry, profile).status(RULE) == "not_fired"


def test_the_shipped_profile_leaves_it_open(diagnostics_registry, diagnostics_assess):
    registry = diagnostics_registry(("{name}", {package}.plugin))
    assert diagnostics_assess(registry, "{country}").status(RULE) == "not_assessable"


def test_other_countries_are_unchanged(diagnostics_registry):
    registry = diagnostics_registry(("{name}", {package}.plugin))
    assert RULE not in registry.kb_for("KZ").rules
''',
}


def new_plugin(name: str, parent: Path, country: str = "XX", title: str | None = None) -> Path:
    """Write the distribution `policy-diagnostics-<name>` under `parent`; return its folder."""
    from .profile import COUNTRY_CODE

    if not NAME.match(name):
        raise DataError(_("plugin name {name} must be 2–31 lower-case letters, digits or '_', starting with a letter")
                        .format(name=repr(name)))
    country = country.upper()
    if not COUNTRY_CODE.match(country):
        raise DataError(_("country {code} must be an ISO 3166 alpha-2 or alpha-3 code").format(code=repr(country)))
    values = {"name": name, "dist": name.replace("_", "-"), "package": f"diagnostics_{name}", "country": country,
              "lower": country.lower(), "title": title or name.replace("_", " ").title()}
    root = parent / f"policy-diagnostics-{values['dist']}"
    if root.exists():
        raise DataError(_("already exists; choose another name or folder"), file=root)
    for template, text in FILES.items():
        path = root / template.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values), encoding="utf-8")
    return root
