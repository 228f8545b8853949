"""Engine benchmark: one run prints medians and ratios measured in that run.

    .venv/bin/python bench/engine.py [--n 300] [--blocks 5]     (needs the `bench` extra: clipspy)

The machine this runs on may be shared, so every figure is measured in rounds that
interleave what is compared (each round runs every variant once), and each call is timed
twice: wall time and the CPU time of the calling thread (`time.thread_time`, which excludes
time spent waiting for a CPU while other processes run). Targets are judged on CPU time;
wall times and the load average are printed beside them.

1. Full assessment (`Assessor.assess`) on the full knowledge base with the Kazakhstan
   profile through durable-rules (target <= 3 ms) and its ratio to the same assessment with
   the forward chaining done by CLIPS on the same compiled rules (target <= 1.0). The CLIPS
   run gets the same true parts and must fire the same rules with the same explanations.
   Explanations are computed when first read; the time with every explanation read is
   printed too.
2. The knowledge base x2, x4, x8 (renamed copies): build time, and time per assessment for
   the engine alone and for the full assessment; target: x8 <= 9x the x1 time. Sizes are
   interleaved (a round assesses each size 8/copies times); the median is taken per block
   of rounds and the lowest block median is reported (min of medians: a block slowed by
   other processes does not decide the ratio).
   Then where the engine's time goes at each size (see "Why x8 is not linear" in
   docs/engine.md): CPU in each durable-rules C call, firings, facts stored, the steps of
   durable-rules' agenda scan, the bytes one session holds and minor page faults.
3. 1,000 `Assessor` objects created, used once and dropped: RSS growth (target <= 50 MB).
"""

from __future__ import annotations

import argparse
import bisect
import ctypes
import gc
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diagnostics.engine as engine_module
from diagnostics.assessment import Assessment, Assessor, validate_answers
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


Timings = dict[str, list[tuple[float, float]]]  # variant -> [(wall ms, cpu ms)] per call


def interleaved(fns: dict[str, tuple[Callable[[], Any], int]], rounds: int, warmup: int = 5) -> Timings:
    """Every round calls each function its given number of times, timing each call."""
    for fn, _ in fns.values():
        for _ in range(warmup):
            fn()
    times: Timings = {k: [] for k in fns}
    for _ in range(rounds):
        for k, (fn, repeat) in fns.items():
            for _ in range(repeat):
                w, c = time.perf_counter(), time.thread_time()
                fn()
                times[k].append(((time.perf_counter() - w) * 1000, (time.thread_time() - c) * 1000))
    return times


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def read_everything(assessment: Assessment) -> Assessment:
    """Compute every pending explanation (what printing the whole assessment does)."""
    for f in assessment.findings:
        f.materialise()
    assessment.audit.materialise()
    return assessment


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


def _malloc_in_use() -> Callable[[], int] | None:
    """Bytes the C heap holds (glibc's mallinfo2), or None where there is no such call."""
    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return None
    fn.restype = _MallInfo2

    def in_use() -> int:
        info = fn()
        return int(info.uordblks + info.hblkhd)
    return in_use


