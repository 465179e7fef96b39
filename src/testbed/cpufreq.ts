// CPU frequency scaling for a run's duration, as the paper pinned it: every CPU's cpufreq governor
// set to `performance` and turbo turned off, so a CPU's speed does not change under the
// measurement. The state found is written to the ledger before anything changes and written back
// afterwards (or by `nfvperf cleanup` after a crash). Two turbo controls exist: intel_pstate's
// `no_turbo` (1 = off) and the generic cpufreq `boost` (0 = off, acpi-cpufreq and amd-pstate).
// Every path is under `root` (the host's /sys; a fake tree in tests). Not verified on real
// hardware: the project's VMs have no cpufreq at all.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestbedError } from '../common/errors.js';
import type { Resources } from './resources.js';

export const SYSFS_ROOT = '/sys';

/** What a run changes, as found: the per-CPU governors and the turbo switch, if any. */
export interface CpufreqState {
  /** The sysfs root these paths are under. */
  root: string;
  /** CPU directory name (`cpu0`, …) → its scaling_governor. */
  governors: Record<string, string>;
  /** The turbo control this host has, and its raw value; absent when it has none. */
  turbo?: { control: TurboControl; value: string };
}

type TurboControl = 'intel_pstate/no_turbo' | 'cpufreq/boost';

const cpuDir = (root: string) => join(root, 'devices', 'system', 'cpu');
const governorFile = (root: string, cpu: string) => join(cpuDir(root), cpu, 'cpufreq', 'scaling_governor');
const turboFile = (root: string, control: TurboControl) => join(cpuDir(root), control);

/** The host's cpufreq state, or null when it has no cpufreq (VMs like ours). */
export function readCpufreq(root = SYSFS_ROOT): CpufreqState | null {
  let cpus: string[];
  try {
    cpus = readdirSync(cpuDir(root))
      .filter((d) => /^cpu\d+$/.test(d))
      .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  } catch {
    return null;
  }
  const governors: Record<string, string> = {};
  for (const cpu of cpus) {
    const g = readTrimmed(governorFile(root, cpu));
    if (g !== undefined) governors[cpu] = g;
  }
  if (Object.keys(governors).length === 0) return null;
  // intel_pstate first: where it drives the CPUs, cpufreq/boost is absent or ignored.
  const control = (['intel_pstate/no_turbo', 'cpufreq/boost'] as const).find((c) => existsSync(turboFile(root, c)));
  const value = control && readTrimmed(turboFile(root, control));
  return { root, governors, ...(control && value !== undefined ? { turbo: { control, value } } : {}) };
}

/** Whether turbo is on in `state` (undefined when the host has no turbo control). */
export function turboOn(state: CpufreqState): boolean | undefined {
  if (!state.turbo) return undefined;
  return state.turbo.control === 'intel_pstate/no_turbo' ? state.turbo.value === '0' : state.turbo.value !== '0';
}

/** The manifest's entries: governors (distinct, comma-separated) and turbo, or "no cpufreq". */
export function describeCpufreq(state: CpufreqState | null): { cpufreqGovernor: string; cpufreqTurbo: string } {
  if (!state) return { cpufreqGovernor: 'no cpufreq', cpufreqTurbo: 'no cpufreq' };
  const on = turboOn(state);
  return {
    cpufreqGovernor: [...new Set(Object.values(state.governors))].join(','),
    cpufreqTurbo:
      on === undefined ? 'no turbo control' : `${on ? 'on' : 'off'} (${state.turbo!.control}=${state.turbo!.value})`,
  };
}

/**
 * Sets every CPU's governor to performance and turbo off until `resources` is released; the
 * state found goes to the ledger first. Returns that state, or null (nothing changed) when the
 * host has no cpufreq.
 */
export async function pinPerformance(resources: Resources, root = SYSFS_ROOT): Promise<CpufreqState | null> {
  const found = readCpufreq(root);
  if (!found) return null;
  await resources.create(
    { kind: 'cpufreq', name: root, saved: JSON.stringify(found) },
    async () => {
      for (const cpu of Object.keys(found.governors)) writeSysfs(governorFile(root, cpu), 'performance');
      if (found.turbo)
        writeSysfs(turboFile(root, found.turbo.control), found.turbo.control === 'intel_pstate/no_turbo' ? '1' : '0');
      // Read back: a governor the driver does not offer is refused silently by some kernels.
      const now = readCpufreq(root);
      const off = Object.entries(now?.governors ?? {})
        .filter(([, g]) => g !== 'performance')
        .map(([cpu, g]) => `${cpu}: ${g}`);
      if (off.length > 0)
        throw new TestbedError(`cpufreq governor is not performance after setting it (${off.join(', ')})`);
      if (now && turboOn(now))
        throw new TestbedError(`turbo is still on after turning it off (${now.turbo!.control}=${now.turbo!.value})`);
    },
    async () => restoreCpufreq(found),
  );
  return found;
}

/** Writes a saved state back (turbo first: some drivers refuse governor changes while boosting). */
export function restoreCpufreq(saved: CpufreqState): void {
  if (saved.turbo) writeSysfs(turboFile(saved.root, saved.turbo.control), saved.turbo.value);
  for (const [cpu, governor] of Object.entries(saved.governors)) writeSysfs(governorFile(saved.root, cpu), governor);
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysfs(path: string, value: string): void {
  try {
    writeFileSync(path, `${value}\n`);
  } catch (cause) {
    throw new TestbedError(
      `cannot write ${value} to ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      { cause },
    );
  }
}
