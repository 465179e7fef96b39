// `nfvperf doctor --host`: the pre-flight check of this host (testbed/preflight.ts) on its online
// CPUs (or --cpus), each finding with what it means for the figures and how to fix it. Exit 0;
// with --strict, exit 1 when a rule fails (as `nfvperf run --strict` would refuse the host).
import { UsageError } from '../../common/errors.js';
import { parseCpuList, readTopology } from '../../testbed/cpus.js';
import { DEFAULT_JITTER_MS, failedRules, preflightHost, type PreflightReport } from '../../testbed/preflight.js';

export interface DoctorHostOptions {
  json?: boolean;
  strict?: boolean;
  /** As typed: a CPU list such as `1-3,5`. */
  cpus?: string;
  /** As typed: milliseconds per CPU. */
  jitterMs?: string;
  /** As typed: comma-separated interface names whose NUMA node is checked. */
  nics?: string;
}

export async function doctorHostCommand(opts: DoctorHostOptions): Promise<number> {
  const topology = readTopology();
  let cpus = topology.online;
  if (opts.cpus !== undefined) {
    try {
      cpus = parseCpuList(opts.cpus);
    } catch {
      throw new UsageError(`Expected --cpus to be a CPU list such as \`1-3,5\`, got \`${opts.cpus}\``);
    }
    const offline = cpus.filter((c) => !topology.online.includes(c));
    if (cpus.length === 0 || offline.length > 0)
      throw new UsageError(`Expected --cpus to name online CPUs (${topology.online.join(',')}), got \`${opts.cpus}\``);
  }
  const jitterMs = opts.jitterMs === undefined ? DEFAULT_JITTER_MS : Number(opts.jitterMs);
  if (!Number.isInteger(jitterMs) || jitterMs < 0 || jitterMs > 600_000) {
    throw new UsageError(`Expected --jitter-ms to be an integer in [0, 600000], got \`${opts.jitterMs}\``);
  }
  const report = await preflightHost({ cpus, jitterMs, nics: opts.nics?.split(',').filter(Boolean) ?? [] });
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return opts.strict && failedRules(report).length > 0 ? 1 : 0;
}

export function formatReport(report: PreflightReport): string {
  const lines = [`pre-flight check of this host on CPUs ${report.cpus.join(',')}`, ''];
  const width = Math.max(...report.findings.map((f) => f.rule.length));
  for (const f of report.findings) {
    lines.push(`  ${f.status.toUpperCase().padEnd(4)}  ${f.rule.padEnd(width)}  ${f.found}`);
    const indent = ' '.repeat(width + 10);
    lines.push(`${indent}means: ${f.meaning}`);
    if (f.fix) lines.push(`${indent}fix:   ${f.fix}`);
  }
  const failed = report.findings.filter((f) => f.status === 'fail').length;
  lines.push(
    '',
    failed === 0
      ? 'no rule failed'
      : `${failed} rule${failed === 1 ? '' : 's'} failed: \`nfvperf run --strict\` would refuse this host`,
  );
  return `${lines.join('\n')}\n`;
}