class TimedCore:
    """durable-rules' C module with the CPU time of every call summed by function; the bytes
    the session holds are read just before `delete_state` frees it."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.cpu: dict[str, float] = {}
        self.session_bytes: list[int] = []
        self.in_use = _malloc_in_use()
        self.fresh = True  # the next assert_facts opens a session: it posts the parts

    def _key(self, name: str) -> str:
        if name == "assert_facts":
            name, self.fresh = ("post parts" if self.fresh else "post findings"), False
        elif name == "delete_state":
            self.fresh = True
        return name

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.core, name)
        if isinstance(fn, type) or not callable(fn):
            return fn  # the exception class

        def timed(*args: Any) -> Any:
            if name == "delete_state" and self.in_use is not None:
                before = self.in_use()
            key = self._key(name)
            t = time.thread_time()
            try:
                return fn(*args)
            finally:
                self.cpu[key] = self.cpu.get(key, 0.0) + time.thread_time() - t
                if name == "delete_state" and self.in_use is not None:
                    self.session_bytes.append(before - self.in_use())
        return timed


def agenda_steps(engine: DurableEngine, fired: list[str]) -> int:
    """The actions durable-rules' agenda scan looks at in one assessment.

    After every firing the C core (`getNextResultInState`) walks the rules in priority order
    from the first and stops at the first with a pending activation; every rule that was
    activated earlier in the session and sits before it is looked at again. So each firing
    costs the number of rules fired before it with a lower index: the sum grows with the
    square of the firings. Computed from the firing order (the sentinel fires first)."""
    definition = engine.program.definition
    order = sorted(range(len(definition)), key=lambda i: list(definition.values())[i]["pri"])
    index = {name: order.index(i) for i, name in enumerate(definition)}
    seen: list[int] = []
    steps = 0
    for name in [engine_module.SENTINEL, *fired]:
        steps += bisect.bisect_left(seen, index[name])
        bisect.insort(seen, index[name])
    return steps + len(seen)  # the last scan finds nothing pending


def anatomy(sizes: dict[int, tuple[Any, dict[str, Any], Profile]], rounds: int) -> None:
    """Where the engine's time goes at each size: CPU per C call, the agenda scan, memory."""
    real = engine_module._c()
    rows: dict[int, dict[str, float]] = {}
    try:
        for copies, (assessor, scaled, _) in sizes.items():
            engine: DurableEngine = assessor.durable
            timed = TimedCore(real)
            engine_module._c = lambda t=timed: t  # type: ignore[assignment]
            n = rounds * 8 // copies
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t = time.thread_time()
            for _ in range(n):
                result = engine.assess(scaled)
            total = (time.thread_time() - t) * 1000 / n
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
            c_calls = {k: v * 1000 / n for k, v in timed.cpu.items()}
            row = {
                "total": total,
                "post parts": c_calls.get("post parts", 0.0),  # opens the session too
                "post findings": c_calls.get("post findings", 0.0) + c_calls.get("assert_fact", 0.0),
                "agenda": c_calls.get("start_action_for_state", 0.0) + c_calls.get("complete_and_start_action", 0.0),
                "delete": c_calls.get("delete_state", 0.0) + c_calls.get("abandon_action", 0.0),
            }
            row["python"] = total - sum(v for k, v in row.items() if k != "total")
            row["firings"] = len(result.fired) + 1
            slots = engine.program.finding_slots
            row["facts"] = 2 + len({p // engine_module.CHUNK for p in engine.chaining.true_parts(scaled)}) + len(
                {slots[r][0] for r in result.fired if r in slots})  # sentinel, state, chunks of parts and findings
            row["steps"] = agenda_steps(engine, result.fired)
            row["patterns"] = sum(len(r["all"]) for r in engine.program.definition.values())
            row["MB"] = statistics.median(timed.session_bytes) / 2**20 if timed.session_bytes else float("nan")
            row["faults"] = faults / n
            rows[copies] = row
    finally:
        engine_module._c = lambda: real  # type: ignore[assignment]
    print("  where the engine's time goes (CPU ms per assessment, each C call timed; one pass, not interleaved):")
    base = rows[1]
    for key in ("total", "post parts", "post findings", "agenda", "delete", "python"):
        cells = "  ".join(f"x{c} {r[key]:.3f} ({r[key] / base[key]:.1f}x)" if base[key] else f"x{c} {r[key]:.3f}"
                          for c, r in rows.items())
        print(f"    {key:13s} {cells}")
    for key, what in (("firings", "firings"), ("facts", "facts stored"), ("patterns", "patterns (beta nodes)"),
                      ("steps", "agenda scan steps"), ("MB", "MB one session holds"),
                      ("faults", "minor page faults")):
        if key == "faults":  # none at all at x1: no ratio
            cells = "  ".join(f"x{c} {r[key]:.0f}" for c, r in rows.items())
        else:
            digits = 1 if key == "MB" else 0
            cells = "  ".join(f"x{c} {r[key]:.{digits}f} ({r[key] / base[key]:.1f}x)" for c, r in rows.items())
        print(f"    {what:22s} {cells}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="interleaved rounds for the full assessment")
    ap.add_argument("--blocks", type=int, default=5, help="blocks of rounds for the scaling (min of medians)")
    ap.add_argument("--assessors", type=int, default=1000)
    args = ap.parse_args()
    reg = load_registry(external=False)
    kb = reg.kb
    data, _ = load_data(reg.profiles["KZ"].path)
    kz = Profile.model_validate(data)
    values = validate_answers(kz, kb)
    print(f"{load()} at start; times per call: median wall ms / median CPU ms")

    # 1. durable-rules against CLIPS, same compiled rules, same pipeline around them.
    durable = Assessor(kb)
    clips_assessor = Assessor(kb)
    clips_assessor.durable = ClipsEngine(kb)
    a, b = durable.assess(kz), clips_assessor.assess(kz)
    assert a.fired() == b.fired(), "CLIPS and durable-rules disagree"
    assert [f.trace for f in a.findings] == [f.trace for f in b.findings], "the explanations differ"
    t = interleaved({
        "durable": (lambda: durable.assess(kz), 1),
        "clips": (lambda: clips_assessor.assess(kz), 1),
        "durable, all read": (lambda: read_everything(durable.assess(kz)), 1),
        "clips, all read": (lambda: read_everything(clips_assessor.assess(kz)), 1),
        "durable engine": (lambda: durable.durable.assess(values), 1),
        "clips engine": (lambda: clips_assessor.durable.assess(values), 1),
    }, args.n)
    m = {k: medians(v) for k, v in t.items()}
    print(f"full knowledge base: {len(kb.rules)} rules, {len(kb.logic.chaining.parts)} parts, "
          f"KZ: {len(values)} answers, {len(a.fired())} fired; {args.n} interleaved rounds, {load()}")
    print(f"  full assessment with explanations (computed when read): durable-rules "
          f"{m['durable'][0]:.3f} / {m['durable'][1]:.3f} ms (target <= 3 ms CPU: "
          f"{'met' if m['durable'][1] <= 3 else 'NOT met'}) | CLIPS {m['clips'][0]:.3f} / {m['clips'][1]:.3f} ms")
    print(f"  ratio durable/CLIPS = {m['durable'][1] / m['clips'][1]:.2f} CPU, "
          f"{m['durable'][0] / m['clips'][0]:.2f} wall (target <= 1.0)")
    print(f"  the same with every explanation read: durable-rules {m['durable, all read'][0]:.3f} / "
          f"{m['durable, all read'][1]:.3f} ms | CLIPS {m['clips, all read'][0]:.3f} / "
          f"{m['clips, all read'][1]:.3f} ms (ratio {m['durable, all read'][1] / m['clips, all read'][1]:.2f} CPU)")
    print(f"  forward chaining alone: durable-rules {m['durable engine'][0]:.3f} / {m['durable engine'][1]:.3f} ms"
          f" | CLIPS {m['clips engine'][0]:.3f} / {m['clips engine'][1]:.3f} ms "
          f"(ratio {m['durable engine'][1] / m['clips engine'][1]:.2f} CPU)")
    clips_assessor.close()

    # 2. Scaling: renamed copies of the whole knowledge base.
    print(f"knowledge base copies (KZ answers in every copy), {load()}")
    sizes: dict[int, tuple[Assessor, dict[str, Any], Profile]] = {}
    for copies in (1, 2, 4, 8):
        t0 = time.perf_counter()
        big = scaled_knowledge_base(kb, copies) if copies > 1 else KnowledgeBase.build(
            list(kb.indicators.values()), list(kb.rules.values()), list(kb.directions.values()),
            list(kb.families.values()))
        assessor = Assessor(big)
        built = time.perf_counter() - t0
        scaled = {scaled_id(i, k): v for i, v in values.items() for k in range(1, copies + 1)}
        profile = kz.model_copy(update={"answers": {
            scaled_id(i, k): ans for i, ans in kz.answers.items() for k in range(1, copies + 1)}})
        assert len(assessor.durable.assess(scaled).fired) == copies * len(a.fired())
        sizes[copies] = (assessor, scaled, profile)
        print(f"  x{copies}: {len(big.rules)} rules, {len(big.logic.chaining.parts)} parts, built and loaded "
              f"into durable-rules in {built:.2f} s")
    rounds = max(6, args.n // 30)
    blocks: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.blocks):
        fns: dict[str, tuple[Callable[[], Any], int]] = {}
        for copies, (assessor, scaled, profile) in sizes.items():
            fns[f"engine x{copies}"] = (lambda e=assessor.durable, s=scaled: e.assess(s), 8 // copies)
            fns[f"assess x{copies}"] = (lambda e=assessor, p=profile: e.assess(p), 8 // copies)
        for k, v in interleaved(fns, rounds, warmup=2).items():
            blocks.setdefault(k, []).append(medians(v))
    print(f"  per assessment: lowest of {args.blocks} block medians ({rounds} interleaved rounds each), "
          f"CPU ms (wall ms); {load()}")
    for what in ("engine", "assess"):
        best = {c: (min(w for w, _ in blocks[f"{what} x{c}"]), min(cpu for _, cpu in blocks[f"{what} x{c}"]))
                for c in sizes}
        label = "durable-rules engine alone" if what == "engine" else "full assessment (Assessor.assess)"
        cells = "  ".join(f"x{c} {cpu:.3f} ({w:.3f}) = {cpu / best[1][1]:.2f}x" for c, (w, cpu) in best.items())
        verdict = "met" if best[8][1] / best[1][1] <= 9 else "NOT met"
        print(f"  {label}: {cells}  (x8 target <= 9x: {verdict})")

    anatomy(sizes, rounds)

    # 3. Assessor objects created and dropped.
    for assessor, _, _ in sizes.values():
        assessor.close()
    sizes.clear()
    gc.collect()
    before = rss_mb()
    for _ in range(args.assessors):
        Assessor(kb).assess(kz)
    gc.collect()
    grown = rss_mb() - before
    print(f"{args.assessors} Assessor objects created, used once and dropped: RSS +{grown:.1f} MB "
          f"(target <= 50 MB); {load()}")


if __name__ == "__main__":
    main()
