// Shared pieces of the benchmarks: a one-pair namespace + linux-bridge topology built with the
// same testbed code the runner uses, interleaved A/B rounds, and medians.
import { linuxBridge } from '../src/switches/linux-bridge.js';
import { connectPair } from '../src/switches/types.js';
import { Ledger } from '../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../src/testbed/names.js';
import { addNeighbor, createContainer, type Container } from '../src/testbed/netns.js';
import { Resources } from '../src/testbed/resources.js';

/** `--name N` from the command line as a number, or `fallback` when absent. */
export function numberOption(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export interface Topology {
  names: RunNames;
  sender: Container;
  receiver: Container;
  teardown(): Promise<void>;
}

/** Two namespace containers joined by a Linux bridge, as in a 1vs1 linux-bridge case. */
export async function bridgeTopology(): Promise<Topology> {
  const names = runNames(newRunToken());
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const teardown = async () => {
    const errors = await resources.releaseAll();
    ledger.close();
    if (errors.length) throw errors[0];
  };
  try {
    const sw = await linuxBridge.start({ names, resources, cpus: [] });
    const sender = await createContainer(resources, names, 's', 0);
    const receiver = await createContainer(resources, names, 'r', 0);
    await connectPair(sw, sender, receiver);
    await addNeighbor(sender, receiver);
    await addNeighbor(receiver, sender);
    return { names, sender, receiver, teardown };
  } catch (e) {
    await teardown();
    throw e;
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs each contender once per round, in turn (A B A B …), and returns every figure. */
export async function interleave<K extends string>(rounds: number, contenders: Record<K, () => Promise<number>>,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`), digits = 0): Promise<Record<K, number[]>> {
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

export function report<K extends string>(title: string, unit: string, results: Record<K, number[]>, baseline: K, digits = 0): string {
  const lines = [`${title} (median of ${Object.values<number[]>(results)[0]!.length} interleaved rounds, ${unit})`];
  const base = median(results[baseline]);
  for (const [name, values] of Object.entries(results) as [K, number[]][]) {
    const m = median(values);
    lines.push(`  ${name.padEnd(28)} median ${m.toFixed(digits).padStart(10)}  ratio to ${baseline}: ${(m / base).toFixed(2)}  all: ${values.map((v) => v.toFixed(digits)).join(' ')}`);
  }
  return lines.join('\n');
}
