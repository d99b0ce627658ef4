// trailroom console: sign in (kept across reloads), Event history, event detail, downloads,
// trails, overview, Lake queries, Lake dashboards.
// Plain JS, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
// `query` is the filter as it was when the search started: every page of one search uses the
// same time range (a preset range is fixed then, not recomputed per page).
const state = { tokens: [null], page: 0, events: [], query: null };

const VIEWS = ["login-view", "history-view", "detail-view", "trails-view", "trail-view", "overview-view", "query-view", "dashboards-view"];

function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  $("logout").hidden = view === "login-view";
  $("views").hidden = view === "login-view";
  for (const [tab, shown] of [["tab-history", "history-view"], ["tab-trails", "trails-view"], ["tab-overview", "overview-view"], ["tab-query", "query-view"], ["tab-dashboards", "dashboards-view"]]) {
    $(tab).classList.toggle("current", shown === view);
  }
}

// Seconds (as the API answers times) or nothing, as an ISO time.
function isoSeconds(seconds) {
  return seconds ? new Date(seconds * 1000).toISOString().replace(".000Z", "Z") : "";
}

async function loadTrails() {
  show("trails-view");
  $("trails-error").textContent = "";
  const body = $("trails").querySelector("tbody");
  body.replaceChildren();
  try {
    const { trails } = await api("/console/api/trails");
    for (const { info, trail, status, error } of trails) {
      const row = document.createElement("tr");
      const where = trail ? `${trail.S3BucketName}${trail.S3KeyPrefix ? `/${trail.S3KeyPrefix}` : ""}` : "";
      const name = document.createElement("td");
      name.append(link(info.Name, "trail-link", () => openTrail(info.TrailARN)));
      row.append(
        name,
        cell(info.HomeRegion),
        cell(trail ? (trail.IsMultiRegionTrail ? "Yes" : "No") : ""),
        cell(status ? (status.IsLogging ? "Logging" : "Off") : error),
        cell(where),
        cell(trail?.SnsTopicARN),
        cell(isoSeconds(status?.LatestDeliveryTime)),
        cell(isoSeconds(status?.LatestDigestDeliveryTime)),
        cell(status?.LatestDeliveryError),
      );
      body.append(row);
    }
    $("no-trails").hidden = trails.length > 0;
  } catch (error) {
    $("trails-error").textContent = error.message;
  }
}

// One trail: its delivered files (open one to read its records) and log file validation.
async function openTrail(arn) {
  state.trail = arn;
  show("trail-view");
  $("trail-title").textContent = arn;
  $("trail-error").textContent = "";
  $("validate-summary").textContent = "";
  $("verdicts").querySelector("tbody").replaceChildren();
  $("file-title").textContent = "";
  $("file-json").hidden = true;
  const body = $("files").querySelector("tbody");
  body.replaceChildren();
  try {
    const { files } = await api(`/console/api/files?${new URLSearchParams({ trail: arn })}`);
    for (const key of files) {
      const row = document.createElement("tr");
      const td = document.createElement("td");
      td.append(link(key, "file-link", () => openFile(key)));
      row.append(td);
      body.append(row);
    }
  } catch (error) {
    $("trail-error").textContent = error.message;
  }
}

async function openFile(key) {
  try {
    const records = await api(`/console/api/file?${new URLSearchParams({ trail: state.trail, key })}`);
    $("file-title").textContent = key;
    $("file-json").textContent = JSON.stringify(records, null, 2);
    $("file-json").hidden = false;
  } catch (error) {
    $("trail-error").textContent = error.message;
  }
}

async function validateTrail() {
  const end = Date.now();
  const params = new URLSearchParams({
    trail: state.trail, start: end - Number($("validate-range").value) * 60000, end,
  });
  $("validate-summary").textContent = "Validating…";
  const body = $("verdicts").querySelector("tbody");
  body.replaceChildren();
  try {
    const result = await api(`/console/api/validate?${params}`);
    for (const verdict of result.verdicts) {
      const row = document.createElement("tr");
      const outcome = cell(verdict.problem ? `INVALID: ${verdict.problem}` : "valid");
      if (verdict.problem) row.classList.add("failed");
      row.append(cell(verdict.kind), cell(verdict.location), outcome);
      body.append(row);
    }
    $("validate-summary").textContent = result.summary.join(" ") || "No digests found";
  } catch (error) {
    $("validate-summary").textContent = "";
    $("trail-error").textContent = error.message;
  }
}

