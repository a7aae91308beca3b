"""The web of deals as a static SVG laid out for the page: the report's first figure.

The same reading as the dashboard's graph (``api/static/web.js``): labs at the centre;
chipmakers (top), clouds and neoclouds (right), data-centre developers and SPVs (bottom),
investors, lenders and governments (left) in sectors as wide as their share of the entities;
curved arrows payer → payee, width by amount, colour by deal kind; the 20 entities with the most
deal volume labelled at 13 px, and a deterministic pass that pushes apart any two entities whose
circle-and-label boxes overlap. Same graph, same picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

__all__ = ["LEGEND_ROW", "ROLES", "WebLayout", "layout", "place_tags", "role_of", "web_svg"]

FONT = "'Noto Sans', 'DejaVu Sans', 'Noto Sans CJK SC', 'Noto Sans CJK TC', sans-serif"
KIND_COLORS = {
    "equity": "#2f5bd3",
    "compute": "#e67e22",
    "hardware": "#16a085",
    "loan": "#8e44ad",
    "bond": "#6c3483",
    "warrant": "#7f8c8d",
    "backstop": "#c0392b",
    "lease": "#b7950b",
}
#: (key, entity kinds, English name, colour): the labs first, then clockwise from the top.
ROLES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("labs", ("lab",), "AI labs", "#1d2430"),
    ("chips", ("chipmaker",), "Chipmakers", "#117a65"),
    ("clouds", ("hyperscaler", "neocloud"), "Clouds and neoclouds", "#2f5bd3"),
    ("sites", ("datacenter", "spv"), "Data-centre developers and SPVs", "#a67c00"),
    ("money", ("investor", "lender", "government", "unknown"), "Investors and lenders", "#7d3c98"),
)
TOP_LABELS = 20
BIG, SMALL = 13.0, 11.0


def role_of(kind: str) -> tuple[str, tuple[str, ...], str, str]:
    """The role an entity kind belongs to (unknown kinds with the financiers)."""
    return next((r for r in ROLES if kind in r[1]), ROLES[-1])


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in px: CJK characters are square, Latin ones about 0.58 em (0.62 bold)."""
    em = 0.62 if bold else 0.58
    return sum(size if ord(ch) >= 0x2E80 else size * em for ch in text)


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    role: str
    color: str
    size: float
    font: float
    rank: int


@dataclass(frozen=True, slots=True)
class WebLayout:
    """Entities with their positions (px) on a ``width`` × ``height`` figure."""

    width: int
    height: int
    nodes: tuple[Node, ...]
    pos: dict[str, tuple[float, float]]
    tags: tuple[tuple[str, str, float, float], ...]  # role name, colour, x, y


def _box(n: Node, p: list[float]) -> tuple[float, float, float, float]:
    r = n.size / 2
    half = max(r, text_width(n.label, n.font, n.rank < TOP_LABELS) / 2 + 2)
    return p[0] - half, p[0] + half, p[1] - r, p[1] + r + 3 + n.font * 1.3 + 2


def layout(graph: dict[str, Any], width: int, height: int, label: Callable[[str, str], str]) -> WebLayout:
    """Place the entities of ``graph`` (Cytoscape elements) by role; ``label(id, name)`` is the
    label shown (already translated and shortened)."""
    nodes_in = [n["data"] for n in graph["elements"]["nodes"]]
    edges = [e["data"] for e in graph["elements"]["edges"]]
    vol: dict[str, float] = {}
    for e in edges:
        a = float(e.get("amount") or 0.0)
        vol[e["source"]] = vol.get(e["source"], 0.0) + a
        vol[e["target"]] = vol.get(e["target"], 0.0) + a
    order = sorted((n["id"] for n in nodes_in), key=lambda i: (-vol.get(i, 0.0), i))
    rank = {i: k for k, i in enumerate(order)}
    mv_max = max([float(n.get("market_value") or 0.0) for n in nodes_in] + [1.0])
    nodes = []
    for n in nodes_in:
        role = role_of(n.get("kind", "unknown"))
        mv = float(n.get("market_value") or 0.0)
        top = rank[n["id"]] < TOP_LABELS
        text = label(n["id"], n["label"])
        limit = 30 if top else 24
        text = text if len(text) <= limit else text[: limit - 2] + "…"
        size = 16 + 40 * math.sqrt(mv / mv_max) if mv else 14.0
        nodes.append(Node(n["id"], text, role[0], role[3], size, BIG if top else SMALL, rank[n["id"]]))
    cx, cy = width / 2, height / 2
    pos: dict[str, list[float]] = {}
    by_role = {r[0]: sorted((n for n in nodes if n.role == r[0]), key=lambda n: n.rank) for r in ROLES}
    labs = by_role["labs"]
    for i, n in enumerate(labs):
        a = -math.pi * 0.75 + 2 * math.pi * i / max(1, len(labs))
        radius = 0.16 if len(labs) > 1 else 0.0
        pos[n.id] = [cx + radius * width * 0.5 * math.cos(a), cy + radius * height * 0.62 * math.sin(a)]
    outer = [r for r in ROLES[1:] if by_role[r[0]]]
    weight = {r[0]: max(2, len(by_role[r[0]])) for r in outer}
    total = sum(weight.values()) or 1
    start = -math.pi / 2 - (math.pi * weight[outer[0][0]] / total if outer else 0.0)
    for role in outer:
        span = 2 * math.pi * weight[role[0]] / total
        group = by_role[role[0]]
        k = len(group)
        mid = (k - 1) // 2
        for i, n in enumerate(group):  # largest mid-sector, the next alternating to either side
            slot = min(max(mid + (1 if i % 2 else -1) * math.ceil(i / 2), 0), k - 1)
            a = start + span * (slot + 0.5) / k
            ring = 0.64 if k > 6 and i % 2 else 0.9
            pos[n.id] = [cx + ring * width / 2 * math.cos(a), cy + ring * height / 2 * math.sin(a)]
        start += span
    _separate(nodes, pos, width, height)
    tags = []
    for key, _, name, color in ROLES:
        members = [n for n in nodes if n.role == key]
        if not members:
            continue
        boxes = [_box(n, pos[n.id]) for n in members]
        x1, x2, y1 = min(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes)
        w = text_width(name.upper(), 12, True) + 12
        x = x1 + w / 2 if key == "money" else (x1 + x2) / 2
        tags.append((name, color, x, max(16.0, y1 - 4)))
    return WebLayout(width, height, tuple(nodes), {k: (v[0], v[1]) for k, v in pos.items()}, tuple(tags))


