// report.html opened in a real browser (Debian's Chromium, driven by playwright-core): it loads
// offline with no console error, every figure is drawn with marks, and the table sorts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReport } from '../../src/report/index.js';
import { modelSearch, paperSweep, writeResults } from './synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium; scripts/setup-debian.sh installs it)`;

test('report.html renders every figure, logs no error, loads nothing from the network, and sorts its table', { skip, timeout: 60_000 }, async () => {
  const search = await modelSearch({ capacityPps: 350_000 });
  const dir = writeResults([...paperSweep(), { rate: 'search', backend: 'udp-mmsg', txPps: 0, rxPps: 0, search }]);
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const report = await writeReport(dir);
  // Root cannot use Chromium's sandbox; the page is our own file.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`); });
  await page.goto(pathToFileURL(report.html).href);

  const figureIds = report.figures.filter((f) => f.endsWith('.svg')).map((f) => f.replace(/^.*\/(.*)\.svg$/, '$1'));
  assert.equal(figureIds.length, 8, 'the paper\'s 7 and a search trace');
  await page.waitForFunction((n) => document.querySelectorAll('div.vega[data-rendered="true"]').length === n, figureIds.length, { timeout: 30_000 });
  for (const id of figureIds) {
    const marks = await page.locator(`figure#${id} svg .role-mark > *`).count();
    assert.ok(marks > 0, `${id} has rendered marks (${marks})`);
  }
  assert.equal(await page.locator('.vega-error').count(), 0);

  const table = page.locator('#summary-table');
  const column = async (key: string) => {
    const index = await table.locator('thead th').evaluateAll((ths, k) => ths.findIndex((th) => th.getAttribute('data-key') === k), key);
    return table.locator(`tbody tr td:nth-child(${index + 1})`).evaluateAll((tds) => tds.map((td) => td.getAttribute('data-sort') ?? ''));
  };
  const header = table.locator('thead th[data-key="rxMpps"]');
  await header.click();
  const ascending = await column('rxMpps');
  const numbers = ascending.filter((v) => v !== '').map(Number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'ascending after one click');
  assert.equal(ascending[ascending.length - 1], '', 'the failed case (no figure) sorts last');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  await header.click();
  const descending = (await column('rxMpps')).filter((v) => v !== '').map(Number);
  assert.deepEqual(descending, [...numbers].sort((a, b) => b - a), 'descending after a second click');
  await table.locator('thead th[data-key="backend"]').click();
  const backends = await column('backend');
  assert.deepEqual(backends, [...backends].sort((a, b) => a.localeCompare(b)), 'text columns sort as text');

  assert.deepEqual(problems, []);
});