async function loadOverview() {
  show("overview-view");
  $("overview-error").textContent = "";
  const end = Date.now();
  const params = new URLSearchParams({
    start: end - Number($("overview-range").value) * 60000,
    end,
    region: $("overview-region").value || "us-east-1",
  });
  try {
    const overview = await api(`/console/api/overview?${params}`);
    $("overview-total").textContent = String(overview.total);
    $("overview-truncated").hidden = !overview.truncated;
    const most = Math.max(1, ...overview.buckets.map((b) => b.count));
    const chart = $("histogram");
    chart.replaceChildren();
    for (const bucket of overview.buckets) {
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.style.height = `${(100 * bucket.count) / most}%`;
      bar.title = `${new Date(bucket.start).toISOString()}: ${bucket.count}`;
      bar.dataset.count = bucket.count;
      chart.append(bar);
    }
    for (const list of ["eventNames", "users", "errorCodes", "sourceIps"]) {
      const body = $(`top-${list}`).querySelector("tbody");
      body.replaceChildren();
      for (const { key, count } of overview[list]) {
        const row = document.createElement("tr");
        row.append(cell(key), cell(String(count)));
        body.append(row);
      }
    }
  } catch (error) {
    $("overview-error").textContent = error.message;
  }
}

// Lake query: pick a store, write or pick SQL, run it, page the rows, download them as CSV.
const lake = { id: null, region: "us-east-1", token: null, columns: [] };

async function loadQueryView() {
  show("query-view");
  $("query-error").textContent = "";
  const region = $("query-region").value.trim();
  try {
    const listed = await api(`/console/api/lake/stores?${new URLSearchParams({ region })}`);
    const select = $("query-store");
    select.replaceChildren();
    for (const store of listed.stores ?? []) {
      const option = document.createElement("option");
      option.value = store.EventDataStoreArn.split("/").pop();
      option.textContent = `${store.Name} (${option.value})`;
      select.append(option);
    }
    if (!select.options.length) $("query-error").textContent = "No event data store in this region yet.";
  } catch (error) {
    $("query-error").textContent = error.message;
  }
}

function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}

async function runQuery() {
  $("query-error").textContent = "";
  $("query-status").textContent = "Starting…";
  $("query-results").querySelector("thead").replaceChildren();
  $("query-results").querySelector("tbody").replaceChildren();
  $("query-more").hidden = true;
  $("query-csv").hidden = true;
  lake.region = $("query-region").value.trim();
  lake.columns = [];
  try {
    const started = await api("/console/api/lake/queries", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: lake.region, statement: $("query-sql").value }),
    });
    lake.id = started.queryId;
    lake.token = null;
    await nextResults();
  } catch (error) {
    $("query-status").textContent = "";
    $("query-error").textContent = error.message;
  }
}

async function nextResults() {
  const params = new URLSearchParams({ region: lake.region, id: lake.id });
  if (lake.token) params.set("token", lake.token);
  let page;
  for (;;) {
    page = await api(`/console/api/lake/results?${params}`);
    $("query-status").textContent = `Status: ${page.status}`;
    if (page.status !== "QUEUED" && page.status !== "RUNNING") break;
    await sleep(300);
  }
  if (page.status !== "FINISHED") {
    $("query-error").textContent = page.error ?? `The query ended ${page.status}.`;
    return;
  }
  const stats = page.statistics ?? {};
  $("query-status").textContent =
    `Status: FINISHED · ${stats.TotalResultsCount ?? 0} rows · ${stats.BytesScanned ?? 0} bytes scanned`;
  for (const row of page.rows) {
    for (const [column] of row) if (!lake.columns.includes(column)) lake.columns.push(column);
  }
  const head = document.createElement("tr");
  for (const column of lake.columns) {
    const th = document.createElement("th");
    th.textContent = column;
    head.append(th);
  }
  $("query-results").querySelector("thead").replaceChildren(head);
  const body = $("query-results").querySelector("tbody");
  for (const row of page.rows) {
    const values = new Map(row);
    const tr = document.createElement("tr");
    for (const column of lake.columns) tr.append(cell(values.get(column) ?? ""));
    body.append(tr);
  }
  lake.token = page.nextToken ?? null;
  $("query-more").hidden = !lake.token;
  $("query-csv").hidden = false;
}

