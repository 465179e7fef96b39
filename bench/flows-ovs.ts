// Benchmark: the flow-count effect through OVS (issue 16). One switch and one link stay up (built
// by the runner's own network code, as a case builds them); per round, each flow count in turn
// (1, 1000, 100000, 1, 1000, …: interleaved) runs one stretch unpaced at 64 B — by default a
// tester owning both ports (layout tester: the tester on one core, the PMD on the other; with
// --layout pairs a sender → receiver pair, three busy threads),
// with the PMD's counters cleared before and read after: received Mpps over the steady seconds,
// and what OVS's caches did — EMC hits, megaflow (dpcls) hits, upcalls and the PMD's cycles per
// packet. Medians over the rounds, and each count's ratio to one flow.
//
//   npm run build && flock /tmp/nfp-host.lock node dist/bench/flows-ovs.js [--rounds 3] [--seconds 3]
//     [--switch ovs|ovs-afxdp] [--backend dpdk|raw-mmsg] [--flows 1,1000,100000] [--layout tester|pairs] [--blocking]
//
// --blocking (pairs, not dpdk): the apps sleep in their I/O calls, and the PMD shares the
// receiver's CPU instead of the sender's: on a two-core host the sender and the PMD then each have a core.
import { loadavg } from 'node:os';
import { AppProcess } from '../src/apps/app.js';
import { expandPlan } from '../src/plan/expand.js';
import { parsePlan } from '../src/plan/load.js';
import { appArgs, appLaunches, type AppLaunch } from '../src/runner/app-argv.js';
import { buildNetwork } from '../src/runner/network.js';
import { caseTopology } from '../src/runner/topology.js';
import type { OvsInstance } from '../src/switches/ovs.js';
import { runtimeFor } from '../src/testbed/containers.js';
import { assignCpus, readTopology } from '../src/testbed/cpus.js';
import { Ledger, readLedgers } from '../src/testbed/ledger.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { Resources } from '../src/testbed/resources.js';
import { median, numberOption, stringOption } from './common.js';

const ROUNDS = numberOption('--rounds', 3);
const SECONDS = numberOption('--seconds', 3);
const SWITCH = stringOption('--switch') ?? 'ovs';
const BACKEND = stringOption('--backend') ?? (SWITCH === 'ovs' ? 'dpdk' : 'raw-mmsg');
const COUNTS = (stringOption('--flows') ?? '1,1000,100000').split(',').map(Number);
const BLOCKING = process.argv.includes('--blocking');
const LAYOUT = stringOption('--layout') ?? 'tester';
if ((LAYOUT !== 'tester' && LAYOUT !== 'pairs') || (BLOCKING && LAYOUT !== 'pairs')) {
  process.stderr.write('bench: --layout tester (default) or pairs; --blocking only with pairs\n');
  process.exit(2);
}
const TESTER = LAYOUT === 'tester';
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Measure {
  rxMpps: number;
  emcHits: number;
  megaflowHits: number;
  upcalls: number;
  cyclesPerPacket: number;
}

/** `ovs-appctl dpif-netdev/pmd-stats-show`: the numbers after each label, summed over PMDs. */
function pmdStats(text: string): Omit<Measure, 'rxMpps'> {
  const sum = (label: RegExp) => [...text.matchAll(label)].reduce((s, m) => s + Number(m[1]), 0);
  return {
    emcHits: sum(/emc hits:\s*(\d+)/g),
    megaflowHits: sum(/megaflow hits:\s*(\d+)/g),
    upcalls: sum(/miss with success upcall:\s*(\d+)/g),
    cyclesPerPacket: sum(/avg processing cycles per packet:\s*([\d.]+)/g),
  };
}

const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
const ledger = Ledger.open(names.token);
const resources = new Resources(ledger);
const topology = readTopology();
// Tester then the switch's PMD, or sender, receiver, then the PMD: as a case places them
// (blocking: the PMD beside the receiver, which sleeps until frames come).
const placed = assignCpus(topology, TESTER ? 2 : 3);
const cpus = TESTER
  ? [placed.cpus[0]!, placed.cpus[0]!, placed.cpus[1]!]
  : BLOCKING
    ? [placed.cpus[0]!, placed.cpus[1]!, placed.cpus[1]!]
    : placed.cpus;
