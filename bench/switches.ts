// Benchmark: every switch driver that runs here, with each backend it supports, unpaced (rate
// max), 1vs1: received Mpps at 64 B and Gbps at 1500 B, each case exactly as `nfvperf run` runs
// it (runCase: fresh containers and switch per case, steady-state figures), interleaved over the
// rounds (every case once per round), medians. Then, per polling switch (OVS-DPDK, VPP with
// vhost-user ports, VPP with memif ports), nfvperf against dpdk-testpmd through the same switch
// built by the same driver (txonly → rxonly on the ports the driver hands out, the same CPUs as
// the nfvperf case), right after that switch's 64 B dpdk case in every round (A B A B …), with the
// ratio (issue target: ≥ 0.9).
//
//   npm run build && node dist/bench/switches.js [--rounds 3] [--seconds 2]
//     [--switches linux-bridge,memif,…] [--backends udp-mmsg,dpdk,…] [--no-testpmd]
import { parsePlan } from '../src/plan/load.js';
import { expandPlan, type Case } from '../src/plan/expand.js';
import type { BackendName } from '../src/plan/schema.js';
import { runCase } from '../src/runner/case.js';
import { LocalHost } from '../src/runner/case-host.js';
import { driverFor, SWITCH_DRIVERS } from '../src/switches/index.js';
import { connectPair, type SwitchDriver } from '../src/switches/types.js';
import { appBackends } from '../src/testbed/probes.js';
import { assignCpus, readTopology } from '../src/testbed/cpus.js';
import { Ledger, readLedgers } from '../src/testbed/ledger.js';
import { runtimeFor } from '../src/testbed/containers.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { createContainer } from '../src/testbed/netns.js';
import { Resources } from '../src/testbed/resources.js';
import { startTestpmdPair, type Testpmd } from './testpmd.js';
import { median } from './common.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(option('--rounds') ?? 3);
const SECONDS = Number(option('--seconds') ?? 2);
const ONLY_SWITCHES = option('--switches')?.split(',');
const ONLY_BACKENDS = option('--backends')?.split(',');
for (const [name, v] of [
  ['--rounds', ROUNDS],
  ['--seconds', SECONDS],
] as const) {
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`bench: expected ${name} to be a positive integer, got ${option(name)}\n`);
    process.exit(2);
  }
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const topology = readTopology();

/** One measured case: its rx figures, or why it failed. */
interface Measure {
  rxPps: number;
  rxGbps: number;
  cpuShared: boolean;
  error?: string;
}

/** The cases of one switch and backend at 64 and 1500 B, as `nfvperf run` expands them. */
function casesFor(sw: string, backend: string): Case[] {
  const parsed = parsePlan(
    `name: bench\nswitches: [${sw}]\nbackends: [${backend}]\npacketSizes: [64, 1500]\nrates: [max]\n` +
      `duration: ${SECONDS}\nwarmup: 1\ncooldown: 0\n`,
  );
  return expandPlan(parsed.plan);
}

/** Runs one case in a run token of its own (as a one-case run would). */
async function measure(c: Case): Promise<Measure> {
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const runResources = new Resources(ledger);
  try {
    const containers = await runtimeFor(c.containers).prepare(runResources, names);
    const r = await runCase(c, {
      hosts: [new LocalHost({ names, ledger, topology, containers })],
      signal: new AbortController().signal,
    });
    if (r.status !== 'ok' || !r.throughput)
      return { rxPps: NaN, rxGbps: NaN, cpuShared: r.cpuShared, error: r.error ?? 'no figures' };
    return { rxPps: r.throughput.rxPps, rxGbps: r.throughput.rxGbps, cpuShared: r.cpuShared };
  } finally {
    await runResources.releaseAll();
    ledger.close();
  }
}

/** The switches dpdk-testpmd is run through: their drivers hand out ports testpmd's vdevs open. */
const TESTPMD_SWITCHES = ['ovs', 'vpp', 'vpp-memif'];

/**
 * dpdk-testpmd txonly → rxonly through a fresh switch built by its driver (the same code and
 * CPUs as a case of that switch: sender, receiver, then the switch's worker). Returns the
 * receiver's median Rx-pps over the run, first and last report dropped.
 */
async function testpmdThrough(driver: SwitchDriver): Promise<number> {
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const apps: Testpmd[] = [];
  const cpus = assignCpus(topology, 3).cpus;
  try {
    const sw = await driver.start({ names, resources, cpus: cpus.slice(2) });
    const s = await createContainer(resources, names, 's', 0);
    const r = await createContainer(resources, names, 'r', 0);
    const [sp, rp] = await connectPair(sw, s, r);
    const { tx, rx } = await startTestpmdPair(
      names,
      { c: s, port: sp, cpu: cpus[0]! },
      { c: r, port: rp, cpu: cpus[1]! },
      apps,
    );
    // As long as an nfvperf case sends: warm-up + steady seconds, plus a report on each side.
    await new Promise((res) => setTimeout(res, (1 + SECONDS + 2) * 1000));
    await tx.stop();
    await rx.stop();
    // testpmd's reporting thread shares its CPU with the forwarding one: on a host whose CPUs all
    // poll it may print only one or two reports, which are then all there is to go by.
    const reports = [...rx.output.matchAll(/Rx-pps:\s+(\d+)/g)].map((m) => Number(m[1])).filter((v) => v > 0);
    const pps = reports.length > 2 ? reports.slice(1, -1) : reports;
    if (pps.length === 0) throw new Error(`testpmd rxonly reported no rate:\n${rx.output.slice(-1000)}`);
    return median(pps);
  } finally {
    for (const a of apps) await a.stop();
    const errors = await resources.releaseAll();
    ledger.close();
    if (errors.length > 0) throw errors[0];
  }
}

