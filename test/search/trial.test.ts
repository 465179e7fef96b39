// A search trial's figures from its senders' counts (search/trial.ts), and the verdicts that say
// why a trial failed: lost or refused on the path, or the sender behind or refused by its own port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failedTrials, runSearch, type Measure, type RefusalOwner } from '../../src/search/search.js';
import { trialResult, type OriginCounts } from '../../src/search/trial.js';
import { searchSchema } from '../../src/plan/search-schema.js';
import { REFUSED_FRAMES_COUNT_AS } from '../../src/switches/types.js';

const origin = (o: Partial<OriginCounts>): OriginCounts => ({
  txPackets: 0,
  unsent: 0,
  stalls: 0,
  sendingS: 1,
  unsentCountsAs: 'generator-shortfall',
  ...o,
});

test("refused frames are the path's loss on a ring the switch empties, the generator's shortfall on a kernel port", () => {
  assert.deepEqual(REFUSED_FRAMES_COUNT_AS, {
    kernel: 'generator-shortfall',
    pci: 'path-loss',
    'vhost-user': 'path-loss',
    memif: 'path-loss',
  });
  // 1000 asked over 1 s: 950 accepted, 30 refused, 20 never offered; 940 received.
  const counts = { txPackets: 950, unsent: 30, stalls: 1 };
  const kernel = trialResult(1000, 1, [origin(counts)], 940);
  assert.deepEqual(kernel, {
    intendedPps: 1000,
    offeredPps: 950,
    receivedPps: 940,
    lossRatio: 1 - 940 / 950,
    durationS: 1,
    packets: {
      intended: 1000,
      sent: 950,
      received: 940,
      unsent: 30,
      stalls: 1,
      unsentCountsAs: 'generator-shortfall',
    },
  });
  const ring = trialResult(1000, 1, [origin({ ...counts, unsentCountsAs: 'path-loss' })], 940);
  assert.equal(ring.offeredPps, 980, 'the refused frames were offered to the path');
  assert.equal(ring.lossRatio, 1 - 940 / 980, 'and count as its loss');
  assert.equal(ring.packets!.unsentCountsAs, 'path-loss');
});

test('two senders: totals add, rates are per sender over the longer run, intended per sender run time', () => {
  const r = trialResult(
    1000,
    2,
    [origin({ txPackets: 1000, sendingS: 1 }), origin({ txPackets: 900, unsent: 50, stalls: 2, sendingS: 0.95 })],
    1900,
  );
  assert.deepEqual(r.packets, {
    intended: 1950,
    sent: 1900,
    received: 1900,
    unsent: 50,
    stalls: 2,
    unsentCountsAs: 'generator-shortfall',
  });
  assert.equal(r.offeredPps, 950);
  assert.equal(r.durationS, 1);
  assert.throws(
    () => trialResult(1000, 2, [origin({}), origin({ unsentCountsAs: 'path-loss' })], 0),
    /ports of different kinds/,
  );
  assert.throws(() => trialResult(1000, 1, [], 0), /no sender/);
});

/**
 * A path that forwards everything up to `pathPps` and refuses (at its ring) or drops the rest,
 * behind a sender whose port or pacer loses `senderShare` of what it is asked above `senderPps`.
 */
function countedPath(m: {
  owner: RefusalOwner;
  pathPps: number;
  pathRefuses: boolean;
  senderPps: number;
  senderRefuses: boolean;
}): Measure {
  return async (ratePps, durationS) => {
    const intended = Math.round(ratePps * durationS);
    const senderMax = Math.round(m.senderPps * durationS);
    const senderLoss = Math.max(0, intended - senderMax);
    // Frames the sender's own port refused, or never offered (its pacer fell behind).
    let unsent = m.senderRefuses ? senderLoss : 0;
    const offeredBySender = intended - senderLoss;
    const pathMax = Math.round(m.pathPps * durationS);
    const pathLoss = Math.max(0, offeredBySender - pathMax);
    const refusedByPath = m.pathRefuses ? pathLoss : 0;
    unsent += refusedByPath;
    const sent = offeredBySender - refusedByPath;
    const received = Math.min(sent, pathMax);
    return trialResult(
      ratePps,
      1,
      [
        {
          txPackets: sent,
          unsent,
          stalls: !m.senderRefuses && senderLoss > 0 ? 1 : 0,
          sendingS: durationS,
          unsentCountsAs: m.owner,
        },
      ],
      received,
    );
  };
}

