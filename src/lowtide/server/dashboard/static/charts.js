// Shared by the pages: fetching JSON, formatting, and uPlot charts in lowtide's look.
// Data from the server is only ever put into the page with textContent.
"use strict";

const lowtide = (() => {
  const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
  const AXIS = { stroke: "#6b7280", font: "11px system-ui, sans-serif" };
  const GRID = { stroke: "#eef0f3", width: 1 };
  const CHART_HEIGHT = 220;

  async function fetchJSON(url, options) {
    const answer = await fetch(url, options);
    const body = await answer.json().catch(() => null);
    if (!answer.ok) {
      const message = body && body.error ? body.error.message : answer.statusText;
      throw new Error(message);
    }
    return body;
  }

  /** JSON numbers from the API: "NaN" and the infinities become gaps (null). */
  function numbers(values) {
    const out = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = typeof v === "number" ? v : null;
    }
    return out;
  }

  function fmtValue(x) {
    if (x === null || x === undefined) return "–";
    if (typeof x === "string") return x;
    if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) return x.toExponential(3);
    return String(Number(x.toPrecision(4)));
  }

  function fmtDuration(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s} s`;
    let m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    let h = Math.floor(m / 60);
    m %= 60;
    if (h < 24) return m ? `${h} h ${m} min` : `${h} h`;
    const d = Math.floor(h / 24);
    h %= 24;
    return h ? `${d} d ${h} h` : `${d} d`;
  }

  /** A card with a title for one chart; returns the element uPlot draws into. */
  function chartCard(parent, title) {
    const card = document.createElement("figure");
    card.className = "chart card";
    const caption = document.createElement("figcaption");
    caption.textContent = title;
    const body = document.createElement("div");
    body.className = "plot";
    card.append(caption, body);
    parent.append(card);
    return body;
  }

  /** A uPlot chart with steps on x; `series` are uPlot series options after x. */
  function makeChart(el, series, data, extra) {
    const opts = Object.assign(
      {
        width: Math.max(200, el.clientWidth),
        height: CHART_HEIGHT,
        scales: { x: { time: false } },
        axes: [
          Object.assign({}, AXIS, { grid: GRID, ticks: GRID }),
          Object.assign({}, AXIS, {
            grid: GRID,
            ticks: GRID,
            size: 56,
            values: (u, vals) => vals.map(fmtValue),
          }),
        ],
        series: [{ label: "step" }].concat(series),
        cursor: { drag: { x: true, y: false }, points: { size: 6 } },
        legend: { live: true },
      },
      extra || {}
    );
    const chart = new uPlot(opts, data, el);
    new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: CHART_HEIGHT });
    }).observe(el);
    return chart;
  }

  function line(label, color, extra) {
    return Object.assign(
      { label, stroke: color, width: 1.5, points: { show: false }, value: (u, v) => fmtValue(v) },
      extra || {}
    );
  }

  /** Points to ask the server for: about two per pixel of the chart's width. */
  function resolution(el) {
    return Math.min(4000, Math.max(400, Math.round((el.clientWidth || 800) * 2)));
  }

  return { PALETTE, fetchJSON, numbers, fmtValue, fmtDuration, chartCard, makeChart, line, resolution };
})();
