"""The thesis knowledge base as data: indicators, rules and policy directions in YAML.

Provided to the core through the plugin hooks like any other plugin (see `plugin.py`).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
