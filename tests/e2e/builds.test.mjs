// The team builds page end to end: a real kiln-server running the demo pipeline, the
// release console, headless Chromium. Builds are submitted with the build2 API (the same
// POST foundry-dev-tools sends) and watched, stopped, archived, restored and tagged
// through the page, which is never reloaded while it updates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, screenshotPhone, useKiln, watchErrors } from './helpers.mjs';

const kiln = useKiln({ label: 'builds' });
const TIMEOUT = { timeout: 180_000 };
/** How long a build may take to show a state; the demo's jobs take seconds. */
const STATE_WAIT = 60_000;

/**
 * Submits a build of the datasets named and everything upstream of them (so a fresh
 * server has every input), as foundry-dev-tools would; returns its run id.
 */
async function submit(names, options = {}) {
  const datasetRids = await Promise.all(names.map((name) => kiln.datasetRid(name)));
  const res = await fetch(kiln.url('/build2/api/manager/submitBuild'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jobSpecSelections: [{ type: 'upstream', upstream: { datasetRids, datasetRidsToIgnore: [] } }],
      forceBuild: true,
      ...options,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { buildRid } = await res.json();
  const list = await (await fetch(kiln.url('/api/v1/teams/default/builds?archived=all'))).json();
  const build = list.builds.find((b) => b.buildRid === buildRid);
  assert.ok(build, 'the new build is listed for the default team');
  return build.runId;
}

/** The row of a run on the page. */
const row = (page, runId) => page.locator(`.build-row[data-run-id="${runId}"]`);

/** Waits until a run's row shows a state badge with `label`. */
async function waitForState(page, runId, label) {
  try {
    await row(page, runId).locator('.badge', { hasText: label }).waitFor({ timeout: STATE_WAIT });
  } catch (error) {
    // Say what the row showed instead, and what the service says, so a failure can be read.
    const shown = await row(page, runId).innerText({ timeout: 1_000 }).catch(() => '(no row)');
    const list = await (await fetch(kiln.url('/api/v1/teams/default/builds?archived=all'))).json();
    const build = list.builds.find((b) => b.runId === runId);
    throw new Error(`run ${runId} never showed ${label}; the row showed ${JSON.stringify(shown)}, the service says ${JSON.stringify(build?.status)}`, { cause: error });
  }
}

/** Opens the team builds page and waits until its events stream is connected. */
async function openBuilds(path = '/') {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url(path));
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 30_000 });
  // Set a marker a reload would wipe, to prove updates arrive without one.
  await page.evaluate(() => { window.__kilnNoReload = true; });
  return { page, errors };
}

const notReloaded = (page) => page.evaluate(() => window.__kilnNoReload === true);

test('a submitted build appears and moves to complete without a reload', TIMEOUT, async () => {
  const { page, errors } = await openBuilds();
  // customer-segments fails its first attempt and is retried after 3 s: long enough to
  // see it running before it completes.
  const runId = await submit(['agg/customer-segments'], { numRunJobAttempts: 2, retryBackoffDuration: 3 });
  await row(page, runId).waitFor({ timeout: STATE_WAIT });
  await waitForState(page, runId, 'Running');
  await waitForState(page, runId, 'Complete');
  assert.ok(await notReloaded(page), 'the page updated in place');

  const link = row(page, runId).locator('.col-run a');
  assert.match(await link.getAttribute('href'), /^\/builds\/ri\.foundry\.main\.build\./);
  assert.match(await row(page, runId).locator('.col-created').getAttribute('title'), /\d{4}-\d\d-\d\dT/);
  // The team's notification arrives as a toast.
  await page.locator(`.toast[data-run-id="${runId}"]`).waitFor({ timeout: STATE_WAIT });
  await screenshot(page, 'builds-toast');
  assert.deepEqual(errors, []);
});

