// One run analysed: per case (spread of its steady seconds, CPU cost, warnings), per tuple
// (mean and CI over repetitions), per configuration (maximum throughput). Pure over RunData.
import type { SummaryCase } from '../store/summary.js';
import { caseCpu, tscHzOf, type CaseCpu } from './cpu.js';
import type { RunData } from './dataset.js';
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
  const cases = data.summary.cases.map((c): CaseAnalysis => {
    const samples = data.samples.get(c.id);
    const variation = samples ? steadyVariation(samples) : null;
    return { case: c, variation, cpu: samples ? caseCpu(samples, tscHz) : null, warnings: caseWarnings(c, variation) };
  });
  const groups = groupRepetitions(data.summary.cases);
  return {
    data, cases, byCaseId: new Map(cases.map((a) => [a.case.id, a])), groups,
    maxima: maxThroughputs(groups), warnings: cases.flatMap((a) => a.warnings), tscHz,
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
