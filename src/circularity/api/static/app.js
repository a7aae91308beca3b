/* circularity dashboard: one page over the JSON API (same origin, no CDN, no build step).
 * This file: helpers, the web of deals, filters, the date, exports and start-up; the model
 * panels (circularity, Sankey, stress, projection, claims) are in panels.js. */
"use strict";

(function () {
  const params = new URLSearchParams(window.location.search);
  const TEST = params.get("test") === "1";
  if (TEST) document.body.classList.add("no-anim");
  const I = window.circI18n;
  const W = window.circWeb;
  const t = I.t;

  const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
  const PLOT_LAYOUT = {
    margin: { l: 64, r: 20, t: 36, b: 44 }, font: { size: 12, family: W.FONT }, xaxis: { nticks: 12 },
    legend: { orientation: "h", y: -0.18 }, transition: { duration: 0 },
  };

  const state = {
    meta: null, asOf: null, graph: null, loops: null, features: {},
    kinds: new Set(), confidences: new Set(), minAmount: 0, showInactive: false, topN: 0, showCycles: false,
    entities: [], scenarios: null, lastProjection: null,
  };
  const circ = { state, cy: null, renders: 0, panels: {} };
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
  const fmt = I.num;
  function pct(x) {
    if (x === null || x === undefined) return "–";
    const s = (100 * x).toFixed(1);
    return (s === "-0.0" ? "0.0" : s) + "%";  // a fall of 1e-13 is 0.0%, not -0.0%
  }
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
    let h = null;
    return (...args) => { clearTimeout(h); h = setTimeout(() => fn(...args), ms); };
  }
  function fill(box, ...children) {
    box.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }
  function sourceLinks(sources) {
    return el("ul", {}, sources.map((s) => el("li", {},
      el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, s.title),
      el("span", { class: "muted" }, " · ", s.publisher, ", ", s.published))));
  }
  /** An entity's display name in the page's language (English name if the table lacks it). */
  function entityName(id) {
    const e = state.entities.find((x) => x.id === id);
    return I.name(id, e ? e.name : id);
  }
  const kindLabel = (k) => t(k);
  const unitsNote = () => t("amounts in {unit}", { unit: I.moneyUnit().unit });
  // the ledger's knowledge horizon as /api/meta states it (the latest source it cites, the rule of
  // `circularity summary`); never the latest deal date, an earlier day; "–" when none is known
  const horizon = () => (state.meta && state.meta.knowledge_horizon) || "–";

  Object.assign(circ, {
    h: { $, el, fmt, pct, showError, api, postJSON, plot, ensurePlotly, debounce, fill, sourceLinks,
      entityName, kindLabel, unitsNote, horizon, PLOT_LAYOUT, t, I, TEST },
  });

  // ---------------------------------------------------------------- graph
  function buildCy() {
    circ.cy = cytoscape({
      container: $("#cy"), elements: [], minZoom: 0.3, maxZoom: 4, wheelSensitivity: 0.3,
      style: W.style(), autoungrabify: false,
    });
    window.circularityGraph = circ.cy;
    circ.cy.on("tap", "node", (evt) => showEntity(evt.target.id()));
    circ.cy.on("tap", "edge", (evt) => showDeal(evt.target.id()));
    circ.cy.on("mouseover", "edge", (evt) => evt.target.addClass("hover"));
    circ.cy.on("mouseout", "edge", (evt) => evt.target.removeClass("hover"));
    circ.cy.on("viewport", placeRoleTags);
    window.addEventListener("resize", debounce(() => { if (state.graph) renderGraph(state.graph); }, 200));
  }

  /** Keep the N largest deals (by amount; unpriced deals last) and the entities they touch. */
  function topDeals(graph, n) {
    if (!n) return graph.elements;
    const edges = graph.elements.edges.slice()
      .sort((a, b) => (b.data.amount || -1) - (a.data.amount || -1) || (a.data.id < b.data.id ? -1 : 1))
      .slice(0, n);
    const used = new Set(edges.flatMap((e) => [e.data.source, e.data.target]));
    return { nodes: graph.elements.nodes.filter((x) => used.has(x.data.id)), edges };
  }

  function renderGraph(graph) {
    const cy = circ.cy;
    const shown = topDeals(graph, state.topN);
    const nodes = shown.nodes.map((n) => ({ data: { ...n.data } }));
    const edges = shown.edges.map((e) => ({ data: { ...e.data, amountText: e.data.amount ? I.money(e.data.amount) : t("amount not reported") } }));
    W.prepare(nodes, edges, (d) => I.shortName(I.name(d.id, d.label)));
    const box = $("#cy");
    const Wd = box.clientWidth || 800, Hd = box.clientHeight || 600;
    const pos = W.layout(nodes, Wd, Hd);
    W.curve(edges, pos);
    for (const n of nodes) n.position = pos[n.data.id];
    cy.batch(() => {
      cy.elements().remove();
      cy.add(nodes);
      cy.add(edges);
    });
    cy.zoom(1);
    cy.pan({ x: 0, y: 0 });
    placeRoleTags();
    if (state.showCycles) highlightLargestCycles();
    circ.renders += 1;
    box.dataset.asOf = graph.as_of;
    box.dataset.nodes = String(nodes.length);
    box.dataset.edges = String(edges.length);
    box.dataset.renders = String(circ.renders);
    const shownVolume = edges.reduce((s, e) => s + (e.data.amount || 0), 0);
    $("#graph-status").textContent = t("{n} entities · {m} deals · {amount} in the deals shown · {unit}", {
      n: nodes.length, m: edges.length, amount: I.money(shownVolume, 0), unit: unitsNote() });
    // the Sankey beside the web sums the deals the web shows (the top-N control included)
    if (circ.panels.sankey) circ.panels.sankey({ ...graph, elements: shown });
  }

  /** Role names written in the empty middle of each role's sector, in panel pixels. */
  function placeRoleTags() {
    const cy = circ.cy;
    const holder = $("#role-tags");
    if (!cy || !holder) return;
    const tags = roleTags();
    holder.replaceChildren(...tags.map((tg) => el("span", {
      class: "role-tag", style: `left:${tg.x}px;top:${tg.y}px;color:${tg.color}`,
    }, tg.text)));
  }
  /** Each role's name above its entities, moved (up first, then sideways) off every entity's
   * circle and label and off the other names, so no name hides a label. Panel pixels; (x, y) is
   * the tag's bottom centre (the CSS translates it by -50%, -100%). */
  function roleTags() {
    const cy = circ.cy;
    const z = cy.zoom(), pan = cy.pan();
    const W_ = cy.width(), H_ = cy.height();
    const taken = cy.nodes().map((n) => {
      const b = n.renderedBoundingBox({ includeLabels: true, includeEdges: false, includeOverlays: false });
      return { l: b.x1 - 2, r: b.x2 + 2, t: b.y1 - 2, b: b.y2 + 2 };
    });
    const clear = (q) => taken.every((o) => q.r <= o.l || o.r <= q.l || q.b <= o.t || o.b <= q.t);
    const out = [];
    for (const r of W.ROLES) {
      const ns = cy.nodes().filter((n) => n.data("role") === r.key);
      if (!ns.length) continue;
      const bb = ns.boundingBox({ includeLabels: true });
      const text = t(r.label);
      const w = W.textWidth(text.toUpperCase(), 12, 700) + 12, h = 17;
      // above the role's entities; investors (the left sector) left-aligned so the tag stays clear of the chipmakers
      const x0 = (r.key === "money" ? bb.x1 + w / 2 : (bb.x1 + bb.x2) / 2) * z + pan.x;
      const y0 = Math.max(h, (bb.y1 - 4) * z + pan.y);
      const rect = (x, y) => ({ l: x - w / 2, r: x + w / 2, t: y - h, b: y });
      let best = { x: x0, y: y0 };
      search: for (let step = 0; step <= 40; step += 1) {
        for (const [dx, dy] of [[0, -step * 6], [step * 12, 0], [-step * 12, 0], [step * 12, -step * 6], [-step * 12, -step * 6]]) {
          const x = Math.min(Math.max(x0 + dx, w / 2 + 2), W_ - w / 2 - 2);
          const y = Math.min(Math.max(y0 + dy, h + 1), H_ - 1);
          const q = rect(x, y);
          if (clear(q)) { best = { x, y }; break search; }
        }
      }
      taken.push(rect(best.x, best.y));
      out.push({ key: r.key, text, color: r.color, x: best.x, y: best.y });
    }
    return out;
  }
  function roleLegend() {
    $("#role-legend").replaceChildren(...W.ROLES.map((r) => el("span", { class: "legend-item" },
      el("span", { class: "dot", style: `background:${r.color}` }), t(r.label))));
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

  /** The filters in words, for captions. */
  function filterText() {
    const parts = [];
    const allKinds = state.meta.vocabulary.deal_kinds;
    if (state.kinds.size !== allKinds.length) parts.push(t("kinds: {list}", { list: [...state.kinds].map(kindLabel).join(", ") }));
    const allConf = state.meta.vocabulary.confidences;
    if (state.confidences.size !== allConf.length) parts.push(t("confidence: {list}", { list: [...state.confidences].map((c) => t(c.replace("_", " "))).join(", ") }));
    if (state.minAmount > 0) parts.push(t("deals of at least {amount}", { amount: I.money(state.minAmount) }));
    if (state.topN) parts.push(t("the {n} largest deals", { n: state.topN }));
    parts.push(state.showInactive ? t("superseded and cancelled deals included") : t("live deals only"));
    return parts.join("; ");
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
    } catch (err) { showError(t("graph") + ": " + err.message); }
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
      const local = I.name(e.id, e.name);
      fill(box,
        el("h3", {}, local === e.name ? e.name : `${local} (${e.name})`),
        el("dl", {},
          el("dt", {}, t("kind")), el("dd", {}, t(e.kind)),
          el("dt", {}, t("ticker")), el("dd", {}, e.ticker || t("private")),
          el("dt", {}, t("country")), el("dd", {}, e.country || "–"),
          el("dt", {}, t("market value")), el("dd", {}, mv ? `${I.money(mv.value_usd_bn, 0)} (${mv.metric}, ${mv.period_end})` : "–"),
          el("dt", {}, t("confidence")), el("dd", {}, t(e.confidence.replace("_", " ")))),
        e.notes ? el("p", { class: "muted" }, e.notes) : null,
        el("h3", {}, t("Deals ({n})", { n: deals.length })),
        el("ul", {}, deals.map((x) => el("li", {},
          el("button", { class: "linklike", type: "button", onclick: () => showDeal(x.id) }, x.id),
          ` ${entityName(x.payer)} → ${entityName(x.payee)}: ${I.money(x.amount_central_usd_bn)} `,
          el("span", { class: "pill" }, t(x.kind)), el("span", { class: x.live ? "pill" : "pill bad" }, t(x.status))))),
        el("h3", {}, t("Financials (latest)")),
        el("table", {}, el("tbody", {}, fin.map((f) => el("tr", {},
          el("td", {}, f.metric), el("td", {}, f.period), el("td", { class: "num" }, fmt(f.value)), el("td", {}, f.unit))))),
        el("h3", {}, t("Sources")), sourceLinks(d.sources));
      circ.cy.$(":selected").unselect();
      circ.cy.getElementById(id).select();
    } catch (err) { showError(t("entity") + ": " + err.message); }
  }

  async function showDeal(id) {
    const box = $("#details");
    try {
      const d = await api(`/api/deals/${encodeURIComponent(id)}?as_of=${state.asOf}`);
      const x = d.deal;
      const lo = x.amount_low_usd_bn, hi = x.amount_high_usd_bn;
      const range = lo !== null && hi !== null ? ` (${t("range")} ${I.money(lo)}–${I.money(hi)})`
        : hi !== null ? ` (${t("up to")} ${I.money(hi)})` : lo !== null ? ` (${t("at least")} ${I.money(lo)})` : "";
      fill(box,
        el("h3", {}, `${x.id}: ${entityName(x.payer)} → ${entityName(x.payee)}`),
        el("p", {}, x.description),
        el("dl", {},
          el("dt", {}, t("kind")), el("dd", {}, t(x.kind)),
          el("dt", {}, t("amount")), el("dd", {}, `${I.money(x.amount_central_usd_bn)}${range}`),
          el("dt", {}, t("status")), el("dd", {}, el("span", { class: x.live ? "pill" : "pill bad" }, t(x.status)),
            x.superseded_by ? ` ${t("by")} ${x.superseded_by}` : ""),
          el("dt", {}, t("confidence")), el("dd", {}, t(x.confidence.replace("_", " "))),
          el("dt", {}, t("announced")), el("dd", {}, x.announced),
          el("dt", {}, t("start / end")), el("dd", {}, `${x.start || "–"} / ${x.end || "–"}`),
          el("dt", {}, t("term")), el("dd", {}, x.term_years ? t("{n} years", { n: x.term_years }) : "–"),
          el("dt", {}, t("gigawatts")), el("dd", {}, x.gigawatts ?? "–")),
        x.terms ? el("p", {}, el("b", {}, t("Terms:") + " "), x.terms) : null,
        x.notes ? el("p", { class: "muted" }, x.notes) : null,
        x.missing ? el("p", { class: "muted" }, t("Missing:") + " " + x.missing) : null,
        d.history.length ? el("h3", {}, t("Revisions")) : null,
        d.history.length ? el("ul", {}, d.history.map((r) => el("li", {}, `${r.valid_from}: ${r.note}`))) : null,
        el("h3", {}, t("Sources")), sourceLinks(d.sources));
      circ.cy.$(":selected").unselect();
      circ.cy.getElementById(id).select();
    } catch (err) { showError(t("deal") + ": " + err.message); }
  }

  // ---------------------------------------------------------------- cycles on the graph
  function clearCycles() {
    document.querySelectorAll("#cycles li").forEach((x) => x.classList.remove("active"));
    circ.cy.elements().removeClass("cycle faded");
  }
  function markCycles(cycles) {
    const cy = circ.cy;
    cy.elements().addClass("faded");
    for (const c of cycles) {
      const dealIds = new Set(c.deal_ids.flat());
      for (const id of c.entities) cy.getElementById(id).removeClass("faded").addClass("cycle");
      cy.edges().forEach((e) => { if (dealIds.has(e.id())) e.removeClass("faded").addClass("cycle"); });
    }
  }
  function highlightCycle(c, li) {
    const wasActive = li.classList.contains("active");
    clearCycles();
    if (wasActive) return;
    li.classList.add("active");
    markCycles([c]);
  }
  /** "highlight the largest cycles": the three largest cycles of the circulation, together. */
  function highlightLargestCycles() {
    clearCycles();
    if (state.showCycles && state.loops) markCycles(state.loops.cycles.slice(0, 3));
  }

  // ---------------------------------------------------------------- exports
  function figureTitle(id) {
    const titles = {
      graph: t("The web of deals"), "sankey-chart": t("Follow the money"), "stress-chart": t("Stress"),
      "projection-chart": t("Projection"), "fan-chart": t("Monte Carlo"), "sensitivity-chart": t("Sensitivity"),
    };
    return titles[id] || id;
  }
  // The projection, the Monte Carlo fan and the tornado run from the ledger of their preset's date
  // (today when it states none), not from the date chosen above; the stress test runs at that date.
  const RUN_FROM_PRESET = new Set(["projection-chart", "fan-chart", "sensitivity-chart"]);
  function modelDate() {
    const preset = $("#preset") && (state.scenarios || { presets: [] }).presets.find((p) => p.name === $("#preset").value);
    return (preset && preset.as_of) || state.meta.today;
  }
  function caption(id) {
    const extra = id === "graph" || id === "sankey-chart" ? [t("Filters: {f}.", { f: filterText() })]
      : (circ.panels.captionOf ? circ.panels.captionOf(id) : []);
    const modelled = id !== "graph" && id !== "sankey-chart";
    const date = RUN_FROM_PRESET.has(id) ? modelDate() : state.asOf;
    // what the ledger knew on that date: its horizon, or the date itself when earlier (as the report)
    const known = horizon() !== "–" && horizon() < date ? horizon() : date;
    const values = { date, horizon: known, units: unitsNote(), version: state.meta.version, dataset: state.meta.dataset };
    return {
      title: figureTitle(id),
      lines: [
        RUN_FROM_PRESET.has(id)
          ? t("Ledger as of {date}, the date the model runs from (the date chosen above does not move it); the ledger's knowledge ends {horizon}; {units}.", values)
          : t("As of {date}; the ledger's knowledge ends {horizon}; {units}.", values),
        ...extra,
        modelled
          ? t("Source: circularity {version}, dataset {dataset} (every deal and figure cites a public source); model results for the inputs stated, not reported figures.", values)
          : t("Source: circularity {version}, dataset {dataset} (every deal and figure cites a public source); deals as reported, not simulated.", values),
      ],
    };
  }
  async function graphFigure() {
    const box = $("#cy");
    const w = box.clientWidth, h = box.clientHeight;
    const kinds = Object.fromEntries(state.meta.vocabulary.deal_kinds.map((k) => [k, kindLabel(k)]));
    const fig = W.toSvg(circ.cy, w, h, roleTags(), { title: t("Deal kind (edge colour)"), kinds });
    return { svg: fig.svg, width: w, height: fig.height };
  }
  async function exportFigure(id, format) {
    try {
      const figure = id === "graph" ? await graphFigure() : await window.circExport.plotlySvg(document.getElementById(id));
      const name = `circularity-${id.replace("-chart", "")}-${state.asOf}-${I.state.lang}`;
      return await window.circExport.save(figure, caption(id), format, name);
    } catch (err) { showError(t("export") + ": " + err.message); return null; }
  }
  circ.exportFigure = exportFigure;

  // ---------------------------------------------------------------- filters and date
  function buildFilters() {
    const kinds = $("#kind-filter");
    for (const k of state.meta.vocabulary.deal_kinds) {
      state.kinds.add(k);
      kinds.append(el("label", {}, el("input", { type: "checkbox", checked: true, value: k, onchange: (ev) => {
        if (ev.target.checked) state.kinds.add(k); else state.kinds.delete(k);
        loadGraph();
      } }), el("span", { class: "swatch", style: `background:${W.KIND_COLORS[k]}` }), kindLabel(k)));
    }
    const conf = $("#confidence-filter");
    for (const c of state.meta.vocabulary.confidences) {
      state.confidences.add(c);
      conf.append(el("label", {}, el("input", { type: "checkbox", checked: true, value: c, onchange: (ev) => {
        if (ev.target.checked) state.confidences.add(c); else state.confidences.delete(c);
        loadGraph();
      } }), t(c.replace("_", " "))));
    }
    const reload = debounce(loadGraph, 150);
    const mu = I.moneyUnit();
    $("#min-amount-label").textContent = t("at least ({unit})", { unit: mu.unit });
    $("#min-amount").addEventListener("input", (ev) => {
      state.minAmount = Number(ev.target.value);
      $("#min-amount-out").textContent = fmt(state.minAmount * mu.scale, 0);
      reload();
    });
    $("#show-inactive").addEventListener("change", (ev) => { state.showInactive = ev.target.checked; loadGraph(); });
    $("#top-n").addEventListener("change", (ev) => { state.topN = Number(ev.target.value); if (state.graph) renderGraph(state.graph); });
    $("#show-cycles").addEventListener("change", (ev) => { state.showCycles = ev.target.checked; highlightLargestCycles(); });
    document.querySelectorAll("[data-export]").forEach((b) => b.addEventListener("click", () =>
      exportFigure(b.dataset.export, b.dataset.format)));
    document.querySelectorAll(".exports button").forEach((b) => b.setAttribute("title",
      b.dataset.format === "png" ? t("Download as PNG (2× resolution) with its caption") : t("Download as SVG with its caption")));
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
    const loops = circ.panels.loadLoops ? circ.panels.loadLoops() : Promise.resolve();
    await Promise.all([loadGraph(), loops]);
    if (state.showCycles) highlightLargestCycles();
  }

  // ---------------------------------------------------------------- language
  function setupLanguage() {
    const sel = $("#lang-switch");
    sel.replaceChildren(...Object.entries(I.state.languages).map(([tag, label]) =>
      el("option", { value: tag, selected: tag === I.state.lang }, label)));
    sel.addEventListener("change", () => {
      const q = new URLSearchParams(window.location.search);
      q.set("lang", sel.value);
      window.location.search = q.toString();
    });
    const notice = $("#lang-notice");
    notice.hidden = !I.state.fallback;
    notice.textContent = I.state.notice || "";
    document.title = t("circularity: the AI financing web");
    I.applyDom();
    roleLegend();
    $("#fan-chart").setAttribute("data-empty", t("Run a simulation to draw its fan chart (the p5 to p95 bands of each quarter)."));
  }

  async function main() {
    try {
      circ.marks = { start: Math.round(performance.now()) };
      const [meta, ents] = await Promise.all([api("/api/meta"), api("/api/entities"), I.load(params.get("lang"))]);
      circ.marks.meta = Math.round(performance.now());
      state.meta = meta;
      state.features = state.meta.features;
      setupLanguage();
      $("#knowledge-horizon").textContent = t("ledger knowledge ends {date}", { date: horizon() });
      $("#dataset-info").textContent = t("{dataset}: {deals} deals, {entities} entities", {
        dataset: state.meta.dataset, deals: state.meta.counts.deals, entities: state.meta.counts.entities });
      state.entities = ents.records.map((e) => ({ id: e.id, name: e.name }))
        .sort((a, b) => a.name.localeCompare(b.name));
      buildCy();
      buildFilters();
      setupDate();
      await dateChanged();
      circ.firstRenderMs = Math.round(performance.now());  // from navigation start
      document.body.dataset.ready = "1";  // first render: the web and its circularity
      if (circ.panels.setup) await circ.panels.setup();
      document.body.dataset.models = "1";
    } catch (err) {
      showError(t("could not start the dashboard:") + " " + err.message);
    }
  }

  Object.assign(circ, { highlightCycle, highlightLargestCycles, renderGraph, filterText, caption });
  window.addEventListener("DOMContentLoaded", main);
})();