test('stopping the slow build asks first, names it, and shows the service message', TIMEOUT, async () => {
  const { page, errors } = await openBuilds();
  const runId = await submit(['agg/customer-lifetime']);
  await waitForState(page, runId, 'Running');

  await row(page, runId).getByRole('button', { name: `Stop build #${runId}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), new RegExp(`Stop build #${runId}\\?`));
  // "Keep running" has the focus, so a stray Enter stops nothing.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Keep running');
  await screenshot(page, 'builds-stop-dialog');
  await dialog.getByRole('button', { name: `Stop build #${runId}` }).click();

  const report = page.locator('.action-report');
  await report.locator('.outcome-ok', { hasText: `Build id ${runId} has been stopped` }).waitFor({ timeout: STATE_WAIT });
  await waitForState(page, runId, 'Stopped');
  assert.ok(await notReloaded(page));
  assert.deepEqual(errors, []);
});

test('an archived build leaves Current builds at once, and Undo in its toast brings it back', TIMEOUT, async () => {
  const runId = await submit(['clean/orders']);
  const { page, errors } = await openBuilds();
  await waitForState(page, runId, 'Complete');
  const path = row(page, runId).locator('.col-path');
  const before = await path.innerText();
  assert.doesNotMatch(before, /archive/);

  await row(page, runId).getByRole('button', { name: `Archive build #${runId}` }).click();
  await row(page, runId).waitFor({ state: 'detached', timeout: 5_000 });
  const report = page.locator('.action-report');
  await report.locator('.outcome-ok', { hasText: `/archive/${runId}` }).waitFor({ timeout: 30_000 });
  const undo = page.getByRole('button', { name: `Undo archiving build #${runId}` });
  await undo.waitFor({ timeout: 5_000 });
  await screenshot(page, 'builds-undo');
  await screenshotPhone(page, 'builds-undo');
  await undo.click();
  await report.locator('.outcome-ok', { hasText: 'Restored' }).waitFor({ timeout: 30_000 });
  await row(page, runId).waitFor({ timeout: 5_000 });
  assert.equal(await path.innerText(), before);

  // The service agrees.
  const list = await (await fetch(kiln.url('/api/v1/teams/default/builds?archived=all'))).json();
  const build = list.builds.find((b) => b.runId === runId);
  assert.equal(build.path, before);
  assert.equal(build.archived, false);
  assert.deepEqual(errors, []);
});

test('a tag added on the page filters the view, and the filtered URL can be shared', TIMEOUT, async () => {
  const tagged = await submit(['clean/customers']);
  const other = await submit(['clean/orders']);
  const { page, errors } = await openBuilds();
  await waitForState(page, tagged, 'Complete');
  await waitForState(page, other, 'Complete');

  await row(page, tagged).getByRole('button', { name: `Edit the tags of build #${tagged}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Tags').fill('e2e-nightly, <b>not bold</b>');
  await dialog.getByRole('button', { name: 'Save tags' }).click();
  await page.locator('.action-report .outcome-ok', { hasText: 'Tags saved' }).waitFor({ timeout: 30_000 });
  await row(page, tagged).locator('.tag', { hasText: 'e2e-nightly' }).waitFor();
  assert.equal(await row(page, tagged).locator('.tag b').count(), 0, 'a tag is text, never markup');

  await page.getByLabel('Tag', { exact: true }).fill('e2e-nightly');
  await page.getByLabel('Tag', { exact: true }).press('Enter');
  await page.waitForURL(/[?&]tag=e2e-nightly/);
  await row(page, other).waitFor({ state: 'detached', timeout: 30_000 });
  await row(page, tagged).waitFor();
  assert.equal(await page.locator('.build-row[data-run-id]').count(), 1);
  assert.ok(await notReloaded(page));

  // The same URL in a fresh page shows the same view.
  const shared = await kiln.newPage();
  await shared.goto(page.url());
  await row(shared, tagged).waitFor({ timeout: 30_000 });
  assert.equal(await shared.getByLabel('Tag', { exact: true }).inputValue(), 'e2e-nightly');
  assert.equal(await shared.locator('.build-row[data-run-id]').count(), 1);

  // The dataset filter and free text are answered by the service.
  await shared.goto(kiln.url('/?dataset=clean%2Fcustomers'));
  await row(shared, tagged).waitFor({ timeout: 30_000 });
  assert.equal(await row(shared, other).count(), 0, 'a build that never touched clean/customers is not shown');
  assert.equal(await shared.getByLabel('Dataset').inputValue(), 'clean/customers');
  await shared.goto(kiln.url('/?q=e2e-nightly'));
  await row(shared, tagged).waitFor({ timeout: 30_000 });
  assert.equal(await row(shared, other).count(), 0);
  assert.deepEqual(errors, []);
});

test('a bulk archive reports each build: finished ones succeed, a running one says why not', TIMEOUT, async () => {
  const done = await submit(['clean/orders']);
  const slow = await submit(['agg/customer-lifetime']);
  const { page, errors } = await openBuilds();
  await waitForState(page, done, 'Complete');
  await waitForState(page, slow, 'Running');

  await row(page, done).getByRole('checkbox').check();
  await row(page, slow).getByRole('checkbox').check();
  const bar = page.getByRole('toolbar', { name: 'Act on the selected builds' });
  assert.match(await bar.innerText(), /2 selected/);
  await bar.getByRole('button', { name: 'Archive' }).click();

  const report = page.locator('.action-report');
  await report.locator('.action-report-summary', { hasText: '1 succeeded, 1 failed' }).waitFor({ timeout: 30_000 });
  assert.match(await report.locator(`.outcome-ok[data-run-id="${done}"]`).innerText(), /archive/);
  const failure = await report.locator(`.outcome-failed[data-run-id="${slow}"]`).innerText();
  assert.match(failure, /running|finished|409/i, failure);
  await row(page, slow).locator('.row-undone').waitFor();
  await screenshot(page, 'builds-bulk');

  // Leave nothing running behind for the screenshots.
  await fetch(kiln.url(`/api/v1/teams/default/builds/${slow}/stop`), { method: 'POST' });
  // The browser logs the refused request itself; that 409 is the point of this test.
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), []);
});

test('screenshots of the team builds page, desktop and phone', TIMEOUT, async () => {
  const { page, errors } = await openBuilds();
  await page.locator('.build-row[data-run-id]').first().waitFor({ timeout: 30_000 });
  await screenshot(page, 'builds');
  await screenshotPhone(page, 'builds');
  await page.goto(kiln.url('/?archived=all&sort=status'));
  await page.locator('.build-row[data-run-id]').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#filter-archived').inputValue(), 'all');
  await screenshot(page, 'builds-all-by-status');
  assert.deepEqual(errors, []);
});
