// The plan format: one zod schema is the single source for validation, defaults, the
// TypeScript types and the JSON Schema that `nfvperf schema` prints.
import { z } from 'zod';
import { BACKEND_NAMES, type BackendName } from '../apps/backends.js';
import { searchSchema } from './search-schema.js';
import { FLOW_PORTS, FLOWS_MAX, packetSizeEntry, QUEUES_MAX, sizeKey } from './traffic.js';

// Every virtual switch the paper names (Table 1, V) plus the newer paths: the drivers' names.
import { SWITCH_NAMES, type SwitchName } from '../switches/index.js';

/** The app's I/O backends: the table in src/apps/backends.ts. */
export { BACKEND_NAMES, SWITCH_NAMES, type BackendName, type SwitchName };

/** How the apps wait for I/O: spin on non-blocking calls, or sleep in them (the paper's -B). */
export const IO_MODES = ['polling', 'blocking'] as const;

export type IoMode = (typeof IO_MODES)[number];

/**
 * How a case's apps and ports are laid out on the switch: `pairs`, the paper's sender and receiver
 * containers; `tester`, one app holding two ports (it transmits into the switch on one and receives
 * on the other, as RFC 2544 testers do); `chain`, a tester whose traffic passes through
 * forwarders in series, each a two-port app.
 */
export const LAYOUTS = ['pairs', 'tester', 'chain'] as const;

export type Layout = (typeof LAYOUTS)[number];
/** Forwarders in series in one chain, at most. */
export const MAX_CHAIN_LENGTH = 8;

/**
 * Refuses a value repeated in a list (each repeated value once, at its second place): for a
 * sweep axis, two cases with one id, one of them lost; for a host's CPUs, two apps on one CPU.
 */
export function eachOnce(what: string) {
  return (values: readonly unknown[] | undefined, ctx: z.RefinementCtx) => {
    const firstAt = new Map<unknown, number | 'reported'>();
    values?.forEach((value, i) => {
      const first = firstAt.get(value);
      if (first === undefined) firstAt.set(value, i);
      else if (first !== 'reported') {
        firstAt.set(value, 'reported');
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `expected each ${what} once, got ${typeof value === 'string' ? `"${value}"` : String(value)} again (first at [${first}])`,
        });
      }
    });
  };
}

/**
 * A sweep axis: a list of values (a single value is accepted and means a list of one). A value
 * may appear once (by `key`, for values that are not plain): twice would make two cases with one
 * id, and one of them would be lost.
 */
function axis<T extends z.ZodType>(item: T, description: string, key?: (value: z.output<T>) => unknown) {
  return z
    .union([item, z.array(item).min(1, 'expected a non-empty list')])
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[])
    .superRefine((values, ctx) => eachOnce('value')(key ? values.map(key) : values, ctx))
    .describe(description);
}

const intIn = (min: number, max: number, unit: string) =>
  z
    .number()
    .int(`expected an integer number of ${unit}`)
    .min(min, `expected at least ${min} ${unit}`)
    .max(max, `expected at most ${max} ${unit}`);

export const RATE_MAX = 'max' as const;
/** The rate of a search case: chosen trial by trial by the search. */
export const RATE_SEARCH = 'search' as const;
const rate = z.union([
  z.number().positive('expected a rate above 0 packets/s').max(1e9, 'expected at most 1e9 packets/s'),
  z.literal(RATE_MAX),
]);

