// Warnings about a run's cases, each saying what to change and naming the plan field that does
// it. Pure.
import { backendInfo, isBackendName } from '../apps/backends.js';
import { driverFor, type SwitchName } from '../switches/index.js';
import type { SummaryCase } from '../store/summary.js';
import type { SteadyVariation } from './variation.js';

/**
 * The senders together sent this fraction less than the plan asked for (rate × pairs): beyond 1 %
 * the case did not measure the requested load, so its loss and latency describe another one.
 */
export const TX_BELOW_TARGET = 0.01;

export type WarningKind =
  | 'CaseFailed'
  | 'CaseSkipped'
  | 'NotVerified'
  | 'CpuShared'
  | 'SwitchSharesAppCpu'
  | 'Unsteady'
  | 'TxBelowTarget'
  | 'GeneratorLimited';

/**
 * Switches whose drivers were written for hardware or kernel modules that no machine of the
 * project has, so no run of them has been checked yet: their figures are reported, unconfirmed.
 */
export const UNVERIFIED_SWITCHES: Readonly<Record<string, string>> = {
  sriov:
    'not verified on hardware: no run on a real SR-IOV NIC has been checked yet (the driver was tested on a fake sysfs tree)',
  vale: 'not verified: no run with the netmap module has been checked yet',
};

export interface CaseWarning {
  kind: WarningKind;
  caseId: string;
  message: string;
}

export function caseWarnings(c: SummaryCase, variation: SteadyVariation | null): CaseWarning[] {
  const out: CaseWarning[] = [];
  const add = (kind: WarningKind, message: string) => out.push({ kind, caseId: c.id, message });
  if (c.status === 'failed') add('CaseFailed', `failed: ${c.error ?? 'no reason recorded'}`);
  if (c.status === 'skipped') add('CaseSkipped', `skipped: ${c.error ?? 'no reason recorded'}`);
  const unverified = UNVERIFIED_SWITCHES[c.switch];
  if (unverified && c.status !== 'skipped') add('NotVerified', `switch ${c.switch} is ${unverified}`);
  if (c.cpuShared) {
    add(
      'CpuShared',
      'apps shared CPUs (more busy threads than physical cores): its figures understate the path; lower `pairs` or use a host with more cores',
    );
  }
  const appCpus = new Set([...(c.cpus?.send ?? []), ...(c.cpus?.recv ?? [])]);
  const sharedWithApp = (c.cpus?.switch ?? []).filter((cpu) => appCpus.has(cpu));
  if (sharedWithApp.length > 0) {
    // A polling switch thread (PMD) takes its CPU whole: an app beside it gets time slices, so
    // both the switch and the app run at a fraction of their speed.
    add(
      'SwitchSharesAppCpu',
      `the switch's polling thread shares CPU ${sharedWithApp.join(', ')} with an app: throughput and CPU figures describe the two time-sliced; lower \`pairs\` or use a host with more cores`,
    );
  }
  if (variation?.unsteady && variation.rx.cv !== null) {
    add(
      'Unsteady',
      `rx rate varied ${(variation.rx.cv * 100).toFixed(1)} % (coefficient of variation) over ${variation.rx.seconds} steady seconds; raise \`warmup\` or \`duration\`, or quieten the host`,
    );
  }
  // Per-packet system calls are the usual limit of a kernel-socket sender; its batching twin
  // (the backend of the same name with -mmsg) lifts it.
  const batching = isBackendName(`${c.backend}-mmsg`) ? ` or a batching backend (\`backends\`: ${c.backend}-mmsg)` : '';
  if (typeof c.rate === 'number' && c.throughput) {
    const intendedPps = c.rate * c.pairs;
    const shortfall = 1 - c.throughput.txPps / intendedPps;
    if (shortfall > TX_BELOW_TARGET) {
      add(
        'TxBelowTarget',
        `senders reached ${fmtPps(c.throughput.txPps)} of the ${fmtPps(intendedPps)} asked for (${(shortfall * 100).toFixed(1)} % short): the sender is the bottleneck; lower \`rates\`, or try larger \`bursts\`${batching}`,
      );
    }
  }
  const limited = Object.entries(c.search ?? {})
    .filter(([, g]) => g.generatorLimited)
    .map(([name]) => name);
  if (limited.length > 0) {
    add(
      'GeneratorLimited',
      `search goal${limited.length > 1 ? 's' : ''} ${limited.join(', ')}: ${generatorLimitedWords(c)}; try larger \`bursts\`${batching}`,
    );
  }
  return out;
}

/**
 * What a generator-limited search goal means for case `c`, in words. Over a switch that forwards
 * in the sender's send call (kernel bridges and veths) with a kernel backend, the sender's CPU
 * also does the path's work, so its falling short cannot be told from the path's limit.
 */
export function generatorLimitedWords(c: { switch: string; backend: string }): string {
  const driver = driverFor(c.switch as SwitchName);
  const onSenderCpu = driver?.forwardsOnSenderCpu === true && !backendInfo(c.backend).eal;
  return onSenderCpu
    ? "the sender fell short of the rate at the upper bound, with no loss counted on the path; on this kernel path the sender's CPU also does the path's forwarding, in softirq, so this may be the path's limit showing at the sender"
    : 'the generator, not the path, was the limit: the sender fell short of the rate at the upper bound, so the bounds describe the sender';
}

function fmtPps(pps: number): string {
  return pps >= 1e6 ? `${(pps / 1e6).toFixed(3)} Mpps` : `${(pps / 1e3).toFixed(1)} kpps`;
}
