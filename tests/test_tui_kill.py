"""A killed TUI loses no recorded answer: SIGKILL mid-assessment, then reopen the file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from diagnostics.registry import Registry
from diagnostics.session import AssessmentSession
from diagnostics.user_data import DATA_DIR_ENV

# The child answers number and share questions through the UI (type, Enter) as fast as it
# can and prints each answer once the app has recorded it; the parent kills it mid-stream.
CHILD = textwrap.dedent('''
    import asyncio, sys
    from diagnostics.knowledge import IndicatorType
    from diagnostics.registry import load_registry
    from diagnostics.tui.app import DiagnosticsApp
    from diagnostics.tui.screens.workspace import WorkspaceScreen

    async def main():
        registry = load_registry(external=False)
        kb = registry.kb
        app = DiagnosticsApp(registry=registry, country="KZ", blank=True)
        async with app.run_test(size=(80, 24)) as pilot:
            while not isinstance(app.screen, WorkspaceScreen):
                await pilot.pause()
            ws = app.screen
            print("FILE", ws.session.path, flush=True)
            kinds = (IndicatorType.NUMBER, IndicatorType.SHARE)
            questions = [q for q in ws.session.order if kb.indicators[q].type in kinds]
            for n, q in enumerate(questions):
                spec = kb.indicators[q]
                lo, hi = spec.bounds()
                if spec.type == IndicatorType.SHARE:
                    text = f"0.{n % 9 + 1}"
                else:
                    text = str(int(lo or 0) + n + 1)
                ws.goto(q, focus=True)
                await pilot.pause()
                await pilot.press(*text, "enter")
                await pilot.pause()
                answer = ws.session.answer(q)
                if answer is not None and answer.known:
                    print("COMMITTED", q, text, flush=True)
            print("DONE", flush=True)
            await asyncio.sleep(60)

    asyncio.run(main())
''')


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_assessment_keeps_every_recorded_answer(registry: Registry, tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, DATA_DIR_ENV: str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    committed: list[tuple[str, str]] = []
    path: Path | None = None
    deadline = time.monotonic() + 120
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            kind, *rest = line.split()
            if kind == "FILE":
                path = Path(rest[0])
            elif kind == "COMMITTED":
                committed.append((rest[0], rest[1]))
                if len(committed) == 6:
                    proc.send_signal(signal.SIGKILL)  # mid-stream: the next answer is in flight
                    break
            elif kind == "DONE":
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    assert path is not None and len(committed) == 6, err[-2000:]

    reopened = AssessmentSession.open(registry.kb, path)  # parses: never a half-written file
    for ind, text in committed:
        answer = reopened.answer(ind)
        assert answer is not None, f"{ind} was recorded but is missing after the kill"
        assert answer.value == pytest.approx(float(text))
