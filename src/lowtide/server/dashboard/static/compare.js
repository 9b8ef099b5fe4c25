// Several runs' curves on one chart per key: each run's points, joined on the step.
"use strict";

(() => {
  const MAX_KEYS = 24;
  const bootEl = document.getElementById("boot");
  if (!bootEl) return;
  const runs = JSON.parse(bootEl.textContent).runs;
  const container = document.getElementById("charts");
  const api = (id) => `/api/v1/runs/${encodeURIComponent(id)}`;

  async function start() {
    const keyLists = await Promise.all(runs.map((r) => lowtide.fetchJSON(`${api(r.id)}/keys`)));
    const count = new Map();
    keyLists.forEach((found) => found.keys.forEach((k) => count.set(k.key, (count.get(k.key) || 0) + 1)));
    const keys = [...count.keys()]
      .sort((a, b) => count.get(b) - count.get(a) || Number(a.startsWith("system/")) - Number(b.startsWith("system/")) || a.localeCompare(b))
      .slice(0, MAX_KEYS);
    let waiting = keys.length;
    await Promise.all(
      keys.map(async (key) => {
        const plot = lowtide.chartCard(container, key);
        plot.parentElement.dataset.key = key;
        const points = lowtide.resolution(plot);
        const parts = await Promise.all(
          runs.map((r, i) =>
            keyLists[i].keys.some((k) => k.key === key)
              ? lowtide.fetchJSON(`${api(r.id)}/series?${new URLSearchParams({ key, points: String(points), method: "minmax" })}`)
              : null
          )
        );
        const tables = [];
        const series = [];
        parts.forEach((part, i) => {
          if (!part) return;
          tables.push([part.steps, lowtide.numbers(part.values)]);
          series.push(lowtide.line(runs[i].name, lowtide.PALETTE[i % lowtide.PALETTE.length], { spanGaps: true }));
        });
        const data = uPlot.join(tables);
        let drawn = false;
        lowtide.makeChart(plot, series, data, {
          hooks: {
            draw: [
              () => {
                if (drawn) return;
                drawn = true;
                waiting -= 1;
                if (waiting === 0) performance.mark("lowtide:charts-drawn");
              },
            ],
          },
        });
        plot.parentElement.dataset.series = String(series.length);
      })
    );
  }

  start().catch((err) => console.error("lowtide:", err));
})();
