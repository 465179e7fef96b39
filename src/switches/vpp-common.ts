// The VPP both VPP drivers share (vpp: vhost-user ports, vpp-memif: memif ports): a private FD.io
// VPP per case, the paper's set-up — its own startup.conf, CLI socket, API segment and runtime
// directory under /run/nfvperf/<token>/vpp; its main thread on one CPU and one worker thread,
// which polls every port, on the switch's CPU; no DPDK plugin (VPP's own vhost-user, memif and
// af_packet drivers); every port in L2 bridge domain 1 (learning, flooding). VPP is our child
// (nodaemon), recorded by PID and start time, a vital process of the case, stopped by PID.
//
// What bites (the shared build's README): `vppctl` exits 0 even when a command fails, so every
// command's output is read; VPP ignores SIGTERM until it is ready ("IGNORE early SIGTERM"), so the
// stop escalates to SIGKILL; a killed VPP leaves its API segment in /dev/shm (recorded and
// removed); without hugepage buffers reserved first it raises vm.nr_hugepages itself.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../common/exec.js';
import { TestbedError } from '../common/errors.js';
import { readTopology } from '../testbed/cpus.js';
import { ensureHugetlbfs, removeHugepageFiles, reserveHugepages } from '../testbed/hugepages.js';
import { processStartTicks } from '../testbed/ledger.js';
import { killProcess } from '../testbed/resources.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { needAppBackend, probeFrom, thirdPartyDir, which, type Missing } from '../testbed/probes.js';
import { pollUntil, readLink } from './readback.js';
import { DPDK_APP_MEM_MB, needHugepagesWritable } from './dpdk-port.js';
import type { PortSpec, SwitchDriver, SwitchInstance, SwitchContext, UplinkContext } from './types.js';
import type { Container } from '../testbed/netns.js';

/** VPP's packet buffers (`buffers-per-numa`): 16384 of 2304 bytes take 19 pages of 2 MB here. */
const VPP_BUFFERS = 16384;
/** Hugepage memory reserved for those buffers before VPP starts (so VPP never raises the count itself). */
export const VPP_BUFFER_MEM_MB = 64;
/** VPP is ready in 0.3–0.6 s here; allow for a loaded host. */
const START_TIMEOUT_MS = 20_000;
/** The bridge domain every port joins (the paper's `set interface l2 bridge … 1`). */
export const BRIDGE_DOMAIN = 1;
/** `~0`: "every interface" in VPP's dump requests. */
const ALL = 4294967295;
/** How VPP names its worker threads (`/proc/<pid>/task/*\/comm`). */
const WORKER_COMM = /^vpp_wk_\d+$/;

/** The programs the drivers run, from one installation. */
export interface VppInstall {
  vpp: string;
  vppctl: string;
  /** JSON in, JSON out over VPP's binary API: the machine-readable read-back. */
  vat2: string;
  /** Where it was found, for `doctor`. */
  from: string;
}

const TOOLS = ['vpp', 'vppctl', 'vat2'] as const;

const INSTALL_FIX =
  "install FD.io VPP: on Debian/Ubuntu add FD.io's package repository " +
  '(curl -s https://packagecloud.io/install/repositories/fdio/release/script.deb.sh | sudo bash), then ' +
  'apt-get install vpp vpp-plugin-core; or set NFVPERF_VPP to a VPP install prefix (the directory holding bin/vpp)';

/**
 * VPP from `NFVPERF_VPP` (an install prefix: it alone is looked at when set), else from PATH, else
 * the shared build (`<third_party>/vpp`).
 */
export function findVpp(): { install?: VppInstall; missing?: Missing } {
  const inPrefix = (prefix: string) =>
    Object.fromEntries(TOOLS.map((t) => [t, join(prefix, 'bin', t)])) as Record<(typeof TOOLS)[number], string>;
  const prefix = process.env.NFVPERF_VPP;
  if (prefix) {
    const tools = inPrefix(prefix);
    const absent = TOOLS.filter((t) => !existsSync(tools[t]));
    return absent.length === 0
      ? { install: { ...tools, from: `NFVPERF_VPP=${prefix}` } }
      : {
          missing: {
            reason: `NFVPERF_VPP=${prefix} has no ${absent.map((t) => `bin/${t}`).join(', ')}`,
            fix: 'point NFVPERF_VPP at a VPP install prefix (the directory holding bin/vpp), or unset it to use VPP from PATH or the shared build',
          },
        };
  }
  const onPath = TOOLS.map((t) => which(t));
  if (onPath.every((p) => p !== undefined)) {
    return { install: { vpp: onPath[0]!, vppctl: onPath[1]!, vat2: onPath[2]!, from: 'PATH' } };
  }
  const shared = join(thirdPartyDir(), 'vpp');
  const tools = inPrefix(shared);
  if (TOOLS.every((t) => existsSync(tools[t]))) return { install: { ...tools, from: shared } };
  return {
    missing: {
      reason: `VPP is not installed (no ${TOOLS.filter((_, i) => !onPath[i]).join(', ')} on PATH, NFVPERF_VPP unset, no build at ${shared})`,
      fix: INSTALL_FIX,
    },
  };
}

