// The submit page end to end against the real kiln-server and its demo pipeline: compose
// a connecting selection by dataset *names* (no RID typed), with an ignored dataset and
// two options, preview it, submit it, land on the build's report, then Edit & resubmit.
// Screenshots: the empty form, a form with validation errors, the preview and the result,
// each at 1280x800 and at phone width.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, screenshot, screenshotPhone, useKiln, watchErrors } from './helpers.mjs';

const kiln = useKiln({ label: 'submit' });
const TIMEOUT = { timeout: 180_000 };

/** Picks a catalog entry by name in a RID combobox: type, wait for the hit, Enter. */
async function pick(page, label, name) {
  const box = page.getByLabel(label, { exact: true });
  await box.fill(name);
  await page.getByRole('option', { name: new RegExp(`^${name.replace(/[/-]/g, '\\$&')}\\b`) }).waitFor();
  await box.press('Enter');
  const chips = box.locator('xpath=ancestor::div[contains(@class, "rid-field")]').locator('.chip-name');
  await chips.filter({ hasText: name }).waitFor();
}

/** A phone-width screenshot with `locator` scrolled into view (the layout moves it). */
async function phoneShotOf(page, name, locator) {
  const previous = page.viewportSize();
  await page.setViewportSize({ ...PHONE });
  await locator.scrollIntoViewIfNeeded();
  await screenshot(page, `${name}-phone`);
  if (previous) await page.setViewportSize(previous);
}

/** The request JSON the page shows. */
async function shownRequest(page) {
  return JSON.parse(await page.locator('.request-json').innerText());
}

async function submitAndWait(page) {
  const submit = page.getByRole('button', { name: 'Submit build' });
  await page.locator('.submit-button[aria-disabled="false"]').waitFor();
  await submit.click();
  const result = page.locator('.result');
  await result.waitFor({ timeout: 30_000 });
  return result.locator('.result-build-link').innerText();
}

