// Benchmark: how close nfvperf-app's paced sender gets to the rate asked for (issue #3: within 1%
// whenever R ≤ 80% of the path's maximum), with each pacing clock, over the namespaces +
// linux-bridge topology (udp-mmsg, 64-byte frames, burst 32, sender on CPU 0, receiver on CPU 1).
// First the path's maximum: the receiver's rate behind an unpaced sender (median of 3 runs); then
// interleaved rounds of every rate × clock. Figures per pair: achieved send rate / R, received
// rate / R, and stalls (medians). With --baseline-app PATH every pair also runs that build of
// nfvperf-app, interleaved with this one (to compare two pacers side by side).
//
//   npm run build && node dist/bench/pacing.js [--rounds 5] [--seconds 3] [--rates 10000,50000,100000,0.8]
//                                              [--baseline-app PATH]
import { appBinary } from '../src/apps/app.js';
import { BASELINE_APP, bridgeTopology, interleave, median, numberOption, sendRecv, stringOption, withAppBinary, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);
/** `--rates 10000,50000,0.8`: packets/s, or (≤ 1) a fraction of the path's maximum. */
const RATES = (stringOption('--rates') ?? '10000,50000,100000,0.8').split(',').map(Number);
const CLOCKS = ['tsc', 'gettime'] as const;

interface Run { achievedPps: number; rxPps: number; stalls: number }

function run(t: Topology, rate: number | 'max', clock: string, binary: string): Promise<Run> {
  return withAppBinary(binary, async () => {
    const { send, rxPps } = await sendRecv(t, SECONDS, { both: ['--backend', 'udp-mmsg', '--burst', '32'],
      sender: ['--rate', String(rate), '--clock', clock] });
    return { achievedPps: send.achievedPps!, rxPps, stalls: send.stalls ?? 0 };
  });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const topology = await bridgeTopology();
try {
  const current = appBinary();
  const maxima: number[] = [];
  for (let i = 0; i < 3; i++) maxima.push((await run(topology, 'max', 'auto', current)).rxPps);
  const pathMax = median(maxima);
  const rates = RATES.map((r) => (r <= 1 ? Math.round(r * pathMax) : r)).filter((r) => r <= pathMax);
  const builds: [string, string][] = [['', current], ...(BASELINE_APP ? [[' (baseline)', BASELINE_APP] as [string, string]] : [])];
  const runs = new Map<string, Run[]>();
  // The path's maximum again in every round: this machine's speed drifts, and a rate that was
  // 80% of the first maximum can be more of a later one.
  const roundMaxima: number[] = [];
  const contenders: Record<string, () => Promise<number>> = {
    'unpaced': async () => { const r = await run(topology, 'max', 'auto', current); roundMaxima.push(r.rxPps); return r.rxPps; },
  };
  for (const rate of rates) {
    for (const clock of CLOCKS) {
      for (const [tag, binary] of builds) {
        const key = `R ${rate} ${clock}${tag}`;
        runs.set(key, []);
        contenders[key] = async () => {
          const r = await run(topology, rate, clock, binary);
          runs.get(key)!.push(r);
          return r.achievedPps / rate;
        };
      }
    }
  }
  await interleave(ROUNDS, contenders, (l) => process.stderr.write(`${l}\n`), 4);
  const lines = [`udp-mmsg 64 B, burst 32, netns + linux-bridge, ${SECONDS} s runs; path maximum ${Math.round(pathMax)} pps ` +
    `(received, unpaced, median of ${maxima.map(Math.round).join(' ')}); medians of ${ROUNDS} interleaved rounds`,
    `  unpaced in each round: ${roundMaxima.map(Math.round).join(' ')} pps`];
  for (const [key, rs] of runs) {
    const rate = Number(key.split(' ')[1]);
    lines.push(`  ${key.padEnd(32)} (${pct(rate / pathMax).padStart(6)} of max)  sent ${pct(median(rs.map((r) => r.achievedPps / rate))).padStart(8)}` +
      `  received ${pct(median(rs.map((r) => r.rxPps / rate))).padStart(8)}  stalls ${median(rs.map((r) => r.stalls))}` +
      `  all sent: ${rs.map((r) => pct(r.achievedPps / rate)).join(' ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await topology.teardown();
}
