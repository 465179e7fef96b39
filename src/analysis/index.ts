// One run analysed: per case (spread of its steady seconds, CPU cost, warnings), per tuple
// (mean and CI over repetitions), per configuration (maximum throughput). Pure over RunData.
import type { SummaryCase } from '../store/summary.js';
import { caseCpu, irqInTaskTimeOf, tscHzOf, type CaseCpu } from './cpu.js';
import type { RunData } from '../store/run-data.js';
import { maxThroughputs, type MaxThroughput } from './max-throughput.js';
import { groupRepetitions, type RepetitionGroup } from './repetitions.js';
import { steadyVariation, type SteadyVariation } from './variation.js';
import { caseWarnings, type CaseWarning } from './warnings.js';

export interface CaseAnalysis {
  case: SummaryCase;
  /** Null when the case stored no steady sample (failed, skipped). */
  variation: SteadyVariation | null;
  cpu: CaseCpu | null;
  warnings: CaseWarning[];
}

export interface RunAnalysis {
  data: RunData;
  cases: CaseAnalysis[];
  byCaseId: Map<string, CaseAnalysis>;
  groups: RepetitionGroup[];
  maxima: MaxThroughput[];
  warnings: CaseWarning[];
  tscHz: number | null;
}

export function analyzeRun(data: RunData): RunAnalysis {
  const tscHz = tscHzOf(data.summary.run.environment);
  const irqInTaskTime = irqInTaskTimeOf(data.summary.run.environment);
  const cases = data.summary.cases.map((c): CaseAnalysis => {
    const samples = data.samples.get(c.id);
    const variation = samples ? steadyVariation(samples) : null;
    const { clientRx: _, ...busy } = c.cpus ?? {};
    const busyCpus = Object.values(busy).flat();
    const hops = c.layout ? (c.chainLength ?? 0) + 1 : undefined;
    const cpu = samples
      ? caseCpu(samples, tscHz, data.cpuSamples.get(c.id) ?? [], { irqInTaskTime, busyCpus }, hops)
      : null;
    return { case: c, variation, cpu, warnings: caseWarnings(c, variation) };
  });
  const groups = groupRepetitions(data.summary.cases);
  return {
    data,
    cases,
    byCaseId: new Map(cases.map((a) => [a.case.id, a])),
    groups,
    maxima: maxThroughputs(groups),
    warnings: cases.flatMap((a) => a.warnings),
    tscHz,
  };
}

/** Mean total app CPUs over a group's repetitions; null when none was measured. */
export function groupCpus(analysis: RunAnalysis, group: RepetitionGroup): number | null {
  const values = group.cases.flatMap((c) => {
    const cpus = analysis.byCaseId.get(c.id)?.cpu?.totalCpus;
    return cpus == null ? [] : [cpus];
  });
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** The classes Fig. 6 stacks, in stacking order. */
/** Testers count as senders (the traffic generators); forwarders, the chains' network functions, stack apart. */
export const CPU_CLASSES = ['senders', 'receivers', 'forwarders', 'switch threads', 'softirq', 'irq'] as const;
export type CpuClass = (typeof CPU_CLASSES)[number];

/**
 * Mean over a group's repetitions of the CPUs each component class used, counting only what
 * `totalCores` counts; `uncounted` is the kernel time already inside the apps' or switch's own.
 * Null when no repetition has CPU figures.
 */
export function groupCpuClasses(
  analysis: RunAnalysis,
  group: RepetitionGroup,
): { classes: Record<CpuClass, number>; uncounted: number } | null {
  const perCase = group.cases.flatMap((c) => {
    const cpu = analysis.byCaseId.get(c.id)?.cpu;
    return cpu?.totalCores == null ? [] : [cpu];
  });
  if (perCase.length === 0) return null;
  const classes = Object.fromEntries(CPU_CLASSES.map((k) => [k, 0])) as Record<CpuClass, number>;
  let uncounted = 0;
  for (const cpu of perCase) {
    for (const c of cpu.components) {
      if (c.cpus === null) continue;
      if (!c.inTotal) {
        uncounted += c.cpus / perCase.length;
        continue;
      }
      const cls: CpuClass =
        c.kind === 'app'
          ? c.name.startsWith('send') || c.name.startsWith('client') || c.name.startsWith('tester')
            ? 'senders'
            : c.name.startsWith('forwarder')
              ? 'forwarders'
              : 'receivers'
          : c.kind === 'switch'
            ? 'switch threads'
            : c.kind;
      classes[cls] += c.cpus / perCase.length;
    }
  }
  return { classes, uncounted };
}