def _separate(nodes: list[Node], pos: dict[str, list[float]], width: int, height: int) -> None:
    """Push apart overlapping circle-and-label boxes; keep every box inside the figure."""
    pad, edge, top = 6.0, 8.0, 26.0

    def clamp(n: Node) -> None:
        p = pos[n.id]
        x1, x2, y1, y2 = _box(n, p)
        half, r = (x2 - x1) / 2, n.size / 2
        p[0] = min(max(p[0], edge + half), width - edge - half)
        p[1] = min(max(p[1], top + r), height - edge - (y2 - p[1]))

    for n in nodes:
        clamp(n)
    for _ in range(400):
        moved = False
        boxes = [_box(n, pos[n.id]) for n in nodes]
        for i in range(len(nodes)):
            for j in range(i + 1, len(nodes)):
                a, b = boxes[i], boxes[j]
                ox = min(a[1], b[1]) - max(a[0], b[0]) + pad
                oy = min(a[3], b[3]) - max(a[2], b[2]) + pad
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                pi, pj = pos[nodes[i].id], pos[nodes[j].id]
                if ox < oy:
                    s = (-1 if pi[0] <= pj[0] else 1) * ox / 2
                    pi[0] += s
                    pj[0] -= s
                else:
                    s = (-1 if pi[1] <= pj[1] else 1) * oy / 2
                    pi[1] += s
                    pj[1] -= s
        for n in nodes:
            clamp(n)
        if not moved:
            break


#: Height of one row of the deal-kind legend under the drawing (px).
LEGEND_ROW = 18


def place_tags(lay: WebLayout, role_name: Callable[[str], str]) -> list[tuple[str, str, float, float]]:
    """Each role's name (in the page's language, upper-cased) with its bottom centre: above the
    role's entities as the layout put it, moved up first, then sideways, until it covers no
    entity's circle or label and no other name (as the dashboard places them)."""
    taken = [
        (b[0] - 2, b[1] + 2, b[2] - 2, b[3] + 2) for b in (_box(n, list(lay.pos[n.id])) for n in lay.nodes)
    ]

    def clear(q: tuple[float, float, float, float]) -> bool:
        return all(q[1] <= o[0] or o[1] <= q[0] or q[3] <= o[2] or o[3] <= q[2] for o in taken)

    out = []
    for name, color, x0, y0 in lay.tags:
        text = role_name(name).upper()
        w, h = text_width(text, 12, True) + 10, 16.0
        best = (x0, y0)
        for step in range(41):
            moves = (
                (0, -6 * step),
                (12 * step, 0),
                (-12 * step, 0),
                (12 * step, -6 * step),
                (-12 * step, -6 * step),
            )
            spots = [
                (
                    min(max(x0 + dx, w / 2 + 2), lay.width - w / 2 - 2),
                    min(max(y0 + dy, h + 1), lay.height - 1),
                )
                for dx, dy in moves
            ]
            hit = next(((x, y) for x, y in spots if clear((x - w / 2, x + w / 2, y - h, y))), None)
            if hit is not None:
                best = hit
                break
        x, y = best
        taken.append((x - w / 2, x + w / 2, y - h, y))
        out.append((text, color, x, y))
    return out


