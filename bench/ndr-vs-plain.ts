// Benchmark: is the search's NDR the path's? (issue #19: over linux-bridge, udp-mmsg, 64 B, the
// quick preset's NDR must be ≥ 0.8 × the highest paced rate at which a plain 10 s run loses
// nothing, and not generator-limited.) In one run: first the plain runs — the path's unpaced
// maximum (received, median of 3), then 10 s paced runs bisected (in log space) between a rate
// that loses nothing and one that loses, `--steps` times — on the bench's own namespaces + bridge
// (sender on CPU 0, receiver on CPU 1, as the runner pins them); then `nfvperf run` of
// examples/ndr-pdr.yaml's search (the quick preset) through the real runner. `--sched fifo` runs
// every sender of both (plain runs and the search's trials) SCHED_FIFO.
//
// A plain run "loses nothing" when received = sent to the packet and the sender sent what it was
// asked (within the search's generator tolerance, 0.1 %): a run that sent less did not run at its
// rate. Both figures are printed per run; and every search trial, with its senders' refused
// frames and stalls and why it failed NDR (the search's verdicts).
//
//   npm run build && node dist/bench/ndr-vs-plain.js [--steps 6] [--plain-seconds 10] [--max-rate 1000000] [--sched fifo]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/apps/app.js';
import Database from 'better-sqlite3';
import type { SqlRow } from '../src/store/db.js';
import type { Summary } from '../src/store/summary.js';
import { bridgeTopology, median, numberOption, sendRecv, stringOption } from './common.js';

const STEPS = numberOption('--steps', 6);
const PLAIN_SECONDS = numberOption('--plain-seconds', 10);
const MAX_RATE = numberOption('--max-rate', 1_000_000);
const SCHED = stringOption('--sched');
const BOTH = ['--backend', 'udp-mmsg', '--size', '64', '--burst', '32'];
const SENDER = SCHED ? ['--sched', SCHED] : [];

interface Plain {
  ratePps: number;
  sent: number;
  received: number;
  sentRatio: number;
  stalls: number;
}
const passed = (p: Plain) => p.received === p.sent && Math.abs(p.sentRatio - 1) <= 0.001;

const log = (line: string) => process.stderr.write(`${line}\n`);
const topology = await bridgeTopology();
const plains: Plain[] = [];
const maxima: number[] = [];
try {
  for (let i = 0; i < 3; i++) maxima.push((await sendRecv(topology, 3, { both: BOTH, sender: SENDER })).rxPps);
  const plain = async (ratePps: number): Promise<boolean> => {
    const { send, recv } = await sendRecv(topology, PLAIN_SECONDS, {
      both: BOTH,
      sender: [...SENDER, '--rate', String(ratePps)],
    });
    const p: Plain = {
      ratePps,
      sent: send.txPackets!,
      received: recv.rxPackets!,
      stalls: send.stalls ?? 0,
      sentRatio: send.txPackets! / (ratePps * PLAIN_SECONDS), // the schedule: epoch to epoch + seconds
    };
    plains.push(p);
    log(
      `plain ${ratePps} pps: sent ${p.sent} (${(100 * p.sentRatio).toFixed(3)} % of intended), received ${p.received}, lost ${p.sent - p.received}, stalls ${p.stalls}`,
    );
    return passed(p);
  };
  // Bracket: a passing rate at or below half the maximum (halving until one passes), a failing one above.
  const pathMax = median(maxima);
  let lo = Math.round(pathMax / 2);
  while (lo > 1000 && !(await plain(lo))) lo = Math.round(lo / 2);
  let hi = Math.round(pathMax * 1.05);
  while (await plain(hi)) {
    lo = hi;
    hi = Math.round(hi * 1.5);
  }
  for (let i = 0; i < STEPS && lo < hi; i++) {
    const mid = Math.round(Math.sqrt(lo * hi));
    if (await plain(mid)) lo = mid;
    else hi = mid;
  }
} finally {
  await topology.teardown();
}
const passing = plains.filter(passed).map((p) => p.ratePps);
const zeroLoss = passing.length > 0 ? Math.max(...passing) : null;

