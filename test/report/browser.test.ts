// report.html opened in a real browser (Debian's Chromium, driven by playwright-core), for three
// reports: a synthetic run of the paper's sweep, the README's quickstart run for real (1 s trials,
// otherwise the example as written) and a real `nfvperf reproduce --scale quick` of one paper
// experiment. Each loads offline with no console error, draws every figure, and at 1280 px fits
// its main table without sideways scrolling, one line per row, under a sticky grouped header,
// with a headline that summary.json bears out; screenshots of the page and of each figure are
// kept for a person to look at.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { chromium, type Browser, type Page } from 'playwright-core';
import { summaryDocumentOf } from '../../src/analysis/summary-document.js';
import { analyzeDir, writeReport } from '../../src/report/index.js';
import type { Summary, SummaryCase } from '../../src/store/summary.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, ROOT, runPlan, tempDir } from '../helpers/cli.js';
import { modelSearch, paperSweep, writeResults } from './synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install chromium; scripts/setup-debian.sh installs it)`;

let browser: Browser | undefined;
const dirs: string[] = [];
after(async () => {
  await browser?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a synthetic run: report.html renders every figure, logs no error, loads nothing from the network, sorts its table, and fits 1280 px', {
  skip,
  timeout: 90_000,
}, async (t) => {
  const search = await modelSearch({ capacityPps: 350_000 });
  const dir = writeResults([...paperSweep(), { rate: 'search', backend: 'udp-mmsg', txPps: 0, rxPps: 0, search }]);
  dirs.push(dir);
  const report = await writeReport(dir);
  // summary.json as a run writes it, for the headline check.
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summaryDocumentOf(analyzeDir(dir).data)));
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  const page = await checkReport(t, 'synthetic', report.html, summary.cases, 8);
  assert.ok(
    await page.locator('.table-wrap').evaluate((w) => w.scrollHeight > w.clientHeight),
    'this table is long enough to scroll in its box, so the sticky header was checked',
  );

  const table = page.locator('#summary-table');
  const column = async (key: string) => {
    const index = await table
      .locator('thead th[data-key]')
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
  // The group row does not sort (a click on it leaves the order as it was).
  await table.locator('thead th.group').first().click();
  assert.deepEqual(await column('backend'), backends, 'a group header does not sort');
  await page.close();
});

test("the quickstart's report, run for real (examples/quickstart.yaml with 1 s trials), passes the same checks", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const before = hostState();
  // The README's quickstart as written, but for its trials' length: the same cases, the same report.
  const plan = parseDocument(readFileSync(join(ROOT, 'examples', 'quickstart.yaml'), 'utf8'));
  plan.set('duration', 1);
  const { out, summary } = await runPlan(String(plan), { timeoutMs: 100_000 });
  dirs.push(join(out, '..'));
  assertNoLeaks(before);
  assert.equal(summary.cases.length, 4, 'the quickstart has four cases');
  assertEveryCaseOk(summary.cases);
  const page = await checkReport(t, 'quickstart', join(out, 'report.html'), summary.cases, null);
  await page.close();
});

test("a reproduction's report (nfvperf reproduce --scale quick --only fig5, for real) passes the same checks", {
  skip,
  timeout: 180_000,
}, async (t) => {
  const before = hostState();
  const dir = tempDir();
  dirs.push(dir);
  const out = join(dir, 'reproduction');
  const r = await nfvperf(['reproduce', '--scale', 'quick', '--only', 'fig5', '--out', out], { timeoutMs: 170_000 });
  assertNoLeaks(before);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  // The report is over every experiment's run, each case id prefixed by its experiment (report/merge.ts).
  const experiment = JSON.parse(readFileSync(join(out, 'fig5', 'summary.json'), 'utf8')) as Summary;
  const cases = experiment.cases.map((c) => ({ ...c, id: `fig5/${c.id}` }));
  assertEveryCaseOk(cases);
  const page = await checkReport(t, 'reproduction', join(out, 'report.html'), cases, null);
  assert.ok((await page.locator('#paper-table tbody tr').count()) > 0, 'the paper beside the run');
  assert.ok(
    (await page.locator('figure#fig5a .paper').count()) > 0,
    "Fig. 5a carries the paper's finding and this run's verdict",
  );
  await page.close();
});

function assertEveryCaseOk(cases: readonly SummaryCase[]): void {
  assert.ok(
    cases.every((c) => c.status === 'ok'),
    cases.map((c) => `${c.id}: ${c.status} ${c.error ?? ''}`).join('; '),
  );
}

/**
 * Opens `html` at 1280 × 900 and checks what every report must do: no console error or network
 * request, every figure drawn with marks (`figures` of them, when given), the layout, and the
 * headline against `cases` (summary.json's); then saves the screenshots. Returns the open page.
 */
