// The run page: one chart per key, downsampled on the server, zoom that asks for detail,
// incidents and the projection band drawn on the curves, and live updates while it logs.
//
// Live updates come as server-sent events (`/api/v1/runs/{id}/live`): the run and its keys
// each time they change; the page then fetches only the new tail of the keys that grew.
// The stream is closed while the tab is hidden and when the run has ended; the browser's
// EventSource reconnects by itself after a restart of the server.
"use strict";

(() => {
  const OUTLOOK_EVERY = 4; // updates between refreshes of the ETA, projection and incidents
  const SYSTEM_PREFIX = "system/";
  const BAND = "rgba(37, 99, 235, 0.16)";
  const MARK = { page: "rgba(220, 38, 38, ", warn: "rgba(217, 119, 6, " };

  const boot = JSON.parse(document.getElementById("boot").textContent);
  const runId = boot.run;
  const container = document.getElementById("charts");
  const charts = new Map(); // key -> chart state
  let outlook = null; // asked for once the charts are drawn
  let incidents = boot.incidents;
  let zoom = null; // {min, max} of x shared by every chart, or null
  let live = boot.live;
  let updates = 0;
  window.lowtideCharts = charts; // for tests and the curious

  function seriesURL(key, points, start, end) {
    const q = new URLSearchParams({ key, points: String(points), method: "minmax" });
    if (start !== undefined && start !== null) q.set("start", String(Math.floor(start)));
    if (end !== undefined && end !== null) q.set("end", String(Math.ceil(end)));
    return `/api/v1/runs/${encodeURIComponent(runId)}/series?${q}`;
  }

  async function fetchPart(key, points, start, end) {
    const early = start === undefined && end === undefined ? takeEarly(key, points) : null;
    const ask = () => lowtide.fetchJSON(seriesURL(key, points, start, end));
    const body = early ? await early.catch(ask) : await ask();
    return { steps: body.steps, values: lowtide.numbers(body.values), nTotal: body.n_total };
  }

  /** The answer the page asked for before this script loaded, once, if it asked the same. */
  function takeEarly(key, points) {
    const early = window.lowtideEarly && window.lowtideEarly.get(key);
    if (!early) return null;
    window.lowtideEarly.delete(key);
    return early.points === points ? early.answer : null;
  }

  function projectionFor(key) {
    if (!outlook || outlook.metric !== key || !outlook.projection) return null;
    const p = outlook.projection;
    if (typeof p.value !== "number" || typeof p.low !== "number" || typeof p.high !== "number") return null;
    return p;
  }

  /** uPlot's columns: steps, values, and on the headline chart the projection's three. */
  function columns(st, part) {
    const xs = part.steps.slice();
    const ys = part.values.slice();
    if (!st.projected) return [xs, ys];
    const p = projectionFor(st.key);
    const n = xs.length;
    let last = n - 1;
    while (last >= 0 && ys[last] === null) last--;
    const showIt = p && last >= 0 && p.step > xs[n - 1] && (!zoom || zoom.max >= xs[n - 1]);
    const extra = showIt ? 1 : 0;
    const mid = new Array(n + extra).fill(null);
    const low = new Array(n + extra).fill(null);
    const high = new Array(n + extra).fill(null);
    if (showIt) {
      xs.push(p.step);
      ys.push(null);
      mid[last] = low[last] = high[last] = ys[last];
      mid[n] = p.value;
      low[n] = p.low;
      high[n] = p.high;
    }
    return [xs, ys, mid, low, high];
  }

  function show(st, part, resetScales) {
    const data = columns(st, part);
    st.chart.setData(data, resetScales);
    const real = part.steps.length;
    st.figure.dataset.points = String(real);
    st.figure.dataset.lastStep = real ? String(part.steps[real - 1]) : "";
  }

  function drawIncidents(u, key) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    for (const inc of incidents) {
      const tone = MARK[inc.severity];
      if (!tone || (inc.key && inc.key !== key)) continue;
      const opened = inc.opened_step ?? inc.onset_step;
      if (opened === null || opened === undefined) continue;
      const from = u.valToPos(inc.onset_step ?? opened, "x", true);
      const to = u.valToPos(inc.last_step ?? opened, "x", true);
      const at = u.valToPos(opened, "x", true);
      ctx.fillStyle = tone + (inc.open ? "0.10)" : "0.06)");
      ctx.fillRect(Math.min(from, at), top, Math.max(2, Math.max(to, at) - Math.min(from, at)), height);
      ctx.strokeStyle = tone + "0.85)";
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(at, top);
      ctx.lineTo(at, top + height);
      ctx.stroke();
      ctx.fillStyle = tone + "1)";
      ctx.fillText(inc.rule.replace(/_/g, " "), at + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
    }
    ctx.restore();
  }

  function options(st) {
    const color = st.key.startsWith(SYSTEM_PREFIX) ? "#64748b" : lowtide.PALETTE[0];
    const series = [lowtide.line(st.key, color)];
    const extra = {
      hooks: {
        draw: [(u) => drawIncidents(u, st.key), () => drawn(st)],
        setSelect: [(u) => selected(u)],
      },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
        bind: { dblclick: () => () => { resetZoom(); return null; } },
      },
    };
    if (st.projected) {
      const dash = { dash: [5, 4], spanGaps: true };
      series.push(
        lowtide.line("projected", "#2563eb", Object.assign({ width: 1.2 }, dash)),
        lowtide.line("low", "rgba(37,99,235,0.35)", Object.assign({ width: 0.8 }, dash)),
        lowtide.line("high", "rgba(37,99,235,0.35)", Object.assign({ width: 0.8 }, dash))
      );
      extra.bands = [{ series: [4, 3], fill: BAND }];
    }
    return { series, extra };
  }

  function build(st, part) {
    st.projected = projectionFor(st.key) !== null;
    const { series, extra } = options(st);
    if (st.chart) st.chart.destroy();
    st.chart = lowtide.makeChart(st.plot, series, columns(st, part), extra);
    st.chart.root.classList.toggle("projected", st.projected);
    st.figure.dataset.points = String(part.steps.length);
    st.figure.dataset.lastStep = part.steps.length ? String(part.steps[part.steps.length - 1]) : "";
  }

  let waiting = 0;
  function drawn(st) {
    if (st.drawn) return;
    st.drawn = true;
    waiting -= 1;
    if (waiting === 0) performance.mark("lowtide:charts-drawn");
  }

  async function addChart(key) {
    // The page drew the cards of the keys it knew; a key that came later gets a new one.
    let card = [...container.querySelectorAll("figure.chart")].find((f) => f.dataset.key === key);
    if (!card) {
      card = lowtide.chartCard(container, key).parentElement;
      card.dataset.key = key;
    }
    const plot = card.querySelector(".plot");
    const st = { key, figure: card, plot, chart: null, full: null, nTotal: 0, drawn: false, projected: false };
    charts.set(key, st);
    const part = await fetchPart(key, lowtide.resolution(plot));
    st.full = part;
    st.nTotal = part.nTotal;
    build(st, part);
    if (zoom) await detail(st);
    return st;
  }

  function order(keys) {
    const headline = boot.headline;
    const rank = (k) => (k === headline ? 0 : k.startsWith(SYSTEM_PREFIX) ? 2 : 1);
    return keys.slice().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  // -- zoom -------------------------------------------------------------------

  function selected(u) {
    if (u.select.width < 2) return;
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    zoomTo(min, max);
  }

  async function detail(st) {
    const { min, max } = zoom;
    const part = await fetchPart(st.key, lowtide.resolution(st.plot), min, max);
    if (!zoom || zoom.min !== min || zoom.max !== max) return; // zoomed again meanwhile
    show(st, part, false);
    st.chart.setScale("x", { min, max });
  }

  function zoomTo(min, max) {
    zoom = { min, max };
    for (const st of charts.values()) {
      if (!st.chart) continue;
      st.chart.setScale("x", { min, max });
      detail(st).catch(report);
    }
  }

  function resetZoom() {
    zoom = null;
    for (const st of charts.values()) if (st.chart && st.full) show(st, st.full, true);
  }

  // -- live -------------------------------------------------------------------

  async function grow(st, summary) {
    if (summary.n_points <= st.nTotal || !st.full) return;
    const full = st.full;
    const lastStep = full.steps.length ? full.steps[full.steps.length - 1] : -1;
    const res = lowtide.resolution(st.plot);
    const tail = await fetchPart(st.key, res, lastStep + 1);
    st.nTotal = summary.n_points;
    let next = {
      steps: full.steps.concat(tail.steps),
      values: full.values.concat(tail.values),
      nTotal: summary.n_points,
    };
    if (next.steps.length > 2 * res) next = await fetchPart(st.key, res);
    st.full = next;
    if (!zoom) show(st, next, true);
  }

  async function refreshOutlook() {
    const [found, incs] = await Promise.all([
      lowtide.fetchJSON(`/api/v1/runs/${encodeURIComponent(runId)}/outlook`).catch(() => null),
      lowtide.fetchJSON(`/api/v1/incidents?run=${encodeURIComponent(runId)}`),
    ]);
    incidents = incs.incidents;
    if (found) {
      const had = outlook && outlook.projection;
      outlook = found;
      showOutlook(found);
      const st = outlook.metric && charts.get(outlook.metric);
      if (st && st.full) {
        if (Boolean(had) !== Boolean(found.projection) || st.projected !== (projectionFor(st.key) !== null)) build(st, st.full);
        else if (!zoom) show(st, st.full, true);
      }
    }
    for (const st of charts.values()) if (st.chart) st.chart.redraw(false, false);
  }

  function showOutlook(o) {
    setText("run-eta", o.eta_s !== null ? lowtide.fmtDuration(o.eta_s) : live ? (o.planned_steps ? "–" : "no planned steps") : "ended");
    setText("run-planned", o.planned_steps ? `of ${o.planned_steps}` : "");
    const proj = document.getElementById("run-projection");
    const p = o.projection;
    proj.hidden = !p;
    if (p) {
      proj.querySelector(".metric").textContent = o.metric;
      proj.querySelector(".value").textContent = lowtide.fmtValue(p.value);
      proj.querySelector(".range").textContent = `(${lowtide.fmtValue(p.low)} – ${lowtide.fmtValue(p.high)})`;
    }
    const best = document.getElementById("run-best");
    best.hidden = !o.project_best;
    if (o.project_best) {
      best.querySelector(".value").textContent = lowtide.fmtValue(o.project_best.value);
      best.querySelector(".name").textContent = o.project_best.run || "";
    }
  }

  function setText(id, text) {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  async function update(run, keys) {
    const byKey = new Map(keys.map((k) => [k.key, k]));
    const empty = document.getElementById("no-points");
    if (empty && byKey.size) empty.remove();
    const work = [];
    for (const key of order([...byKey.keys()])) {
      const st = charts.get(key);
      if (st) work.push(grow(st, byKey.get(key)));
      else {
        waiting += 1;
        work.push(addChart(key));
      }
    }
    await Promise.all(work);
    const lastStep = Math.max(...keys.map((k) => k.last_step));
    if (isFinite(lastStep)) setText("run-step", String(lastStep));
    setText("run-state", run.status);
    updates += 1;
    const ended = run.status === "finished" || run.status === "failed" || run.status === "crashed";
    if (ended || updates % OUTLOOK_EVERY === 0) {
      live = !ended;
      await refreshOutlook();
    }
    if (ended) {
      document.getElementById("live").hidden = true;
      stopListening();
    }
  }

  function report(err) {
    console.error("lowtide:", err);
  }

  let source = null;
  let pending = Promise.resolve(); // updates are applied one after the other

  function listen() {
    if (source || !live || document.visibilityState === "hidden") return;
    source = new EventSource(`/api/v1/runs/${encodeURIComponent(runId)}/live`);
    source.addEventListener("run", (event) => {
      const state = JSON.parse(event.data);
      pending = pending.then(() => update(state.run, state.keys)).catch(report);
    });
  }

  function stopListening() {
    if (source) source.close();
    source = null;
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") stopListening();
    else listen();
  });

  async function start() {
    const keys = order(boot.keys.map((k) => k.key));
    waiting = keys.length;
    if (!waiting) performance.mark("lowtide:charts-drawn");
    if (!keys.length && !live) setText("run-eta", "ended");
    // Cards in their order first, then their data as it comes.
    await Promise.all(keys.map((k) => addChart(k))).catch(report);
    await refreshOutlook().catch(report);
    listen();
  }

  start();
})();
