/* circularity dashboard: the web of deals laid out by role, and drawn as a standalone SVG.
 *
 * Labs sit at the centre; chipmakers (top), clouds and neoclouds (right), data-centre developers
 * and SPVs (bottom), investors, lenders and governments (left) around them, each role in a sector
 * as wide as its share of the entities. Positions are in screen pixels of the panel (zoom 1), so
 * a 13 px label is 13 px on screen; a deterministic pass then pushes apart any two entities whose
 * circle-and-label boxes overlap. Same input, same panel size: same picture (no randomness).
 */
"use strict";

window.circWeb = (function () {
  const N_ = (s) => s;  // marks a message for the catalog; translated where it is shown
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "Noto Sans CJK TC", sans-serif';
  const KIND_COLORS = {
    equity: "#2f5bd3", compute: "#e67e22", hardware: "#16a085", loan: "#8e44ad",
    bond: "#6c3483", warrant: "#7f8c8d", backstop: "#c0392b", lease: "#b7950b",
  };
  //: Roles, clockwise from the top after the labs at the centre.
  const ROLES = [
    { key: "labs", kinds: ["lab"], label: N_("AI labs"), color: "#1d2430" },
    { key: "chips", kinds: ["chipmaker"], label: N_("Chipmakers"), color: "#117a65" },
    { key: "clouds", kinds: ["hyperscaler", "neocloud"], label: N_("Clouds and neoclouds"), color: "#2f5bd3" },
    { key: "sites", kinds: ["datacenter", "spv"], label: N_("Data-centre developers and SPVs"), color: "#a67c00" },
    { key: "money", kinds: ["investor", "lender", "government", "unknown"], label: N_("Investors and lenders"), color: "#7d3c98" },
  ];
  const TOP_LABELS = 20;     // the largest entities get large labels that never overlap
  const BIG_FONT = 13;       // px on screen at the default zoom (the issue asks >= 12)
  const SMALL_FONT = 11;

  function roleOf(kind) {
    return ROLES.find((r) => r.kinds.includes(kind)) || ROLES[ROLES.length - 1];
  }

  let ctx2d = null;
  function textWidth(text, size, weight) {
    if (!ctx2d) ctx2d = document.createElement("canvas").getContext("2d");
    ctx2d.font = `${weight} ${size}px ${FONT}`;
    return ctx2d.measureText(text).width;
  }

  /** Deal volume touching each entity (USD bn, in + out): what "largest" means on the graph. */
  function volumes(edges) {
    const v = {};
    for (const e of edges) {
      const a = e.data.amount || 0;
      v[e.data.source] = (v[e.data.source] || 0) + a;
      v[e.data.target] = (v[e.data.target] || 0) + a;
    }
    return v;
  }

  /** Node and edge data for Cytoscape: sizes, label fonts, ranks (largest first). */
  function prepare(nodes, edges, labelOf) {
    const vol = volumes(edges);
    const mvMax = Math.max(1, ...nodes.map((n) => n.data.market_value || 0));
    const amtMax = Math.max(1, ...edges.map((e) => e.data.amount || 0));
    const ranked = nodes.map((n) => n.data.id)
      .sort((a, b) => (vol[b] || 0) - (vol[a] || 0) || (a < b ? -1 : 1));
    const rank = Object.fromEntries(ranked.map((id, i) => [id, i]));
    for (const n of nodes) {
      const d = n.data;
      const mv = d.market_value;
      d.size = mv ? 16 + 40 * Math.sqrt(mv / mvMax) : 14;
      d.volume = vol[d.id] || 0;
      d.rank = rank[d.id];
      d.top = d.rank < TOP_LABELS;
      d.fs = d.top ? BIG_FONT : SMALL_FONT;
      d.fw = d.top ? 600 : 400;
      let s = labelOf(d);
      const max = d.top ? 30 : 24;
      if (s.length > max) s = s.slice(0, max - 2) + "…";
      d.short = s;
      d.role = roleOf(d.kind).key;
      d.color = roleOf(d.kind).color;
    }
    for (const e of edges) {
      const a = e.data.amount;
      e.data.width = a ? 1.5 + 9 * Math.sqrt(a / amtMax) : 1;
      e.data.unpriced = !a;
    }
    return { rank, vol };
  }

  /** Positions (screen px) for a panel of W × H: labs centre, roles in sectors, no overlaps. */
  function layout(nodes, W, H) {
    const cx = W / 2, cy = H / 2;
    const byRole = Object.fromEntries(ROLES.map((r) => [r.key, []]));
    for (const n of nodes) byRole[n.data.role].push(n.data);
    for (const k in byRole) byRole[k].sort((a, b) => a.rank - b.rank);
    const pos = {};
    // labs: a small ring at the centre, largest first from the top-left
    const labs = byRole.labs;
    labs.forEach((d, i) => {
      const a = -Math.PI * 0.75 + (2 * Math.PI * i) / Math.max(1, labs.length);
      const r = labs.length > 1 ? 0.16 : 0;
      pos[d.id] = { x: cx + r * W * 0.5 * Math.cos(a), y: cy + r * H * 0.62 * Math.sin(a) };
    });
    // outer roles: sectors clockwise from the top, width by count; largest entity mid-sector
    const outer = ROLES.slice(1).filter((r) => byRole[r.key].length);
    const weight = (r) => Math.max(2, byRole[r.key].length);
    const total = outer.reduce((s, r) => s + weight(r), 0);
    let start = -Math.PI / 2 - (Math.PI * weight(outer[0] || { key: "labs" })) / Math.max(1, total);
    for (const r of outer) {
      const span = (2 * Math.PI * weight(r)) / total;
      const list = byRole[r.key];
      // largest in the middle of the sector, the next ones alternating to either side of it
      const n = list.length;
      const mid = Math.floor((n - 1) / 2);
      list.forEach((d, i) => {
        const slot = mid + (i % 2 ? 1 : -1) * Math.ceil(i / 2);
        const a = start + (span * (Math.min(Math.max(slot, 0), n - 1) + 0.5)) / n;
        const ring = n > 6 && i % 2 ? 0.64 : 0.9;
        pos[d.id] = { x: cx + ring * (W / 2) * Math.cos(a), y: cy + ring * (H / 2) * Math.sin(a) };
      });
      r.mid = start + span / 2;
      start += span;
    }
    separate(nodes, pos, W, H);
    return pos;
  }

  function box(d, p) {
    const r = d.size / 2;
    const lw = textWidth(d.short, d.fs, d.fw) + 4;
    const lh = d.fs * 1.3 + 2;
    const half = Math.max(r, lw / 2);
    return { l: p.x - half, r: p.x + half, t: p.y - r, b: p.y + r + 3 + lh, half, r0: r, lh };
  }

  /** Push apart overlapping entity boxes (circle + label), then keep every box in the panel. */
  function separate(nodes, pos, W, H) {
    const ds = nodes.map((n) => n.data);
    const pad = 6, edge = 8, top = 26;  // room above for the role names
    const clamp = (d) => {
      const b = box(d, pos[d.id]);
      const p = pos[d.id];
      p.x = Math.min(Math.max(p.x, edge + b.half), W - edge - b.half);
      p.y = Math.min(Math.max(p.y, top + b.r0), H - edge - b.r0 - 3 - b.lh);
    };
    ds.forEach(clamp);
    for (let it = 0; it < 400; it += 1) {
      let moved = false;
      const boxes = ds.map((d) => box(d, pos[d.id]));
      for (let i = 0; i < ds.length; i += 1) {
        for (let j = i + 1; j < ds.length; j += 1) {
          const a = boxes[i], b = boxes[j];
          const ox = Math.min(a.r, b.r) - Math.max(a.l, b.l) + pad;
          const oy = Math.min(a.b, b.b) - Math.max(a.t, b.t) + pad;
          if (ox <= 0 || oy <= 0) continue;
          moved = true;
          const pi = pos[ds[i].id], pj = pos[ds[j].id];
          if (ox < oy) {
            const s = (pi.x < pj.x || (pi.x === pj.x && i < j) ? -1 : 1) * ox / 2;
            pi.x += s; pj.x -= s;
          } else {
            const s = (pi.y < pj.y || (pi.y === pj.y && i < j) ? -1 : 1) * oy / 2;
            pi.y += s; pj.y -= s;
          }
        }
      }
      ds.forEach(clamp);
      if (!moved) break;
    }
  }

  /** Curvature per edge: parallel deals between one pair fan out; reverse ones bend the other way. */
  function curve(edges, pos) {
    const seen = {};
    const sorted = edges.slice().sort((a, b) => (b.data.amount || 0) - (a.data.amount || 0));
    for (const e of sorted) {
      const k = e.data.source + ">" + e.data.target;
      const i = seen[k] || 0;
      seen[k] = i + 1;
      const p = pos[e.data.source], q = pos[e.data.target];
      const len = p && q ? Math.hypot(q.x - p.x, q.y - p.y) : 200;
      e.data.cpd = Math.min(60, 0.1 * len) + 16 * i;
    }
  }

  function style() {
    return [
      { selector: "node", style: {
        "background-color": "data(color)", width: "data(size)", height: "data(size)",
        label: "data(short)", "font-family": FONT, "font-size": "data(fs)", "font-weight": "data(fw)",
        "text-valign": "bottom", "text-margin-y": 3, color: "#1d2430", "min-zoomed-font-size": 0,
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
        "border-width": 1.5, "border-color": "#ffffff", "z-index": 2 } },
      { selector: "edge", style: {
        width: "data(width)", "line-color": (e) => KIND_COLORS[e.data("kind")] || "#999",
        "target-arrow-color": (e) => KIND_COLORS[e.data("kind")] || "#999",
        "target-arrow-shape": "triangle", "arrow-scale": 0.9, "curve-style": "unbundled-bezier",
        "control-point-distances": "data(cpd)", "control-point-weights": 0.5, opacity: 0.62,
        "font-family": FONT, "font-size": 11, color: "#1d2430", "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "z-index": 1 } },
      { selector: "edge[?dashed]", style: { "line-style": "dashed", opacity: 0.55 } },
      { selector: "edge[?unpriced]", style: { "line-style": "dotted" } },
      { selector: "edge.hover, edge:selected", style: { label: "data(amountText)", opacity: 1 } },
      { selector: ".faded", style: { opacity: 0.1 } },
      { selector: "edge.cycle", style: { opacity: 1, "line-color": "#c0392b", "target-arrow-color": "#c0392b", "z-index": 10 } },
      { selector: "node.cycle", style: { "border-width": 3, "border-color": "#c0392b" } },
      { selector: "node.defaulted", style: { "border-width": 4, "border-color": "#c0392b", "background-color": "#e74c3c" } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#f1c40f", "line-color": "#f1c40f", "target-arrow-color": "#f1c40f" } },
    ];
  }

  // ------------------------------------------------------------ SVG of the graph as drawn
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

  /** The visible graph as SVG in panel pixels (W × H), with the role names, and a legend of the
   * deal kinds in a band below it: `{svg, height}` with the height of drawing and legend. */
  function toSvg(cy, W, H, tags, legendTitle) {
    const out = [];
    out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
    const tagText = [];
    for (const tg of tags) {
      const text = tg.text.toUpperCase();
      const w = textWidth(text, 12, 700) + 10;
      tagText.push(`<rect x="${(tg.x - w / 2).toFixed(1)}" y="${(tg.y - 16).toFixed(1)}" width="${w.toFixed(1)}" height="16" rx="3" fill="#ffffff" opacity="0.88"/>` +
        `<text x="${tg.x.toFixed(1)}" y="${(tg.y - 4).toFixed(1)}" text-anchor="middle" font-family='${FONT}' ` +
        `font-size="12" font-weight="700" fill="${tg.color}" letter-spacing="0.4">${esc(text)}</text>`);
    }
    cy.edges(":visible").forEach((e) => {
      const s = e.renderedSourceEndpoint(), t = e.renderedTargetEndpoint();
      const cps = e.renderedControlPoints ? e.renderedControlPoints() : null;
      const c = cps && cps.length ? cps[0] : { x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 };
      const color = e.hasClass("cycle") ? "#c0392b" : KIND_COLORS[e.data("kind")] || "#999";
      const w = Number(e.data("width")) * cy.zoom();
      const op = e.hasClass("faded") ? 0.1 : e.hasClass("cycle") ? 1 : 0.62;
      const dash = e.data("dashed") ? ' stroke-dasharray="6 4"' : e.data("unpriced") ? ' stroke-dasharray="2 3"' : "";
      // stop the line at the arrow's base, then draw the arrow head along the curve's end tangent
      const dx = t.x - c.x, dy = t.y - c.y, L = Math.hypot(dx, dy) || 1;
      const ah = Math.max(7, 3.2 * w) * 0.9, aw = Math.max(5, 2.4 * w) * 0.9;
      const bx = t.x - (dx / L) * ah, by = t.y - (dy / L) * ah;
      out.push(`<path d="M${s.x.toFixed(1)},${s.y.toFixed(1)} Q${c.x.toFixed(1)},${c.y.toFixed(1)} ${bx.toFixed(1)},${by.toFixed(1)}" ` +
        `fill="none" stroke="${color}" stroke-width="${w.toFixed(2)}" opacity="${op}"${dash}/>`);
      const nx = -dy / L, ny = dx / L;
      out.push(`<polygon points="${t.x.toFixed(1)},${t.y.toFixed(1)} ${(bx + nx * aw).toFixed(1)},${(by + ny * aw).toFixed(1)} ` +
        `${(bx - nx * aw).toFixed(1)},${(by - ny * aw).toFixed(1)}" fill="${color}" opacity="${op}"/>`);
    });
    cy.nodes(":visible").forEach((n) => {
      const p = n.renderedPosition();
      const r = (Number(n.data("size")) * cy.zoom()) / 2;
      const op = n.hasClass("faded") ? 0.1 : 1;
      const stroke = n.hasClass("cycle") || n.hasClass("defaulted") ? "#c0392b" : "#ffffff";
      out.push(`<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${r.toFixed(1)}" fill="${n.data("color")}" ` +
        `stroke="${stroke}" stroke-width="1.5" opacity="${op}"/>`);
    });
    cy.nodes(":visible").forEach((n) => {
      const p = n.renderedPosition();
      const r = (Number(n.data("size")) * cy.zoom()) / 2;
      const fs = Number(n.data("fs")) * cy.zoom(), fw = n.data("fw");
      const text = n.data("short");
      const tw = textWidth(text, fs, fw);
      const y = p.y + r + 3;
      const op = n.hasClass("faded") ? 0.1 : 1;
      out.push(`<rect x="${(p.x - tw / 2 - 1).toFixed(1)}" y="${y.toFixed(1)}" width="${(tw + 2).toFixed(1)}" ` +
        `height="${(fs * 1.25).toFixed(1)}" fill="#ffffff" opacity="${0.85 * op}"/>`);
      out.push(`<text x="${p.x.toFixed(1)}" y="${(y + fs).toFixed(1)}" text-anchor="middle" font-family='${FONT}' ` +
        `font-size="${fs.toFixed(1)}" font-weight="${fw}" fill="#1d2430" opacity="${op}">${esc(text)}</text>`);
    });
    out.push(...tagText);  // role names above the drawing
    // legend: the deal kinds present, in a band of its own below the drawing (over it, it hid
    // the bottom row's labels), wrapped onto as many rows as the width needs
    const kinds = [...new Set(cy.edges(":visible").map((e) => e.data("kind")))].sort();
    const ROW = 18;
    const items = [{ title: true, text: legendTitle.title, w: textWidth(legendTitle.title, 11, 400) + 8 }]
      .concat(kinds.map((k) => {
        const text = legendTitle.kinds[k] || k;
        return { kind: k, text, w: 24 + textWidth(text, 11, 400) + 8 };
      }));
    let x = 10, row = 0;
    const legend = [];
    for (const it of items) {
      if (x > 10 && x + it.w > W - 10) { x = 10; row += 1; }
      const y = H + 14 + ROW * row;
      if (it.title) {
        legend.push(`<text x="${x}" y="${y}" font-family='${FONT}' font-size="11" fill="#66707f">${esc(it.text)}</text>`);
      } else {
        legend.push(`<rect x="${x}" y="${y - 6}" width="14" height="4" fill="${KIND_COLORS[it.kind] || "#999"}"/>`);
        legend.push(`<text x="${x + 18}" y="${y}" font-family='${FONT}' font-size="11" fill="#1d2430">${esc(it.text)}</text>`);
      }
      x += it.w;
    }
    const total = H + 8 + ROW * (row + 1);
    out.unshift(`<rect x="0" y="${H}" width="${W}" height="${total - H}" fill="#ffffff"/>`);
    out.push(...legend);
    return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" viewBox="0 0 ${W} ${total}">${out.join("")}</svg>`,
      height: total };
  }

  return { FONT, KIND_COLORS, ROLES, TOP_LABELS, roleOf, prepare, layout, curve, style, toSvg, textWidth, esc };
})();
