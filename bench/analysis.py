"""Scenario-analysis benchmark: one run prints the measured values and their ratio to target.

    .venv/bin/python bench/analysis.py [--scenarios 10000]

Measures, on the Kazakhstan reference profile and the thesis knowledge base:
  sensitivity  counterfactuals (change sets of up to 3 answers) for every diagnosis; target <= 1 s
  planner      plan_questions on a half-answered KZ profile; target <= 50 ms
  sweep        a 10,000-scenario grid on KZ with the durable-rules engine, streamed to JSON
               Lines; targets <= 20 s and RSS growth <= 20 MB, no engine error
  distinct     10,000 scenarios that no two alike (every grid point differs in some
               comparison the rules make, so nothing is reused); targets <= 10 s, RSS <= 20 MB
It also prints what the sweep would cost without reusing indistinguishable scenarios, and
how many diagnoses the planner's first 20 questions decide against random questions.

The machine may be shared: sweeps print wall time and this process's CPU time
(`time.process_time`, which leaves out time spent waiting for a CPU) with the load average;
the time targets are judged on CPU time.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from diagnostics.analysis import (
    RowWriter,
    SweepRunner,
    SweepSpec,
    load_sweep_spec,
    plan_questions,
    sensitivity,
)
from diagnostics.assessment import Assessor, validate_answers
from diagnostics.evaluator import Status
from diagnostics.profile import Answer, Profile
from diagnostics.registry import load_registry
from diagnostics.yamlio import load_data

SPEC = """\
base: KZ
grid:
  procurement.share_of_gov_expenditure: {from: 0.0, to: 0.99, step: 0.01}
  champions.exists_profile: [true, false]
  history.private_enterprise_criminalised: [true, false]
  governance.civil_society_media_constraint: [1, 2, 3, 4, 5]
  entrepreneurship.reliance_on_state_support: [1, 2, 3, 4, 5]
