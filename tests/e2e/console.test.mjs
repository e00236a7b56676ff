// What data engineers expect of a build console (issue 13), end to end against the real
// kiln-server and its demo pipeline: dark mode with checked contrast, run numbers in the
// header box, keyboard shortcuts, a failed attempt's first error, the lineage page with
// dataset states, the job spec page, and the selection text in the submit form.
// Screenshots of each new page in both themes at 1280x800 and 390x844.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, screenshotThemes as shots, useKiln, watchErrors } from './helpers.mjs';

const kiln = useKiln({ label: 'console' });
const TIMEOUT = { timeout: 180_000 };
const WAIT = { timeout: 60_000 };

/** A page in its own context with the given colour scheme (what the system says). */
async function pageIn(colorScheme, viewport = DESKTOP) {
  const context = await kiln.browser.newContext({ viewport: { ...viewport }, colorScheme });
  return context.newPage();
}


async function submitBody(body) {
  const res = await fetch(kiln.url('/build2/api/manager/submitBuild'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ branch: 'master', ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).buildRid;
}

async function finished(rid) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const report = await (await fetch(kiln.url(`/build2/api/info/builds2/${rid}`))).json();
    if (!['WAITING', 'RUNNING'].includes(report.status)) return report;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`build ${rid} did not finish within 60 s`);
}

