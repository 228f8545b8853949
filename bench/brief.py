"""Time the Kazakhstan PDF brief from the command line, next to `diagnose assess KZ --json`.

    .venv/bin/python bench/brief.py [--rounds 7] [--country KZ]

Whole processes, as a user meets them: `diagnose brief KZ -o kz.pdf` and `diagnose assess KZ
--json`, interleaved in one run, medians of wall-clock and CPU time (user + system of the
child). Target: the PDF brief within 2x the assessment. Interleaved with them, the floor: a
one-line PDF from a bare `import weasyprint`, and from the brief's own quick import
(reports/pdf.py) with its user-agent sheet; no brief can cost less than the assessment plus
that. And the brief's own HTML typeset alone in a fresh process (no assessment, no report
modules): what WeasyPrint costs for these two pages, compared with the whole assessment.
Then the warm in-process stages (context, HTML, WeasyPrint layout, PDF writing) for
orientation. Exit code 1 if over target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_RATIO = 2.0
FLOOR_BARE = "import weasyprint; weasyprint.HTML(string='<p>x</p>').write_pdf()"
FLOOR_QUICK = "from diagnostics.reports.pdf import html_to_pdf; html_to_pdf('<p>x</p>', built_in=True)"
# The brief's own HTML typeset alone: WeasyPrint's share of the brief, with no assessment and no report modules.
TYPESET_ALONE = ("import pathlib, sys; from diagnostics.reports.pdf import html_to_pdf; "
                 "html_to_pdf(pathlib.Path(sys.argv[1]).read_text(encoding='utf-8'), built_in=True)")
DIAGNOSE = [str(Path(sys.executable).with_name("diagnose"))]  # the installed command, as users run it


def run(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one whole process."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def warm(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU milliseconds of `fn` once warm (CPU, so other work on the machine counts less)."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return statistics.median(out) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--country", default="KZ")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pdf, html = Path(tmp) / "brief.pdf", Path(tmp) / "brief.html"
        subprocess.run([*DIAGNOSE, "brief", args.country, "-o", str(html)], check=True, stderr=subprocess.DEVNULL)
        commands = {
            f"diagnose assess {args.country} --json": [*DIAGNOSE, "assess", args.country, "--json"],
            f"diagnose brief {args.country} -o brief.pdf": [*DIAGNOSE, "brief", args.country, "-o", str(pdf),
                                                           "--force"],
            "floor: import weasyprint, <p>x</p> PDF": [sys.executable, "-c", FLOOR_BARE],
            "  less: python -c pass": [sys.executable, "-c", "pass"],
            "floor: the brief's quick import, same": [sys.executable, "-c", FLOOR_QUICK],
            "  less: import diagnostics.reports.pdf": [sys.executable, "-c", "import diagnostics.reports.pdf"],
            "floor: the brief's HTML typeset alone": [sys.executable, "-c", TYPESET_ALONE, str(html)],
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for cmd in commands.values():  # one untimed round each: file caches warm
            run(cmd)
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                times[name].append(run(cmd))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"whole process, median of {args.rounds} interleaved rounds (load average now {load} "
          f"on {os.cpu_count()} CPUs):")
    medians = {}
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        medians[name] = (wall, cpu)
        print(f"  {name:<40} wall {wall * 1000:7.0f} ms   cpu {cpu * 1000:7.0f} ms")
    cpu = [c for _, c in medians.values()]
    (assess_wall, assess_cpu), (brief_wall, brief_cpu) = list(medians.values())[:2]
    ratio_cpu, ratio_wall = brief_cpu / assess_cpu, brief_wall / assess_wall
    print(f"PDF brief / assessment: cpu {ratio_cpu:.2f}x, wall {ratio_wall:.2f}x "
          f"(target <= {TARGET_RATIO:.0f}x): {'ok' if ratio_cpu <= TARGET_RATIO else 'OVER TARGET'}")
    # The brief's process assesses, then typesets: it cannot cost less than the assessment plus
    # what a one-line PDF costs beyond the start-up the assessment has paid already.
    bare, quick = cpu[2] - cpu[3], cpu[4] - cpu[5]
    print(f"floor: (assessment + one-line PDF) / assessment = {1 + bare / assess_cpu:.2f}x with a bare "
          f"import ({bare * 1000:.0f} ms), {1 + quick / assess_cpu:.2f}x with the brief's ({quick * 1000:.0f} ms)")
    # Typesetting the finished HTML (quick import, layout, drawing, writing, exit) with nothing else.
    alone = cpu[6] - cpu[3]
    print(f"floor: (assessment + typesetting the brief's HTML alone) / assessment = {1 + alone / assess_cpu:.2f}x "
          f"(WeasyPrint alone: {alone * 1000:.0f} ms above Python's start-up, "
          f"{alone / assess_cpu:.2f}x the whole assessment)")
    _stages(args.country)
    return 0 if ratio_cpu <= TARGET_RATIO else 1


def _stages(country: str) -> None:
    from diagnostics.reports.pdf import built_in_html_class, import_weasyprint

    start = time.process_time()
    import_weasyprint()  # as the CLI imports it
    imported = (time.process_time() - start) * 1000
    from diagnostics.reports.builder import build_context
    from diagnostics.reports.render import render_brief

    from diagnostics.assessment import Assessor
    from diagnostics.cli import load_profile_file
    from diagnostics.registry import load_registry

    registry = load_registry(external=False)
    profile = load_profile_file(registry.profiles[country].path)
    assessment = Assessor(registry.kb).assess(profile)
    context = build_context(assessment, registry.kb, profile, registry)
    html = render_brief(context, "html")
    built_in_html = built_in_html_class()  # as render_pdf typesets the built-in templates
    pages = len(built_in_html(string=html).render().pages)
    print(f"warm stages in one process, CPU, median of 5 (the brief has {pages} A4 pages):")
    print(f"  import weasyprint (once, cold)           {imported:7.0f} ms")
    print(f"  build context                            {warm(lambda: build_context(assessment, registry.kb, profile, registry), 5):7.1f} ms")  # noqa: E501
    print(f"  render brief HTML                        {warm(lambda: render_brief(context, 'html'), 5):7.1f} ms")
    print(f"  WeasyPrint layout                        {warm(lambda: built_in_html(string=html).render(), 5):7.1f} ms")  # noqa: E501
    document = built_in_html(string=html).render()
    print(f"  write PDF                                {warm(document.write_pdf, 5):7.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
