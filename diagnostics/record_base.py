"""What every knowledge record read from YAML shares: strictness and the shapes of ids."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

INDICATOR_ID = re.compile(r"\A[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\Z")  # \Z: "x.y\n" must not pass
RULE_ID = re.compile(r"\A(node|dx)\.[a-z][a-z0-9_]*\Z")
SNAKE_ID = re.compile(r"\A[a-z][a-z0-9_]*\Z")


class Deferred(BaseModel):
    """A model whose validator and serialiser are built when first used (`defer_build`), so
    that a run which never validates or dumps it does not pay for them (start-up, issue 11).

    The build reads this module's names only: pydantic would otherwise also read the locals
    of the frame that first used the model, and that snapshot keeps whatever they refer to
    alive for as long as the frame runs."""

    model_config = ConfigDict(defer_build=True)

    @classmethod
    def model_rebuild(cls, *, force: bool = False, raise_errors: bool = True, _parent_namespace_depth: int = 2,
                      _types_namespace: Any = None) -> bool | None:
        return super().model_rebuild(force=force, raise_errors=raise_errors, _parent_namespace_depth=0,
                                     _types_namespace=_types_namespace)


class Strict(BaseModel):
    """Base for records read from YAML: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
