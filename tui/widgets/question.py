"""The question pane: one question, the input that fits its type, evidence fields, why asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    Collapsible,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
    Switch,
)

from diagnostics.answers import format_value, parse_text, parse_year, range_text
from diagnostics.i18n import N_, _, unit_text, value_label
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Indicator, IndicatorType
from diagnostics.profile import (
    MAX_NOTE_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TEXT_ANSWER_CHARS,
    Answer,
    AnswerError,
    EvidenceGrade,
)
from diagnostics.profileio import Draft
from diagnostics.questions import scale_ends

from .field import AnswerValidator, Field, YearValidator

SCALE_KEYS = N_("type a digit 1–5 to answer")
# Evidence grades as the Select shows them (the stored values stay English ids).
EVIDENCE_WORDS = (N_("documented"), N_("survey"), N_("interview"), N_("expert judgement"), N_("secondary"))

# The commit callback: (indicator id, answer or None to clear) -> error text, or None if stored.
Commit = Callable[[str, Answer | None], str | None]
# The draft callback: evidence typed on a question without a value -> error text or None.
KeepDraft = Callable[[str, Draft], str | None]


class ScaleSet(RadioSet):
    """A RadioSet whose keyboard cursor starts on the recorded value, not on "1"."""

    def on_mount(self) -> None:
        self.call_after_refresh(self._to_pressed)  # after RadioSet's own mount put it on "1"

    def _to_pressed(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index  # RadioSet keeps its cursor in `_selected`


class QuestionPane(VerticalScroll):
    """One question with the input that fits its type, its evidence fields and "why asked".

    The pane is built once; moving to another question swaps only the value input and
    refills the rest, so navigation stays quick on a 120-question catalogue.
    """

    can_focus = False

    def __init__(self, kb: KnowledgeBase, commit: Commit, keep_draft: KeepDraft, **kw: Any) -> None:
        super().__init__(**kw)
        self.kb = kb
        self.commit = commit
        self.keep_draft = keep_draft
        self.draft: Draft | None = None  # evidence kept for a question without a value
        self.indicator: str | None = None
        self.answer: Answer | None = None
        self._value: Widget | None = None  # the value input (with its label) of the question on screen
        self._input: Widget | None = None  # the input itself, known before it is mounted
        self._baseline: Any = None  # what the value input shows: events equal to it are echoes
        self.error = ""  # the inline message under the input
        self.why = ""  # "why is this asked?" as Markdown

    def compose(self) -> ComposeResult:
        # The answer and its evidence come first, so they fit on an 80x24 terminal; the help
        # and "why asked" follow below.
        yield Static("", id="q-position")
        yield Static("", id="q-plan")
        yield Static("", id="q-text")
        yield Vertical(id="q-value-box")
        yield Static("", id="q-hint")
        yield Static("", id="q-error")
        yield Static("", id="q-state")
        yield Checkbox(_("Unknown: looked, found nothing"), id="q-unknown", compact=True)
        yield Horizontal(Label(_("Source"), classes="field-label"),
                         Field(placeholder=_("document, survey, person…"), id="q-source", compact=True,
                               max_length=MAX_SOURCE_CHARS),
                         classes="field-row")
        yield Horizontal(Label(_("Note"), classes="field-label"),
                         Field(placeholder=_("what the figure means, doubts…"), id="q-note", compact=True,
                               max_length=MAX_NOTE_CHARS),
                         classes="field-row")
        yield Horizontal(Label(_("Evidence"), classes="field-label"),
                         Select([(_(g.value.replace("_", " ")), g.value) for g in EvidenceGrade],
                                prompt=_("grade…"), id="q-evidence", compact=True),
                         classes="field-row")
        yield Horizontal(Label(_("As of"), classes="field-label"),
                         Field(placeholder=_("year"), validators=[YearValidator()], id="q-asof", compact=True),
                         classes="field-row")
        yield Static("", id="q-help")
        with Collapsible(title=_("Why is this asked?"), collapsed=True, id="q-why"):
            yield Static("", id="q-why-text")

    # -- showing a question ----------------------------------------------------------
    def show(self, indicator: str, answer: Answer | None, position: str, why: str,
             draft: Draft | None = None) -> None:
        self.indicator = indicator
        self.answer = answer
        self.draft = draft
        spec = self.spec
        a: Answer | Draft | None = answer if answer is not None else draft
        self.query_one("#q-position", Static).update(position)
        self.query_one("#q-text", Static).update(Text(spec.question))
        help_box = self.query_one("#q-help", Static)
        help_box.update(Text(spec.help))
        help_box.display = bool(spec.help)
        hint = self._hint()
        hint_box = self.query_one("#q-hint", Static)
        hint_box.update(hint)
        hint_box.display = bool(hint)
        self._error("")
        self.query_one("#q-state", Static).update(self._state_text())
        self.why = why
        if not self.query_one("#q-why", Collapsible).collapsed:
            self._show_why()
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            self.query_one("#q-unknown", Checkbox).value = answer is not None and answer.unknown
            self.query_one("#q-source", Input).value = a.source if a else ""
            evidence = self.query_one("#q-evidence", Select)
            evidence.value = a.evidence.value if a is not None and a.evidence else Select.NULL
            self.query_one("#q-asof", Input).value = str(a.as_of) if a and a.as_of else ""
            self.query_one("#q-note", Input).value = a.note if a else ""
        box = self.query_one("#q-value-box", Vertical)
        box.remove_children()
        self._input = None
        self._value = self._value_widget(answer is not None and answer.known)
        if self._input is None:
            self._input = self._value
        box.mount(self._value)
        self.scroll_home(animate=False)

    @on(Collapsible.Expanded, "#q-why")
    def _show_why(self) -> None:
        # Laid out only when the reader opens it: rich's Markdown (markdown-it, pygments) is
        # imported and the text parsed then, not on the way to the first findings.
        from rich.markdown import Markdown

        self.query_one("#q-why-text", Static).update(Markdown(self.why))

    def set_note(self, text: str, *, skipped: bool = False) -> None:
        """The planner's word on the question on screen: why it is next, or why it is skipped."""
        box = self.query_one("#q-plan", Static)
        box.update(Text(text, style="yellow" if skipped else "cyan"))
        box.display = bool(text)

    def takes_text(self) -> bool:
        """True when the answer is typed (a number, year or text field)."""
        return isinstance(self._input, Input)

    def choose_scale(self, n: int) -> bool:
        """Answer the scale on screen with `n` (the digit keys); False if it is not a scale."""
        if self.indicator is None or self.spec.type != IndicatorType.SCALE or not isinstance(self._input, RadioSet):
            return False
        buttons = list(self._input.query(RadioButton))
        buttons[n - 1].value = True  # RadioSet.Changed follows and records it (see _scale)
        self._input._selected = n - 1  # move the keyboard cursor along
        return True

    @property
    def spec(self) -> Indicator:
        assert self.indicator is not None
        return self.kb.indicators[self.indicator]

    def _value_widget(self, known: bool) -> Widget:
        spec, a = self.spec, self.answer
        value = a.value if a is not None and known else None
        t = spec.type
        if t == IndicatorType.BOOL:
            self._baseline = value if known else False
            self._input = Switch(bool(value))
            return Horizontal(self._input, Label(" " + (_("yes") if value else _("no")), classes="switch-label"),
                              classes="q-bool")
        if t == IndicatorType.SCALE:
            self._baseline = value
            buttons = [RadioButton(str(n), value=(value == n)) for n in range(1, 6)]
            return ScaleSet(*buttons, classes="q-scale", compact=True)
        if t == IndicatorType.ENUM:
            self._baseline = value if known else Select.NULL
            return Select([(value_label(spec, v), v) for v in spec.values],
                          value=value if known else Select.NULL, prompt=_("choose…"), compact=True)
        if t == IndicatorType.SET:
            chosen = set(value) if isinstance(value, tuple) else set()
            self._baseline = tuple(chosen) if known else None
            return SelectionList[str](*[(value_label(spec, v), v, v in chosen) for v in spec.values],
                                      classes="q-set", compact=True)
        self._baseline = format_value(value) if known else ""
        placeholder = {IndicatorType.YEAR: _("year, e.g. 2015"), IndicatorType.TEXT: _("text")}.get(
            t, _("number in {unit}").format(unit=unit_text(spec.unit)) if spec.unit else _("number"))
        return Field(self._baseline, placeholder=placeholder, validators=[AnswerValidator(spec)],
                     validate_on=["changed", "submitted", "blur"], classes="q-input", compact=True,
                     max_length=MAX_TEXT_ANSWER_CHARS)

    def value_input(self) -> Widget | None:
        """The widget that takes the answer itself (Switch, RadioSet, Select, SelectionList, Input)."""
        return self._input

    def _is_value(self, event: Message) -> bool:
        """True for events from the question on screen, not from an input being removed."""
        control = getattr(event, "control", None)
        return control is not None and control is self.value_input()

    def _hint(self) -> str:
        spec = self.spec
        if spec.type == IndicatorType.SCALE:
            ends = scale_ends(spec)
            labels = f"1 = {ends[0]} · 5 = {ends[1]} · " if ends else ""
            return labels + _(SCALE_KEYS)
        if spec.type == IndicatorType.SET:
            return _("Space toggles an option; Ctrl+S records the selection, even if empty")
        if spec.type == IndicatorType.BOOL:
            return _("Space toggles; Ctrl+S records the switch as shown")
        bits = []
        if spec.unit:
            bits.append(_("unit: {unit}").format(unit=unit_text(spec.unit)))
        if spec.type in (IndicatorType.NUMBER, IndicatorType.SHARE, IndicatorType.RANK_FRAC,
                         IndicatorType.YEAR):
            r = range_text(spec)
            if r:
                bits.append(_("range {range}").format(range=r))
        if spec.type == IndicatorType.SHARE:
            bits.append(_("35%% is read as 0.35").replace("%%", "%"))  # %%: a literal % in the catalog
        if spec.type == IndicatorType.RANK_FRAC:
            bits.append(_("rank ÷ number ranked; 1 = worst"))
        return " · ".join(bits)

    def _state_text(self) -> Text:
        a = self.answer
        if a is None:
            return Text(_("Not answered yet"), style="dim")
        if a.unknown:
            return Text(_("Recorded as unknown"), style="yellow")
        # The unit agrees with the number recorded ("61 орган", "5 органов").
        count = a.value if isinstance(a.value, (int, float)) and not isinstance(a.value, bool) else None
        unit = f" {unit_text(self.spec.unit, count)}" if self.spec.unit else ""
        return Text.assemble((_("Recorded: "), "green"), format_value(a.value) + unit)

    def focus_value(self) -> None:
        w = self.value_input()
        if w is not None:
            w.focus()

    # -- reading the widgets ----------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        ev = self.query_one("#q-evidence", Select).value
        return {
            "source": self.query_one("#q-source", Input).value.strip(),
            "evidence": EvidenceGrade(ev) if isinstance(ev, str) else None,
            "as_of": parse_year(self.query_one("#q-asof", Input).value),
            "note": self.query_one("#q-note", Input).value.strip(),
        }

    def _widget_value(self) -> Any:
        """The value the input shows, parsed; None when nothing is entered."""
        w = self.value_input()
        if isinstance(w, Switch):
            return w.value
        if isinstance(w, RadioSet):
            return (w.pressed_index + 1) if w.pressed_index >= 0 else None
        if isinstance(w, Select):
            return w.value if isinstance(w.value, str) else None
        if isinstance(w, SelectionList):
            return tuple(w.selected)
        assert isinstance(w, Input)
        return parse_text(self.spec, w.value) if w.value.strip() else None

    def _error(self, message: str) -> None:
        self.error = message
        box = self.query_one("#q-error", Static)
        box.update(Text(message, style="bold red"))
        box.display = bool(message)

    def _store(self, answer: Answer | None) -> bool:
        assert self.indicator is not None
        err = self.commit(self.indicator, answer)
        if err:
            self._error(err)
            return False
        self._error("")
        old, self.answer = self.answer, answer
        if answer is None and old is not None:  # the session keeps the evidence as a draft
            kept = Draft(source=old.source, evidence=old.evidence, as_of=old.as_of, note=old.note)
            self.draft = None if kept.empty else kept
        elif answer is not None:
            self.draft = None
        self.query_one("#q-state", Static).update(self._state_text())
        unknown = self.query_one("#q-unknown", Checkbox)
        want = answer is not None and answer.unknown
        if unknown.value != want:
            with self.prevent(Checkbox.Changed):
                unknown.value = want
        return True

    def record_value(self, value: Any) -> bool:
        """Store a value with the evidence fields; False (and an inline message) if it does not fit."""
        try:
            meta = self._meta()
        except AnswerError as exc:
            self._error(str(exc))
            return False
        ok = self._store(Answer(value=value, **meta))
        if ok:
            self._baseline = format_value(value) if isinstance(self.value_input(), Input) else value
        return ok

    def record(self) -> bool:
        """Ctrl+S: store whatever the input shows now."""
        try:
            value = self._widget_value()
        except AnswerError as exc:
            self._error(str(exc))
            return False
        if value is None:
            self._error(_("nothing to record: enter a value or mark the question unknown"))
            return False
        return self.record_value(value)

    def flush(self) -> str | None:
        """Before leaving the question: store typed text that was not yet recorded."""
        if self.indicator is None:
            return None
        w = self.value_input()
        if isinstance(w, Input) and w.value.strip() and w.value.strip() != str(self._baseline).strip():
            try:
                value = parse_text(self.spec, w.value)
            except AnswerError as exc:
                return _("not saved: {error}").format(error=exc)
            if not self.record_value(value):
                return _("not saved")
            return None
        return self._flush_meta()

    def _flush_meta(self) -> str | None:
        a = self.answer
        try:
            meta = self._meta()
        except AnswerError as exc:
            return _("not saved: {error}").format(error=exc)
        if a is None:
            assert self.indicator is not None
            draft = Draft(**meta)
            if draft == (self.draft or Draft()):
                return None
            err = self.keep_draft(self.indicator, draft)
            if err is None:
                self.draft = None if draft.empty else draft
            return err
        current = {"source": a.source, "evidence": a.evidence, "as_of": a.as_of, "note": a.note}
        if meta != current and not self._store(a.model_copy(update=meta)):
            return _("not saved")
        return None

    # -- events ------------------------------------------------------------------------
    @on(Switch.Changed)
    def _switch(self, event: Switch.Changed) -> None:
        if not self._is_value(event):
            return
        assert self._value is not None
        self._value.query_one(".switch-label", Label).update(" yes" if event.value else " no")
        if event.value != self._baseline:  # equal means an echo of what is already shown
            self.record_value(event.value)

    @on(RadioSet.Changed)
    def _scale(self, event: RadioSet.Changed) -> None:
        if self._is_value(event) and event.index + 1 != self._baseline:
            self.record_value(event.index + 1)

    @on(Select.Changed)
    def _enum(self, event: Select.Changed) -> None:
        if not self._is_value(event) or event.value == self._baseline:
            return
        if isinstance(event.value, str):
            self.record_value(event.value)
        elif self.answer is not None and self.answer.known:
            self._baseline = Select.NULL
            self._store(None)  # choosing the blank entry clears the answer

    @on(SelectionList.SelectionToggled)
    def _set(self, event: SelectionList.SelectionToggled[str]) -> None:
        event.stop()
        if self._is_value(event):
            self.record_value(tuple(event.selection_list.selected))

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        if self._is_value(event) or event.input.id == "q-asof":
            vr = event.validation_result
            self._error("" if vr is None or vr.is_valid else "; ".join(vr.failure_descriptions))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self._is_value(event):
            self._commit_text(event.value)

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        if self._is_value(event) and event.value.strip() != str(self._baseline).strip():
            self._commit_text(event.value)

    def _commit_text(self, text: str) -> None:
        if not text.strip():
            if self.answer is not None and self.answer.known:
                self._baseline = ""
                self._store(None)  # emptying the field clears the answer
            return
        try:
            value = parse_text(self.spec, text)
        except AnswerError as exc:
            self._error(str(exc))
            return
        self.record_value(value)

    @on(Checkbox.Changed, "#q-unknown")
    def _unknown(self, event: Checkbox.Changed) -> None:
        if self.indicator is None:
            return
        if event.value:
            try:
                meta = self._meta()
            except AnswerError as exc:
                self._error(str(exc))
                return
            self._store(Answer(unknown=True, **meta))
        elif self.answer is not None and self.answer.unknown:
            self._store(None)

    @on(Input.Submitted, "#q-source, #q-asof, #q-note")
    @on(Input.Blurred, "#q-source, #q-asof, #q-note")
    @on(Select.Changed, "#q-evidence")
    def _meta_changed(self, event: Message) -> None:
        if self.indicator is None:
            return
        err = self._flush_meta()
        if err:
            self._error(err)
