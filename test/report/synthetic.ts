// Synthetic results databases for the analysis and report tests: cases with known rates, CPU
// times and per-second shapes, stored through the real ResultsDb.saveCase, so what the tests read
// back went through the same schema and the same steady-state reduction as a real run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { throughputFigures } from '../../src/analysis/steady.js';
import { caseId, type Case } from '../../src/plan/expand.js';
import type { BackendName, SwitchName } from '../../src/plan/schema.js';
import {
  ResultsDb,
  type CaseRecord,
  type LatencyRunRecord,
  type StoredCpuSample,
  type StoredSample,
} from '../../src/store/db.js';
import { runExpandedSearch, type SearchResult } from '../../src/search/search.js';
import { expandSearch, searchSchema } from '../../src/plan/search-schema.js';

export interface SynthCase {
  dimension?: 'throughput' | 'latency';
  locality?: 'local' | 'remote';
  pairs?: number;
  switch?: SwitchName;
  backend?: BackendName;
  packetSize?: number;
  /** 5-tuples per sender (default 1). */
  flows?: number;
  rate: number | 'max' | 'search';
  burst?: number;
  repetition?: number;
  /** Total over pairs, packets/s. */
  txPps: number;
  rxPps: number;
  /** Multiplier of rxPps for each steady second (default all 1). */
  rxShape?: number[];
  /** Fraction of one CPU per app (each sender and receiver). */
  senderCpu?: { user: number; sys: number };
  receiverCpu?: { user: number; sys: number };
  cpuShared?: boolean;
  /** A switch thread's CPU share each second (stored as cpu_samples, as the runner's sampler does). */
  switchCpu?: number;
  /** Softirq share each second on CPU 0, where the sender runs (CPU plan: sender 0, receiver 1, switch 2). */
  softirqCpu?: number;
  status?: 'ok' | 'failed' | 'skipped';
  error?: string;
  /** Latency cases: the stored round-trip figures (no samples are written for them). */
  rttAvgUs?: number;
  /** Search cases (rate "search"): the search's result, stored as a real run stores it. */
  search?: SearchResult;
  /** Search cases: latency runs after the search, with their histograms. */
  latencyRuns?: LatencyRunRecord[];
}

export const WARMUP_S = 1;
export const DURATION_S = 3;
export const COOLDOWN_S = 1;

export function caseOf(index: number, s: SynthCase): Case {
  const tuple = {
    dimension: s.dimension ?? 'throughput',
    locality: s.locality ?? 'local',
    pairs: s.pairs ?? 1,
    switch: s.switch ?? 'linux-bridge',
    backend: s.backend ?? 'udp',
    packetSize: s.packetSize ?? 64,
    flows: s.flows ?? 1,
    rate: s.rate,
    burst: s.burst ?? 32,
    repetition: s.repetition ?? 0,
    mode: 'polling' as const,
    clientThreads: 1,
  };
  return {
    ...tuple,
    containers: 'netns',
    id: caseId(tuple),
    index,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    cooldownS: COOLDOWN_S,
    touchData: false,
    // A search case always carries its config, even one that failed before any trial.
    ...(s.rate === 'search'
      ? { search: s.search?.search ?? expandSearch(searchSchema.parse({ preset: 'quick', maxRatePps: 1_000_000 })) }
      : {}),
  };
}