/** WCAG contrast ratio of two CSS colours as the page resolves them. */
function contrastOf(page, fg, bg) {
  return page.evaluate(([fg, bg]) => {
    const probe = document.createElement('div');
    document.body.append(probe);
    const resolve = (value) => {
      probe.style.color = value;
      const [r, g, b] = getComputedStyle(probe).color.match(/[\d.]+/g).map(Number);
      return [r, g, b];
    };
    const lum = ([r, g, b]) => {
      const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const [a, b] = [lum(resolve(fg)), lum(resolve(bg))].sort((x, y) => y - x);
    probe.remove();
    return (a + 0.05) / (b + 0.05);
  }, [fg, bg]);
}

const TEXT_PAIRS = [
  ['var(--text)', 'var(--bg)'],
  ['var(--text)', 'var(--surface)'],
  ['var(--text-muted)', 'var(--surface)'],
  ['var(--text-muted)', 'var(--surface-sunken)'],
  ['var(--link)', 'var(--surface)'],
  ['#ffffff', 'var(--accent)'],
  ['var(--ok)', 'var(--ok-bg)'],
  ['var(--warn)', 'var(--warn-bg)'],
  ['var(--err)', 'var(--err-bg)'],
  ['var(--info)', 'var(--info-bg)'],
  ['var(--neutral)', 'var(--neutral-bg)'],
  ['var(--err)', 'var(--surface)'],
];

test('dark mode follows the system, the header button pins a theme, and both pass AA contrast', TIMEOUT, async () => {
  const page = await pageIn('dark');
  const errors = watchErrors(page);
  await page.goto(kiln.url('/'));
  await page.getByRole('banner').waitFor(WAIT);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await background(), 'rgb(15, 18, 22)', 'a dark system gets the dark theme');
  for (const [fg, bg] of TEXT_PAIRS) {
    const ratio = await contrastOf(page, fg, bg);
    assert.ok(ratio >= 4.5, `dark: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
  }

  const toggle = page.locator('.theme-toggle');
  assert.equal(await toggle.getAttribute('data-theme-choice'), 'system');
  await toggle.click();
  assert.equal(await toggle.getAttribute('data-theme-choice'), 'light');
  assert.equal(await background(), 'rgb(246, 247, 249)', 'pinned light on a dark system');
  for (const [fg, bg] of TEXT_PAIRS) {
    const ratio = await contrastOf(page, fg, bg);
    assert.ok(ratio >= 4.5, `light: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
  }
  await page.reload();
  await page.getByRole('banner').waitFor(WAIT);
  assert.equal(await background(), 'rgb(246, 247, 249)', 'the choice is remembered');
  await page.locator('.theme-toggle').click();
  assert.equal(await background(), 'rgb(15, 18, 22)', 'pinned dark');
  await page.locator('.theme-toggle').click();
  assert.equal(await page.locator('.theme-toggle').getAttribute('data-theme-choice'), 'system');
  assert.deepEqual(errors, []);
});

test('the header box opens 12 and #12 as runs of the current team', TIMEOUT, async () => {
  const rid = await submitBody({
    jobSpecSelections: [{ type: 'datasets', datasets: { datasetRids: [await kiln.datasetRid('clean/orders')], isRequired: true } }],
  });
  const report = await finished(rid);
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/catalog'));
  await page.getByRole('banner').waitFor(WAIT);
  const box = page.getByLabel(/Open a build or job by RID/);
  for (const text of [`${report.runId}`, `#${report.runId}`]) {
    await page.goto(kiln.url('/catalog'));
    await box.fill(text);
    await box.press('Enter');
    await page.waitForURL((url) => url.pathname === `/builds/${rid}`, WAIT);
  }
  await box.fill('#99999');
  await box.press('Enter');
  await page.locator('#open-rid-error').getByText('has no run #99999').waitFor(WAIT);
  // The browser logs the service's 404 for the run that does not exist; nothing else.
  assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
  assert.equal(errors.length, 1);
});

test('keyboard: g s, g b, /, j and k, Enter, and ? with focus returned; never while typing', TIMEOUT, async () => {
  await finished(
    await submitBody({
      jobSpecSelections: [{ type: 'datasets', datasets: { datasetRids: [await kiln.datasetRid('clean/customers')], isRequired: true } }],
    }),
  );
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/catalog'));
  await page.getByRole('banner').waitFor(WAIT);
  await page.locator('.catalog-table tbody tr').first().waitFor(WAIT);

  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'catalog-search', '/ focuses the page search');
  await page.keyboard.type('gs');
  assert.equal(new URL(page.url()).pathname, '/catalog', 'typing g s in a field is text, not a shortcut');
  assert.equal(await page.locator('#catalog-search').inputValue(), 'gs');
  await page.locator('#catalog-search').fill('');
  await page.locator('h1').click();

  await page.keyboard.press('j');
  await page.keyboard.press('j');
  const current = page.locator('[data-kbd-current]');
  assert.equal(await current.count(), 1);
  const second = await page.locator('.catalog-table tbody tr').nth(1).getAttribute('data-kbd-current');
  assert.equal(second, '', 'j twice marks the second row');
  await page.keyboard.press('k');
  assert.equal(await page.locator('.catalog-table tbody tr').first().getAttribute('data-kbd-current'), '');

  await page.keyboard.press('g');
  await page.keyboard.press('s');
  await page.waitForURL((url) => url.pathname === '/submit', WAIT);
  await page.keyboard.press('g');
  await page.keyboard.press('b');
  await page.waitForURL((url) => url.pathname === '/', WAIT);
  await page.locator('.build-row:not(.build-row-head)').first().waitFor(WAIT);
  await page.locator('h1').first().click();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname.startsWith('/builds/'), WAIT);

  const opener = page.locator('.theme-toggle');
  await opener.focus();
  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await sheet.waitFor(WAIT);
  for (const key of ['/', 'j', 'k', 'Enter', '?']) {
    assert.ok((await sheet.locator('kbd').allInnerTexts()).includes(key), `the sheet lists ${key}`);
  }
  await page.keyboard.press('Tab');
  assert.ok(await sheet.evaluate((d) => d.contains(document.activeElement)), 'Tab stays in the sheet');
  await shots(page, 'shortcuts');
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((b) => b === document.activeElement), 'focus returns to where it was');
  assert.deepEqual(errors, []);
});

