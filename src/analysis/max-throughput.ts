// Maximum throughput of each configuration (switch, packet size, pairs and layout, backend): the highest
// mean receive rate across the swept rates (and bursts), and the first rate at which loss
// exceeded a threshold — where the path stopped keeping up. Pure; the paper's Figs. 4b-4f and 6
// and Table 2 are drawn from these.
import type { RepetitionGroup } from './repetitions.js';
import type { MeanCi } from './stats.js';

/**
 * Loss above this fraction of packets counts as "not keeping up". 0.1 % tolerates the odd drop
 * of a kernel path at a sustainable rate while catching a real overload; RFC 2544 would say 0,
 * which on a software path makes the first lossy rate depend on single stray drops.
 */
export const LOSS_THRESHOLD = 0.001;

export interface MaxThroughput {
  switch: string;
  packetSize: number;
  /** The frame-size mix's label (imix, mix-…), absent for one size. */
  sizeMix?: string;
  /** 5-tuples per sender. */
  flows: number;
  /** Queues per app port, absent for one. */
  queues?: number;
  pairs: number;
  /** Absent for pairs (SummaryCase.layout). */
  layout?: 'tester' | 'chain';
  chainLength?: number;
  backend: string;
  /** Highest mean rx rate (packets/s, summed over pairs) over all rates and bursts. */
  rxPps: MeanCi;
  rxGbps: MeanCi;
  /** The group that reached it (its rate, burst, repetitions). */
  best: RepetitionGroup;
  /**
   * Lowest requested rate (per sender; "max" = unpaced, counted above every number) whose mean
   * loss exceeded the threshold at every burst tried; null when no rate did.
   */
  firstLossyRate: number | 'max' | null;
  /** Distinct rates swept. */
  rates: number;
}

export function maxThroughputs(groups: readonly RepetitionGroup[], lossThreshold = LOSS_THRESHOLD): MaxThroughput[] {
  const byConfig = new Map<string, RepetitionGroup[]>();
  for (const g of groups) {
    // Search cases (rate "search") report their own bounds; here only swept, fixed rates count.
    if (g.rxPps === null || g.sample.rate === 'search') continue;
    const c = g.sample;
    const key = JSON.stringify([
      c.dimension,
      c.locality,
      c.switch,
      c.packetSize,
      c.sizeMix?.label,
      c.flows ?? 1,
      c.queues ?? 1,
      c.pairs,
      c.layout,
      c.chainLength,
      c.backend,
    ]);
    const list = byConfig.get(key) ?? [];
    list.push(g);
    byConfig.set(key, list);
  }
  return [...byConfig.values()].map((list) => {
    const best = list.reduce((a, b) => (b.rxPps!.mean > a.rxPps!.mean ? b : a));
    const c = best.sample;
    // At each rate, the best burst's loss: a rate is "lossy" only if no burst sustained it.
    const lossByRate = new Map<number | 'max', number>();
    for (const g of list) {
      const loss = g.lossRatio?.mean;
      const rate = g.sample.rate;
      if (loss === undefined || rate === 'search') continue;
      const prev = lossByRate.get(rate);
      lossByRate.set(rate, prev === undefined ? loss : Math.min(prev, loss));
    }
    const ordered = [...lossByRate.keys()].sort(compareRates);
    const firstLossyRate = ordered.find((r) => lossByRate.get(r)! > lossThreshold) ?? null;
    return {
      switch: c.switch,
      packetSize: c.packetSize,
      ...(c.sizeMix ? { sizeMix: c.sizeMix.label } : {}),
      flows: c.flows ?? 1,
      ...((c.queues ?? 1) > 1 ? { queues: c.queues } : {}),
      pairs: c.pairs,
      ...(c.layout ? { layout: c.layout } : {}),
      ...(c.chainLength !== undefined ? { chainLength: c.chainLength } : {}),
      backend: c.backend,
      rxPps: best.rxPps!,
      rxGbps: best.rxGbps!,
      best,
      firstLossyRate,
      rates: lossByRate.size,
    };
  });
}

/** Ascending, with "max" (unpaced) after every number. */
export function compareRates(a: number | 'max', b: number | 'max'): number {
  if (a === 'max') return b === 'max' ? 0 : 1;
  if (b === 'max') return -1;
  return a - b;
}
