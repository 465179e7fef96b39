// The environment manifest stored with every run: what machine, kernel, CPUs and versions
// produced the numbers (a figure without its environment cannot be compared or reproduced).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import { exec } from '../common/exec.js';
import type { CpuTopology } from './cpus.js';
import { describeCpufreq, readCpufreq } from './cpufreq.js';
import { compactCpuList, kernelCpuParam } from './preflight.js';
import { SWITCH_DRIVERS } from '../switches/index.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `sysRoot`: where sysfs is (a fake tree in tests); `cpufreqPinned`: whether the run pinned the governor and turbo. */
export async function environmentManifest(
  topology: CpuTopology,
  versions: { nfvperf: string; app: string },
  options: { sysRoot?: string; cpufreqPinned?: boolean } = {},
): Promise<Record<string, string>> {
  const osRelease = read('/etc/os-release') ?? '';
  const prettyName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'unknown';
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const cpufreq = readCpufreq(options.sysRoot);
  const ip = await exec(['ip', '-V'], { check: false }).catch(() => undefined);
  // The container runtimes' versions: an lxc case's figures depend on the LXC that ran it.
  const lxc = await exec(['lxc-create', '--version'], { check: false }).catch(() => undefined);
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
    ...describeCpufreq(cpufreq),
    cpufreqPinned: cpufreq
      ? options.cpufreqPinned
        ? 'yes (performance, turbo off, for the run)'
        : 'no'
      : 'no cpufreq',
    hugepages2M: read('/proc/sys/vm/nr_hugepages') ?? 'unknown',
    node: process.version,
    nfvperf: versions.nfvperf,
    nfvperfApp: versions.app,
    iproute2: ip?.stdout.trim() ?? 'unknown',
    lxc: lxc?.exitCode === 0 ? lxc.stdout.trim() : 'not installed',
    ...(await tscOf(cpuinfo, flags)),
    irqTimeAccounting: irqTimeAccounting(),
    ...isolationOf(options.sysRoot),
    ...(await switchVersions()),
  };
}

/** This host's TSC frequency in Hz (the manifest's `tscHz`, found as below), or undefined. */
export async function readTscHz(): Promise<number | undefined> {
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const hz = Number((await tscOf(cpuinfo, flags)).tscHz);
  return hz > 0 ? hz : undefined;
}

/**
 * The isolation state (kernel command line and sysfs): part of what makes two runs comparable
 * (testbed/fingerprint.ts), since isolated and shared CPUs give different figures.
 */
function isolationOf(sysRoot = '/sys'): Record<string, string> {
  const cmdline = read('/proc/cmdline') ?? '';
  const param = (name: string) => compactCpuList(kernelCpuParam(cmdline, name) ?? []) || 'none';
  return {
    isolatedCpus: read(`${sysRoot}/devices/system/cpu/isolated`) || 'none',
    isolcpus: param('isolcpus'),
    nohzFull: param('nohz_full'),
    rcuNocbs: param('rcu_nocbs'),
    smt: read(`${sysRoot}/devices/system/cpu/smt/control`) ?? 'unknown',
  };
}

/** `version:<switch>` per driver: the software that forwarded the packets (DPDK, OVS, VPP, Snabb, the kernel tools). */
async function switchVersions(): Promise<Record<string, string>> {
  // Probes only read the host (package lists, `--version` lines).
  const probes = await Promise.all(SWITCH_DRIVERS.map((d) => d.probe().catch(() => undefined)));
  return Object.fromEntries(SWITCH_DRIVERS.map((d, i) => [`version:${d.name}`, probes[i]?.version ?? 'not available']));
}

/**
 * The TSC frequency, for cycles per packet (analysis/cpu.ts reads `tscHz`), and where it came
 * from. In order: the kernel's own figure in sysfs (`tsc_freq_khz`, where the kernel exports it);
 * the kernel log's calibration line (lost once the ring buffer wraps, which bridge port messages
 * do within hours here); else /proc/cpuinfo's "cpu MHz", but only where that value *is* the TSC's:
 * with an invariant TSC, no cpufreq driver and no APERF/MPERF, x86 reports cpu_khz, which it sets
 * from the TSC calibration (on this VM: 2445.41 MHz, an rdtsc count over 0.5 s of
 * CLOCK_MONOTONIC_RAW gave 2445.40). Otherwise nothing: a core clock mistaken for the TSC's would
 * skew every cycles-per-packet figure.
 */
async function tscOf(cpuinfo: string, flags: readonly string[]): Promise<Record<string, string>> {
  const khz = Number(read('/sys/devices/system/cpu/cpu0/tsc_freq_khz'));
  if (khz > 0) return { tscHz: String(khz * 1000), tscHzSource: 'sysfs tsc_freq_khz' };
  const log = (await exec(['dmesg'], { check: false }).catch(() => undefined))?.stdout ?? '';
  const calibrated =
    /tsc: Refined TSC clocksource calibration: ([\d.]+) MHz/.exec(log) ?? /tsc: Detected ([\d.]+) MHz/.exec(log);
  if (calibrated) return { tscHz: String(Math.round(Number(calibrated[1]) * 1e6)), tscHzSource: 'kernel log' };
  const cpuMhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(cpuinfo)?.[1]);
  const cpuKhzIsTsc =
    flags.includes('constant_tsc') &&
    !flags.includes('aperfmperf') &&
    read('/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver') === undefined;
  if (cpuKhzIsTsc && cpuMhz > 0)
    return {
      tscHz: String(Math.round(cpuMhz * 1e6)),
      tscHzSource: 'cpuinfo cpu MHz (invariant TSC, no cpufreq, no APERF/MPERF)',
    };
  return { tscHzSource: 'unknown' };
}

/**
 * Whether the kernel accounts irq/softirq time apart from tasks (CONFIG_IRQ_TIME_ACCOUNTING).
 * Without it, a tick spent in softirq counts both in /proc/stat's softirq column and in the
 * interrupted task's system time, so analysis/cpu.ts must not add the two.
 */
function irqTimeAccounting(): string {
  let config = '';
  try {
    config = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    config = read(`/boot/config-${os.release()}`) ?? '';
  }
  if (/^CONFIG_IRQ_TIME_ACCOUNTING=y$/m.test(config)) return 'yes';
  return /^# CONFIG_IRQ_TIME_ACCOUNTING is not set$/m.test(config) ? 'no' : 'unknown';
}
