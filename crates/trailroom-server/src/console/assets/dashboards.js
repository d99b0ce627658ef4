// trailroom console: Lake dashboards. Pick a dashboard, refresh it (the Highlights dashboard
// asks which event data store to summarize), and see each widget drawn from its query's rows as
// its ViewProperties say: Table, BarChart, LineChart (one line per FilterColumn value) or
// PieChart. Uses app.js's helpers ($, api, show, cell, sleep).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#0073bb", "#ec7211", "#1d8102", "#d13212", "#8d6605", "#6b40b2", "#00a1c9", "#687078"];
// `shown` counts dashboard loads: an answer for a dashboard no longer chosen is dropped.
const dashboards = { region: "us-east-1", current: null, shown: 0 };

function svgElement(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

async function loadDashboardsView() {
  show("dashboards-view");
  $("dashboards-error").textContent = "";
  dashboards.region = $("dashboards-region").value.trim();
  const region = new URLSearchParams({ region: dashboards.region });
  try {
    const [listed, stores] = await Promise.all([
      api(`/console/api/lake/dashboards?${region}`),
      api(`/console/api/lake/stores?${region}`),
    ]);
    const select = $("dashboards-list");
    select.replaceChildren();
    for (const dashboard of listed.Dashboards ?? []) {
      const option = document.createElement("option");
      option.value = dashboard.DashboardArn;
      option.textContent = `${dashboard.DashboardArn.split("/").pop()} (${dashboard.Type})`;
      select.append(option);
    }
    const storeSelect = $("dashboards-store");
    storeSelect.replaceChildren();
    for (const store of stores.stores ?? []) {
      const option = document.createElement("option");
      option.value = store.EventDataStoreArn.split("/").pop();
      option.textContent = store.Name;
      storeSelect.append(option);
    }
    if (!select.options.length) {
      $("widgets").replaceChildren();
      $("dashboards-error").textContent = "No dashboard in this region yet.";
      return;
    }
    await loadDashboard();
  } catch (error) {
    $("dashboards-error").textContent = error.message;
  }
}

async function loadDashboard() {
  $("dashboards-error").textContent = "";
  const load = ++dashboards.shown;
  const params = new URLSearchParams({ region: dashboards.region, id: $("dashboards-list").value });
  const dashboard = await api(`/console/api/lake/dashboards?${params}`);
  if (load !== dashboards.shown) return;
  dashboards.current = dashboard;
  $("dashboards-store-label").hidden = dashboard.Type !== "MANAGED";
  $("widgets").replaceChildren(...(dashboard.Widgets ?? []).map(widgetFrame));
  if (dashboard.LastRefreshFailureReason) $("dashboards-error").textContent = dashboard.LastRefreshFailureReason;
  if (dashboard.LastRefreshId) await loadWidgets(dashboard.LastRefreshId);
  else $("dashboards-status").textContent = "Not refreshed yet.";
}

function widgetFrame(widget) {
  const figure = document.createElement("figure");
  figure.className = "widget";
  figure.dataset.alias = widget.QueryAlias;
  const caption = document.createElement("figcaption");
  caption.textContent = widget.ViewProperties?.Title ?? widget.QueryAlias;
  const body = document.createElement("div");
  body.className = "widget-body";
  figure.append(caption, body);
  return figure;
}

async function refreshDashboard() {
  $("dashboards-error").textContent = "";
  const values = {};
  if (dashboards.current?.Type === "MANAGED") values["$EventDataStoreId$"] = $("dashboards-store").value;
  try {
    const started = await api("/console/api/lake/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: dashboards.region, id: $("dashboards-list").value, values }),
    });
    await loadWidgets(started.refreshId);
  } catch (error) {
    $("dashboards-error").textContent = error.message;
  }
}

async function loadWidgets(refreshId) {
  $("dashboards-status").textContent = `Refresh ${refreshId}: running…`;
  const widgets = dashboards.current?.Widgets ?? [];
  const outcomes = await Promise.all(widgets.map((widget) => loadWidget(widget, refreshId)));
  const failed = outcomes.filter((status) => status !== "FINISHED").length;
  $("dashboards-status").textContent = `Refresh ${refreshId}: ${widgets.length - failed} of ${widgets.length} widgets drawn.`;
}

async function loadWidget(widget, refreshId) {
  const frame = [...$("widgets").children].find((f) => f.dataset.alias === widget.QueryAlias);
  const body = frame.querySelector(".widget-body");
  const params = new URLSearchParams({ region: dashboards.region, alias: widget.QueryAlias, refresh: refreshId });
  let answer;
  for (;;) {
    answer = await api(`/console/api/lake/widget?${params}`);
    if (answer.status !== "QUEUED" && answer.status !== "RUNNING") break;
    await sleep(300);
  }
  frame.dataset.status = answer.status;
  if (answer.status !== "FINISHED") {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = answer.error ?? `The query ended ${answer.status}.`;
    body.replaceChildren(p);
    return answer.status;
  }
  const rows = answer.rows.map((row) => new Map(row));
  body.replaceChildren(draw(widget.ViewProperties ?? {}, rows, answer.rows));
  return answer.status;
}

function draw(view, rows, raw) {
  const x = view.XAxisColumn;
  const y = view.YAxisColumn;
  if (!rows.length) {
    const p = document.createElement("p");
    p.textContent = "No data for this time range.";
    return p;
  }
  switch (view.View) {
    case "BarChart": return x && y ? barChart(rows, x, y) : table(raw);
    case "LineChart": return x && y ? lineChart(rows, x, y, view.FilterColumn) : table(raw);
    case "PieChart": return x && y ? pieChart(rows, x, y) : table(raw);
    default: return table(raw);
  }
}

