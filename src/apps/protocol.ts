// The JSON-lines protocol of `nfvperf-app` (docs/app-protocol.md): one object per line on stdout.

/** tester and forwarder hold two ports each (layouts tester and chain). */
export type AppRole = 'send' | 'recv' | 'client' | 'server' | 'tester' | 'forwarder';

/**
 * Roles whose transmit counters are the traffic offered to the path (a forwarder's are not: it
 * is part of the path), and roles whose receive counters are what came through it.
 */
export function offersTraffic(role: string): boolean {
  return role === 'send' || role === 'tester';
}
export function measuresTraffic(role: string): boolean {
  return role === 'recv' || role === 'tester';
}

/** The client's RTT histogram of an interval or of the whole run (docs/app-protocol.md). */
export interface RttObject {
  count: number;
  minNs: number | null;
  avgNs: number | null;
  maxNs: number | null;
  p50Ns: number | null;
  p90Ns: number | null;
  p99Ns: number | null;
  p999Ns: number | null;
  /** [lower bound in ns, count] of each non-empty bucket. */
  buckets: [number, number][];
}

export interface StartLine {
  type: 'start';
  role: AppRole;
  backend: string;
  pid: number;
  cpu: number | null;
  epochNs: string;
  /** polling, or blocking (`--blocking`). */
  mode?: 'polling' | 'blocking';
  /** `--sched`: the app's scheduling policy (absent from apps that predate it). */
  sched?: 'other' | 'fifo';
  /** `--latency`: the receiver records one-way latency ("one-way"; of probe frames only with `--latency-probes`); null without. */
  latency?: 'one-way' | 'one-way probes' | null;
  /** `--queues`: receive and transmit queues per port (absent from apps that predate it). */
  queues?: number;
  /** The client's receive thread CPU (`--rx-cpu`), null for one thread. */
  rxCpu?: number | null;
  /** The client's window (`--inflight`): at most this many frames awaiting their echo; null for none. */
  inflight?: number | null;
  /** What the app's times and pacing read; tscHz (the calibrated TSC rate, null when none)
   * turns CPU time into cycles, e.g. cycles per packet = cpu µs × tscHz / 1e6 / packets. */
  clock?: { source: 'tsc' | 'clock_gettime'; tscHz: number | null };
}

/** Counters common to every line that carries counts; absent for the other role. */
export interface Counters {
  txPackets?: number;
  txBytes?: number;
  unsent?: number;
  stalls?: number;
  rxPackets?: number;
  rxBytes?: number;
  lost?: number;
  reordered?: number;
  duplicates?: number;
  corrupt?: number;
  foreign?: number;
  /** Client: echoes later than 1 s, and echoes of no outstanding packet. */
  late?: number;
  unmatched?: number;
  rtt?: RttObject;
  /** A receiver with `--latency`: one-way latencies (RTT's layout), `late` over 1 s and not in it. */
  oneWay?: RttObject & { late: number };
  cpuUserUs: number;
  cpuSysUs: number;
}

export interface IntervalLine extends Counters {
  type: 'interval';
  role: AppRole;
  /** Interval k covers [epoch + k·interval, epoch + (k+1)·interval). */
  index: number;
  startNs: string;
  endNs: string;
  partial?: boolean;
}

export interface SummaryLine extends Counters {
  type: 'summary';
  role: AppRole;
  durationNs: string;
  intendedPps: number | null;
  /** Null when the app ran for no measurable time. */
  achievedPps: number | null;
  /** A receiving role with `--queues` above 1: the frames it counted, by the receive queue they came in on. */
  rxQueuePackets?: number[];
  /** CLOCK_MONOTONIC ns of the first and last frame sent or received (absent with none). */
  firstPacketNs?: string;
  lastPacketNs?: string;
}

export type AppLine = StartLine | IntervalLine | SummaryLine;

/** Parses one stdout line; returns undefined for a line that is not a protocol object. */
export function parseAppLine(text: string): AppLine | undefined {
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return type === 'start' || type === 'interval' || type === 'summary' ? (value as AppLine) : undefined;
}
