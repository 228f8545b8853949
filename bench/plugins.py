"""Start-up cost of loading all plugins, measured in fresh processes (one run, ratios printed).

    .venv/bin/python bench/plugins.py

Compares `load_registry()` with only the thesis plugin against all plugins (built-in
families and entry points). Target (issue 4): all plugins add <= 150 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

SNIPPET = """
import json, time
t0 = time.perf_counter()
from diagnostics.registry import load_registry, BUILTIN_PLUGINS
{setup}
t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1000, "plugins": len(reg.reports)}}))
"""
THESIS_ONLY = "reg = load_registry(external=False, builtin=BUILTIN_PLUGINS[:1])"
ALL = "reg = load_registry()"


def measure(setup: str, runs: int = 7) -> tuple[float, int]:
    times, plugins = [], 0
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", SNIPPET.format(setup=setup)],
                             capture_output=True, text=True, check=True).stdout
        data = json.loads(out.strip().splitlines()[-1])
        times.append(data["ms"])
        plugins = data["plugins"]
    return statistics.median(times), plugins


def main() -> None:
    base, n_base = measure(THESIS_ONLY)
    full, n_full = measure(ALL)
    print(f"thesis plugin only ({n_base} plugin): {base:.1f} ms median of 7 fresh processes")
    print(f"all plugins ({n_full} plugins):       {full:.1f} ms")
    print(f"added by the other plugins: {full - base:.1f} ms (target <= 150 ms); ratio {full / base:.2f}")


if __name__ == "__main__":
    main()
