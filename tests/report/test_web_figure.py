"""The report's web of deals: entities by role, the 20 largest labelled large with no two
labels overlapping, everything inside the page's figure, the same picture every time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest

from circularity.i18n import entity_names, short_name
from circularity.report.web_figure import TOP_LABELS, _box, layout, web_svg
from circularity.session.service import Service

AS_OF = date(2026, 3, 31)


@pytest.fixture(scope="module")
def graph() -> dict[str, Any]:
    return Service().graph(AS_OF)


def _label(lang: str) -> Any:
    names = entity_names(lang)
    return lambda i, n: short_name(names.get(i, n))


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_largest_labels_are_large_apart_and_inside(graph: dict[str, Any], lang: str) -> None:
    lay = layout(graph, 1000, 700, _label(lang))
    top = [n for n in lay.nodes if n.rank < TOP_LABELS]
    assert len(top) == min(TOP_LABELS, len(lay.nodes)) and all(n.font >= 12 for n in top)
    boxes = {n.id: _box(n, list(lay.pos[n.id])) for n in lay.nodes}
    for i, a in enumerate(top):
        x1, x2, y1, y2 = boxes[a.id]
        assert 0 <= x1 and x2 <= 1000 and 0 <= y1 and y2 <= 700, a.id
        for b in top[i + 1 :]:
            u1, u2, v1, v2 = boxes[b.id]
            assert x2 <= u1 or u2 <= x1 or y2 <= v1 or v2 <= y1, f"{a.id} overlaps {b.id}"


def test_roles_place_labs_at_the_centre(graph: dict[str, Any]) -> None:
    lay = layout(graph, 1000, 700, _label("en"))
    dist = {n.id: ((lay.pos[n.id][0] - 500) ** 2 + (lay.pos[n.id][1] - 350) ** 2) ** 0.5 for n in lay.nodes}
    labs = [dist[n.id] for n in lay.nodes if n.role == "labs"]
    others = [dist[n.id] for n in lay.nodes if n.role != "labs"]
    assert labs and max(labs) < min(others)
    xs = [p[0] for p in lay.pos.values()]
    ys = [p[1] for p in lay.pos.values()]
    assert max(xs) - min(xs) > 0.8 * 1000 and max(ys) - min(ys) > 0.75 * 700  # fills the figure


def test_same_graph_same_picture_and_valid_svg(graph: dict[str, Any]) -> None:
    a = layout(graph, 1000, 700, _label("zh-Hans"))
    b = layout(graph, 1000, 700, _label("zh-Hans"))
    assert a.pos == b.pos
    svg = web_svg(graph, a, role_name=str, kind_name=str, legend_title="Deal kind")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}circle")) == len(graph["elements"]["nodes"])
    assert len(root.findall(f"{ns}path")) == len(graph["elements"]["edges"])
    texts = [t.text for t in root.findall(f"{ns}text")]
    assert "英伟达" in texts and "甲骨文" in texts


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_role_names_and_legend_hide_no_label(graph: dict[str, Any], lang: str) -> None:
    """The role names cover no entity's circle or label nor each other; the deal-kind legend is
    drawn in a band under the drawing, not over its bottom row of labels."""
    from circularity.i18n import translations
    from circularity.report.web_figure import place_tags

    _ = translations(lang).gettext
    lay = layout(graph, 1000, 700, _label(lang))
    tags = place_tags(lay, _)
    assert len(tags) >= 4
    boxes = [_box(n, list(lay.pos[n.id])) for n in lay.nodes]
    from circularity.report.web_figure import text_width

    rects = [
        (x - (text_width(t, 12, True) + 10) / 2, x + (text_width(t, 12, True) + 10) / 2, y - 16, y)
        for t, _c, x, y in tags
    ]
    apart = lambda a, b: a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]  # noqa: E731
    for t, r in zip(tags, rects, strict=True):
        assert all(apart(r, b) for b in boxes), f"role name {t[0]} over a label"
    for i, a in enumerate(rects):
        assert all(apart(a, b) for b in rects[i + 1 :])
    svg = web_svg(graph, lay, role_name=_, kind_name=_, legend_title=_("Deal kind (edge colour)"))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    height = float(root.get("viewBox").split()[3])  # type: ignore[union-attr]
    legend = [t for t in root.findall(f"{ns}text") if t.text == _("Deal kind (edge colour)")]
    assert len(legend) == 1 and 700 < float(legend[0].get("y")) < height  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_sankey_nodes_say_their_amounts(graph: dict[str, Any], lang: str) -> None:
    """The PDF has no hover: each side of the follow-the-money Sankey says its total, and the
    payers' totals are the live priced deals it sums."""
    from circularity.i18n import money
    from circularity.report.figures import sankey_figure
    from circularity.report.web_figure import ROLES

    names = {f"{r[0]}:{side}": f"{r[2]} {side}" for r in ROLES for side in ("pay", "receive")}
    fig, _ = sankey_figure(graph, ROLES, names, amount=lambda v: money(v, lang))
    labels = list(fig.data[0].node.label)
    total = sum(
        float(e["data"]["amount"])
        for e in graph["elements"]["edges"]
        if e["data"].get("live", True) and e["data"].get("amount")
    )
    pay = [lab for lab in labels[: len(ROLES)] if "<br>" in lab]
    assert pay and all(lab.startswith(tuple(f"{r[2]} pay<br>" for r in ROLES)) for lab in pay)
    shown = {lab.rsplit("<br>", 1)[1] for lab in pay}
    assert money(max(fig.data[0].link.value), lang) != "–"
    got = [lab for lab in labels[len(ROLES) :] if "<br>" in lab]
    assert got, labels
    # the same amounts as the flows: each payer's total, written as the language writes money
    sums: dict[int, float] = {}
    for a, v in zip(fig.data[0].link.source, fig.data[0].link.value, strict=True):
        sums[a] = sums.get(a, 0.0) + v
    assert shown == {money(v, lang) for v in sums.values()}
    assert sum(sums.values()) == pytest.approx(total)
    plain, _ = sankey_figure(graph, ROLES, names)  # no formatter: the labels alone
    assert all("<br>" not in lab for lab in plain.data[0].node.label)
