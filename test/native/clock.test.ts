// The pacing clock: the start line says which clock paces (the TSC where it is invariant) and its
// rate; a paced run of d seconds offers rate × d frames (its last burst cut to fit); a sender
// held up longer than the catch-up bound records a stall and drops the backlog instead of
// bursting it out; --sched fifo runs the app as a real-time task and says so, and such a sender
// sleeps even when its bursts are too close to sleep between (clock.c: RT throttling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AppProcess } from '../../src/apps/app.js';

const INVARIANT_TSC = /^flags\s*:.*\bconstant_tsc\b.*\bnonstop_tsc\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

function sender(rate: number, durationS: number, extra: string[] = []) {
  // To a closed loopback port: nothing needs to listen to measure the sender's schedule.
  return new AppProcess({
    role: 'send',
    label: 'sender',
    pair: 0,
    args: [
      '--local',
      '127.0.0.1:0',
      '--remote',
      '127.0.0.1:9',
      '--rate',
      String(rate),
      '--burst',
      '1',
      '--duration',
      String(durationS),
      '--interval-ms',
      '100',
      ...extra,
    ],
  });
}

test('the start line names the clock: the TSC with its rate where it is invariant, else clock_gettime', async () => {
  const auto = sender(1000, 0.2);
  const gettime = sender(1000, 0.2, ['--clock', 'gettime']);
  assert.ok((await auto.waitExit(5000)) && (await gettime.waitExit(5000)));
  assert.equal(auto.exitCode, 0, auto.stderr);
  const clock = auto.start!.clock!;
  assert.equal(clock.source, INVARIANT_TSC ? 'tsc' : 'clock_gettime');
  if (INVARIANT_TSC) assert.ok(clock.tscHz! > 1e8 && clock.tscHz! < 1e10, `tscHz ${clock.tscHz}`);
  assert.equal(gettime.start!.clock!.source, 'clock_gettime');
  if (INVARIANT_TSC) {
    // Each process calibrates on its own: the two rates agree to well within 0.01%.
    const other = gettime.start!.clock!.tscHz!;
    assert.ok(
      Math.abs(other - clock.tscHz!) < 1e-4 * clock.tscHz!,
      `${other} vs ${clock.tscHz}: reported whichever clock paces`,
    );
  }
});

test('a sender stopped for 400 ms counts a stall and does not send the backlog', async () => {
  const rate = 2000;
  const send = sender(rate, 1.5);
  await send.waitReady(5000);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(send.pid!, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 400));
  process.kill(send.pid!, 'SIGCONT');
  assert.ok(await send.waitExit(5000));
  assert.equal(send.exitCode, 0, send.stderr);
  const s = send.summary!;
  assert.ok((s.stalls ?? 0) >= 1, `stalls ${s.stalls}`);
  // Catching up would have offered all 1.5 s worth; dropping the backlog leaves ≥ 0.3 s out.
  const offered = (s.txPackets ?? 0) + (s.unsent ?? 0);
  assert.ok(offered <= rate * (1.5 - 0.3), `offered ${offered} of ${rate * 1.5}`);
});

test('a paced run offers rate × duration frames: the last burst holds only the frames due before the end', async () => {
  // 1050 frames due in 1.05 s: not a multiple of the burst (32), so whole bursts would offer 1056.
  const send = sender(1000, 1.05, ['--burst', '32']);
  assert.ok(await send.waitExit(5000));
  assert.equal(send.exitCode, 0, send.stderr);
  const s = send.summary!;
  const offered = (s.txPackets ?? 0) + (s.unsent ?? 0);
  if ((s.stalls ?? 0) === 0) assert.equal(offered, 1050);
  else assert.ok(offered < 1050, `a stall drops frames from the schedule, never adds any: offered ${offered}`);
});

test('a sender behind its schedule when its duration ends sends what was due before the end first', async () => {
  // Stopped from 8 ms before its end to 8 ms after it (16 ms: within the 20 ms catch-up bound),
  // it still owes the last 8 ms of frames when it runs again, and sends them: rate × duration.
  const rate = 2000;
  for (let attempt = 1; ; attempt++) {
    // An epoch ahead: the schedule starts at it, not at a start-up some frames late.
    const send = sender(rate, 1, ['--epoch-ns', String(process.hrtime.bigint() + 300_000_000n)]);
    await send.waitReady(5000);
    const endNs = BigInt(send.start!.epochNs) + 1_000_000_000n;
    const at = (ns: bigint) =>
      new Promise((r) => setTimeout(r, Math.max(0, Number(ns - process.hrtime.bigint()) / 1e6)));
    await at(endNs - 8_000_000n);
    process.kill(send.pid!, 'SIGSTOP');
    const stoppedBeforeEnd = process.hrtime.bigint() < endNs - 1_000_000n;
    await at(endNs + 8_000_000n);
    process.kill(send.pid!, 'SIGCONT');
    assert.ok(await send.waitExit(5000));
    assert.equal(send.exitCode, 0, send.stderr);
    const s = send.summary!;
    const offered = (s.txPackets ?? 0) + (s.unsent ?? 0);
    if (!stoppedBeforeEnd) {
      // This host's timers were too late to stop it before its end: try again.
      assert.ok(attempt < 3, 'three tries could not stop the sender before its end');
      continue;
    }
    if ((s.stalls ?? 0) === 0) assert.equal(offered, rate);
    else assert.ok(offered < rate, `a stall drops frames, never adds any: offered ${offered}`);
    return;
  }
});

test('--sched fifo: the app runs SCHED_FIFO and its start line says so; the default is other', async () => {
  const fifo = sender(1000, 0.2, ['--sched', 'fifo']);
  const other = sender(1000, 0.2);
  assert.ok((await fifo.waitExit(5000)) && (await other.waitExit(5000)));
  assert.equal(fifo.exitCode, 0, fifo.stderr);
  assert.equal(fifo.start!.sched, 'fifo');
  assert.equal(other.start!.sched, 'other');
  // The policy as the kernel reports it, read while the app runs: /proc/PID/stat field 41.
  const running = sender(1000, 2, ['--sched', 'fifo']);
  await running.waitReady(5000);
  const fields = readFileSync(`/proc/${running.start!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  assert.equal(fields[41 - 3], '1', 'policy SCHED_FIFO (1)');
  await running.stop();
});

test('a fifo sender whose bursts are too close to sleep between still sleeps, a break per 0.5 ms awake', async () => {
  // 50,000 frames/s in bursts of 1: a burst every 20 µs, under the 60 µs a real-time sender sleeps
  // for, so it would spin, and RT throttling would take 50 ms of each second from it in one piece.
  const running = sender(50000, 3, ['--sched', 'fifo']);
  await running.waitReady(5000);
  const voluntary = () =>
    Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(readFileSync(`/proc/${running.start!.pid}/status`, 'utf8'))![1]);
  await new Promise((r) => setTimeout(r, 500));
  const before = voluntary();
  await new Promise((r) => setTimeout(r, 1000));
  const slept = voluntary() - before;
  await running.stop();
  // A break after every 0.5 ms awake: ~1,800 a second; a spinning sender sleeps about never.
  assert.ok(slept >= 500, `slept ${slept} times in 1 s`);
});