const shared = placed.shared && !BLOCKING;
const results = new Map<number, Measure[]>(COUNTS.map((n) => [n, []]));
log(
  `${SWITCH} with ${BACKEND} apps, flows ${COUNTS.join(', ')}, ${ROUNDS} rounds of ${SECONDS} s steady; ` +
    `${TESTER ? `CPUs tester ${cpus[0]}` : `CPUs send ${cpus[0]} recv ${cpus[1]}`} pmd ${cpus[2]}${shared ? ' (shared: starved)' : ''}; load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
);
try {
  const containers = await runtimeFor('netns').prepare(resources, names);
  const net = await buildNetwork(
    {
      switch: SWITCH as 'ovs',
      backend: BACKEND as 'dpdk',
      links: 1,
      sides: ['s', 'r'],
      switchCpus: cpus.slice(2),
      appCpu: (side) => (side === 's' ? cpus[0]! : cpus[1]!),
    },
    { names, resources, containers },
  );
  const ovs = (net.sw as OvsInstance).ovs;
  const endpoint = (p: { side: 's' | 'r' }) => net.endpoints.find((e) => e.side === p.side)!;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const flows of COUNTS) {
      const [c] = expandPlan(
        parsePlan(
          `name: b\nswitches: [${SWITCH}]\nbackends: [${BACKEND}]\nlayout: ${LAYOUT}\nflows: [${flows}]\nrates: [max]\n` +
            `modes: [${BLOCKING ? 'blocking' : 'polling'}]\n` +
            `duration: ${SECONDS}\nwarmup: 1\ncooldown: 0\n`,
        ).plan,
      );
      const launches = appLaunches(
        caseTopology(c!),
        endpoint,
        { apps: cpus.slice(0, TESTER ? 1 : 2) },
        {
          rate: 'max',
          seconds: 1 + SECONDS,
        },
      );
      // DPDK apps take seconds to start: the sender waits for an epoch past that.
      const epochNs = process.hrtime.bigint() + 4_000_000_000n;
      // A two-port app starts on the host and enters its ports' namespaces itself (as runCase starts it).
      const start = (a: AppLaunch) =>
        new AppProcess({
          role: a.role,
          ...(a.rx ? {} : { netns: a.self.netns }),
          label: a.label,
          pair: 0,
          args: appArgs(c!, a),
          epochNs,
        });
      await ovs.appctl(['dpif-netdev/pmd-stats-clear']);
      const receiver = launches.find((a) => a.role === 'recv');
      const recv = receiver ? start(receiver) : undefined;
      await recv?.waitReady(30_000);
      const send = start(launches.find((a) => a.role !== 'recv')!);
      if (!(await send.waitExit(60_000))) throw send.failure('did not stop');
      const stats = pmdStats(await ovs.appctl(['dpif-netdev/pmd-stats-show']));
      await new Promise((r) => setTimeout(r, 300));
      await recv?.stop();
      for (const app of [send, ...(recv ? [recv] : [])]) if (app.exitCode !== 0) throw app.failure('failed');
      const steady = (recv ?? send).intervals.filter((i) => !i.partial && i.index >= 1 && i.index < 1 + SECONDS);
      const ns = steady.reduce((s, i) => s + Number(BigInt(i.endNs) - BigInt(i.startNs)), 0);
      const rx = steady.reduce((s, i) => s + (i.rxPackets ?? 0), 0);
      const m = { rxMpps: ns > 0 ? (rx / ns) * 1e3 : Number.NaN, ...stats };
      results.get(flows)!.push(m);
      const hits = m.emcHits + m.megaflowHits + m.upcalls;
      log(
        `round ${round}/${ROUNDS} flows ${flows}: rx ${m.rxMpps.toFixed(4)} Mpps; PMD: EMC ${((100 * m.emcHits) / hits).toFixed(1)} %, ` +
          `megaflow ${((100 * m.megaflowHits) / hits).toFixed(1)} %, upcalls ${m.upcalls}, ${m.cyclesPerPacket.toFixed(0)} cycles/packet`,
      );
    }
  }
} finally {
  const errors = await resources.releaseAll();
  ledger.close();
  if (errors.length > 0) log(`clean-up: ${errors.map(String).join('; ')}`);
}

const one = median(results.get(COUNTS[0]!)!.map((m) => m.rxMpps));
console.log(
  `${SWITCH}, ${BACKEND} apps${BLOCKING ? ' (blocking)' : ''}, ${TESTER ? '1tester' : '1vs1'}, 64 B, rate max, ${SECONDS} s steady per stretch, medians of ${ROUNDS} interleaved rounds; ` +
    `load average at the end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}${shared ? '; 3 busy threads on fewer cores (starved)' : ''}`,
);
console.log('   flows    rx Mpps  × 1 flow   EMC hit %   cycles/packet   all rx Mpps');
for (const [flows, ms] of results) {
  const med = median(ms.map((m) => m.rxMpps));
  const hits = (m: Measure) => (100 * m.emcHits) / (m.emcHits + m.megaflowHits + m.upcalls);
  console.log(
    `${String(flows).padStart(8)}  ${med.toFixed(4).padStart(9)}  ${(med / one).toFixed(3).padStart(8)}  ` +
      `${median(ms.map(hits)).toFixed(1).padStart(10)}  ${median(ms.map((m) => m.cyclesPerPacket))
        .toFixed(0)
        .padStart(14)}   ${ms.map((m) => m.rxMpps.toFixed(4)).join(' ')}`,
  );
}
