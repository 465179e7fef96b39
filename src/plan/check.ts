// Refusing impossible plans before anything on the host is touched: switches without a driver
// or unavailable here, backends a switch or the app cannot use, dimensions and localities this
// version cannot run. Pure: what the host offers comes in as `Capabilities`.
import { BACKENDS, type BackendInfo } from '../apps/backends.js';
import type { PlanDiagnostic } from '../common/errors.js';
import { caseCount } from './expand.js';
import type { ParsedPlan } from './load.js';
import type { BackendName, SwitchName } from './schema.js';

export interface SwitchCapability {
  /** Absent when this version of nfvperf has no driver for the switch. */
  available?: boolean;
  reason?: string;
  fix?: string;
  backends: readonly BackendName[];
}

export interface Capabilities {
  switches: ReadonlyMap<SwitchName, SwitchCapability>;
  /** Backends compiled into nfvperf-app. */
  appBackends: readonly BackendName[];
  dimensions: readonly string[];
  localities: readonly string[];
  /** Switches that can be joined to a host's uplink, so can run a remote plan. */
  remoteSwitches?: readonly SwitchName[];
  /** Container runtimes and whether they run here (absent: only the default, netns, is checked by the OS). */
  runtimes?: ReadonlyMap<string, { available: boolean; reason?: string; fix?: string }>;
}

export interface CheckOptions {
  /**
   * Switches unavailable here and backends not built into the app are no error: their cases are
   * skipped instead (`unavailableReason`), so the rest of the plan can run.
   */
  skipUnavailable?: boolean;
}

export function checkPlan(parsed: ParsedPlan, caps: Capabilities, options: CheckOptions = {}): PlanDiagnostic[] {
  const { plan, diagnostic } = parsed;
  const problems: PlanDiagnostic[] = [];
  if (!caps.dimensions.includes(plan.dimension)) {
    problems.push(
      diagnostic(
        ['dimension'],
        `dimension ${plan.dimension} is not supported by this version yet (supported: ${caps.dimensions.join(', ')})`,
      ),
    );
  }
  if (!caps.localities.includes(plan.locality)) {
    problems.push(
      diagnostic(
        ['locality'],
        `locality ${plan.locality} is not supported by this version yet (supported: ${caps.localities.join(', ')})`,
      ),
    );
  }
  if (plan.locality === 'remote' && caps.localities.includes('remote')) problems.push(...checkRemote(parsed, caps));
  else if (plan.testbed !== undefined)
    problems.push(diagnostic(['testbed'], 'a testbed file is used only with locality: remote'));
  const runtime = caps.runtimes?.get(plan.containers);
  if (runtime && !runtime.available) {
    problems.push(
      diagnostic(
        ['containers'],
        `container runtime ${plan.containers} is unavailable here: ${runtime.reason ?? 'unknown reason'}` +
          `${runtime.fix ? ` (fix: ${runtime.fix})` : ''}`,
      ),
    );
  }
  if (plan.locality === 'remote' && plan.containers !== 'netns') {
    problems.push(
      diagnostic(
        ['containers'],
        `containers: ${plan.containers} runs only with locality: local in this version: use containers: netns`,
      ),
    );
  }
  plan.switches.forEach((name, i) => {
    const sw = caps.switches.get(name);
    const path = ['switches', i];
    if (!sw || sw.available === undefined) {
      problems.push(
        diagnostic(
          path,
          `switch ${name} has no driver in this version of nfvperf (available: ${[...caps.switches.keys()].join(', ')})`,
        ),
      );
    } else if (!sw.available && !options.skipUnavailable) {
      problems.push(diagnostic(path, switchUnavailable(name, sw)));
    }
  });
  plan.backends.forEach((backend, i) => {
    const path = ['backends', i];
    if (!caps.appBackends.includes(backend)) {
      if (!options.skipUnavailable) problems.push(diagnostic(path, backendUnbuilt(backend, caps)));
      return;
    }
    for (const name of plan.switches) {
      const sw = caps.switches.get(name);
      if (sw?.available && !sw.backends.includes(backend)) {
        problems.push(
          diagnostic(
            path,
            `backend ${backend} cannot be used with switch ${name} (it supports: ${sw.backends.join(', ')})`,
          ),
        );
      }
    }
  });
  problems.push(...checkModes(parsed), ...checkSwitchOptions(parsed), ...checkTraffic(parsed));
  const cases = caseCount(plan);
  if (cases > MAX_CASES) {
    problems.push(
      diagnostic(
        [],
        `the plan expands to ${cases.toLocaleString('en-US')} cases, more than the ${MAX_CASES.toLocaleString('en-US')} ` +
          'one run may hold: shorten a sweep axis, or split the plan',
      ),
    );
  }
  return problems;
}

/** Cases one run may hold: a day and more of one-second cases; more would take memory and time before the first case runs. */
export const MAX_CASES = 100_000;
/** A switch's own settings: present exactly when the switch is in the plan. */
function checkSwitchOptions({ plan, diagnostic }: ParsedPlan): PlanDiagnostic[] {
  const i = plan.switches.indexOf('sriov');
  if (i >= 0 && !plan.sriov) {
    return [
      diagnostic(
        ['switches', i],
        'switch sriov needs the physical function whose virtual functions the containers get: ' +
          'add `sriov: { pf: <interface> }`',
      ),
    ];
  }
  if (i < 0 && plan.sriov)
    return [
      diagnostic(
        ['sriov'],
        'sriov sets up switch sriov, which this plan does not use: remove it or add sriov to switches',
      ),
    ];
  return [];
}

