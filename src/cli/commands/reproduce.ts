// `nfvperf reproduce`: the paper's experiments (the example plans behind Table 2 and Figs. 4-6)
// as one set of runs under --out, one run per experiment in DIR/<experiment>/, then one report
// over all of them with the paper beside the data. Every input is checked before anything is
// written; a second call with the same options continues where the first stopped.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { analyzeRun } from '../../analysis/index.js';
import { requireAppBuilt } from '../../apps/app.js';
import { InterruptedError, UsageError } from '../../common/errors.js';
import { loadTestbedFile } from '../../hosts/testbed-file.js';
import type { Testbed } from '../../hosts/types.js';
import { doctorHost } from './doctor-testbed.js';
import { loadPlanFile } from '../../plan/load.js';
import { buildFigures } from '../../report/figures.js';
import { writeReport } from '../../report/index.js';
import { mergeRuns } from '../../report/merge.js';
import { compareWithPaper } from '../../report/paper-compare.js';
import { runPlan } from '../../runner/run.js';
import { readRunFile } from '../../store/run-data.js';

export const SCALES = ['quick', 'paper'] as const;

/** The paper's experiments: the example plan each starts from and what it draws. */
export const EXPERIMENTS: { name: string; figures: string; remote?: boolean }[] = [
  { name: 'table2', figures: 'Table 2' },
  { name: 'fig4a', figures: 'Fig. 4a' },
  { name: 'fig4bc', figures: 'Figs. 4b-c (kernel paths)' },
  { name: 'fig4bc-dpdk', figures: 'Figs. 4b-c (DPDK and netmap switches)' },
  { name: 'fig4ef', figures: 'Figs. 4e-f' },
  { name: 'fig5', figures: 'Figs. 5a-c' },
  { name: 'fig6', figures: 'Fig. 6 (kernel and AF_XDP)' },
  { name: 'fig6-dpdk', figures: 'Fig. 6 (DPDK switches)' },
  { name: 'remote', figures: 'Figs. 4d, 4g-h', remote: true },
];

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export interface ReproduceOptions {
  scale?: string;
  testbed?: string;
  out?: string;
  /** Comma-separated experiment names: run only these (the report covers what DIR holds of them). */
  only?: string;
  plain?: boolean;
}

interface Manifest {
  scale: string;
  testbed: string | null;
  experiments: string[];
}

/**
 * The checks of `doctor --testbed` (reachable, agent and versions, a switch that spans hosts, the
 * uplink) on every host, before anything is written: a host that is not ready refuses the
 * reproduction in one line (exit 2) instead of failing its remote experiment after the rest ran.
 */
async function requireTestbedReady(testbed: Testbed): Promise<void> {
  const { file } = testbed;
  const reports = await Promise.all(testbed.hosts.map(doctorHost));
  const notReady = reports.filter((r) => r.missing.length > 0);
  if (notReady.length > 0) {
    throw new UsageError(
      `the testbed ${file} is not ready: ${notReady
        .map((r) => `host ${r.host}: ${r.missing.map((m) => m.replace(`host ${r.host}: `, '')).join('; ')}`)
        .join('; ')
        .replace(/\s*\n\s*/g, ' ')} (details: nfvperf doctor --testbed ${file})`,
    );
  }
}

