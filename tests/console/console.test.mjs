// Console tests: the real server binary, the pinned AWS CLI making calls, headless Chromium
// (Debian's) driven by playwright-core: sign in, filter, open an event, download CSV and JSON.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = process.env.TRAILROOM_BIN ?? join(ROOT, "target/debug/trailroom");
const AWS = join(ROOT, ".venv-clients/bin/aws");
// The pinned CLI predates Lake dashboards: a current one (scripts/python-env) makes them.
const AWS_CURRENT = join(ROOT, ".venv-awscli/bin/aws");
const ARTIFACTS = join(ROOT, "target/console-artifacts");
const ROOT_KEY = "AKIAIOSFODNN7EXAMPLE";
const ROOT_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

let server, endpoint, browser, alice;

function aws(args, key = ROOT_KEY, secret = ROOT_SECRET, cli = AWS) {
  const out = execFileSync(cli, [...args, "--endpoint-url", endpoint, "--output", "json"], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: "us-east-1" },
  });
  return out.length ? JSON.parse(out) : null;
}

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "trailroom-console-"));
  server = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--digest-interval", "1s"],
    { stdio: ["ignore", "pipe", "ignore"] });
  const line = await new Promise((ok) => createInterface({ input: server.stdout }).once("line", ok));
  endpoint = line.split(" ").at(-1);
  aws(["iam", "create-user", "--user-name", "Alice"]);
  // Authorization is on: Alice may run Alexa for Business.
  aws(["iam", "put-user-policy", "--user-name", "Alice", "--policy-name", "a4b",
    "--policy-document", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a4b:*", "Resource": "*"}]}']);
  alice = aws(["iam", "create-access-key", "--user-name", "Alice"]).AccessKey;
  const asAlice = (args) => aws(args, alice.AccessKeyId, alice.SecretAccessKey);
  const profile = asAlice(["alexaforbusiness", "create-profile", "--profile-name", "HQ", "--timezone", "UTC",
    "--address", "1 Main St", "--distance-unit", "METRIC", "--temperature-unit", "CELSIUS", "--wake-word", "ALEXA"]);
  asAlice(["alexaforbusiness", "create-room", "--room-name", "Lobby", "--profile-arn", profile.ProfileArn]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

async function signIn(page, key = ROOT_KEY, secret = ROOT_SECRET) {
  await page.goto(`${endpoint}/console`);
  await page.fill("#access-key", key);
  await page.fill("#secret-key", secret);
  await page.click("#login-button");
}

test("a wrong secret is refused", async () => {
  const page = await browser.newPage();
  await signIn(page, ROOT_KEY, "wrong");
  await page.waitForSelector("#login-error:not(:empty)");
  assert.match(await page.textContent("#login-error"), /not accepted/);
  assert.equal(await page.isVisible("#history-view"), false);
  await page.close();
});

test("event history: filter, open an event, download CSV and JSON", async () => {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.waitForSelector("#history-view:not([hidden])");
  assert.match(await page.textContent("#who"), /arn:aws:iam::123456789012:root/);

  // Default view: write events (Read-only = false) of the last day.
  await page.waitForSelector("#events tbody tr");
  const names = await page.$$eval("#events tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  assert.ok(names.includes("CreateRoom"), `default view shows writes: ${names}`);
  assert.ok(!names.includes("LookupEvents"), "read-only calls are filtered out by default");

  // Filter by event name.
  await page.selectOption("#attribute", "EventName");
  await page.fill("#value", "CreateRoom");
  await page.click("#apply");
  await page.waitForFunction(() => document.querySelectorAll("#events tbody tr").length === 1);
  const cells = await page.$$eval("#events tbody tr td", (tds) => tds.map((td) => td.textContent));
  assert.equal(cells[0], "CreateRoom");
  assert.match(cells[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(cells[2], "Alice");
  assert.equal(cells[3], "a4b.amazonaws.com");
  assert.equal(cells[4], "AWS::A4B::Profile, AWS::A4B::Room");
  assert.match(cells[5], /arn:aws:a4b:us-east-1:123456789012:room\//);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "event-history.png"), fullPage: true });

  // Open the event: its full record.
  await page.click("#events tbody tr a.event-link");
  await page.waitForSelector("#detail-view:not([hidden])");
  const record = JSON.parse(await page.textContent("#detail-json"));
  assert.equal(record.eventName, "CreateRoom");
  assert.equal(record.userIdentity.type, "IAMUser");
  assert.equal(record.userIdentity.userName, "Alice");
  assert.equal(record.userIdentity.accessKeyId, alice.AccessKeyId);
  const resourceRows = await page.$$eval("#detail-resources tbody tr", (rows) => rows.length);
  assert.equal(resourceRows, 2);
  await page.screenshot({ path: join(ARTIFACTS, "event-detail.png"), fullPage: true });
  await page.click("#back");

  // Downloads of the current filter.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
  const csvText = readFileSync(await csv.path(), "utf8");
  const lines = csvText.trim().split("\n");
  assert.match(lines[0], /^Event ID,Event time,User name,Event name,Event source/);
  assert.equal(lines.length, 2);
  assert.match(lines[1], /"Alice","CreateRoom","a4b.amazonaws.com"/);
  const [json] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
  const downloaded = JSON.parse(readFileSync(await json.path(), "utf8"));
  assert.equal(downloaded.Records.length, 1);
  assert.equal(downloaded.Records[0].eventName, "CreateRoom");

  // Refresh picks up new calls; the console's own lookups are recorded as LookupEvents.
  aws(["alexaforbusiness", "create-room", "--room-name", "Annex"], alice.AccessKeyId, alice.SecretAccessKey);
  await page.click("#refresh");
  await page.waitForFunction(() => document.querySelectorAll("#events tbody tr").length === 2);
  const lookups = aws(["cloudtrail", "lookup-events", "--lookup-attributes",
    "AttributeKey=EventName,AttributeValue=LookupEvents", "--max-results", "5"]);
  assert.ok(lookups.Events.length > 0);
  assert.match(lookups.Events[0].CloudTrailEvent, /HeadlessChrome|Chrome/);
  await context.close();
});

test("paging a preset range, failed calls marked, details panel, reload keeps the session", async () => {
  // 22 more writes (with what is there already: more than 3 pages of 10), one of them failing.
  for (let i = 0; i < 21; i += 1) aws(["alexaforbusiness", "create-skill-group", "--skill-group-name", `Group ${i}`]);
  assert.throws(() => aws(["alexaforbusiness", "create-skill-group", "--skill-group-name", "Group 0"]));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.waitForSelector("#history-view:not([hidden])");
  await page.selectOption("#page-size", "10");
  // Every preset range pages through three pages (the range is fixed when the search starts).
  for (const preset of ["30", "60", "720", "1440", "129600"]) {
    await page.selectOption("#range", preset);
    await page.click("#apply");
    const seen = new Set();
    for (let pageNumber = 1; pageNumber <= 3; pageNumber += 1) {
      await page.waitForFunction((n) => document.querySelector("#page-number").textContent === String(n), pageNumber);
      await page.waitForFunction(() => document.querySelectorAll("#events tbody tr").length === 10);
      assert.equal(await page.textContent("#history-error"), "", `preset ${preset}, page ${pageNumber} loads`);
      const ids = await page.$$eval("#events tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent));
      for (const [i, id] of ids.entries()) seen.add(`${pageNumber}:${i}:${id}`);
      if (pageNumber < 3) await page.click("#next");
    }
    assert.equal(seen.size, 30, `preset ${preset}`);
  }
  await page.selectOption("#range", "1440");

  // Column preferences: a hidden column stays hidden after a reload.
  await page.click("#columns summary");
  await page.uncheck("#column-choices input[data-column='3']");  // Event source
  assert.equal(await page.isVisible("#events thead th:nth-child(4)"), false);

  // The failed call is marked with its error code; its user name is a link that filters.
  await page.selectOption("#attribute", "EventName");
  await page.fill("#value", "CreateSkillGroup");
  await page.click("#apply");
  await page.waitForSelector("#events tbody tr.failed");
  const failed = await page.$$eval("#events tbody tr.failed td", (tds) => tds.map((td) => td.textContent));
  assert.equal(failed[0], "CreateSkillGroup");
  assert.equal(failed.at(-1), "AlreadyExistsException");
  // Event links are keyboard-reachable: they have an href, Enter opens the event.
  await page.focus("#events tbody tr.failed a.event-link");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#detail-view:not([hidden])");
  const details = await page.$$eval("#detail-panel dt, #detail-panel dd", (els) => els.map((e) => e.textContent));
  const detail = Object.fromEntries(details.flatMap((v, i) => (i % 2 === 0 ? [[v, details[i + 1]]] : [])));
  assert.equal(detail["Error code"], "AlreadyExistsException");
  assert.equal(detail["AWS region"], "us-east-1");
  assert.equal(detail["Read-only"], "false");
  assert.match(detail["Request ID"], /^[0-9a-f-]{36}$/);
  assert.equal(detail["AWS access key"], ROOT_KEY);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "event-detail-failed.png"), fullPage: true });

  // A reload keeps the session and shows Event history again, with the column preferences.
  await page.reload();
  await page.waitForSelector("#history-view:not([hidden])");
  assert.match(await page.textContent("#who"), /arn:aws:iam::123456789012:root/);
  await page.waitForSelector("#events tbody tr");
  assert.equal(await page.isVisible("#events thead th:nth-child(4)"), false);
  assert.equal(await page.isVisible("#events tbody tr td:nth-child(4)"), false);
  await context.close();
});

test("trails view, overview counts equal LookupEvents, and a caller without cloudtrail permissions is refused", async () => {
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
    { Sid: "Acl", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: "arn:aws:s3:::console-logs" },
    { Sid: "Write", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject",
      Resource: "arn:aws:s3:::console-logs/AWSLogs/123456789012/*", Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } } }] });
  aws(["s3api", "create-bucket", "--bucket", "console-logs"]);
  aws(["s3api", "put-bucket-policy", "--bucket", "console-logs", "--policy", policy]);
  aws(["cloudtrail", "create-trail", "--name", "console-trail", "--s3-bucket-name", "console-logs", "--is-multi-region-trail",
    "--enable-log-file-validation"]);
  aws(["cloudtrail", "start-logging", "--name", "console-trail"]);
  const delivered = await (await fetch(`${endpoint}/_trailroom/deliver`, { method: "POST" })).json();
  assert.ok(delivered.logFiles >= 1);

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.waitForSelector("#history-view:not([hidden])");
  await page.click("#tab-trails");
  await page.waitForSelector("#trails tbody tr");
  const row = await page.$$eval("#trails tbody tr td", (tds) => tds.map((td) => td.textContent));
  assert.equal(row[0], "console-trail");
  assert.equal(row[1], "us-east-1");
  assert.equal(row[2], "Yes");
  assert.equal(row[3], "Logging");
  assert.equal(row[4], "console-logs");
  assert.match(row[6], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "trails.png"), fullPage: true });

  // One trail: its files, one file's records, validation; then an edited file is invalid.
  await new Promise((ok) => setTimeout(ok, 1200));
  await fetch(`${endpoint}/_trailroom/deliver`, { method: "POST" });  // the digest of the period
  await page.click("#trails tbody tr a.trail-link");
  await page.waitForSelector("#trail-view:not([hidden])");
  await page.waitForSelector("#files tbody tr a.file-link");
  const key = await page.textContent("#files tbody tr a.file-link");
  await page.click("#files tbody tr a.file-link");
  await page.waitForSelector("#file-json:not([hidden])");
  assert.ok(JSON.parse(await page.textContent("#file-json")).Records.length >= 1);
  const verdicts = async () => {
    await page.click("#validate-button");
    await page.waitForFunction(() => !["", "Validating…"].includes(document.querySelector("#validate-summary").textContent));
    return page.$$eval("#verdicts tbody tr", (rows) => rows.map((r) => [...r.children].map((td) => td.textContent)));
  };
  const before = await verdicts();
  assert.ok(before.some(([kind, , result]) => kind.includes("Digest") && result === "valid"), JSON.stringify(before));
  const checked = before.find(([kind, , result]) => kind.includes("Log") && result === "valid");
  assert.ok(checked, JSON.stringify(before));
  const checkedKey = checked[1].replace("s3://console-logs/", "");
  const forged = join(mkdtempSync(join(tmpdir(), "forged-")), "forged.json");
  writeFileSync(forged, JSON.stringify({ Records: [] }));
  aws(["s3api", "put-object", "--bucket", "console-logs", "--key", checkedKey, "--body", forged]);
  const after = await verdicts();
  assert.ok(after.some(([, location, result]) => location.endsWith(checkedKey) && result.startsWith("INVALID")), JSON.stringify(after));
  await page.screenshot({ path: join(ARTIFACTS, "validate.png"), fullPage: true });

  // Quiet for a second, so the overview's range ends before anything else is recorded.
  await new Promise((ok) => setTimeout(ok, 1100));
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/console/api/overview")),
    page.click("#tab-overview"),
  ]);
  const asked = new URL(response.url()).searchParams;
  const overview = await response.json();
  await page.waitForFunction((n) => document.querySelector("#overview-total").textContent === String(n), overview.total);
  const start = Math.floor(Number(asked.get("start")) / 1000);
  const end = Math.floor(Number(asked.get("end")) / 1000);
  const looked = aws(["cloudtrail", "lookup-events", "--start-time", String(start), "--end-time", String(end)]);
  assert.equal(overview.total, looked.Events.length);
  const bars = await page.$$eval("#histogram .bar", (bs) => bs.reduce((sum, b) => sum + Number(b.dataset.count), 0));
  assert.equal(bars, overview.total);
  const topNames = await page.$$eval("#top-eventNames tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  assert.ok(topNames.includes("CreateSkillGroup") || topNames.includes("LookupEvents"), `${topNames}`);
  await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });
  await context.close();

  // Alice may run A4B but not read CloudTrail: the console says so instead of showing history.
  const alicePage = await browser.newPage();
  await signIn(alicePage, alice.AccessKeyId, alice.SecretAccessKey);
  await alicePage.waitForSelector("#history-view:not([hidden])");
  await alicePage.waitForFunction(() => document.querySelector("#history-error").textContent !== "");
  assert.match(await alicePage.textContent("#history-error"), /AccessDeniedException: .*cloudtrail:LookupEvents/);
  await alicePage.close();
});