// ---- which cases ----------------------------------------------------------------------------
const built = appBackends().backends;
const probes = await Promise.all(SWITCH_DRIVERS.map(async (d) => ({ d, p: await d.probe() })));
const combos: { sw: string; backend: string }[] = [];
for (const { d, p } of probes) {
  if (ONLY_SWITCHES && !ONLY_SWITCHES.includes(d.name)) continue;
  if (!p.available) {
    log(`not run: ${d.name}: ${p.reason}`);
    continue;
  }
  for (const b of d.backends.filter(
    (x: BackendName) => built.includes(x) && (!ONLY_BACKENDS || ONLY_BACKENDS.includes(x)),
  )) {
    combos.push({ sw: d.name, backend: b });
  }
}
const cases = combos.flatMap(({ sw, backend }) => casesFor(sw, backend));
const withTestpmd = args.includes('--no-testpmd')
  ? []
  : TESTPMD_SWITCHES.filter((sw) => combos.some((c) => c.sw === sw && c.backend === 'dpdk'));
log(
  `${cases.length} cases × ${ROUNDS} rounds${withTestpmd.length > 0 ? `, plus testpmd through ${withTestpmd.join(', ')}` : ''}; load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);

// ---- rounds: every case once per round (A B C … A B C …) ---------------------------------------
const results = new Map<string, Measure[]>();
const key = (c: Case) => `${c.switch}|${c.backend}|${c.packetSize}`;
/** Per switch run through testpmd too: nfvperf's 64 B rx pps and testpmd's, round by round. */
const paired = new Map(withTestpmd.map((sw) => [sw, { nfvperf: [] as number[], testpmd: [] as number[] }]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of cases) {
    const m = await measure(c);
    results.set(key(c), [...(results.get(key(c)) ?? []), m]);
    log(
      `round ${round}/${ROUNDS} ${c.switch} ${c.backend} ${c.packetSize} B: ${m.error ? `failed: ${m.error}` : `rx ${(m.rxPps / 1e6).toFixed(3)} Mpps, ${m.rxGbps.toFixed(3)} Gbps`}${m.cpuShared ? ' (cpu shared)' : ''}`,
    );
    const pair = paired.get(c.switch);
    if (pair && c.backend === 'dpdk' && c.packetSize === 64) {
      // testpmd right after the same round's 64 B case of this switch: A B A B on the same CPUs.
      pair.nfvperf.push(m.error ? NaN : m.rxPps);
      const tp = await testpmdThrough(driverFor(c.switch)!).catch((e: unknown) => {
        log(`testpmd failed: ${e instanceof Error ? e.message : String(e)}`);
        return NaN;
      });
      pair.testpmd.push(tp);
      log(
        `round ${round}/${ROUNDS} testpmd txonly → rxonly through ${c.switch} 64 B: rx ${(tp / 1e6).toFixed(3)} Mpps`,
      );
    }
  }
}

// ---- table ------------------------------------------------------------------------------------
const med = (ms: Measure[] | undefined, f: (m: Measure) => number) => {
  const ok = (ms ?? []).filter((m) => !m.error).map(f);
  return ok.length > 0 ? median(ok) : NaN;
};
const fmt = (v: number, d: number) => (Number.isNaN(v) ? '-' : v.toFixed(d));
const lines = [
  `1vs1, rate max, ${SECONDS} s steady (+1 s warm-up) per case, medians of ${ROUNDS} interleaved rounds; ` +
    `load average at the end ${(await import('node:os'))
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  `${'switch'.padEnd(13)}${'backend'.padEnd(10)}${'64 B rx Mpps'.padStart(13)}${'1500 B rx Gbps'.padStart(16)}  cpu shared  all 64 B Mpps / failures`,
];
for (const { sw, backend } of combos) {
  const m64 = results.get(`${sw}|${backend}|64`);
  const m1500 = results.get(`${sw}|${backend}|1500`);
  const shared = [...(m64 ?? []), ...(m1500 ?? [])].some((m) => m.cpuShared);
  const failures = [...(m64 ?? []), ...(m1500 ?? [])].filter((m) => m.error).length;
  lines.push(
    `${sw.padEnd(13)}${backend.padEnd(10)}${fmt(
      med(m64, (m) => m.rxPps / 1e6),
      3,
    ).padStart(13)}${fmt(
      med(m1500, (m) => m.rxGbps),
      3,
    ).padStart(16)}  ` +
      `${(shared ? 'yes' : 'no').padEnd(10)}  ${(m64 ?? []).map((m) => fmt(m.rxPps / 1e6, 3)).join(' ')}${failures ? ` / ${failures} failed: ${[...(m64 ?? []), ...(m1500 ?? [])].find((m) => m.error)!.error}` : ''}`,
  );
}
for (const [sw, runs] of paired) {
  const a = median(runs.nfvperf.filter((v) => !Number.isNaN(v)));
  const b = median(runs.testpmd.filter((v) => !Number.isNaN(v)));
  lines.push(
    '',
    `${sw} 64 B, 1vs1, same switch and CPUs, ${ROUNDS} interleaved rounds (A B A B), medians:`,
    `  nfvperf-app send → recv (dpdk):   ${fmt(a / 1e6, 3)} Mpps  all: ${runs.nfvperf.map((v) => fmt(v / 1e6, 3)).join(' ')}`,
    `  dpdk-testpmd txonly → rxonly:     ${fmt(b / 1e6, 3)} Mpps  all: ${runs.testpmd.map((v) => fmt(v / 1e6, 3)).join(' ')}`,
    `  ratio nfvperf / testpmd: ${fmt(a / b, 2)} (issue target ≥ 0.9)`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