export async function reproduceCommand(opts: ReproduceOptions): Promise<number> {
  // Everything is checked before anything is written.
  if (!opts.out) throw new UsageError('reproduce needs --out DIR: where the reproduction goes (and continues from)');
  const scale = opts.scale ?? 'quick';
  if (!(SCALES as readonly string[]).includes(scale))
    throw new UsageError(`unknown --scale ${scale}: expected ${SCALES.join(' or ')}`);
  const names = opts.only
    ? opts.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : EXPERIMENTS.map((e) => e.name);
  const unknown = names.filter((n) => !EXPERIMENTS.some((e) => e.name === n));
  if (unknown.length > 0 || names.length === 0)
    throw new UsageError(
      `unknown --only ${unknown.join(', ') || '(empty)'}: expected some of ${EXPERIMENTS.map((e) => e.name).join(', ')}`,
    );
  requireAppBuilt();
  const testbed = opts.testbed === undefined ? null : resolve(opts.testbed);
  const testbedHosts = testbed === null ? null : await loadTestbedFile(testbed);
  const out = resolve(opts.out);
  const manifest: Manifest = { scale, testbed, experiments: names };
  const manifestPath = join(out, 'reproduce.json');
  if (existsSync(manifestPath)) {
    const stored = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (stored.scale !== scale || stored.testbed !== testbed) {
      throw new UsageError(
        `${out} holds a reproduction at --scale ${stored.scale}${stored.testbed ? ` with --testbed ${stored.testbed}` : ' without --testbed'}: give the same options to continue it, or another --out`,
      );
    }
  } else if (existsSync(out) && readdirSync(out).length > 0) {
    throw new UsageError(`${out} holds something other than a reproduction (no reproduce.json): choose another --out`);
  }
  const experiments = EXPERIMENTS.filter((e) => names.includes(e.name));
  if (testbedHosts !== null && experiments.some((e) => e.remote)) await requireTestbedReady(testbedHosts);
  const plans = experiments.map((e) => ({
    e,
    source: derivePlan(readFileSync(join(EXAMPLES, `${e.name}.yaml`), 'utf8'), e.name, scale, testbed),
  }));

  mkdirSync(join(out, 'plans'), { recursive: true });
  const stored = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : null;
  // Experiments run by an earlier --only stay in the report.
  writeFileSync(
    manifestPath,
    `${JSON.stringify({ ...manifest, experiments: [...new Set([...(stored?.experiments ?? []), ...names])] }, null, 2)}\n`,
  );
  const lines: string[] = [];
  for (const { e, source } of plans) {
    if (e.remote && testbed === null) {
      lines.push(`${e.name}: skipped — ${e.figures} need a second host: give --testbed FILE`);
      continue;
    }
    const planPath = join(out, 'plans', `${e.name}.yaml`);
    writeFileSync(planPath, source);
    const dir = join(out, e.name);
    const resume = existsSync(join(dir, 'results.sqlite'));
    process.stderr.write(`\n== ${e.name} (${e.figures})${resume ? ', continuing' : ''}\n`);
    try {
      const result = await runPlan(await loadPlanFile(planPath), {
        outDir: dir,
        resume,
        plain: opts.plain || !process.stderr.isTTY,
        skipUnavailable: true,
      });
      if (result.interrupted) throw new InterruptedError(result.interrupted);
      const count = (s: string) => result.summary.cases.filter((c) => c.status === s).length;
      lines.push(
        `${e.name}: ${result.summary.cases.length} cases, ${count('ok')} ok, ${count('failed')} failed, ${count('skipped')} skipped (cannot run here)`,
      );
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      // One experiment that cannot run (a switch missing, the testbed down) does not stop the others.
      lines.push(`${e.name}: not run — ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }

  const inReport = EXPERIMENTS.filter((e) => existsSync(join(out, e.name, 'results.sqlite')));
  if (inReport.length === 0) {
    process.stdout.write(`${lines.join('\n')}\nno experiment produced results: no report\n`);
    return 1;
  }
  const analysis = analyzeRun(
    mergeRuns(
      `reproduce-${scale}`,
      `nfvperf reproduce --scale ${scale}`,
      inReport.map((e) => ({ name: e.name, data: readRunFile(join(out, e.name, 'results.sqlite')) })),
    ),
  );
  const report = await writeReport(out, analysis);
  const comparison = compareWithPaper(analysis, buildFigures(analysis));
  const pngs = report.figures.filter((f) => f.endsWith('.png'));
  const note = [
    `nfvperf reproduce --scale ${scale}${testbed ? ` --testbed ${testbed}` : ''} --out ${out}`,
    '',
    'experiments:',
    ...lines.map((l) => `  ${l}`),
    '',
    'the paper beside this run (figure, section: verdict — what this run found):',
    ...comparison.map((p) => `  ${p.figure}, ${p.fact.section}: ${p.verdict} — ${p.found}`),
    '',
    `figures (${pngs.length}):`,
    ...pngs.map((f) => `  ${f}`),
    ...report.skipped.map((s) => `  left out ${s.figure}: ${s.reason}`),
    '',
    `report: ${report.html}`,
  ].join('\n');
  writeFileSync(join(out, 'reproduce-notes.txt'), `${note}\n`);
  process.stdout.write(`${note}\n`);
  return 0;
}

/** Evenly spread values of `list`, first and last kept, at most `n`. */
function thin<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return [...new Set(Array.from({ length: n }, (_, i) => list[Math.round((i * (list.length - 1)) / (n - 1))]!))];
}

/**
 * The plan an experiment runs at a scale: "paper" is the example as written with at least 3
 * repetitions; "quick" keeps every figure drawable (two sizes, two pair counts, three rates and
 * bursts) with 3-second trials and one repetition.
 */
export function derivePlan(source: string, name: string, scale: string, testbed: string | null): string {
  const doc = parseDocument(source);
  const plan = doc.toJS() as Record<string, unknown>;
  if (scale === 'quick') {
    doc.set('duration', 3);
    doc.set('warmup', 1);
    doc.set('cooldown', 1);
    doc.set('repetitions', 1);
    const axes: [string, number][] = [
      ['packetSizes', 2],
      ['pairs', 2],
      ['rates', 3],
      ['bursts', 3],
    ];
    for (const [key, n] of axes) {
      if (Array.isArray(plan[key])) doc.set(key, doc.createNode(thin(plan[key] as unknown[], n), { flow: true }));
    }
  } else {
    doc.set('repetitions', Math.max(3, Number(plan.repetitions ?? 1)));
  }
  if (testbed !== null && plan.locality === 'remote') doc.set('testbed', testbed);
  return `# examples/${name}.yaml at --scale ${scale} (written by nfvperf reproduce)\n${String(doc)}`;
}
