// A run: check everything that can be checked without touching the host, then run each case in
// turn (progress shown with listr2), storing each case as soon as it ends, and always leaving the
// host as it was found. SIGINT/SIGTERM stop the running case, keep the completed ones, and write
// their summary.
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { InterruptedError, PlanError, TestbedError, UsageError } from '../common/errors.js';
import { appBinary, appInfo } from '../apps/app.js';
import { checkPlan, unavailableReason, type Capabilities, type SwitchCapability } from '../plan/check.js';
import { expandPlan, formatTuple, trafficSeconds, type Case } from '../plan/expand.js';
import type { LoadedPlan } from '../plan/load.js';
import { BACKEND_NAMES, SWITCH_NAMES, type BackendName, type SwitchName } from '../plan/schema.js';
import { ResultsDb, type CaseRecord } from '../store/db.js';
import type { Summary } from '../store/summary.js';
import { summaryDocumentOf } from '../analysis/summary-document.js';
import { loadRun } from '../store/run-data.js';
import { REMOTE_SWITCHES, SWITCH_DRIVERS } from '../switches/index.js';
import { CONTAINER_RUNTIMES, runtimeFor } from '../testbed/containers.js';
import { readTopology } from '../testbed/cpus.js';
import { environmentManifest } from '../testbed/environment.js';
import { fingerprintOf, fingerprintParts } from '../testbed/fingerprint.js';
import { checkHostForRun } from './host-check.js';
import { pinPerformance, type CpufreqState } from '../testbed/cpufreq.js';
import { Ledger, readLedgers } from '../testbed/ledger.js';
import { newRunToken, runNames } from '../testbed/names.js';
import { Resources } from '../testbed/resources.js';
import { NetworkLease, runCase, StartMargins } from './case.js';
import { LocalHost, type CaseHost } from './case-host.js';
import { RemoteHost } from './remote-host.js';
import { RemoteHosts } from './remote-hosts.js';
import { describeAccess, type Testbed } from '../hosts/types.js';
import { loadPlanTestbed } from '../hosts/testbed-file.js';
import { NFVPERF_VERSION } from '../common/version.js';

export interface RunOptions {
  outDir: string;
  dryRun?: boolean;
  /** Continue the run stored in outDir: cases stored as ok are not run again; failed ones are. */
  resume?: boolean;
  /** Plain progress lines instead of the interactive renderer (default: when stdout is not a TTY). */
  plain?: boolean;
  /** Record cases whose switch or backend is unavailable here as skipped (with the probe's reason) instead of refusing the plan. */
  skipUnavailable?: boolean;
  /**
   * Pin every CPU's cpufreq governor to performance and turn turbo off for the run, restoring
   * both after (a host without cpufreq runs as it is; the manifest says which).
   */
  cpufreqPerformance?: boolean;
  /** Refuse to run on a host that fails a pre-flight rule (testbed/preflight.ts). */
  strict?: boolean;
  /** The pre-flight jitter probe's length per CPU (default 1000 ms; 0 skips it). */
  jitterMs?: number;
  /** Write progress here (default process.stderr). */
  log?: (line: string) => void;
}

export interface RunResult {
  summary: Summary;
  outDir: string;
  interrupted?: NodeJS.Signals;
}

export async function capabilities(): Promise<Capabilities> {
  const switches = new Map<SwitchName, SwitchCapability>();
  for (const name of SWITCH_NAMES) switches.set(name, { backends: [] });
  // Probes only read the host (packages, sysfs, `--version` lines): run them all at once.
  const probes = await Promise.all(SWITCH_DRIVERS.map((driver) => driver.probe()));
  SWITCH_DRIVERS.forEach((driver, i) => {
    const probe = probes[i]!;
    switches.set(driver.name, {
      available: probe.available,
      reason: probe.reason,
      fix: probe.fix,
      backends: driver.backends,
    });
  });
  const appBackends = appInfo().backends.filter((b): b is BackendName =>
    (BACKEND_NAMES as readonly string[]).includes(b),
  );
  const runtimes = new Map(await Promise.all(CONTAINER_RUNTIMES.map(async (r) => [r.name, await r.probe()] as const)));
  return {
    switches,
    appBackends,
    dimensions: ['throughput', 'latency'],
    localities: ['local', 'remote'],
    remoteSwitches: REMOTE_SWITCHES,
    runtimes,
    cores: readTopology().cores.length,
  };
}

