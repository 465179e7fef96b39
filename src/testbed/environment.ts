// The environment manifest stored with every run: what machine, kernel, CPUs and versions
// produced the numbers (a figure without its environment cannot be compared or reproduced).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { exec } from '../common/exec.js';
import type { CpuTopology } from './cpus.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function environmentManifest(topology: CpuTopology, versions: { nfvperf: string; app: string }): Promise<Record<string, string>> {
  const osRelease = read('/etc/os-release') ?? '';
  const prettyName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'unknown';
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(read('/proc/cpuinfo') ?? '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(read('/proc/cpuinfo') ?? '')?.[1]?.split(' ') ?? [];
  const governor = read('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor');
  const ip = await exec(['ip', '-V'], { check: false }).catch(() => undefined);
  return {
    hostname: os.hostname(),
    // Two hosts with one boot id are one machine (namespace hosts): their CPUs are shared.
    bootId: read('/proc/sys/kernel/random/boot_id') ?? 'unknown',
    os: prettyName,
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpuModel,
    cpusOnline: topology.online.join(','),
    physicalCores: topology.cores.join(','),
    memoryBytes: String(os.totalmem()),
    clocksource: read('/sys/devices/system/clocksource/clocksource0/current_clocksource') ?? 'unknown',
    tsc: ['constant_tsc', 'nonstop_tsc'].filter((f) => flags.includes(f)).join(',') || 'not invariant',
    cpufreqGovernor: governor ?? 'none (no cpufreq)',
    hugepages2M: read('/proc/sys/vm/nr_hugepages') ?? 'unknown',
    node: process.version,
    nfvperf: versions.nfvperf,
    nfvperfApp: versions.app,
    iproute2: ip?.stdout.trim() ?? 'unknown',
  };
}
