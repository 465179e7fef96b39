// Shared pieces of the benchmarks: a one-pair namespace topology (linux-bridge, or another switch
// that connects pairs, such as memif) built with the same testbed code the runner uses,
// interleaved A/B rounds, and medians.
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { AppProcess } from '../src/apps/app.js';
import type { SummaryLine } from '../src/apps/protocol.js';
import { appFilePrefix, dpdkAppArgs } from '../src/switches/dpdk-port.js';
import { linuxBridge } from '../src/switches/linux-bridge.js';
import { connectPair, type PortSpec, type SwitchDriver } from '../src/switches/types.js';
import { Ledger } from '../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../src/testbed/names.js';
import { addNeighbor, createContainer, type Container } from '../src/testbed/netns.js';
import { Resources } from '../src/testbed/resources.js';

/** `--name N` from the command line as a number, or `fallback` when absent. */
export function numberOption(name: string, fallback: number): number {
  const value = stringOption(name);
  return value !== undefined ? Number(value) : fallback;
}

/** `--name VALUE` from the command line, or undefined when absent. */
export function stringOption(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Runs this process, and every process it starts (they inherit it), at nice -20, and so this
 * session's autogroup, where the kernel groups tasks by session (the nice of a task only weighs
 * within its group). On a host whose two CPUs others share (compiles), a time slice taken from a
 * polling end stalls the pair, or (a paced sender) its schedule, which the figures would then
 * describe instead of the apps. At -20 a nice-0 neighbour gets about 1/88 of a CPU; nothing is
 * starved (nothing here is real-time unless asked). Returns what restores the autogroup's nice,
 * to be called at the end: the group outlives this process.
 */
export function topPriority(): () => void {
  setPriority(-20);
  let autogroupNice: string | undefined;
  try {
    autogroupNice = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1];
  } catch {
    /* no autogroups on this kernel */
  }
  if (autogroupNice !== undefined) writeFileSync('/proc/self/autogroup', '-20');
  return () => {
    if (autogroupNice !== undefined) writeFileSync('/proc/self/autogroup', autogroupNice);
  };
}

/** `--baseline-app PATH`: another build of nfvperf-app to run as an interleaved contender. */
export const BASELINE_APP = stringOption('--baseline-app');

/** Runs `f` with AppProcess starting the nfvperf-app at `binary` (NFVPERF_APP), then restores it. */
export async function withAppBinary<T>(binary: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.NFVPERF_APP;
  process.env.NFVPERF_APP = binary;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.NFVPERF_APP;
    else process.env.NFVPERF_APP = saved;
  }
}

/** One end of a bench pair: its container and the port the switch gave it. */
export type PairEnd = Container & { port: PortSpec };

export interface Topology {
  names: RunNames;
  /** The switch's name, for messages. */
  switchName: string;
  sender: PairEnd;
  receiver: PairEnd;
  /** The pair's link is the peer app itself (memif): see SwitchDriver.appsLinkedDirectly. */
  direct: boolean;
  teardown(): Promise<void>;
}

/**
 * Two namespace containers joined by `driver` (a Linux bridge unless given; it must need no CPUs
 * of its own), as in a 1vs1 case of that switch; `queues` per container port for a driver that
 * gives them (SwitchDriver.queues).
 */