test('First error is enabled on customer-segments (exit 75, message on stderr) and scrolls to it', TIMEOUT, async () => {
  const rid = await submitBody({
    jobSpecSelections: [{ type: 'jobSpecs', jobSpecs: { jobSpecRids: [await jobSpecRid('customer-segments')], isRequired: true } }],
    forceBuild: true,
  });
  const report = await finished(rid);
  const job = report.jobs.find((j) => j.jobSpecName === 'customer-segments');
  assert.equal(job.status, 'FAILED');
  const page = await kiln.newPage(PHONE);
  const errors = watchErrors(page);
  await page.goto(kiln.url(`/jobs/${job.rid}`));
  await page.locator('.log-lines[data-line-count="1"]').waitFor(WAIT);
  const button = page.getByRole('button', { name: 'First error' });
  assert.equal(await button.isEnabled(), true);
  await page.evaluate(() => window.scrollTo(0, 0));
  await button.click();
  const marked = page.locator('.log-line.marked');
  await marked.waitFor(WAIT);
  assert.match(await marked.innerText(), /segment service not warmed up/);
  assert.ok(await marked.isVisible(), 'the line is on screen');
  const box = await page.locator('.log-lines').boundingBox();
  assert.ok(box && box.y >= 0 && box.y < PHONE.height, `the log box is in the viewport: ${JSON.stringify(box)}`);
  assert.equal(new URL(page.url()).hash, '#L1');
  await shots(page, 'job-log-first-error');
  assert.deepEqual(errors, []);
});

async function jobSpecRid(name) {
  const res = await fetch(kiln.url(`/api/v1/catalog/jobspecs?q=${encodeURIComponent(name)}`));
  const { jobSpecs } = await res.json();
  return jobSpecs.find((s) => s.name === name).rid;
}

test('the lineage shows every node with its state; Build upstream of selected prefills the form', TIMEOUT, async () => {
  await finished(
    await submitBody({
      jobSpecSelections: [{ type: 'upstream', upstream: { datasetRids: [await kiln.datasetRid('agg/revenue-by-region')], datasetRidsToIgnore: [] } }],
    }),
  );
  const lineage = await (await fetch(kiln.url('/api/v1/catalog/lineage'))).json();
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/lineage'));
  const nodes = page.locator('[data-node]');
  await page.locator('.lin-legend').waitFor(WAIT);
  // The nodes are drawn once the states on the branch have answered too, which may be after
  // the legend (the CI flake read the count once and saw 0).
  const expected = lineage.datasets.length + lineage.jobSpecs.length;
  await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length === n, expected, WAIT)
    .catch(async (error) => { throw new Error(`the lineage drew ${await nodes.count()} of ${expected} nodes`, { cause: error }); });
  const node = (name) => page.locator('[data-node]', { has: page.locator('.lin-name', { hasText: new RegExp(`^${name}$`) }) });
  // The states come from their own answer: wait for them rather than read them once.
  await node('agg/revenue-by-region').and(page.locator('.fresh-ok')).waitFor(WAIT);
  await node('report/summary').and(page.locator('.fresh-never')).waitFor(WAIT);
  assert.match(await node('agg/revenue-by-region').locator('.lin-state').textContent(), /Up to date/);

  await page.getByLabel('Find a node').fill('report/sum');
  await page.getByText('1 match').waitFor(WAIT);
  await page.getByLabel('Find a node').press('Enter');
  await page.locator('.lin-node.focused').waitFor(WAIT);
  await node('report/summary').click();
  await page.getByText('1 node selected.').waitFor(WAIT);
  await page.locator('.lin-detail').getByText('Never built').waitFor(WAIT);
  await shots(page, 'lineage');

  await page.getByRole('button', { name: 'Build upstream of selected' }).click();
  await page.waitForURL((url) => url.pathname === '/submit', WAIT);
  const text = page.getByRole('textbox', { name: 'Selections as text' });
  await page.locator('.form-notice').getByText('Prefilled from the lineage').waitFor(WAIT);
  await page.waitForFunction(() => document.querySelector('#selection-text')?.value === '+report/summary', null, WAIT);
  assert.equal(await page.getByLabel('Kind').inputValue(), 'upstream');
  assert.equal(await text.inputValue(), '+report/summary');
  assert.deepEqual(errors, []);
});

