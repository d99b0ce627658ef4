// trailroom console: sign in, Event history, event detail, downloads. Plain JS, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { tokens: [null], page: 0, events: [] };

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
    if ($("start").value) params.set("start", new Date($("start").value).getTime());
    if ($("end").value) params.set("end", new Date($("end").value).getTime());
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

function render() {
  const body = $("events").querySelector("tbody");
  body.replaceChildren();
  for (const [index, event] of state.events.entries()) {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.textContent = event.eventName;
    link.className = "event-link";
    link.dataset.index = index;
    link.addEventListener("click", () => openEvent(index));
    name.append(link);
    row.append(
      name,
      cell(new Date(event.eventTime).toISOString().replace(".000Z", "Z")),
      cell(event.username),
      cell(event.eventSource),
      cell(event.resourceTypes.join(", ")),
      cell(event.resourceNames.join(", ")),
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
  const params = filterParams();
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
  show("detail-view");
}

function download(format) {
  const params = filterParams();
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
$("download-csv").addEventListener("click", () => download("csv"));
$("download-json").addEventListener("click", () => download("json"));
$("logout").addEventListener("click", async () => {
  await fetch("/console/api/logout", { method: "POST", credentials: "same-origin" });
  $("who").textContent = "";
  show("login-view");
});
show("login-view");
