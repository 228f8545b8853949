"""The live findings panel: root causes with their manifestations beneath."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from diagnostics.assessment import Assessment
from diagnostics.evaluator import Status
from diagnostics.i18n import _
from diagnostics.kb import KnowledgeBase
from diagnostics.knowledge import Layer
from diagnostics.provenance import source_label

from ..explain import STATUS_GLYPH, STATUS_LABEL, STATUS_STYLE

CONFIDENCE_MARK = {"high": "H", "medium": "M", "low": "L"}


class FindingsPanel(Vertical):
    """Root causes with their manifestations beneath, relabelled after every answer."""

    class Updated(Message):
        """Posted after the labels show a new assessment (tests and the bench wait on it)."""

        def __init__(self, version: int) -> None:
            super().__init__()
            self.version = version

    class Open(Message):
        def __init__(self, rule: str) -> None:
            super().__init__()
            self.rule = rule

    def __init__(self, kb: KnowledgeBase, **kw: Any) -> None:
        super().__init__(**kw)
        self.kb = kb
        self.version = 0
        self.assessment: Assessment | None = None
        self._by_rule: dict[str, list[TreeNode[str]]] = {}

    def compose(self) -> ComposeResult:
        yield Static(_("Assessing…"), id="findings-summary")
        tree: Tree[str] = Tree(_("Findings"), id="findings-tree")
        tree.show_root = False
        tree.auto_expand = False  # Enter opens the explanation; Space folds
        tree.guide_depth = 2
        for dx in self.kb.diagnoses():
            if dx.background:
                continue
            node = tree.root.add(dx.title, data=dx.id, expand=True)
            self._by_rule.setdefault(dx.id, []).append(node)
            for rid, rule in self.kb.rules.items():
                if (rule.layer == Layer.MANIFESTATION and not rule.background
                        and dx.id in self.kb.rolls_up_to.get(rid, [])):
                    self._by_rule.setdefault(rid, []).append(node.add_leaf(rule.title, data=rid))
            if not node.children:
                node.allow_expand = False
        yield tree

    @property
    def findings(self) -> Tree[str]:
        return self.query_one("#findings-tree", Tree)

    def highlighted(self) -> str | None:
        node = self.findings.cursor_node
        return node.data if node is not None else None

    def show(self, assessment: Assessment, base: Assessment | None = None) -> None:
        """Relabel from an assessment; with `base` (what-if), mark what changed against it."""
        self.assessment = assessment
        before = {f.rule: f for f in base.findings} if base is not None else {}
        counts = {s: 0 for s in Status}
        for f in assessment.findings:
            nodes = self._by_rule.get(f.rule)
            if not nodes:
                continue
            if f.layer == Layer.DIAGNOSIS.value:
                counts[f.status] += 1
            glyph = STATUS_GLYPH[f.status]
            # Confidence sits right after the glyph so a narrow panel never cuts it off.
            conf = _(CONFIDENCE_MARK[f.confidence]) if f.confidence in CONFIDENCE_MARK else ""
            old = before.get(f.rule)
            mark = ""
            if old is not None and old.status != f.status:
                mark = "▲ " if f.status is Status.FIRED else "▼ " if old.status is Status.FIRED else "≠ "
            # A plugin's own finding says whose it is (never presented as the thesis's).
            whose = " · " + source_label(f.plugin) if f.plugin else ""
            label = Text.assemble((mark, "bold magenta"), (glyph, STATUS_STYLE[f.status]),
                                  (conf + " ", "bold"), (f.title, "bold" if f.status is Status.FIRED else ""),
                                  (whose, "dim"))
            for node in nodes:
                node.set_label(label)
        summary = Text.assemble(
            ("●", STATUS_STYLE[Status.FIRED]), _("{n} fired").format(n=counts[Status.FIRED]) + " ",
            ("?", STATUS_STYLE[Status.NOT_ASSESSABLE]), _("{n} open").format(n=counts[Status.NOT_ASSESSABLE]) + " ",
            ("–", STATUS_STYLE[Status.NOT_APPLICABLE]), _("{n} n/a").format(n=counts[Status.NOT_APPLICABLE]),
            ("\n" + _("confidence: "), "dim"), _("H"), (" " + _("high") + " ", "dim"),
            _("M"), (" " + _("medium") + " ", "dim"), _("L"), (" " + _("low"), "dim"),
        )
        self.query_one("#findings-summary", Static).update(summary)
        self.version += 1
        self.post_message(self.Updated(self.version))

    def status_of(self, rule: str) -> str:
        if self.assessment is None:
            return ""
        return _(STATUS_LABEL[self.assessment.finding(rule).status])

    @on(Tree.NodeSelected, "#findings-tree")
    def _open(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.Open(event.node.data))