/** What both VPP drivers need: VPP that runs (it needs Debian's libunwind8), hugepages, the dpdk backend. */
export async function vppMissing(): Promise<{ missing: Missing[]; version?: string }> {
  const { install, missing } = findVpp();
  const all: Missing[] = missing ? [missing] : [];
  let version: string | undefined;
  if (install) {
    const r = await exec([install.vpp, '--version'], { check: false, timeoutMs: 5000 }).catch(() => undefined);
    // "vpp v26.06-release built by root on vm at …"
    version = /^vpp (v\S+)/.exec(r?.stdout.trim() ?? '')?.[1];
    if (!version) {
      const why = (r?.stderr.trim() || r?.stdout.trim() || 'it did not start').split('\n')[0]!;
      all.push(
        /libunwind/.test(why)
          ? {
              reason: `${install.vpp} cannot run: ${why}`,
              fix: 'apt-get install libunwind8 (scripts/setup-debian.sh does it)',
            }
          : { reason: `${install.vpp} --version failed: ${why}`, fix: INSTALL_FIX },
      );
    }
  }
  all.push(...needHugepagesWritable(), ...(await needAppBackend('dpdk')));
  return { missing: all, version: version && install ? `${version} (${install.from})` : version };
}

/** One row of `sw_interface_dump`, as far as the drivers read it. */
export interface VppInterface {
  sw_if_index: number;
  interface_name: string;
  interface_dev_type: string;
  l2_address: string;
}

/** Per-interface packet counters from VPP's statistics, summed over its threads. */
export interface VppCounters {
  rx: number;
  tx: number;
  drops: number;
  txError: number;
}

export class Vpp {
  private memifSockets = 0;

  private constructor(
    readonly dir: string,
    readonly install: VppInstall,
    private readonly apiPrefix: string,
    readonly pid: number,
    private readonly startTicks: number | undefined,
  ) {}

  get cliSocket(): string {
    return join(this.dir, 'cli.sock');
  }

