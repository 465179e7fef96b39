// What makes two runs comparable, as a digest stored with the run (environment key `fingerprint`)
// and as the list of its parts, so `compare` can say which differ: the CPU, the kernel, the
// software that produced the figures (nfvperf, its app, each switch's version: DPDK, OVS, VPP,
// Snabb), the CPU isolation and frequency state, and the plan's settings that are not the case
// tuple itself (durations, warm-up, touchData, …; the tuple is what compare matches cases by).
// The host's name is not a part: two machines of one kind give comparable figures, and one
// machine re-installed may not.
import { createHash } from 'node:crypto';

/** Manifest keys (testbed/environment.ts) that make figures comparable or not; `version:*` keys are added to these. */
export const FINGERPRINT_ENVIRONMENT_KEYS = [
  'cpuModel',
  'arch',
  'kernel',
  'physicalCores',
  'nfvperf',
  'nfvperfApp',
  'cpufreqGovernor',
  'cpufreqTurbo',
  'isolatedCpus',
  'isolcpus',
  'nohzFull',
  'rcuNocbs',
  'smt',
] as const;

/** Plan fields that pick the cases (compare matches cases by their tuple): not part of the fingerprint. */
const CASE_AXES = new Set([
  'name',
  'dimension',
  'locality',
  'pairs',
  'layout',
  'chainLength',
  'chains',
  'switches',
  'backends',
  'modes',
  'clientThreads',
  'packetSizes',
  'flows',
  'queues',
  'rates',
  'bursts',
  'repetitions',
  'testbed',
]);

/** The fingerprint's parts, `key → value`: environment keys as stored, plan settings as `plan.<field>`. */
export function fingerprintParts(
  environment: Readonly<Record<string, string>>,
  plan: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const key of FINGERPRINT_ENVIRONMENT_KEYS) if (environment[key] !== undefined) parts[key] = environment[key];
  for (const key of Object.keys(environment)
    .filter((k) => k.startsWith('version:'))
    .sort())
    parts[key] = environment[key]!;
  for (const key of Object.keys(plan)
    .filter((k) => !CASE_AXES.has(k))
    .sort())
    parts[`plan.${key}`] = JSON.stringify(plan[key]);
  return parts;
}

/** A stable digest of the parts (16 hex digits of SHA-256 over the sorted pairs). */
export function fingerprintOf(parts: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(parts)
    .sort()
    .map((k) => [k, parts[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/**
 * Why two runs are not comparable: each part present in both with different values, as
 * `key: A → B`. A part one side lacks (a run from an older nfvperf) is not held against it.
 */
export function incomparableParts(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  return Object.keys(a)
    .filter((k) => b[k] !== undefined && a[k] !== b[k])
    .map((k) => `${k}: ${a[k]} → ${b[k]}`);
}
