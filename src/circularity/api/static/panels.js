/* circularity dashboard: the model panels (circularity, follow-the-money Sankey, stress,
 * projection with Monte Carlo and sensitivity, claims). Helpers come from app.js (window.circ.h). */
"use strict";

(function () {
  const circ = window.circ;
  const { $, el, fmt, pct, showError, api, postJSON, plot, debounce, entityName, kindLabel, unitsNote,
    PLOT_LAYOUT, t, I } = circ.h;
  const state = circ.state;
  const W = window.circWeb;
  const money = I.money;
  const mu = () => I.moneyUnit();
  const scaled = (xs) => xs.map((x) => (x === null || x === undefined ? null : x * mu().scale));
  const captions = {};

  // Words that come from the data and the API (vocabularies, column labels, lever texts), marked
  // for the catalog so every language translates them; shown through t() where they are used.
  const N_ = (s) => s;
  circ.dataMessages = [
    N_("equity"), N_("compute"), N_("hardware"), N_("loan"), N_("bond"), N_("warrant"), N_("backstop"), N_("lease"),
    N_("announced"), N_("signed"), N_("binding"), N_("non_binding"), N_("superseded"), N_("cancelled"),
    N_("confirmed"), N_("single source"), N_("estimate"), N_("disputed"),
    N_("lab"), N_("chipmaker"), N_("hyperscaler"), N_("neocloud"), N_("datacenter"), N_("investor"), N_("lender"),
    N_("spv"), N_("government"), N_("unknown"),
    N_("pays"), N_("owes ({unit})"), N_("receipts lost ({unit})"), N_("equity loss ({unit})"),
    N_("market value ({unit})"), N_("value lost ({unit})"), N_("change"), N_("default"),
    N_("receipts lost"), N_("equity loss"), N_("defaults"),
    // the stress totals (StressResult.totals): values before and after, the parts of the equity
    // loss (stress.losses.LOSS_PARTS) and the count of entities left out for want of a value
    N_("market value before"), N_("market value after"),
    N_("lost margin"), N_("stranded assets"), N_("discount rate effect"), N_("stake losses"),
    N_("credit losses"), N_("own loss"), N_("excluded unknown value"),
    N_("OpenAI revenue vs its plan (×)"), N_("GPU useful life (years)"), N_("Credit appetite (1 = open)"),
    N_("Power delivered vs contracted"),
    N_("Multiplies OpenAI's revenue path in the preset (1 = as the preset states)."),
    N_("Depreciation life of hardware purchases."),
    N_("New lending as a share of normal; replaces the preset's path for every quarter."),
    N_("Share of contracted GW that comes online; slows GW-linked deals."),
    N_("Minimum rate on new and floating debt"),
    N_("Floor on the rate new, refinanced and floating debt pays; fixed-rate bonds keep their coupons (0.14 is the rates-14pct preset)."),
    N_("cash"), N_("debt"), N_("shortfall"), N_("revenue"),
    N_("funding need 2030"), N_("funding need 2032"),
    N_("holds"), N_("does not hold"), N_("not computable"),
    N_("ratio"), N_("multiple"), N_("GW"), N_("year"), N_("USD_per_month"),
  ];

  // ---------------------------------------------------------------- circularity
  const NULL_WEBS = 1000;  // the same test as `circularity loops --null 1000 --seed 7`

  function renderCycles(r) {
    const list = $("#cycles");
    list.replaceChildren(...r.cycles.map((c, i) => el("li", {
      "data-index": i,
      onclick: (ev) => circ.highlightCycle(c, ev.currentTarget),
    }, `${money(c.amount)} × ${c.entities.length}: ${c.entities.map(entityName).join(" → ")} → ${entityName(c.entities[0])}`,
      el("span", { class: "deal-ids muted" }, `  ${t("deals")} ${c.deal_ids.map((ids) => ids.join("+")).join(" | ")}`))));
    if (!r.cycles.length) list.replaceChildren(el("li", {}, t("no cycles in the money-flow graph on this date")));
  }

  async function loadLoops() {
    if (!state.features.loops) return;
    const asOf = state.asOf;
    try {
      const r = await api(`/api/loops?as_of=${asOf}&top=15`);
      state.loops = r;
      $("#circ-volume").textContent = fmt(r.circulating_volume * mu().scale);
      $("#circ-total").textContent = fmt(r.total_volume * mu().scale);
      $("#circ-volume-l").textContent = t("circulating ({unit})", { unit: mu().unit });
      $("#circ-total-l").textContent = t("total flow ({unit})", { unit: mu().unit });
      $("#circ-ratio").textContent = pct(r.circularity_ratio);
      $("#circ-scope").textContent = t("money-flow graph as of {date}, window {window}, {n} flows; {units}", {
        date: r.as_of, window: r.window, n: r.n_edges, units: unitsNote() });
      $("#circ-z").textContent = "…";
      $("#circ-p").textContent = "…";
      $("#circ-note").textContent = t("Largest circulation of the money-flow graph (flows attributed to the window 2025–2030, as circularity loops): the most money that can go round in loops without exceeding any flow. Significance: the ratio against {n} random webs that keep every payer-payee pair and every entity's dollar in- and out-flow (seed 7). Click a cycle to highlight its deals on the graph.", { n: fmt(NULL_WEBS, 0) });
      renderCycles(r);
    } catch (err) { showError(t("Circularity") + ": " + err.message); return; }
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
      $("#loops-card").dataset.significance = "1";
    } catch (err) { showError(t("significance") + ": " + err.message); }
  }

  async function loadVendors(asOf) {
    try {
      const m = await api(`/api/metrics?as_of=${asOf}`);
      if (asOf !== state.asOf) return;
      const u = mu().unit;
      $("#vendor-table thead").replaceChildren(el("tr", {},
        [t("vendor"), t("customers"), t("financing ({unit})", { unit: u }), t("purchases ({unit})", { unit: u }),
          t("÷ purchases"), t("÷ revenue"), t("deals")].map((h) => el("th", {}, h))));
      $("#vendor-table tbody").replaceChildren(...m.vendor_financing.map((v) => el("tr", { title: v.note || "" },
        el("td", {}, entityName(v.vendor)), el("td", {}, v.customers.map(entityName).join(", ") || "–"),
        el("td", { class: "num" }, fmt(v.financing * mu().scale)), el("td", { class: "num" }, fmt(v.purchases * mu().scale)),
        el("td", { class: "num" }, pct(v.ratio_to_purchases)), el("td", { class: "num" }, pct(v.ratio_to_revenue)),
        el("td", { class: "muted" }, v.financing_deals.join(", ") || "–"))));
      $("#vendor-definition").textContent = m.definition;
    } catch (err) { showError(t("vendor financing") + ": " + err.message); }
  }

  // ---------------------------------------------------------------- follow the money (Sankey)
  /** Flows between entity classes: payer class (left) → payee class (right), live priced deals. */
  async function sankey(graph) {
    const card = $("#sankey-card");
    card.hidden = false;
    const kindOf = Object.fromEntries(graph.elements.nodes.map((n) => [n.data.id, n.data.kind]));
    const roles = W.ROLES;
    const idx = Object.fromEntries(roles.map((r, i) => [r.key, i]));
    const flows = {};
    let unpriced = 0;
    for (const e of graph.elements.edges) {
      if (!e.data.live) continue;
      if (!e.data.amount) { unpriced += 1; continue; }
      const a = idx[W.roleOf(kindOf[e.data.source]).key], b = idx[W.roleOf(kindOf[e.data.target]).key];
      const k = a + ">" + b;
      flows[k] = (flows[k] || 0) + e.data.amount;
    }
    const links = Object.entries(flows).map(([k, v]) => { const [a, b] = k.split(">").map(Number); return { a, b, v }; });
    // each node says its amount (paid out, or received), not only on hover: a reader of the PDF
    // or the exported PNG has no hover (on a second line, so that facing labels do not meet)
    const paid = roles.map((_, i) => links.filter((l) => l.a === i).reduce((x, l) => x + l.v, 0));
    const got = roles.map((_, i) => links.filter((l) => l.b === i).reduce((x, l) => x + l.v, 0));
    const said = (label, v) => (v > 0 ? label + "<br>" + I.money(v) : label);
    const labels = [...roles.map((r, i) => said(t("{role} pay", { role: t(r.label) }), paid[i])),
      ...roles.map((r, i) => said(t("{role} receive", { role: t(r.label) }), got[i]))];
    const colors = [...roles.map((r) => r.color), ...roles.map((r) => r.color)];
    const hex = (c, a) => `rgba(${parseInt(c.slice(1, 3), 16)},${parseInt(c.slice(3, 5), 16)},${parseInt(c.slice(5, 7), 16)},${a})`;
    const s = mu().scale;
    const trace = {
      type: "sankey", arrangement: "snap", valueformat: ",.0f", valuesuffix: " " + mu().unit,
      node: { label: labels, color: colors, pad: 10, thickness: 14, line: { width: 0 } },
      link: { source: links.map((l) => l.a), target: links.map((l) => roles.length + l.b), value: links.map((l) => l.v * s),
        color: links.map((l) => hex(roles[l.a].color, 0.35)) },
    };
    $("#sankey-units").textContent = unitsNote() + (unpriced ? " · " + t("{n} live deals without an amount left out", { n: unpriced }) : "");
    captions["sankey-chart"] = [t("Filters: {f}.", { f: circ.filterText() })];
    // beside the web (a 440 px column): 12 px labels, small margins
    await plot("sankey-chart", [trace], { ...PLOT_LAYOUT, margin: { l: 4, r: 4, t: 6, b: 6 }, font: { ...PLOT_LAYOUT.font, size: 12 } });
    const box = $("#sankey-chart");
    box.dataset.links = String(links.length);
    box.dataset.total = String(links.reduce((x, l) => x + l.v, 0));
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
  }

  // ---------------------------------------------------------------- stress
  function entityOptions(selected) {
    return state.entities.map((e) => el("option", { value: e.id, selected: e.id === selected }, I.name(e.id, e.name)));
  }
  function addShock(entity, pays) {
    const out = el("output", {}, pct(pays));
    const range = el("input", { type: "range", min: 0, max: 1, step: 0.05, value: pays, class: "shock-pays",
      "aria-label": t("share it pays"), oninput: (ev) => { out.textContent = pct(Number(ev.target.value)); } });
    const row = el("div", { class: "shock" },
      el("select", { class: "shock-entity", "aria-label": t("entity") }, entityOptions(entity)),
      el("span", { class: "muted" }, t("pays")), range, out,
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
    $("#stress-status").textContent = t("running…");
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/stress", { shocks, as_of: state.asOf });
      renderStress(r, shocks);
      $("#stress-status").textContent = t("done in {ms} ms", { ms: Math.round(performance.now() - t0) });
      showError("");
    } catch (err) {
      $("#stress-status").textContent = "";
      showError(t("Stress") + ": " + err.message);
    } finally { button.disabled = false; }
  }

  const isMoney = (key) => key.endsWith("_usd_bn");
  function renderStress(r, shocks) {
    const table = $("#stress-table");
    const u = mu().unit;
    table.querySelector("thead").replaceChildren(el("tr", {},
      r.columns.map((c) => el("th", { class: c.numeric ? "num" : null },
        t(c.label.replace("($bn)", "({unit})"), { unit: u })))));
    table.querySelector("tbody").replaceChildren(...r.rows.map((row) => el("tr", { class: row.defaulted ? "defaulted" : null },
      r.columns.map((c) => el("td", { class: c.numeric ? "num" : null },
        c.numeric ? (c.percent ? pct(row[c.key]) : fmt(row[c.key] === null ? null : row[c.key] * (isMoney(c.key) ? mu().scale : 1)))
          : (c.key === "defaulted" ? (row[c.key] ? t("yes") : "") : c.key === "name" ? I.name(row.id, row[c.key]) : row[c.key]))))));
    $("#stress-totals").replaceChildren(...Object.entries(r.totals).map(([k, v]) => {
      const isCount = COUNTS.has(k) || k.startsWith("n_");  // counts of entities
      return el("div", { class: "kpi" }, el("span", { class: "kpi-v" }, typeof v === "number" ? (isCount ? fmt(v, 0) : money(v)) : String(v)),
        el("span", { class: "kpi-l" }, t(HEADLINES[k] || k.replaceAll("_", " "))));
    }));
    const bars = r.rows.filter((x) => (x.market_value_lost_usd_bn || 0) > 0)
      .sort((a, b) => b.market_value_lost_usd_bn - a.market_value_lost_usd_bn).slice(0, 15);
    const shockText = (s) => t("{entity} pays {share}", { entity: entityName(s.entity), share: pct(s.pays) });
    captions["stress-chart"] = [t("Shocks: {list}.", { list: shocks.map(shockText).join(", ") })];
    plot("stress-chart", [{
      type: "bar", x: bars.map((x) => I.shortName(I.name(x.id, x.name))), y: scaled(bars.map((x) => x.market_value_lost_usd_bn)),
      marker: { color: bars.map((x) => (x.defaulted ? "#c0392b" : "#2f5bd3")) },
      hovertemplate: "%{x}: %{y:,.0f} " + mu().unit + "<extra></extra>",
    }], { ...PLOT_LAYOUT, title: { text: t("Market value lost ({unit})", { unit: mu().unit }), font: { size: 13 } },
      yaxis: { title: { text: mu().unit } } });
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
        "aria-label": t(lv.label),
        oninput: (ev) => {
          const v = Number(ev.target.value);
          out.textContent = lv.format === "percent" ? pct(v) : fmt(v, lv.digits ?? 1);
          touched.add(lv.key);
          runProjectionSoon();
        } });
      return el("label", { title: lv.help ? t(lv.help) : "" }, el("span", {}, t(lv.label)), out, input);
    }));
  }
  async function runProjection() {
    // the preset's own as-of date: a projection starts from the web as the preset knew it
    const payload = { scenario: $("#preset").value, levers: sliderValues(), entities: [$("#proj-entity").value] };
    $("#projection-status").textContent = t("running…");
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/project", payload);
      state.lastProjection = r;
      await renderProjection(r);
      $("#projection-status").textContent = t("done in {ms} ms", { ms: Math.round(performance.now() - t0) });
      showError("");
    } catch (err) {
      $("#projection-status").textContent = "";
      showError(t("Projection") + ": " + err.message);
    }
  }
  const runProjectionSoon = debounce(runProjection, 250);

  /** Where series a crosses series b (linear between quarters): [{i, x, y}] at the later quarter.
   * Differences within EPS ($1, in USD bn) are rounding, not a side: cash of -1.8e-15 against no
   * debt is not "debt crosses cash" (the same rule as the report's figure). */
  const EPS = 1e-9;
  function crossings(a, b) {
    const out = [];
    for (let i = 1; i < a.length; i += 1) {
      if ([a[i - 1], a[i], b[i - 1], b[i]].some((v) => v === null || v === undefined)) continue;
      const d0 = a[i - 1] - b[i - 1], d1 = a[i] - b[i];
      if (Math.abs(d0) > EPS && Math.abs(d1) > EPS && Math.sign(d0) !== Math.sign(d1)) out.push({ i, y: (a[i] + b[i]) / 2 });
    }
    return out;
  }

  const COUNTS = new Set(["defaults", "excluded_unknown_value", "market_value_unknown", "entities_in_web"]);
  const SERIES = { cash: ["cash", "#1e8449"], debt: ["debt", "#8e44ad"], shortfall: ["shortfall", "#c0392b"] };
  const HEADLINES = {
    funding_need_2030: N_("funding need to 2030"), funding_need_2032: N_("funding need to 2032"),
    cash_out_quarter: N_("standalone cash runs out (no new money)"), entity: N_("entity"), first_default_entity: N_("first default"),
    first_default_quarter: N_("first default quarter"), set_off: N_("set off"), market_value_lost: N_("market value lost"),
    market_value_unknown: N_("entities of unknown value (left out of the value lost)"),
    entities_in_web: N_("entities in the web"),
    market_value_stakes_lost: N_("lost by holders on their stakes (inside the issuers' fall)"),
    stake_transfers: N_("lost by holders on their stakes (inside the issuers' fall)"),
    market_value_lost_gross: N_("market value lost, stakes counted in issuer and holder (gross)"),
    market_value_lost_low: N_("market value lost, low end of the 90% range"),
    market_value_lost_high: N_("market value lost, high end of the 90% range"),
    web_required_revenue_2030: N_("revenue the AI web needs in 2030"),
    web_projected_revenue_2030: N_("revenue the AI web is projected to earn in 2030"),
    required_revenue_gap_2030: N_("revenue gap in 2030 (needed less projected)"),
  };

  async function renderProjection(r) {
    const ent = $("#proj-entity").value;
    const s = r.series[ent] || {};
    const h = r.headlines || {};
    const q = r.quarters;
    const sc = mu().scale;
    const traces = Object.keys(SERIES).filter((k) => s[k]).map((k) => ({
      type: "scatter", mode: "lines", name: t(SERIES[k][0]), x: q, y: scaled(s[k]),
      line: { width: 2.5, color: SERIES[k][1] },
    }));
    // the funding need (OpenAI's cumulative standalone need, a headline) at the year-ends it is stated for
    const need = [["funding_need_2030", "2030"], ["funding_need_2032", "2032"]]
      .map(([k, y]) => ({ k, y, v: h[k], x: [...q].reverse().find((x) => String(x).startsWith(y)) }))
      .filter((n) => ent === "openai" && n.v !== null && n.v !== undefined && n.x);
    if (need.length) traces.push({
      type: "scatter", mode: "markers+lines", name: t("funding need (cumulative, to year-end)"), x: need.map((n) => n.x),
      y: need.map((n) => n.v * sc), line: { dash: "dot", color: "#e67e22", width: 2 }, marker: { size: 11, symbol: "diamond", color: "#e67e22" },
    });
    const notes = [];
    for (const n of need) notes.push({ x: n.x, y: n.v * sc, text: t("need to {year}: {amount}", { year: n.y, amount: money(n.v, 0) }), ay: -30, color: "#b9770e" });
    if (s.cash && s.debt) for (const c of crossings(s.cash, s.debt)) notes.push({ x: q[c.i], y: c.y * sc, text: t("debt crosses cash, {q}", { q: q[c.i] }), ay: -40, color: "#6c3483" });
    if (s.shortfall) {
      const i = s.shortfall.findIndex((v) => v !== null && v > EPS);
      if (i >= 0) notes.push({ x: q[i], y: s.shortfall[i] * sc, text: t("first shortfall, {q}", { q: q[i] }), ay: 40, color: "#c0392b" });
    }
    if (ent === "openai" && h.cash_out_quarter && q.includes(h.cash_out_quarter)) {
      const i = q.indexOf(h.cash_out_quarter);
      notes.push({ x: q[i], y: (s.cash ? s.cash[i] || 0 : 0) * sc, text: t("with no new money, cash runs out {q}", { q: q[i] }), ay: -60, color: "#1e8449" });
    }
    const title = t("{entity}: cash, debt, shortfall and funding need ({unit}), scenario {scenario}", {
      entity: entityName(ent), unit: mu().unit, scenario: r.scenario });
    captions["projection-chart"] = [t("Scenario {scenario}; levers moved: {levers}.", { scenario: r.scenario,
      levers: Object.keys(sliderValues()).map((k) => t((state.scenarios.levers.find((l) => l.key === k) || { label: k }).label)).join(", ") || t("none") })];
    await plot("projection-chart", traces, {
      ...PLOT_LAYOUT, title: { text: title, font: { size: 13 } }, yaxis: { title: { text: mu().unit }, zeroline: true },
      annotations: notes.map((n) => ({ x: n.x, y: n.y, text: n.text, showarrow: true, arrowhead: 2, ax: 0, ay: n.ay,
        font: { size: 11, color: n.color }, bgcolor: "rgba(255,255,255,0.85)", arrowcolor: n.color })),
    });
    const box = $("#projection-chart");
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
    box.dataset.signature = JSON.stringify(traces.map((tr) => tr.y.slice(-4)));
    box.dataset.annotations = String(notes.length);
    $("#projection-note").textContent = t("Cash, debt and shortfall by quarter as the projection runs them (new money raised where lenders and investors allow); the funding need is what the entity would have to raise with no new money and every commitment honoured as scheduled, stated at year-ends 2030 and 2032 (the headlines below).");
    $("#projection-headlines").replaceChildren(...Object.entries(h).map(([k, v]) => {
      const isMoneyKey = !COUNTS.has(k) && (k.startsWith("funding_need") || k.startsWith("market_value") || k.includes("revenue"));  // USD bn
      const text = Array.isArray(v) ? (v.length ? v.map(entityName).join(", ") : t("none"))
        : typeof v === "number" ? (isMoneyKey ? money(v) : fmt(v))
          : ((k === "first_default_entity" || k === "entity") && v ? entityName(v) : String(v ?? "–"));
      return el("div", { class: "kpi" }, el("span", { class: Array.isArray(v) ? "kpi-v small" : "kpi-v" }, text),
        el("span", { class: "kpi-l" }, t(HEADLINES[k] || k.replaceAll("_", " "))));
    }));
  }

  async function runSimulate() {
    const button = $("#run-simulate");
    button.disabled = true;
    $("#simulate-status").textContent = t("running…");
    const ent = $("#proj-entity").value;
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/simulate", {
        scenario: $("#preset").value, n: Number($("#sim-n").value), seed: Number($("#sim-seed").value),
        levers: sliderValues(), entities: [ent],
      });
      renderFan(r, ent);
      $("#simulate-status").textContent = t("{n} draws in {ms} ms", { n: r.n, ms: Math.round(performance.now() - t0) });
      showError("");
    } catch (err) {
      $("#simulate-status").textContent = "";
      showError(t("Monte Carlo") + ": " + err.message);
    } finally { button.disabled = false; }
  }

  function renderFan(r, ent) {
    const q = r.quantiles[ent] && r.quantiles[ent][r.metric];
    if (!q) return;
    const x = r.quarters;
    const band = (lo, hi, name, alpha) => [
      { x, y: scaled(q[hi]), type: "scatter", mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
      { x, y: scaled(q[lo]), type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: `rgba(47,91,211,${alpha})`, name },
    ];
    const traces = [
      ...band("p05", "p95", "5–95%", 0.15), ...band("p25", "p75", "25–75%", 0.3),
      { x, y: scaled(q.p50), type: "scatter", mode: "lines", name: t("median"), line: { color: "#2f5bd3", width: 2 } },
    ];
    captions["fan-chart"] = [t("Scenario {scenario}; {n} draws, seed {seed}.", { scenario: r.scenario || $("#preset").value, n: r.n, seed: $("#sim-seed").value })];
    plot("fan-chart", traces, {
      ...PLOT_LAYOUT, title: { text: t("{entity}: {metric} ({unit}), {n} draws", { entity: entityName(ent), metric: t(r.metric), unit: mu().unit, n: r.n }), font: { size: 13 } },
      yaxis: { title: { text: mu().unit } },
    });
  }

  // ---------------------------------------------------------------- sensitivity
  // The tornado of /api/sensitivity (`circularity sensitivity`) for the preset and levers above.
  let sensitivityShown = false;
  async function runSensitivity() {
    const button = $("#run-sensitivity");
    button.disabled = true;
    $("#sensitivity-status").textContent = t("running…");
    try {
      const t0 = performance.now();
      const r = await postJSON("/api/sensitivity", {
        scenario: $("#preset").value, output: $("#sens-output").value, levers: sliderValues(),
      });
      await renderTornado(r);
      sensitivityShown = true;
      $("#sensitivity-status").textContent = t("{n} model runs in {ms} ms", { n: r.evaluations, ms: Math.round(performance.now() - t0) });
      showError("");
    } catch (err) {
      $("#sensitivity-status").textContent = "";
      showError(t("Sensitivity") + ": " + err.message);
    } finally { button.disabled = false; }
  }

  function paramValue(x) { return Math.abs(x) >= 100 ? fmt(x, 0) : String(Number(x.toPrecision(3))); }

  async function renderTornado(r) {
    const rows = r.table.filter((x) => x.output_low !== null && x.output_high !== null);
    const lo = `p${Math.round(100 * r.low_q)}`, hi = `p${Math.round(100 * r.high_q)}`;
    const groups = [
      [t("a higher value raises it"), "#2f5bd3", (x) => x.output_high > x.output_low],
      [t("a higher value lowers it"), "#e67e22", (x) => x.output_high < x.output_low],
      [t("no effect at these quantiles"), "#95a5a6", (x) => x.output_high === x.output_low],
    ];
    const traces = groups.map(([name, color, pick]) => {
      const sel = rows.filter(pick);
      return {
        type: "bar", orientation: "h", name, y: sel.map((x) => x.parameter),
        base: sel.map((x) => Math.min(x.output_low, x.output_high)),
        x: sel.map((x) => Math.abs(x.output_high - x.output_low)),
        marker: { color },
        customdata: sel.map((x) => [paramValue(x.low), paramValue(x.high), fmt(x.output_low), fmt(x.output_high)]),
        hovertemplate: `%{y}<br>${lo} (%{customdata[0]}): %{customdata[2]}<br>` +
          `${hi} (%{customdata[1]}): %{customdata[3]}<extra></extra>`,
      };
    }).filter((tr) => tr.y.length);
    captions["sensitivity-chart"] = [t("Scenario {scenario}; each assumption alone from its {lo} to its {hi}, the others at their medians; {n} model runs.", { scenario: r.scenario, lo, hi, n: r.evaluations })];
    await plot("sensitivity-chart", traces, {
      ...PLOT_LAYOUT, barmode: "overlay", margin: { ...PLOT_LAYOUT.margin, l: 10 },
      title: { text: t("{scenario}: what moves {output} ({unit})", { scenario: r.scenario, output: t(r.output.replaceAll("_", " ")), unit: r.unit }), font: { size: 13 } },
      xaxis: { title: { text: r.unit }, zeroline: false },
      yaxis: { automargin: true, categoryorder: "array", categoryarray: rows.map((x) => x.parameter), autorange: "reversed" },
      shapes: r.base === null ? [] : [{ type: "line", xref: "x", yref: "paper", x0: r.base, x1: r.base, y0: 0, y1: 1,
        line: { color: "#1d2430", width: 1, dash: "dash" } }],
      legend: { orientation: "h", y: -0.16 },
    });
    const moved = r.levers_moved_by_tornado.length
      ? " " + t("The tornado moves {levers} itself, so that slider does not enter here.", { levers: r.levers_moved_by_tornado.join(", ") }) : "";
    $("#sensitivity-note").textContent = t("Each bar: {description}, in {unit}, as one assumption alone goes from its {lo} to its {hi} while the others stay at their medians; dashed line: all at their medians ({base}). Ranked by swing; {n} model runs; distributions from {source}.", {
      description: r.description, unit: r.unit, lo, hi, base: fmt(r.base), n: r.evaluations, source: r.uncertainty }) + moved;
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
      $("#claims-units").textContent = t("published statements recomputed from the ledger; each in its own unit (USD bn, ratio, year)");
      $("#claims-table thead").replaceChildren(el("tr", {},
        [t("claim"), t("source"), t("computed"), t("claimed"), t("unit"), t("verdict"), t("reason")].map((h, i) =>
          el("th", { class: i === 2 || i === 3 ? "num" : null }, h))));
      $("#claims-table tbody").replaceChildren(...r.claims.map((c) => {
        // "Publisher (date) https://..." → the publisher and date, linked to the URL
        const m = /^(.*?)\s+(https?:\/\/\S+)\s*$/.exec(c.source || "");
        const label = m ? m[1] : c.source;
        const url = c.source_url || (m ? m[2] : null);
        const usd = typeof c.unit === "string" && c.unit.startsWith("USD_bn");
        const k = usd ? mu().scale : 1;
        const unit = !c.unit ? "" : usd ? (c.unit.endsWith("per_year") ? t("{unit} per year", { unit: mu().unit }) : mu().unit) : t(c.unit);
        const val = (x) => (x === null || x === undefined ? "–" : fmt(x * k, Math.abs(x * k) >= 100 ? 0 : 2));
        return el("tr", {},
          el("td", {}, c.claim, c.original_text ? el("div", { class: "original", lang: c.original_lang || "zh" }, c.original_text) : null),
          el("td", {}, url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url }, label) : label),
          el("td", { class: "num" }, val(c.computed)), el("td", { class: "num" }, val(c.claimed)),
          el("td", {}, unit),
          el("td", {}, el("span", { class: c.verdict === "holds" ? "pill good" : (c.verdict === "does not hold" ? "pill bad" : "pill") }, t(c.verdict))),
          el("td", { class: "muted" }, c.reason || ""));
      }));
    } catch (err) { showError(t("Claims") + ": " + err.message); }
  }

  // ---------------------------------------------------------------- set-up
  async function setup() {
    const units = unitsNote();
    if (state.features.loops) $("#loops-card").hidden = false;
    if (state.features.stress) {
      $("#stress-card").hidden = false;
      $("#stress-units").textContent = t("who pays what share of what they owe; {units}", { units });
      addShock(state.entities.some((e) => e.id === "openai") ? "openai" : state.entities[0].id, 0.5);
      $("#add-shock").addEventListener("click", () => addShock(state.entities[0].id, 0.5));
      $("#run-stress").addEventListener("click", runStress);
    }
    if (state.features.projection) {
      state.scenarios = await api("/api/scenarios");
      $("#projection-card").hidden = false;
      $("#projection-units").textContent = t("quarter by quarter, per scenario; {units}", { units });
      const preset = $("#preset");
      preset.replaceChildren(...state.scenarios.presets.map((p) => el("option", { value: p.name, title: p.description || "" }, p.name)));
      const ents = state.scenarios.entities || state.entities.map((e) => e.id);
      $("#proj-entity").replaceChildren(...ents.map((id) => el("option", { value: id, selected: id === "openai" }, entityName(id))));
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
        $("#sensitivity-note").textContent = t("Which assumption moves the output most, for the preset and levers above: each assumption alone goes from its 5th to its 95th percentile while the others stay at their medians (circularity sensitivity).");
        $("#run-sensitivity").addEventListener("click", runSensitivity);
        $("#sens-output").addEventListener("change", () => { if (sensitivityShown) runSensitivity(); });
        preset.addEventListener("change", () => { if (sensitivityShown) runSensitivity(); });
        $("#sliders").addEventListener("input", () => {
          if (sensitivityShown) $("#sensitivity-status").textContent = t("levers moved: run the tornado again to update");
        });
      }
      runProjection();
    }
    if (state.features.claims) { $("#claims-card").hidden = false; loadClaims(); }
  }

  Object.assign(circ.panels, {
    setup, loadLoops, sankey, captionOf: (id) => captions[id] || [],
  });
})();
