// Facts about the host that switch drivers' and container runtimes' probe() read: installed
// packages and programs, hugepages, the app's backends. Each helper answers one question and
// never throws; the need* helpers say what is missing and how to fix it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../common/exec.js';
import { appInfo, PACKAGE_ROOT } from '../apps/app.js';
import { backendInfo, type BackendName } from '../apps/backends.js';

/** Whether something (a switch, a container runtime) can run here, and if not, why and the fix. */
export interface Probe {
  available: boolean;
  /** Why not, in one line, when unavailable. */
  reason?: string;
  /** What would make it available (a command to run, hardware to add). */
  fix?: string;
  version?: string;
}

/** One missing prerequisite: why it blocks, and what would fix it. */
export interface Missing {
  reason: string;
  fix: string;
}

/** The installed version of a Debian package, or undefined (`dpkg-query -W`). */
export async function packageVersion(pkg: string): Promise<string | undefined> {
  const r = await exec(['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Version}', pkg], { check: false }).catch(
    () => undefined,
  );
  if (!r || r.exitCode !== 0) return undefined;
  const m = /^ii\s+(\S+)/.exec(r.stdout);
  return m?.[1];
}

/** The full path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir && existsSync(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  return undefined;
}

/** The first line a program prints for `argv` (e.g. `--version`), or undefined if it cannot run. */
export async function versionLine(argv: string[], env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await exec(argv, { check: false, timeoutMs: 5000, env }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0];
}

/**
 * Where builds of programs no distribution packages (Snabb, VPP) may be found: NFVPERF_THIRD_PARTY,
 * else `third_party/` of the `shared/` directory beside this checkout (how the project's machines
 * provide them: see ../shared/third_party/<name>/README.md).
 */
export function thirdPartyDir(): string {
  return process.env.NFVPERF_THIRD_PARTY ?? join(PACKAGE_ROOT, '..', 'shared', 'third_party');
}

/** The iproute2 probe shared by the kernel data paths: they need `ip` (and `tc` when asked). */
export async function iproute2Probe(tools: ('ip' | 'tc')[] = ['ip']): Promise<Probe> {
  let version: string | undefined;
  for (const tool of tools) {
    const line = await versionLine([tool, '-V']);
    if (!line)
      return { available: false, reason: `iproute2 (\`${tool}\`) is not installed`, fix: 'apt-get install iproute2' };
    version ??= line.replace(/^(ip|tc) utility, /, '');
  }
  return { available: true, version };
}

/** Free and total 2 MB hugepages. */
export function hugepages(): { total: number; free: number } {
  const read = (f: string) => {
    try {
      return Number(readFileSync(`/sys/kernel/mm/hugepages/hugepages-2048kB/${f}`, 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  };
  return { total: read('nr_hugepages'), free: read('free_hugepages') };
}

/** The backends built into nfvperf-app, or the reason they cannot be read. */
export function appBackends(): { backends: string[]; error?: string } {
  try {
    return { backends: appInfo().backends };
  } catch (e: unknown) {
    return { backends: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether this kernel can load modules at all (it cannot when built without CONFIG_MODULES). */
export function kernelLoadsModules(): boolean {
  if (!existsSync('/proc/modules')) return false;
  try {
    return readFileSync('/proc/sys/kernel/modules_disabled', 'utf8').trim() === '0';
  } catch {
    return true;
  }
}

/** The probe of something that can run when nothing is `missing`. */
export function probeFrom(missing: readonly Missing[], version?: string): Probe {
  return missing.length === 0
    ? { available: true, version }
    : {
        available: false,
        reason: missing.map((m) => m.reason).join('; '),
        fix: missing.map((m) => m.fix).join('; '),
        version,
      };
}

/** Missing when no 2 MB hugepages are reserved (DPDK-based switches need them). */
export function needHugepages(): Missing[] {
  const hp = hugepages();
  return hp.total > 0
    ? []
    : [
        {
          reason: 'no 2 MB hugepages are reserved (/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages is 0)',
          fix: 'echo 1024 > /proc/sys/vm/nr_hugepages',
        },
      ];
}

/** Missing when nfvperf-app was built without `backend`. */
export async function needAppBackend(backend: BackendName): Promise<Missing[]> {
  const app = appBackends();
  if (app.error)
    return [{ reason: `nfvperf-app cannot be asked for its backends: ${app.error}`, fix: 'npm run build' }];
  if (app.backends.includes(backend)) return [];
  const { source: relative, packages, buildHint } = backendInfo(backend);
  const source = join(PACKAGE_ROOT, relative);
  const absent = (await Promise.all(packages.map(async (p) => ((await packageVersion(p)) ? [] : [p])))).flat();
  const install = absent.length > 0 ? `apt-get install ${absent.join(' ')} && ` : '';
  const built = `it was built with ${app.backends.join(', ')}`;
  if (buildHint && existsSync(source))
    return [{ reason: `nfvperf-app has no ${backend} backend (${built}: ${buildHint.reason})`, fix: buildHint.fix }];
  return [
    existsSync(source)
      ? {
          reason: `nfvperf-app has no ${backend} backend (${built}, though ${source} exists)`,
          fix: `${install}npm run build`,
        }
      : {
          reason: `nfvperf-app has no ${backend} backend (${built}; ${source} is not written yet)`,
          fix: `${install}write ${source}, then npm run build`,
        },
  ];
}
