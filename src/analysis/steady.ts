// Steady-state figures of one case from its per-second samples. Pure: rows in, figures out.
//
// The steady window is the seconds k with warmup ≤ k < warmup + duration, where second k is the
// interval [epoch + k s, epoch + (k+1) s) that every app of the case aligned its counters to.
// Rates are per pair (counts ÷ the measured length of its steady intervals), summed over pairs.
import { measuresTraffic, offersTraffic, type AppRole } from '../apps/protocol.js';

export interface SampleRow {
  pair: number;
  role: AppRole;
  second: number;
  durationNs: number;
  partial: boolean;
  txPackets: number | null;
  txBytes: number | null;
  unsent: number | null;
  rxPackets: number | null;
  rxBytes: number | null;
  lost: number | null;
  reordered: number | null;
  corrupt: number | null;
}

export interface ThroughputFigures {
  txPps: number;
  rxPps: number;
  txGbps: number;
  /** Whole frames (P bytes each, no FCS), 1 Gbps = 10^9 bit/s. */
  rxGbps: number;
  /**
   * Fraction of packets lost on the path, from the receivers' sequence gaps:
   * lost ÷ (received + lost). Packets the sender's kernel refused are `unsentPackets`, not loss.
   */
  lossRatio: number;
  lostPackets: number;
  unsentPackets: number;
  corruptPackets: number;
  reorderedPackets: number;
  steadySeconds: number;
}

export interface Window {
  warmupS: number;
  durationS: number;
}

/**
 * Whether a sample lies wholly inside the steady window. An app held up past several boundaries
 * prints one line for the whole stretch (its index is the first second it covers), so the span is
 * taken from the measured duration: a stretch reaching into warm-up or cool-down is not steady.
 */
export function isSteady(second: number, w: Window, durationNs = 1e9): boolean {
  const spanS = Math.max(1, Math.round(durationNs / 1e9));
  return second >= w.warmupS && second + spanS <= w.warmupS + w.durationS;
}

/** Returns null when the window holds no complete sample of a sender and a receiver. */
export function throughputFigures(rows: readonly SampleRow[], w: Window): ThroughputFigures | null {
  const steady = rows.filter((r) => !r.partial && r.durationNs > 0 && isSteady(r.second, w, r.durationNs));
  const senders = sumByPair(steady.filter((r) => offersTraffic(r.role)));
  const receivers = sumByPair(steady.filter((r) => measuresTraffic(r.role)));
  if (senders.size === 0 || receivers.size === 0) return null;

  let txPps = 0,
    txBps = 0,
    rxPps = 0,
    rxBps = 0;
  let lost = 0,
    rx = 0,
    tx = 0,
    unsent = 0,
    corrupt = 0,
    reordered = 0,
    seconds = 0;
  for (const s of senders.values()) {
    txPps += s.txPackets / s.seconds;
    txBps += (s.txBytes * 8) / s.seconds;
    tx += s.txPackets;
    unsent += s.unsent;
  }
  for (const r of receivers.values()) {
    rxPps += r.rxPackets / r.seconds;
    rxBps += (r.rxBytes * 8) / r.seconds;
    rx += r.rxPackets;
    lost += r.lost;
    corrupt += r.corrupt;
    reordered += r.reordered;
    seconds = Math.max(seconds, r.count);
  }
  // With no packet received there are no sequence numbers to see gaps in: all sent were lost.
  const lossRatio = rx + lost > 0 ? Math.max(0, lost) / (rx + Math.max(0, lost)) : tx > 0 ? 1 : 0;
  return {
    txPps,
    rxPps,
    txGbps: txBps / 1e9,
    rxGbps: rxBps / 1e9,
    lossRatio,
    lostPackets: Math.max(0, lost),
    unsentPackets: unsent,
    corruptPackets: corrupt,
    reorderedPackets: reordered,
    steadySeconds: seconds,
  };
}

interface PairSum {
  seconds: number;
  count: number;
  txPackets: number;
  txBytes: number;
  unsent: number;
  rxPackets: number;
  rxBytes: number;
  lost: number;
  corrupt: number;
  reordered: number;
}

function sumByPair(rows: readonly SampleRow[]): Map<number, PairSum> {
  const sums = new Map<number, PairSum>();
  for (const r of rows) {
    const s = sums.get(r.pair) ?? {
      seconds: 0,
      count: 0,
      txPackets: 0,
      txBytes: 0,
      unsent: 0,
      rxPackets: 0,
      rxBytes: 0,
      lost: 0,
      corrupt: 0,
      reordered: 0,
    };
    s.seconds += r.durationNs / 1e9;
    s.count += 1;
    s.txPackets += r.txPackets ?? 0;
    s.txBytes += r.txBytes ?? 0;
    s.unsent += r.unsent ?? 0;
    s.rxPackets += r.rxPackets ?? 0;
    s.rxBytes += r.rxBytes ?? 0;
    s.lost += r.lost ?? 0;
    s.corrupt += r.corrupt ?? 0;
    s.reordered += r.reordered ?? 0;
    sums.set(r.pair, s);
  }
  return sums;
}