export const planSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, dots, dashes or underscores')
    .describe('Name of the plan; stored with the run.'),
  dimension: z
    .enum(['throughput', 'latency'])
    .default('throughput')
    .describe('D: throughput (sender/receiver pairs) or latency (client/server pairs).'),
  locality: z
    .enum(['local', 'remote'])
    .default('local')
    .describe('L: all containers on one host, or the receivers on a second host.'),
  containers: z
    .enum(['netns', 'lxc'])
    .default('netns')
    .describe(
      'Container runtime: netns (network namespaces) or lxc (busybox LXC containers, one per app, cpuset = its CPU).',
    ),
  pairs: axis(
    intIn(1, 64, 'pairs'),
    'S: numbers of application pairs (1 means 1vs1); with layout tester, numbers of testers.',
  ).default([1]),
  // Optional, not defaulted: a plan that leaves them out stores the JSON it always did (resume and
  // fingerprints of earlier runs compare plans field by field); expansion reads absent as pairs.
  layout: axis(
    z.enum(LAYOUTS),
    'Layouts of the apps (default pairs): pairs (a sender and a receiver container per pair), tester ' +
      '(one app with two ports per pair, transmitting on one, receiving on the other) or chain (a tester ' +
      'whose traffic passes chainLength forwarders in series; chains of them side by side).',
  ).optional(),
  chainLength: axis(
    intIn(1, MAX_CHAIN_LENGTH, 'forwarders'),
    'Layout chain: forwarders in series in each chain (default 1).',
  ).optional(),
  chains: axis(
    intIn(1, 64, 'chains'),
    'Layout chain: chains side by side, each with its own tester (default 1).',
  ).optional(),
  cpuShared: z
    .boolean()
    .optional()
    .describe(
      'Layouts tester and chain: allow more busy threads (apps and switch pollers) than the host has cores; ' +
        'they then share cores and the record says so. Without it such a plan is refused.',
    ),
  switches: axis(z.enum(SWITCH_NAMES), 'V: virtual switches.').default(['linux-bridge']),
  backends: axis(z.enum(BACKEND_NAMES), 'I/O backends of the applications.').default(['udp-mmsg']),
  modes: axis(
    z.enum(IO_MODES),
    'I/O modes of the applications: polling (spin on non-blocking calls, one busy core each) or blocking (sleep in the call until it can go on; not with the dpdk backend).',
  ).default(['polling']),
  clientThreads: axis(
    intIn(1, 2, 'threads'),
    "Latency: client threads, 1 (the paper's clientst: send and receive on one core) or 2 (its client: a second thread, on its own CPU, receives).",
  ).default([1]),
  inflight: intIn(1, 1 << 20, 'frames')
    .optional()
    .describe(
      'Latency: at most this many frames awaiting their echo per client; 1 with rates: max is a closed-loop ping-pong ' +
        '(what sockperf ping-pong and netperf UDP_RR measure). Default: no limit, the client sends open loop at the rate.',
    ),
  packetSizes: axis(
    packetSizeEntry,
    'P: whole Ethernet frame sizes in bytes, without FCS (64 = 22 bytes of UDP payload), or frame-size mixes: ' +
      '`imix` (7:4:1 of 60, 566 and 1514 B, i.e. 64, 570 and 1518 B with FCS) or `{mix: [{size: 64, weight: 7}, …], name: small}`. ' +
      'A mix is sent in a fixed interleaved pattern; its Gbps count each frame at its own size. Throughput only.',
    sizeKey,
  ).default([64]),
  flows: axis(
    intIn(1, FLOWS_MAX, 'flows'),
    `Flows per sender: distinct 5-tuples it cycles through, frame by frame (UDP source ports, and above ${FLOW_PORTS} ` +
      'source addresses too). Above 1 for the backends that build their own frames (raw, raw-mmsg, af-xdp, dpdk, netmap); throughput only.',
  ).default([1]),
  queues: axis(
    intIn(1, QUEUES_MAX, 'queues'),
    'Receive and transmit queues per application port (RSS / multi-queue), above 1 for the backends whose ports have ' +
      'queues (af-xdp; dpdk too, where a switch gives its ports queues) on the switches that give them (veth, ' +
      'linux-bridge: each container veth is made with that many queues on both ends). A sender puts flow t on queue ' +
      't mod N (so flows >= queues); a receiver polls all N from its one thread. Throughput only.',
  ).default([1]),
  rates: axis(
    rate,
    'R: sending rates per sender in packets/s, or "max" for unpaced (default: max, or none when `search` is given).',
  ).optional(),
  search: searchSchema
    .optional()
    .describe(
      'Find the highest rate per sender that meets loss goals (NDR/PDR, MLRsearch), as well as or instead of fixed rates.',
    ),
  bursts: axis(intIn(1, 1024, 'packets'), 'B: packets per burst.').default([32]),
  duration: intIn(1, 86_400, 's')
    .default(10)
    .describe('Steady-state seconds measured per case (after warm-up, before cool-down).'),
  warmup: z
    .number()
    .int('expected whole seconds')
    .min(0, 'expected at least 0 s')
    .max(3600, 'expected at most 3600 s')
    .default(1)
    .describe('Seconds dropped at the start of each case.'),
  cooldown: z
    .number()
    .int('expected whole seconds')
    .min(0, 'expected at least 0 s')
    .max(3600, 'expected at most 3600 s')
    .default(1)
    .describe('Seconds dropped at the end of each case.'),
  repetitions: intIn(1, 1000, 'repetitions')
    .default(1)
    .describe('Times the whole sweep is repeated (repetitions interleave, outermost).'),
  oneWayLatency: z
    .boolean()
    .default(false)
    .describe(
      "Throughput cases on one host: receivers record every frame's one-way latency (send timestamp to receive) in an HDR histogram per second, beside the throughput (nfvperf-app --latency; both apps read CLOCK_MONOTONIC).",
    ),
  latencyBaseline: z
    .boolean()
    .default(false)
    .describe(
      "Measure the path's own latency too: every case is also run over a bare veth pair (no switch, the same apps, backend and load), stored with the run as a baseline case, so the report shows each switch's latency minus the path's. Kernel backends only (veth carries no DPDK port).",
    ),
  touchData: z
    .boolean()
    .default(false)
    .describe('Sender writes and receiver checksums every payload byte (a realistic application).'),
  sriov: z
    .strictObject({
      pf: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'expected a network interface name (1-15 letters, digits, . _ -)')
        .describe('The physical function: the NIC interface whose virtual functions the containers get.'),
      vfs: intIn(1, 256, 'VFs')
        .optional()
        .describe(
          'Virtual functions to create when the PF has none (default: as found, else 8, at most sriov_totalvfs).',
        ),
      vlan: intIn(0, 4094, 'VLAN id')
        .optional()
        .describe('VLAN of every VF, set through the PF (default 0: untagged).'),
    })
    .optional()
    .describe('For switch sriov: the NIC whose embedded switch joins the containers (not verified on hardware).'),
  senderScheduling: z
    .enum(['other', 'fifo'])
    .default('other')
    .describe(
      "Senders' and clients' scheduling policy: other (the default time-sharing), or fifo (SCHED_FIFO priority 1, the app's `--sched fifo`): no ordinary task on the sender's CPU takes it for a scheduler slice, so a busy machine does not make the generator fall short; the kernel's real-time throttling still leaves others 5 % of each second.",
    ),
  testbed: z
    .string()
    .min(1, 'expected a file name')
    .optional()
    .describe('For locality remote: the testbed file (YAML) naming the two hosts, relative to the plan file.'),
});

export type Plan = z.output<typeof planSchema>;
export type Rate = number | typeof RATE_MAX | typeof RATE_SEARCH;

/** The JSON Schema of a plan file (input side: defaults are optional). */
export function planJsonSchema(): unknown {
  return z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' });
}