async function checkReport(
  t: TestContext,
  label: string,
  html: string,
  cases: readonly SummaryCase[],
  figures: number | null,
): Promise<Page> {
  // Root cannot use Chromium's sandbox; the page is our own file.
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(html).href);

  const figureIds = await page.locator('figure[id]').evaluateAll((fs) => fs.map((f) => f.id));
  if (figures !== null) assert.equal(figureIds.length, figures, `${label}: ${figureIds.join(', ')}`);
  assert.ok(figureIds.length > 0, `${label}: some figure is drawn`);
  await page.waitForFunction(
    (n) => document.querySelectorAll('div.vega[data-rendered="true"]').length === n,
    figureIds.length,
    { timeout: 30_000 },
  );
  for (const id of figureIds) {
    const marks = await page.locator(`figure[id="${id}"] svg .role-mark > *`).count();
    assert.ok(marks > 0, `${label}: ${id} has rendered marks (${marks})`);
  }
  assert.equal(await page.locator('.vega-error').count(), 0);

  await checkLayout(page, label);
  await checkHeadline(page, label, cases);

  // For a person to look at: the page (whole, and its first screen) and each figure at 1280 px, kept.
  const shots = mkdtempSync(join(tmpdir(), `nfvperf-report-screenshots-${label}-`));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'report-top.png') });
  await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
  for (const id of figureIds) await page.locator(`figure[id="${id}"]`).screenshot({ path: join(shots, `${id}.png`) });
  t.diagnostic(`${label}: screenshots at 1280 px in ${shots} (report-top.png, report.png, one per figure)`);

  assert.deepEqual(problems, [], label);
  return page;
}

/**
 * At 1280 px: the main table fits without scrolling sideways; each row is one line; a group row
 * spans exactly the shown columns, with the column toggle on and off; the header sticks; each
 * filter keeps only its rows; the figures left out come last.
 */
