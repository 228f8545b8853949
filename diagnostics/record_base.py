"""What every knowledge record read from YAML shares: strictness and the shapes of ids."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

INDICATOR_ID = re.compile(r"\A[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\Z")  # \Z: "x.y\n" must not pass
RULE_ID = re.compile(r"\A(node|dx)\.[a-z][a-z0-9_]*\Z")
SNAKE_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")


class Strict(BaseModel):
    """Base for records read from YAML: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
