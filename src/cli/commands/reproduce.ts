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
import { loadPlanFile, parsePlan } from '../../plan/load.js';
import { trafficSeconds, type Case } from '../../plan/expand.js';
import type { SwitchName } from '../../plan/schema.js';
import { buildFigures, type FigureSet } from '../../report/figures.js';
import { writeReport } from '../../report/index.js';
import { mergeRuns } from '../../report/merge.js';
import { compareWithPaper, whyNotDrawn, type PaperComparison } from '../../report/paper-compare.js';
import { PAPER_SWITCHES } from '../../report/paper-facts.js';
import { capabilities, preflight, runPlan } from '../../runner/run.js';
import { busyThreads } from '../../runner/topology.js';
import { readTopology } from '../../testbed/cpus.js';
import { readRunFile } from '../../store/run-data.js';

export const SCALES = ['quick', 'paper'] as const;

/** The sweep axes a quick reproduction thins, and how many values of each it keeps by default. */
type Axis = 'packetSizes' | 'pairs' | 'rates' | 'bursts';
const QUICK_POINTS: Record<Axis, number> = { packetSizes: 2, pairs: 2, rates: 3, bursts: 3 };

export interface Experiment {
  /** Its example plan (examples/<name>.yaml) and its run's directory under --out. */
  name: string;
  figures: string;
  remote?: boolean;
  /**
   * Its switches poll: a switch whose 1vs1 needs more busy threads (sender, receiver, the
   * switch's pollers) than the host has cores runs as one tester instead (layout tester), in its
   * own run `<name>-tester`; the others keep the paper's pairs.
   */
  polling?: boolean;
  /** Quick scale: values kept per axis where the default (QUICK_POINTS) would lose a figure or take too long. */
  quick?: Partial<Record<Axis, number>>;
}

/** The paper's experiments: the example plan each starts from and what it draws. */
export const EXPERIMENTS: Experiment[] = [
  { name: 'table2', figures: 'Table 2' },
  { name: 'fig4a', figures: 'Fig. 4a' },
  { name: 'fig4bc', figures: 'Figs. 4b-c (kernel paths)' },
  { name: 'fig4bc-dpdk', figures: 'Figs. 4b-c (DPDK and netmap switches)', polling: true },
  { name: 'fig4ef', figures: 'Figs. 4e-f' },
  // Fig. 5 draws one figure per packet size, three of them: all three sizes at every scale.
  { name: 'fig5', figures: 'Figs. 5a-c (linux-bridge)', quick: { packetSizes: 3 } },
  // Latency is pairs only (a client and a server), so these share cores on a small host; quick
  // keeps Fig. 5a's size and the ends of the bursts.
  { name: 'fig5-dpdk', figures: 'Fig. 5a (DPDK switches)', quick: { packetSizes: 1, bursts: 2 } },
  { name: 'fig6', figures: 'Fig. 6 (kernel and AF_XDP)' },
  { name: 'fig6-dpdk', figures: 'Fig. 6 (DPDK switches)', polling: true },
  { name: 'remote', figures: 'Figs. 4d, 4g-h', remote: true },
  { name: 'fig5-remote', figures: 'Figs. 5d-f', remote: true, quick: { packetSizes: 3 } },
];

/** What the plans are derived for: this host's cores decide which switches run as testers. */
export interface HostShape {
  cores: number;
}

