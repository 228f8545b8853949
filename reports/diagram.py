"""Causal-chain diagrams: one small diagram per root cause, laid out here and drawn by _diagram.svg.j2.

`chain_graph` cuts a diagnosis's chain (its manifestations, mechanisms and policy choices, or
the circumstances it rests on) out of the brief's causal graph; `diagram_layout` places the
boxes in columns by layer and routes the curves. Small graphs keep each diagram on one page.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from .model import CausalGraph, DiagnosisEntry, GraphEdge, GraphNode

COLUMNS = ("context", "policy", "mechanism", "manifestation", "diagnosis")
HEADERS = {"context": "circumstances", "policy": "policy choices", "mechanism": "mechanisms",
           "manifestation": "manifestations", "diagnosis": "systemic problems"}


@dataclass
class Box:
    id: str
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    kind: str  # layer, or "root_cause" for root-cause diagnoses


@dataclass
class Curve:
    d: str
    strong: bool  # an edge into a root cause


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    headers: list[tuple[float, str]] = field(default_factory=list)


def diagram_layout(graph: CausalGraph, width: float = 680.0) -> Layout:
    """Columns by layer, rows ordered by the mean position of neighbours to cut crossings."""
    cols: dict[str, list[str]] = {c: [] for c in COLUMNS}
    info = {n.id: n for n in graph.nodes}
    for n in graph.nodes:
        cols["diagnosis" if n.layer == "diagnosis" else n.layer if n.layer in cols else "mechanism"].append(n.id)
    used = [c for c in COLUMNS if cols[c]]
    if not used:
        return Layout(width=width, height=0)
    neighbours: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.source in neighbours and e.target in neighbours:
            neighbours[e.source].append(e.target)
            neighbours[e.target].append(e.source)
    pos = {nid: float(i) for c in used for i, nid in enumerate(cols[c])}
    for _ in range(4):  # a few barycentre sweeps are enough for graphs of this size
        for c in used:
            def bary(nid: str) -> float:
                near = neighbours[nid]
                return sum(pos[x] for x in near) / len(near) if near else pos[nid]

            cols[c].sort(key=lambda nid: (bary(nid), nid))
            for i, nid in enumerate(cols[c]):
                pos[nid] = float(i) * max(1, max(len(cols[k]) for k in used)) / max(1, len(cols[c]))

    gap = 26.0
    box_w = (width - gap * (len(used) - 1)) / len(used)
    chars = max(12, int(box_w / 4.6))
    line_h, pad, row_gap, top = 9.5, 4.0, 5.0, 18.0
    layout = Layout(width=width, height=0)
    where: dict[str, Box] = {}
    wrapped: dict[str, list[str]] = {}
    for n in graph.nodes:
        lines = textwrap.wrap(n.title, chars)
        if len(lines) > 3:
            lines = lines[:3]
            lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
        wrapped[n.id] = lines

    def height(nid: str) -> float:
        return len(wrapped[nid]) * line_h + 2 * pad

    heights = {c: sum(height(nid) + row_gap for nid in cols[c]) for c in used}
    tallest = max(heights.values())
    for ci, c in enumerate(used):
        x = ci * (box_w + gap)
        layout.headers.append((x + box_w / 2, HEADERS[c]))
        y = top + (tallest - heights[c]) / 2  # centre shorter columns against the tallest
        for nid in cols[c]:
            node = info[nid]
            box = Box(id=nid, x=x, y=y, w=box_w, h=height(nid), lines=wrapped[nid],
                      kind="root_cause" if node.role == "root_cause" else node.layer)
            where[nid] = box
            layout.boxes.append(box)
            y += box.h + row_gap
    bottom = top + tallest
    col_of = {nid: ci for ci, c in enumerate(used) for nid in cols[c]}
    for e in graph.edges:
        if e.source not in where or e.target not in where:
            continue
        s, t = where[e.source], where[e.target]
        sy, ty = s.y + s.h / 2, t.y + t.h / 2
        if col_of[e.source] < col_of[e.target]:
            x1, x2 = s.x + s.w, t.x
            mid = (x2 - x1) / 2
            d = f"M{x1:.1f},{sy:.1f} C{x1 + mid:.1f},{sy:.1f} {x2 - mid:.1f},{ty:.1f} {x2:.1f},{ty:.1f}"
        elif col_of[e.source] == col_of[e.target]:
            x1 = s.x + s.w
            bulge = min(gap - 4, 8 + abs(ty - sy) / 8)
            d = f"M{x1:.1f},{sy:.1f} C{x1 + bulge:.1f},{sy:.1f} {x1 + bulge:.1f},{ty:.1f} {x1:.1f},{ty:.1f}"
        else:  # a feedback edge drawn right to left
            x1, x2 = s.x, t.x + t.w
            d = f"M{x1:.1f},{sy:.1f} C{x1 - gap:.1f},{sy:.1f} {x2 + gap:.1f},{ty:.1f} {x2:.1f},{ty:.1f}"
        layout.curves.append(Curve(d=d, strong=info[e.target].role == "root_cause"))
    layout.height = bottom + 2
    return layout


def chain_graph(graph: CausalGraph, diagnosis: DiagnosisEntry) -> CausalGraph:
    """The part of `graph` that makes up one diagnosis's chain, with the diagnosis itself."""
    chain = diagnosis.chain
    ids = {diagnosis.id, *(x.id for x in (*chain.manifestations, *chain.mechanisms, *chain.policies))}
    nodes = [n for n in graph.nodes if n.id in ids]
    edges = [e for e in graph.edges if e.source in ids and e.target in ids]
    if chain.size == 0 and chain.context:  # a chain of circumstances only: draw those
        for c in chain.context:
            nodes.insert(0, GraphNode(id=c.id, title=c.title, layer="context", role="context", rests_on=[]))
            edges.append(GraphEdge(source=c.id, target=diagnosis.id))
    keep = {n.id for n in nodes}
    nodes = [n.model_copy(update={"rests_on": [r for r in n.rests_on if r.id in keep]}) for n in nodes]
    return CausalGraph(nodes=nodes, edges=edges)


def diagrams_for(diagnoses: list[DiagnosisEntry]) -> list[DiagnosisEntry]:
    """The diagnoses that get a diagram: the root causes, or every diagnosis when none is a root."""
    roots = [d for d in diagnoses if d.role == "root_cause"]
    return roots or list(diagnoses)


__all__ = ["Box", "Curve", "Layout", "chain_graph", "diagram_layout", "diagrams_for"]
