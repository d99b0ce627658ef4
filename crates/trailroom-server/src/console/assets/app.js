// trailroom console: sign in (kept across reloads), Event history, event detail, downloads.
// Plain JS, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
// `query` is the filter as it was when the search started: every page of one search uses the
// same time range (a preset range is fixed then, not recomputed per page).
const state = { tokens: [null], page: 0, events: [], query: null };

function show(view) {
  for (const id of ["login-view", "history-view", "detail-view"]) $(id).hidden = id !== view;
  $("logout").hidden = view === "login-view";
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
// A reload keeps the session: ask the server whether the cookie is still good.
api("/console/api/session")
  .then((who) => {
    $("who").textContent = who.arn;
    show("history-view");
    return restart();
  })
  .catch(() => show("login-view"));