/** One run of an experiment: its name (the directory under --out) and plan text. */
export interface DerivedPlan {
  name: string;
  source: string;
}

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export interface ReproduceOptions {
  scale?: string;
  testbed?: string;
  out?: string;
  /** Comma-separated experiment names: run only these (the report covers what DIR holds of them). */
  only?: string;
  plain?: boolean;
  /** List each run's cases and seconds of traffic; write and touch nothing. */
  dryRun?: boolean;
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
  const host: HostShape = { cores: readTopology().cores.length };
  const runs = experiments.flatMap((e) =>
    derivePlans(e, readFileSync(join(EXAMPLES, `${e.name}.yaml`), 'utf8'), scale, testbed, host).map((p) => ({
      e,
      ...p,
      planPath: join(out, 'plans', `${p.name}.yaml`),
    })),
  );
  if (opts.dryRun) return dryRun(runs, testbed);

  mkdirSync(join(out, 'plans'), { recursive: true });
  const stored = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : null;
  // Experiments run by an earlier --only stay in the report.
  writeFileSync(
    manifestPath,
    `${JSON.stringify({ ...manifest, experiments: [...new Set([...(stored?.experiments ?? []), ...names])] }, null, 2)}\n`,
  );
  const lines: string[] = [];
  const started = Date.now();
  for (const { e, name, source, planPath } of runs) {
    if (e.remote && testbed === null) {
      lines.push(`${name}: skipped — ${e.figures} need a second host: give --testbed FILE`);
      continue;
    }
    writeFileSync(planPath, source);
    const dir = join(out, name);
    const resume = existsSync(join(dir, 'results.sqlite'));
    process.stderr.write(`\n== ${name} (${e.figures})${resume ? ', continuing' : ''}\n`);
    const runStarted = Date.now();
    const took = () => `${Math.round((Date.now() - runStarted) / 1000)} s`;
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
        `${name}: ${result.summary.cases.length} cases, ${count('ok')} ok, ${count('failed')} failed, ${count('skipped')} skipped (cannot run here), ${took()}`,
      );
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      // One experiment that cannot run (a switch missing, the testbed down) does not stop the others.
      lines.push(`${name}: not run — ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (${took()})`);
    }
  }
  lines.push(`all experiments: ${Math.round((Date.now() - started) / 1000)} s`);

  // Every run this directory holds, in the order of EXPERIMENTS (an experiment's tester run after its pairs run).
  const inReport = EXPERIMENTS.flatMap((e) => [e.name, `${e.name}-tester`]).filter((n) =>
    existsSync(join(out, n, 'results.sqlite')),
  );
  if (inReport.length === 0) {
    process.stdout.write(`${lines.join('\n')}\nno experiment produced results: no report\n`);
    return 1;
  }
  const analysis = analyzeRun(
    mergeRuns(
      `reproduce-${scale}`,
      `nfvperf reproduce --scale ${scale}`,
      inReport.map((n) => ({ name: n, data: readRunFile(join(out, n, 'results.sqlite')) })),
    ),
  );
  const report = await writeReport(out, analysis);
  const figureSet = buildFigures(analysis);
  const comparison = compareWithPaper(analysis, figureSet, {
    notHere: await switchesNotHere(),
    notRun: runs
      .filter((r) => r.e.remote && testbed === null)
      .map((r) => ({ figures: remoteFigures(r.e), reason: `${r.name} needs a second host: give --testbed FILE` })),
  });
  const note = [
    `nfvperf reproduce --scale ${scale}${testbed ? ` --testbed ${testbed}` : ''} --out ${out}`,
    '',
    'experiments:',
    ...lines.map((l) => `  ${l}`),
    '',
    'figure by figure (the figure file, or why it is not drawn; then each finding of the paper about it: verdict — what this run found):',
    ...figureByFigure(figureSet, comparison, report.figures),
    '',
    `report: ${report.html}`,
  ].join('\n');
  writeFileSync(join(out, 'reproduce-notes.txt'), `${note}\n`);
  process.stdout.write(`${note}\n`);
  return 0;
}

type PlannedRun = DerivedPlan & { e: Experiment; planPath: string };

/** `--dry-run`: per run, its cases, what would be skipped and why, and the seconds of traffic. */
async function dryRun(runs: PlannedRun[], testbed: string | null): Promise<number> {
  let total = 0;
  let traffic = 0;
  for (const { e, name, source, planPath } of runs) {
    if (e.remote && testbed === null) {
      process.stdout.write(`${name}: skipped — ${e.figures} need a second host: give --testbed FILE\n`);
      continue;
    }
    const { cases, skipReason } = await preflight(
      { ...parsePlan(source, planPath), source, file: planPath },
      { outDir: '', dryRun: true, skipUnavailable: true },
    );
    const running = cases.filter((c) => skipReason(c) === undefined);
    const seconds = running.reduce((t, c) => t + trafficSeconds(c), 0);
    const skipped = [...new Set(cases.filter((c) => skipReason(c) !== undefined).map((c) => c.switch))];
    total += running.length;
    traffic += seconds;
    process.stdout.write(
      `${name}: ${running.length} cases to run, ${seconds} s of traffic${skipped.length > 0 ? `; skipped: ${skipped.join(', ')} (not available here)` : ''}\n`,
    );
  }
  process.stdout.write(
    `all: ${total} cases, ${traffic} s of traffic (each case adds its set-up and tear-down: about 0.4 s through a kernel switch, 4 s through a DPDK switch on a 2-core host)\n`,
  );
  return 0;
}

/** The figures a remote experiment draws, by the ids of the report. */
function remoteFigures(e: Experiment): string[] {
  return e.name === 'remote' ? ['fig4d', 'fig4g', 'fig4h'] : ['fig5d', 'fig5e', 'fig5f'];
}

/** The paper's switches this host cannot run, with the probe's reason (first clause). */
async function switchesNotHere(): Promise<Map<string, string>> {
  const caps = await capabilities();
  const out = new Map<string, string>();
  for (const sw of PAPER_SWITCHES) {
    const c = caps.switches.get(sw);
    if (c?.available === false) out.set(sw, c.reason ?? 'unavailable here');
  }
  return out;
}

/** The paper's figures in its order. */
const PAPER_FIGURES = [
  'table2',
  ...'abcdefgh'.split('').map((x) => `fig4${x}`),
  ...'abcdef'.split('').map((x) => `fig5${x}`),
  'fig6',
];