  /**
   * Starts a private VPP: its worker on `ctx.cpus[0]`, its main thread (which sleeps when idle:
   * `poll-sleep-usec`) on another online CPU, since VPP refuses a worker on the main core.
   */
  static async start(ctx: SwitchContext): Promise<Vpp> {
    const { names, resources } = ctx;
    const { install, missing } = findVpp();
    if (!install) throw new TestbedError(`VPP cannot run here: ${missing!.reason}`);
    const online = readTopology().online;
    const worker = ctx.cpus[0] ?? online.at(-1)!;
    const main = online.find((c) => c !== worker);
    if (main === undefined)
      throw new TestbedError(`VPP needs two CPUs (a main thread and a worker); only CPU ${worker} is online`);
    await ensureRunDir(resources, runPath(names.fileToken));
    const dir = await ensureRunDir(resources, runPath(names.fileToken, 'vpp'));
    await reserveHugepages(resources, VPP_BUFFER_MEM_MB);
    // The apps' DPDK page files need a hugetlbfs (net_memif needs EAL's shared files).
    await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.fileToken}`);
    // VPP's binary-API segment lives in /dev/shm as <prefix>-vpe-api and <prefix>-global_vm;
    // VPP removes them when it exits, a killed VPP does not.
    const apiPrefix = `nfp${names.fileToken}vpp`;
    await resources.create(
      { kind: 'dir', name: join('/dev/shm', `${apiPrefix}*`) },
      async () => {},
      async () => removeHugepageFiles('/dev/shm', apiPrefix),
    );
    const conf = join(dir, 'startup.conf');
    writeFileSync(conf, startupConf(dir, apiPrefix, main, worker));

    const child = spawn(install.vpp, ['-c', conf], { stdio: 'ignore', detached: true });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('spawn', () => resolvePid(child.pid!));
      child.once('error', (cause) => reject(new TestbedError(`cannot start ${install.vpp}`, { cause })));
    });
    const ticks = processStartTicks(pid) ?? undefined;
    // Before it is ready VPP ignores SIGTERM: killProcess sends SIGKILL after the grace period.
    resources.adoptProcess('vpp', pid, () => killProcess(pid, ticks, 3000), { vital: true });
    const vpp = new Vpp(dir, install, apiPrefix, pid, ticks);
    await pollUntil(
      'VPP answers on its CLI socket',
      async () => {
        if (!vpp.alive()) return `vpp exited: ${vpp.logTail()}`;
        const r = await exec([install.vppctl, '-s', vpp.cliSocket, 'show', 'version'], {
          check: false,
          timeoutMs: 5000,
        });
        return r.exitCode === 0 && r.stdout.startsWith('vpp ') ? true : r.stderr.trim() || r.stdout.trim();
      },
      START_TIMEOUT_MS,
    );
    await pollUntil('VPP runs one worker thread', async () =>
      vpp.workerThreads().length === 1 ? true : `threads: ${vpp.threadNames().join(', ')}`,
    );
    return vpp;
  }

  /** Still the process we started (the PID not reused). */
  alive(): boolean {
    const ticks = processStartTicks(this.pid);
    return ticks !== null && (this.startTicks === undefined || ticks === this.startTicks);
  }

  /** A fresh memif socket id (ids count from 1: 0 is VPP's default socket). */
  nextMemifSocketId(): number {
    return ++this.memifSockets;
  }

  /**
   * A CLI command's output, its lines ending in \n (VPP ends them \r\n). `vppctl` exits 0 even
   * when the command fails: callers judge the text.
   */
  async cli(command: string[]): Promise<string> {
    const r = await exec([this.install.vppctl, '-s', this.cliSocket, ...command], { check: false });
    if (r.exitCode !== 0)
      throw new TestbedError(
        `vppctl ${command.join(' ')}: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`}`,
      );
    return r.stdout.replace(/\r/g, '').trim();
  }

  /** A CLI command that prints nothing when it works (`set …`, `create memif socket …`). */
  async configure(command: string[]): Promise<void> {
    const out = await this.cli(command);
    if (out !== '') throw new TestbedError(`vppctl ${command.join(' ')} failed: ${out}`);
  }

  /** A CLI command that creates an interface and prints its name (and nothing else when it works). */
  async createInterface(command: string[]): Promise<string> {
    const out = await this.cli(command);
    if (!/^\S+$/.test(out)) throw new TestbedError(`vppctl ${command.join(' ')} failed: ${out || '(no output)'}`);
    return out;
  }

  /** A binary-API request through vat2, whose replies are JSON. */
  async api<T>(message: string, args: Record<string, unknown> = {}): Promise<T[]> {
    const r = await exec([this.install.vat2, '-s', this.apiPrefix, message, JSON.stringify(args)], { check: false });
    if (r.exitCode !== 0)
      throw new TestbedError(
        `vat2 ${message}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' | ')}`,
      );
    const out = r.stdout.trim();
    const parsed = JSON.parse(out === '' ? '[]' : out) as T | T[];
    return Array.isArray(parsed) ? parsed : [parsed];
  }

  async interfaces(): Promise<VppInterface[]> {
    return this.api<VppInterface>('sw_interface_dump', { sw_if_index: ALL, name_filter_valid: false, name_filter: '' });
  }

  /** The sw_if_index of every member of bridge domain `bd`. */
  async bridgeDomainMembers(bd = BRIDGE_DOMAIN): Promise<number[]> {
    const [details] = await this.api<{ bd_id: number; sw_if_details: { sw_if_index: number }[] }>(
      'bridge_domain_dump',
      { bd_id: bd, sw_if_index: ALL },
    );
    return details?.bd_id === bd ? details.sw_if_details.map((d) => d.sw_if_index) : [];
  }

  /**
   * Interfaces that are administratively up, from `show interface` (the API's flags do not say:
   * vat2 prints "Invalid ENUM" for admin-up plus link-up, as for down).
   */
  async adminUp(): Promise<Set<string>> {
    const rows = (await this.cli(['show', 'interface'])).split('\n').map((l) => l.trim().split(/\s+/));
    // "Name Idx State MTU …", then "VirtualEthernet0/0/0  1  up  9000/0/0/0  rx packets …".
    return new Set(rows.filter((f) => f.length >= 3 && /^\d+$/.test(f[1]!) && f[2] === 'up').map((f) => f[0]!));
  }

  /**
   * Brings `name` up in bridge domain 1 and reads it back: the interface exists, is up, and is a
   * member of the bridge domain.
   */
  async bridge(name: string): Promise<VppInterface> {
    await this.configure(['set', 'interface', 'state', name, 'up']);
    await this.configure(['set', 'interface', 'l2', 'bridge', name, String(BRIDGE_DOMAIN)]);
    let found: VppInterface | undefined;
    await pollUntil(`VPP interface ${name} up in bridge domain ${BRIDGE_DOMAIN}`, async () => {
      found = (await this.interfaces()).find((i) => i.interface_name === name);
      if (!found) return 'no such interface';
      if (!(await this.adminUp()).has(name)) return 'admin down';
      const members = await this.bridgeDomainMembers();
      return members.includes(found.sw_if_index)
        ? true
        : `bridge domain ${BRIDGE_DOMAIN} members: ${members.join(', ') || 'none'}`;
    });
    return found!;
  }

  /** A vhost-user interface as VPP reports it: the socket's server, on `socketPath`, no socket error. */
  async readBackVhostUser(name: string, socketPath: string): Promise<void> {
    await pollUntil(`VPP vhost-user ${name} serves ${socketPath}`, async () => {
      const all = await this.api<{
        interface_name: string;
        is_server: boolean;
        sock_filename: string;
        sock_errno: number;
      }>('sw_interface_vhost_user_dump', { sw_if_index: ALL });
      const v = all.find((x) => x.interface_name === name);
      if (!v) return 'not listed';
      return v.is_server && v.sock_filename === socketPath && v.sock_errno === 0 ? true : JSON.stringify(v);
    });
  }

  /** A memif interface as VPP reports it: the server (master) of socket `socketId`, an Ethernet link. */
  async readBackMemif(name: string, socketId: number): Promise<void> {
    await pollUntil(`VPP memif ${name} serves socket ${socketId}`, async () => {
      const v = (await this.api<{ if_name: string; role: string; mode: string; socket_id: number }>('memif_dump')).find(
        (x) => x.if_name === name,
      );
      if (!v) return 'not listed';
      return v.role === 'MEMIF_ROLE_API_MASTER' && v.mode === 'MEMIF_MODE_API_ETHERNET' && v.socket_id === socketId
        ? true
        : JSON.stringify(v);
    });
  }

  /** Packet counters per interface name, from `show interface` (summed over threads by VPP). */
  async counters(): Promise<Map<string, VppCounters>> {
    const out = await this.cli(['show', 'interface']);
    const counters = new Map<string, VppCounters>();
    let current: VppCounters | undefined;
    for (const line of out.split('\n').slice(1)) {
      const row = /^(\S+)\s+\d+\s+(?:up|down)\s+\S+\s*(.*)$/.exec(line);
      const rest = row ? row[2]! : line.trim();
      if (row) counters.set(row[1]!, (current = { rx: 0, tx: 0, drops: 0, txError: 0 }));
      const m = /^(rx packets|tx packets|drops|tx-error)\s+(\d+)$/.exec(rest.trim());
      if (m && current) {
        const key = ({ 'rx packets': 'rx', 'tx packets': 'tx', drops: 'drops', 'tx-error': 'txError' } as const)[
          m[1] as 'rx packets'
        ];
        current[key] = Number(m[2]);
      }
    }
    return counters;
  }

  /** VPP's worker threads (`vpp_wk_<n>`), for CPU accounting. */
  workerThreads(): { name: string; pid: number; tid: number }[] {
    if (!this.alive()) return [];
    return this.tasks()
      .filter((t) => WORKER_COMM.test(t.comm))
      .map((t) => ({ name: `vpp ${t.comm}`, pid: this.pid, tid: t.tid }));
  }

  private threadNames(): string[] {
    return this.tasks().map((t) => t.comm);
  }

  private tasks(): { tid: number; comm: string }[] {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return [];
    }
    return tids.flatMap((tid) => {
      try {
        return [{ tid: Number(tid), comm: readFileSync(`/proc/${this.pid}/task/${tid}/comm`, 'utf8').trim() }];
      } catch {
        return [];
      }
    });
  }

  /** The last lines of VPP's log, for error messages. */
  logTail(lines = 3): string {
    try {
      return readFileSync(join(this.dir, 'vpp.log'), 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '(no log)';
    }
  }
}

