// Benchmark (issue #15): the polling switches measured as RFC 2544 testers measure them — one tester
// core owning both ports, the switch's poller on the other core. Per switch (OVS-DPDK, basicfwd):
// nfvperf's `layout: tester` case (runCase, exactly as `nfvperf run` runs it, dpdk backend, 64 B,
// rate max) against dpdk-testpmd as the tester on two ports of one process through the same switch
// built by the same driver, same CPUs, interleaved (A B A B …), medians; and nfvperf's
// `layout: pairs` case beside them (the old figure, three pollers on two cores).
//
// testpmd as a one-core tester: forward mode flowgen on two ports (one flow): each port's stream
// receives and discards what arrives, then generates a burst out of the other port to its peer's
// MAC. Traffic thus flows both ways (testpmd has no mode that only sends on one port and only
// receives on the other with one core); the figure is the frames received per second over both
// ports, which is the same work per frame as nfvperf's tester (one transmit and one receive per
// frame delivered, one switch forward each).
//
//   npm run build && node dist/bench/tester.js [--rounds 5] [--seconds 3] [--switches ovs,basicfwd]
//     [--contenders tester,testpmd,pairs]
import { loadavg } from 'node:os';
import { expandPlan, type Case } from '../src/plan/expand.js';
import { parsePlan } from '../src/plan/load.js';
import { runCase } from '../src/runner/case.js';
import { LocalHost } from '../src/runner/case-host.js';
import { appFilePrefix, vdevFor } from '../src/switches/dpdk-port.js';
import { connectPair } from '../src/switches/types.js';
import { driverFor, SWITCH_NAMES, type SwitchName } from '../src/switches/index.js';
import { runtimeFor } from '../src/testbed/containers.js';
import { assignCpus, readTopology } from '../src/testbed/cpus.js';
import { Ledger, readLedgers } from '../src/testbed/ledger.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { createContainer } from '../src/testbed/netns.js';
import { Resources } from '../src/testbed/resources.js';
import { median, numberOption, stringOption } from './common.js';
import { Testpmd } from './testpmd.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);
const SWITCHES = (stringOption('--switches') ?? 'ovs,basicfwd').split(',') as SwitchName[];
for (const sw of SWITCHES) {
  if (!SWITCH_NAMES.includes(sw)) {
    process.stderr.write(`bench: --switches: unknown switch ${sw} (known: ${SWITCH_NAMES.join(', ')})\n`);
    process.exit(2);
  }
}
const CONTENDERS = (stringOption('--contenders') ?? 'tester,testpmd,pairs').split(',');
const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const topology = readTopology();

/** One case of `layout` through `sw`, as `nfvperf run` expands it (dpdk backend, 64 B, rate max). */
function caseFor(sw: string, layout: 'tester' | 'pairs'): Case {
  const parsed = parsePlan(
    `name: bench-tester\nswitches: [${sw}]\nbackends: [dpdk]\nlayout: [${layout}]\npacketSizes: [64]\n` +
      `rates: [max]\nduration: ${SECONDS}\nwarmup: 1\ncooldown: 0\n`,
  );
  const cases = expandPlan(parsed.plan);
  if (cases.length !== 1) throw new Error(`expected one case, got ${cases.length}`);
  return cases[0]!;
}

/** Runs one case in a run token of its own; its receive rate, or NaN with the reason logged. */
async function nfvperfCase(c: Case): Promise<{ pps: number; cpuShared: boolean }> {
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  try {
    const containers = await runtimeFor(c.containers).prepare(resources, names);
    const r = await runCase(c, {
      hosts: [new LocalHost({ names, ledger, topology, containers })],
      signal: new AbortController().signal,
    });
    if (r.status !== 'ok' || !r.throughput) {
      log(`  ${c.id}: ${r.error ?? 'no figures'}`);
      return { pps: NaN, cpuShared: r.cpuShared };
    }
    return { pps: r.throughput.rxPps, cpuShared: r.cpuShared };
  } finally {
    await resources.releaseAll();
    ledger.close();
  }
}

