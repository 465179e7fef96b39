// writeReport and the report / export / compare commands, on synthetic runs, through the real
// `nfvperf` executable where a user would type them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport } from '../../src/report/index.js';
import { EXPORT_COLUMNS } from '../../src/report/columns.js';
import { COLUMN_GROUPS } from '../../src/report/table.js';
import { nfvperf } from '../helpers/cli.js';
import { modelSearch, paperSweep, writeResults, type SynthCase } from './synthetic.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const results = (cases: SynthCase[], options: Parameters<typeof writeResults>[1] = {}) => {
  const dir = writeResults(cases, options);
  dirs.push(dir);
  return dir;
};

test('writeReport writes a self-contained report.html and every figure as SVG and PNG', async () => {
  const dir = results(paperSweep());
  const report = await writeReport(dir);
  assert.equal(report.html, join(dir, 'report.html'));
  assert.equal(report.figures.length, 14, '7 figures × (SVG + PNG)');
  for (const f of report.figures) {
    const bytes = readFileSync(f);
    if (f.endsWith('.png'))
      assert.deepEqual([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
    else assert.match(bytes.toString('utf8'), /^<svg[^>]*>.*<\/svg>$/s);
  }
  const svg = readFileSync(join(dir, 'figures', 'fig4b.svg'), 'utf8');
  assert.match(svg, /maximum received \(Mpps\)/, 'axis title with its unit');
  assert.match(svg, /linux-bridge · udp-mmsg/, 'legend');

  const html = readFileSync(report.html, 'utf8');
  assert.doesNotMatch(
    html,
    /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!vega\.github\.io\/schema)[^"'\s]*\.(js|css)/,
    'nothing to fetch: opens offline',
  );
  assert.ok(html.length > 800_000, 'vega, vega-lite and vega-embed are inlined');
  for (const id of ['fig4a', 'fig4b', 'fig4c', 'fig4e', 'fig4f', 'table2', 'fig6'])
    assert.match(html, new RegExp(`<figure id="${id}">`));
  assert.match(html, /<b>fig5a-c<\/b>: no local latency results/, 'left-out figures are listed with why');
  assert.match(
    html,
    /<b>CaseFailed<\/b> <code>throughput\/local\/1vs1\/linux-bridge\/udp\/512B\/max\/b32\/r0<\/code>: failed: receiver exited with status 1/,
  );
  assert.match(html, /<th>cpuModel<\/th><td>Synthetic CPU @ 2.40GHz<\/td>/, 'the environment manifest');
  assert.match(html, /Table 2 — socket techniques/);
  // The paper sweep's capacities at 64 B, one pair: raw-mmsg 450k, udp-mmsg 400k (mean of 1 and 0.98 over two repetitions).
  assert.match(
    html,
    /Best throughput path \(local, 64 B, 1vs1\): linux-bridge · raw-mmsg at 445\.5 kpps: ×1\.13 the rate of the next, linux-bridge · udp-mmsg \(396\.0 kpps\)\./,
    'the headline names the best path and by how much',
  );
  assert.match(
    html,
    /<p class="takeaway">Raw sockets, sendmmsg\/recvmmsg best at 446 kpps, ×1\.50 [^<]+ \(297 kpps\)\.<\/p>/,
    'Table 2 has its takeaway',
  );
  assert.ok(html.indexOf('id="skipped"') > html.indexOf('id="environment"'), 'figures left out come last');
  const headers = [...html.matchAll(/<th class="(?:left|right)(?: extra)?" data-key="([^"]+)" data-group="([^"]+)"/g)];
  assert.deepEqual(
    headers.map((m) => m[1]).sort(),
    EXPORT_COLUMNS.map((c) => c.key).sort(),
    "the HTML table uses the exporters' column list",
  );
  const groups = headers.map((m) => m[2]!);
  assert.deepEqual(
    groups.filter((g, i) => g !== groups[i - 1]),
    [...COLUMN_GROUPS],
    'its columns stand in their groups, each group once and in order',
  );
  const spans = [...html.matchAll(/<th class="group[^"]*" data-group="([^"]+)" data-main="(\d+)" data-all="(\d+)"/g)];
  assert.deepEqual(
    spans.map((m) => [m[1], Number(m[3])]),
    COLUMN_GROUPS.map((g) => [g, groups.filter((x) => x === g).length]),
    'one group header over all of its columns',
  );
});

test('warnings: CPU sharing, unsteady seconds, a sender short of its rate', async () => {
  const dir = results([
    { rate: 100_000, txPps: 100_000, rxPps: 100_000, cpuShared: true },
    { rate: 200_000, txPps: 150_000, rxPps: 150_000 },
    { rate: 'max', txPps: 500_000, rxPps: 400_000, rxShape: [1, 0.6, 1.4] },
  ]);
  const html = readFileSync((await writeReport(dir)).html, 'utf8');
  assert.match(html, /<b>CpuShared<\/b> <code>[^<]*100000pps[^<]*<\/code>: apps shared CPUs.*<code>pairs<\/code>/);
  assert.match(
    html,
    /<b>TxBelowTarget<\/b> <code>[^<]*200000pps[^<]*<\/code>: senders reached 150\.0 kpps of the 200\.0 kpps asked for \(25\.0 % short\).*<code>backends<\/code>: udp-mmsg/,
  );
  assert.match(html, /<b>Unsteady<\/b> <code>[^<]*\/max\/[^<]*<\/code>: rx rate varied 40\.0 %/);
});

test('a second report of the same directory removes figures that are no longer drawn', async () => {
  const dir = results(paperSweep());
  await writeReport(dir);
  assert.ok(existsSync(join(dir, 'figures', 'fig4e.svg')));
  rmSync(join(dir, 'results.sqlite'));
  rmSync(join(dir, 'results.sqlite-wal'), { force: true });
  rmSync(join(dir, 'results.sqlite-shm'), { force: true });
  writeResults([{ rate: 'max', txPps: 1000, rxPps: 1000 }], { dir });
  const again = await writeReport(dir);
  assert.ok(again.skipped.some((s) => s.figure === 'fig4e'));
  assert.equal(existsSync(join(dir, 'figures', 'fig4e.svg')), false);
  assert.equal(existsSync(join(dir, 'figures', 'fig4e.png')), false);
});

test('nfvperf report and export', async () => {
  const dir = results(paperSweep());
  const r = await nfvperf(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^report: ${dir}/report.html\\nfigures: fig4a, fig4b, fig4c, fig4e, fig4f, table2, fig6 `),
  );
  assert.match(r.stdout, /left out fig5a-c: no local latency results/);
  assert.ok(existsSync(join(dir, 'report.html')));

  const csv = await nfvperf(['export', dir, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.equal(lines[0], EXPORT_COLUMNS.map((c) => c.key).join(','));
  assert.equal(lines.length, 1 + paperSweep().length);
  const header = lines[0]!.split(',');
  const first = lines[1]!.split(',');
  const field = (k: string) => first[header.indexOf(k)];
  assert.equal(field('case'), 'throughput/local/1vs1/linux-bridge/udp/64B/100000pps/b32/r0');
  assert.equal(field('rxMpps'), '0.1');
  assert.equal(field('ratePps'), '100000');
  assert.equal(field('cyclesPerPacket'), '', 'no TSC frequency: empty, not 0');
  assert.match(lines[lines.length - 1]!, /,failed,receiver exited with status 1,/);

  const out = join(dir, 'cases.json');
  const json = await nfvperf(['export', dir, '--format', 'json', '--output', out]);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
  assert.equal(rows.length, paperSweep().length);
  assert.deepEqual(
    Object.keys(rows[0]!),
    EXPORT_COLUMNS.map((c) => c.key),
  );
  assert.equal(rows[2]!.ratePps, 'max');
  assert.equal(rows[rows.length - 1]!.rxMpps, null);

  const bad = await nfvperf(['export', dir, '--format', 'xml']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'nfvperf: Expected --format to be one of csv, json, hdr, got `xml`\n');
  const missing = await nfvperf(['report', join(dir, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^nfvperf: no results in .*nope: .*results\.sqlite does not exist/);
});

test('nfvperf compare flags regressions; --fail-on-regression exits 1', async () => {
  const base = (rxPps: number, repetition = 0): SynthCase => ({ rate: 'max', txPps: rxPps, rxPps, repetition });
  const a = results([base(100_000), { ...base(50_000), backend: 'udp-mmsg' }]);
  const same = results([base(98_000), { ...base(51_000), backend: 'udp-mmsg' }]);
  const worse = results([base(90_000), { ...base(51_000), backend: 'udp-mmsg' }]);

  const ok = await nfvperf(['compare', a, same, '--fail-on-regression']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /0 regressions, 0 improvement\(s\), 2 cases compared/);

  const bad = await nfvperf(['compare', a, worse, '--fail-on-regression']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /udp\/64B\/max\/b32\s+0\.1000\s+0\.0900\s+0\.900\s+-\s+REGRESSION: more than 5\.0 % lower/);
  assert.equal((await nfvperf(['compare', a, worse])).code, 0, 'flagged, but only --fail-on-regression fails');
  assert.equal((await nfvperf(['compare', a, worse, '--threshold', '15', '--fail-on-regression'])).code, 0);

  const json = await nfvperf(['compare', a, worse, '--json']);
  const rows = JSON.parse(json.stdout) as { case: string; verdict: string; ratio: number }[];
  assert.deepEqual(
    rows.map((r) => r.verdict),
    ['regression', 'unchanged'],
  );

  const reps = (values: number[]) => results(values.map((v, i) => base(v, i)));
  const noisy = await nfvperf([
    'compare',
    reps([100_000, 110_000, 90_000]),
    reps([97_000, 107_000, 87_000]),
    '--threshold',
    '1',
    '--fail-on-regression',
  ]);
  assert.equal(noisy.code, 0, 'a 3 % drop inside the 95 % CI is not a regression');
  assert.match(noisy.stdout, /includes 1/);

  const badThreshold = await nfvperf(['compare', a, same, '--threshold', 'lots']);
  assert.equal(badThreshold.code, 2);
  assert.match(badThreshold.stderr, /Expected --threshold to be a percentage in \[0, 100\), got `lots`/);
});

test('search cases: the trace figure, the Search results table, the generator-limited warning, the NDR/PDR export columns', async () => {
  const found = await modelSearch({ capacityPps: 350_000 });
  const limited = await modelSearch({ capacityPps: 500_000, generatorPps: 300_000 });
  const cases: SynthCase[] = [
    { rate: 100_000, txPps: 100_000, rxPps: 100_000 },
    { rate: 'search', backend: 'udp-mmsg', txPps: 0, rxPps: 0, search: found },
    { rate: 'search', backend: 'udp', txPps: 0, rxPps: 0, search: limited },
  ];
  const dir = results(cases);
  const report = await writeReport(dir);
  for (const id of ['search1', 'search2']) {
    assert.ok(
      report.figures.includes(join(dir, 'figures', `${id}.svg`)) &&
        report.figures.includes(join(dir, 'figures', `${id}.png`)),
    );
  }
  const svg = readFileSync(join(dir, 'figures', 'search1.svg'), 'utf8');
  assert.match(svg, /rate asked per sender \(kpps, log\)/);
  assert.match(svg, /high loss for ndr only/, 'legend');

  const html = readFileSync(report.html, 'utf8');
  assert.match(html, /<figure id="search1">\n<h3>Search trace 1 — linux-bridge · udp-mmsg · 64 B/);
  assert.match(html, /<a href="#search">Search results<\/a>/);
  const rows = [...html.matchAll(/<tr[^>]* data-case="([^"]+)" data-goal="([^"]+)">(.*?)<\/tr>/g)];
  assert.deepEqual(
    rows.map((r) => [r[1]!.split('/')[4], r[2]]),
    [
      ['udp-mmsg', 'ndr'],
      ['udp-mmsg', 'pdr'],
      ['udp', 'ndr'],
      ['udp', 'pdr'],
    ],
  );
  const cells = (row: string) => [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!);
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  for (const [i, search] of [
    [0, found],
    [1, found],
    [2, limited],
    [3, limited],
  ] as const) {
    const g = search.goals[i % 2]!;
    const c = cells(rows[i]![3]!);
    assert.equal(c[1], g.name);
    assert.equal(c[2], g.name === 'ndr' ? '0 %' : '0.5 %');
    assert.equal(c[3], fmt(g.lowerBoundPps!));
    assert.equal(c[4], fmt(g.upperBoundPps!));
    assert.equal(c[5], `${(g.relativeWidth! * 100).toFixed(2)} %`);
    assert.equal(c[6], fmt(g.conditionalThroughputPps!));
    assert.equal(c[7], (g.conditionalThroughputPps! / 1e6).toFixed(4));
    assert.equal(c[9], `${g.trials} of ${search.totalTrials}`);
    assert.equal(c[10], g.status);
    assert.equal(c[11], g.generatorLimited ? '<b>yes</b>' : 'no');
  }
  assert.ok(
    limited.goals.every((g) => g.generatorLimited) && found.goals.every((g) => !g.generatorLimited),
    'the models',
  );
  assert.match(
    html,
    /<li><code>[^<]*\/udp\/64B\/search\/[^<]*<\/code>, goal <b>ndr<\/b> \(upper bound [\d,]+ packets\/s\): the sender fell short of the rate at the upper bound, with no loss counted on the path; on this kernel path the sender&#39;s CPU also does the path&#39;s forwarding/,
  );
  assert.doesNotMatch(html, /udp-mmsg\/64B\/search\/[^<]*<\/code>, goal <b>ndr<\/b>: the generator/);
  assert.match(
    html,
    /<b>GeneratorLimited<\/b> <code>[^<]*\/udp\/64B\/search\/[^<]*<\/code>: search goals ndr, pdr: the sender fell short of the rate at the upper bound, with no loss counted on the path; on this kernel path/,
  );

  const csv = await nfvperf(['export', dir, '--format', 'json']);
  assert.equal(csv.code, 0, csv.stderr);
  const exported = JSON.parse(csv.stdout) as Record<string, unknown>[];
  assert.deepEqual(
    exported.map((r) => [r.ratePps, r.ndrLowerPps, r.pdrLowerPps]),
    [
      [100_000, null, null],
      ['search', found.goals[0]!.lowerBoundPps, found.goals[1]!.lowerBoundPps],
      ['search', limited.goals[0]!.lowerBoundPps, limited.goals[1]!.lowerBoundPps],
    ],
  );

  // A later report of the same directory with fewer search cases removes the extra traces.
  for (const f of ['results.sqlite', 'results.sqlite-wal', 'results.sqlite-shm']) rmSync(join(dir, f), { force: true });
  writeResults(cases.slice(0, 2), { dir });
  const again = await writeReport(dir);
  assert.ok(existsSync(join(dir, 'figures', 'search1.svg')));
  assert.equal(existsSync(join(dir, 'figures', 'search2.svg')), false);
  assert.equal(existsSync(join(dir, 'figures', 'search2.png')), false);
  assert.equal(
    again.skipped.some((s) => s.figure.startsWith('search')),
    false,
  );
});

test('a run without a search case says so in place of the Search results table, after what the run has', async () => {
  const html = readFileSync((await writeReport(results([{ rate: 'max', txPps: 1000, rxPps: 1000 }]))).html, 'utf8');
  assert.match(html, /<section id="search" class="empty"><h2>Search results<\/h2><p>No search case in this run/);
  const order = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    order,
    ['headline', 'summary', 'maxima', 'figures', 'paper', 'warnings', 'environment', 'search', 'latency', 'skipped'],
    'the sections this run has nothing for come after those it has, the figures left out last',
  );
  assert.deepEqual(
    [...html.matchAll(/<nav>(.*)<\/nav>/g)].flatMap((m) => [...m[1]!.matchAll(/href="#([^"]+)"/g)].map((h) => h[1])),
    order,
    'the navigation in the same order',
  );
  assert.match(html, /<b>search<\/b>: no search case \(plan <code>search<\/code>/);
  assert.doesNotMatch(html, /<figure id="search/);
});