function table(raw) {
  const columns = [];
  for (const row of raw) for (const [column] of row) if (!columns.includes(column)) columns.push(column);
  const element = document.createElement("table");
  const head = document.createElement("tr");
  for (const column of columns) {
    const th = document.createElement("th");
    th.textContent = column;
    head.append(th);
  }
  element.createTHead().append(head);
  const body = element.createTBody();
  for (const row of raw) {
    const values = new Map(row);
    const tr = document.createElement("tr");
    for (const column of columns) tr.append(cell(values.get(column) ?? ""));
    body.append(tr);
  }
  return element;
}

function barChart(rows, x, y) {
  const width = 400, height = 200, gap = 4;
  const max = Math.max(1, ...rows.map((r) => Number(r.get(y)) || 0));
  const barWidth = (width - gap * rows.length) / rows.length;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height + 30}`, role: "img" });
  rows.forEach((row, index) => {
    const value = Number(row.get(y)) || 0;
    const barHeight = (value / max) * height;
    const left = index * (barWidth + gap);
    const bar = svgElement("rect", { class: "bar", x: left, y: height - barHeight, width: barWidth, height: barHeight, fill: PALETTE[0] });
    bar.dataset.label = row.get(x) ?? "";
    bar.dataset.value = String(value);
    const title = svgElement("title");
    title.textContent = `${row.get(x) ?? ""}: ${value}`;
    bar.append(title);
    const label = svgElement("text", { x: left + barWidth / 2, y: height + 12, "text-anchor": "middle" });
    label.textContent = (row.get(x) ?? "").slice(0, 14);
    svg.append(bar, label);
  });
  return svg;
}

function lineChart(rows, x, y, filter) {
  const width = 400, height = 200;
  const xs = [...new Set(rows.map((r) => r.get(x)))].sort();
  const series = new Map();
  for (const row of rows) {
    const name = filter ? row.get(filter) ?? "" : y;
    if (!series.has(name)) series.set(name, new Map());
    series.get(name).set(row.get(x), Number(row.get(y)) || 0);
  }
  const max = Math.max(1, ...rows.map((r) => Number(r.get(y)) || 0));
  const px = (value) => (xs.length > 1 ? (xs.indexOf(value) / (xs.length - 1)) * width : width / 2);
  const py = (value) => height - (value / max) * height;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height + 10}`, role: "img" });
  const legend = document.createElement("div");
  legend.className = "legend";
  [...series.entries()].forEach(([name, points], index) => {
    const colour = PALETTE[index % PALETTE.length];
    const line = svgElement("polyline", {
      class: "line",
      fill: "none",
      stroke: colour,
      "stroke-width": 2,
      points: xs.filter((v) => points.has(v)).map((v) => `${px(v)},${py(points.get(v))}`).join(" "),
    });
    line.dataset.series = name;
    svg.append(line);
    // Each point is drawn too: a line of one point has no length.
    for (const [at, value] of points) {
      svg.append(svgElement("circle", { class: "point", cx: px(at), cy: py(value), r: 3, fill: colour }));
    }
    const key = document.createElement("span");
    key.textContent = `■ ${name}`;
    key.style.color = colour;
    legend.append(key);
  });
  const wrapper = document.createElement("div");
  wrapper.append(svg, legend);
  return wrapper;
}

function pieChart(rows, x, y) {
  const total = rows.reduce((sum, r) => sum + (Number(r.get(y)) || 0), 0) || 1;
  const svg = svgElement("svg", { viewBox: "-110 -110 220 220", role: "img" });
  const legend = document.createElement("div");
  legend.className = "legend";
  let angle = -Math.PI / 2;
  rows.forEach((row, index) => {
    const value = Number(row.get(y)) || 0;
    const sweep = (value / total) * 2 * Math.PI;
    const colour = PALETTE[index % PALETTE.length];
    const [x0, y0] = [100 * Math.cos(angle), 100 * Math.sin(angle)];
    angle += sweep;
    const [x1, y1] = [100 * Math.cos(angle), 100 * Math.sin(angle)];
    const shape = sweep >= 2 * Math.PI - 1e-9
      ? svgElement("circle", { class: "slice", r: 100, fill: colour })
      : svgElement("path", {
        class: "slice",
        d: `M0,0 L${x0},${y0} A100,100 0 ${sweep > Math.PI ? 1 : 0} 1 ${x1},${y1} Z`,
        fill: colour,
      });
    shape.dataset.label = row.get(x) ?? "";
    shape.dataset.value = String(value);
    svg.append(shape);
    const key = document.createElement("span");
    key.textContent = `■ ${row.get(x) ?? ""} (${value})`;
    key.style.color = colour;
    legend.append(key);
  });
  const wrapper = document.createElement("div");
  wrapper.append(svg, legend);
  return wrapper;
}

$("tab-dashboards").addEventListener("click", (e) => { e.preventDefault(); loadDashboardsView(); });
$("dashboards-region").addEventListener("change", () => loadDashboardsView());
$("dashboards-list").addEventListener("change", () => loadDashboard().catch((error) => { $("dashboards-error").textContent = error.message; }));
$("dashboards-form").addEventListener("submit", (e) => { e.preventDefault(); refreshDashboard(); });
