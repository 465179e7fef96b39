// summary.json as written: the database's per-case summary plus, for every tuple measured more
// than once (plan `repetitions`), the mean over its repetitions with a 95 % Student-t confidence
// interval — so a reader of the file gets the same aggregate the report shows.
import type { Summary, SummaryCase } from '../store/summary.js';
import type { CaseCpu } from './cpu.js';
import type { RunData } from '../store/run-data.js';
import { analyzeRun } from './index.js';
import { groupRepetitions } from './repetitions.js';
import { meanWithCi, type MeanCi } from './stats.js';

export interface RepetitionAggregate {
  /** The case id without its `/r<n>` tail. */
  tuple: string;
  repetitions: number;
  /** Repetitions that gave figures (status ok). */
  measured: number;
  rxPps: MeanCi | null;
  txPps: MeanCi | null;
  rxGbps: MeanCi | null;
  lossRatio: MeanCi | null;
  rttP50Us: MeanCi | null;
  rttP99Us: MeanCi | null;
}

/**
 * A case's CPU cost in summary.json: cores kept busy by the whole path, each component's share of
 * one CPU (apps "send 0"/"recv 0", switch threads by name, "softirq cpuN"/"irq cpuN"), and cycles
 * per received packet. `notInTotal` names the components whose time is already inside another's
 * (kernel time charged to the task it interrupted), which totalCores therefore leaves out.
 */
export interface SummaryCpu {
  totalCores: number | null;
  perComponent: Record<string, number>;
  notInTotal: string[];
  cyclesPerPacket: number | null;
  /** Layouts tester and chain: the switch's (and kernel's) cycles per packet per switch hop (analysis/cpu.ts). */
  switchCyclesPerHop?: number | null;
}

export type SummaryDocument = Omit<Summary, 'cases'> & {
  cases: (SummaryCase & { cpu: SummaryCpu | null })[];
  repetitions: RepetitionAggregate[];
};

export function summaryCpu(cpu: CaseCpu | null | undefined): SummaryCpu | null {
  if (!cpu) return null;
  const measured = cpu.components.filter((c) => c.cpus !== null);
  return {
    totalCores: cpu.totalCores,
    perComponent: Object.fromEntries(measured.map((c) => [c.name, c.cpus!])),
    notInTotal: measured.filter((c) => !c.inTotal).map((c) => c.name),
    cyclesPerPacket: cpu.cyclesPerPacket,
    ...(cpu.switchCyclesPerHop !== undefined ? { switchCyclesPerHop: cpu.switchCyclesPerHop } : {}),
  };
}

/** `cpuByCase`: each case's CPU cost by case id (analysis/index.ts); a case without one gets null. */
export function summaryDocument(
  summary: Summary,
  cpuByCase: ReadonlyMap<string, CaseCpu | null> = new Map(),
): SummaryDocument {
  const repetitions = groupRepetitions(summary.cases)
    .filter((g) => g.cases.length > 1)
    .map((g): RepetitionAggregate => {
      const latencies = g.cases.flatMap((c) => (c.latency ? [c.latency] : []));
      return {
        tuple: g.tupleKey,
        repetitions: g.cases.length,
        measured: g.measured + latencies.length,
        rxPps: g.rxPps,
        txPps: g.txPps,
        rxGbps: g.rxGbps,
        lossRatio: g.lossRatio,
        rttP50Us: meanWithCi(latencies.map((l) => l.p50Us)),
        rttP99Us: meanWithCi(latencies.map((l) => l.p99Us)),
      };
    });
  const cases = summary.cases.map((c) => ({ ...c, cpu: summaryCpu(cpuByCase.get(c.id)) }));
  return { ...summary, cases, repetitions };
}

/** summary.json of a loaded run: its summary with each case's CPU cost from the analysis. */
export function summaryDocumentOf(data: RunData): SummaryDocument {
  return summaryDocument(data.summary, new Map(analyzeRun(data).cases.map((a) => [a.case.id, a.cpu])));
}