test('the selection text and the structured editors stay in step; errors point at the column', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/submit'));
  const text = page.getByRole('textbox', { name: 'Selections as text' });
  await text.waitFor(WAIT);
  // Names resolve once the catalog is in.
  await page.waitForFunction(() => !document.querySelector('.catalog-notice'), null, WAIT);
  await text.fill('+report/summary -agg/revenue-by-product job:clean-orders?');
  await page.locator('.selection').nth(1).waitFor(WAIT);
  const kinds = await page.getByLabel('Kind').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(kinds, ['upstream', 'jobSpecs']);
  const request = JSON.parse(await page.locator('.request-json').innerText());
  assert.equal(request.jobSpecSelections[0].upstream.datasetRidsToIgnore.length, 1);
  assert.equal(request.jobSpecSelections[1].jobSpecs.isRequired, false);

  await text.fill('report/summary nope');
  await page.locator('#selection-text-error').getByText('Column 16: no dataset is named nope').waitFor(WAIT);
  await page.locator('#selection-text-help summary').click();
  await shots(page, 'submit-selection-text');

  // The other way: an edit in the structured editor rewrites the text.
  await page.getByLabel('Kind').first().selectOption('datasets');
  await page.waitForFunction(() => document.querySelector('#selection-text')?.value.startsWith('report/summary'), null, WAIT);
  assert.deepEqual(errors, []);
});

test('a job spec page shows its definition, last runs and a duration trend', TIMEOUT, async () => {
  const rid = await jobSpecRid('clean-orders');
  for (let i = 0; i < 2; i += 1) {
    await finished(await submitBody({ jobSpecSelections: [{ type: 'jobSpecs', jobSpecs: { jobSpecRids: [rid], isRequired: true } }], forceBuild: true }));
  }
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url('/catalog'));
  await page.locator('.job-spec-link', { hasText: 'clean-orders' }).first().click();
  await page.waitForURL((url) => url.pathname === `/jobspecs/${rid}`, WAIT);
  await page.getByRole('heading', { name: 'clean-orders' }).waitFor(WAIT);
  assert.match(await page.locator('.command').innerText(), /clean_orders\.sh/);
  // Datasets are named from the catalog, which may answer after the page has painted.
  await page.locator('.facts', { hasText: 'raw/orders' }).waitFor(WAIT);
  await page.locator('.runs-table tbody tr').nth(1).waitFor(WAIT);
  const trend = page.locator('svg.duration-trend');
  await trend.waitFor(WAIT);
  assert.ok((await trend.locator('circle.trend-ok').count()) >= 2);
  await shots(page, 'job-spec');
  assert.deepEqual(errors, []);
});

test('Compare with previous on a report, and Compare on two selected builds of the list', TIMEOUT, async () => {
  const clean = await kiln.datasetRid('clean/orders');
  const selection = [{ type: 'datasets', datasets: { datasetRids: [clean], isRequired: true } }];
  const first = await finished(await submitBody({ jobSpecSelections: selection, forceBuild: true }));
  const second = await finished(await submitBody({ jobSpecSelections: selection, forceBuild: true, numRunJobAttempts: 2 }));
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.goto(kiln.url(`/builds/${second.rid}`));
  await page.getByRole('link', { name: 'Compare with previous' }).click();
  await page.waitForURL((url) => url.pathname === '/compare' && url.searchParams.get('b') === second.rid, WAIT);
  const pair = page.locator('.compare-pair');
  await pair.waitFor(WAIT);
  assert.match(await pair.innerText(), new RegExp(`Comparing #${second.runId - 1} \\(master\\) with #${second.runId} \\(master\\)`));
  const options = page.locator('.compare-section', { hasText: 'Options that differ' });
  assert.match(await options.innerText(), /numRunJobAttempts\s+\(not set\)\s+2/);
  await shots(page, 'compare');

  // From the list: select the two builds, then Compare, the earlier one first.
  await page.goto(kiln.url('/'));
  for (const runId of [second.runId, first.runId]) {
    await page.getByRole('checkbox', { name: `Select build #${runId}` }).check();
  }
  await page.getByRole('link', { name: 'Compare', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/compare', WAIT);
  const url = new URL(page.url());
  assert.deepEqual([url.searchParams.get('a'), url.searchParams.get('b')], [first.rid, second.rid]);
  await page.locator('.compare-pair', { hasText: `#${first.runId}` }).waitFor(WAIT);
  assert.deepEqual(errors, []);
});