export function caseRecord(index: number, s: SynthCase): CaseRecord {
  const c = caseOf(index, s);
  const status = s.status ?? 'ok';
  if (s.rate === 'search') {
    return {
      case: c,
      status,
      error: s.error,
      cpuShared: s.cpuShared ?? false,
      samples: [],
      summaries: [],
      throughput: null,
      latency: null,
      ...(status === 'ok' && s.search ? { search: s.search } : {}),
      ...(s.latencyRuns ? { latencyRuns: s.latencyRuns } : {}),
    };
  }
  if (s.rttAvgUs !== undefined) {
    const a = s.rttAvgUs;
    return {
      case: c,
      status,
      cpuShared: false,
      samples: [],
      summaries: [],
      throughput: null,
      latency: {
        samples: 3000,
        minUs: a * 0.8,
        avgUs: a,
        p50Us: a,
        p90Us: a * 1.2,
        p99Us: a * 1.5,
        p999Us: a * 2,
        maxUs: a * 3,
        txPackets: 3000,
        lostPackets: 0,
        latePackets: 0,
        unmatchedPackets: 0,
      },
    };
  }
  if (status !== 'ok')
    return {
      case: c,
      status,
      error: s.error,
      cpuShared: s.cpuShared ?? false,
      samples: [],
      summaries: [],
      throughput: null,
      latency: null,
    };
  const samples: StoredSample[] = [];
  const senderCpu = s.senderCpu ?? { user: 0.2, sys: 0.6 };
  const receiverCpu = s.receiverCpu ?? { user: 0.1, sys: 0.5 };
  for (let pair = 0; pair < c.pairs; pair++) {
    for (let second = 0; second < WARMUP_S + DURATION_S + COOLDOWN_S; second++) {
      const steady = second >= WARMUP_S && second < WARMUP_S + DURATION_S;
      const shape = steady ? (s.rxShape?.[second - WARMUP_S] ?? 1) : 0.5;
      const tx = Math.round(s.txPps / c.pairs);
      const rx = Math.round((s.rxPps / c.pairs) * shape);
      const common = {
        pair,
        second,
        startOffsetNs: second * 1e9,
        durationNs: 1e9,
        partial: false,
        steady,
        stalls: null,
        duplicates: null,
        foreign: null,
        late: null,
        unmatched: null,
        rtt: null,
      };
      samples.push({
        ...common,
        role: 'send',
        txPackets: tx,
        txBytes: tx * c.packetSize,
        unsent: 0,
        rxPackets: null,
        rxBytes: null,
        lost: null,
        reordered: null,
        corrupt: null,
        cpuUserUs: Math.round(senderCpu.user * 1e6),
        cpuSysUs: Math.round(senderCpu.sys * 1e6),
        stalls: 0,
      });
      samples.push({
        ...common,
        role: 'recv',
        txPackets: null,
        txBytes: null,
        unsent: null,
        rxPackets: rx,
        rxBytes: rx * c.packetSize,
        lost: Math.max(0, tx - rx),
        reordered: 0,
        corrupt: 0,
        cpuUserUs: Math.round(receiverCpu.user * 1e6),
        cpuSysUs: Math.round(receiverCpu.sys * 1e6),
        duplicates: 0,
        foreign: 0,
      });
    }
  }
  const cpuSamples: StoredCpuSample[] = [];
  for (let second = 0; second < WARMUP_S + DURATION_S + COOLDOWN_S; second++) {
    const common = {
      second,
      startOffsetNs: second * 1e9,
      durationNs: 1e9,
      steady: second >= WARMUP_S && second < WARMUP_S + DURATION_S,
    };
    if (s.switchCpu !== undefined)
      cpuSamples.push({
        ...common,
        component: 'ovs-vswitchd pmd-c02/id:8',
        kind: 'switch',
        cpu: null,
        busyUs: Math.round(s.switchCpu * 1e6),
      });
    if (s.softirqCpu !== undefined)
      cpuSamples.push({
        ...common,
        component: 'softirq cpu0',
        kind: 'softirq',
        cpu: 0,
        busyUs: Math.round(s.softirqCpu * 1e6),
      });
  }
  return {
    case: c,
    status,
    cpuShared: s.cpuShared ?? false,
    samples,
    summaries: [],
    cpuSamples,
    // With cpuShared the switch thread lands on the sender's CPU, as assignCpus does on two cores.
    cpus: { send: [0], recv: [1], ...(s.switchCpu !== undefined ? { switch: [s.cpuShared ? 0 : 2] } : {}) },
    throughput: throughputFigures(samples, { warmupS: WARMUP_S, durationS: DURATION_S }),
    latency: null,
  };
}