/**
 * startup.conf: nothing outside `dir` (sockets, log, pidfile — which VPP wants inside its
 * runtime-dir), a unique API-segment prefix, buffers on the 2 MB pages reserved for them, and only
 * the plugins the drivers use.
 */
function startupConf(dir: string, apiPrefix: string, mainCpu: number, workerCpu: number): string {
  return [
    `unix { nodaemon cli-listen ${join(dir, 'cli.sock')} log ${join(dir, 'vpp.log')} pidfile ${join(dir, 'vpp.pid')} runtime-dir ${dir} cli-no-pager poll-sleep-usec 100 }`,
    `api-segment { prefix ${apiPrefix} }`,
    `socksvr { socket-name ${join(dir, 'api.sock')} }`,
    `statseg { socket-name ${join(dir, 'stats.sock')} }`,
    `cpu { main-core ${mainCpu} corelist-workers ${workerCpu} }`,
    `buffers { buffers-per-numa ${VPP_BUFFERS} page-size 2M }`,
    'plugins { plugin default { disable } plugin vhost_plugin.so { enable } plugin memif_plugin.so { enable } plugin af_packet_plugin.so { enable } }',
    '',
  ].join('\n');
}

/** The running switch, with its VPP exposed for read-back (tests, the uplink join). */
export type VppInstance = SwitchInstance & { vpp: Vpp };

