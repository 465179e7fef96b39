// The environment manifest stored with every run: what machine, kernel, CPUs and versions
// produced the numbers (a figure without its environment cannot be compared or reproduced).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { exec } from '../common/exec.js';
import type { CpuTopology } from './cpus.js';
import { describeCpufreq, readCpufreq } from './cpufreq.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `sysRoot`: where sysfs is (a fake tree in tests); `cpufreqPinned`: whether the run pinned the governor and turbo. */
export async function environmentManifest(topology: CpuTopology, versions: { nfvperf: string; app: string },
  options: { sysRoot?: string; cpufreqPinned?: boolean } = {}): Promise<Record<string, string>> {
  const osRelease = read('/etc/os-release') ?? '';
  const prettyName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'unknown';
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(read('/proc/cpuinfo') ?? '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(read('/proc/cpuinfo') ?? '')?.[1]?.split(' ') ?? [];
  const cpufreq = readCpufreq(options.sysRoot);
  const ip = await exec(['ip', '-V'], { check: false }).catch(() => undefined);
  // The container runtimes' versions: an lxc case's figures depend on the LXC that ran it.
  const lxc = await exec(['lxc-create', '--version'], { check: false }).catch(() => undefined);
  return {
    hostname: os.hostname(),
    os: prettyName,
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpuModel,
    cpusOnline: topology.online.join(','),
    physicalCores: topology.cores.join(','),
    memoryBytes: String(os.totalmem()),
    clocksource: read('/sys/devices/system/clocksource/clocksource0/current_clocksource') ?? 'unknown',
    tsc: ['constant_tsc', 'nonstop_tsc'].filter((f) => flags.includes(f)).join(',') || 'not invariant',
    ...describeCpufreq(cpufreq),
    cpufreqPinned: cpufreq ? (options.cpufreqPinned ? 'yes (performance, turbo off, for the run)' : 'no') : 'no cpufreq',
    hugepages2M: read('/proc/sys/vm/nr_hugepages') ?? 'unknown',
    node: process.version,
    nfvperf: versions.nfvperf,
    nfvperfApp: versions.app,
    iproute2: ip?.stdout.trim() ?? 'unknown',
    lxc: lxc?.exitCode === 0 ? lxc.stdout.trim() : 'not installed',
  };
}