async function checkLayout(page: Page, label: string): Promise<void> {
  const fit = await page
    .locator('#summary-table')
    .evaluate((table) => ({ table: table.scrollWidth, wrap: table.parentElement!.clientWidth }));
  assert.ok(fit.table <= fit.wrap, `${label}: the main columns fit 1280 px (${fit.table} > ${fit.wrap})`);
  const heights = await page
    .locator('#summary-table tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
  const headerHeight = await page
    .locator('#summary-table thead tr:last-child')
    .evaluate((r) => r.getBoundingClientRect().height);
  const lineHeight = Math.min(...heights);
  assert.ok(
    heights.every((h) => h === lineHeight) && lineHeight < 2 * headerHeight,
    `${label}: every row one line tall (${[...new Set(heights)].join(', ')} px)`,
  );

  // The group row's spans add up to the shown columns, and each group header stands over its own.
  const groupsFit = () =>
    page.locator('#summary-table').evaluate((table) => {
      const visible = (el: Element) => getComputedStyle(el).display !== 'none';
      const columns = [...table.querySelectorAll('thead th[data-key]')].filter(visible);
      const groups = [...table.querySelectorAll('thead th.group')].filter(visible) as HTMLTableCellElement[];
      const misplaced = groups.filter((g) => {
        const box = g.getBoundingClientRect();
        return columns
          .filter((c) => c.getAttribute('data-group') === g.getAttribute('data-group'))
          .some((c) => {
            const r = c.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1;
          });
      });
      return {
        spans: groups.reduce((n, g) => n + g.colSpan, 0),
        columns: columns.length,
        misplaced: misplaced.map((g) => g.textContent),
      };
    });
  const hidden = await groupsFit();
  assert.equal(hidden.spans, hidden.columns, `${label}: the group row spans the main columns`);
  assert.deepEqual(hidden.misplaced, [], `${label}: each group header over its columns`);
  assert.ok(
    await page.locator('#summary-table th.extra').first().isHidden(),
    'the other columns wait behind the toggle',
  );
  await page.locator('#show-extra').check();
  assert.ok(await page.locator('#summary-table th.extra').first().isVisible(), 'the toggle shows them');
  const shown = await groupsFit();
  assert.ok(shown.columns > hidden.columns);
  assert.equal(shown.spans, shown.columns, `${label}: the group row spans every column`);
  assert.deepEqual(shown.misplaced, [], `${label}: each group header over its columns, all shown`);
  await page.locator('#show-extra').uncheck();

  // Sticky: once the table's box scrolls, its head stays at the box's top.
  const stuck = await page.locator('#summary-table').evaluate((table) => {
    const wrap = table.parentElement!;
    if (wrap.scrollHeight <= wrap.clientHeight) return null;
    wrap.scrollTop = wrap.scrollHeight;
    const offset = (table as HTMLTableElement).tHead!.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
    wrap.scrollTop = 0;
    return offset;
  });
  if (stuck !== null) assert.ok(Math.abs(stuck) <= 2, `${label}: the header sticks (${stuck} px from the top)`);

  for (const key of ['switch', 'backend', 'layout']) {
    const select = page.locator(`select[data-filter="${key}"]`);
    assert.equal(await select.count(), 1, `${label}: a ${key} filter`);
    const values = (await select.locator('option').allTextContents()).slice(1);
    const all = await page
      .locator('#summary-table tbody tr')
      .evaluateAll((rows, k) => rows.map((r) => r.getAttribute(`data-${k}`)), key);
    assert.deepEqual(values, [...new Set(all)].sort(), `${label}: the ${key} filter offers the values there are`);
    const value = values[values.length - 1]!;
    await select.selectOption(value);
    const kept = await page
      .locator('#summary-table tbody tr:visible')
      .evaluateAll((rows, k) => rows.map((r) => r.getAttribute(`data-${k}`)), key);
    assert.deepEqual(
      kept,
      all.filter((v) => v === value),
      `${label}: the ${key} filter keeps exactly its rows`,
    );
    await select.selectOption('');
  }
  assert.equal(
    await page.locator('#summary-table tbody tr:visible').count(),
    await page.locator('#summary-table tbody tr').count(),
  );

  const sections = await page.locator('main > section').evaluateAll((s) => s.map((e) => e.id));
  if (sections.includes('skipped')) assert.equal(sections.at(-1), 'skipped', `${label}: figures left out come last`);
}

/**
 * The headline's best path per dimension is the one summary.json's cases give — recomputed here
 * from them: one locality (local first), the smallest size and pair count, the mean over
 * repetitions per tuple, the best tuple (highest rx rate; lowest average RTT).
 */
async function checkHeadline(page: Page, label: string, cases: readonly SummaryCase[]): Promise<void> {
  const tuple = (c: SummaryCase) => c.id.replace(/\/r\d+$/, '');
  const expect = (dimension: 'throughput' | 'latency', value: (c: SummaryCase) => number | undefined) => {
    const measured = cases.filter(
      (c) =>
        c.dimension === dimension &&
        c.rate !== 'search' &&
        (c.flows ?? 1) === 1 &&
        c.sizeMix === undefined &&
        value(c) !== undefined,
    );
    if (measured.length === 0) return null;
    const locality = measured.some((c) => c.locality === 'local') ? 'local' : measured[0]!.locality;
    const here = measured.filter((c) => c.locality === locality);
    const size = Math.min(...here.map((c) => c.packetSize));
    const pairs = Math.min(...here.filter((c) => c.packetSize === size).map((c) => c.pairs));
    const byTuple = new Map<string, SummaryCase[]>();
    for (const c of here.filter((c) => c.packetSize === size && c.pairs === pairs))
      byTuple.set(tuple(c), [...(byTuple.get(tuple(c)) ?? []), c]);
    const means = [...byTuple.values()].map((list) => ({
      c: list[0]!,
      mean: list.reduce((s, c) => s + value(c)!, 0) / list.length,
    }));
    means.sort((x, y) => (dimension === 'throughput' ? y.mean - x.mean : x.mean - y.mean));
    return { best: means[0]!, size };
  };
  const dimensions = [
    ['throughput', (c: SummaryCase) => c.throughput?.rxPps],
    ['latency', (c: SummaryCase) => c.latency?.avgUs],
  ] as const;
  let items = 0;
  for (const [dimension, value] of dimensions) {
    const expected = expect(dimension, value);
    const headline = page.locator(`#headline li[data-dimension="${dimension}"]`);
    if (expected === null) {
      assert.equal(await headline.count(), 0, `${label}: no ${dimension} headline without ${dimension} cases`);
      continue;
    }
    items++;
    assert.equal(await headline.count(), 1, `${label}: the ${dimension} headline is there`);
    const { best, size } = expected;
    assert.equal(await headline.getAttribute('data-best'), `${best.c.switch} · ${best.c.backend}`, label);
    const shown = Number(await headline.getAttribute('data-best-value'));
    assert.ok(
      Math.abs(shown - best.mean) < 1e-6 * best.mean,
      `${label}: the headline's ${dimension} (${shown}) is summary.json's (${best.mean})`,
    );
    assert.equal(Number(await headline.getAttribute('data-packet-size')), size);
    assert.ok((await headline.textContent())!.includes(`${best.c.switch} · ${best.c.backend}`));
  }
  assert.ok(items > 0, `${label}: the headline says something`);
  const top = await page.locator('#headline').evaluate((h) => h.getBoundingClientRect().top);
  assert.ok(top < 900, `${label}: the headline is on the first screen (${top} px down)`);
}