"""


def rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - non-Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=10_000, help="sweep size (grid is cut to it)")
    args = ap.parse_args()

    reg = load_registry(external=False)
    kb = reg.kb
    data, _ = load_data(reg.profiles["KZ"].path)
    kz = Profile.model_validate(data)
    print(f"knowledge base: {len(kb.indicators)} indicators, {len(kb.rules)} rules, "
          f"{len(kb.diagnoses())} diagnoses; KZ: {len(kz.answers)} answers")

    # 1. sensitivity of the full KZ profile --------------------------------------------
    cold = timed(lambda: sensitivity(kb, kz, max_size=3), 1)[0]
    runs = timed(lambda: sensitivity(kb, kz, max_size=3), 5)
    result = sensitivity(kb, kz, max_size=3)
    med = statistics.median(runs)
    sets = sum(len(f.counterfactuals) for f in result.fired)
    evaluated = sum(f.evaluated for f in result.fired)
    print(f"\nsensitivity KZ (sets <= 3): median {med:.3f} s over 5 runs (first run {cold:.3f} s); "
          f"target 1 s -> {med / 1.0:.2f}x of budget")
    print(f"  {len(result.fired)} fired diagnoses, {sets} minimal change sets, {evaluated} candidates "
          f"evaluated, all searches complete: {all(f.complete for f in result.fired)}")

    # 2. planner on a half-answered profile --------------------------------------------
    rng = random.Random(7)
    keys = sorted(kz.answers)
    half = kz.model_copy(update={"answers": {k: kz.answers[k] for k in rng.sample(keys, len(keys) // 2)}})
    plan_questions(kb, half, 10)
    runs = timed(lambda: plan_questions(kb, half, 10), 21)
    med = statistics.median(runs)
    print(f"\nplanner, half-answered KZ ({len(half.answers)} answers): median {med * 1000:.1f} ms over 21 runs; "
          f"target 50 ms -> {med / 0.050:.2f}x of budget")

    # Planner against random questions, from an empty profile, answering from KZ.
    fe = kb.logic

    def decided(answers: dict[str, Answer]) -> int:
        st = fe.statuses(validate_answers(kz.model_copy(update={"answers": answers}), kb))
        return sum(st[d.id] is not Status.NOT_ASSESSABLE for d in kb.diagnoses())

    answers: dict[str, Answer] = {}
    for _ in range(20):
        best = plan_questions(kb, kz.model_copy(update={"answers": answers}), 1)
        if not best:
            break
        answers[best[0].indicator] = kz.answers.get(best[0].indicator) or Answer(unknown=True)
    randoms = [decided({k: kz.answers[k] for k in rng.sample(keys, 20)}) for _ in range(200)]
    print(f"  first 20 planned questions decide {decided(answers)} of {len(kb.diagnoses())} diagnoses; "
          f"20 random questions decide {statistics.mean(randoms):.2f} on average (max {max(randoms)}, 200 draws)")

    # 3. sweep --------------------------------------------------------------------------
    assessor = Assessor(kb)  # durable-rules, as `diagnose sweep` uses by default
    assessor.assess(kz)  # warm up: compiled ruleset, caches
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.yaml"
        spec_path.write_text(SPEC, encoding="utf-8")
        spec = load_sweep_spec(spec_path, kb)
        total = min(spec.size(), args.scenarios)
        runner = SweepRunner(assessor)
        out = Path(tmp) / "rows.jsonl"
        before = rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        with out.open("w", encoding="utf-8") as fh:
            writer = RowWriter(fh, "jsonl", runner.rules, list(spec.grid))
            for n, row in enumerate(runner.run(spec, {"KZ": kz}), 1):
                writer.write(row)
                if n >= total:
                    break
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        growth = rss_mb() - before
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        print(f"\nsweep: {lines} scenarios in {cpu:.2f} s CPU ({elapsed:.2f} s wall; {load()}), "
              f"{cpu / lines * 1000:.2f} ms CPU each, {runner.assessed} decided, no engine error; "
              f"target 20 s -> {cpu / 20:.2f}x of budget")
        print(f"  RSS growth {growth:.1f} MB (before {before:.0f} MB); target 20 MB -> {growth / 20:.2f}x")
        # Run it again: growth in the first run is the allocator warming up, not a leak.
        before = rss_mb()
        again = SweepRunner(assessor)
        for n, _row in enumerate(again.run(spec, {"KZ": kz}), 1):
            if n >= total:
                break
        print(f"  the same sweep again: RSS growth {rss_mb() - before:.1f} MB")

        # Honest cost without reuse: every scenario its own assessment.
        plain = SweepRunner(assessor, cache=False)
        sample = 300
        before = rss_mb()
        t = time.perf_counter()
        for n, _row in enumerate(plain.run(spec, {"KZ": kz}), 1):
            if n >= sample:
                break
        each = (time.perf_counter() - t) / sample
        print(f"  without reuse: {each * 1000:.1f} ms per assessment ({sample} measured, RSS growth "
              f"{rss_mb() - before:.1f} MB), so {lines} scenarios would take about {each * lines:.0f} s")

    # 4. distinct scenarios: no two alike in what the rules can see, so nothing is reused.
    distinct_sweep(kb, kz, assessor, args.scenarios)
    return 0


def distinct_sweep(kb, kz, assessor, total: int) -> None:
    """A grid whose every point differs in some comparison's truth: the cache never hits."""
    from diagnostics.analysis import value_classes

    grid: dict[str, list[Answer]] = {}
    size = 1
    ranked = sorted((i for i in kb.indicators if not kb.indicators[i].display_only),
                    key=lambda i: -len(value_classes(kb, i)))
    for ind in ranked:
        classes = value_classes(kb, ind)
        if len(classes) < 2:
            continue
        grid[ind] = [Answer(value=c.value, evidence="expert_judgement", note="sweep value") for c in classes]
        size *= len(classes)
        if size >= total:
            break
    spec = SweepSpec(["KZ"], [], grid, None, Path("."))
    runner = SweepRunner(assessor)
    gc.collect()
    before = rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    n = 0
    for n, _row in enumerate(runner.run(spec, {"KZ": kz}), 1):
        if n >= total:
            break
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    gc.collect()
    growth = rss_mb() - before
    print(f"\ndistinct sweep: {n} scenarios over {len(grid)} indicators, {runner.assessed} decided (none reused) "
          f"in {cpu:.2f} s CPU ({elapsed:.2f} s wall; {load()}), {cpu / n * 1000:.2f} ms CPU each; "
          f"target 10 s -> {cpu / 10:.2f}x of budget")
    print(f"  RSS growth {growth:.1f} MB; target 20 MB -> {growth / 20:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
