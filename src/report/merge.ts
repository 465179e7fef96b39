// Several runs as one, for a report over all of them (`nfvperf reproduce`: one run per
// experiment, one report). Each case id gets its experiment's name in front, so tuples measured
// by two experiments stay apart (the maxima still take the best of them). Pure.
import type { RunData } from '../store/run-data.js';

export function mergeRuns(name: string, planFile: string, parts: readonly { name: string; data: RunData }[]): RunData {
  if (parts.length === 0) throw new Error('mergeRuns: no run to merge');
  const rekey = <T>(prefix: string, map: Map<string, T>) =>
    [...map].map(([id, v]): [string, T] => [`${prefix}/${id}`, v]);
  const first = parts[0]!.data.summary.run;
  const outcomes = parts.map((p) => p.data.summary.run.outcome);
  const finished = parts.map((p) => p.data.summary.run.finishedAt);
  return {
    summary: {
      run: {
        ...first,
        name,
        planFile,
        startedAt: parts.map((p) => p.data.summary.run.startedAt).sort()[0]!,
        finishedAt: finished.includes(null) ? null : (finished as string[]).sort().at(-1)!,
        // The whole reproduction completed only if every experiment did.
        outcome: outcomes.find((o) => o !== 'completed') ?? 'completed',
      },
      cases: parts.flatMap((p) => p.data.summary.cases.map((c) => ({ ...c, id: `${p.name}/${c.id}` }))),
    },
    searches: new Map(parts.flatMap((p) => rekey(p.name, p.data.searches))),
    samples: new Map(parts.flatMap((p) => rekey(p.name, p.data.samples))),
    cpuSamples: new Map(parts.flatMap((p) => rekey(p.name, p.data.cpuSamples))),
    tables: new Set(parts.flatMap((p) => [...p.data.tables])),
    // Without them a reproduction's report lost every latency histogram, spectrum and latency-load figure.
    histograms: new Map(parts.flatMap((p) => rekey(p.name, p.data.histograms ?? new Map()))),
  };
}
