"""The question navigator: questions grouped by government function and topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static, Tree
from textual.widgets.tree import TreeNode

from diagnostics.i18n import _
from diagnostics.kb import KnowledgeBase
from diagnostics.questions import question_groups

MARK = {"answered": ("✓", "green"), "unknown": ("?", "yellow"), "open": ("·", "dim")}


class Navigator(Vertical):
    """Questions grouped by government function and topic, with progress marks."""

    class Picked(Message):
        def __init__(self, indicator: str) -> None:
            super().__init__()
            self.indicator = indicator

    def __init__(self, kb: KnowledgeBase, **kw: Any) -> None:
        super().__init__(**kw)
        self.kb = kb
        self.groups = question_groups(kb)
        self._leaf: dict[str, TreeNode[str]] = {}
        self._parents: dict[str, list[tuple[TreeNode[str], str, list[str]]]] = {}
        self._state: Callable[[str], str] = lambda q: "open"
        self._changed: set[str] = set()
        self._skipped: set[str] = set()  # open questions the planner would not ask this country

    def compose(self) -> ComposeResult:
        yield Static("", id="nav-progress-text")
        yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="nav-progress")
        tree: Tree[str] = Tree(_("Questions"), id="nav-tree")
        tree.show_root = False
        tree.guide_depth = 2
        for g in self.groups:
            gnode = tree.root.add(g.title, data=f"group:{g.id}", expand=False)
            for t in g.topics:
                tnode = gnode.add(t.topic, data=f"topic:{g.id}:{t.topic}", expand=False)
                for q in t.questions:
                    self._leaf[q] = tnode.add_leaf(self.kb.indicators[q].question, data=q)
                    self._parents[q] = [(gnode, g.title, g.questions), (tnode, t.topic, list(t.questions))]
        yield tree

    @property
    def questions(self) -> Tree[str]:
        return self.query_one("#nav-tree", Tree)

    def refresh_marks(self, state: Callable[[str], str], changed: set[str] | None = None,
                      only: str | None = None) -> None:
        """Relabel every question (or just `only` and its parents) from `state(indicator)`."""
        self._state = state
        self._changed = changed or set()
        targets = [only] if only else list(self._leaf)
        parents: dict[int, tuple[TreeNode[str], str, list[str]]] = {}
        for q in targets:
            self._leaf[q].set_label(self._leaf_label(q))
            for p in self._parents[q]:
                parents[id(p[0])] = p
        for node, title, qs in parents.values():
            done = sum(1 for q in qs if state(q) != "open")
            node.set_label(Text.assemble(title, (f" {done}/{len(qs)}", "dim")))
        all_qs = list(self._leaf)
        done = sum(1 for q in all_qs if state(q) != "open")
        self.query_one("#nav-progress-text", Static).update(
            _("Answered {done} of {total}").format(done=done, total=len(all_qs)))
        bar = self.query_one("#nav-progress", ProgressBar)
        bar.update(total=max(1, len(all_qs)), progress=done)

    def _leaf_label(self, q: str) -> Text:
        state = self._state(q)
        glyph, style = MARK[state]
        if q in self._changed:
            glyph, style = "≠", "bold magenta"
        elif state == "open" and q in self._skipped:
            return Text.assemble(("– ", "dim"), (self.kb.indicators[q].question, "dim strike"))
        return Text.assemble((glyph + " ", style), self.kb.indicators[q].question)

    def set_skipped(self, skipped: set[str]) -> None:
        """Grey out the open questions the planner skips (they stay answerable)."""
        if skipped == self._skipped:
            return
        moved = skipped ^ self._skipped
        self._skipped = set(skipped)
        for q in moved:
            if q in self._leaf:
                self._leaf[q].set_label(self._leaf_label(q))

    def show(self, indicator: str) -> None:
        """Put the cursor on a question, opening its group and topic."""
        node = self._leaf.get(indicator)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:  # expanding rebuilds the tree's lines
                parent.expand()
            parent = parent.parent
        tree = self.questions
        tree.call_after_refresh(tree.move_cursor, node)

    @on(Tree.NodeSelected, "#nav-tree")
    def _picked(self, event: Tree.NodeSelected[str]) -> None:
        data = event.node.data
        if data and not data.startswith(("group:", "topic:")):
            event.stop()
            self.post_message(self.Picked(data))
