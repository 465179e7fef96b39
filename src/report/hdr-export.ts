// `nfvperf export --format hdr`: every latency histogram of a run as one HdrHistogram log
// (analysis/hdr.ts), so HistogramLogProcessor and the other hdrhistogram tools read them whole.
// One line per app and steady-window second — the intervals summary.json merges — tagged
// `<case id>:<run>:<kind>:pair<N>` (run: `traffic` for the case's own, else the latency run's
// label); a tool merging the lines of one tag prefix gets summary.json's histogram back exactly.
import { hdrLog, type LogInterval } from '../analysis/hdr.js';
import type { RunData } from '../store/run-data.js';
import { HISTOGRAM_CLOCKS } from '../store/summary.js';

export function histogramTag(caseId: string, run: string, kind: string, pair: number): string {
  return `${caseId}:${run === '' ? 'traffic' : run}:${kind}:pair${pair}`;
}

export function hdrExport(data: Pick<RunData, 'summary' | 'histograms'>): string {
  const intervals: LogInterval[] = [];
  for (const c of data.summary.cases) {
    for (const h of data.histograms?.get(c.id) ?? []) {
      intervals.push({
        tag: histogramTag(c.id, h.run, h.kind, h.pair),
        startS: h.second,
        lengthS: 1,
        histogram: h.histogram,
      });
    }
  }
  return hdrLog(intervals, [
    `[nfvperf run ${data.summary.run.name} (id ${data.summary.run.id}): steady-window latency histograms, values in ns]`,
    '[Tag = <case id>:<traffic|probe|<goal>@<fraction>>:<rtt|one-way>:pair<N>; StartTimestamp = the second k of the case epoch]',
    ...Object.entries(HISTOGRAM_CLOCKS).map(([kind, clock]) => `[${kind}: ${clock}]`),
  ]);
}