/**
 * A VPP driver: a private VPP per case, and per container one port made by `connect` (which
 * creates it, bridges it and reads it back) on a socket in the run's `socketDir`.
 */
export function vppDriver<Name extends 'vpp' | 'vpp-memif'>(spec: {
  name: Name;
  description: string;
  socketDir: string;
  connect(vpp: Vpp, socketPath: string, container: Container): Promise<PortSpec>;
}): SwitchDriver<Name> {
  return {
    name: spec.name,
    description: spec.description,
    busyThreads: 1,
    backends: ['dpdk'],
    async probe() {
      const { missing, version } = await vppMissing();
      return probeFrom(missing, version);
    },
    async start(ctx) {
      const { names, resources } = ctx;
      const sw = await Vpp.start(ctx);
      const socketDir = await ensureRunDir(resources, runPath(names.fileToken, spec.socketDir));
      const instance: VppInstance = {
        async attach(container) {
          // The app's memory comes from hugepages; reserve it with the port.
          await reserveHugepages(resources, DPDK_APP_MEM_MB);
          return spec.connect(sw, join(socketDir, `${container.side}${container.pair}.sock`), container);
        },
        cpuThreads: () => sw.workerThreads(),
        async stop() {
          /* VPP, its directories and hugepages are undone by `resources`, newest first */
        },
        vpp: sw,
      };
      return instance;
    },
    joinUplink: (ctx) => joinVppUplink((ctx.sw as Partial<VppInstance>).vpp, ctx),
  };
}

/**
 * Joins the host's uplink to bridge domain 1 as an af_packet host interface (`host-<uplink>`),
 * polled by the worker like the containers' ports. The uplink is not ours: it is not in the ledger.
 * The interface goes with VPP; the undo step puts back the uplink's link state as found.
 */
async function joinVppUplink(vpp: Vpp | undefined, { names, uplink }: UplinkContext): Promise<() => Promise<void>> {
  if (!vpp) throw new TestbedError(`the switch of ${names.bridge} is not a VPP instance`);
  const before = await readLink(uplink);
  if (!before) throw new TestbedError(`the uplink ${uplink} does not exist on this host`);
  if (before.master) throw new TestbedError(`the uplink ${uplink} is already a port of ${before.master}`);
  const wasUp = (before.flags ?? []).includes('UP');
  const wasPromisc = (before.flags ?? []).includes('PROMISC');
  await exec(['ip', 'link', 'set', uplink, 'up']);
  const name = await vpp.createInterface(['create', 'host-interface', 'name', uplink]);
  await vpp.bridge(name);
  return async () => {
    if (!wasPromisc) await exec(['ip', 'link', 'set', uplink, 'promisc', 'off'], { check: false });
    if (!wasUp) await exec(['ip', 'link', 'set', uplink, 'down'], { check: false });
  };
}