/**
 * Per figure of the paper: its PNG or why it is not drawn, then each of the paper's findings
 * about it with the verdict and what this run found.
 */
function figureByFigure(set: FigureSet, comparison: PaperComparison[], files: string[]): string[] {
  return PAPER_FIGURES.flatMap((id) => {
    const png = files.find((f) => f.endsWith(`/${id}.png`));
    // A finding about several figures none of which is drawn is listed under each of them.
    const findings = comparison.filter(
      (p) => p.figure === id || (png === undefined && p.found.startsWith('not drawn') && p.fact.figures.includes(id)),
    );
    return [
      `  ${id}: ${png ?? `not drawn — ${whyNotDrawn(set, id) ?? 'no data for it'}`}`,
      ...findings.map((p) => `    ${p.verdict} (${p.fact.section}) — ${p.found}`),
    ];
  });
}

/** Evenly spread values of `list`, first and last kept, at most `n`. */
function thin<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  if (n === 1) return [list[0]!];
  return [...new Set(Array.from({ length: n }, (_, i) => list[Math.round((i * (list.length - 1)) / (n - 1))]!))];
}

/**
 * The runs an experiment makes at a scale on a host: "paper" is the example as written with at
 * least 3 repetitions; "quick" keeps every figure drawable (QUICK_POINTS values per axis, first
 * and last kept, or the experiment's own) with 3-second trials and one repetition. A polling
 * experiment's switches that cannot run 1vs1 on the host's cores without sharing them (three
 * busy pollers on two cores starve each other) run as one tester each, in a run of their own.
 */
export function derivePlans(
  e: Experiment,
  source: string,
  scale: string,
  testbed: string | null,
  host: HostShape,
): DerivedPlan[] {
  const doc = parseDocument(source);
  const plan = doc.toJS() as Record<string, unknown>;
  if (scale === 'quick') {
    doc.set('duration', 3);
    doc.set('warmup', 1);
    doc.set('cooldown', 1);
    doc.set('repetitions', 1);
    for (const key of Object.keys(QUICK_POINTS) as Axis[]) {
      const n = e.quick?.[key] ?? QUICK_POINTS[key];
      if (Array.isArray(plan[key])) doc.set(key, doc.createNode(thin(plan[key] as unknown[], n), { flow: true }));
    }
  } else {
    doc.set('repetitions', Math.max(3, Number(plan.repetitions ?? 1)));
  }
  if (testbed !== null && plan.locality === 'remote') doc.set('testbed', testbed);
  const header = `# examples/${e.name}.yaml at --scale ${scale} (written by nfvperf reproduce)`;
  const switches = plan.switches as SwitchName[];
  const testers = e.polling ? switches.filter((sw) => pairsShareCores(sw, plan, host)) : [];
  if (testers.length === 0) return [{ name: e.name, source: `${header}\n${String(doc)}` }];
  const plans: DerivedPlan[] = [];
  const paired = switches.filter((sw) => !testers.includes(sw));
  if (paired.length > 0) {
    const pairsDoc = doc.clone();
    pairsDoc.set('switches', pairsDoc.createNode(paired, { flow: true }));
    plans.push({
      name: e.name,
      source: `${header}: the switches whose 1vs1 fits ${host.cores} cores\n${String(pairsDoc)}`,
    });
  }
  doc.set('name', `${e.name}-tester`);
  doc.set('switches', doc.createNode(testers, { flow: true }));
  doc.set('layout', doc.createNode(['tester'], { flow: true }));
  const testerCase = (sw: SwitchName) => ({ ...caseShape(plan, sw), layout: 'tester' as const });
  if (testers.some((sw) => busyThreads(testerCase(sw)) > host.cores)) doc.set('cpuShared', true);
  plans.push({
    name: `${e.name}-tester`,
    source:
      `${header}, layout tester:\n# ${testers.join(', ')} poll beside a 1vs1's sender and receiver, more busy threads than ` +
      `this host's ${host.cores} cores,\n# so one app holds both ports (the paper: a sender and a receiver)\n${String(doc)}`,
  });
  return plans;
}

/** A case of `plan` through `sw` at its most pairs, as busyThreads reads it. */
function caseShape(plan: Record<string, unknown>, sw: SwitchName) {
  return {
    dimension: (plan.dimension ?? 'throughput') as Case['dimension'],
    pairs: Math.max(...((plan.pairs as number[] | undefined) ?? [1])),
    layout: undefined,
    chainLength: undefined,
    clientThreads: 1,
    switch: sw,
  };
}

/** Whether `sw`'s pairs cases of `plan` have more busy threads than the host has cores. */
function pairsShareCores(sw: SwitchName, plan: Record<string, unknown>, host: HostShape): boolean {
  return (plan.dimension ?? 'throughput') === 'throughput' && busyThreads(caseShape(plan, sw)) > host.cores;
}
