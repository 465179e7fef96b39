// Every plan field that reaches an app reaches it the same way on one host or two: the runner
// builds each app's argv with one function for local and remote cases alike (an agent runs the
// argv it is sent). Checked field by field; a plan field that is not classified below fails the
// last test, so a new field cannot slip past this check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPlan, trafficSeconds, type Case } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';
import { planSchema } from '../../src/plan/schema.js';
import { appArgs, appLaunches } from '../../src/runner/app-argv.js';
import { planCpus } from '../../src/runner/case.js';
import type { Endpoint } from '../../src/runner/network.js';
import { caseTopology } from '../../src/runner/topology.js';
import type { PortSpec } from '../../src/switches/types.js';
import type { AppSide } from '../../src/testbed/names.js';

/** What `buildNetwork` returns for one container, here or on an agent's host. */
function endpoint(c: Case, side: AppSide, pair: number): Endpoint {
  // The port the case's switch gives (memif: one end of a direct link; ovs: a vhost-user socket).
  const port: PortSpec =
    c.switch === 'memif'
      ? { kind: 'memif', socketPath: `/run/nfvperf/x/p${pair}.sock`, role: side === 's' ? 'client' : 'server', id: 0 }
      : c.backend === 'dpdk'
        ? { kind: 'vhost-user', socketPath: `/run/nfvperf/x/${side}${pair}.sock`, server: true }
        : { kind: 'kernel', ifname: 'eth0' };
  return {
    side,
    pair,
    netns: `nfp-abcd-${side}${pair}`,
    ip: `198.18.${pair}.${side === 's' ? 1 : 2}`,
    mac: `02:6e:ab:cd:0${side === 's' ? 2 : 3}:0${pair}`,
    ...(port.kind === 'kernel' ? { ifname: 'eth0' } : {}),
    port,
    filePrefix: `nfpabcd${side}${pair}`,
  };
}

const ONE_HOST = [{ sides: ['s', 'r'] as const }];
const TWO_HOSTS = [{ sides: ['s'] as const }, { sides: ['r'] as const }];
const TOPOLOGY = { cores: [0, 1, 2, 3], online: [0, 1, 2, 3] };

/** Each app's argv as the runner builds it for `c`, role first, CPU numbers masked (hosts place apps on their own CPUs). */
function argvOf(c: Case): string[][] {
  const hosts = c.locality === 'local' ? ONE_HOST : TWO_HOSTS;
  const cpus = planCpus(
    c,
    hosts,
    hosts.map(() => TOPOLOGY),
  );
  const launches = appLaunches(caseTopology(c), (p) => endpoint(c, p.side, p.link), cpus, {
    rate: c.rate as number | 'max',
    seconds: trafficSeconds(c),
  });
  return launches.map((a) =>
    [a.role, ...appArgs(c, a)].map((v, i, all) => (/^--(rx-)?cpu$/.test(all[i - 1] ?? '') ? 'CPU' : v)),
  );
}