function downloadQuery() {
  const params = new URLSearchParams({ region: lake.region, id: lake.id });
  const a = document.createElement("a");
  a.href = `/console/api/lake/csv?${params}`;
  a.download = `query-${lake.id}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401 && !path.endsWith("/login")) {
    show("login-view");
    throw new Error("Signed out");
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(`${body.code}: ${body.message}`);
  return body;
}

function filterParams() {
  const params = new URLSearchParams();
  const attribute = $("attribute").value;
  if (attribute) {
    params.set("attribute", attribute);
    params.set("value", $("value").value);
  }
  const now = Date.now();
  if ($("range").value === "custom") {
    // The custom range is read as UTC, as the table shows times.
    if ($("start").value) params.set("start", Date.parse(`${$("start").value}Z`));
    if ($("end").value) params.set("end", Date.parse(`${$("end").value}Z`));
  } else {
    params.set("start", now - Number($("range").value) * 60000);
    params.set("end", now);
  }
  params.set("region", $("region").value || "us-east-1");
  return params;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  return td;
}

// A link (reachable by keyboard) that runs `action`.
function link(text, className, action) {
  const a = document.createElement("a");
  a.textContent = text ?? "";
  a.className = className;
  a.href = "#";
  a.addEventListener("click", (e) => { e.preventDefault(); action(); });
  return a;
}

// A cell whose values each filter the history by `attribute` when followed.
function filterCell(values, attribute) {
  const td = document.createElement("td");
  values.filter(Boolean).forEach((value, i) => {
    if (i > 0) td.append(", ");
    td.append(link(value, "filter-link", () => filterBy(attribute, value)));
  });
  return td;
}

function filterBy(attribute, value) {
  $("attribute").value = attribute;
  $("value").value = value;
  show("history-view");
  restart();
}

// Column preferences: which columns are hidden, kept in this browser.
const COLUMNS_KEY = "trailroom.hiddenColumns";

function hiddenColumns() {
  try {
    return new Set(JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? "[]"));
  } catch {
    return new Set();
  }
}

function applyColumns() {
  const hidden = hiddenColumns();
  for (const row of $("events").querySelectorAll("tr")) {
    [...row.children].forEach((cell, index) => { cell.hidden = hidden.has(index); });
  }
}

function columnChoices() {
  const hidden = hiddenColumns();
  const choices = $("column-choices");
  choices.replaceChildren();
  [...$("events").querySelectorAll("thead th")].forEach((th, index) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hidden.has(index);
    box.dataset.column = index;
    box.addEventListener("change", () => {
      const now = hiddenColumns();
      if (box.checked) now.delete(index); else now.add(index);
      localStorage.setItem(COLUMNS_KEY, JSON.stringify([...now]));
      applyColumns();
    });
    label.append(box, th.textContent);
    choices.append(label);
  });
}

function render() {
  const body = $("events").querySelector("tbody");
  body.replaceChildren();
  for (const [index, event] of state.events.entries()) {
    const row = document.createElement("tr");
    const errorCode = event.record?.errorCode;
    if (errorCode) row.classList.add("failed");
    const name = document.createElement("td");
    const open = link(event.eventName, "event-link", () => openEvent(index));
    open.dataset.index = index;
    name.append(open);
    const error = cell(errorCode);
    error.className = "error-code";
    row.append(
      name,
      cell(new Date(event.eventTime).toISOString().replace(".000Z", "Z")),
      filterCell([event.username], "Username"),
      cell(event.eventSource),
      cell(event.resourceTypes.join(", ")),
      filterCell(event.resourceNames, "ResourceName"),
      error,
    );
    body.append(row);
  }
  applyColumns();
  $("empty").hidden = state.events.length > 0;
  $("page-number").textContent = String(state.page + 1);
  $("prev").disabled = state.page === 0;
  $("next").disabled = !state.tokens[state.page + 1];
}

async function load() {
  $("history-error").textContent = "";
  const params = new URLSearchParams(state.query ?? filterParams());
  params.set("max", $("page-size").value);
  const token = state.tokens[state.page];
  if (token) params.set("token", token);
  try {
    const page = await api(`/console/api/events?${params}`);
    state.events = page.events;
    state.tokens[state.page + 1] = page.nextToken || null;
    render();
  } catch (error) {
    $("history-error").textContent = error.message;
  }
}

function restart() {
  state.query = filterParams();
  state.tokens = [null];
  state.page = 0;
  return load();
}

function openEvent(index) {
  const event = state.events[index];
  $("detail-title").textContent = `${event.eventName} · ${event.eventId}`;
  const body = $("detail-resources").querySelector("tbody");
  body.replaceChildren();
  event.resourceTypes.forEach((type, i) => {
    const row = document.createElement("tr");
    row.append(cell(type), cell(event.resourceNames[i]));
    body.append(row);
  });
  $("detail-json").textContent = JSON.stringify(event.record, null, 2);
  $("copy-status").textContent = "";
  renderDetails(event);
  show("detail-view");
}

// AWS's Details panel: who, when, from where, and how the call ended.
function renderDetails(event) {
  const record = event.record ?? {};
  const identity = record.userIdentity ?? {};
  const rows = [
    ["Event time", new Date(event.eventTime).toISOString()],
    ["User name", event.username],
    ["AWS access key", identity.accessKeyId],
    ["Source IP address", record.sourceIPAddress],
    ["Event source", event.eventSource],
    ["Event ID", event.eventId],
    ["Request ID", record.requestID],
    ["AWS region", record.awsRegion],
    ["Error code", record.errorCode],
    ["Read-only", String(event.readOnly ?? record.readOnly)],
  ];
  const panel = $("detail-panel");
  panel.replaceChildren();
  for (const [label, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value ?? "-";
    panel.append(dt, dd);
  }
}

function download(format) {
  const params = new URLSearchParams(state.query ?? filterParams());
  params.delete("max");
  params.delete("token");
  params.set("format", format);
  const link = document.createElement("a");
  link.href = `/console/api/download?${params}`;
  link.download = `event-history.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  try {
    const who = await api("/console/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        access_key_id: $("access-key").value.trim(),
        secret_access_key: $("secret-key").value.trim(),
        session_token: $("session-token").value.trim() || null,
      }),
    });
    $("who").textContent = who.arn;
    show("history-view");
    await restart();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});
