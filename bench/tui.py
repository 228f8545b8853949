"""Benchmark of `diagnose tui` on the full knowledge base and the KZ profile.

    .venv/bin/python bench/tui.py [--answers 200] [--starts 5]

Prints two measurements (targets in brackets; this script never fails on them):

* answer -> findings panel updated, p50/p95/max [p95 <= 50 ms]: from recording an answer
  (the call the question pane makes: validate, autosave with fsync, relabel the navigator,
  start the assessment worker) until the findings panel has relabelled every root cause
  and manifestation from the new assessment;
* app start, median/max of fresh processes [<= 1.5 s]: from launching Python until the
  start screen is ready to use (knowledge base and plugins loaded in a worker).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD_START = """
import asyncio
from pathlib import Path
from diagnostics.tui.app import DiagnosticsApp
from diagnostics.tui.start import StartScreen

async def main():
    app = DiagnosticsApp(data=Path({data!r}))
    async with app.run_test(size=(80, 24)) as pilot:
        while app.registry is None or not isinstance(app.screen, StartScreen):
            await asyncio.sleep(0.002)
        await pilot.pause()
        print("READY", flush=True)

asyncio.run(main())
"""


def bench_start(runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        code = CHILD_START.format(data=tmp)
        for _ in range(runs):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 env={**os.environ, "DIAGNOSE_DATA_DIR": tmp})
            elapsed = time.perf_counter() - t0
            if "READY" not in out.stdout:
                raise SystemExit(f"start benchmark failed:\n{out.stderr[-2000:]}")
            times.append(elapsed)
    return times


def random_value(spec: Any, rng: random.Random) -> Any:
    from diagnostics.knowledge import IndicatorType as T

    if spec.type == T.BOOL:
        return rng.random() < 0.5
    if spec.type == T.SCALE:
        return rng.randint(1, 5)
    if spec.type in (T.SHARE, T.RANK_FRAC):
        return round(rng.random(), 2)
    if spec.type == T.ENUM:
        return rng.choice(spec.values)
    if spec.type == T.SET:
        return tuple(v for v in spec.values if rng.random() < 0.4)
    if spec.type == T.YEAR:
        return rng.randint(1991, 2020)
    if spec.type == T.TEXT:
        return "note"
    lo, hi = spec.bounds()
    lo = lo if lo is not None else 0.0
    hi = hi if hi is not None else lo + 200.0
    return round(lo + (hi - lo) * rng.random(), 2)


async def bench_answers(n: int) -> tuple[list[float], list[float], int]:
    from diagnostics.tui.app import DiagnosticsApp
    from diagnostics.tui.widgets import FindingsPanel
    from diagnostics.tui.workspace import WorkspaceScreen

    from diagnostics.profile import Answer, EvidenceGrade
    from diagnostics.registry import load_registry
    from diagnostics.session import AssessmentSession

    registry = load_registry()
    updated: dict[str, float] = {}
    saves: list[float] = []
    original_save = AssessmentSession.save

    def timed_save(self: AssessmentSession) -> None:
        t = time.perf_counter()
        original_save(self)
        saves.append(time.perf_counter() - t)

    AssessmentSession.save = timed_save  # type: ignore[method-assign]

    def hook(message: object) -> None:
        if isinstance(message, FindingsPanel.Updated):
            updated[str(message.version)] = time.perf_counter()

    rng = random.Random(7)
    latencies: list[float] = []
    commits: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = DiagnosticsApp(registry=registry, data=Path(tmp), country="KZ")
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            while not isinstance(app.screen, WorkspaceScreen):
                await pilot.pause()
            ws = app.screen
            await app.workers.wait_for_complete()
            await pilot.pause()
            questions = [q for q in ws.session.order if not ws.kb.indicators[q].display_only]
            for i in range(n + 10):  # the first ten warm caches and are not counted
                q = rng.choice(questions)
                answer = Answer(value=random_value(ws.kb.indicators[q], rng), source="bench",
                                evidence=EvidenceGrade.EXPERT_JUDGEMENT)
                ws.goto(q)
                await pilot.pause()
                version = ws.findings.version
                saves.clear()
                t0 = time.perf_counter()
                error = ws.commit(q, answer)
                if error:
                    raise SystemExit(f"{q}: {error}")
                while ws.findings.version == version:
                    await asyncio.sleep(0)
                done = updated.get(str(ws.findings.version), time.perf_counter())
                if i >= 10:
                    latencies.append(done - t0)
                    commits.append(sum(saves))
            changed = len(ws.session.profile.answers)
    return latencies, commits, changed


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()

    lat, commits, answered = asyncio.run(bench_answers(args.answers))
    ms = [x * 1000 for x in lat]
    cm = [x * 1000 for x in commits]
    print(f"answer -> findings panel updated ({len(ms)} answers, full knowledge base, KZ, "
          f"{answered} answers in the profile):")
    print(f"  p50 {statistics.median(ms):.1f} ms   p95 {pct(ms, 95):.1f} ms   max {max(ms):.1f} ms"
          "   [target p95 <= 50 ms]")
    print(f"  of which the autosave (YAML, atomic write, fsync): p50 {statistics.median(cm):.1f} ms   "
          f"p95 {pct(cm, 95):.1f} ms")

    starts = bench_start(args.starts)
    print(f"app start to a usable start screen ({len(starts)} fresh processes):")
    print(f"  median {statistics.median(starts):.2f} s   max {max(starts):.2f} s   [target <= 1.5 s]")


if __name__ == "__main__":
    main()