export interface Preflight {
  cases: Case[];
  /** Why a case is to be skipped (only with `skipUnavailable`), or undefined: it runs. */
  skipReason(c: Case): string | undefined;
}

/** Everything that must hold before the host is touched. Throws PlanError / UsageError. */
export async function preflight(loaded: LoadedPlan, options: RunOptions): Promise<Preflight> {
  const caps = await capabilities();
  const problems = checkPlan(loaded, caps, { skipUnavailable: options.skipUnavailable });
  if (problems.length > 0) throw new PlanError(problems);
  await loadPlanTestbed(loaded); // a remote plan's testbed file is checked here too (PlanError)
  const checked: Preflight = {
    cases: expandPlan(loaded.plan),
    skipReason: (c) => (options.skipUnavailable ? unavailableReason(caps, c) : undefined),
  };
  if (options.dryRun) return checked;
  if (process.getuid?.() !== 0) {
    throw new UsageError('nfvperf run needs root: it creates network namespaces, links and bridges (run it with sudo)');
  }
  appBinary();
  const out = resolve(options.outDir);
  const dbPath = join(out, 'results.sqlite');
  if (options.resume) {
    if (!existsSync(dbPath)) throw new UsageError(`nothing to resume: ${dbPath} does not exist`);
    const db = new ResultsDb(dbPath, { readonly: true });
    try {
      const stored = db.latestRun();
      if (!stored) throw new UsageError(`nothing to resume: ${dbPath} holds no run`);
      const differences = planDifferences(JSON.parse(stored.planJson) as Record<string, unknown>, loaded.plan);
      if (differences.length > 0) {
        throw new UsageError(
          `the plan differs from the one stored in ${out}, so the run cannot be resumed: ${differences.join('; ')}`,
        );
      }
    } finally {
      db.close();
    }
  } else if (existsSync(dbPath)) {
    throw new UsageError(
      `${out} already holds results (results.sqlite): choose another --out, remove it, or continue it with --resume`,
    );
  }
  try {
    mkdirSync(out, { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (cause) {
    throw new UsageError(`cannot write to --out ${options.outDir}: ${(cause as NodeJS.ErrnoException).code ?? cause}`);
  }
  const leftovers = readLedgers().filter((l) => !l.ownerAlive && l.open.length > 0);
  if (leftovers.length > 0) {
    throw new UsageError(
      `a previous run left ${leftovers.reduce((n, l) => n + l.open.length, 0)} resources on this host ` +
        `(${leftovers.map((l) => l.open[0]!.name).join(', ')}, …): run \`nfvperf cleanup\` first`,
    );
  }
  return checked;
}

export async function runPlan(loaded: LoadedPlan, options: RunOptions): Promise<RunResult> {
  const { cases: allCases, skipReason } = await preflight(loaded, options);
  const outDir = resolve(options.outDir);
  const topology = readTopology();
  // Before anything is created: with --strict, a refused host leaves no ledger and no results file.
  const hostCheck = await checkHostForRun(allCases, topology, { ...options, log: options.log ?? logToStderr });
  const db = new ResultsDb(join(outDir, 'results.sqlite'));
  const taken = new Set(readLedgers().map((l) => l.token));
  const names = runNames(newRunToken(taken));
  const ledger = Ledger.open(names.token);
  // What the whole run changes on the host (cpufreq, the LXC base container), undone after its
  // last case.
  const runResources = new Resources(ledger);
  let pinned: CpufreqState | null = null;
  try {
    if (options.cpufreqPerformance) pinned = await pinPerformance(runResources);
  } catch (e) {
    await runResources.releaseAll();
    ledger.close();
    db.close();
    throw e;
  }
  if (options.cpufreqPerformance && !pinned) {
    (options.log ?? logToStderr)(
      'note: this host has no cpufreq (/sys/devices/system/cpu/cpu*/cpufreq): the CPUs run as they are',
    );
  }
  let runId: number;
  let cases = allCases;
  const resumed = options.resume ? db.latestRun() : undefined;
  if (resumed) {
    runId = resumed.id;
    const done = db.storedCaseKeys(runId);
    cases = allCases.filter((c) => !done.has(c.id));
    db.reopenRun(runId);
    (options.log ?? logToStderr)(
      `resuming: ${done.size} of ${allCases.length} cases already measured, ${cases.length} to run`,
    );
  } else {
    const manifest = await environmentManifest(
      topology,
      { nfvperf: NFVPERF_VERSION, app: appInfo().line },
      { cpufreqPinned: pinned !== null },
    );
    const environment = { ...manifest, fingerprint: fingerprintOf(fingerprintParts(manifest, loaded.plan)) };
    runId = db.startRun({
      name: loaded.plan.name,
      planFile: loaded.file,
      planYaml: loaded.source,
      planJson: JSON.stringify(loaded.plan),
      version: NFVPERF_VERSION,
      environment,
    });
  }
  db.savePreflight(runId, hostCheck.findings);
  const testbed = await loadPlanTestbed(loaded);
  // One agent per host for the whole run (one SSH connection each), reused case after case.
  const remoteHosts = testbed ? new RemoteHosts(testbed) : undefined;

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1)
      (options.log ?? logToStderr)(`\n${signal}: stopping the running case and tearing down (again to hurry)…`);
    abort.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const writeSummary = () => {
    const data = loadRun(db.db, runId);
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summaryDocumentOf(data), null, 2)}\n`);
    return data.summary;
  };
  const eta = new Eta(cases);
  let releaseLease: () => Promise<string[]> = async () => [];
  let fatal: Error | undefined;
  try {
    const containers = cases.some((c) => c.locality === 'local')
      ? await runtimeFor(loaded.plan.containers).prepare(runResources, names)
      : undefined;
    const startMargins = new StartMargins();
    // Where a case's apps run: here, or senders on the testbed's first host and receivers on its second.
    const caseHosts = (c: Case): CaseHost[] => {
      if (c.locality === 'local' || !testbed)
        return [new LocalHost({ names, ledger, topology, containers: containers! })];
      const [senders, receivers] = testbed.hosts;
      (options.log ?? logToStderr)(
        `remote case, run ${names.token}: senders on ${senders.name} (${describeAccess(senders)}), ` +
          `receivers on ${receivers.name} (${describeAccess(receivers)})`,
      );
      const ctx = { names, hosts: remoteHosts!, backend: c.backend };
      return [new RemoteHost(senders, 's', ctx), new RemoteHost(receivers, 'r', ctx)];
    };
    // Consecutive cases of one shape share their network (NetworkLease); the run's last lease is
    // torn down at the latest when the run ends, however it ends.
    let lease: NetworkLease | undefined;
    const leaseFor = (c: Case, i: number): { hosts: CaseHost[]; lease?: NetworkLease } => {
      const key = NetworkLease.keyOf(c);
      if (!lease?.built || lease.key !== key)
        lease = key === undefined ? undefined : new NetworkLease(key, caseHosts(c));
      if (!lease) return { hosts: caseHosts(c) };
      const next = cases[i + 1];
      lease.keepUp = next !== undefined && !skipReason(next) && NetworkLease.keyOf(next) === key;
      return { hosts: lease.hosts, lease };
    };
    releaseLease = async () => (lease?.built ? lease.tearDown() : []);
    const tasks = new Listr(
      cases.map((c, i) => ({
        title: `${c.index + 1}/${allCases.length} ${formatTuple(c)} ${c.backend}${c.repetition ? ` rep ${c.repetition}` : ''}`,
        task: async (_: unknown, task: { title: string; output: string; skip(message?: string): void }) => {
          if (abort.signal.aborted || fatal) {
            task.skip(`${task.title} (${fatal ? 'not run: the run stopped' : 'interrupted'})`);
            return;
          }
          const title = task.title;
          const skip = skipReason(c);
          task.output = skip ? 'skipped' : `running; run ETA ${eta.remaining(c)}`;
          const started = Date.now();
          const record: CaseRecord = skip
            ? skippedRecord(c, skip)
            : await runCase(c, {
                ...leaseFor(c, i),
                signal: abort.signal,
                log: options.log ?? logToStderr,
                startMargins,
              });
          try {
            if (testbed) saveHostEnvironments(db, runId, testbed, remoteHosts!);
            db.saveCase(runId, record);
            writeSummary();
          } catch (cause) {
            // Storing failed (a full disk, most likely): the case's transaction was rolled back,
            // every earlier case is intact; running more cases would only lose more results.
            fatal = new TestbedError(
              `cannot store results in ${outDir} (${storageReason(cause)}); ` +
                `the cases stored before this one are intact`,
              { cause },
            );
            throw fatal;
          }
          eta.done(c, Date.now() - started);
          if (record.status === 'skipped') {
            task.skip(`${title}: skipped: ${record.error}`);
            return;
          }
          task.title = `${title}: ${caseOutcome(record)}`;
          if (record.status === 'failed') throw new Error(`${title}: ${record.error}`);
        },
      })),
      {
        concurrent: false,
        exitOnError: false,
        registerSignalListeners: false,
        renderer: options.plain ? 'simple' : 'default',
        fallbackRenderer: 'simple',
        // Progress goes to stderr; stdout carries the results table.
        rendererOptions: { collapseErrors: false, logger: progressLogger() },
        fallbackRendererOptions: { logger: progressLogger() },
      },
    );
    await tasks.run().catch((e: unknown) => {
      if (!(e instanceof InterruptedError)) throw e;
    });
    if (fatal) throw fatal;
    const interrupted = abort.signal.aborted ? (abort.signal.reason as NodeJS.Signals) : undefined;
    db.finishRun(runId, interrupted ? 'interrupted' : 'completed');
    return { summary: writeSummary(), outDir, interrupted };
  } catch (e) {
    try {
      db.finishRun(runId, 'failed');
      writeSummary();
    } catch {
      /* the disk may still be full: the database stays as the last case left it */
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const e of await releaseLease())
      (options.log ?? logToStderr)(`nfvperf: teardown: ${e} (run \`nfvperf cleanup\`)`);
    await remoteHosts?.close();
    for (const e of await runResources.releaseAll())
      (options.log ?? logToStderr)(`nfvperf: teardown: ${e.message} (run \`nfvperf cleanup\`)`);
    ledger.close();
    db.close();
  }
}

