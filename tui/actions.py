"""Every action of the TUI, once: the footer bindings, the help page and the command palette
are all generated from these tables (harlequin's actions.py, dolphie's CommandManager).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


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
    Act("app.help", "f1", "app.help", "Help", "Show the keys and how answers are saved", priority=True),
    Act("app.quit", "ctrl+q", "app.quit", "Quit", "Quit; every recorded answer is already saved",
        show=False, priority=True),
)

START_ACTS = (
    Act("start.prefill", "p", "prefill", "From profile",
        "New assessment pre-filled from the chosen country's profile"),
    Act("start.blank", "b", "blank", "Blank", "New blank assessment for the chosen country"),
    Act("start.resume", "r", "resume", "Resume", "Reopen the most recent assessment where you left it"),
    Act("start.open", "o", "open_file", "Open file", "Open an assessment file or import a profile file"),
    Act("start.forget", "delete", "forget", "Forget", "Remove the highlighted entry from the recent list",
        show=False),
)

WORKSPACE_ACTS = (
    Act("assess.next", "ctrl+n", "next_suggested", "Next", "Go to the suggested next question",
        priority=True),
    Act("assess.forward", "pagedown", "step(1)", "Next Q", "Go to the following question",
        show=False, priority=True),
    Act("assess.back", "pageup", "step(-1)", "Prev Q", "Go to the previous question",
        show=False, priority=True),
    Act("assess.record", "ctrl+s", "record", "Record", "Record what the answer field shows now",
        priority=True),
    Act("assess.leave", "escape", "leave_field", "Leave field", "Leave the text field so letter keys work",
        show=False),
    Act("assess.unknown", "u", "toggle_unknown", "Unknown", "Mark the question unknown (or undo that)",
        show=False),
    Act("assess.why", "y", "why", "Why?", "Show why this question is asked", show=False),
    Act("assess.questions", "g", "focus_navigator", "Questions", "Go to the question navigator",
        show=False),
    Act("assess.answer", "a", "focus_answer", "Answer", "Go to the answer field", show=False),
    Act("assess.findings", "f", "focus_findings", "Findings", "Go to the findings panel", show=False),
    Act("assess.explain", "o", "explain", "Explain", "Explain the highlighted finding", show=False),
    Act("assess.whatif", "f2,w", "whatif", "What-if", "Start or leave what-if mode (answers not saved)"),
    Act("assess.diff", "d", "diff", "Diff", "Show what the what-if changes do", show=False),
    Act("assess.keep", "k", "keep_whatif", "Keep what-if",
        "Save the what-if answers as the real answers", show=False),
    Act("assess.compare", "f3,c", "compare", "Compare", "Compare with another country"),
    Act("assess.sensitivity", "f4,s", "sensitivity", "Sensitivity",
        "Which answers would change the highlighted finding", show=False),
    Act("assess.brief", "f5,b", "brief", "Brief", "Preview and export the policy brief"),
    Act("assess.export", "e", "export", "Export",
        "Export the answers as a profile, or the questionnaire as a spreadsheet (.xlsx/.csv)", show=False),
    Act("assess.import", "i", "import_sheet", "Import sheet",
        "Import a filled-in questionnaire (.xlsx/.csv): the changes are shown before anything is replaced",
        show=False),
    Act("assess.close", "x", "close", "Close", "Close this assessment and return to the start screen",
        show=False),
)

FINDING_ACTS = (
    Act("finding.close", "escape", "close", "Back", "Back to the workspace"),
    Act("finding.sensitivity", "s", "sensitivity", "Sensitivity",
        "Which single answers would change this finding"),
    Act("finding.ask", "a", "ask", "Answer missing", "Go to the first question that would decide it"),
)

MODAL_ACTS = (
    Act("modal.close", "escape", "close", "Back", "Close this window"),
)

BRIEF_ACTS = (
    Act("brief.close", "escape", "close", "Back", "Back to the workspace"),
    Act("brief.export", "x", "export", "Export", "Write the brief to files (Markdown, and HTML if available)"),
)

DIFF_ACTS = (
    Act("diff.close", "escape", "close", "Back", "Back to the workspace"),
    Act("diff.keep", "k", "keep", "Keep", "Save the what-if answers as the real answers"),
)


def bindings(*groups: tuple[Act, ...]) -> list[BindingType]:
    return [a.binding() for g in groups for a in g]


HELP_SECTIONS = (
    ("Assessment", WORKSPACE_ACTS),
    ("Everywhere", APP_ACTS),
    ("Start screen", START_ACTS),
    ("A finding's explanation", FINDING_ACTS),
    ("Brief preview", BRIEF_ACTS),
    ("What-if differences", DIFF_ACTS),
)


def help_rows(acts: tuple[Act, ...]) -> list[tuple[str, str, str]]:
    return [(a.key_display, a.label, a.help) for a in acts]