def web_svg(
    graph: dict[str, Any],
    lay: WebLayout,
    *,
    role_name: Callable[[str], str],
    kind_name: Callable[[str], str],
    legend_title: str,
) -> str:
    """The figure as SVG text (inline in the report's HTML; prints as vectors)."""
    edges = [e["data"] for e in graph["elements"]["edges"]]
    nodes = {n.id: n for n in lay.nodes}
    amax = max([float(e.get("amount") or 0.0) for e in edges] + [1.0])
    out = [f'<rect width="{lay.width}" height="{lay.height}" fill="#ffffff"/>']
    seen: dict[tuple[str, str], int] = {}
    for e in sorted(edges, key=lambda e: -(e.get("amount") or 0.0)):
        s, t = e["source"], e["target"]
        if s not in lay.pos or t not in lay.pos:
            continue
        k = seen.get((s, t), 0)
        seen[(s, t)] = k + 1
        (x0, y0), (x1, y1) = lay.pos[s], lay.pos[t]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        bend = min(60.0, 0.1 * length) + 16 * k  # as the dashboard: parallel deals fan out
        nx, ny = -dy / length, dx / length
        cx, cy = (x0 + x1) / 2 + nx * bend, (y0 + y1) / 2 + ny * bend
        # stop at the target circle's rim, arrow head along the curve's end tangent
        r_t = nodes[t].size / 2 + 1
        tx, ty = x1 - cx, y1 - cy
        tl = math.hypot(tx, ty) or 1.0
        ex, ey = x1 - tx / tl * r_t, y1 - ty / tl * r_t
        a = float(e.get("amount") or 0.0)
        w = 1.5 + 9 * math.sqrt(a / amax) if a else 1.0
        ah, aw = max(7.0, 3.2 * w) * 0.9, max(5.0, 2.4 * w) * 0.9
        bx, by = ex - tx / tl * ah, ey - ty / tl * ah
        color = KIND_COLORS.get(e.get("kind", ""), "#999999")
        dash = ' stroke-dasharray="6 4"' if e.get("dashed") else (' stroke-dasharray="2 3"' if not a else "")
        out.append(
            f'<path d="M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {bx:.1f},{by:.1f}" fill="none" '
            f'stroke="{color}" stroke-width="{w:.2f}" opacity="0.62"{dash}/>'
        )
        px, py = -ty / tl, tx / tl
        out.append(
            f'<polygon points="{ex:.1f},{ey:.1f} {bx + px * aw:.1f},{by + py * aw:.1f} '
            f'{bx - px * aw:.1f},{by - py * aw:.1f}" fill="{color}" opacity="0.7"/>'
        )
    for n in lay.nodes:
        x, y = lay.pos[n.id]
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{n.size / 2:.1f}" fill="{n.color}" stroke="#fff" stroke-width="1.5"/>'
        )
    for n in lay.nodes:
        x, y = lay.pos[n.id]
        top = n.rank < TOP_LABELS
        ty0 = y + n.size / 2 + 3
        tw = text_width(n.label, n.font, top)
        out.append(
            f'<rect x="{x - tw / 2 - 1:.1f}" y="{ty0:.1f}" width="{tw + 2:.1f}" height="{n.font * 1.25:.1f}" '
            f'fill="#fff" opacity="0.85"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{ty0 + n.font:.1f}" text-anchor="middle" font-size="{n.font:.0f}" '
            f'font-weight="{600 if top else 400}" fill="#1d2430">{escape(n.label)}</text>'
        )
    for text, color, x, y in place_tags(lay, role_name):
        w = text_width(text, 12, True) + 10
        out.append(
            f'<rect x="{x - w / 2:.1f}" y="{y - 16:.1f}" width="{w:.1f}" height="16" rx="3" fill="#fff" opacity="0.88"/>'
            f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12" font-weight="700" '
            f'fill="{color}">{escape(text)}</text>'
        )
    # the deal kinds in a band of their own under the drawing (over it, they hid the bottom
    # row's labels), wrapped onto as many rows as the width needs
    kinds = sorted({e.get("kind", "") for e in edges})
    items: list[tuple[str | None, str, float]] = [(None, legend_title, text_width(legend_title, 11) + 8)]
    items += [(k, kind_name(k), 26 + text_width(kind_name(k), 11)) for k in kinds]
    x, row = 10.0, 0
    for kind, label, w in items:
        if x > 10 and x + w > lay.width - 10:
            x, row = 10.0, row + 1
        y = lay.height + 14 + LEGEND_ROW * row
        if kind is None:
            out.append(f'<text x="{x:.1f}" y="{y}" font-size="11" fill="#66707f">{escape(label)}</text>')
        else:
            out.append(
                f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="14" height="4" fill="{KIND_COLORS.get(kind, "#999")}"/>'
            )
            out.append(f'<text x="{x + 18:.1f}" y="{y}" font-size="11" fill="#1d2430">{escape(label)}</text>')
        x += w
    total = lay.height + 8 + LEGEND_ROW * (row + 1)
    out[0] = f'<rect width="{lay.width}" height="{total}" fill="#ffffff"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="web-figure" viewBox="0 0 {lay.width} {total}" '
        f'width="100%" font-family="{FONT}" role="img">{"".join(out)}</svg>'
    )
