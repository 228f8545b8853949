"""Benchmark of answering in `diagnose tui` on the full knowledge base and the KZ profile.

    .venv/bin/python bench/tui_answer.py [--answers 200]

Prints (target in brackets; this script never fails on it) answer -> findings panel updated,
p50/p95/max [p95 <= 50 ms]: from recording an answer (the call the question pane makes:
validate, autosave with fsync, relabel the navigator, start the assessment worker) until the
findings panel has relabelled every root cause and manifestation from the new assessment.
Start-up to the first findings is measured by bench/tui_start.py.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


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
    from diagnostics.tui.screens.workspace import WorkspaceScreen
    from diagnostics.tui.widgets.findings import FindingsPanel

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


if __name__ == "__main__":
    main()
