// Refusing impossible plans before anything on the host is touched: switches without a driver
// or unavailable here, backends a switch or the app cannot use, dimensions and localities this
// version cannot run. Pure: what the host offers comes in as `Capabilities`.
import { BACKENDS, type BackendInfo } from '../apps/backends.js';
import type { PlanDiagnostic } from '../common/errors.js';
import { busyThreads } from '../runner/topology.js';
import { driverFor, SWITCH_NAMES } from '../switches/index.js';
import { caseCount, shapeLabel, shapesOf } from './expand.js';
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
  /** Physical cores of this host, for the busy threads of a tester or chain case (absent: not checked). */
  cores?: number;
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
  problems.push(
    ...checkModes(parsed),
    ...checkSwitchOptions(parsed),
    ...checkLayouts(parsed, caps),
    ...checkTraffic(parsed),
    ...checkQueues(parsed),
  );
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
function checkModes(parsed: ParsedPlan): PlanDiagnostic[] {
  const { plan, diagnostic } = parsed;
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
  problems.push(...checkOneWay(parsed));
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
 * A layout's sizes only with that layout; what two-port apps cannot do yet refused: a latency
 * client's echo needs one port (latency stays pairs-only), a two-port app polls both its ports
 * (no blocking), and is started on this host (no remote plans). A switch that links the apps
 * directly (memif) has no switch between a tester's two ports. Busy threads beyond the host's
 * cores only with `cpuShared: true`: a tester exists so that nothing shares a core.
 */
function checkLayouts({ plan, diagnostic }: ParsedPlan, caps: Capabilities): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  const layouts = plan.layout ?? ['pairs'];
  const chain = layouts.indexOf('chain');
  for (const field of ['chainLength', 'chains'] as const) {
    if (plan[field] !== undefined && chain < 0)
      problems.push(
        diagnostic(
          [field],
          `${field} sizes the chains of layout chain, which this plan does not use: remove it or add layout: chain`,
        ),
      );
  }
  const manyPairs = plan.pairs.findIndex((p) => p > 1);
  if (chain >= 0 && manyPairs >= 0)
    problems.push(
      diagnostic(
        ['pairs', manyPairs],
        'layout chain has one tester per chain: set the number of chains with `chains`, and leave pairs at 1',
      ),
    );
  const links = Math.max(...(plan.chains ?? [1])) * (Math.max(...(plan.chainLength ?? [1])) + 1);
  if (chain >= 0 && links > MAX_LINKS)
    problems.push(
      diagnostic(
        ['chains'],
        `chains × (chainLength + 1) links of two ports each must be at most ${MAX_LINKS}, got ${links}: fewer or shorter chains`,
      ),
    );
  const twoPort = layouts.findIndex((l) => l !== 'pairs');
  if (twoPort < 0) return problems;
  const at = ['layout', twoPort];
  const layout = layouts[twoPort];
  if (plan.dimension === 'latency')
    problems.push(
      diagnostic(
        at,
        `layout ${layout} is for dimension: throughput (a latency client and server are one port each): use layout: pairs`,
      ),
    );
  if (plan.locality === 'remote')
    problems.push(
      diagnostic(at, `layout ${layout} runs only with locality: local in this version (its apps start on this host)`),
    );
  const blocking = plan.modes.indexOf('blocking');
  if (blocking >= 0)
    problems.push(
      diagnostic(
        ['modes', blocking],
        `mode blocking cannot be used with layout ${layout}: one thread polls both ports of a tester or forwarder`,
      ),
    );
  plan.switches.forEach((name, i) => {
    if (driverFor(name)?.appsLinkedDirectly)
      problems.push(
        diagnostic(
          ['switches', i],
          `switch ${name} links two apps directly, with no switch between a tester's ports: use layout: pairs with it`,
        ),
      );
  });
  if (caps.cores !== undefined && plan.cpuShared !== true) {
    const worst = plan.switches
      .flatMap((sw) =>
        shapesOf(plan).map((shape) => ({ ...shape, switch: sw, dimension: plan.dimension, clientThreads: 1 })),
      )
      .filter((c) => c.layout !== undefined)
      .map((c) => ({ threads: busyThreads(c), label: `${shapeLabel(c)} through ${c.switch}` }))
      .reduce((w, c) => (c.threads > w.threads ? c : w), { threads: 0, label: '' });
    if (worst.threads > caps.cores)
      problems.push(
        diagnostic(
          at,
          `layout ${worst.label} has ${worst.threads} busy threads (apps and switch pollers) and this host ` +
            `${caps.cores} cores: fewer testers, chains or forwarders, or \`cpuShared: true\` to let them share cores`,
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
 * Queues above 1 need a backend whose ports have queues (one socket or PMD queue per queue) and a
 * switch that makes the container's port with that many; a sender spreads its flows over them,
 * so they are a throughput case's, like flows.
 */
function checkQueues({ plan, diagnostic }: ParsedPlan): PlanDiagnostic[] {
  const many = plan.queues.findIndex((q) => q > 1);
  if (many < 0) return [];
  const at = ['queues', many];
  const n = plan.queues[many];
  if (plan.dimension === 'latency')
    return [diagnostic(at, 'queues above 1 are for dimension: throughput (a sender spreads its flows over them)')];
  const problems: PlanDiagnostic[] = [];
  const withQueues = (BACKENDS as readonly BackendInfo[]).filter((b) => b.queues).map((b) => b.name);
  const oneQueue = plan.backends.filter((b) => !withQueues.includes(b));
  if (oneQueue.length > 0)
    problems.push(
      diagnostic(
        at,
        `queues ${n} cannot be used with backend ${oneQueue.join(', ')}: its ports have one queue; ` +
          `use ${withQueues.join(', ')}, or queues: [1]`,
      ),
    );
  const giving = SWITCH_NAMES.filter((s) => driverFor(s)?.queues);
  const notGiving = plan.switches.filter((s) => !giving.includes(s));
  if (notGiving.length > 0)
    problems.push(
      diagnostic(
        at,
        `queues ${n}: switch ${notGiving.join(', ')} cannot give a port several queues ` +
          `(switches that can: ${giving.join(', ')}); or queues: [1]`,
      ),
    );
  return problems;
}

/**
 * One-way latency subtracts a sender's timestamp from a receiver's clock: one host only (across
 * hosts the clocks differ; the client's round trip is the measure there), and a receiver's. The
 * baseline's veth pair is one host's too.
 */
function checkOneWay({ plan, diagnostic }: ParsedPlan): PlanDiagnostic[] {
  const problems: PlanDiagnostic[] = [];
  const asked: (string | number)[][] = [
    ...(plan.oneWayLatency ? [['oneWayLatency']] : []),
    ...(plan.search?.latency ? [['search', 'latency']] : []),
    ...(plan.latencyBaseline ? [['latencyBaseline']] : []),
  ];
  for (const path of asked) {
    if (plan.locality === 'remote')
      problems.push(
        diagnostic(
          path,
          path[0] === 'latencyBaseline'
            ? 'the baseline is a veth pair on one host (veth is local-only): use locality: local'
            : 'one-way latency needs sender and receiver on one clock: use locality: local, or dimension: latency (round trips) across hosts',
        ),
      );
    else if (plan.dimension !== 'throughput' && path[0] !== 'latencyBaseline')
      problems.push(
        diagnostic(
          path,
          'one-way latency is measured by receivers of dimension: throughput (a latency case has round trips)',
        ),
      );
  }
  return problems;
}

/** Links (two ports each) one case may hold: as many as the pairs of a pairs case. */
export const MAX_LINKS = 64;

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
