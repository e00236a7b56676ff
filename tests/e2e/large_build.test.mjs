// A build of many jobs, end to end: its report's jobs table is windowed (a fixed height per
// row, so the rows not mounted can be stood for by spacers), and every row must still show
// the job's name, its badge and its times in full, at 1280x800 and on a phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, PHONE, screenshotThemes, useKiln, watchErrors } from './helpers.mjs';
import { datasetRid, spec, submit, waitDone } from './bench_helpers.mjs';

/** More than the table's WINDOW_FROM (100), with names of the lengths pipelines use. */
const JOBS = 120;
/** A name longer than a phone's line: the row cuts it, and its title gives it whole. */
const LONG_NAME = 'normalise-customer-addresses-for-every-region-we-ship-to';
const name = (i) => (i === 0 ? LONG_NAME : `orders-partition-${String(i).padStart(3, '0')}`);
const pipeline = join(mkdtempSync(join(tmpdir(), 'kiln-large-build-')), 'pipeline.toml');
writeFileSync(
  pipeline,
  [
    ...Array.from({ length: JOBS }, (_, i) => spec(name(i), i === 0 ? [] : [`part/${Math.floor((i - 1) / 4)}`], `part/${i}`, 'true')),
    spec('all-partitions', Array.from({ length: JOBS }, (_, i) => `part/${i}`), 'all/out', 'true'),
  ].join('\n'),
);

const kiln = useKiln({ label: 'large-build', pipeline, args: ['--workers', '4'] });
const TIMEOUT = { timeout: 180_000 };

/**
 * What the rows in view show that they should not: a cell cut short or pushed out of its
 * row, a name cut that fits, a row taller or shorter than the window counts on.
 */
async function cutCells(page) {
  return page.evaluate(() => {
    const rowHeight = parseFloat(getComputedStyle(document.querySelector('table.jobs-windowed')).getPropertyValue('--row-height'));
    const problems = [];
    for (const row of document.querySelectorAll('table.jobs-windowed tr[data-job]')) {
      const box = row.getBoundingClientRect();
      if (box.bottom < 0 || box.top > innerHeight) continue;
      const name = row.querySelector('td.job-name');
      const label = name.textContent;
      if (Math.abs(box.height - rowHeight) > 0.5) problems.push(`${label}: row ${box.height}px, not ${rowHeight}px`);
      // Only the long name may be cut, and its cell's title then gives it whole.
      if (name.scrollWidth > name.clientWidth + 1 && !label.startsWith('normalise-')) problems.push(`${label}: name cut`);
      if (name.title !== label) problems.push(`${label}: title ${JSON.stringify(name.title)}`);
      const badge = row.querySelector('.badge');
      for (const [what, el] of [
        ['badge', badge],
        ...[...row.querySelectorAll('td[data-label]')].map((td) => [td.dataset.label, td]),
      ]) {
        const b = el.getBoundingClientRect();
        const inside = b.width > 0 && b.left >= box.left - 0.5 && b.right <= box.right + 0.5 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
        if (!inside) problems.push(`${label}: ${what} outside its row`);
        if (el.scrollWidth > el.clientWidth + 1) problems.push(`${label}: ${what} cut (${JSON.stringify(el.textContent)})`);
      }
    }
    return problems;
  });
}

test('every row of a windowed jobs table shows its name, badge and times in full', TIMEOUT, async () => {
  const rid = await submit(kiln.server.url, await datasetRid(kiln.server.url, 'all/out'), true);
  const done = await waitDone(kiln.server.url, rid);
  assert.equal(done.status, 'SUCCEEDED');

  const page = await kiln.newPage(PHONE);
  const errors = watchErrors(page);
  await page.goto(kiln.url(`/builds/${rid}`));
  const table = page.locator('table.jobs-windowed');
  await table.waitFor({ timeout: 30_000 });
  assert.equal(await table.getAttribute('data-count'), String(JOBS + 1));
  const long = page.locator(`table.jobs-windowed td.job-name[title="${LONG_NAME}"]`);
  for (const viewport of [PHONE, DESKTOP]) {
    await page.setViewportSize({ ...viewport });
    await long.scrollIntoViewIfNeeded();
    await page.locator('table.jobs-windowed tr[data-job] .badge[data-state]').first().waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(await cutCells(page), [], `at ${viewport.width}x${viewport.height}`);
  }
  await screenshotThemes(page, 'large-build-jobs', long);
  assert.deepEqual(errors, []);
});
