// Faults, for real: a killed orchestrator, a killed app, an interrupted run resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appPids, startRun } from '../helpers/spawn.js';

const plan = (name: string, extra = '') =>
  `name: ${name}\nrates: [10000]\nbackends: [udp-mmsg, udp]\nduration: 1\nwarmup: 0\ncooldown: 0\n${extra}`;
const summaryOf = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;

test('SIGKILL leaves resources; the next run refuses; cleanup removes exactly them; resume finishes', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': plan('killed', 'duration: 3\n').replace('duration: 1\n', '') });
  const out = join(dir, 'out');
  const run = startRun([join(dir, 'p.yaml'), '--out', out]);
  await run.waitFor(/running/);
  await new Promise((r) => setTimeout(r, 800)); // apps are up
  run.child.kill('SIGKILL');
  await run.exit();

  const left = hostState();
  assert.ok(left.netns.length > before.netns.length, 'the killed run left namespaces');

  const refused = await nfvperf(['run', join(dir, 'p.yaml'), '--out', join(dir, 'other')]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /run `nfvperf cleanup` first/);

  const dry = await nfvperf(['cleanup', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would remove netns nfp-/);
  assert.deepEqual(hostState().netns, left.netns, '--dry-run removes nothing');

  const cleanup = await nfvperf(['cleanup']);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  assert.match(cleanup.stdout, /removed netns nfp-/);
  assertNoLeaks(before);
  assert.equal((await nfvperf(['cleanup'])).stdout, 'nothing to clean up\n', 'cleanup is idempotent');

  const resumed = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(
    summaryOf(out).cases.map((c) => [c.backend, c.status]),
    [
      ['udp-mmsg', 'ok'],
      ['udp', 'ok'],
    ],
  );
  assertNoLeaks(before);
});

test('an app killed mid-case fails that case with the reason; the run goes on', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': plan('appkill', 'duration: 3\n').replace('duration: 1\n', '') });
  const out = join(dir, 'out');
  const run = startRun([join(dir, 'p.yaml'), '--out', out]);
  await run.waitFor(/running/);
  let victims: number[] = [];
  for (let i = 0; i < 100 && victims.length === 0; i++) {
    victims = appPids('recv');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(victims.length, 1, 'one receiver running');
  process.kill(victims[0]!, 'SIGKILL');
  assert.equal(await run.exit(), 1, run.output());
  const cases = summaryOf(out).cases;
  assert.equal(cases[0]!.status, 'failed');
  assert.match(cases[0]!.error!, /receiver 0 exited during the case \(killed by SIGKILL\)/);
  assert.equal(cases[1]!.status, 'ok', 'the next case ran');
  assertNoLeaks(before);

  // Resume runs the failed case again and replaces its record; the ok one is kept as it was.
  const resumed = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /1 of 2 cases already measured, 1 to run/);
  const after = summaryOf(out).cases;
  assert.deepEqual(
    after.map((c) => [c.backend, c.status]),
    [
      ['udp-mmsg', 'ok'],
      ['udp', 'ok'],
    ],
  );
  assert.deepEqual(after[1], cases[1], 'the case measured before is untouched');
  assertNoLeaks(before);
});

test('Ctrl-C then --resume runs only the remaining cases; a changed plan cannot resume', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': plan('resume') });
  const out = join(dir, 'out');
  const run = startRun([join(dir, 'p.yaml'), '--out', out]);
  await run.waitFor(/1\/2 .*rx /);
  run.child.kill('SIGINT');
  assert.equal(await run.exit(), 130);
  assert.equal(summaryOf(out).cases.length, 1);

  writeFileSync(join(dir, 'changed.yaml'), plan('resume').replace('rates: [10000]', 'rates: [20000]'));
  const changed = await nfvperf(['run', join(dir, 'changed.yaml'), '--out', out, '--resume']);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /the plan differs .*rates \(\[10000\] → \[20000\]\)/);

  const resumed = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /1 of 2 cases already measured, 1 to run/);
  const summary = summaryOf(out);
  assert.equal(summary.run.outcome, 'completed');
  assert.deepEqual(
    summary.cases.map((c) => c.status),
    ['ok', 'ok'],
  );
  assertNoLeaks(before);
});

test('a full disk mid-run: clear error, exit 1, the database keeps the completed case', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': plan('full') });
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  try {
    const out = join(mnt, 'out');
    const run = startRun([join(dir, 'p.yaml'), '--out', out]);
    await run.waitFor(/1\/2 .*rx /);
    // Fill the file system while the second case runs.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      /* ENOSPC: full */
    }
    assert.equal(await run.exit(), 1, run.output());
    assert.match(
      run.output(),
      /cannot store results in .* \(no space left on the device\); the cases stored before this one are intact/,
    );
    assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
    assertNoLeaks(before);
    rmSync(join(mnt, 'filler'));
    const db = new Database(join(out, 'results.sqlite'));
    try {
      assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
      assert.deepEqual(db.prepare('SELECT backend, status FROM cases').all(), [{ backend: 'udp-mmsg', status: 'ok' }]);
    } finally {
      db.close();
    }
  } finally {
    execFileSync('umount', [mnt]);
  }
});

test('Ctrl-C twice, or at random moments of a case: always torn down completely', async () => {
  const before = hostState();
  const seed = Date.now() % 1000;
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const delays = [random() * 300, 300 + random() * 1000, 1300 + random() * 1000];
  for (const [i, delayMs] of delays.entries()) {
    const dir = tempDir({ 'p.yaml': plan(`sig${i}`) });
    const run = startRun([join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
    await run.waitFor(/running/);
    await new Promise((r) => setTimeout(r, delayMs));
    run.child.kill('SIGINT');
    if (i === 0) run.child.kill('SIGINT'); // a second Ctrl-C: hurry, still complete
    assert.equal(await run.exit(), 130, `seed ${seed}, delay ${delayMs} ms: ${run.output()}`);
    assertNoLeaks(before);
  }
});