/** Stores the manifest of each host reached so far (its agent gathered it when it started). */
function saveHostEnvironments(db: ResultsDb, runId: number, testbed: Testbed, hosts: RemoteHosts): void {
  testbed.hosts.forEach((h, i) => {
    const environment = hosts.environments.get(h.name);
    if (environment) db.saveHostEnvironment(runId, h.name, i === 0 ? 'senders' : 'receivers', environment);
  });
}

/** Estimated time left: planned traffic seconds plus the measured per-case overhead so far. */
class Eta {
  private overheadMs = 1000;
  private finished = new Set<number>();
  constructor(private readonly cases: readonly Case[]) {}

  done(c: Case, elapsedMs: number): void {
    this.finished.add(c.index);
    const overhead = Math.max(0, elapsedMs - trafficSeconds(c) * 1000);
    this.overheadMs =
      this.finished.size === 1
        ? overhead
        : (this.overheadMs * (this.finished.size - 1) + overhead) / this.finished.size;
  }

  remaining(current: Case): string {
    const ms = this.cases
      .filter((c) => c.index >= current.index && !this.finished.has(c.index))
      .reduce((sum, c) => sum + trafficSeconds(c) * 1000 + this.overheadMs, 0);
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  }
}

/** A case not run because its switch or backend is unavailable here: stored with the reason, no figures. */
function skippedRecord(c: Case, reason: string): CaseRecord {
  return { case: c, status: 'skipped', error: reason, cpuShared: false, samples: [], summaries: [], throughput: null };
}

