"""Policy briefs: `BriefContext` (context.py), `render_brief` (render.py), `diagnose brief` (cli.py).

    from diagnostics.reports import build_context, render_brief
    text = render_brief(build_context(assessment, kb, profile, registry), "md")

Names are loaded on first use, so importing this package (as the CLI does) never imports
jinja2; only rendering does.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "BriefContext": "context", "ComparisonContext": "context", "build_context": "context",
    "build_comparison": "context", "render_brief": "render", "render_comparison": "render",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