test('compose, preview, submit, land on the report, then edit and resubmit', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/submit'));
  await page.locator('.submit-form').waitFor({ timeout: 30_000 });
  // The catalog has loaded once a search finds something; the empty form first.
  await page.locator('.submit-why').getByText('Submit is off').waitFor();
  await screenshot(page, 'submit-empty');
  await screenshotPhone(page, 'submit-empty');

  // Validation: each bad value gets its message, and Submit says why it is off.
  await page.getByLabel('Attempts per job').fill('0');
  await page.getByLabel('Build parameters (JSON)').fill('{\n  "region": "eu"\n  "limit": 10\n}');
  await page.getByLabel('Branch', { exact: true }).fill('my branch');
  await page.getByText('Attempts must be a whole number').first().waitFor();
  await page.locator('#f-buildParameters-error').getByText('Line 3, column 3').waitFor();
  await page.locator('#f-branch-error').getByText('cannot contain spaces').waitFor();
  assert.equal(await page.locator('.submit-button').getAttribute('aria-disabled'), 'true');
  await page.locator('#f-numRunJobAttempts').scrollIntoViewIfNeeded();
  await screenshot(page, 'submit-errors');
  await phoneShotOf(page, 'submit-errors', page.locator('#f-numRunJobAttempts'));
  await page.getByLabel('Attempts per job').fill('2');
  await page.getByLabel('Build parameters (JSON)').fill('{}');
  await page.getByLabel('Branch', { exact: true }).fill('master');
  await page.locator('#f-branch-error:empty').waitFor({ state: 'attached' });

  // A connecting selection from raw/orders to report/summary, ignoring one branch of the graph.
  await page.getByLabel('Kind').selectOption('connecting');
  await pick(page, 'Upstream datasets', 'raw/orders');
  await pick(page, 'Downstream datasets', 'report/summary');
  await pick(page, 'Datasets to ignore', 'agg/revenue-by-product');
  await page.getByLabel('Force build').check();
  const request = await shownRequest(page);
  const connecting = request.jobSpecSelections[0];
  assert.equal(connecting.type, 'connecting');
  assert.equal(connecting.connecting.upstreamDatasetRids.length, 1);
  assert.equal(connecting.connecting.downstreamDatasetRids.length, 1);
  assert.equal(connecting.connecting.datasetRidsToIgnore.length, 1);
  assert.equal(request.forceBuild, true);
  assert.equal(request.numRunJobAttempts, 2);
  assert.deepEqual(request.branchFallbacks, { branches: [] });
  assert.deepEqual(request.buildParameters, {});
  assert.deepEqual(request.inputFailureStrategies, []);

  // Preview: which job specs run, and the ignored dataset cuts the product branch.
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const table = page.locator('.preview-table');
  await table.waitFor({ timeout: 30_000 });
  const names = await table.locator('tbody .cell-name').allInnerTexts();
  for (const name of ['clean-orders', 'join-order-lines', 'revenue-by-region', 'summary-report']) {
    assert.ok(names.includes(name), `preview lists ${name}: ${names}`);
  }
  // The ignored dataset cuts the product path: its producer is neither chosen nor pulled in.
  assert.equal(await table.locator('tbody tr', { hasText: 'revenue-by-product' }).count(), 0);
  assert.match(await table.locator('tbody tr', { hasText: 'summary-report' }).locator('.chosen-by').innerText(), /#1 Connecting/);
  await page.locator('.preview').scrollIntoViewIfNeeded();
  await screenshot(page, 'submit-preview');
  await phoneShotOf(page, 'submit-preview', page.locator('#preview-title'));

  // Submit, see the result, follow the build link to its report.
  const buildRid = await submitAndWait(page);
  assert.match(buildRid, /^ri\.foundry\.main\.build\./);
  const created = await page.locator('.result-jobs').first().locator('tbody tr').count();
  assert.ok(created >= 1, 'the result lists the jobs created');
  await screenshot(page, 'submit-result');
  await screenshotPhone(page, 'submit-result');
  await page.locator('.result-build-link').click();
  await page.waitForURL((url) => url.pathname === `/builds/${buildRid}`);

  // Edit & resubmit: the form comes back with the build's request; change one option.
  const edit = page.getByRole('link', { name: /Edit & resubmit/ });
  if (await edit.count()) {
    await edit.first().click();
  } else {
    await page.goto(kiln.url(`/submit?from=${encodeURIComponent(buildRid)}`));
  }
  await page.locator('.form-notice').getByText('Prefilled from build').waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).search, '', 'the prefill query leaves the URL, so a reload keeps edits');
  const again = await shownRequest(page);
  assert.deepEqual(again.jobSpecSelections, request.jobSpecSelections);
  assert.equal(again.numRunJobAttempts, 2);
  await page.getByLabel('Attempts per job').fill('3');
  await page.getByLabel('Force build').uncheck();
  const secondRid = await submitAndWait(page);
  assert.notEqual(secondRid, buildRid);
  await page.locator('.result-build-link').click();
  await page.waitForURL((url) => url.pathname === `/builds/${secondRid}`);
  assert.deepEqual(errors, []);
});

test('Build this dataset from the catalog opens the form prefilled and submits it', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/catalog'));
  const row = page.locator('.catalog-table tr', { hasText: 'report/summary' });
  await row.waitFor({ timeout: 30_000 });
  await row.getByRole('link', { name: /Build this dataset/ }).click();
  await page.locator('.form-notice').getByText('Prefilled to build one dataset').waitFor({ timeout: 30_000 });
  const request = await shownRequest(page);
  assert.equal(request.jobSpecSelections.length, 1);
  assert.equal(request.jobSpecSelections[0].type, 'datasets');
  assert.equal(request.jobSpecSelections[0].datasets.isRequired, true);
  assert.equal(request.branch, 'master');
  await page.locator('.chip-name', { hasText: 'report/summary' }).waitFor();
  const rid = await submitAndWait(page);
  assert.match(rid, /^ri\.foundry\.main\.build\./);
  assert.deepEqual(errors, []);
});