export async function pairTopology(driver: SwitchDriver = linuxBridge, queues = 1): Promise<Topology> {
  const names = runNames(newRunToken());
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const teardown = async () => {
    const errors = await resources.releaseAll();
    ledger.close();
    if (errors.length) throw errors[0];
  };
  try {
    const sw = await driver.start({ names, resources, cpus: [], ...(queues > 1 ? { queues } : {}) });
    const sender = await createContainer(resources, names, 's', 0);
    const receiver = await createContainer(resources, names, 'r', 0);
    const [senderPort, receiverPort] = await connectPair(sw, sender, receiver);
    // DPDK ports have no kernel interface, so no neighbour table: the app gets the peer's MAC.
    if (senderPort.kind === 'kernel') await addNeighbor(sender, receiver);
    if (receiverPort.kind === 'kernel') await addNeighbor(receiver, sender);
    return {
      names,
      switchName: driver.name,
      sender: { ...sender, port: senderPort },
      receiver: { ...receiver, port: receiverPort },
      direct: driver.appsLinkedDirectly === true,
      teardown,
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}

/** Two namespace containers joined by a Linux bridge, as in a 1vs1 linux-bridge case. */
export const bridgeTopology = (): Promise<Topology> => pairTopology(linuxBridge);

/** The dpdk backend's arguments for one end of `t` (its EAL device, file prefix, MACs), as the runner gives them. */
export function dpdkEndArgs(t: Topology, end: 'sender' | 'receiver'): string[] {
  const [self, peer] = end === 'sender' ? [t.sender, t.receiver] : [t.receiver, t.sender];
  return dpdkAppArgs(
    { filePrefix: appFilePrefix(t.names, self.side, self.pair), mac: self.mac, netns: self.netns },
    self.port,
    peer.mac,
    t.switchName,
  );
}

/** Resolves once `app` has printed its summary (a sender over a direct link may still be closing its port). */
export async function summaryGiven(app: AppProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!app.summary) {
    if (!app.running || Date.now() > deadline) throw app.failure('gave no summary in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SendRecvRun {
  send: SummaryLine;
  recv: SummaryLine;
  rxPps: number;
}

/**
 * One nfvperf-app send → recv run over `t`: the receiver on CPU 1, the sender on CPU 0 for
 * `seconds`; `both` goes to both ends (e.g. the backend), `sender` to the sender only (its rate:
 * max unless given), `receiver` to the receiver only. rxPps: frames received over the sender's sending time (the receiver also
 * idles before and after).
 */
export async function sendRecv(
  t: Topology,
  seconds: number,
  args: { both?: string[]; sender?: string[]; receiver?: string[] } = {},
): Promise<SendRecvRun> {
  const both = args.both ?? [];
  const recv = new AppProcess({
    role: 'recv',
    netns: t.receiver.netns,
    label: 'receiver',
    pair: 0,
    args: [...both, '--local', `${t.receiver.ip}:7001`, '--cpu', '1', ...(args.receiver ?? [])],
  });
  // Over a direct link (memif) the receiver is up only once its sender has opened the other end.
  if (!t.direct) await recv.waitReady(5000);
  const send = new AppProcess({
    role: 'send',
    netns: t.sender.netns,
    label: 'sender',
    pair: 0,
    args: [
      ...both,
      '--local',
      `${t.sender.ip}:7000`,
      '--remote',
      `${t.receiver.ip}:7001`,
      '--rate',
      'max',
      '--duration',
      String(seconds),
      '--cpu',
      '0',
      ...(args.sender ?? []),
    ],
  });
  if (t.direct) {
    // The sender, the memif client, stays up until its server has left (dpdk.c, dpdk_close):
    // the receiver stops once the sender has given its summary, and the sender exits after.
    try {
      // Either end failing leaves the other waiting for the link: the sender's failure is the news.
      let linked = false;
      const senderGone = send.waitExit(60_000).then((gone) => {
        if (gone && !linked) throw send.failure('exited before the link was up');
      });
      await Promise.race([recv.waitReady(60_000), senderGone]);
      linked = true;
      await summaryGiven(send, (seconds + 60) * 1000);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await recv.stop();
      if (!(await send.waitExit(5000))) await send.stop();
    }
  } else {
    await send.waitExit((seconds + 10) * 1000);
    await new Promise((r) => setTimeout(r, 200));
    await recv.stop();
  }
  if (!send.summary || !recv.summary) throw (send.summary ? recv : send).failure('gave no summary');
  return {
    send: send.summary,
    recv: recv.summary,
    rxPps: recv.summary.rxPackets! / (Number(BigInt(send.summary.durationNs)) / 1e9),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs each contender once per round, in turn (A B A B …), and returns every figure. */
export async function interleave<K extends string>(
  rounds: number,
  contenders: Record<K, () => Promise<number>>,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  digits = 0,
): Promise<Record<K, number[]>> {
  const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(contenders) as [K, () => Promise<number>][]) {
      const value = await run();
      results[name].push(value);
      log(`round ${round + 1}/${rounds} ${name}: ${value.toFixed(digits)}`);
    }
  }
  return results;
}

export function report<K extends string>(
  title: string,
  unit: string,
  results: Record<K, number[]>,
  baseline: K,
  digits = 0,
): string {
  const lines = [`${title} (median of ${Object.values<number[]>(results)[0]!.length} interleaved rounds, ${unit})`];
  const base = median(results[baseline]);
  for (const [name, values] of Object.entries(results) as [K, number[]][]) {
    const m = median(values);
    lines.push(
      `  ${name.padEnd(28)} median ${m.toFixed(digits).padStart(10)}  ratio to ${baseline}: ${(m / base).toFixed(2)}  all: ${values.map((v) => v.toFixed(digits)).join(' ')}`,
    );
  }
  return lines.join('\n');
}