export const ENVIRONMENT: Record<string, string> = {
  hostname: 'synthetic',
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: 'Linux 6.1.0',
  cpuModel: 'Synthetic CPU @ 2.40GHz',
  node: 'v20.0.0',
  nfvperf: '0.1.0',
};

/** A fresh directory holding results.sqlite with these cases; returns the directory. */
export function writeResults(
  cases: readonly SynthCase[],
  options: { environment?: Record<string, string>; dir?: string; name?: string } = {},
): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'nfvperf-report-test-'));
  const db = new ResultsDb(join(dir, 'results.sqlite'));
  try {
    const runId = db.startRun({
      name: options.name ?? 'synthetic',
      planFile: 'synthetic.yaml',
      planYaml: '',
      planJson: '{}',
      version: '0.1.0',
      environment: options.environment ?? ENVIRONMENT,
    });
    cases.forEach((s, i) => db.saveCase(runId, caseRecord(i, s)));
    db.finishRun(runId, 'completed');
  } finally {
    db.close();
  }
  return dir;
}

/** Receive capacity (packets/s, one pair) of each backend at 64 B, for the paper-like sweep. */
export const CAPACITY_PPS: Record<string, number> = {
  udp: 300_000,
  'udp-mmsg': 400_000,
  raw: 350_000,
  'raw-mmsg': 450_000,
};

/**
 * A paper-like sweep on linux-bridge: four socket backends × 64 and 1500 B × 1 and 2 pairs ×
 * rates 100k, 200k, max × 2 repetitions; the receive rate saturates at a capacity that falls with
 * the packet size and grows (sub-linearly) with pairs. Plus a failed case.
 */
export function paperSweep(): SynthCase[] {
  const out: SynthCase[] = [];
  for (let repetition = 0; repetition < 2; repetition++) {
    for (const pairs of [1, 2]) {
      for (const backend of ['udp', 'udp-mmsg', 'raw', 'raw-mmsg'] as const) {
        for (const packetSize of [64, 1500]) {
          for (const rate of [100_000, 200_000, 'max'] as const) {
            const capacity =
              CAPACITY_PPS[backend]! *
              (packetSize === 64 ? 1 : 0.6) *
              (pairs === 1 ? 1 : 1.5) *
              (repetition === 0 ? 1 : 0.98);
            const txPps = rate === 'max' ? capacity * 1.25 : rate * pairs;
            out.push({
              pairs,
              backend,
              packetSize,
              rate,
              repetition,
              txPps,
              rxPps: Math.min(txPps, capacity),
              senderCpu: { user: 0.1, sys: rate === 'max' ? 0.9 : 0.4 },
              receiverCpu: { user: 0.1, sys: rate === 'max' ? 0.8 : 0.3 },
            });
          }
        }
      }
    }
  }
  out.push({
    backend: 'udp',
    packetSize: 512,
    rate: 'max',
    txPps: 0,
    rxPps: 0,
    status: 'failed',
    error: 'receiver exited with status 1',
  });
  return out;
}

/**
 * A real search (the engine itself) over a modelled path, per sender: the generator sends at most
 * `generatorPps`; the path forwards everything up to 95 % of `capacityPps`, loses a little more up
 * to the capacity (0 to 0.2 %), and drops whatever exceeds it.
 */
export async function modelSearch(options: {
  capacityPps: number;
  generatorPps?: number;
  search?: Record<string, unknown>;
}): Promise<SearchResult> {
  const config = searchSchema.parse({ preset: 'quick', maxRatePps: 1_000_000, ...options.search });
  const { capacityPps: cap, generatorPps = Infinity } = options;
  return runExpandedSearch(expandSearch(config), async (ratePps, durationS) => {
    const offeredPps = Math.min(ratePps, generatorPps);
    const lossRatio =
      offeredPps <= 0.95 * cap
        ? 0
        : offeredPps <= cap
          ? (0.002 * (offeredPps - 0.95 * cap)) / (0.05 * cap)
          : 1 - (0.998 * cap) / offeredPps;
    return { intendedPps: ratePps, offeredPps, receivedPps: offeredPps * (1 - lossRatio), lossRatio, durationS };
  });
}
