// History across run directories (written as a run writes them): a history database gathers
// them once each, trend reads it, and compare says when two runs are not comparable and why, and
// takes a history as its baseline (--fail-on-regression).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryDb, loadHistory, readRunDirs, seriesOf } from '../../src/store/history.js';
import { ENVIRONMENT, writeResults } from '../report/synthetic.js';
import { nfvperf } from '../helpers/cli.js';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** One run directory: udp at max with this rx rate (two repetitions around it), on this kernel. */
function run(rxPps: number, kernel = ENVIRONMENT.kernel!): string {
  const dir = writeResults(
    [
      { backend: 'udp', packetSize: 64, rate: 'max', txPps: rxPps * 1.2, rxPps: rxPps * 1.01, repetition: 0 },
      { backend: 'udp', packetSize: 64, rate: 'max', txPps: rxPps * 1.2, rxPps: rxPps * 0.99, repetition: 1 },
    ],
    { environment: { ...ENVIRONMENT, kernel } },
  );
  made.push(dir);
  return dir;
}

test('history: one point per run and case (the mean of its repetitions), a run added twice counts once', () => {
  const dirs = [run(100_000), run(102_000), run(98_000)];
  const runs = readRunDirs(dirs);
  assert.equal(runs.length, 3);
  const [series] = seriesOf(runs);
  assert.equal(series!.metric, 'rxPps');
  assert.deepEqual(
    series!.points.map((p) => [Math.round(p.value), p.repetitions]),
    [
      [100_000, 2],
      [102_000, 2],
      [98_000, 2],
    ],
  );

  const file = join(mkdtempSync(join(tmpdir(), 'nfp-history-')), 'history.sqlite');
  made.push(join(file, '..'));
  const db = new HistoryDb(file);
  assert.equal(db.add(runs), 3);
  assert.equal(db.add(readRunDirs(dirs.slice(1))), 0, 'already there');
  db.close();
  assert.equal(
    loadHistory({ dirs: [dirs[0]!], db: file }).length,
    3,
    'a run both in the database and given as a directory counts once',
  );
  assert.throws(
    () => new HistoryDb(join(dirs[0]!, 'results.sqlite')),
    /not an nfvperf history database \(it is a run's results\.sqlite/,
  );
});

test('CLI: history --db, trend, and compare against the history with --fail-on-regression; compare says what makes runs not comparable', async () => {
  const steady = [run(100_000), run(101_000), run(99_000), run(100_500)];
  const file = join(mkdtempSync(join(tmpdir(), 'nfp-history-')), 'history.sqlite');
  made.push(join(file, '..'));
  const h = await nfvperf(['history', '--db', file, ...steady]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stderr, /4 runs added/);
  assert.match(h.stdout, /throughput\/local\/1vs1\/linux-bridge\/udp\/64B\/max\/b32\s+rx rate \(Mpps\)\s+4/);

  const trend = await nfvperf(['trend', '--db', file, '--json']);
  assert.equal(trend.code, 0, trend.stderr);
  const [t] = JSON.parse(trend.stdout) as { changes: unknown[]; newest: { inside: boolean } }[];
  assert.deepEqual(t!.changes, []);
  assert.equal(t!.newest.inside, true);

  const ok = await nfvperf(['compare', file, run(100_200), '--fail-on-regression']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /unchanged: inside the 95 % interval of the last 4 runs/);
  const slow = await nfvperf(['compare', file, run(90_000), '--fail-on-regression']);
  assert.equal(slow.code, 1, slow.stdout + slow.stderr);
  assert.match(slow.stdout, /REGRESSION: below the 95 % interval/);

  const other = await nfvperf(['compare', steady[0]!, run(100_000, 'Linux 6.18.0'), '--json']);
  assert.equal(other.code, 0, other.stderr);
  const [cmp] = JSON.parse(other.stdout) as { comparable: boolean; notComparableBecause: string[] }[];
  assert.deepEqual([cmp!.comparable, cmp!.notComparableBecause], [false, ['kernel: Linux 6.1.0 → Linux 6.18.0']]);
  const same = await nfvperf(['compare', steady[0]!, steady[1]!]);
  assert.match(same.stdout, /the runs are comparable/);
});
