"""Time from launching `diagnose tui KZ` to Kazakhstan's findings on screen (issue 11, start-up).

    .venv/bin/python bench/tui_start.py [--runs 7]

Each round starts the real command in a fresh process attached to a pseudo-terminal (80x24,
as a user's terminal would be) with an empty data folder, and reads what the app draws
until the findings pane shows its first assessment ("N fired" in the pane's summary, which
reads "Assessing…" until then). The clock runs from just before the process is launched;
Python's own start-up is included. The app is then closed with Ctrl+Q.

The knowledge-base cache lives in a temporary folder filled by one warm-up run (printed as
"cold"), as a user's first run would fill it; that run also writes Python's bytecode caches
(PYTHONDONTWRITEBYTECODE is removed from the children's environment), which an installed
package has anyway. Wall-clock time depends on how busy the
machine is, so the script prints the load average beside it, and the CPU time the app had
used when the findings showed (from /proc, all threads), which depends far less on the
load. Target: median <= 1 s.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "diagnostics.cli", "tui", "KZ"]
FINDINGS = re.compile(rb"\d+ fired")  # the findings pane's summary once an assessment is shown
TIMEOUT = 60.0


def cpu_seconds(pid: int) -> float:
    """User+system CPU the process has used so far, all threads (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(env: dict[str, str], data: Path) -> tuple[float, float]:
    """Seconds from launch to the findings on screen, and the CPU seconds the app used until then."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen([*COMMAND, "--data-dir", str(data)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    seen = b""
    elapsed: float | None = None
    cpu = 0.0
    try:
        while time.perf_counter() - started < TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            seen = seen[-200:] + chunk
            if FINDINGS.search(seen):
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(proc.pid)
                break
        if elapsed is None:
            tail = seen[-400:].decode(errors="replace")
            raise SystemExit(f"the findings never showed (exit code {proc.poll()}); last output: {tail!r}")
        os.write(master, b"\x11")  # Ctrl+Q: quit, which also releases the assessment's lock
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the group of the child started above, nothing else
            proc.wait(timeout=10)
        return elapsed, cpu
    finally:
        # Drain and close the terminal so the child never blocks on a full buffer.
        try:
            while select.select([master], [], [], 0)[0] and os.read(master, 65536):
                pass
        except OSError:
            pass
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(root / "cache"), "TERM": "xterm-256color",
               "COLUMNS": "80", "LINES": "24"}
        env.pop("DIAGNOSE_LANG", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
        cold, _cpu = one_round(env, root / "data-cold")
        rounds = [one_round(env, root / f"data-{n}") for n in range(runs)]
    times = [t for t, _ in rounds]
    cpus = [c for _, c in rounds]
    load = os.getloadavg()
    print(f"`diagnose tui KZ`: launch -> Kazakhstan's findings on screen ({runs} fresh processes, warm cache)")
    print(f"  median {statistics.median(times):.2f} s   min {min(times):.2f} s   max {max(times):.2f} s"
          "   [target: median <= 1.00 s]")
    print(f"  CPU used by the app until then (all threads): median {statistics.median(cpus):.2f} s")
    print(f"  cold cache (first run): {cold:.2f} s")
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