/** One line for the progress display: the figure a reader looks for first, or why it failed. */
function caseOutcome(record: CaseRecord): string {
  if (record.status !== 'ok') return `failed: ${record.error}`;
  const { throughput: t, latency: l, search } = record;
  if (t)
    return `rx ${(t.rxPps / 1e6).toFixed(3)} Mpps, ${t.rxGbps.toFixed(3)} Gbps, loss ${(t.lossRatio * 100).toFixed(2)}%`;
  if (l) return `RTT p50 ${l.p50Us.toFixed(1)} µs, p99 ${l.p99Us.toFixed(1)} µs (${l.samples} echoes)`;
  if (search) {
    return (
      search.goals
        .map((g) => `${g.name} ≥ ${g.lowerBoundPps === null ? '-' : `${(g.lowerBoundPps / 1e3).toFixed(1)}k`}`)
        .join(', ') + ` pps per sender, ${search.totalTrials} trials`
    );
  }
  return 'ok';
}

function storageReason(cause: unknown): string {
  const code = (cause as { code?: string }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'no space left on the device';
  return cause instanceof Error ? cause.message : String(cause);
}

/** Field-by-field differences between a stored plan and the current one, as `field (old → new)`. */
export function planDifferences(stored: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(current)])];
  return keys
    .filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(current[k]))
    .map((k) => `${k} (${JSON.stringify(stored[k]) ?? 'absent'} → ${JSON.stringify(current[k]) ?? 'absent'})`);
}

function progressLogger(): ListrLogger {
  return new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(process.stderr, process.stderr) });
}

function logToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