/** Sums each statistics block's Rx-pps over the ports; the blocks with traffic, first and last dropped. */
function testpmdRxPps(output: string): number[] {
  const blocks = output.split(/#+ NIC statistics for port 0/).slice(1);
  const sums = blocks.map((b) => [...b.matchAll(/Rx-pps:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0));
  const flowing = sums.filter((v) => v > 0);
  return flowing.length > 2 ? flowing.slice(1, -1) : flowing;
}

/** dpdk-testpmd flowgen on both ports of a fresh switch: the tester on CPU 0, the switch's poller on CPU 1. */
async function testpmdTester(sw: SwitchName): Promise<number> {
  const driver = driverFor(sw);
  if (!driver) throw new Error(`no driver ${sw}`);
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const cpus = assignCpus(topology, 2).cpus;
  let testpmd: Testpmd | undefined;
  try {
    const instance = await driver.start({ names, resources, cpus: cpus.slice(1) });
    const tx = await createContainer(resources, names, 's', 0);
    const rx = await createContainer(resources, names, 'r', 0);
    const ports = await connectPair(instance, tx, rx);
    testpmd = new Testpmd(undefined, {
      cpu: cpus[0]!,
      filePrefix: appFilePrefix(names, 's', 0),
      vdev: ports.map((p, i) => vdevFor(p, [tx, rx][i]!.mac, i)!),
      mode: 'flowgen',
      ethPeer: [rx.mac, tx.mac],
      extra: ['--flowgen-flows=1', '--nb-cores=1'],
    });
    await testpmd.ready();
    await new Promise((res) => setTimeout(res, (1 + SECONDS + 2) * 1000));
    await testpmd.stop();
    const pps = testpmdRxPps(testpmd.output);
    if (pps.length === 0) throw new Error(`testpmd reported no rate:\n${testpmd.output.slice(-1500)}`);
    return median(pps);
  } finally {
    await testpmd?.stop();
    const errors = await resources.releaseAll();
    ledger.close();
    if (errors.length > 0) throw errors[0];
  }
}

log(`switches ${SWITCHES.join(', ')}, ${ROUNDS} rounds, ${SECONDS} s steady; load average ${load()}`);
const results = new Map<string, number[]>();
const push = (k: string, v: number) => results.set(k, [...(results.get(k) ?? []), v]);
/** Each contender's one measurement through a switch: rx frames per second, NaN when it failed. */
const MEASURES: Record<string, (sw: SwitchName) => Promise<{ pps: number; cpuShared?: boolean }>> = {
  tester: (sw) => nfvperfCase(caseFor(sw, 'tester')),
  testpmd: (sw) =>
    testpmdTester(sw).then(
      (pps) => ({ pps }),
      (e: unknown) => {
        log(`  testpmd: ${e instanceof Error ? e.message : String(e)}`);
        return { pps: NaN };
      },
    ),
  pairs: (sw) => nfvperfCase(caseFor(sw, 'pairs')),
};
for (const name of CONTENDERS) {
  if (!MEASURES[name]) {
    process.stderr.write(`bench: --contenders: unknown ${name} (known: ${Object.keys(MEASURES).join(', ')})\n`);
    process.exit(2);
  }
}
for (let round = 1; round <= ROUNDS; round++) {
  for (const sw of SWITCHES) {
    for (const name of CONTENDERS) {
      const m = await MEASURES[name]!(sw);
      push(`${sw}|${name}`, m.pps);
      log(`round ${round} ${sw} ${name}: ${(m.pps / 1e6).toFixed(3)} Mpps${m.cpuShared ? ' (cpu shared)' : ''}`);
    }
  }
}

const fmt = (v: number) => (Number.isNaN(v) ? '-' : (v / 1e6).toFixed(3));
const med = (k: string) => {
  const ok = (results.get(k) ?? []).filter((v) => !Number.isNaN(v));
  return ok.length > 0 ? median(ok) : NaN;
};
const lines = [
  `64 B, rate max, dpdk backend, medians of ${ROUNDS} interleaved rounds; load average at the end ${load()}`,
];
for (const sw of SWITCHES) {
  const t = med(`${sw}|tester`);
  const p = med(`${sw}|testpmd`);
  lines.push(
    `${sw}:`,
    `  nfvperf layout tester:        ${fmt(t)} Mpps  all: ${(results.get(`${sw}|tester`) ?? []).map(fmt).join(' ')}`,
    `  dpdk-testpmd flowgen tester:  ${fmt(p)} Mpps  all: ${(results.get(`${sw}|testpmd`) ?? []).map(fmt).join(' ')}`,
    ...(CONTENDERS.includes('pairs')
      ? [
          `  nfvperf layout pairs:         ${fmt(med(`${sw}|pairs`))} Mpps  all: ${(results.get(`${sw}|pairs`) ?? []).map(fmt).join(' ')}`,
        ]
      : []),
    `  ratio tester / testpmd: ${Number.isNaN(t / p) ? '-' : (t / p).toFixed(2)} (issue target ≥ 0.9, and ≥ 2 Mpps)`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
