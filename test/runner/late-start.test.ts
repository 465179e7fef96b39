// Senders start beside their receivers on a kernel path (case.ts runTraffic, eager): a receiver
// up after the epoch could miss the first frames, so that stretch is dropped and run again with
// the receivers first. Forced here with a zero start margin: the record holds only the second
// stretch's two apps, and every frame it sent was received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPlan, type Case } from '../../src/plan/expand.js';
import { planSchema } from '../../src/plan/schema.js';
import { runCase, StartMargins } from '../../src/runner/case.js';
import { LocalHost } from '../../src/runner/case-host.js';
import { runtimeFor } from '../../src/testbed/containers.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { newRunToken, runNames } from '../../src/testbed/names.js';
import { Resources } from '../../src/testbed/resources.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

/** Margins that leave no time at all: every receiver is up after the epoch. */
class NoMargin extends StartMargins {
  override marginMs(_c: Case): number {
    return 0;
  }
}

test('a receiver up after the epoch: the traffic runs again, receivers first, and loses nothing', async () => {
  const before = hostState();
  const plan = planSchema.parse({
    name: 'late',
    switches: 'linux-bridge',
    backends: 'udp',
    rates: 10_000,
    duration: 1,
    warmup: 0,
    cooldown: 0,
  });
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const log: string[] = [];
  const [c] = expandPlan(plan);
  try {
    const containers = await runtimeFor('netns').prepare(resources, names);
    const host = new LocalHost({ names, ledger, topology: readTopology(), containers });
    const record = await runCase(c!, {
      hosts: [host],
      signal: new AbortController().signal,
      startMargins: new NoMargin(),
      log: (line) => log.push(line),
    });
    assert.equal(record.status, 'ok', record.error);
    assert.deepEqual(
      log.filter((l) => l.includes('after the epoch')),
      [`${c!.id}: a receiver started after the epoch; its traffic runs again, receivers first`],
    );
    const summaries = record.summaries.map((s) => ({
      role: s.role,
      ...(JSON.parse(s.json) as { txPackets?: number; rxPackets?: number; lost?: number }),
    }));
    assert.deepEqual(
      summaries.map((s) => s.role).sort(),
      ['recv', 'send'],
      'the dropped stretch left nothing in the record',
    );
    const send = summaries.find((s) => s.role === 'send')!;
    const recv = summaries.find((s) => s.role === 'recv')!;
    assert.ok(send.txPackets! > 0);
    assert.deepEqual([recv.rxPackets, recv.lost], [send.txPackets, 0], 'every frame of the second stretch received');
  } finally {
    assert.deepEqual(await resources.releaseAll(), []);
    assert.ok(ledger.close(), 'the ledger lists nothing left open');
  }
  assertNoLeaks(before);
});
