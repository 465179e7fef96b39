// `nfvperf doctor`: what can run on this host. For every switch, every app backend and every
// container runtime: available or not, its version, and when not, the exact reason and the fix.
// Informational: it touches nothing and exits 0 whatever it finds.
import { appInfo } from '../../apps/app.js';
import { BACKENDS } from '../../apps/backends.js';
import { SWITCH_DRIVERS } from '../../switches/index.js';
import { CONTAINER_RUNTIMES } from '../../testbed/containers.js';
import { needAppBackend } from '../../testbed/probes.js';

export interface DoctorEntry {
  name: string;
  description: string;
  available: boolean;
  /** null when unknown or not installed. */
  version: string | null;
  /** Why it is unavailable; null when available. */
  reason: string | null;
  /** What would make it available; null when available. */
  fix: string | null;
}

export interface DoctorReport {
  switches: DoctorEntry[];
  backends: DoctorEntry[];
  runtimes: DoctorEntry[];
}

export async function doctorReport(): Promise<DoctorReport> {
  const [switches, backends, runtimes] = await Promise.all([
    Promise.all(
      SWITCH_DRIVERS.map(async (d): Promise<DoctorEntry> => {
        const p = await d.probe().catch((e: unknown) => ({
          available: false,
          reason: `probe failed: ${e instanceof Error ? e.message : String(e)}`,
          fix: undefined,
          version: undefined,
        }));
        return entry(d.name, d.description, p.available, p.version, p.reason, p.fix);
      }),
    ),
    backendEntries(),
    runtimeEntries(),
  ]);
  return { switches, backends, runtimes };
}

async function backendEntries(): Promise<DoctorEntry[]> {
  let version: string | undefined;
  try {
    version = appInfo().line;
  } catch {
    /* the reasons below say why */
  }
  return Promise.all(
    BACKENDS.map(async (b) => {
      const missing = await needAppBackend(b.name);
      return entry(
        b.name,
        b.description,
        missing.length === 0,
        version,
        missing.map((m) => m.reason).join('; '),
        missing.map((m) => m.fix).join('; '),
      );
    }),
  );
}

async function runtimeEntries(): Promise<DoctorEntry[]> {
  return Promise.all(
    CONTAINER_RUNTIMES.map(async (r) => {
      const p = await r.probe();
      return entry(r.name, r.description, p.available, p.version, p.reason, p.fix);
    }),
  );
}

function entry(
  name: string,
  description: string,
  available: boolean,
  version?: string,
  reason?: string,
  fix?: string,
): DoctorEntry {
  return {
    name,
    description,
    available,
    version: version || null,
    reason: available ? null : reason || 'unknown reason',
    fix: available ? null : fix || null,
  };
}

export async function doctorCommand(opts: { json?: boolean }): Promise<number> {
  const report = await doctorReport();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const sections: [string, DoctorEntry[]][] = [
    ['switches', report.switches],
    ['app backends', report.backends],
    ['container runtimes', report.runtimes],
  ];
  const width = Math.max(...sections.flatMap(([, es]) => es.map((e) => e.name.length)));
  for (const [title, entries] of sections) {
    process.stdout.write(`${title}\n`);
    for (const e of entries) {
      const status = e.available ? 'available  ' : 'unavailable';
      process.stdout.write(`  ${e.name.padEnd(width)}  ${status}  ${e.available ? (e.version ?? '') : e.reason}\n`);
      if (!e.available && e.fix) process.stdout.write(`  ${' '.repeat(width)}  ${' '.repeat(11)}  fix: ${e.fix}\n`);
    }
    process.stdout.write('\n');
  }
  const runnable = report.switches.filter((s) => s.available).map((s) => s.name);
  process.stdout.write(`switches that run here: ${runnable.join(', ') || 'none'}\n`);
  return 0;
}
