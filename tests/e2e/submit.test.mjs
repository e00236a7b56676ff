// The submit page end to end against the real kiln-server and its demo pipeline: compose
// a connecting selection by dataset *names* (no RID typed), with an ignored dataset and
// two options, preview it, submit it, land on the build's report, come Back to the form as
// it was, be asked before sending the same request again, then Edit & resubmit. At phone
// width the submit bar sticks to the bottom of the viewport, over no field, readable in
// both themes. Screenshots: the empty form, a form with validation errors, the preview,
// the form after Back, the resubmit question and the phone bar, each at 1280x800 and
// 390x844 in the light and the dark theme.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DESKTOP, PHONE, screenshotThemes as shots, useKiln, watchErrors } from './helpers.mjs';

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


/** The request JSON the page shows. */
async function shownRequest(page) {
  return JSON.parse(await page.locator('.request-json').innerText());
}

/** Submits the form and waits for the new build's report; answers the build's RID. */
async function submitAndLand(page) {
  await page.locator('.submit-button[aria-disabled="false"]').waitFor();
  await page.getByRole('button', { name: 'Submit build' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/builds/ri.'), { timeout: 30_000 });
  await page.locator('.build-report').waitFor({ timeout: 30_000 });
  return decodeURIComponent(new URL(page.url()).pathname.slice('/builds/'.length));
}

/** The element that has the focus, by its classes. */
function focusedClass(page) {
  return page.evaluate(() => document.activeElement?.className ?? '');
}

test('compose, preview, submit, land on the report, then edit and resubmit', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/submit'));
  await page.locator('.submit-form').waitFor({ timeout: 30_000 });
  // The catalog has loaded once a search finds something; the empty form first.
  await page.locator('.why-intro').getByText('Submit is off').waitFor();
  await shots(page, 'submit-empty');

  // Validation: each bad value gets its message, and Submit says why it is off.
  await page.getByLabel('Attempts per job').fill('0');
  await page.getByLabel('Build parameters (JSON)').fill('{\n  "region": "eu"\n  "limit": 10\n}');
  await page.getByLabel('Branch', { exact: true }).fill('my branch');
  await page.locator('#f-numRunJobAttempts-error').getByText('Must be a whole number between 1 and 100').waitFor();
  await page.locator('#f-buildParameters-error').getByText('Line 3, column 3').waitFor();
  await page.locator('#f-branch-error').getByText('Cannot contain spaces').waitFor();
  await page.locator('.why-list').getByText('Attempts per job: must be a whole number between 1 and 100').waitFor();
  assert.equal(await page.locator('.submit-button').getAttribute('aria-disabled'), 'true');
  await shots(page, 'submit-errors', page.locator('#f-numRunJobAttempts'));
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
  await shots(page, 'submit-preview', page.locator('#preview-title'));

  // Submit lands on the build's report, with a note of what the service did.
  const buildRid = await submitAndLand(page);
  assert.match(buildRid, /^ri\.foundry\.main\.build\./);
  await page.locator('.toast-message', { hasText: /^Build submitted\. \d+ jobs? created/ }).waitFor();

  // Back: the form as it was, and the service's answer (the jobs it created) above it.
  await page.goBack();
  await page.locator('.submit-form').waitFor();
  assert.deepEqual(await shownRequest(page), request, 'Back restores the form as it was');
  assert.equal(await page.getByLabel('Attempts per job').inputValue(), '2');
  assert.equal(await page.locator('.result-build-link').innerText(), buildRid);
  await page.locator('.result-details summary').click();
  const created = await page.locator('.result-jobs').first().locator('tbody tr').count();
  assert.ok(created >= 1, 'the last submission lists the jobs created');
  await shots(page, 'submit-back');

  // The same request again asks first, with how long ago it was sent; Cancel sends
  // nothing, keeps the form and gives the focus back to Submit.
  await page.locator('.submit-button[aria-disabled="false"]').waitFor();
  await page.getByRole('button', { name: 'Submit build' }).click();
  const dialog = page.getByRole('dialog', { name: 'Submit the same build again?' });
  await dialog.waitFor();
  assert.match(await dialog.locator('.resubmit-when').innerText(), /^The same build was submitted (\d+ s|under 1 s) ago from this browser\.$/);
  assert.match(await focusedClass(page), /resubmit-cancel/, 'Cancel has the focus first');
  await shots(page, 'submit-resubmit-dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(await focusedClass(page), /submit-button/, 'the focus is back on Submit');
  assert.equal(new URL(page.url()).pathname, '/submit');
  assert.deepEqual(await shownRequest(page), request);

  // To the report again through the last submission's link.
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
  // Another request: no question, straight to its report.
  const secondRid = await submitAndLand(page);
  assert.notEqual(secondRid, buildRid);
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
  const rid = await submitAndLand(page);
  assert.match(rid, /^ri\.foundry\.main\.build\./);
  assert.deepEqual(errors, []);
});

/** WCAG contrast ratio of two colours as getComputedStyle gives them (rgb/rgba, opaque). */
function contrast(fg, bg) {
  const lum = (css) => {
    const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number);
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

test('at phone width Submit stays on screen in a bar that covers no field, in both themes', TIMEOUT, async () => {
  const page = await kiln.newPage(PHONE);
  const errors = watchErrors(page);
  await page.goto(kiln.url('/submit'));
  await page.locator('.submit-form').waitFor({ timeout: 30_000 });
  const bar = page.locator('.submit-bar');
  const submit = page.getByRole('button', { name: 'Submit build' });
  /** The bar's and a locator's boxes in viewport coordinates. */
  const boxes = (locator) => Promise.all([bar.boundingBox(), locator.boundingBox()]);
  const inView = async () => {
    const box = await submit.boundingBox();
    return box.y >= 0 && box.y + box.height <= PHONE.height;
  };

  // At the top of the page the bar is at the bottom of the viewport, with the short reason.
  assert.ok(await inView(), 'Submit is on screen at the top of the page');
  const [top] = await boxes(submit);
  assert.ok(Math.abs(top.y + top.height - PHONE.height) < 2, `the bar sits on the viewport's bottom: ${JSON.stringify(top)}`);
  await page.locator('.why-short').getByText('Selection 1: add at least one dataset to build.').waitFor();
  assert.equal(await page.locator('.why-list').isVisible(), false, 'the bar shows the short reason, not the list');
  // Toasts stand above the bar, not over Submit.
  const toastsBottom = await page.evaluate(() => document.querySelector('.toasts').getBoundingClientRect().bottom);
  const barTop = (await bar.boundingBox()).y;
  assert.ok(toastsBottom <= barTop, `the toasts end at ${toastsBottom}, above the bar at ${barTop}`);
  // The aside is `display: contents` here so the bar can stick; it stays a landmark.
  assert.equal(await page.getByRole('complementary', { name: 'Submit, preview and request' }).count(), 1);

  // Tab to a field in the middle: it scrolls clear of the bar, and Submit is still there.
  await page.getByLabel('Retry backoff (seconds)').focus();
  const [mid, backoff] = await boxes(page.getByLabel('Retry backoff (seconds)'));
  assert.ok(await inView(), 'Submit is on screen in the middle of the form');
  assert.ok(backoff.y + backoff.height <= mid.y, `the focused field is above the bar: ${JSON.stringify([backoff, mid])}`);

  // At the end of the page the bar rests after the last field and the request, over neither.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  for (const last of [page.getByLabel('Build group RID'), page.locator('.request-json')]) {
    const [end, box] = await boxes(last);
    assert.ok(box.y + box.height <= end.y + 1, `the bar covers nothing at the end: ${JSON.stringify([box, end])}`);
  }
  assert.ok(await inView(), 'Submit is on screen at the end of the page');

  // Readable in both themes: the bar's texts on its background pass AA.
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const colours = await page.evaluate(() => {
      const style = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
      return {
        bg: style('.submit-bar', 'backgroundColor'),
        intro: style('.why-short-intro', 'color'),
        link: style('.why-short .link-button', 'color'),
        button: style('.submit-button', 'color'),
        buttonBg: style('.submit-button', 'backgroundColor'),
      };
    });
    for (const [what, fg, bg] of [['intro', colours.intro, colours.bg], ['reason', colours.link, colours.bg], ['Submit', colours.button, colours.buttonBg]]) {
      const ratio = contrast(fg, bg);
      assert.ok(ratio >= 4.5, `${scheme}: ${what} ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots(page, 'submit-phone-bar', page.getByLabel('Retry backoff (seconds)'));

  // At desktop width the bar is the side column's first card, with the full list.
  await page.setViewportSize({ ...DESKTOP });
  await page.locator('.why-list').waitFor();
  assert.equal(await page.locator('.why-short').isVisible(), false);
  assert.deepEqual(errors, []);
});
