"""The `diagnose` command line, one module per group of commands.

`main` is the click group (diagnostics.cli.app). The helpers that every command and the
front ends share (Settings, profile loading, JSON output) live in diagnostics.cli.context
and are re-exported here. No module of this package imports the brief or TUI code: those
commands are registered by import path and loaded only when named.
"""

from .app import main
from .context import (
    PROFILE_LINES,
    Settings,
    assess_ref,
    echo_json,
    fail,
    load_profile_file,
    pass_settings,
    resolve_profile,
    rule_id_or_fail,
)

__all__ = [
    "PROFILE_LINES",
    "Settings",
    "assess_ref",
    "echo_json",
    "fail",
    "load_profile_file",
    "main",
    "pass_settings",
    "resolve_profile",
    "rule_id_or_fail",
]