/** The plan fields that reach the apps, with two values each and what must differ in the argv. */
const APP_FIELDS: Record<string, { yaml: [string, string]; flag: RegExp }> = {
  dimension: { yaml: ['dimension: throughput', 'dimension: latency'], flag: /^(send|recv|client|server)$/ },
  backends: {
    yaml: ['backends: [udp-mmsg]', 'backends: [dpdk]\nswitches: [ovs]'],
    flag: /^--(backend|vdev|file-prefix|mem-mb)$/,
  },
  packetSizes: { yaml: ['packetSizes: [64]', 'packetSizes: [1500]'], flag: /^--size$/ },
  bursts: { yaml: ['bursts: [32]', 'bursts: [1]'], flag: /^--burst$/ },
  rates: { yaml: ['rates: [1000]', 'rates: [max]'], flag: /^--rate$/ },
  modes: { yaml: ['modes: [polling]', 'modes: [blocking]'], flag: /^--blocking$/ },
  touchData: { yaml: ['touchData: false', 'touchData: true'], flag: /^--touch$/ },
  clientThreads: {
    yaml: ['dimension: latency\nclientThreads: [1]', 'dimension: latency\nclientThreads: [2]'],
    flag: /^--rx-cpu$/,
  },
  inflight: { yaml: ['dimension: latency', 'dimension: latency\ninflight: 1'], flag: /^--inflight$/ },
  pairs: { yaml: ['pairs: [1]', 'pairs: [2]'], flag: /^--flow$/ },
  duration: { yaml: ['duration: 1', 'duration: 5'], flag: /^--duration$/ },
  warmup: { yaml: ['warmup: 0', 'warmup: 2'], flag: /^--duration$/ },
  cooldown: { yaml: ['cooldown: 0', 'cooldown: 2'], flag: /^--duration$/ },
  switches: { yaml: ['backends: [dpdk]\nswitches: [ovs]', 'backends: [dpdk]\nswitches: [memif]'], flag: /^--vdev$/ },
  senderScheduling: { yaml: ['senderScheduling: other', 'senderScheduling: fifo'], flag: /^--sched$/ },
  layout: { yaml: ['layout: pairs', 'layout: tester'], flag: /^(tester|--rx-local|--netns|--rx-netns)$/ },
  chainLength: { yaml: ['layout: chain\nchainLength: 1', 'layout: chain\nchainLength: 2'], flag: /^forwarder$/ },
  chains: { yaml: ['layout: chain\nchains: 1', 'layout: chain\nchains: 2'], flag: /^(tester|forwarder)$/ },
  oneWayLatency: { yaml: ['oneWayLatency: false', 'oneWayLatency: true'], flag: /^--(latency|clock)$/ },
  flows: { yaml: ['backends: [raw]\nflows: [1]', 'backends: [raw]\nflows: [100000]'], flag: /^--flow(s|-addrs)$/ },
  queues: {
    yaml: ['backends: [af-xdp]\nflows: [4]\nqueues: [1]', 'backends: [af-xdp]\nflows: [4]\nqueues: [2]'],
    flag: /^--queues$/,
  },
};
/** Plan fields that do not reach an app's argv, and why. */
const NOT_APP_FIELDS: Record<string, string> = {
  name: 'names the run',
  locality: 'where the apps run, not what they do (this test compares both)',
  containers: 'how the app is started (an exec prefix), not its argv',
  repetitions: 'repeats cases',
  search: "chooses each trial's --rate, through the same builder (rates above)",
  testbed: 'names the hosts',
  sriov: 'settings of the sriov switch, handed to its driver',
  cpuShared: 'allows a plan to share cores (checked at load)',
  latencyBaseline: 'adds baseline cases over a veth pair (expand.ts); their apps get the argv of any case',
};

function cases(yaml: string, locality: 'local' | 'remote'): Case[] {
  const remote = locality === 'remote' ? 'locality: remote\ntestbed: lab.yaml\n' : '';
  const times = ['duration: 3', 'warmup: 0', 'cooldown: 0'].filter((t) => !yaml.includes(t.split(':')[0]!)).join('\n');
  return expandPlan(parsePlan(`name: a\n${remote}${times}\n${yaml}\n`).plan);
}

for (const [field, { yaml, flag }] of Object.entries(APP_FIELDS)) {
  test(`plan field ${field} reaches the apps, with the same argv on one host or two`, () => {
    const argv = yaml.map((y) => {
      const [local, remote] = [cases(y, 'local'), cases(y, 'remote')].map((cs) => cs.map(argvOf));
      assert.deepEqual(remote, local, `${y.replace(/\n/g, '; ')}: remote argv = local argv`);
      return local;
    });
    assert.notDeepEqual(argv[0], argv[1], `${field}: the argv changes with the field`);
    const flags = (a: string[][][]) =>
      new Set(
        a
          .flat(2)
          .filter((v) => flag.test(v))
          .map((v) => v),
      );
    const seen = new Set([...flags(argv[0]!), ...flags(argv[1]!)]);
    assert.ok(seen.size > 0, `${field}: its option (${flag}) is in the argv`);
  });
}

test('the latency client gets its window remotely too (the drift this builder ended)', () => {
  const [client] = cases('dimension: latency\ninflight: 1\nrates: [max]\nbursts: [1]', 'remote')
    .map(argvOf)[0]!
    .filter((a) => a[0] === 'client');
  assert.deepEqual(client!.slice(client!.indexOf('--inflight'), client!.indexOf('--inflight') + 2), [
    '--inflight',
    '1',
  ]);
});

test('a mix and flows belong to the sender: it gets --size-mix and --flows, every app room for the largest frame', () => {
  const [send, recv] = [...cases('backends: [raw]\npacketSizes: [imix]\nflows: [100000]', 'local').map(argvOf)[0]!]
    .sort()
    .reverse();
  const after = (a: string[], flag: string) => a[a.indexOf(flag) + 1];
  assert.deepEqual(
    ['--size', '--size-mix', '--flows', '--flow-addrs'].map((f) => after(send!, f)),
    ['1514', '60:7,566:4,1514:1', '100000', '198.18.0.16'],
  );
  assert.equal(send![0], 'send');
  assert.deepEqual(
    [recv![0], after(recv!, '--size'), ...['--size-mix', '--flows', '--flow-addrs'].filter((f) => recv!.includes(f))],
    ['recv', '1514'],
  );
});

