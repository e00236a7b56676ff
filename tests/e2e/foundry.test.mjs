// The console in Foundry mode (config.json `"api": "foundry"`) end to end in headless
// Chromium, against a real kiln-server's public API (/api/v2) on another origin, as a
// console registered with a Foundry stack runs: its own static origin, CORS from the
// stack. One kiln-server serves only the console's files (with our own config.json);
// the other is the "stack" and runs the demo pipeline. The tests submit each target kind
// with options and follow the reports to SUCCEEDED, cancel a running build, filter the
// builds list (the filters stay in the URL), and check that the controls the public API
// has no field for are shown disabled with their reasons. The console never calls the
// teams API or build2 here: every request it sends to a service is checked.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DESKTOP, HEALTH_CHECKED, launchBrowser, ROOT, screenshotThemes, startServer, watchErrors } from './helpers.mjs';

const TIMEOUT = { timeout: 240_000 };
/** How long a build may take to finish on a loaded machine; the demo's jobs take seconds. */
const BUILD_WAIT = { timeout: 120_000 };
const WAIT = { timeout: 30_000 };

let stack; // the "Foundry stack": kiln-server with the demo, CORS for the console's origin
let consoleServer; // serves the built console and our config.json, nothing else is used
let browser;
let uiDir;

/** The built console with a config.json of our own (the other files are links to dist/). */
function consoleDir() {
  const dist = resolve(ROOT, process.env.KILN_UI_DIR ?? 'dist');
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ui-foundry-'));
  for (const name of readdirSync(dist)) {
    if (!name.startsWith('config.json')) symlinkSync(join(dist, name), join(dir, name));
  }
  return dir;
}

before(async () => {
  uiDir = consoleDir();
  // Written before any page asks for it, once both origins are known.
  writeFileSync(join(uiDir, 'config.json'), '{}');
  consoleServer = await startServer({ label: 'foundry-console', uiDir });
  stack = await startServer({ label: 'foundry-stack', args: ['--cors-origin', consoleServer.url] });
  writeFileSync(join(uiDir, 'config.json'), JSON.stringify({ api: 'foundry', foundryUrl: stack.url }));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  await consoleServer?.stop();
  await stack?.stop();
  if (uiDir) rmSync(uiDir, { recursive: true, force: true });
});

const consoleUrl = (path) => `${consoleServer.url}${path}`;

/** The RID of a dataset of the stack's demo pipeline (the test asks Kiln's catalog). */
async function datasetRid(name) {
  const res = await fetch(`${stack.url}/api/v1/catalog/datasets?q=${encodeURIComponent(name)}&limit=50`);
  assert.equal(res.status, 200);
  const found = (await res.json()).datasets.find((d) => d.name === name);
  assert.ok(found, `the demo has a dataset ${name}`);
  return found.rid;
}

/** The public API's answer for a build, as the SDK would read it. */
async function publicBuild(rid) {
  const res = await fetch(`${stack.url}/api/v2/orchestration/builds/${encodeURIComponent(rid)}`);
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

/**
 * A page in its own context, with its errors and every request it sends to a service
 * recorded. `colorScheme` is what the system says (light or dark).
 */
async function openPage({ colorScheme = 'light', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport: { ...viewport }, colorScheme });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const calls = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api') || url.pathname.startsWith('/build2')) calls.push(`${req.method()} ${url.origin}${url.pathname}`);
  });
  return { page, errors, calls };
}

/** Every service call went to the stack's public API: no teams API, no build2. */
function onlyPublicApi(calls) {
  assert.ok(calls.length > 0, 'the page called the service');
  const other = calls.filter((c) => !c.split(' ')[1].startsWith(`${stack.url}/api/v2/`));
  assert.deepEqual(other, [], 'every call is to the stack’s /api/v2');
}

/** Screenshots in both themes and sizes, named foundry-<name>-…. */
const shots = (page, name, scrollTo) => screenshotThemes(page, `foundry-${name}`, scrollTo);

/** Adds RIDs to a RID field: typed with a separator after them, they become chips. */
async function addRids(page, label, rids) {
  const box = page.getByLabel(label, { exact: true });
  await box.fill(`${rids.join(' ')} `);
  const field = box.locator('xpath=ancestor::div[contains(@class, "rid-field")]');
  for (const rid of rids) await field.locator('.chip', { hasText: rid }).waitFor();
}

