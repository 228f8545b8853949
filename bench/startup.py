"""Whole-process CPU of `diagnose assess KZ` against `diagnose --help` (issue 11, start-up).

    .venv/bin/python bench/startup.py [--runs 15]

Each command runs in a fresh process; CPU is user+system time of the child (rusage), so
the figure does not depend on how busy the machine is. The rounds interleave the commands
and the medians are compared. The knowledge-base cache lives in a temporary folder: one
warm-up run fills it (its cost is printed as "cold"), as a user's first run would; it also
writes Python's bytecode caches (PYTHONDONTWRITEBYTECODE is removed from the children's
environment), which an installed package has anyway.
Target: assess KZ <= 3x --help. Also printed: `assess KZ --json`, which skips the rich
rendering of the findings.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DIAGNOSE = [sys.executable, "-m", "diagnostics.cli"]
COMMANDS = {"--help": ["--help"], "assess KZ": ["assess", "KZ"], "assess KZ --json": ["assess", "KZ", "--json"]}


def cpu_of(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([*DIAGNOSE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "DIAGNOSE_CACHE_DIR": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
        cold = cpu_of(COMMANDS["assess KZ"], env)
        samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(runs):
            for name, args in COMMANDS.items():
                samples[name].append(cpu_of(args, env))
        entries = len(list(Path(cache).glob("kb-*.pickle")))
    med = {name: statistics.median(v) for name, v in samples.items()}
    print(f"whole-process CPU, median of {runs} interleaved runs (cache entries: {entries})")
    for name in COMMANDS:
        print(f"  diagnose {name:<18} {med[name] * 1000:7.1f} ms")
    print(f"  diagnose assess KZ, cold cache  {cold * 1000:7.1f} ms (one run)")
    ratio = med["assess KZ"] / med["--help"]
    print(f"ratio assess KZ / --help: {ratio:.2f} (target <= 3.00)")
    print(f"ratio assess KZ --json / --help: {med['assess KZ --json'] / med['--help']:.2f}")


if __name__ == "__main__":
    main()
