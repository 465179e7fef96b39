// What a case costs beyond its own traffic: `nfvperf run` of N one-second cases (linux-bridge,
// udp-mmsg, 10 kpps, one size each, so every case has the same network), per-case time from the
// database (finished − started − 1 s), first, middle and last cases apart (the first builds the
// network and learns the start margin, the last tears down). With `--baseline-cli PATH` another
// checkout's bin/nfvperf.js runs the same plan in interleaved rounds.
// `--sweep N` instead runs one sweep of N cases and samples the orchestrator's memory (RSS), open
// files and the database's size every second.
//   node dist/bench/case-overhead.js [--cases 10] [--rounds 3] [--baseline-cli PATH] | --sweep 300
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PACKAGE_ROOT } from '../src/apps/app.js';
import { median, numberOption, stringOption } from './common.js';

const CASES = numberOption('--cases', 10);
const ROUNDS = numberOption('--rounds', 3);
const SWEEP = numberOption('--sweep', 0);
const BASELINE_CLI = stringOption('--baseline-cli');
const OURS = join(PACKAGE_ROOT, 'bin', 'nfvperf.js');

function planWith(cases: number): string {
  const sizes = Array.from({ length: cases }, (_, i) => 64 + i);
  return (
    `name: overhead\nswitches: [linux-bridge]\nbackends: [udp-mmsg]\nrates: [10000]\npacketSizes: [${sizes.join(', ')}]\n` +
    'duration: 1\nwarmup: 0\ncooldown: 0\n'
  );
}

interface RunFigures {
  wallS: number;
  perCaseMs: number[];
  failed: number;
  peakRssMb?: number;
  peakFds?: number;
  dbMb?: number;
}

/** One `nfvperf run` of `cases` cases with `cli`; samples the process while it runs when `sample`. */
async function run(cli: string, cases: number, sample = false): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'nfp-overhead-'));
  try {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, planWith(cases));
    const out = join(dir, 'out');
    const t0 = Date.now();
    const child = spawn(process.execPath, [cli, 'run', plan, '--out', out, '--plain'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let peakRssMb = 0;
    let peakFds = 0;
    const sampler = sample
      ? setInterval(() => {
          try {
            const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            peakRssMb = Math.max(peakRssMb, Number(rss?.[1] ?? 0) / 1024);
            peakFds = Math.max(peakFds, readdirSync(`/proc/${child.pid}/fd`).length);
          } catch {
            /* exiting */
          }
        }, 1000)
      : undefined;
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    const wallS = (Date.now() - t0) / 1000;
    if (code !== 0 && code !== 1) throw new Error(`nfvperf run exited ${code}: ${stderr}`);
    const db = new Database(join(out, 'results.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT started_at s, finished_at f, status FROM cases ORDER BY case_index').all() as {
      s: string;
      f: string;
      status: string;
    }[];
    db.close();
    return {
      wallS,
      perCaseMs: rows.map((r) => Date.parse(r.f) - Date.parse(r.s) - 1000),
      failed: rows.filter((r) => r.status !== 'ok').length,
      ...(sample ? { peakRssMb, peakFds, dbMb: statSync(join(out, 'results.sqlite')).size / 2 ** 20 } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(name: string, runs: RunFigures[]): string {
  const first = median(runs.map((r) => r.perCaseMs[0]!));
  const middle = median(runs.flatMap((r) => r.perCaseMs.slice(1, -1)));
  const last = median(runs.map((r) => r.perCaseMs.at(-1)!));
  const mean = median(runs.map((r) => r.perCaseMs.reduce((a, b) => a + b, 0) / r.perCaseMs.length));
  return (
    `${name.padEnd(10)} overhead per case (ms, medians): first ${first.toFixed(0)}, middle ${middle.toFixed(0)}, last ${last.toFixed(0)}, ` +
    `mean ${mean.toFixed(0)}; wall ${median(runs.map((r) => r.wallS)).toFixed(1)} s; failed cases ${runs.reduce((n, r) => n + r.failed, 0)}`
  );
}

async function main(): Promise<void> {
  if (SWEEP > 0) {
    const r = await run(OURS, SWEEP, true);
    console.log(
      `${SWEEP} one-second cases: wall ${r.wallS.toFixed(1)} s, mean overhead ${(r.perCaseMs.reduce((a, b) => a + b, 0) / SWEEP).toFixed(0)} ms ` +
        `per case, last ten cases ${median(r.perCaseMs.slice(-10)).toFixed(0)} ms (median), failed ${r.failed}; orchestrator peak RSS ` +
        `${r.peakRssMb!.toFixed(1)} MiB, peak open files ${r.peakFds}; results.sqlite ${r.dbMb!.toFixed(2)} MiB`,
    );
    return;
  }
  const contenders: [string, string][] = [
    ['nfvperf', OURS],
    ...(BASELINE_CLI ? [['baseline', BASELINE_CLI] as [string, string]] : []),
  ];
  const results = new Map<string, RunFigures[]>(contenders.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cli] of contenders) {
      const r = await run(cli, CASES);
      results.get(name)!.push(r);
      console.log(`round ${round + 1} ${name}: per case ${r.perCaseMs.map((ms) => ms.toFixed(0)).join(' ')} ms`);
    }
  }
  for (const [name] of contenders) console.log(describe(name, results.get(name)!));
}

await main();
