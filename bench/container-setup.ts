// Benchmark: what a case pays for its containers, per runtime: one application pair's two
// containers made and torn down, netns vs lxc (a copy of the run's base container), interleaved.
// The lxc base (`lxc-create -t busybox`, once per run) is timed once, apart.
//
//   npm run build && node dist/bench/container-setup.js [--rounds 10]
import { lxcRuntime, netnsRuntime, type Containers } from '../src/testbed/containers.js';
import { Ledger, readLedgers } from '../src/testbed/ledger.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { Resources } from '../src/testbed/resources.js';
import { interleave, numberOption, report } from './common.js';

const ROUNDS = numberOption('--rounds', 10);

const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
const ledger = Ledger.open(names.token);
const runResources = new Resources(ledger);

/** Milliseconds to make a pair's containers and tear them down again. */
async function pair(containers: Containers): Promise<number> {
  const resources = new Resources(ledger);
  const started = performance.now();
  try {
    await containers.create(resources, 's', 0, { cpu: 0 });
    await containers.create(resources, 'r', 0, { cpu: 0 });
  } finally {
    const errors = await resources.releaseAll();
    if (errors.length > 0) throw errors[0];
  }
  return performance.now() - started;
}

try {
  const netns = await netnsRuntime.prepare(runResources, names);
  const baseStarted = performance.now();
  const lxc = await lxcRuntime.prepare(runResources, names);
  process.stdout.write(`lxc base container (once per run): ${(performance.now() - baseStarted).toFixed(0)} ms\n`);
  const results = await interleave(ROUNDS, { netns: () => pair(netns), lxc: () => pair(lxc) });
  process.stdout.write(`${report('one pair of containers, made and torn down', 'ms', results, 'netns')}\n`);
} finally {
  await runResources.releaseAll();
  ledger.close();
}
