/* circularity dashboard: one page over the JSON API (same origin, no CDN, no build step). */
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const TEST = params.get("test") === "1";
  if (TEST) document.body.classList.add("no-anim");

  const KIND_COLORS = {
    equity: "#2f5bd3", compute: "#e67e22", hardware: "#16a085", loan: "#8e44ad",
    bond: "#6c3483", warrant: "#7f8c8d", backstop: "#c0392b", lease: "#d4ac0d",
  };
  const ENTITY_COLORS = {
    lab: "#1d2430", chipmaker: "#16a085", hyperscaler: "#2f5bd3", neocloud: "#e67e22",
    datacenter: "#d4ac0d", investor: "#8e44ad", lender: "#6c3483", spv: "#95a5a6", unknown: "#bdc3c7",
  };
  const PLOT_CONFIG = { displaylogo: false, responsive: true };
  const PLOT_LAYOUT = {
    margin: { l: 60, r: 20, t: 30, b: 40 }, font: { size: 11 }, xaxis: { nticks: 12 },
    legend: { orientation: "h", y: -0.18 }, transition: { duration: 0 },
  };

  const state = {
    meta: null, asOf: null, graph: null, loops: null, features: {},
    kinds: new Set(), confidences: new Set(), minAmount: 0, showInactive: false,
    entities: [], scenarios: null, lastProjection: null,
  };
  const circ = { state, cy: null, renders: 0 };
  window.circ = circ;

  // ---------------------------------------------------------------- helpers
  const $ = (sel) => document.querySelector(sel);
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function fmt(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    const d = digits === undefined ? (Math.abs(x) >= 100 || Number.isInteger(x) ? 0 : 1) : digits;
    return Number(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }
  function showError(msg) {
    const box = $("#error");
    box.textContent = msg;
    box.hidden = !msg;
  }
  async function api(path, options) {
    const res = await fetch(path, options);
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && body.error ? body.error.message : res.status + " " + res.statusText;
      throw new Error(msg);
    }
    return body;
  }
  function postJSON(path, payload) {
    return api(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
    });
  }
  // Plotly is 4.8 MB of JS: load it after the graph is on screen, once, when a chart needs it.
  let plotlyPromise = null;
  function ensurePlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyPromise) {
      plotlyPromise = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = "/static/vendor/plotly.min.js";
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => reject(new Error("could not load plotly.min.js"));
        document.head.append(s);
      });
    }
    return plotlyPromise;
  }
  async function plot(id, traces, layout) {
    const Plotly = await ensurePlotly();
    document.getElementById(id).removeAttribute("data-empty"); // full height before Plotly sizes it
    await Plotly.react(id, traces, layout, PLOT_CONFIG);
  }
  function isoDay(d) { return d.toISOString().slice(0, 10); }
  function addDays(iso, n) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return isoDay(d);
  }
  function daysBetween(a, b) {
    return Math.round((new Date(b + "T00:00:00Z") - new Date(a + "T00:00:00Z")) / 86400000);
  }
  function debounce(fn, ms) {
    let t = null;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }
  function fill(box, ...children) {
    box.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }
  function sourceLinks(sources) {
    return el("ul", {}, sources.map((s) => el("li", {},
      el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.title),
      el("span", { class: "muted" }, " · ", s.publisher, ", ", s.published))));
  }

  // ---------------------------------------------------------------- graph
  function buildCy() {
    circ.cy = cytoscape({
      container: $("#cy"),
      elements: [],
      minZoom: 0.2, maxZoom: 4,
      style: [
        { selector: "node", style: {
          "background-color": (n) => ENTITY_COLORS[n.data("kind")] || ENTITY_COLORS.unknown,
          width: "data(size)", height: "data(size)", label: "data(short)",
          "font-size": 11, "text-valign": "bottom", "text-margin-y": 3, color: "#1d2430",
          "text-background-color": "#fff", "text-background-opacity": 0.7, "text-background-padding": 1,
          "border-width": 1, "border-color": "#fff" } },
        { selector: "edge", style: {
          width: "data(width)", "line-color": (e) => KIND_COLORS[e.data("kind")] || "#999",
          "target-arrow-color": (e) => KIND_COLORS[e.data("kind")] || "#999",
          "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier",
          opacity: 0.75, label: "data(label)", "font-size": 8, color: "#444",
          "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.6 } },
        { selector: "edge[?dashed]", style: { "line-style": "dashed", opacity: 0.6 } },
        { selector: ".faded", style: { opacity: 0.12 } },
        { selector: "edge.cycle", style: { opacity: 1, "line-color": "#c0392b", "target-arrow-color": "#c0392b", "z-index": 10 } },
        { selector: "node.cycle", style: { "border-width": 3, "border-color": "#c0392b" } },
        { selector: "node.defaulted", style: { "border-width": 4, "border-color": "#c0392b", "background-color": "#e74c3c" } },
        { selector: ":selected", style: { "border-width": 3, "border-color": "#f1c40f", "line-color": "#f1c40f", "target-arrow-color": "#f1c40f" } },
      ],
    });
    circ.cy.on("tap", "node", (evt) => showEntity(evt.target.id()));
    circ.cy.on("tap", "edge", (evt) => showDeal(evt.target.id()));
  }

  function renderGraph(graph) {
    const cy = circ.cy;
    const nodes = graph.elements.nodes.map((n) => ({ data: { ...n.data } }));
    const edges = graph.elements.edges.map((e) => ({ data: { ...e.data } }));
    const mvMax = Math.max(1, ...nodes.map((n) => n.data.market_value || 0));
    const amtMax = Math.max(1, ...edges.map((e) => e.data.amount || 0));
    for (const n of nodes) {
      const mv = n.data.market_value;
      n.data.size = mv ? 18 + 62 * Math.sqrt(mv / mvMax) : 16;
      n.data.short = n.data.label.length > 22 ? n.data.label.slice(0, 20) + "…" : n.data.label;
    }
    for (const e of edges) {
      const a = e.data.amount || 0;
      e.data.width = 1 + 9 * Math.sqrt(a / amtMax);
    }
    // weighted degree puts the centre of the web in the middle
    const weight = {};
    for (const e of edges) {
      const a = e.data.amount || 1;
      weight[e.data.source] = (weight[e.data.source] || 0) + a;
      weight[e.data.target] = (weight[e.data.target] || 0) + a;
    }
    cy.batch(() => {
      cy.elements().remove();
      cy.add(nodes);
      cy.add(edges);
    });
    // deterministic start (heaviest nodes near the centre), then a force layout without randomness
    const order = nodes.map((n) => n.data.id).sort((a, b) => (weight[b] || 0) - (weight[a] || 0) || (a < b ? -1 : 1));
    order.forEach((id, i) => {
      const ring = i === 0 ? 0 : 120 + 18 * Math.sqrt(i) * 10;
      const angle = i * 2.399963;  // golden angle
      cy.getElementById(id).position({ x: ring * Math.cos(angle), y: ring * Math.sin(angle) });
    });
    cy.layout({
      name: "cose", animate: false, randomize: false, fit: true, padding: 24,
      nodeRepulsion: () => 400000, idealEdgeLength: () => 120, edgeElasticity: () => 60,
      gravity: 0.3, numIter: 1500, componentSpacing: 60, nodeDimensionsIncludeLabels: true,
    }).run();
    circ.renders += 1;
    const box = $("#cy");
    box.dataset.asOf = graph.as_of;
    box.dataset.nodes = String(nodes.length);
    box.dataset.edges = String(edges.length);
    $("#graph-status").textContent =
      `${nodes.length} entities · ${edges.length} deals · $${fmt(graph.live_volume_usd_bn, 0)}bn in live deals`;
  }

  function graphQuery() {
    const q = new URLSearchParams({ as_of: state.asOf });
    const allKinds = state.meta.vocabulary.deal_kinds;
    if (state.kinds.size !== allKinds.length) for (const k of state.kinds) q.append("kind", k);
    const allConf = state.meta.vocabulary.confidences;
    if (state.confidences.size !== allConf.length) for (const c of state.confidences) q.append("confidence", c);
    if (state.minAmount > 0) q.set("min_amount", String(state.minAmount));
    if (state.showInactive) q.set("include_inactive", "true");
    return q;
  }

  async function loadGraph() {
    if (state.kinds.size === 0 || state.confidences.size === 0) {
      renderGraph({ as_of: state.asOf, elements: { nodes: [], edges: [] }, live_volume_usd_bn: 0 });
      return;
    }
    try {
      const graph = await api("/api/graph?" + graphQuery().toString());
      state.graph = graph;
      renderGraph(graph);
      showError("");
    } catch (err) { showError("graph: " + err.message); }
  }

  // ---------------------------------------------------------------- details
  async function showEntity(id) {
    const box = $("#details");
    try {
      const d = await api(`/api/entities/${encodeURIComponent(id)}?as_of=${state.asOf}`);
      const e = d.entity;
      const mv = d.market_value;
      const deals = d.deals.slice().sort((a, b) => (b.amount_central_usd_bn || 0) - (a.amount_central_usd_bn || 0));
      const fin = d.financials.slice().sort((a, b) => (a.period_end < b.period_end ? 1 : -1)).slice(0, 12);
      fill(box,
        el("h3", {}, e.name),
        el("dl", {},
          el("dt", {}, "kind"), el("dd", {}, e.kind),
          el("dt", {}, "ticker"), el("dd", {}, e.ticker || "private"),
          el("dt", {}, "country"), el("dd", {}, e.country || "–"),
          el("dt", {}, "market value"), el("dd", {}, mv ? `$${fmt(mv.value_usd_bn, 0)}bn (${mv.metric}, ${mv.period_end})` : "–"),
          el("dt", {}, "confidence"), el("dd", {}, e.confidence)),
        e.notes ? el("p", { class: "muted" }, e.notes) : null,
        el("h3", {}, `Deals (${deals.length})`),
        el("ul", {}, deals.map((x) => el("li", {},
          el("button", { class: "linklike", type: "button", onclick: () => showDeal(x.id) }, x.id),
          ` ${x.payer} → ${x.payee}: $${fmt(x.amount_central_usd_bn)}bn `,
          el("span", { class: "pill" }, x.kind), el("span", { class: x.live ? "pill" : "pill bad" }, x.status)))),
        el("h3", {}, "Financials (latest)"),
        el("table", {}, el("tbody", {}, fin.map((f) => el("tr", {},
          el("td", {}, f.metric), el("td", {}, f.period), el("td", { class: "num" }, fmt(f.value)), el("td", {}, f.unit))))),
        el("h3", {}, "Sources"), sourceLinks(d.sources));
      circ.cy.$(":selected").unselect();
      circ.cy.getElementById(id).select();
    } catch (err) { showError("entity: " + err.message); }
  }

  async function showDeal(id) {
    const box = $("#details");
    try {
      const d = await api(`/api/deals/${encodeURIComponent(id)}?as_of=${state.asOf}`);
      const x = d.deal;
      const lo = x.amount_low_usd_bn, hi = x.amount_high_usd_bn;
      const range = lo !== null && hi !== null ? ` (range ${fmt(lo)}–${fmt(hi)})`
        : hi !== null ? ` (up to ${fmt(hi)})` : lo !== null ? ` (at least ${fmt(lo)})` : "";
      fill(box,
        el("h3", {}, `${x.id}: ${x.payer} → ${x.payee}`),
        el("p", {}, x.description),
        el("dl", {},
          el("dt", {}, "kind"), el("dd", {}, x.kind),
          el("dt", {}, "amount"), el("dd", {}, `$${fmt(x.amount_central_usd_bn)}bn${range}`),
          el("dt", {}, "status"), el("dd", {}, el("span", { class: x.live ? "pill" : "pill bad" }, x.status),
            x.superseded_by ? ` by ${x.superseded_by}` : ""),
          el("dt", {}, "confidence"), el("dd", {}, x.confidence),
          el("dt", {}, "announced"), el("dd", {}, x.announced),
          el("dt", {}, "start / end"), el("dd", {}, `${x.start || "–"} / ${x.end || "–"}`),
          el("dt", {}, "term"), el("dd", {}, x.term_years ? `${x.term_years} years` : "–"),
          el("dt", {}, "gigawatts"), el("dd", {}, x.gigawatts ?? "–")),
        x.terms ? el("p", {}, el("b", {}, "Terms: "), x.terms) : null,
        x.notes ? el("p", { class: "muted" }, x.notes) : null,
        x.missing ? el("p", { class: "muted" }, "Missing: " + x.missing) : null,
        d.history.length ? el("h3", {}, "Revisions") : null,
        d.history.length ? el("ul", {}, d.history.map((r) => el("li", {}, `${r.valid_from}: ${r.note}`))) : null,
        el("h3", {}, "Sources"), sourceLinks(d.sources));
      circ.cy.$(":selected").unselect();
      circ.cy.getElementById(id).select();
    } catch (err) { showError("deal: " + err.message); }
  }

  // ---------------------------------------------------------------- circularity
  const NULL_WEBS = 1000;  // the same test as `circularity loops --null 1000 --seed 7`

  function renderCycles(r) {
    const list = $("#cycles");
    list.replaceChildren(...r.cycles.map((c, i) => el("li", {
      "data-index": i,
      onclick: (ev) => highlightCycle(c, ev.currentTarget),
    }, `$${fmt(c.amount)}bn × ${c.entities.length}: ${c.entities.join(" → ")} → ${c.entities[0]}`,
      el("span", { class: "deal-ids muted" }, `  deals ${c.deal_ids.map((ids) => ids.join("+")).join(" | ")}`))));
    if (!r.cycles.length) list.replaceChildren(el("li", {}, "no cycles in the money-flow graph on this date"));
  }

  async function loadLoops() {
    if (!state.features.loops) return;
    const asOf = state.asOf;
    try {
      const r = await api(`/api/loops?as_of=${asOf}&top=15`);
      state.loops = r;
      $("#circ-volume").textContent = fmt(r.circulating_volume);
      $("#circ-total").textContent = fmt(r.total_volume);
      $("#circ-ratio").textContent = pct(r.circularity_ratio);
      $("#circ-scope").textContent = `money-flow graph as of ${r.as_of}, window ${r.window}, ${r.n_edges} flows`;
      $("#circ-z").textContent = "…";
      $("#circ-p").textContent = "…";
      renderCycles(r);
    } catch (err) { showError("circularity: " + err.message); return; }
    loadSignificance(asOf);
    loadVendors(asOf);
  }

  async function loadSignificance(asOf) {
    try {
      const r = await api(`/api/loops?as_of=${asOf}&top=15&null=${NULL_WEBS}&seed=7`);
      if (asOf !== state.asOf) return;  // the date moved on meanwhile
      const nm = r.null_model;
      $("#circ-z").textContent = nm.z_score === null ? "n/a" : nm.z_score.toFixed(2);
      $("#circ-p").textContent = nm.p_value.toFixed(3);
      $("#circ-null-n").textContent = nm.n.toLocaleString("en-US");
      $("#loops-card").dataset.significance = "1";
    } catch (err) { showError("significance: " + err.message); }
  }

  async function loadVendors(asOf) {
    try {
      const m = await api(`/api/metrics?as_of=${asOf}`);
      if (asOf !== state.asOf) return;
      $("#vendor-table thead").replaceChildren(el("tr", {},
        ["vendor", "customers", "financing ($bn)", "purchases ($bn)", "÷ purchases", "÷ revenue", "deals"]
          .map((h) => el("th", {}, h))));
      $("#vendor-table tbody").replaceChildren(...m.vendor_financing.map((v) => el("tr", { title: v.note || "" },
        el("td", {}, v.vendor), el("td", {}, v.customers.join(", ") || "–"),
        el("td", { class: "num" }, fmt(v.financing)), el("td", { class: "num" }, fmt(v.purchases)),
        el("td", { class: "num" }, pct(v.ratio_to_purchases)), el("td", { class: "num" }, pct(v.ratio_to_revenue)),
        el("td", { class: "muted" }, v.financing_deals.join(", ") || "–"))));
      $("#vendor-definition").textContent = m.definition;
    } catch (err) { showError("vendor financing: " + err.message); }
  }

  function highlightCycle(c, li) {
    const cy = circ.cy;
    const wasActive = li.classList.contains("active");
    document.querySelectorAll("#cycles li").forEach((x) => x.classList.remove("active"));
    cy.elements().removeClass("cycle faded");
    if (wasActive) return;
    li.classList.add("active");
    const dealIds = new Set(c.deal_ids.flat());
    cy.elements().addClass("faded");
    for (const id of c.entities) cy.getElementById(id).removeClass("faded").addClass("cycle");
    cy.edges().forEach((e) => { if (dealIds.has(e.id())) e.removeClass("faded").addClass("cycle"); });
  }

  // ---------------------------------------------------------------- stress
  function entityOptions(selected) {
    return state.entities.map((e) => el("option", { value: e.id, selected: e.id === selected }, e.name));
  }
  function addShock(entity, pays) {
    const out = el("output", {}, pct(pays));
    const range = el("input", { type: "range", min: 0, max: 1, step: 0.05, value: pays, class: "shock-pays",
      "aria-label": "share it pays", oninput: (ev) => { out.textContent = pct(Number(ev.target.value)); } });
    const row = el("div", { class: "shock" },
      el("select", { class: "shock-entity", "aria-label": "entity" }, entityOptions(entity)),
      el("span", { class: "muted" }, "pays"), range, out,
      el("button", { type: "button", class: "secondary", onclick: () => row.remove() }, "×"));
    $("#shocks").append(row);
  }

  async function runStress() {
    const shocks = [...document.querySelectorAll("#shocks .shock")].map((row) => ({
      entity: row.querySelector(".shock-entity").value,
      pays: Number(row.querySelector(".shock-pays").value),
    }));
    const button = $("#run-stress");
    button.disabled = true;
    $("#stress-status").textContent = "running…";
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/stress", { shocks, as_of: state.asOf });
      renderStress(r);
      $("#stress-status").textContent = `done in ${Math.round(performance.now() - t0)} ms`;
      showError("");
    } catch (err) {
      $("#stress-status").textContent = "";
      showError("stress: " + err.message);
    } finally { button.disabled = false; }
  }

  function renderStress(r) {
    const table = $("#stress-table");
    table.querySelector("thead").replaceChildren(el("tr", {},
      r.columns.map((c) => el("th", { class: c.numeric ? "num" : null }, c.label))));
    table.querySelector("tbody").replaceChildren(...r.rows.map((row) => el("tr", { class: row.defaulted ? "defaulted" : null },
      r.columns.map((c) => el("td", { class: c.numeric ? "num" : null },
        c.numeric ? (c.percent ? pct(row[c.key]) : fmt(row[c.key])) : (c.key === "defaulted" ? (row[c.key] ? "yes" : "") : row[c.key]))))));
    $("#stress-totals").replaceChildren(...Object.entries(r.totals).map(([k, v]) =>
      el("div", { class: "kpi" }, el("span", { class: "kpi-v" }, typeof v === "number" ? fmt(v) : String(v)),
        el("span", { class: "kpi-l" }, k.replaceAll("_", " ")))));
    const bars = r.rows.filter((x) => (x.market_value_lost_usd_bn || 0) > 0)
      .sort((a, b) => b.market_value_lost_usd_bn - a.market_value_lost_usd_bn).slice(0, 15);
    plot("stress-chart", [{
      type: "bar", x: bars.map((x) => x.name), y: bars.map((x) => x.market_value_lost_usd_bn),
      marker: { color: bars.map((x) => (x.defaulted ? "#c0392b" : "#2f5bd3")) },
      hovertemplate: "%{x}: $%{y:,.0f}bn<extra></extra>",
    }], { ...PLOT_LAYOUT, title: { text: "Market value lost ($bn)", font: { size: 12 } }, yaxis: { title: { text: "$bn" } } });
    const cy = circ.cy;
    cy.nodes().removeClass("defaulted");
    for (const row of r.rows) if (row.defaulted) cy.getElementById(row.id).addClass("defaulted");
    $("#stress-table").dataset.rows = String(r.rows.length);
  }

  // ---------------------------------------------------------------- projection
  // Only levers the user moved are sent: the others keep the preset's own (possibly time-varying) values.
  const touched = new Set();
  function sliderValues() {
    const out = {};
    document.querySelectorAll("#sliders input").forEach((s) => { if (touched.has(s.name)) out[s.name] = Number(s.value); });
    return out;
  }
  function buildSliders(preset) {
    const box = $("#sliders");
    touched.clear();
    const defaults = (state.scenarios.presets.find((p) => p.name === preset) || {}).levers || {};
    box.replaceChildren(...state.scenarios.levers.map((lv) => {
      const value = defaults[lv.key] ?? lv.default;
      const out = el("output", {}, lv.format === "percent" ? pct(value) : fmt(value, lv.digits ?? 1));
      const input = el("input", { type: "range", name: lv.key, min: lv.min, max: lv.max, step: lv.step, value,
        "aria-label": lv.label,
        oninput: (ev) => {
          const v = Number(ev.target.value);
          out.textContent = lv.format === "percent" ? pct(v) : fmt(v, lv.digits ?? 1);
          touched.add(lv.key);
          runProjectionSoon();
        } });
      return el("label", { title: lv.help || "" }, el("span", {}, lv.label), out, input);
    }));
  }
  async function runProjection() {
    // the preset's own as-of date: a projection starts from the web as the preset knew it
    const payload = { scenario: $("#preset").value, levers: sliderValues(), entities: [$("#proj-entity").value] };
    $("#projection-status").textContent = "running…";
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/project", payload);
      state.lastProjection = r;
      renderProjection(r);
      $("#projection-status").textContent = `done in ${Math.round(performance.now() - t0)} ms`;
      showError("");
    } catch (err) {
      $("#projection-status").textContent = "";
      showError("projection: " + err.message);
    }
  }
  const runProjectionSoon = debounce(runProjection, 250);

  async function renderProjection(r) {
    const ent = $("#proj-entity").value;
    const s = r.series[ent];
    const traces = ["cash", "debt", "shortfall"].filter((k) => s && s[k]).map((k) => ({
      type: "scatter", mode: "lines", name: k, x: r.quarters, y: s[k],
      line: { width: 2, color: { cash: "#1e8449", debt: "#8e44ad", shortfall: "#c0392b" }[k] },
    }));
    await plot("projection-chart", traces, {
      ...PLOT_LAYOUT, title: { text: `${ent}: cash, debt and shortfall ($bn), ${r.scenario}`, font: { size: 12 } },
      yaxis: { title: { text: "$bn" } },
    });
    const box = $("#projection-chart");
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
    box.dataset.signature = JSON.stringify(traces.map((t) => t.y.slice(-4)));
    $("#projection-headlines").replaceChildren(...Object.entries(r.headlines || {}).map(([k, v]) => {
      const text = Array.isArray(v) ? (v.length ? v.join(", ") : "none") : typeof v === "number" ? fmt(v) : String(v ?? "–");
      return el("div", { class: "kpi" }, el("span", { class: Array.isArray(v) ? "kpi-v small" : "kpi-v" }, text),
        el("span", { class: "kpi-l" }, k.replaceAll("_", " ")));
    }));
  }

  async function runSimulate() {
    const button = $("#run-simulate");
    button.disabled = true;
    $("#simulate-status").textContent = "running…";
    const ent = $("#proj-entity").value;
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/simulate", {
        scenario: $("#preset").value, n: Number($("#sim-n").value), seed: Number($("#sim-seed").value),
        levers: sliderValues(), entities: [ent],
      });
      renderFan(r, ent);
      $("#simulate-status").textContent = `${r.n} draws in ${Math.round(performance.now() - t0)} ms`;
      showError("");
    } catch (err) {
      $("#simulate-status").textContent = "";
      showError("simulation: " + err.message);
    } finally { button.disabled = false; }
  }

  function renderFan(r, ent) {
    const q = r.quantiles[ent] && r.quantiles[ent][r.metric];
    if (!q) return;
    const x = r.quarters;
    const band = (lo, hi, name, alpha) => [
      { x, y: q[hi], type: "scatter", mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
      { x, y: q[lo], type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: `rgba(47,91,211,${alpha})`, name },
    ];
    const traces = [
      ...band("p05", "p95", "5–95%", 0.15), ...band("p25", "p75", "25–75%", 0.3),
      { x, y: q.p50, type: "scatter", mode: "lines", name: "median", line: { color: "#2f5bd3", width: 2 } },
    ];
    plot("fan-chart", traces, {
      ...PLOT_LAYOUT, title: { text: `${ent}: ${r.metric} ($bn), ${r.n} draws`, font: { size: 12 } },
      yaxis: { title: { text: "$bn" } },
    });
  }

  // ---------------------------------------------------------------- sensitivity
  // The tornado of /api/sensitivity (`circularity sensitivity`) for the preset and levers above.
  let sensitivityShown = false;
  async function runSensitivity() {
    const button = $("#run-sensitivity");
    button.disabled = true;
    $("#sensitivity-status").textContent = "running…";
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/sensitivity", {
        scenario: $("#preset").value, output: $("#sens-output").value, levers: sliderValues(),
      });
      await renderTornado(r);
      sensitivityShown = true;
      $("#sensitivity-status").textContent = `${r.evaluations} model runs in ${Math.round(performance.now() - t0)} ms`;
      showError("");
    } catch (err) {
      $("#sensitivity-status").textContent = "";
      showError("sensitivity: " + err.message);
    } finally { button.disabled = false; }
  }

  function paramValue(x) { return Math.abs(x) >= 100 ? fmt(x, 0) : String(Number(x.toPrecision(3))); }

  async function renderTornado(r) {
    const rows = r.table.filter((x) => x.output_low !== null && x.output_high !== null);
    const lo = `p${Math.round(100 * r.low_q)}`, hi = `p${Math.round(100 * r.high_q)}`;
    // one bar per parameter, from y(low) to y(high); a trace per direction gives the legend
    const groups = [
      ["a higher value raises it", "#2f5bd3", (x) => x.output_high > x.output_low],
      ["a higher value lowers it", "#e67e22", (x) => x.output_high < x.output_low],
      ["no effect at these quantiles", "#95a5a6", (x) => x.output_high === x.output_low],
    ];
    const traces = groups.map(([name, color, pick]) => {
      const sel = rows.filter(pick);
      return {
        type: "bar", orientation: "h", name, y: sel.map((x) => x.parameter),
        base: sel.map((x) => Math.min(x.output_low, x.output_high)),
        x: sel.map((x) => Math.abs(x.output_high - x.output_low)),
        marker: { color },
        customdata: sel.map((x) => [paramValue(x.low), paramValue(x.high), fmt(x.output_low), fmt(x.output_high)]),
        hovertemplate: `%{y}<br>at its ${lo} (%{customdata[0]}): %{customdata[2]}<br>` +
          `at its ${hi} (%{customdata[1]}): %{customdata[3]}<extra></extra>`,
      };
    }).filter((t) => t.y.length);
    await plot("sensitivity-chart", traces, {
      ...PLOT_LAYOUT, barmode: "overlay", margin: { ...PLOT_LAYOUT.margin, l: 10 },
      title: { text: `${r.scenario}: what moves ${r.output.replaceAll("_", " ")} (${r.unit})`, font: { size: 12 } },
      xaxis: { title: { text: r.unit }, zeroline: false },
      yaxis: { automargin: true, categoryorder: "array", categoryarray: rows.map((x) => x.parameter), autorange: "reversed" },
      shapes: r.base === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: r.base, x1: r.base, y0: 0, y1: 1,
        line: { color: "#1d2430", width: 1, dash: "dash" } }],
      legend: { orientation: "h", y: -0.16 },
    });
    const moved = r.levers_moved_by_tornado.length
      ? ` The tornado moves ${r.levers_moved_by_tornado.join(", ")} itself, so that slider does not enter here.` : "";
    $("#sensitivity-note").textContent =
      `Each bar: ${r.description}, in ${r.unit}, as one assumption alone goes from its ${lo} to its ${hi} ` +
      `while the others stay at their medians; dashed line: all at their medians (${fmt(r.base)}). ` +
      `Ranked by swing; ${r.evaluations} model runs; distributions from ${r.uncertainty}.${moved}`;
    const box = $("#sensitivity-chart");
    box.dataset.bars = String(rows.length);
    box.dataset.parameters = String(r.table.length);
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
  }

  // ---------------------------------------------------------------- claims
  async function loadClaims() {
    if (!state.features.claims) return;
    try {
      const r = await api("/api/claims");
      $("#claims-table thead").replaceChildren(el("tr", {},
        ["claim", "source", "computed", "claimed", "unit", "verdict", "reason"].map((h) => el("th", {}, h))));
      $("#claims-table tbody").replaceChildren(...r.claims.map((c) => el("tr", {},
        el("td", {}, c.claim), el("td", {}, c.source_url ? el("a", { href: c.source_url, target: "_blank", rel: "noopener noreferrer" }, c.source) : c.source),
        el("td", { class: "num" }, fmt(c.computed, 2)), el("td", { class: "num" }, fmt(c.claimed, 2)),
        el("td", {}, c.unit || ""),
        el("td", {}, el("span", { class: c.verdict === "holds" ? "pill good" : (c.verdict === "does not hold" ? "pill bad" : "pill") }, c.verdict)),
        el("td", { class: "muted" }, c.reason || ""))));
    } catch (err) { showError("claims: " + err.message); }
  }

  // ---------------------------------------------------------------- filters and date
  function buildFilters() {
    const kinds = $("#kind-filter");
    for (const k of state.meta.vocabulary.deal_kinds) {
      state.kinds.add(k);
      kinds.append(el("label", {}, el("input", { type: "checkbox", checked: true, value: k, onchange: (ev) => {
        if (ev.target.checked) state.kinds.add(k); else state.kinds.delete(k);
        loadGraph();
      } }), el("span", { class: "swatch", style: `background:${KIND_COLORS[k]}` }), k));
    }
    const conf = $("#confidence-filter");
    for (const c of state.meta.vocabulary.confidences) {
      state.confidences.add(c);
      conf.append(el("label", {}, el("input", { type: "checkbox", checked: true, value: c, onchange: (ev) => {
        if (ev.target.checked) state.confidences.add(c); else state.confidences.delete(c);
        loadGraph();
      } }), c.replace("_", " ")));
    }
    const reload = debounce(loadGraph, 150);
    $("#min-amount").addEventListener("input", (ev) => {
      state.minAmount = Number(ev.target.value);
      $("#min-amount-out").textContent = String(state.minAmount);
      reload();
    });
    $("#show-inactive").addEventListener("change", (ev) => { state.showInactive = ev.target.checked; loadGraph(); });
  }

  function setupDate() {
    const first = state.meta.first_date || state.meta.today;
    const today = state.meta.today;
    const slider = $("#as-of-slider");
    const input = $("#as-of");
    slider.max = String(Math.max(0, daysBetween(first, today)));
    input.min = first;
    input.max = today;
    const requested = params.get("as_of");
    state.asOf = requested && /^\d{4}-\d{2}-\d{2}$/.test(requested) ? requested : today;
    input.value = state.asOf;
    slider.value = String(daysBetween(first, state.asOf));
    const apply = debounce(() => dateChanged(), 200);
    slider.addEventListener("input", () => {
      state.asOf = addDays(first, Number(slider.value));
      input.value = state.asOf;
      apply();
    });
    const fromInput = () => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.value)) return;
      state.asOf = input.value;
      slider.value = String(daysBetween(first, state.asOf));
      apply();
    };
    input.addEventListener("change", fromInput);
    input.addEventListener("input", fromInput);
  }

  async function dateChanged() {
    await Promise.all([loadGraph(), loadLoops()]);
  }

  async function setupModels() {
    if (state.features.loops) $("#loops-card").hidden = false;
    if (state.features.stress) {
      $("#stress-card").hidden = false;
      addShock(state.entities.some((e) => e.id === "openai") ? "openai" : state.entities[0].id, 0.5);
      $("#add-shock").addEventListener("click", () => addShock(state.entities[0].id, 0.5));
      $("#run-stress").addEventListener("click", runStress);
    }
    if (state.features.projection) {
      state.scenarios = await api("/api/scenarios");
      $("#projection-card").hidden = false;
      const preset = $("#preset");
      preset.replaceChildren(...state.scenarios.presets.map((p) => el("option", { value: p.name, title: p.description || "" }, p.name)));
      const ents = state.scenarios.entities || state.entities.map((e) => e.id);
      $("#proj-entity").replaceChildren(...ents.map((id) => el("option", { value: id, selected: id === "openai" }, id)));
      buildSliders(preset.value);
      preset.addEventListener("change", () => { buildSliders(preset.value); runProjection(); });
      $("#proj-entity").addEventListener("change", () => {
        if (state.lastProjection && state.lastProjection.series[$("#proj-entity").value]) renderProjection(state.lastProjection);
        else runProjection();
      });
      if (state.features.simulate) {
        $("#simulate-block").hidden = false;
        $("#sim-n").max = String(state.meta.limits.max_draws);
        $("#run-simulate").addEventListener("click", runSimulate);
        $("#sensitivity-block").hidden = false;
        $("#run-sensitivity").addEventListener("click", runSensitivity);
        $("#sens-output").addEventListener("change", () => { if (sensitivityShown) runSensitivity(); });
        preset.addEventListener("change", () => { if (sensitivityShown) runSensitivity(); });
        $("#sliders").addEventListener("input", () => {
          if (sensitivityShown) $("#sensitivity-status").textContent = "levers moved: run the tornado again to update";
        });
      }
      runProjection();
    }
    if (state.features.claims) { $("#claims-card").hidden = false; loadClaims(); }
  }

  async function main() {
    try {
      circ.marks = { start: Math.round(performance.now()) };
      const [meta, ents] = await Promise.all([api("/api/meta"), api("/api/entities")]);
      circ.marks.meta = Math.round(performance.now());
      state.meta = meta;
      state.features = state.meta.features;
      $("#dataset-info").textContent = `${state.meta.dataset}: ${state.meta.counts.deals} deals, ${state.meta.counts.entities} entities`;
      state.entities = ents.records.map((e) => ({ id: e.id, name: e.name }))
        .sort((a, b) => a.name.localeCompare(b.name));
      buildCy();
      buildFilters();
      setupDate();
      await dateChanged();
      circ.firstRenderMs = Math.round(performance.now());  // from navigation start
      document.body.dataset.ready = "1";  // first render: the web and its circularity
      await setupModels();
      document.body.dataset.models = "1";
    } catch (err) {
      showError("could not start the dashboard: " + err.message);
    }
  }

  window.addEventListener("DOMContentLoaded", main);
})();
