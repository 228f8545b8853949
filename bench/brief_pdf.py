"""Print the Kazakhstan HTML brief to PDF in headless Chromium and count the A4 pages.

    .venv/bin/python bench/brief_pdf.py [--country KZ] [--out DIR]

Needs Chromium (`apt-get install -y chromium`) and, for the per-page check, poppler-utils
(`pdfinfo`, `pdftotext`). Reports the pages of the whole brief, of the main body (pages
before "Annex A" in the full brief, cross-checked by rendering without annexes) and how full
the last main-body page is. Target: the main body within 6 A4 pages. Exit code 1 if over.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MAX_MAIN_PAGES = 6
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("chromium not found: install it (as root: apt-get install -y chromium)")


def print_pdf(html: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                        html.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    if not pdf.exists() or pdf.stat().st_size == 0:
        sys.exit(f"chromium wrote no PDF for {html}")


def page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))  # no poppler: count page objects


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def page_fill(pdf: Path, page: int) -> float:
    """How far down the page the text reaches (0-1), from pdftotext's word boxes."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', out)]
    words = [b for b in bottoms if b < height * 0.95]  # ignore the page number in the footer
    return max(words, default=0.0) / height


def report(country: str, out: Path, full: str, body: str) -> int:
    """Print both renderings to PDF, report their pages; return the main body's page count."""
    full_html, body_html = out / f"{country.lower()}-brief.html", out / f"{country.lower()}-body.html"
    full_html.write_text(full, encoding="utf-8")
    body_html.write_text(body, encoding="utf-8")
    full_pdf, body_pdf = full_html.with_suffix(".pdf"), body_html.with_suffix(".pdf")
    print_pdf(full_html, full_pdf)
    print_pdf(body_html, body_pdf)
    total = page_count(full_pdf)
    body_render = page_count(body_pdf)
    print(f"{country} brief printed by {Path(chromium()).name}: {total} A4 pages in all")
    main_pages = body_render
    if shutil.which("pdftotext"):
        first_annex = next((p for p in range(1, total + 1) if "Annex A. Data quality" in page_text(full_pdf, p)),
                           total + 1)
        main_pages = first_annex - 1
        print(f"  main body: pages 1-{main_pages} (annexes start on page {first_annex}); "
              f"last main page {page_fill(full_pdf, main_pages):.0%} full")
    print(f"  rendered without annexes: {body_render} pages (main body plus references)")
    return main_pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="KZ")
    parser.add_argument("--out", type=Path, help="Keep the HTML and PDF files here.")
    args = parser.parse_args()

    from diagnostics.reports.context import build_context
    from diagnostics.reports.render import render_brief

    from diagnostics.assessment import Assessor
    from diagnostics.cli import load_profile_file
    from diagnostics.registry import load_registry

    registry = load_registry(external=False)
    profile = load_profile_file(registry.profiles[args.country].path)
    assessment = Assessor(registry.kb).assess(profile)
    context = build_context(assessment, registry.kb, profile, registry)
    body_only = context.model_copy(update={"meta": context.meta.model_copy(update={"annexes": False})})

    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        main_pages = report(args.country, args.out, render_brief(context, "html"), render_brief(body_only, "html"))
    else:
        with tempfile.TemporaryDirectory(prefix="brief-pdf-") as tmp:
            main_pages = report(args.country, Path(tmp), render_brief(context, "html"),
                                render_brief(body_only, "html"))
    verdict = "ok" if main_pages <= MAX_MAIN_PAGES else "TOO LONG"
    print(f"main body: {main_pages} pages (limit {MAX_MAIN_PAGES}): {verdict}")
    return 0 if main_pages <= MAX_MAIN_PAGES else 1


if __name__ == "__main__":
    sys.exit(main())
