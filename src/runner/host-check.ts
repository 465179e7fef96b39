// The pre-flight check at the start of a run: the host judged on the CPUs this plan's cases will
// use (testbed/preflight.ts), stored with the run; with `strict`, a host that fails a rule is
// refused before anything is created.
import { TestbedError } from '../common/errors.js';
import type { Case } from '../plan/expand.js';
import { assignCpus, type CpuTopology } from '../testbed/cpus.js';
import { busyThreads } from './topology.js';
import { DEFAULT_JITTER_MS, failedRules, preflightHost, type PreflightReport } from '../testbed/preflight.js';

/**
 * The CPUs the local cases take, as the runner assigns them: per case one physical core per busy
 * thread (each app, two-thread clients' receive threads, the switch's busy threads). A
 * plan with no local case is judged on every online CPU of this host.
 */
export function planCores(cases: readonly Case[], topology: CpuTopology): number[] {
  const local = cases.filter((c) => c.locality === 'local');
  if (local.length === 0) return topology.online;
  const cpus = new Set<number>();
  for (const c of local) {
    for (const cpu of assignCpus(topology, busyThreads(c)).cpus) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

export async function checkHostForRun(
  cases: readonly Case[],
  topology: CpuTopology,
  options: { strict?: boolean; jitterMs?: number; cpufreqPerformance?: boolean; log: (line: string) => void },
): Promise<PreflightReport> {
  const report = await preflightHost({
    cpus: planCores(cases, topology),
    jitterMs: options.jitterMs ?? DEFAULT_JITTER_MS,
    cpufreqPinnedForRun: options.cpufreqPerformance,
  });
  const count = (status: string) => report.findings.filter((f) => f.status === status).length;
  const failed = failedRules(report);
  if (options.strict && failed.length > 0) {
    throw new TestbedError(
      `--strict: this host fails ${failed.length} pre-flight rule${failed.length === 1 ? '' : 's'}:\n  ${failed.join('\n  ')}`,
    );
  }
  options.log(
    `pre-flight on CPUs ${report.cpus.join(',')}: ${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail ` +
      `(stored with the run; \`nfvperf doctor --host\` explains each)`,
  );
  return report;
}