test("lake query: pick a store, run SQL, page the rows, download CSV", async () => {
  const store = aws(["cloudtrail", "create-event-data-store", "--name", "console-lake"]).EventDataStoreArn.split("/").pop();
  aws(["cloudtrail", "list-trails"]);
  aws(["cloudtrail", "list-trails"]);

  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  await page.waitForSelector("#history-view:not([hidden])");
  await page.click("#tab-query");
  await page.waitForSelector(`#query-store option[value="${store}"]`, { state: "attached" });

  // A sample query names the chosen store.
  await page.selectOption("#query-samples", { index: 2 });
  assert.match(await page.inputValue("#query-sql"), new RegExp(`FROM ${store}`));

  await page.fill("#query-sql", `SELECT eventName, userIdentity.type AS who FROM ${store} WHERE eventName = 'ListTrails'`);
  await page.click("#query-run");
  await page.waitForFunction(() => document.querySelector("#query-status").textContent.includes("FINISHED"));
  const header = await page.$$eval("#query-results thead th", (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(header, ["eventName", "who"]);
  const rows = await page.$$eval("#query-results tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [["ListTrails", "Root"], ["ListTrails", "Root"]]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "lake-query.png"), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#query-csv")]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.equal(csv, '"eventName","who"\n"ListTrails","Root"\n"ListTrails","Root"\n');

  // Bad SQL is refused with CloudTrail's error.
  await page.fill("#query-sql", `SELEC * FROM ${store}`);
  await page.click("#query-run");
  await page.waitForFunction(() => document.querySelector("#query-error").textContent !== "");
  assert.match(await page.textContent("#query-error"), /InvalidQueryStatementException/);

  // The console's calls are recorded as the API's are.
  const started = aws(["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=StartQuery"]);
  assert.ok(started.Events.length >= 2);
  await context.close();
});

test("dashboards: refresh a custom and the Highlights dashboard, draw their widgets", async () => {
  const storeArn = aws(["cloudtrail", "create-event-data-store", "--name", "console-dash",
    "--no-termination-protection-enabled"]).EventDataStoreArn;
  const store = storeArn.split("/").pop();
  for (let i = 0; i < 3; i += 1) aws(["cloudtrail", "describe-trails"]);
  const dashboardArn = (name) => `arn:aws:cloudtrail:us-east-1:123456789012:dashboard/${name}`;
  aws(["cloudtrail", "put-resource-policy", "--resource-arn", storeArn, "--resource-policy", JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "cloudtrail:StartQuery",
      Resource: storeArn,
      Condition: { StringEquals: { "AWS:SourceArn": [dashboardArn("ops"), dashboardArn("AWSCloudTrail-Highlights")] } },
    }],
  })]);
  const current = (args) => aws(args, ROOT_KEY, ROOT_SECRET, AWS_CURRENT);
  current(["cloudtrail", "create-dashboard", "--name", "ops", "--widgets", JSON.stringify([
    {
      QueryStatement: `SELECT eventName, count(*) AS calls FROM ${store} GROUP BY eventName ORDER BY calls DESC`,
      ViewProperties: { Height: "2", Width: "4", Title: "Calls", View: "BarChart", XAxisColumn: "eventName", YAxisColumn: "calls" },
    },
    {
      QueryStatement: `SELECT eventName, userIdentity.type AS who FROM ${store} WHERE eventName = 'DescribeTrails' AND eventTime > '?'`,
      QueryParameters: ["$StartTime$"],
      ViewProperties: { Height: "2", Width: "4", Title: "Reads", View: "Table" },
    },
  ])]);
  current(["cloudtrail", "create-dashboard", "--name", "AWSCloudTrail-Highlights",
    "--refresh-schedule", "Frequency={Unit=HOURS,Value=6},Status=ENABLED"]);

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await signIn(page);
  await page.waitForSelector("#history-view:not([hidden])");
  await page.click("#tab-dashboards");
  await page.waitForSelector(`#dashboards-list option[value="${dashboardArn("ops")}"]`, { state: "attached" });
  await page.selectOption("#dashboards-list", dashboardArn("ops"));
  await page.waitForFunction(() => document.querySelectorAll("#widgets .widget").length === 2);
  assert.equal(await page.isVisible("#dashboards-store-label"), false);
  await page.click("#dashboards-refresh");
  await page.waitForFunction(() => [...document.querySelectorAll("#widgets .widget")].every((w) => w.dataset.status === "FINISHED"));
  const bars = await page.$$eval("#widgets rect.bar", (rects) => rects.map((r) => [r.dataset.label, Number(r.dataset.value)]));
  assert.deepEqual(bars.find(([label]) => label === "DescribeTrails"), ["DescribeTrails", 3]);
  const reads = await page.$$eval(".widget:nth-child(2) tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(reads, [["DescribeTrails", "Root"], ["DescribeTrails", "Root"], ["DescribeTrails", "Root"]]);
  assert.match(await page.textContent("#dashboards-status"), /2 of 2 widgets drawn/);

  // The Highlights dashboard asks which store to summarize.
  await page.selectOption("#dashboards-list", dashboardArn("AWSCloudTrail-Highlights"));
  await page.waitForSelector("#dashboards-store-label:not([hidden])");
  await page.selectOption("#dashboards-store", store);
  await page.click("#dashboards-refresh");
  await page.waitForFunction(() => {
    const widgets = [...document.querySelectorAll("#widgets .widget")];
    return widgets.length === 6 && widgets.every((w) => w.dataset.status === "FINISHED");
  });
  const slices = await page.$$eval("#widgets .slice", (shapes) => shapes.map((s) => s.dataset.label));
  assert.ok(slices.includes("us-east-1"), slices.join());
  assert.ok(await page.$$eval("#widgets polyline.line", (lines) => lines.length) >= 1);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "lake-dashboards.png"), fullPage: true });

  // The console's calls are recorded as the API's are.
  const refreshes = aws(["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=StartDashboardRefresh"]);
  assert.equal(refreshes.Events.length, 2);
  await context.close();
});