/** Blocking needs a receive call that can sleep (a DPDK port is only polled); a second client
 * thread exists only in latency cases; a window (inflight) is a latency client's, counted by its
 * one thread. */
function checkModes({ plan, diagnostic }: ParsedPlan): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  const blocking = plan.modes.indexOf('blocking');
  const dpdk = plan.backends.indexOf('dpdk');
  if (blocking >= 0 && dpdk >= 0) {
    problems.push(
      diagnostic(
        ['modes', blocking],
        'mode blocking cannot be used with backend dpdk (a DPDK port is only polled): ' +
          'run the dpdk backend in a plan with modes: [polling]',
      ),
    );
  }
  const twoThreads = plan.clientThreads.indexOf(2);
  if (twoThreads >= 0 && plan.dimension !== 'latency') {
    problems.push(
      diagnostic(
        ['clientThreads', twoThreads],
        'a two-thread client is for dimension: latency; ' + 'remove clientThreads or set it to 1',
      ),
    );
  }
  if (plan.inflight !== undefined && plan.dimension !== 'latency') {
    problems.push(
      diagnostic(['inflight'], 'inflight limits the echoes a client awaits: it is for dimension: latency; remove it'),
    );
  } else if (plan.inflight !== undefined && twoThreads >= 0) {
    problems.push(
      diagnostic(
        ['inflight'],
        'inflight is counted where echoes are matched, by a one-thread client: ' +
          'remove inflight or set clientThreads to [1]',
      ),
    );
  }
  return problems;
}

/**
 * Flows and mixes are a sender's (the send role; a latency client sends one size from one
 * socket). Flows above 1 need a backend that writes its own headers: a kernel UDP socket sends
 * from the one address and port it is bound to, and one socket per flow would measure socket
 * switching, not the switch's flow caches.
 */
function checkTraffic({ plan, diagnostic }: ParsedPlan): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  const many = plan.flows.findIndex((f) => f > 1);
  const mix = plan.packetSizes.findIndex((p) => typeof p !== 'number');
  if (plan.dimension === 'latency') {
    if (many >= 0)
      problems.push(diagnostic(['flows', many], "flows above 1 are for dimension: throughput (a sender's tuples)"));
    if (mix >= 0)
      problems.push(
        diagnostic(['packetSizes', mix], "a frame-size mix is for dimension: throughput (a sender's frames)"),
      );
    return problems;
  }
  if (many < 0) return problems;
  // A flow count is refused at its own place: `backends` may be the default, written nowhere.
  const own = (BACKENDS as readonly BackendInfo[]).filter((b) => b.ownFrames && b.sourceWritten !== false);
  const socketBound = plan.backends.filter((b) => !own.some((o) => o.name === b));
  if (socketBound.length > 0)
    problems.push(
      diagnostic(
        ['flows', many],
        `flows ${plan.flows[many]} cannot be sent by backend ${socketBound.join(', ')}: a kernel UDP socket sends from ` +
          `its one bound address and port (one 5-tuple); use ${own.map((b) => b.name).join(', ')}, or flows: [1]`,
      ),
    );
  return problems;
}

/**
 * Why a case of this switch and backend cannot run here (the probe's reason), or undefined when
 * it can: the reason a run with `skipUnavailable` records for the cases it skips.
 */
export function unavailableReason(
  caps: Capabilities,
  c: { switch: SwitchName; backend: BackendName },
): string | undefined {
  const sw = caps.switches.get(c.switch);
  if (sw?.available === false) return switchUnavailable(c.switch, sw);
  if (!caps.appBackends.includes(c.backend)) return backendUnbuilt(c.backend, caps);
  return undefined;
}

function switchUnavailable(name: SwitchName, sw: SwitchCapability): string {
  return `switch ${name} is unavailable here: ${sw.reason ?? 'unknown reason'}${sw.fix ? ` (fix: ${sw.fix})` : ''}`;
}

function backendUnbuilt(backend: BackendName, caps: Capabilities): string {
  return `backend ${backend} is not built into nfvperf-app (built: ${caps.appBackends.join(', ')})`;
}

/** A remote plan needs a testbed file, and switches that can be joined to each host's uplink. */
function checkRemote({ plan, diagnostic }: ParsedPlan, caps: Capabilities): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  if (plan.testbed === undefined) {
    problems.push(
      diagnostic(['locality'], 'locality remote needs a testbed file naming the two hosts: add `testbed: lab.yaml`'),
    );
  }
  const remote = caps.remoteSwitches ?? [];
  plan.switches.forEach((name, i) => {
    if (!remote.includes(name)) {
      problems.push(
        diagnostic(
          ['switches', i],
          `switch ${name} is local-only: it cannot be joined to a host's uplink, so it cannot run ` +
            `a remote plan (remote: ${remote.join(', ') || 'none'})`,
        ),
      );
    }
  });
  return problems;
}
