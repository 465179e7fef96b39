// report.html opened in a real browser (Debian's Chromium, driven by playwright-core): it loads
// offline with no console error, every figure is drawn with marks, and the table sorts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { summaryDocumentOf, type SummaryDocument } from '../../src/analysis/summary-document.js';
import { analyzeDir, writeReport } from '../../src/report/index.js';
import { modelSearch, paperSweep, writeResults } from './synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium; scripts/setup-debian.sh installs it)`;

test('report.html renders every figure, logs no error, loads nothing from the network, sorts its table, and fits 1280 px', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const search = await modelSearch({ capacityPps: 350_000 });
  const dir = writeResults([...paperSweep(), { rate: 'search', backend: 'udp-mmsg', txPps: 0, rxPps: 0, search }]);
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const report = await writeReport(dir);
  // summary.json as a run writes it, for the headline check below.
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summaryDocumentOf(analyzeDir(dir).data)));
  // Root cannot use Chromium's sandbox; the page is our own file.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(report.html).href);

  const figureIds = report.figures.filter((f) => f.endsWith('.svg')).map((f) => f.replace(/^.*\/(.*)\.svg$/, '$1'));
  assert.equal(figureIds.length, 8, "the paper's 7 and a search trace");
  await page.waitForFunction(
    (n) => document.querySelectorAll('div.vega[data-rendered="true"]').length === n,
    figureIds.length,
    { timeout: 30_000 },
  );
  for (const id of figureIds) {
    const marks = await page.locator(`figure#${id} svg .role-mark > *`).count();
    assert.ok(marks > 0, `${id} has rendered marks (${marks})`);
  }
  assert.equal(await page.locator('.vega-error').count(), 0);

  const table = page.locator('#summary-table');
  const column = async (key: string) => {
    const index = await table
      .locator('thead th')
      .evaluateAll((ths, k) => ths.findIndex((th) => th.getAttribute('data-key') === k), key);
    return table
      .locator(`tbody tr td:nth-child(${index + 1})`)
      .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-sort') ?? ''));
  };
  const header = table.locator('thead th[data-key="rxMpps"]');
  await header.click();
  const ascending = await column('rxMpps');
  const numbers = ascending.filter((v) => v !== '').map(Number);
  assert.deepEqual(
    numbers,
    [...numbers].sort((a, b) => a - b),
    'ascending after one click',
  );
  assert.equal(ascending[ascending.length - 1], '', 'the failed case (no figure) sorts last');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  await header.click();
  const descending = (await column('rxMpps')).filter((v) => v !== '').map(Number);
  assert.deepEqual(
    descending,
    [...numbers].sort((a, b) => b - a),
    'descending after a second click',
  );
  await table.locator('thead th[data-key="backend"]').click();
  const backends = await column('backend');
  assert.deepEqual(
    backends,
    [...backends].sort((a, b) => a.localeCompare(b)),
    'text columns sort as text',
  );

  await checkLayout(page, JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as SummaryDocument);

  // For a person to look at: the page and each figure at 1280 px, kept after the test.
  const shots = mkdtempSync(join(tmpdir(), 'nfvperf-report-screenshots-'));
  await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
  for (const id of figureIds) await page.locator(`figure#${id}`).screenshot({ path: join(shots, `${id}.png`) });
  t.diagnostic(`screenshots at 1280 px: ${shots}/report.png and one per figure`);

  assert.deepEqual(problems, []);
});

/**
 * At 1280 px: the main table fits without scrolling sideways, each row is one line, and the
 * headline's best throughput path is the one summary.json gives — recomputed here from the cases
 * (mean over repetitions per tuple, best tuple per path, local, smallest size and pair count).
 */
async function checkLayout(page: Page, summary: SummaryDocument): Promise<void> {
  const fit = await page
    .locator('#summary-table')
    .evaluate((table) => ({ table: table.scrollWidth, wrap: table.parentElement!.clientWidth }));
  assert.ok(fit.table <= fit.wrap, `the main columns fit 1280 px (${fit.table} > ${fit.wrap})`);
  const heights = await page
    .locator('#summary-table tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
  const headerHeight = await page.locator('#summary-table thead tr').evaluate((r) => r.getBoundingClientRect().height);
  const lineHeight = Math.min(...heights);
  assert.ok(
    heights.every((h) => h === lineHeight) && lineHeight < 2 * headerHeight,
    `every row one line tall (${[...new Set(heights)].join(', ')} px)`,
  );
  const extraHidden = await page.locator('#summary-table th.extra').first().isHidden();
  assert.ok(extraHidden, 'the other columns wait behind the toggle');
  await page.locator('#show-extra').check();
  assert.ok(await page.locator('#summary-table th.extra').first().isVisible(), 'the toggle shows them');
  await page.locator('#show-extra').uncheck();
  await page.locator('select[data-filter="backend"]').selectOption('raw');
  const shown = await page
    .locator('#summary-table tbody tr:visible')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-backend')));
  assert.deepEqual([...new Set(shown)], ['raw'], 'the backend filter keeps only its rows');
  await page.locator('select[data-filter="backend"]').selectOption('');

  const headline = page.locator('#headline li[data-dimension="throughput"]');
  assert.equal(await headline.count(), 1, 'the headline is there');
  const local = summary.cases.filter(
    (c) => c.dimension === 'throughput' && c.locality === 'local' && c.throughput && c.rate !== 'search',
  );
  const size = Math.min(...local.map((c) => c.packetSize));
  const pairs = Math.min(...local.filter((c) => c.packetSize === size).map((c) => c.pairs));
  const byTuple = new Map<string, number[]>();
  for (const c of local.filter((c) => c.packetSize === size && c.pairs === pairs)) {
    const key = c.id.replace(/\/r\d+$/, '');
    byTuple.set(key, [...(byTuple.get(key) ?? []), c.throughput!.rxPps]);
  }
  const best = [...byTuple]
    .map(([key, v]) => ({ key, mean: v.reduce((x, y) => x + y, 0) / v.length }))
    .sort((x, y) => y.mean - x.mean)[0]!;
  const bestCase = local.find((c) => c.id.replace(/\/r\d+$/, '') === best.key)!;
  assert.equal(await headline.getAttribute('data-best'), `${bestCase.switch} · ${bestCase.backend}`);
  assert.ok(
    Math.abs(Number(await headline.getAttribute('data-best-value')) - best.mean) < 1e-6 * best.mean,
    "the headline's rate is summary.json's",
  );
  assert.equal(Number(await headline.getAttribute('data-packet-size')), size);
}
