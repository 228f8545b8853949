"""The questionnaire as a spreadsheet (XLSX or CSV), both ways.

Export: one row per question with its help, where to look for the evidence, the answers it
takes, and the current answer with its source, evidence grade, year and note, for colleagues
to fill in offline. Import: every row is checked (a bad cell is reported with its row and
column, and nothing is taken until all rows are good); `changes_against` then lists what
would change, so the caller can show a diff before anything is replaced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answers import format_value, parse_text, parse_year, range_text
from .errors import DataError
from .i18n import _, format_number, ngettext
from .kb import KnowledgeBase
from .knowledge import IndicatorType
from .profile import Answer, AnswerError, EvidenceGrade, Profile
from .profileio import Draft
from .questions import question_order, scale_ends
from .safeio import atomic_write, formula_like, read_bytes, spreadsheet_text

COLUMNS = ("id", "topic", "question", "help", "where to look", "answers taken", "unit", "answer",
           "unknown", "source", "url", "evidence", "year", "note")
EDITABLE = ("answer", "unknown", "source", "url", "evidence", "year", "note")
# The answer fields the sheet carries; a difference elsewhere is no change.
_SHEET_FIELDS = ("value", "unknown", "source", "url", "evidence", "as_of", "note")
SHEET = "Questionnaire"
MAX_ROWS = 5000
MAX_WORKBOOK_BYTES = 20_000_000  # the file as stored
MAX_UNPACKED_BYTES = 200_000_000  # its parts once unzipped: a zip bomb is refused before parsing

def _options(kb: KnowledgeBase, ind: str) -> str:
    spec = kb.indicators[ind]
    t = spec.type
    if t == IndicatorType.BOOL:
        return "yes or no"
    if t == IndicatorType.ENUM:
        return "one of: " + ", ".join(spec.values)
    if t == IndicatorType.SET:
        return "any of (comma-separated): " + ", ".join(spec.values)
    if t == IndicatorType.SCALE:
        ends = scale_ends(spec)
        return "1 to 5" + (f" (1 = {ends[0]}, 5 = {ends[1]})" if ends else "")
    if t == IndicatorType.YEAR:
        return "a year"
    if t == IndicatorType.TEXT:
        return "text"
    r = range_text(spec)
    kind = {IndicatorType.SHARE: "a share 0–1 (35% is read as 0.35)",
            IndicatorType.RANK_FRAC: "rank ÷ number ranked, 0–1"}.get(t, "a number")
    return kind + (f", range {r}" if r and t == IndicatorType.NUMBER else "")


def questionnaire_rows(kb: KnowledgeBase, profile: Profile,
                       drafts: Mapping[str, Draft] | None = None) -> list[dict[str, str]]:
    """One row per question in navigator order; cells are text as an analyst would type them."""
    rows = []
    for ind in question_order(kb):
        spec = kb.indicators[ind]
        a = profile.answers.get(ind)
        meta: Answer | Draft | None = a if a is not None else (drafts or {}).get(ind)
        rows.append({
            "id": ind, "topic": spec.topic, "question": spec.question, "help": spec.help,
            "where to look": "; ".join(spec.sources),
            "answers taken": _options(kb, ind), "unit": spec.unit or "",
            "answer": format_value(a.value) if a is not None and a.known else "",
            "unknown": "yes" if a is not None and a.unknown else "",
            "source": meta.source if meta else "",
            "url": a.url if a is not None else "",
            "evidence": meta.evidence.value if meta and meta.evidence else "",
            "year": str(meta.as_of) if meta and meta.as_of else "",
            "note": meta.note if meta else "",
        })
    return rows


def write_questionnaire(path: Path, rows: list[dict[str, str]], title: str = "") -> Path:
    """Write rows as .xlsx or .csv (by the file's extension)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        # A leading apostrophe makes a spreadsheet show the text instead of running it;
        # reading the file back removes it again (_cell).
        writer.writerows({c: spreadsheet_text(v) for c, v in row.items()} for row in rows)
        atomic_write(path, buf.getvalue().encode("utf-8-sig"))  # the BOM lets Excel see UTF-8
        return path
    if suffix != ".xlsx":
        raise DataError(_("a questionnaire is written as .xlsx or .csv"), file=path)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append([row[c] for c in COLUMNS])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and formula_like(cell.value):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
    widths = {"id": 28, "topic": 18, "question": 60, "help": 50, "where to look": 40, "answers taken": 30, "unit": 10,
              "answer": 16, "unknown": 9, "source": 30, "url": 30, "evidence": 16, "year": 7, "note": 40}
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col, name in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=col).column_letter
        ws.column_dimensions[letter].width = widths[name]
        ws.cell(row=1, column=col).font = Font(bold=True)
        for r in range(2, len(rows) + 2):
            cell = ws.cell(row=r, column=col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name in EDITABLE:
                cell.fill = fill  # the cells to fill in
    ws.freeze_panes = "D2"
    if title:
        wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    atomic_write(path, out.getvalue())
    return path


def read_questionnaire(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number as the spreadsheet shows it, cells by column name), header checked."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DataError(_("a questionnaire is read from .xlsx or .csv"), file=path)
    data = read_bytes(path, limit=MAX_WORKBOOK_BYTES)  # the guarded reader: regular files only
    table: list[list[Any]]
    if suffix == ".csv":
        text = data.decode("utf-8-sig", errors="replace")
        table = [list(r) for r in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        import zipfile

        from openpyxl import load_workbook

        try:
            unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise DataError(_("not a readable .xlsx workbook (not a zip archive)"), file=path) from None
        if unpacked > MAX_UNPACKED_BYTES:
            raise DataError(_("the workbook unpacks to {size} bytes; the limit is {limit}").format(
                size=format_number(unpacked), limit=format_number(MAX_UNPACKED_BYTES)), file=path)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise DataError(_("not a readable .xlsx workbook ({error})").format(error=type(exc).__name__),
                            file=path) from None
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        table = [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
        wb.close()
    else:
        raise DataError(_("a questionnaire is read from .xlsx or .csv"), file=path)
    if not table:
        raise DataError(_("the sheet is empty"), file=path)
    header = [str(c).strip().lower() if c is not None else "" for c in table[0]]
    missing = [c for c in ("id", *EDITABLE) if c not in header and c != "url"]
    if missing:
        lacks = ngettext("the first row lacks the column(s) {columns}", "the first row lacks the column(s) {columns}",
                         len(missing))
        raise DataError(lacks.format(columns=", ".join(missing)), file=path, line=1)
    out = []
    for n, raw in enumerate(table[1:], start=2):
        cells = {name: _cell(raw[i]) if i < len(raw) else "" for i, name in enumerate(header) if name}
        if any(cells.get(c) for c in ("id", *EDITABLE)):
            out.append((n, cells))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and formula_like(text[1:]):
        return text[1:]  # the apostrophe the export put before a formula-like text
    return text


@dataclass(frozen=True)
class Imported:
    answers: dict[str, Answer | None]  # every row: its answer, or None for a row without one
    drafts: dict[str, Draft]  # evidence on rows without an answer


def parse_questionnaire(kb: KnowledgeBase, path: Path) -> Imported:
    """Check every row; one DataError listing each bad cell (row and column) if any is wrong."""
    problems: list[str] = []
    answers: dict[str, Answer | None] = {}
    drafts: dict[str, Draft] = {}
    seen: dict[str, int] = {}
    for row, cells in read_questionnaire(path):
        ind = cells.get("id", "")
        before = len(problems)

        def bad(column: str, message: str, row: int = row) -> None:
            problems.append(_("row {row}, column {column}: {problem}").format(row=row, column=column, problem=message))

        if ind not in kb.indicators:
            bad("id", _("no question has the id {id}").format(id=repr(ind)) if ind else _("the id is empty"))
            continue
        if ind in seen:
            bad("id", _("{id} is also on row {row}").format(id=ind, row=seen[ind]))
            continue
        seen[ind] = row
        spec = kb.indicators[ind]
        meta: dict[str, Any] = {"source": cells.get("source", ""), "note": cells.get("note", "")}
        grade = cells.get("evidence", "").strip().lower().replace(" ", "_")
        if grade:
            try:
                meta["evidence"] = EvidenceGrade(grade)
            except ValueError:
                bad("evidence", _("{value} is not one of {choices}").format(
                    value=repr(grade), choices=", ".join(g.value for g in EvidenceGrade)))
        try:
            meta["as_of"] = parse_year(cells.get("year", ""))
        except AnswerError as exc:
            bad("year", str(exc))
        unknown_cell = cells.get("unknown", "").strip().lower()
        if unknown_cell not in ("", "yes", "no", "true", "false", "y", "n", "x", "1", "0"):
            bad("unknown", _("write yes, or leave it empty"))
        unknown = unknown_cell in ("yes", "true", "y", "x", "1")
        text = cells.get("answer", "")
        if unknown and text:
            bad("answer", _("a question with an answer cannot also be unknown"))
            continue
        value = None
        if text:
            try:
                value = parse_text(spec, text)
            except AnswerError as exc:
                bad("answer", str(exc))
                continue
        if len(problems) > before:  # a bad cell on this row: the row is not imported
            continue
        url = cells.get("url", "")
        if unknown:
            answers[ind] = Answer(unknown=True, url=url, **meta)
        elif value is not None:
            answers[ind] = Answer(value=value, url=url, **meta)
        else:
            answers[ind] = None
            draft = Draft(**meta)
            if not draft.empty:
                drafts[ind] = draft
    if problems:
        more = len(problems) - 20
        shown = problems[:20] + ([_("… and {n} more").format(n=more)] if more > 0 else [])
        head = ngettext("{n} cell(s) to fix; nothing was imported:", "{n} cell(s) to fix; nothing was imported:",
                        len(problems)).format(n=len(problems))
        raise DataError(head + "\n  " + "\n  ".join(shown), file=path)
    return Imported(answers, drafts)


@dataclass(frozen=True)
class RowChange:
    indicator: str
    before: str
    after: str


def answer_text(kb: KnowledgeBase, ind: str, a: Answer | None) -> str:
    """An answer with its evidence on one line, for the diff."""
    if a is None:
        return "not answered"
    spec = kb.indicators.get(ind)
    head = "unknown" if a.unknown else format_value(a.value) + (f" {spec.unit}" if spec and spec.unit else "")
    bits = [b for b in (a.source, a.evidence.value.replace("_", " ") if a.evidence else "",
                        str(a.as_of) if a.as_of else "", a.note) if b]
    return head + (f" ({'; '.join(bits)})" if bits else "")


def changes_against(kb: KnowledgeBase, profile: Profile, imported: Imported,
                    order: Iterable[str] = ()) -> list[RowChange]:
    """Rows whose answer or evidence differs from `profile`: what importing would replace."""
    rank = {q: i for i, q in enumerate(order or question_order(kb))}
    out = []
    for ind in sorted(imported.answers, key=lambda k: (rank.get(k, len(rank)), k)):
        new, old = imported.answers[ind], profile.answers.get(ind)
        if _same(new, old):
            continue
        out.append(RowChange(ind, answer_text(kb, ind, old), answer_text(kb, ind, new)))
    return out


def _same(a: Answer | None, b: Answer | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(getattr(a, f) == getattr(b, f) for f in _SHEET_FIELDS)