/** The request the page shows it will send. */
async function shownRequest(page) {
  return JSON.parse(await page.locator('.request-json').innerText());
}

/** Submits the form, which lands on the new build's report; answers the build's RID. */
async function submit(page) {
  await page.locator('.submit-button[aria-disabled="false"]').waitFor(WAIT);
  await page.getByRole('button', { name: 'Submit build' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/builds/ri.'), WAIT);
  return decodeURIComponent(new URL(page.url()).pathname.slice('/builds/'.length));
}

/** On the build's report (where a submission lands), waits until it shows SUCCEEDED. */
async function followToSucceeded(page, rid) {
  await page.waitForURL((u) => u.pathname === `/builds/${rid}`);
  await page.locator('.build-report').waitFor(WAIT);
  await page.evaluate(() => { window.__kilnNoReload = true; });
  await page.locator('.build-report[data-status="SUCCEEDED"]').waitFor(BUILD_WAIT);
  assert.equal(await page.evaluate(() => window.__kilnNoReload), true, 'the report updated in place');
  return page.locator('table.jobs .job-name').allInnerTexts();
}

test('the submit form shows what the public API lacks, disabled, with the reasons', TIMEOUT, async () => {
  const { page, errors, calls } = await openPage();
  // Settings says which kind of service is in use.
  await page.goto(consoleUrl('/settings'));
  await page.locator('.service-kind', { hasText: "Foundry's public Orchestration API" }).waitFor(WAIT);
  assert.match(await page.locator('#api-kind option:checked').innerText(), /As config.json says \(foundry\)/);
  await page.goto(consoleUrl('/submit'));
  await page.locator('.submit-form').waitFor(WAIT);

  // No catalog to search: the page says so (it did not fail to load).
  assert.match(await page.locator('.catalog-notice').innerText(), /no dataset search.*paste dataset RIDs/);
  // Job-spec selections: the add button is there, disabled, with the reason.
  const addJobSpecs = page.locator('[data-add=jobSpecs]');
  assert.equal(await addJobSpecs.isDisabled(), true);
  assert.match(await page.locator('#selection-kinds-unavailable').innerText(), /not in Foundry's public API/);
  for (const kind of ['datasets', 'upstream', 'connecting']) {
    assert.equal(await page.locator(`[data-add=${kind}]`).isDisabled(), false, `${kind} selections work`);
  }
  // A manual target has no "Required" switch: every dataset must be buildable.
  const required = page.locator('.selection[data-kind=datasets]').getByLabel('Required');
  assert.equal(await required.isDisabled(), true);
  assert.equal(await required.isChecked(), true);
  assert.match(await page.locator('.selection[data-kind=datasets] .unavailable').innerText(), /every target dataset is required/);
  // Options without a field in CreateBuildRequest: disabled, each with the reason.
  for (const key of ['ignoreBuildPolicy', 'forceRetry', 'exceededDurationMode', 'outputQueueStrategy', 'submissionId', 'buildGroupRid']) {
    assert.equal(await page.locator(`#f-${key}`).isDisabled(), true, `${key} is disabled`);
    assert.equal(await page.locator(`#f-${key}-unavailable`).innerText(), "Not in Foundry's public API.", `${key}'s reason`);
  }
  assert.equal(await page.locator('#f-inputFailureStrategies-unavailable').innerText(), "Not in Foundry's public API.");
  assert.equal(await page.locator('#add-input-failure').isDisabled(), true);
  assert.equal(await page.locator('.params-editor textarea').isDisabled(), true);
  // The options the public API has stay usable.
  for (const label of ['Branch', 'Force build', 'Finish on failures', 'Attempts per job', 'Retry backoff (seconds)', 'Suppress notifications']) {
    assert.equal(await page.getByLabel(label, { exact: true }).isDisabled(), false, `${label} works`);
  }
  // No preview, and the reason where it would be.
  assert.match(await page.locator('.preview-unavailable').innerText(), /no preview/);
  assert.equal(await page.locator('.preview .card-head button').isDisabled(), true);
  // The request view names the endpoint the request goes to.
  assert.match(await page.locator('.request-view').innerText(), new RegExp(`${stack.url}/api/v2/orchestration/builds/create`));

  await shots(page, 'submit-unavailable', page.locator('#f-ignoreBuildPolicy'));
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots(page, 'submit-top');
  // The form itself asks the service nothing; the header's health check does, once it has
  // listened for the page's own traffic (src/api/health.rs), and that call is counted too.
  await page.locator(HEALTH_CHECKED).waitFor(WAIT);
  onlyPublicApi(calls);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a manual target with options is created and its report goes to SUCCEEDED', TIMEOUT, async () => {
  const { page, errors, calls } = await openPage();
  const orders = await datasetRid('clean/orders');
  const customers = await datasetRid('clean/customers');
  await page.goto(consoleUrl('/submit'));
  await page.locator('.submit-form').waitFor(WAIT);
  await addRids(page, 'Datasets to build', [orders, customers]);
  await page.getByLabel('Force build', { exact: true }).check();
  await page.getByLabel('Finish on failures', { exact: true }).check();
  await page.getByLabel('Suppress notifications', { exact: true }).check();
  assert.deepEqual(await shownRequest(page), {
    target: { type: 'manual', targetRids: [orders, customers] },
    branchName: 'master',
    fallbackBranches: [],
    forceBuild: true,
    abortOnFailure: true,
    notificationsEnabled: false,
  });
  const rid = await submit(page);
  assert.match(rid, /^ri\.foundry\.main\.build\./);
  const jobs = await followToSucceeded(page, rid);
  assert.deepEqual(jobs.sort(), ['clean/customers', 'clean/orders'], 'jobs are named by the datasets they write');
  const build = await publicBuild(rid);
  assert.equal(build.abortOnFailure, true);
  assert.equal(build.status, 'SUCCEEDED');
  // The link to the build in Foundry's job tracker.
  assert.equal(
    await page.locator('.report-head .external-link').getAttribute('href'),
    `${stack.url}/workspace/data-integration/job-tracker/builds/${encodeURIComponent(rid)}`,
  );
  // What the public API does not have is not made up: no team, no build group, no attempt count.
  assert.equal(await page.locator('.team-chip').count(), 0);
  assert.doesNotMatch(await page.locator('.summary').innerText(), /Team|Build group/i);
  assert.deepEqual(await page.locator('table.jobs td[data-label="Attempts"]').allTextContents(), ['—', '—'].map((d) => `${d} (Foundry's public API does not list a job's attempts.)`));
  await shots(page, 'report-succeeded');

  // The job page: what the public Job has, and no logs (with the reason and the link).
  await page.locator('table.jobs .job-name a', { hasText: 'clean/orders' }).click();
  await page.locator('.job-report').waitFor(WAIT);
  await page.locator('.logs-unavailable').waitFor(WAIT);
  assert.match(await page.locator('.logs-unavailable').innerText(), /no job logs/);
  await shots(page, 'job-page', page.locator('.logs-unavailable'));
  onlyPublicApi(calls);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('an upstream target with an ignored dataset and retries goes to SUCCEEDED', TIMEOUT, async () => {
  const { page, errors, calls } = await openPage();
  const segments = await datasetRid('agg/customer-segments');
  const customers = await datasetRid('clean/customers');
  await page.goto(consoleUrl('/submit'));
  await page.locator('.submit-form').waitFor(WAIT);
  await page.getByLabel('Kind').selectOption('upstream');
  await addRids(page, 'Start from datasets', [segments]);
  // clean/customers was built by the test before: ignored, it is read as it is.
  await addRids(page, 'Datasets to ignore', [customers]);
  // customer-segments fails its first attempt (exit 75, retryable): 2 attempts let it pass.
  await page.getByLabel('Attempts per job', { exact: true }).fill('2');
  await page.getByLabel('Retry backoff (seconds)', { exact: true }).fill('1');
  await page.getByLabel('Force build', { exact: true }).check();
  assert.deepEqual(await shownRequest(page), {
    target: { type: 'upstream', targetRids: [segments], ignoredRids: [customers] },
    branchName: 'master',
    fallbackBranches: [],
    forceBuild: true,
    retryCount: 1,
    retryBackoffDuration: { value: 1, unit: 'SECONDS' },
  });
  // The copyable Python is foundry-platform-sdk's Build.create on this stack; curl names no team.
  const python = await page.locator('.python-call').textContent();
  assert.match(python, /client\.orchestration\.Build\.create\(/);
  assert.match(python, new RegExp(`hostname="${new URL(stack.url).host}", config=Config\\(scheme="http"\\)`));
  assert.match(python, /retry_count=1,/);
  assert.doesNotMatch(await page.getByLabel('curl command').textContent(), /Kiln-Team/);
  await shots(page, 'submit-upstream', page.locator('.request-view'));
  const rid = await submit(page);
  const jobs = await followToSucceeded(page, rid);
  assert.ok(jobs.includes('agg/customer-segments'), `${jobs}`);
  assert.ok(!jobs.includes('clean/customers'), `the ignored dataset is not built: ${jobs}`);
  const build = await publicBuild(rid);
  assert.equal(build.retryCount, 1);
  assert.deepEqual(build.retryBackoffDuration, { value: 1, unit: 'SECONDS' });
  // The report's request options read the public Build's options.
  assert.match(await page.getByRole('region', { name: 'Request options' }).innerText(), /Attempts per job\s+2/i);
  onlyPublicApi(calls);
  assert.deepEqual(errors, []);
  await page.context().close();
});

/** The branch of the connecting build, so the builds list can find it alone. */
const BRANCH = `e2e-foundry-${Date.now()}`;
let connectingRid;

test('a connecting target on a branch with a fallback goes to SUCCEEDED', TIMEOUT, async () => {
  const { page, errors, calls } = await openPage();
  const raw = await datasetRid('raw/orders');
  const summary = await datasetRid('report/summary');
  const region = await datasetRid('agg/revenue-by-region');
  await page.goto(consoleUrl('/submit'));
  await page.locator('.submit-form').waitFor(WAIT);
  await page.getByLabel('Kind').selectOption('connecting');
  await addRids(page, 'Upstream datasets', [raw]);
  await addRids(page, 'Downstream datasets', [summary]);
  // Built on master by the test before; read from there through the fallback.
  await addRids(page, 'Datasets to ignore', [region]);
  await page.getByLabel('Branch', { exact: true }).fill(BRANCH);
  await page.locator('#add-fallback').click();
  await page.getByRole('combobox', { name: 'Fallback branch 1' }).fill('master');
  await page.getByLabel('Force build', { exact: true }).check();
  assert.deepEqual(await shownRequest(page), {
    target: { type: 'connecting', inputRids: [raw], targetRids: [summary], ignoredRids: [region] },
    branchName: BRANCH,
    fallbackBranches: ['master'],
    forceBuild: true,
  });
  connectingRid = await submit(page);
  const jobs = await followToSucceeded(page, connectingRid);
  for (const name of ['clean/orders', 'joined/order-lines', 'agg/revenue-by-product', 'report/summary']) {
    assert.ok(jobs.includes(name), `${name} is built: ${jobs}`);
  }
  assert.ok(!jobs.includes('agg/revenue-by-region'), `the ignored dataset is not built: ${jobs}`);
  const build = await publicBuild(connectingRid);
  assert.equal(build.branchName, BRANCH);
  assert.deepEqual(build.fallbackBranches, ['master']);
  onlyPublicApi(calls);
  assert.deepEqual(errors, []);
  await page.context().close();
});

let canceledRid;

test('Stop cancels a running build through Build.cancel', TIMEOUT, async () => {
  const { page, errors, calls } = await openPage();
  const lifetime = await datasetRid('agg/customer-lifetime');
  await page.goto(consoleUrl('/submit'));
  await page.locator('.submit-form').waitFor(WAIT);
  await addRids(page, 'Datasets to build', [lifetime]);
  await page.getByLabel('Force build', { exact: true }).check();
  canceledRid = await submit(page);
  // customer-lifetime runs about 40 s: long enough to be seen running and stopped.
  await page.locator('table.jobs tbody tr', { hasText: 'agg/customer-lifetime' }).locator('.badge[data-state="Running"]').waitFor(BUILD_WAIT);
  await page.locator('.build-report[data-status="RUNNING"] .live-note.is-live').waitFor(WAIT);
  assert.match(await page.locator('.live-note').innerText(), /sends no events/);
  await shots(page, 'report-running');
  await page.locator('.stop-build').click();
  await page.locator('.stop-dialog').waitFor(WAIT);
  await shots(page, 'stop-confirm', page.locator('.stop-dialog'));
  await page.locator('.stop-confirm').click();
  await page.locator('.action-result', { hasText: 'Cancellation requested' }).waitFor(WAIT);
  await page.locator('.build-report[data-status="CANCELED"]').waitFor(BUILD_WAIT);
  assert.equal((await publicBuild(canceledRid)).status, 'CANCELED', 'the service cancelled it');
  assert.equal(await page.locator('.stop-build').count(), 0, 'nothing runs any more');
  await shots(page, 'report-canceled');
  assert.ok(calls.includes(`POST ${stack.url}/api/v2/orchestration/builds/${canceledRid}/cancel`), 'Stop called Build.cancel');
  onlyPublicApi(calls);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the builds list filters by status and branch, and keeps the filters in the URL', TIMEOUT, async () => {
  assert.ok(connectingRid && canceledRid, 'the builds of the tests before exist');
  const { page, errors, calls } = await openPage();
  // The first page is the builds list: the public API has no teams.
  await page.goto(consoleUrl('/'));
  await page.locator('.all-builds').waitFor(WAIT);
  await page.locator('.all-builds-count[data-count="4"]').waitFor(WAIT);
  const rows = await page.locator('.public-build-row[data-rid]').evaluateAll((r) => r.map((e) => e.dataset.rid));
  assert.equal(rows[0], canceledRid, 'newest first');
  assert.equal(rows[1], connectingRid);
  // The team-only actions are there, unavailable, with the reason.
  assert.equal(await page.locator('.team-actions button').first().isDisabled(), true);
  assert.match(await page.locator('#team-actions-why').innerText(), /Foundry's public API has neither/);
  await shots(page, 'builds-list');

  await page.goto(consoleUrl('/builds'));
  await page.locator('.all-builds-count[data-count="4"]').waitFor(WAIT);
  await page.getByLabel('Branch', { exact: true }).fill(BRANCH);
  await page.getByLabel('Branch', { exact: true }).press('Tab');
  await page.locator('.all-builds-count[data-count="1"]').waitFor(WAIT);
  assert.equal(await page.locator('.public-build-row[data-rid]').getAttribute('data-rid'), connectingRid);
  assert.match(await page.locator('.public-build-row[data-rid] .col-outputs').innerText(), /report\/summary/);
  assert.equal(new URL(page.url()).searchParams.get('branch'), BRANCH);

  await page.getByLabel('Branch', { exact: true }).fill('');
  await page.getByLabel('Branch', { exact: true }).press('Tab');
  await page.getByLabel('Status', { exact: true }).selectOption('CANCELED');
  await page.locator('.all-builds-count[data-count="1"]').waitFor(WAIT);
  assert.equal(await page.locator('.public-build-row[data-rid]').getAttribute('data-rid'), canceledRid);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('status'), 'CANCELED');
  assert.equal(url.searchParams.get('branch'), null, 'a cleared filter leaves the URL');

  // The URL is the filter: opened anew, it shows the same.
  const again = await openPage({ colorScheme: 'dark' });
  await again.page.goto(consoleUrl(`/builds?status=SUCCEEDED&branch=${encodeURIComponent(BRANCH)}`));
  await again.page.locator('.all-builds-count[data-count="1"]').waitFor(WAIT);
  assert.equal(await again.page.locator('.public-build-row[data-rid]').getAttribute('data-rid'), connectingRid);
  assert.equal(await again.page.getByLabel('Status', { exact: true }).inputValue(), 'SUCCEEDED');
  assert.equal(await again.page.getByLabel('Branch', { exact: true }).inputValue(), BRANCH);
  await shots(again.page, 'builds-filtered');
  // A time range that ends before it starts is refused on its field.
  await again.page.getByLabel('Started from (UTC)').fill('2026-12-02T10:00');
  await again.page.getByLabel('Started before (UTC)').fill('2026-12-01T10:00');
  await again.page.locator('#ab-to-error', { hasText: 'must be after' }).waitFor(WAIT);
  onlyPublicApi([...calls, ...again.calls]);
  assert.deepEqual([...errors, ...again.errors], []);
  await again.page.context().close();
  await page.context().close();
});
