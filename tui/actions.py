"""Every action of the TUI, once: the footer bindings, the help page and the command palette
are all generated from these tables (harlequin's actions.py, dolphie's CommandManager).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from diagnostics.i18n import N_, _


@dataclass(frozen=True)
class Act:
    id: str  # binding id: users may remap keys by id (App.set_keymap)
    keys: str  # Textual key names, comma-separated
    action: str  # the action method on the screen (or "app.x")
    label: str  # short footer text
    help: str  # one line for the help page and the command palette
    show: bool = True
    priority: bool = False  # also works while typing in a field

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show, priority=self.priority,
                       id=self.id, tooltip=self.help)

    @property
    def key_display(self) -> str:
        names = {"pagedown": "PgDn", "pageup": "PgUp", "escape": "Esc", "question_mark": "?",
                 "delete": "Del", "enter": "Enter"}
        out = []
        for k in self.keys.split(","):
            if k.startswith("ctrl+"):
                out.append("Ctrl+" + k[5:].upper())
            elif k.startswith("f") and k[1:].isdigit():
                out.append(k.upper())
            else:
                out.append(names.get(k, k))
        return " / ".join(out)


APP_ACTS = (
    Act("app.help", "f1", "app.help", N_("Help"), N_("Show the keys and how answers are saved"), priority=True),
    Act("app.language", "ctrl+l", "app.switch_language", N_("Language"),
        N_("Switch the language of the interface and the knowledge texts"), show=False, priority=True),
    Act("app.quit", "ctrl+q", "app.quit", N_("Quit"), N_("Quit; every recorded answer is already saved"),
        show=False, priority=True),
)

START_ACTS = (
    Act("start.prefill", "p", "prefill", N_("From profile"),
        N_("New assessment pre-filled from the chosen country's profile")),
    Act("start.blank", "b", "blank", N_("Blank"), N_("New blank assessment for the chosen country")),
    Act("start.resume", "r", "resume", N_("Resume"), N_("Reopen the most recent assessment where you left it")),
    Act("start.open", "o", "open_file", N_("Open file"), N_("Open an assessment file or import a profile file")),
    Act("start.forget", "delete", "forget", N_("Forget"), N_("Remove the highlighted entry from the recent list"),
        show=False),
)

WORKSPACE_ACTS = (
    Act("assess.next", "ctrl+n", "next_suggested", N_("Next"), N_("Go to the suggested next question"),
        priority=True),
    Act("assess.forward", "pagedown", "step(1)", N_("Next Q"), N_("Go to the following question"),
        show=False, priority=True),
    Act("assess.back", "pageup", "step(-1)", N_("Prev Q"), N_("Go to the previous question"),
        show=False, priority=True),
    Act("assess.record", "ctrl+s", "record", N_("Record"), N_("Record what the answer field shows now"),
        priority=True),
    Act("assess.leave", "escape", "leave_field", N_("Leave field"), N_("Leave the text field so letter keys work"),
        show=False),
    Act("assess.unknown", "u", "toggle_unknown", N_("Unknown"), N_("Mark the question unknown (or undo that)"),
        show=False),
    Act("assess.why", "y", "why", N_("Why?"), N_("Show why this question is asked"), show=False),
    Act("assess.questions", "g", "focus_navigator", N_("Questions"), N_("Go to the question navigator"),
        show=False),
    Act("assess.answer", "a", "focus_answer", N_("Answer"), N_("Go to the answer field"), show=False),
    Act("assess.findings", "f", "focus_findings", N_("Findings"), N_("Go to the findings panel"), show=False),
    Act("assess.explain", "o", "explain", N_("Explain"), N_("Explain the highlighted finding"), show=False),
    Act("assess.whatif", "f2,w", "whatif", N_("What-if"), N_("Start or leave what-if mode (answers not saved)")),
    Act("assess.diff", "d", "diff", N_("Diff"), N_("Show what the what-if changes do"), show=False),
    Act("assess.keep", "k", "keep_whatif", N_("Keep what-if"),
        N_("Save the what-if answers as the real answers"), show=False),
    Act("assess.compare", "f3,c", "compare", N_("Compare"), N_("Compare with another country")),
    Act("assess.sensitivity", "f4,s", "sensitivity", N_("Sensitivity"),
        N_("Which answers would change the highlighted finding"), show=False),
    Act("assess.brief", "f5,b", "brief", N_("Brief"), N_("Preview and export the policy brief")),
    Act("assess.export", "e", "export", N_("Export"),
        N_("Export the answers as a profile, or the questionnaire as a spreadsheet (.xlsx/.csv)"), show=False),
    Act("assess.import", "i", "import_sheet", N_("Import sheet"),
        N_("Import a filled-in questionnaire (.xlsx/.csv): the changes are shown before anything is replaced"),
        show=False),
    Act("assess.close", "x", "close", N_("Close"), N_("Close this assessment and return to the start screen"),
        show=False),
)

FINDING_ACTS = (
    Act("finding.close", "escape", "close", N_("Back"), N_("Back to the workspace")),
    Act("finding.sensitivity", "s", "sensitivity", N_("Sensitivity"),
        N_("Which single answers would change this finding")),
    Act("finding.ask", "a", "ask", N_("Answer missing"), N_("Go to the first question that would decide it")),
)

MODAL_ACTS = (
    Act("modal.close", "escape", "close", N_("Back"), N_("Close this window")),
)

BRIEF_ACTS = (
    Act("brief.close", "escape", "close", N_("Back"), N_("Back to the workspace")),
    Act("brief.export", "x", "export", N_("Export"), N_("Write the brief to files (Markdown, and HTML if available)")),
)

DIFF_ACTS = (
    Act("diff.close", "escape", "close", N_("Back"), N_("Back to the workspace")),
    Act("diff.keep", "k", "keep", N_("Keep"), N_("Save the what-if answers as the real answers")),
)


# Texts of bindings Textual adds itself (the command palette's), so translate_bindings finds them.
TEXTUAL_TEXTS = (N_("palette"), N_("Open the command palette"))


def bindings(*groups: tuple[Act, ...]) -> list[BindingType]:
    return [a.binding() for g in groups for a in g]


HELP_SECTIONS = (
    (N_("Assessment"), WORKSPACE_ACTS),
    (N_("Everywhere"), APP_ACTS),
    (N_("Start screen"), START_ACTS),
    (N_("A finding's explanation"), FINDING_ACTS),
    (N_("Brief preview"), BRIEF_ACTS),
    (N_("What-if differences"), DIFF_ACTS),
)


def help_rows(acts: tuple[Act, ...]) -> list[tuple[str, str, str]]:
    return [(a.key_display, _(a.label), _(a.help)) for a in acts]


def translate_bindings(node: DOMNode) -> None:
    """Show a screen's footer labels and tooltips in the current language (the tables stay English)."""
    keys = node._bindings.key_to_bindings
    for key, items in keys.items():
        keys[key] = [replace(b, description=_(b.description) if b.description else b.description,
                             tooltip=_(b.tooltip) if b.tooltip else b.tooltip) for b in items]
