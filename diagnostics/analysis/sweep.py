"""Sweeps: profiles × scenarios × grid points, assessed and streamed as rows."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answers import format_value, parse_answer
from ..assessment import AssessmentState, Assessor
from ..errors import DataError
from ..i18n import _
from ..kb import KnowledgeBase, did_you_mean
from ..logic import Status
from ..profile import Answer, AnswerError, EvidenceGrade, Profile, check_value
from ..safeio import spreadsheet_text
from .values import jsonable

MAX_SCENARIOS = 1_000_000


@dataclass
class Scenario:
    name: str
    changes: dict[str, Answer | None]


@dataclass
class SweepSpec:
    """A sweep: profiles × scenarios × grid points (see docs/scenario-analysis.md)."""

    profiles: list[str]
    scenarios: list[Scenario]
    grid: dict[str, list[Answer | None]]
    rules: list[str] | None
    folder: Path
    file: str = ""

    def size(self) -> int:
        grid = math.prod(len(v) for v in self.grid.values()) if self.grid else 1
        return len(self.profiles) * max(1, len(self.scenarios)) * grid

    def points(self) -> Iterator[tuple[str, dict[str, Answer | None]]]:
        """(scenario name, changes) for every scenario × grid point, grid varying fastest."""
        scenarios = self.scenarios or [Scenario("", {})]
        keys = list(self.grid)
        for sc in scenarios:
            for combo in itertools.product(*(self.grid[k] for k in keys)):
                yield sc.name, {**sc.changes, **dict(zip(keys, combo, strict=True))}


def _spec_value(kb: KnowledgeBase, ind: str, raw: Any, where: str, line: int | None) -> Answer | None:
    """A YAML value for `ind`: null removes the answer, 'unknown' marks it unknown."""
    try:
        if raw is None:
            return None
        if isinstance(raw, str):
            return parse_answer(kb, ind, raw)
        value = check_value(kb.indicators[ind], raw)
    except (AnswerError, DataError) as exc:
        msg = exc.message if isinstance(exc, DataError) else str(exc)
        raise DataError(msg, file=where, line=line) from None
    return Answer(value=value, evidence=EvidenceGrade.EXPERT_JUDGEMENT, note="sweep value")


def load_sweep_spec(path: Path, kb: KnowledgeBase) -> SweepSpec:
    """Read and check a sweep spec; every problem is a DataError naming file and line."""
    from ..yamlio import line_for, load_data

    data, lines = load_data(path)
    where = str(path)

    def bad(msg: str, *loc: str | int) -> DataError:
        return DataError(msg, file=where, line=line_for(lines, loc) if loc else 1)

    if not isinstance(data, dict):
        raise bad("a sweep spec must be a mapping with 'profiles' (or 'base') and 'grid' or 'scenarios'")
    unknown = sorted(set(data) - {"base", "profiles", "grid", "scenarios", "rules"})
    if unknown:
        raise bad(f"unknown key {unknown[0]!r} (use base, profiles, grid, scenarios, rules)", unknown[0])
    if ("base" in data) == ("profiles" in data):
        raise bad("give either 'base: PROFILE' or 'profiles: [...]', not both or neither")
    profiles = [data["base"]] if "base" in data else data["profiles"]
    key = "base" if "base" in data else "profiles"
    if not isinstance(profiles, list) or not profiles or not all(isinstance(p, str) and p for p in profiles):
        raise bad(f"'{key}' must name a profile (country code or file) or a list of them", key)

    def indicator(name: Any, *loc: str | int) -> str:
        if not isinstance(name, str) or name not in kb.indicators:
            raise bad(f"unknown indicator {name!r}{did_you_mean(str(name), kb.indicators)}", *loc)
        return name

    grid: dict[str, list[Answer | None]] = {}
    raw_grid = data.get("grid", {})
    if not isinstance(raw_grid, dict):
        raise bad("'grid' must map indicator ids to lists of values", "grid")
    for name, options in raw_grid.items():
        ind = indicator(name, "grid", name)
        if isinstance(options, dict) and set(options) <= {"from", "to", "step"} and options:
            options = _range(options, line_for(lines, ("grid", name)), where)
        if not isinstance(options, list) or not options:
            raise bad(f"grid {ind}: give a non-empty list of values (or from/to/step)", "grid", name)
        grid[ind] = [_spec_value(kb, ind, v, where, line_for(lines, ("grid", name, i)))
                     for i, v in enumerate(options)]
    scenarios: list[Scenario] = []
    raw_sc = data.get("scenarios", [])
    if not isinstance(raw_sc, list):
        raise bad("'scenarios' must be a list of {name, set}", "scenarios")
    for n, item in enumerate(raw_sc):
        if not isinstance(item, dict) or not isinstance(item.get("set", {}), dict) or \
                set(item) - {"name", "set"}:
            raise bad("each scenario needs 'name' and a 'set' mapping of indicator: value", "scenarios", n)
        changes: dict[str, Answer | None] = {}
        for name, v in item.get("set", {}).items():
            ind = indicator(name, "scenarios", n, "set", name)
            if ind in grid:
                raise bad(f"{ind} is both in the grid and set by a scenario", "scenarios", n, "set", name)
            changes[ind] = _spec_value(kb, ind, v, where, line_for(lines, ("scenarios", n, "set", name)))
        scenarios.append(Scenario(str(item.get("name", f"scenario {n + 1}")), changes))
    rules = data.get("rules")
    if rules is not None:
        if rules == "all":
            rules = list(kb.rules)
        elif not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise bad("'rules' must be 'all' or a list of rule ids", "rules")
        for i, r in enumerate(rules):
            if r not in kb.rules:
                raise bad(f"unknown rule {r!r}{did_you_mean(r, kb.rules)}", "rules", i)
    spec = SweepSpec(list(profiles), scenarios, grid, rules, path.parent, where)
    if spec.size() > MAX_SCENARIOS:
        raise bad(f"the sweep has {spec.size():,} scenarios; the limit is {MAX_SCENARIOS:,}")
    return spec


def _range(spec: dict[str, Any], line: int | None, where: str) -> list[Any]:
    def bad(msg: str) -> DataError:
        return DataError(msg, file=where, line=line)

    try:
        start, stop = spec["from"], spec["to"]
        step = spec.get("step", 1)
    except KeyError as exc:
        raise bad(f"a range needs 'from' and 'to' (missing {exc.args[0]!r})") from None
    nums = (start, stop, step)
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in nums) or step <= 0 or stop < start:
        raise bad("a range needs numbers with from <= to and a positive step")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_SCENARIOS:
        raise bad(f"the range has {count:,} values; the limit is {MAX_SCENARIOS:,}")
    ints = all(isinstance(x, int) for x in nums)
    return [start + i * step if ints else round(start + i * step, 10) for i in range(count)]


@dataclass
class SweepRow:
    index: int
    profile: str
    scenario: str
    set: dict[str, Any]
    results: dict[str, tuple[str, str | None]]  # rule -> (status, confidence)

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "profile": self.profile, "scenario": self.scenario, "set": self.set,
            "fired": [r for r, (s, _) in self.results.items() if s == Status.FIRED.value],
            "results": {r: {"status": s, "confidence": c} for r, (s, c) in self.results.items()},
        }


def _signature(kb: KnowledgeBase, changes: Mapping[str, Answer | None]) -> tuple[Any, ...]:
    """What the rules can see of a set of changes: each comparison's truth, not the raw value.

    Two scenarios with the same signature get the same statuses and confidences (the
    answers' evidence grade is fixed for sweep values), so one assessment serves both.
    """
    out: list[Any] = []
    for ind in sorted(changes):
        a = changes[ind]
        if a is None or a.unknown or a.value is None:
            out.append((ind, "unset" if a is None else "unknown"))
        else:
            tests = kb.logic.comparisons.get(ind)
            out.append((ind, kb.logic.truth(ind, a.value) if tests else repr(a.value), a.evidence))
    return tuple(out)


class SweepRunner:
    """Assess each scenario, reusing results for scenarios the rules cannot tell apart.

    Each profile is assessed once in full; a scenario then re-decides and re-explains only
    the rules its changed answers can reach (`Assessor.update`), so a row costs a fraction
    of a fresh assessment and memory stays flat however long the sweep.
    """

    def __init__(self, assessor: Assessor, rules: Sequence[str] | None = None,
                 cache: bool = True, cache_size: int = 50_000) -> None:
        self.assessor = assessor
        self.rules = list(rules) if rules is not None else [r.id for r in assessor.kb.diagnoses()]
        self.cache_on = cache
        self.cache_size = cache_size
        self._cache: dict[tuple[Any, ...], tuple[tuple[str, str | None], ...]] = {}
        # Keys and rows repeat their parts across scenarios: one copy of each keeps the
        # cache small (a 10,000-scenario sweep holds 10,000 entries).
        self._shared: dict[Any, Any] = {}
        self._last: dict[str, tuple[Profile, AssessmentState]] = {}  # profile label -> (base, last state)
        self.assessed = 0  # scenarios decided (not served from the cache)

    def _decide(self, label: str, base: Profile, changes: Mapping[str, Answer | None]) -> AssessmentState:
        """The scenario's state, reached from the previous scenario of the same profile (grid
        points next to each other differ in one answer, so little needs re-deciding)."""
        hit = self._last.get(label)
        if hit is None or hit[0] is not base:
            hit = (base, self.assessor.state(base, file=label))
        state = self.assessor.reassess(hit[1], base.with_answers(dict(changes)), explain=False)
        self._last[label] = (base, state)
        return state

    def row(self, index: int, label: str, base: Profile, scenario: str,
            changes: Mapping[str, Answer | None]) -> SweepRow:
        share = self._shared.setdefault
        key = (label, tuple(share(p, p) for p in _signature(self.assessor.kb, changes))) if self.cache_on else None
        cells = self._cache.get(key) if key is not None else None
        if cells is None:
            for ind in changes:
                if ind not in self.assessor.kb.indicators:
                    raise DataError(_("unknown indicator {id}").format(id=repr(ind))
                                    + did_you_mean(ind, self.assessor.kb.indicators))
            state = self._decide(label, base, changes)
            self.assessed += 1
            cells = tuple((state.findings[r].status.value, state.findings[r].confidence) for r in self.rules)
            if key is not None:
                cells = share(cells, cells)
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()  # bounded memory on huge sweeps
                    self._shared.clear()
                self._cache[key] = cells
        shown = {k: ("unset" if a is None else "unknown" if a.unknown else jsonable(a.value))
                 for k, a in changes.items()}
        return SweepRow(index, label, scenario, shown, dict(zip(self.rules, cells, strict=True)))

    def run(self, spec: SweepSpec, profiles: Mapping[str, Profile]) -> Iterator[SweepRow]:
        index = 0
        for label in spec.profiles:
            base = profiles[label]
            for name, changes in spec.points():
                yield self.row(index, label, base, name, changes)
                index += 1


class RowWriter:
    """Streams sweep rows as JSON Lines or CSV, one row at a time."""

    def __init__(self, stream: io.TextIOBase | Any, fmt: str, rules: Sequence[str],
                 set_keys: Sequence[str]) -> None:
        if fmt not in ("jsonl", "csv"):
            raise DataError(_("unknown output format {format}: use jsonl or csv").format(format=repr(fmt)))
        self.stream = stream
        self.fmt = fmt
        self.rules = list(rules)
        self.set_keys = list(set_keys)
        self._csv: Any = None
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            header = ["index", "profile", "scenario", *(f"set:{k}" for k in self.set_keys)]
            for r in self.rules:
                header += [r, f"{r}:confidence"]
            self._csv.writerow([spreadsheet_text(c) for c in header])

    def write(self, row: SweepRow) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
            return
        cells: list[Any] = [row.index, row.profile, row.scenario]
        for k in self.set_keys:
            v = row.set.get(k, "")
            cells.append(";".join(v) if isinstance(v, list) else format_value(v, "rule") if v != "" else "")
        for r in self.rules:
            s, c = row.results[r]
            cells += [s, c or ""]
        self._csv.writerow([spreadsheet_text(c) for c in cells])


def output_format(path: Path | None, fmt: str | None) -> str:
    """jsonl or csv, from --format or else from the file's suffix."""
    if fmt:
        if fmt not in ("jsonl", "csv"):
            raise DataError(_("unknown output format {format}: use jsonl or csv").format(format=repr(fmt)))
        return fmt
    if path is None:
        return "jsonl"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise DataError(_("cannot tell the format of {name}: name it .jsonl or .csv, or pass --format")
                    .format(name=repr(path.name)))


def spec_set_keys(spec: SweepSpec) -> list[str]:
    keys: list[str] = []
    for sc in spec.scenarios:
        keys += [k for k in sc.changes if k not in keys]
    return keys + [k for k in spec.grid if k not in keys]


def spec_profile_path(spec: SweepSpec, ref: str) -> str:
    """A profile reference as written, resolved against the spec's folder when it is a file."""
    candidate = spec.folder / ref
    if Path(ref).suffix.lower() in (".yaml", ".yml", ".json") and not Path(ref).is_absolute():
        return str(candidate)
    return ref
