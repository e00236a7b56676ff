// The build and job reports end to end: a real kiln-server running the demo pipeline, the
// release console, headless Chromium. Builds are submitted with the build2 API (the body
// foundry-dev-tools sends) and watched on their reports, which are never reloaded while
// they update.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { PHONE, screenshot, screenshotPhone, useKiln, watchErrors } from './helpers.mjs';

const kiln = useKiln({ label: 'reports' });
const TIMEOUT = { timeout: 180_000 };
/** How long a state may take to show; the demo's jobs take seconds, the slow one ~40 s. */
const STATE_WAIT = 60_000;

/**
 * Submits a build of the named datasets and everything upstream of them, in the exact
 * shape foundry-dev-tools sends (every key present, nulls included); returns its RID.
 */
async function submit(names, options = {}) {
  const datasetRids = await Promise.all(names.map((name) => kiln.datasetRid(name)));
  const body = {
    jobSpecSelections: [{ upstream: { datasetRids, datasetRidsToIgnore: [] }, type: 'upstream' }],
    submissionId: null,
    buildGroupRid: null,
    branch: 'master',
    branchFallbacks: { branches: [] },
    forceBuild: true,
    ignoreBuildPolicy: false,
    finishOnFailures: null,
    numRunJobAttempts: null,
    forceRetry: null,
    retryBackoffDuration: null,
    buildParameters: { region: 'eu', sample: 0.5 },
    suppressNotifications: null,
    exceededDurationMode: null,
    inputFailureStrategies: [],
    outputQueueStrategy: null,
    ...options,
  };
  const res = await fetch(kiln.url('/build2/api/manager/submitBuild'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).buildRid;
}

/** The build report as the service has it now. */
async function buildReport(rid) {
  const res = await fetch(kiln.url(`/build2/api/info/builds2/${rid}`));
  assert.equal(res.status, 200);
  return res.json();
}

/** Stops a build through the API (so a slow build does not hold the workers). */
async function stopQuietly(rid) {
  const { team, runId, status } = await buildReport(rid);
  if (status === 'RUNNING') await fetch(kiln.url(`/api/v1/teams/${team}/builds/${runId}/stop`), { method: 'POST' });
}

/**
 * Opens a page and records every state the build report shows (data-status of the page
 * and the jobs' badges) as it changes, with a marker that a reload would wipe.
 */
async function openReport(path) {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url(path));
  await page.locator('.report-head').waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    window.__kilnNoReload = true;
    window.__kilnSeen = new Set();
    const record = () => {
      const report = document.querySelector('.build-report');
      if (report) window.__kilnSeen.add(`build:${report.dataset.status}`);
      for (const badge of document.querySelectorAll('table.jobs .badge')) window.__kilnSeen.add(`job:${badge.dataset.state}`);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return { page, errors };
}

const seen = (page) => page.evaluate(() => [...window.__kilnSeen]);
const notReloaded = (page) => page.evaluate(() => window.__kilnNoReload === true);

/** A job's row in the build report's jobs table. */
const jobRow = (page, name) => page.locator('table.jobs tbody tr', { has: page.locator('.job-name', { hasText: name }) });

test('a build report follows the demo to success without a reload', TIMEOUT, async () => {
  // customer-segments fails its first attempt (exit 75, retryable) and is retried: the
  // timeline then shows two attempts of it. The backoff keeps the build running long enough
  // for the report to open and see it RUNNING even on a loaded machine (with 2 s, and with
  // 8 s at a load average of 12, the build finished before the page had loaded).
  const rid = await submit(['report/summary', 'agg/customer-segments'], { numRunJobAttempts: 2, retryBackoffDuration: 20 });
  const { page, errors } = await openReport(`/builds/${rid}`);

  await page.locator('.build-report[data-status="SUCCEEDED"]').waitFor({ timeout: STATE_WAIT });
  assert.ok(await notReloaded(page), 'the report updated in place');
  const states = await seen(page);
  assert.ok(states.includes('build:RUNNING'), `the report showed the build running: ${states}`);
  assert.ok(states.includes('job:Running') || states.includes('job:Waiting'), `jobs were seen before they finished: ${states}`);

  // Every job is listed and succeeded; the graph and the timeline show them.
  const names = await page.locator('table.jobs .job-name').allInnerTexts();
  for (const name of ['clean-orders', 'join-order-lines', 'summary-report', 'customer-segments']) {
    assert.ok(names.includes(name), `${name} is in ${names}`);
  }
  assert.equal(await page.locator('table.jobs .badge:not([data-state="Succeeded"])').count(), 0);
  assert.equal(await page.locator('g.graph-node').count(), names.length);
  await page.locator('.tl-row', { hasText: 'customer-segments #2' }).waitFor({ timeout: 10_000 });
  // The request's options read as words, build parameters included.
  const options = page.getByRole('region', { name: 'Request options' });
  assert.match(await options.innerText(), /Attempts per job\s+2/i);
  assert.match(await options.innerText(), /region\s+eu/);
  // Nothing runs any more, so Stop is gone and there is nothing failed to rerun.
  assert.equal(await page.locator('.stop-build').count(), 0);

  await screenshot(page, 'build-report');
  await page.screenshot({ path: 'target/e2e-screenshots/build-report-full.png', fullPage: true });
  await screenshotPhone(page, 'build-report');
  // At phone width the job graph scrolls inside its card; the page itself does not.
  const previous = page.viewportSize();
  await page.setViewportSize({ ...PHONE });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const phone = await page.evaluate(() => {
    const scroll = document.querySelector('.graph-scroll');
    return { page: document.documentElement.scrollWidth, inner: scroll.scrollWidth, outer: scroll.clientWidth };
  });
  await page.setViewportSize(previous);
  assert.ok(phone.page <= 390, `the page is ${phone.page} px wide at 390`);
  assert.ok(phone.inner > phone.outer, `the graph (${phone.inner} px) scrolls in its card (${phone.outer} px)`);

  // A node of the graph opens its job's report.
  await page.locator('g.graph-node', { hasText: 'customer-segments' }).click();
  await page.locator('.job-report').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('table.attempts').innerText(), /exit code 75/);

  // The latest attempt's log is shown; Download saves all of it as a file.
  await page.locator('.log-viewer[data-feed="complete"]').waitFor({ timeout: 20_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.log-download').click()]);
  assert.equal(download.suggestedFilename(), 'customer-segments-attempt-2.log');
  assert.match(await readFile(await download.path(), 'utf8'), /segmented on attempt 2/);
  assert.deepEqual(errors, []);
});

test('a job log tails the running attempt, live', TIMEOUT, async () => {
  const rid = await submit(['agg/customer-lifetime']);
  try {
    const { page, errors } = await openReport(`/builds/${rid}`);
    const slow = jobRow(page, 'customer-lifetime');
    await slow.locator('.badge[data-state="Running"]').waitFor({ timeout: STATE_WAIT });
    await slow.locator('.job-name a').click();

    const viewer = page.locator('.log-viewer[data-feed="live"]');
    await viewer.waitFor({ timeout: 20_000 });
    const lines = page.locator('.log-lines');
    await page.waitForFunction(() => Number(document.querySelector('.log-lines')?.dataset.lineCount) >= 2, null, { timeout: 20_000 });
    const before = Number(await lines.getAttribute('data-line-count'));
    await page.waitForFunction((n) => Number(document.querySelector('.log-lines')?.dataset.lineCount) > n, before, { timeout: 20_000 });
    assert.match(await lines.innerText(), /scoring customers: step 1 of/);
    assert.ok(await notReloaded(page), 'the log grew in place');

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'job-report');
    await page.screenshot({ path: 'target/e2e-screenshots/job-report-full.png', fullPage: true });
    await screenshotPhone(page, 'job-report');

    // Search within the log.
    await page.locator('#log-search').fill('step 2 of');
    await page.locator('.log-line mark.current').waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('.log-match-count').innerText(), '1 of 1');

    // A line link puts #L<n> in the address; opening that address shows the line marked.
    await page.locator('.log-line .ln', { hasText: /^2$/ }).click();
    assert.equal(new URL(page.url()).hash, '#L2');
    assert.match(new URL(page.url()).pathname, /^\/jobs\/ri\.foundry\.main\.job\./, 'the path is kept');
    await screenshot(page, 'job-report-log');

    const linked = await kiln.newPage();
    await linked.goto(page.url());
    await linked.locator('.log-line.marked .ln', { hasText: /^2$/ }).waitFor({ timeout: 20_000 });
    assert.deepEqual(errors, []);
  } finally {
    await stopQuietly(rid);
  }
});

test('the slow build is stopped from its report, which shows the message', TIMEOUT, async () => {
  const rid = await submit(['agg/customer-lifetime']);
  const { page, errors } = await openReport(`/builds/${rid}`);
  await jobRow(page, 'customer-lifetime').locator('.badge[data-state="Running"]').waitFor({ timeout: STATE_WAIT });
  const { runId } = await buildReport(rid);

  await page.locator('.stop-build').click();
  // The confirmation names the build.
  await assert.doesNotReject(page.locator('.stop-dialog', { hasText: `Stop build #${runId} of team default?` }).waitFor({ timeout: 5_000 }));
  await page.locator('.stop-confirm').click();
  const message = page.locator('.action-result');
  await message.waitFor({ timeout: 20_000 });
  assert.match(await message.innerText(), new RegExp(`${runId}.*stopped`, 'i'));

  // The report follows the build to its end, without a reload.
  await page.locator('.build-report:not([data-status="RUNNING"])').waitFor({ timeout: STATE_WAIT });
  assert.ok(await notReloaded(page));
  assert.notEqual(await jobRow(page, 'customer-lifetime').locator('.badge').getAttribute('data-state'), 'Running');
  await screenshot(page, 'build-report-stopped');
  assert.deepEqual(errors, []);
});
