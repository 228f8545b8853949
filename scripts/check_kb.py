"""Check a knowledge folder: load, validate, check citations against the thesis, and look
for runs of 12+ words copied from the thesis.

Usage: python scripts/check_kb.py [FOLDER] [--thesis PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from diagnostics.citations import check_citation, parse_citation, thesis_sections
from diagnostics.errors import DiagnosticsError
from diagnostics.kb import (
    KnowledgeBase,
    load_direction_file,
    load_indicator_file,
    load_rule_file,
)

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[a-z0-9']+")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=str(ROOT / "rules"))
    ap.add_argument("--thesis", default=str(ROOT.parent / "shared/seeds/003_61bcc57cf97c66d8.txt"))
    args = ap.parse_args()
    folder = Path(args.folder)
    # Load file by file so that one broken file does not hide the problems of the others.
    indicators, rules, directions, origin, broken = [], [], [], {}, 0
    for sub, loader, bucket in (
        ("indicators", load_indicator_file, indicators),
        ("nodes", load_rule_file, rules),
        ("directions", load_direction_file, directions),
    ):
        for p in sorted((folder / sub).glob("*.yaml")):
            try:
                records = loader(p)
            except DiagnosticsError as exc:
                print(exc)
                broken += 1
                continue
            bucket.extend(records)
            origin.update({r.id: str(p) for r in records})
    try:
        kb = KnowledgeBase.build(indicators, rules, directions, origin=origin)
    except DiagnosticsError as exc:
        print(exc)
        return 2
    if broken:
        return 2
    print(f"ok: {len(kb.indicators)} indicators, {len(kb.rules)} rules, {len(kb.directions)} directions")
    thesis = Path(args.thesis)
    if thesis.exists():
        sections = thesis_sections(thesis)
        bad = 0
        cites = [c for r in kb.rules.values() for c in r.citations]
        cites += [c for d in kb.directions.values() for c in d.citations]
        cites += [c for i in kb.indicators.values() for c in i.citations]
        for c in cites:
            problem = check_citation(parse_citation(c), sections, 19)
            if problem:
                bad += 1
                print("citation:", problem)
        ws = WORD.findall(thesis.read_text(encoding="utf-8", errors="replace").lower())
        shingles = {tuple(ws[i : i + 12]) for i in range(len(ws) - 11)}
        for p in sorted(folder.rglob("*.yaml")):
            fw = WORD.findall(p.read_text(encoding="utf-8").lower())
            for i in range(len(fw) - 11):
                if tuple(fw[i : i + 12]) in shingles:
                    bad += 1
                    print(f"copied: {p}: \"{' '.join(fw[i:i+12])}\"")
                    break
        if bad:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
