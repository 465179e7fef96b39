// `nfvperf run --skip-unavailable`: a plan naming a switch that cannot run here (vale: the netmap module
// cannot load here) runs its other cases and records vale's as skipped with the probe's reason, in the
// database, summary.json, the table on stdout and the report's warnings. Without the flag the
// plan is refused (test/cli/run.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary } from '../../src/store/summary.js';
import { vale } from '../../src/switches/vale.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const PLAN =
  'name: skip\nswitches: [veth, vale]\nbackends: [udp-mmsg]\nrates: [20000]\nduration: 1\nwarmup: 0\ncooldown: 0\n';

test('--skip-unavailable records vale as skipped with its reason and runs the rest', async () => {
  const probe = await vale.probe();
  assert.equal(probe.available, false, 'vale needs the netmap kernel module, which the test machines cannot load');
  const before = hostState();
  const dir = tempDir({ 'p.yaml': PLAN });
  const out = join(dir, 'out');

  const dry = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out, '--dry-run', '--skip-unavailable']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /veth, .+ r0\n.+vale, .+ r0 {2}skipped: switch vale is unavailable here/);

  // --cpufreq-performance too: on a host without cpufreq (ours) the run goes on and says so.
  const r = await nfvperf([
    'run',
    join(dir, 'p.yaml'),
    '--out',
    out,
    '--plain',
    '--skip-unavailable',
    '--cpufreq-performance',
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const noCpufreq = !existsSync('/sys/devices/system/cpu/cpu0/cpufreq');
  if (noCpufreq) assert.match(r.stderr, /note: this host has no cpufreq/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  // The probe's reason and fix, as `nfvperf doctor` gives them (the hugepage part of it may change
  // while other runs share the host, netmap's absence does not).
  const reason = summary.cases[1]?.error ?? '';
  const firstMissing = probe.reason!.split('; ')[0]!;
  assert.ok(
    reason.startsWith(`switch vale is unavailable here: ${firstMissing}`) && reason.includes(' (fix: '),
    reason,
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.switch, c.status, c.error ?? null]),
    [
      ['veth', 'ok', null],
      ['vale', 'skipped', reason],
    ],
  );
  assert.equal(summary.cases[1]!.throughput, null);
  assert.ok(summary.cases[0]!.throughput!.rxPps > 0, 'the veth case ran');
  assert.match(r.stdout, /skipped: switch vale is unavailable here/, 'the table shows it');
  assert.match(r.stdout, /1 of 2 cases skipped/);
  assert.match(
    readFileSync(join(out, 'report.html'), 'utf8'),
    /<b>CaseSkipped<\/b> <code>[^<]*vale[^<]*<\/code>: skipped: switch vale is unavailable here/,
  );
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT switch, status, error FROM cases ORDER BY id`).all() as {
      switch: string;
      status: string;
      error: string | null;
    }[];
    assert.deepEqual(
      rows.map((x) => [x.switch, x.status, x.error]),
      [
        ['veth', 'ok', null],
        ['vale', 'skipped', reason],
      ],
    );
    const env = db.prepare(`SELECT value FROM environment WHERE key = 'cpufreqGovernor'`).get() as { value: string };
    if (noCpufreq) assert.equal(env.value, 'no cpufreq');
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});