$("filter-form").addEventListener("submit", (e) => { e.preventDefault(); restart(); });
$("attribute").addEventListener("change", () => { $("value").value = $("attribute").value === "ReadOnly" ? "false" : ""; });
$("range").addEventListener("change", () => { $("custom-range").hidden = $("range").value !== "custom"; });
$("refresh").addEventListener("click", () => restart());
$("prev").addEventListener("click", () => { state.page -= 1; load(); });
$("next").addEventListener("click", () => { state.page += 1; load(); });
$("back").addEventListener("click", () => show("history-view"));
$("tab-history").addEventListener("click", (e) => { e.preventDefault(); show("history-view"); });
$("tab-trails").addEventListener("click", (e) => { e.preventDefault(); loadTrails(); });
$("tab-overview").addEventListener("click", (e) => { e.preventDefault(); loadOverview(); });
$("tab-query").addEventListener("click", (e) => { e.preventDefault(); loadQueryView(); });
$("query-region").addEventListener("change", () => loadQueryView());
$("query-samples").addEventListener("change", () => {
  const store = $("query-store").value || "$EDS_ID";
  if ($("query-samples").value) $("query-sql").value = $("query-samples").value.replaceAll("$EDS_ID", store);
});
$("query-form").addEventListener("submit", (e) => { e.preventDefault(); runQuery(); });
$("query-more").addEventListener("click", () => nextResults().catch((error) => { $("query-error").textContent = error.message; }));
$("query-csv").addEventListener("click", () => downloadQuery());
$("overview-form").addEventListener("submit", (e) => { e.preventDefault(); loadOverview(); });
$("validate-form").addEventListener("submit", (e) => { e.preventDefault(); validateTrail(); });
$("back-to-trails").addEventListener("click", () => loadTrails());
$("copy-json").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("detail-json").textContent);
    $("copy-status").textContent = "Copied";
  } catch {
    $("copy-status").textContent = "Select the text to copy it";
  }
});
$("download-csv").addEventListener("click", () => download("csv"));
$("download-json").addEventListener("click", () => download("json"));
$("logout").addEventListener("click", async () => {
  await fetch("/console/api/logout", { method: "POST", credentials: "same-origin" });
  $("who").textContent = "";
  show("login-view");
});
columnChoices();
// A reload keeps the session: ask the server whether the cookie is still good.
api("/console/api/session")
  .then((who) => {
    $("who").textContent = who.arn;
    show("history-view");
    return restart();
  })
  .catch(() => show("login-view"));