// The search, through the real runner, as a user runs it.
const dir = mkdtempSync(join(tmpdir(), 'nfvperf-bench-'));
const plan =
  readFileSync(join(PACKAGE_ROOT, 'examples', 'ndr-pdr.yaml'), 'utf8').replace(
    /maxRatePps: \d+/,
    `maxRatePps: ${MAX_RATE}`,
  ) + (SCHED ? `senderScheduling: ${SCHED}\n` : '');
writeFileSync(join(dir, 'plan.yaml'), plan);
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [join(PACKAGE_ROOT, 'bin', 'nfvperf.js'), 'run', join(dir, 'plan.yaml'), '--out', join(dir, 'out')],
  { encoding: 'utf8' },
);
if (run.status !== 0) throw new Error(`nfvperf run failed (${run.status}): ${run.stderr}${run.stdout}`);
const searchS = (Date.now() - started) / 1000;
const c = (JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary).cases[0]!;
const ndr = c.search!.ndr!;
const pdr = c.search!.pdr!;

// Each trial as stored: why it failed NDR, with the senders' refused frames and stalls.
const db = new Database(join(dir, 'out', 'results.sqlite'), { readonly: true });
const trials = db
  .prepare(
    `SELECT rate_pps, duration_s, intended_packets, sent_packets, received_packets, unsent_packets, stalls, verdicts_json
     FROM search_trials ORDER BY trial`,
  )
  .all() as SqlRow[];
db.close();

const k = (v: number | null | undefined) => (v == null ? '-' : `${(v / 1e3).toFixed(1)}k`);
process.stdout.write(
  [
    `linux-bridge, udp-mmsg, 64 B, burst 32${SCHED ? `, sender --sched ${SCHED}` : ''}; path maximum ${maxima.map((m) => k(m)).join(' ')} pps (received, unpaced, 3 s)`,
    `  plain ${PLAIN_SECONDS} s runs: ${plains.map((p) => `${k(p.ratePps)} ${p.received === p.sent ? 'lost 0' : `lost ${p.sent - p.received}`} (sent ${(100 * p.sentRatio).toFixed(3)} %)`).join(', ')}`,
    `  highest plain rate losing nothing, its sender accurate: ${k(zeroLoss)} pps`,
    `  search (quick preset, ${searchS.toFixed(0)} s, ${dir}/out): NDR [${k(ndr.lowerBound)}, ${k(ndr.upperBound)}] ${ndr.status}, generator-limited ${ndr.generatorLimited ? 'YES' : 'no'}, ` +
      `failed trials ${ndr.failedTrials?.pathLoss ?? '-'} path loss / ${ndr.failedTrials?.generatorShortfall ?? '-'} generator shortfall, generator accurate up to ${k(ndr.generatorAccuratePps)}`,
    `             PDR [${k(pdr.lowerBound)}, ${k(pdr.upperBound)}] ${pdr.status}, generator-limited ${pdr.generatorLimited ? 'YES' : 'no'}`,
    `  NDR's failed trials by verdict: ${JSON.stringify(ndr.failedTrials?.byVerdict ?? null)}; refused frames ${ndr.unsentPackets ?? '-'} (${ndr.unsentCountsAs ?? '-'}), stalls ${ndr.stalls ?? '-'}`,
    '  trials (rate, s, sent % of intended, received − sent, refused, stalls, NDR verdict):',
    ...trials.map(
      (t) =>
        `    ${k(t.rate_pps).padStart(7)} ${t.duration_s}s sent ${((100 * t.sent_packets) / t.intended_packets).toFixed(3)} % ` +
        `rx−tx ${t.received_packets - t.sent_packets} refused ${t.unsent_packets} stalls ${t.stalls} ${(JSON.parse(t.verdicts_json) as Record<string, string>).ndr}`,
    ),
    `  NDR ÷ highest zero-loss plain rate: ${ndr.lowerBound === null || zeroLoss === null ? '-' : (ndr.lowerBound / zeroLoss).toFixed(2)} (target ≥ 0.80)`,
  ].join('\n') + '\n',
);
