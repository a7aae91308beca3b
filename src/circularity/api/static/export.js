/* circularity dashboard: export a figure as SVG, or as PNG at twice its size, with a caption.
 *
 * Every export is one SVG: the figure (the graph redrawn by circWeb.toSvg, or Plotly's own SVG)
 * above a caption that states the as-of date, the knowledge horizon, the filters and the source
 * line. The PNG is that SVG rasterised at 2× (a W × H figure gives a 2W × 2(H + caption) PNG).
 */
"use strict";

window.circExport = (function () {
  const FONT = window.circWeb.FONT;
  const esc = window.circWeb.esc;
  const CAPTION_FS = 12;
  const LINE_H = 17;

  /** Split text into lines no wider than `width` px (on spaces, or anywhere for CJK text). */
  function wrap(text, width, size, weight) {
    const measure = (s) => window.circWeb.textWidth(s, size, weight);
    const lines = [];
    let cur = "";
    const raw = String(text).match(/[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+\s*|\s+/g) || [];
    // no line starts with closing punctuation (。，、；：）」 and ASCII ) . , ; :): it stays with the word before
    const closing = /^[\u3001\u3002\u300d\u300f\u3011\uff09\uff0c\uff1a\uff1b\uff01\uff1f).,;:!?]/;
    const tokens = [];
    for (const tok of raw) {
      if (tokens.length && closing.test(tok) && !/\s$/.test(tokens[tokens.length - 1])) tokens[tokens.length - 1] += tok;
      else tokens.push(tok);
    }
    for (const tok of tokens) {
      if (cur && measure(cur + tok) > width) { lines.push(cur.trimEnd()); cur = tok.trimStart(); }
      else cur += tok;
    }
    if (cur.trim()) lines.push(cur.trimEnd());
    return lines;
  }

  /** The figure (an SVG string of W × H) with its caption below: one SVG string. */
  function captioned(figureSvg, W, H, caption) {
    const lines = [];
    lines.push({ text: caption.title, weight: 700 });
    for (const c of caption.lines) for (const l of wrap(c, W - 24, CAPTION_FS, 400)) lines.push({ text: l, weight: 400 });
    const capH = 14 + LINE_H * lines.length;
    const inner = figureSvg.replace(/^<\?xml[^>]*>\s*/, "").replace(/<svg\b/, `<svg x="0" y="0"`);
    const text = lines.map((l, i) => `<text x="12" y="${H + 10 + LINE_H * (i + 1) - 4}" font-family='${FONT}' ` +
      `font-size="${CAPTION_FS}" font-weight="${l.weight}" fill="${l.weight === 700 ? "#1d2430" : "#444b57"}">${esc(l.text)}</text>`);
    const total = H + capH;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W}" height="${total}" ` +
      `viewBox="0 0 ${W} ${total}"><rect width="${W}" height="${total}" fill="#ffffff"/>${inner}` +
      `<line x1="12" x2="${W - 12}" y1="${H + 4}" y2="${H + 4}" stroke="#d5d9e0"/>${text.join("")}</svg>`;
    return { svg, width: W, height: total };
  }

  function toPng(svg, W, H, scale) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(W * scale);
        canvas.height = Math.round(H * scale);
        const g = canvas.getContext("2d");
        g.fillStyle = "#ffffff";
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.scale(scale, scale);
        g.drawImage(img, 0, 0, W, H);
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png");
      };
      img.onerror = () => reject(new Error("could not rasterise the SVG"));
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    });
  }

  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 5000);
  }

  /** Export `figure` ({svg, width, height}) with `caption` as `format` ("svg" or "png"). */
  async function save(figure, caption, format, basename) {
    const c = captioned(figure.svg, figure.width, figure.height, caption);
    let blob, width = c.width, height = c.height;
    if (format === "png") {
      blob = await toPng(c.svg, c.width, c.height, 2);
      width *= 2; height *= 2;
    } else {
      blob = new Blob([c.svg], { type: "image/svg+xml" });
    }
    const filename = `${basename}.${format}`;
    // figureHeight: where the caption starts, in the figure's own pixels (×2 in a PNG)
    window.circExport.last = { format, width, height, figureHeight: figure.height, filename, caption };
    download(blob, filename);
    return window.circExport.last;
  }

  /** Plotly's SVG of a chart as drawn (its current size). */
  async function plotlySvg(gd) {
    const W = Math.round(gd.clientWidth), H = Math.round(gd.clientHeight);
    const url = await window.Plotly.toImage(gd, { format: "svg", width: W, height: H });
    const svg = decodeURIComponent(url.replace(/^data:image\/svg\+xml,/, ""));
    return { svg, width: W, height: H };
  }

  return { save, plotlySvg, captioned, wrap, last: null };
})();
