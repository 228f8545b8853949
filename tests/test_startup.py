"""What keeps `diagnose assess` cheap to start (issue 11): the collector's pause while the
knowledge base loads."""

from __future__ import annotations

import gc

from click.testing import CliRunner

from diagnostics.cli import main
from diagnostics.cli.context import Settings, startup_allocations


def test_loading_pauses_the_collector_and_freezes_what_it_loaded() -> None:
    assert gc.get_freeze_count() == 0
    try:
        with startup_allocations():
            assert not gc.isenabled()
            kept = [[n] for n in range(100)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_the_collector_stays_off_if_it_was_off() -> None:
    gc.disable()
    try:
        with startup_allocations():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_registry_loads_frozen_and_a_command_unfreezes_when_it_returns() -> None:
    try:
        Settings(no_plugins=True).registry()
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.unfreeze()
    result = CliRunner().invoke(main, ["--no-plugins", "assess", "KZ", "--json"])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    result = CliRunner().invoke(main, ["--no-plugins", "assess", "no-such.yaml"])
    assert result.exit_code == 2
    assert gc.get_freeze_count() == 0 and gc.isenabled()