const CONFIG = searchSchema.parse({ maxRatePps: 1e6 });

test('each failed trial says why: lost or refused on the path, sender behind or refused by its own port', async () => {
  const cases: { name: string; path: Parameters<typeof countedPath>[0]; above: string; limit: number }[] = [
    {
      name: 'the path drops',
      path: { owner: 'path-loss', pathPps: 300e3, pathRefuses: false, senderPps: 2e6, senderRefuses: false },
      above: 'path-loss',
      limit: 300e3,
    },
    {
      name: "the switch's ring refuses",
      path: { owner: 'path-loss', pathPps: 300e3, pathRefuses: true, senderPps: 2e6, senderRefuses: false },
      above: 'path-refused',
      limit: 300e3,
    },
    {
      name: 'the sender falls behind',
      path: { owner: 'generator-shortfall', pathPps: 2e6, pathRefuses: false, senderPps: 250e3, senderRefuses: false },
      above: 'sender-behind',
      limit: 250e3,
    },
    {
      name: "the sender's own socket refuses",
      path: { owner: 'generator-shortfall', pathPps: 2e6, pathRefuses: false, senderPps: 250e3, senderRefuses: true },
      above: 'sender-refused',
      limit: 250e3,
    },
  ];
  for (const c of cases) {
    const result = await runSearch(CONFIG, countedPath(c.path));
    const onPath = c.above.startsWith('path');
    // A shortfall within the generator tolerance (0.1 %) is not counted; any path loss fails NDR.
    const failsAbove = onPath ? c.limit : c.limit * 1.001;
    let failed = 0;
    for (const e of result.trace) {
      const expected = e.ratePps > failsAbove ? c.above : 'pass';
      if (expected !== 'pass') failed++;
      assert.equal(e.verdicts.ndr, expected, `${c.name}: trial at ${e.ratePps}: ${JSON.stringify(e.packets)}`);
      assert.equal(e.packets!.unsentCountsAs, c.path.owner, c.name);
    }
    const f = failedTrials(
      result.trace.map((e) => e.verdicts),
      'ndr',
    );
    assert.deepEqual(
      [f.pathLoss, f.generatorShortfall, f.byVerdict[c.above as keyof typeof f.byVerdict]],
      [onPath ? failed : 0, onPath ? 0 : failed, failed],
      `${c.name}: ${JSON.stringify(f)}`,
    );
    const ndr = result.goals.find((g) => g.name === 'ndr')!;
    assert.ok(ndr.lowerBoundPps! <= c.limit && ndr.upperBoundPps! > c.limit, `${c.name}: ${JSON.stringify(ndr)}`);
    // Refusals at the switch's ring are the path's: the generator stays accurate and the NDR is not its limit.
    assert.equal(ndr.generatorLimited, !onPath, c.name);
    if (onPath) assert.ok(ndr.lowerBoundToGeneratorRatio! < 0.5, `${c.name}: ${ndr.lowerBoundToGeneratorRatio}`);
    else assert.ok(ndr.lowerBoundToGeneratorRatio! > 0.99, `${c.name}: ${ndr.lowerBoundToGeneratorRatio}`);
  }
});

test('a trial that fails on the path does not make the goal generator-limited, even if the sender fell short too', async () => {
  // Above 300k the switch's ring refuses 5 % and the pacer misses 1 % (a stall): the path fails it.
  const result = await runSearch(CONFIG, async (ratePps, durationS) => {
    const intended = Math.round(ratePps * durationS);
    const [unsent, missed] = ratePps > 300e3 ? [Math.round(intended * 0.05), Math.round(intended * 0.01)] : [0, 0];
    const sent = intended - unsent - missed;
    const origin = { txPackets: sent, unsent, stalls: missed > 0 ? 1 : 0, sendingS: durationS };
    return trialResult(ratePps, 1, [{ ...origin, unsentCountsAs: 'path-loss' }], sent);
  });
  for (const e of result.trace) assert.equal(e.verdicts.ndr, e.ratePps > 300e3 ? 'path-refused' : 'pass');
  const ndr = result.goals.find((g) => g.name === 'ndr')!;
  assert.ok(ndr.upperBoundPps! > 300e3 && ndr.lowerBoundPps! <= 300e3, JSON.stringify(ndr));
  assert.ok(
    result.trace.some((e) => e.ratePps === ndr.upperBoundPps && e.generatorLimited),
    'the sender fell short at the upper bound too',
  );
  assert.equal(ndr.generatorLimited, false, 'but the path failed it');
});
