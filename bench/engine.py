"""Engine benchmark: one run prints medians and ratios measured in that run.

    .venv/bin/python bench/engine.py [--n 300]      (needs the `bench` extra: clipspy)

1. Full assessment with explanations (`Assessor.assess`) on the full knowledge base with
   the Kazakhstan profile, through durable-rules (target <= 3 ms), and its ratio to the
   same assessment with the forward chaining done by CLIPS on the same compiled rules
   (target <= 1.0). The CLIPS run gets the same true parts and must fire the same rules.
2. The knowledge base x2, x4, x8 (renamed copies): build time and time per assessment;
   target: x8 <= 9x the x1 time.
3. 1,000 `Assessor` objects created and dropped: RSS growth (target <= 50 MB).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from diagnostics.assessment import Assessor, validate_answers
from diagnostics.engine import DurableEngine, EngineResult, Firing
from diagnostics.kb import KnowledgeBase
from diagnostics.profile import Profile
from diagnostics.registry import load_registry
from diagnostics.testing import scaled_id, scaled_knowledge_base
from diagnostics.yamlio import load_data

ROOT = Path(__file__).resolve().parent.parent


class ClipsEngine:
    """The compiled rules (`kb.logic.chaining`) run by CLIPS: one defrule per alternative."""

    name = "clips"

    def __init__(self, kb: KnowledgeBase) -> None:
        import clips

        self.chaining = kb.logic.chaining
        self.env = clips.Environment()
        # Each firing records (rule index * 1000 + alternative) in one global list, read once.
        self.env.build("(defglobal ?*held* = (create$))")
        for cr in self.chaining.rules:
            for m, alt in enumerate(cr.alternatives):
                lhs = " ".join(f"({'part' if p.kind == 'part' else 'finding'} {p.key})" for p in alt)
                self.env.build(f"(defrule r{cr.index}_{m} {lhs} => (assert (finding {cr.index})) "
                               f"(bind ?*held* (create$ ?*held* {cr.index * 1000 + m})))")
        self.names = [cr.rule for cr in self.chaining.rules]

    def assess(self, values: Any) -> EngineResult:
        env = self.env
        env.reset()
        parts = self.chaining.true_parts(values)
        if parts:
            env.eval("(progn " + " ".join(f"(assert (part {p}))" for p in parts) + ")")
        env.run()
        held: dict[int, set[int]] = {}
        for code in env.eval("?*held*"):
            held.setdefault(int(code) // 1000, set()).add(int(code) % 1000)
        fired = sorted(held)
        firings = []
        for i in fired:
            cr = self.chaining.rules[i]
            positions = sorted({pos for m in held[i] for p in cr.alternatives[m] for pos in p.positions})
            firings.append(Firing(cr.rule, tuple(positions)))
        return EngineResult([self.names[i] for i in fired], firings)

    def close(self) -> None:
        self.env.clear()


def median_ms(fn, n: int) -> float:
    for _ in range(10):
        fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def interleaved(fns: dict[str, Any], n: int) -> dict[str, float]:
    """Medians of `n` rounds in which every function runs once (fair on a noisy machine)."""
    for fn in fns.values():
        for _ in range(10):
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(n):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--assessors", type=int, default=1000)
    args = ap.parse_args()
    reg = load_registry(external=False)
    kb = reg.kb
    data, _ = load_data(reg.profiles["KZ"].path)
    kz = Profile.model_validate(data)
    values = validate_answers(kz, kb)

    # 1. durable-rules against CLIPS, same compiled rules, same pipeline around them.
    durable = Assessor(kb)
    clips_assessor = Assessor(kb)
    clips_assessor.durable = ClipsEngine(kb)
    a, b = durable.assess(kz), clips_assessor.assess(kz)
    assert a.fired() == b.fired(), "CLIPS and durable-rules disagree"
    assert [f.trace for f in a.findings] == [f.trace for f in b.findings], "the explanations differ"
    t = interleaved({"durable": lambda: durable.assess(kz), "clips": lambda: clips_assessor.assess(kz),
                     "durable engine": lambda: durable.durable.assess(values),
                     "clips engine": lambda: clips_assessor.durable.assess(values)}, args.n)
    print(f"full knowledge base: {len(kb.rules)} rules, {len(kb.logic.chaining.parts)} parts, "
          f"KZ: {len(values)} answers, {len(a.fired())} fired")
    print(f"  full assessment with explanations, median of {args.n}: durable-rules {t['durable']:.3f} ms "
          f"(target <= 3 ms) | CLIPS {t['clips']:.3f} ms")
    print(f"  ratio durable/CLIPS = {t['durable'] / t['clips']:.2f} (target <= 1.0)")
    print(f"  forward chaining alone: durable-rules {t['durable engine']:.3f} ms | CLIPS {t['clips engine']:.3f} ms "
          f"(ratio {t['durable engine'] / t['clips engine']:.2f})")
    clips_assessor.close()

    # 2. Scaling: renamed copies of the whole knowledge base.
    print("knowledge base copies: build, per assessment (KZ answers in every copy)")
    base_ms = None
    for copies in (1, 2, 4, 8):
        t0 = time.perf_counter()
        big = scaled_knowledge_base(kb, copies) if copies > 1 else KnowledgeBase.build(
            list(kb.indicators.values()), list(kb.rules.values()), list(kb.directions.values()),
            list(kb.families.values()))
        engine = DurableEngine(big)
        built = time.perf_counter() - t0
        scaled = {scaled_id(i, k): v for i, v in values.items() for k in range(1, copies + 1)}
        ms = median_ms(lambda e=engine, s=scaled: e.assess(s), max(30, args.n // copies))
        base_ms = base_ms or ms
        print(f"  x{copies}: {len(big.rules)} rules, build {built:.2f} s, assess {ms:.3f} ms "
              f"= {ms / base_ms:.2f}x the x1 time (x8 target <= 9x)")
        engine.close()

    # 3. Assessor objects created and dropped.
    gc.collect()
    before = rss_mb()
    for _ in range(args.assessors):
        Assessor(kb).assess(kz)
    gc.collect()
    grown = rss_mb() - before
    print(f"{args.assessors} Assessor objects created, used once and dropped: RSS +{grown:.1f} MB "
          f"(target <= 50 MB)")


if __name__ == "__main__":
    main()