test('queues reach every app of the case, each port has them (senders spread flows, receivers and forwarders poll them)', () => {
  for (const yaml of [
    'backends: [af-xdp]\nflows: [4]\nqueues: [2]',
    `${'backends: [af-xdp]\nflows: [4]\nqueues: [2]'}\nlayout: chain`,
  ]) {
    const apps = cases(yaml, 'local').map(argvOf)[0]!;
    assert.deepEqual(
      apps.map((a) => [a[0], a[a.indexOf('--queues') + 1]]),
      apps.map((a) => [a[0], '2']),
    );
  }
});

test('in a chain the tester sends the mix and the flows; a forwarder passes on what it gets', () => {
  const apps = cases('backends: [raw]\nlayout: chain\npacketSizes: [imix]\nflows: [1000]', 'local').map(argvOf)[0]!;
  const has = (role: string, flag: string) => apps.find((a) => a[0] === role)!.includes(flag);
  assert.deepEqual(
    ['tester', 'forwarder'].map((role) => [role, has(role, '--size-mix'), has(role, '--flows')]),
    [
      ['tester', true, true],
      ['forwarder', false, false],
    ],
  );
});

test("a search's latency runs time the probe: alone in single frames, else beside the load, only probes timed", () => {
  for (const layout of ['pairs', 'tester']) {
    const c = cases(`layout: ${layout}`, 'local')[0]!;
    const run = (traffic: { rate: number; seconds: number; burst?: number }, probeRatePps?: number) =>
      appLaunches(caseTopology(c), (p) => endpoint(c, p.side, p.link), planCpus(c, ONE_HOST, [TOPOLOGY]), traffic, {
        oneWay: true,
        ...(probeRatePps ? { probeRatePps } : {}),
      }).map((a) => [a.role, ...appArgs(c, a)]);
    const after = (a: string[], flag: string) => (a.includes(flag) ? a[a.indexOf(flag) + 1] : null);
    const timing = (a: string[]) => a.filter((v) => v.startsWith('--latency'));
    // The probe alone: the origins send only it, single frames at the probe rate, every frame timed.
    const alone = run({ rate: 10_000, seconds: 6, burst: 1 });
    // Under load: the load in the case's bursts, the probes beside it, and only the probes timed.
    const loaded = run({ rate: 500_000, seconds: 6 }, 10_000);
    for (const [apps, burst, probeRate, timed] of [
      [alone, '1', null, ['--latency']],
      [loaded, String(c.burst), '10000', ['--latency-probes']],
    ] as const) {
      const origin = apps.find((a) => a[0] === 'send' || a[0] === 'tester')!;
      const receiver = apps.find((a) => a[0] === 'recv' || a[0] === 'tester')!;
      assert.deepEqual([after(origin, '--burst'), after(origin, '--probe-rate')], [burst, probeRate], layout);
      assert.deepEqual(timing(receiver), timed, layout);
    }
  }
});

test('every plan field is classified as reaching the apps or not', () => {
  const fields = Object.keys(planSchema.shape).sort();
  assert.deepEqual(fields, [...Object.keys(APP_FIELDS), ...Object.keys(NOT_APP_FIELDS)].sort());
});

test('CPUs: locally sender, receiver per pair then the switch; remotely each host its own, one machine shared', () => {
  const [tput] = cases('pairs: [2]\nbackends: [dpdk]\nswitches: [ovs]', 'local');
  assert.deepEqual(planCpus(tput!, ONE_HOST, [TOPOLOGY]), {
    apps: [0, 1, 2, 3],
    switchByHost: [[0]],
    shared: true,
  });
  const [lat] = cases('dimension: latency\nclientThreads: [2]', 'remote');
  const apart = planCpus(lat!, TWO_HOSTS, [
    { ...TOPOLOGY, bootId: 'a' },
    { ...TOPOLOGY, bootId: 'b' },
  ]);
  assert.deepEqual(apart, { apps: [0, 0], clientRx: [1], switchByHost: [[], []], shared: false });
  const machine = { cores: [0, 1], online: [0, 1], bootId: 'a' };
  const oneMachine = planCpus(lat!, TWO_HOSTS, [machine, machine]);
  assert.deepEqual(
    oneMachine,
    { apps: [0, 0], clientRx: [1], switchByHost: [[], []], shared: true },
    'three busy threads on two cores of one machine',
  );
  const [pingPong] = cases('dimension: latency', 'remote');
  assert.deepEqual(
    planCpus(pingPong!, TWO_HOSTS, [machine, machine]),
    { apps: [0, 1], switchByHost: [[], []], shared: false },
    'namespace hosts of one machine: the receiver takes the core the sender left free',
  );
});
