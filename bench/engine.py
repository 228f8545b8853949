"""Engine benchmark: one run prints medians and ratios measured in that run.

    .venv/bin/python bench/engine.py [--n 300]

Compares, on the same compiled ruleset and the same profiles:
  ours       DurableEngine.assess (tracing, validation, safety workarounds)
  raw        a bare durable-rules Host on the same definition, actions only deriving facts
  reference  the pure-Python three-valued evaluator
Targets (issue 2): ours <= 2x raw; ours <= 3 ms median on the sample rules; `diagnose --help`
cold start <= 0.3 s.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import time
from pathlib import Path

from durable import engine as durable_engine

from diagnostics.assessment import validate_answers
from diagnostics.engine import RULESET, SENTINEL, DurableEngine, _QuietHost, answer_fact, compile_ruleset
from diagnostics.evaluator import ReferenceEvaluator
from diagnostics.kb import KnowledgeBase, load_directory
from diagnostics.profile import Profile
from diagnostics.registry import load_registry
from diagnostics.yamlio import load_data

ROOT = Path(__file__).resolve().parent.parent


def raw_runner(kb: KnowledgeBase):
    definition, names = compile_ruleset(kb)

    def make(kind: str, target: str):
        fact = {"id": f"d:{target}", "type": "finding", "rule": target} if kind == "finding" else {
            "id": f"x:{target}", "type": "aux", "key": target}

        def action(c):
            try:
                c.assert_fact(dict(fact))
            except (durable_engine.MessageObservedException, durable_engine.MessageNotHandledException):
                pass
        return action

    actions = {n: make(*names[n]) for n in names}
    actions[SENTINEL] = lambda c: None
    host = _QuietHost(actions, {RULESET: copy.deepcopy(definition)})
    counter = [0]

    def run(values):
        counter[0] += 1
        sid = str(counter[0])
        host.assert_fact(RULESET, {"sid": sid, "id": "s", "type": SENTINEL})
        for ind, value in values.items():
            fact = answer_fact(kb.indicators[ind], value)
            fact["sid"] = sid
            try:
                host.assert_fact(RULESET, fact)
            except durable_engine.MessageNotHandledException:
                pass
        host.delete_state(RULESET, sid)
    return run


def median_ms(fn, values, n: int) -> float:
    for _ in range(10):
        fn(values)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn(values)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def cold_help() -> float:
    runs = []
    exe = Path(sys.executable).parent / "diagnose"
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    suites = []
    mini = KnowledgeBase.build(*load_directory(ROOT / "tests" / "fixtures" / "mini"))
    mini_values = {"demo.legacy": True, "demo.attitude": 1, "demo.mode": "mixed", "demo.tools": ("parks",)}
    suites.append(("sample rules (tests/fixtures/mini)", mini, mini_values))
    reg = load_registry(external=False)
    data, _ = load_data(reg.profiles["KZ"].path)
    kz = Profile.model_validate(data)
    suites.append(("full knowledge base, KZ profile", reg.kb, validate_answers(kz, reg.kb)))
    for title, kb, values in suites:
        ours = DurableEngine(kb)
        raw = raw_runner(kb)
        ref = ReferenceEvaluator(kb)
        t_ours = median_ms(ours.assess, values, args.n)
        t_raw = median_ms(raw, values, args.n)
        t_ref = median_ms(ref.evaluate, values, args.n)
        print(f"{title}: {len(kb.rules)} rules, {len(values)} answers, "
              f"{len(ours.assess(values).fired)} fired")
        print(f"  median per assessment: ours {t_ours:.3f} ms | raw durable-rules {t_raw:.3f} ms | "
              f"reference evaluator {t_ref:.3f} ms")
        print(f"  ratio ours/raw = {t_ours / t_raw:.2f} (target <= 2.0)")
    print(f"`diagnose --help` cold start: {cold_help():.3f} s median of 5 (target <= 0.3 s)")


if __name__ == "__main__":
    main()
