"""Time the Kazakhstan policy brief: build the context and render it, warm.

    .venv/bin/python bench/brief.py [--repeat 50] [--country KZ]

Target: the full brief (context + HTML, the largest format) in at most 100 ms once warm.
The assessment itself is timed separately: the brief starts from a finished assessment.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

LIMIT_MS = 100.0


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm: templates compiled, caches filled
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--country", default="KZ")
    args = parser.parse_args()

    from diagnostics.reports.context import build_context
    from diagnostics.reports.render import render_brief

    from diagnostics.assessment import Assessor
    from diagnostics.cli import load_profile_file
    from diagnostics.registry import load_registry

    registry = load_registry(external=False)
    profile = load_profile_file(registry.profiles[args.country].path)
    assessor = Assessor(registry.kb)
    assessment = assessor.assess(profile)
    context = build_context(assessment, registry.kb, profile, registry)

    rows = {
        "assess (durable-rules, for reference)": timed(lambda: assessor.assess(profile), max(5, args.repeat // 10)),
        "build context": timed(lambda: build_context(assessment, registry.kb, profile, registry), args.repeat),
        "render md": timed(lambda: render_brief(context, "md"), args.repeat),
        "render html": timed(lambda: render_brief(context, "html"), args.repeat),
        "render json": timed(lambda: render_brief(context, "json"), args.repeat),
        "full brief (context + html)": timed(
            lambda: render_brief(build_context(assessment, registry.kb, profile, registry), "html"), args.repeat),
    }
    print(f"{args.country} brief: {len(context.diagnoses)} diagnoses, {len(context.nodes)} chain findings, "
          f"{len(render_brief(context, 'html')):,} bytes of HTML")
    for name, ms in rows.items():
        print(f"  {name:<40} median {statistics.median(ms):7.1f} ms   min {min(ms):7.1f} ms   (n={len(ms)})")
    full = statistics.median(rows["full brief (context + html)"])
    verdict = "ok" if full <= LIMIT_MS else "TOO SLOW"
    print(f"full brief warm: {full:.1f} ms (limit {LIMIT_MS:.0f} ms): {verdict}")
    return 0 if full <= LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
