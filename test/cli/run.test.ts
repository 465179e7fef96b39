// End to end, for real: the `nfvperf` executable builds namespaces and a bridge, runs the native
// apps, stores results, and leaves the host as it found it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary } from '../../src/store/summary.js';
import { summaryDocumentOf } from '../../src/analysis/summary-document.js';
import { loadRun } from '../../src/store/run-data.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { assertRunTotals } from '../helpers/results.js';
import { NFVPERF, nfvperf, tempDir } from '../helpers/cli.js';

const TWO_CASES = `name: e2e
switches: [linux-bridge]
backends: [udp, udp-mmsg]
packetSizes: [64]
rates: [20000]
bursts: [16]
duration: 2
warmup: 1
cooldown: 1
`;

test('runs a two-case plan for real and stores consistent results', async () => {
  const before = hostState();
  const dir = tempDir({ 'plan.yaml': TWO_CASES });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /rx Mpps/);
  assert.ok(existsSync(join(out, 'report.html')), 'the report is drawn at the end of the run');
  assert.ok(!existsSync(join(out, 'results.sqlite-wal')), 'results.sqlite alone holds the results');

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.run.outcome, 'completed');
  assert.equal(summary.cases.length, 2);
  assert.deepEqual(
    summary.cases.map((c) => c.backend),
    ['udp', 'udp-mmsg'],
  );
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', c.error);
    const t = c.throughput!;
    assert.ok(t.rxPps > 0, 'packets arrived');
    // Loss is the receivers' sequence gaps; that it never exceeds what was sent and not received
    // holds on run totals (assertRunTotals), not per window, where a loaded machine moves queued
    // packets across the edges.
    assert.equal(t.lossRatio > 0, t.lostPackets > 0, 'a loss ratio only with lost packets');
    // Paced: never above the rate (below it only when the machine starves the sender).
    assert.ok(t.txPps <= 20000 * 1.01, `paced at 20 kpps, sent ${t.txPps}`);
    assert.ok(Math.abs(t.rxGbps - (t.rxPps * 64 * 8) / 1e9) < 1e-9, 'Gbps counts whole 64-byte frames');
    assert.equal(t.steadySeconds, 2);
  }

  assertRunTotals(join(out, 'results.sqlite'));
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    assert.deepEqual(summaryDocumentOf(loadRun(db)), summary, 'summary.json matches the database');
    const perApp = db
      .prepare(`SELECT case_id, role, pair, SUM(steady) AS steady FROM samples GROUP BY case_id, role, pair`)
      .all() as { steady: number }[];
    assert.equal(perApp.length, 4, 'a sender and a receiver per case');
    assert.ok(
      perApp.every((a) => a.steady === 2),
      'two steady seconds per app',
    );
    const env = db
      .prepare(`SELECT key FROM environment`)
      .all()
      .map((e) => (e as { key: string }).key);
    for (const key of ['kernel', 'cpuModel', 'node', 'nfvperf']) assert.ok(env.includes(key), `manifest has ${key}`);
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});

test('a plan with a wrong field exits 2 with file:line:col and touches nothing', async () => {
  const before = hostState();
  const dir = tempDir({ 'bad.yaml': 'name: bad\npacketSizes: [64, 20]\nratez: [1]\n' });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'bad.yaml'), '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^\S+bad\.yaml:2:19 packetSizes\[1\]: expected at least 60 bytes, got 20/);
  assert.match(r.stderr, /bad\.yaml:3:1 ratez: unknown field; did you mean rates\?/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false, 'no output directory created');
  assertNoLeaks(before);
});

test('a switch that cannot run here is refused before the host is touched', async () => {
  const dir = tempDir({ 'p.yaml': 'name: p\nswitches: [linux-bridge, vale]\n' });
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /p\.yaml:2:26 switches\[1\]: switch vale is unavailable here: .+ \(fix: .+\)/);
  assert.equal(existsSync(join(dir, 'out')), false);
});

test('a missing plan, an unwritable --out and a non-root user each get one clear line', async () => {
  const missing = await nfvperf(['run', '/nonexistent/plan.yaml']);
  assert.equal(missing.code, 2, missing.stderr);
  assert.equal(missing.stderr, 'nfvperf: cannot read plan /nonexistent/plan.yaml: no such file\n');

  const dir = tempDir({ 'p.yaml': 'name: p\nduration: 1\n' });
  chmodSync(dir, 0o755); // readable by the unprivileged user below
  const unwritable = await nfvperf(['run', join(dir, 'p.yaml'), '--out', '/proc/version/out']);
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.stderr, /^nfvperf: cannot write to --out \/proc\/version\/out: \w+\n$/);

  const user = await nfvperf(['run', join(dir, 'p.yaml'), '--out', join(dir, 'out')], { user: 'nobody' });
  assert.equal(user.code, 2, user.stderr);
  assert.match(user.stderr, /^nfvperf: nfvperf run needs root/);
});

test('--dry-run lists the cases with their tuples', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': 'name: p\npacketSizes: [64, 1500]\nrates: [1000, max]\n' });
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^4 cases/);
  assert.match(r.stdout, /\(throughput, local, 1vs1, linux-bridge, 1500, max, 32\)/);
  assertNoLeaks(before);
});

test('schema prints the JSON Schema of plans', async () => {
  const r = await nfvperf(['schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as {
    properties: Record<string, unknown>;
    additionalProperties: boolean;
    required: string[];
  };
  assert.deepEqual(schema.required, ['name']);
  assert.equal(schema.additionalProperties, false);
  for (const key of ['pairs', 'switches', 'backends', 'packetSizes', 'rates', 'bursts', 'touchData'])
    assert.ok(key in schema.properties, key);
});

test('Ctrl-C mid-case tears down, keeps completed cases and exits 130', async () => {
  const before = hostState();
  const dir = tempDir({
    'p.yaml': 'name: sig\nrates: [10000]\nbackends: [udp-mmsg, udp]\nduration: 1\nwarmup: 0\ncooldown: 0\n',
  });
  const out = join(dir, 'out');
  const child = spawn(process.execPath, [NFVPERF, 'run', join(dir, 'p.yaml'), '--out', out, '--plain'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Interrupt while the second case runs: after the first case's result line appears.
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`first case never finished: ${stderr}`));
    }, 30_000);
    const poll = setInterval(() => {
      if (/1\/2 .*rx /.test(stderr)) {
        clearInterval(poll);
        clearTimeout(deadline);
        setTimeout(resolve, 700);
      }
    }, 50);
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.run.outcome, 'interrupted');
  assert.deepEqual(
    summary.cases.map((c) => c.status),
    ['ok'],
    'the completed case is kept, the interrupted one is not stored',
  );
  assertNoLeaks(before);
});
