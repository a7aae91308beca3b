/* circularity dashboard: messages, money and entity names in the page's language.
 *
 * The English text is the message id (gettext's convention): `t("The web of deals")` looks it up
 * in the catalog served by /api/i18n (read from src/circularity/i18n/locales/*.po); a message
 * without a translation shows in English and is recorded in `missing`, which the browser tests
 * require to be empty in every language. Static text carries `data-i18n` (its English text is the
 * id); attributes carry `data-i18n-title` / `data-i18n-aria-label`.
 */
"use strict";

window.circI18n = (function () {
  const st = {
    lang: "en", requested: null, fallback: false, notice: null, messages: {}, entities: {},
    languages: { en: "English" }, missing: new Set(), used: new Set(),
  };

  function t(msg, vars) {
    st.used.add(msg);
    let s = msg;
    if (st.lang !== "en") {
      const hit = st.messages[msg];
      if (hit === undefined || hit === "") st.missing.add(msg);
      else s = hit;
    }
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }

  const zh = () => st.lang === "zh-Hans" || st.lang === "zh-Hant";
  const UNITS = { "zh-Hans": ["亿美元", "万亿美元"], "zh-Hant": ["億美元", "萬億美元"] };

  function num(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    const d = digits === undefined ? (Math.abs(x) >= 100 || Number.isInteger(x) ? 0 : 1) : digits;
    const s = Number(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
    return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;  // no negative zero
  }

  /** An amount given in USD bn: `$12.3bn`; in Chinese 億 (1 bn = 10 億) or 萬億 (1,000 bn). */
  function money(bn, digits) {
    if (bn === null || bn === undefined || Number.isNaN(bn)) return "–";
    if (!zh()) return (bn < 0 ? "-$" : "$") + num(Math.abs(bn), digits) + "bn";  // -$632bn, not $-632bn
    const [yi, wanyi] = UNITS[st.lang];
    if (Math.abs(bn) >= 1000) return num(bn / 1000, 2) + wanyi;
    return num(bn * 10, digits) + yi;
  }

  /** Charts and tables in money: the factor from USD bn and the unit label of the axis/column. */
  function moneyUnit() {
    return zh() ? { scale: 10, unit: UNITS[st.lang][0] } : { scale: 1, unit: "$bn" };
  }

  /** An entity's name: the reviewed Chinese name if the table has it, else the English name. */
  function name(id, english) {
    const n = st.entities[id];
    return n === undefined || n === "" ? (english || id) : n;
  }

  /** A graph label: the name without its trailing parenthetical, in English or Chinese brackets. */
  function shortName(s) {
    const short = String(s).replace(/\s*[(（][^()（）]*[)）]\s*$/, "").trim();
    return short || s;
  }

  function applyDom(root) {
    (root || document).querySelectorAll("[data-i18n]").forEach((node) => {
      if (!node.dataset.i18n) node.dataset.i18n = node.textContent.trim().replace(/\s+/g, " ");
      node.textContent = t(node.dataset.i18n);
    });
    for (const attr of ["title", "aria-label"]) {
      (root || document).querySelectorAll(`[data-i18n-${attr}]`).forEach((node) => {
        node.setAttribute(attr, t(node.getAttribute(`data-i18n-${attr}`)));
      });
    }
  }

  async function load(requested) {
    st.requested = requested;
    const q = requested ? "?lang=" + encodeURIComponent(requested) : "";
    const res = await fetch("/api/i18n" + q);
    if (!res.ok) throw new Error("could not load the messages (" + res.status + ")");
    const body = await res.json();
    st.lang = body.lang;
    st.fallback = body.fallback;
    st.notice = body.notice;
    st.messages = body.messages;
    st.entities = body.entities;
    st.languages = body.languages;
    document.documentElement.lang = st.lang;
    document.body.dataset.lang = st.lang;
    return st;
  }

  return { state: st, t, money, moneyUnit, name, shortName, num, applyDom, load, zh };
})();
