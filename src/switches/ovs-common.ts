// The Open vSwitch both OVS drivers share: a private instance (its own database, sockets and logs
// under /run/nfvperf/<token>/ovs, nothing of the system's OVS), ovsdb-server and ovs-vswitchd
// started here (no systemd, no --detach: each daemon is our child, recorded in the ledger by PID
// and start time, stopped by PID), the netdev (userspace) datapath polled by PMD threads on the
// CPUs the testbed gives the switch, and one learning bridge (actions=NORMAL).
//
// Teardown order (registered before set-up, undone newest first): ports vanish with the daemon;
// ovs-vswitchd is stopped before ovsdb-server, then the run directory and hugepages go.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../common/exec.js';
import { TestbedError } from '../common/errors.js';
import { readTopology } from '../testbed/cpus.js';
import { ensureHugetlbfs, reserveHugepages } from '../testbed/hugepages.js';
import { processStartTicks } from '../testbed/ledger.js';
import { deleteLink, killProcess, type Resources } from '../testbed/resources.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { packageVersion, versionLine, which, type Missing } from '../testbed/probes.js';
import { isUp, pollUntil, readLink } from './readback.js';
import type { SwitchContext, SwitchInstance, UplinkContext } from './types.js';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
export const OVS_DPDK_VSWITCHD = '/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk';
/** Hugepage memory for OVS's own mempools (`dpdk-socket-mem`). */
export const OVS_SOCKET_MEM_MB = 512;
/** ovs-vswitchd with DPDK takes ~1.5 s to initialise here; allow for a loaded host. */
const START_TIMEOUT_MS = 20_000;

export interface OvsInterface {
  name: string;
  ofport: number;
  type: string;
  error: string | null;
  linkState: string | null;
  statistics: Record<string, number>;
}

export interface FdbEntry {
  port: number;
  vlan: number;
  mac: string;
}

/** What probe() needs: the package and the DPDK build of ovs-vswitchd selected. */
export async function ovsMissing(): Promise<{ missing: Missing[]; version?: string }> {
  const pkg = await packageVersion('openvswitch-switch-dpdk');
  const missing: Missing[] = [];
  if (!pkg) {
    missing.push({
      reason: 'openvswitch-switch-dpdk is not installed (`dpkg-query -W openvswitch-switch-dpdk`: no package)',
      fix: 'apt-get install openvswitch-switch-dpdk (scripts/setup-debian.sh does it)',
    });
    return { missing };
  }
  if (!existsSync(OVS_DPDK_VSWITCHD)) {
    missing.push({
      reason: `${OVS_DPDK_VSWITCHD} is missing`,
      fix: 'apt-get install --reinstall openvswitch-switch-dpdk',
    });
  }
  for (const tool of ['ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl']) {
    if (!which(tool)) missing.push({ reason: `${tool} is not on PATH`, fix: 'apt-get install openvswitch-switch' });
  }
  const version = (await versionLine([OVS_DPDK_VSWITCHD, '--version'])) ?? pkg;
  return { missing, version };
}

/** A CPU list as a hexadecimal mask (`0x…`), as OVS's `*-cpu-mask` options want. */
export function cpuMask(cpus: readonly number[]): string {
  const mask = cpus.reduce((m, c) => m | (1n << BigInt(c)), 0n);
  return `0x${mask.toString(16)}`;
}

export class Ovs {
  private constructor(
    readonly dir: string,
    private readonly vswitchdPid: () => number | undefined,
  ) {}

  get dbSocket(): string {
    return join(this.dir, 'db.sock');
  }
  private get vswitchdCtl(): string {
    return join(this.dir, 'ovs-vswitchd.ctl');
  }

  /**
   * Starts a private OVS on `ctx.cpus` (PMD threads there; DPDK's main lcore on the first).
   * `dpdk`: initialise DPDK (vhost-user ports; hugepages reserved and restored afterwards);
   * without it only kernel-backed netdev ports (afxdp) are possible.
   */
  static async start(ctx: SwitchContext, options: { dpdk: boolean }): Promise<Ovs> {
    const { names, resources } = ctx;
    const cpus = ctx.cpus.length > 0 ? ctx.cpus : [readTopology().online.at(-1)!];
    await ensureRunDir(resources, runPath(names.fileToken));
    const dir = await ensureRunDir(resources, runPath(names.fileToken, 'ovs'));
    const env = {
      ...process.env,
      OVS_RUNDIR: dir,
      OVS_DBDIR: dir,
      OVS_LOGDIR: dir,
      OVS_PKGDATADIR: '/usr/share/openvswitch',
    };
    let vswitchdPid: number | undefined;
    const ovs = new Ovs(dir, () => vswitchdPid);

    if (options.dpdk) {
      await reserveHugepages(resources, OVS_SOCKET_MEM_MB);
      // The apps' DPDK page files need a hugetlbfs (OVS itself runs --in-memory).
      await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.fileToken}`);
    }
    await exec(['ovsdb-tool', 'create', join(dir, 'conf.db'), SCHEMA]);
    await startDaemon(
      resources,
      'ovsdb-server',
      [
        'ovsdb-server',
        join(dir, 'conf.db'),
        `--remote=punix:${ovs.dbSocket}`,
        `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
        `--pidfile=${join(dir, 'ovsdb-server.pid')}`,
        `--log-file=${join(dir, 'ovsdb-server.log')}`,
      ],
      env,
    );
    await pollUntil(
      'ovsdb-server answers',
      async () => {
        const r = await exec(ovs.vsctlArgv(['--no-wait', 'init']), { check: false });
        return r.exitCode === 0 ? true : r.stderr.trim();
      },
      START_TIMEOUT_MS,
    );

    const config = [
      `other_config:pmd-cpu-mask=${cpuMask(cpus)}`,
      ...(options.dpdk
        ? [
            'other_config:dpdk-init=true',
            `other_config:dpdk-lcore-mask=${cpuMask([cpus[0]!])}`,
            `other_config:dpdk-socket-mem=${OVS_SOCKET_MEM_MB}`,
            // …and no more: DPDK would otherwise grow into the hugepages reserved for the apps.
            `other_config:dpdk-socket-limit=${OVS_SOCKET_MEM_MB}`,
            // No PCI scan (it would grab the VM's own NIC); a file prefix of our own.
            `other_config:dpdk-extra=--no-pci --file-prefix=nfp${names.fileToken}ovs`,
          ]
        : ['other_config:dpdk-init=false']),
    ];
    await ovs.vsctl(['--no-wait', 'set', 'Open_vSwitch', '.', ...config]);

    vswitchdPid = await startDaemon(
      resources,
      'ovs-vswitchd',
      [
        OVS_DPDK_VSWITCHD,
        `unix:${ovs.dbSocket}`,
        `--unixctl=${ovs.vswitchdCtl}`,
        `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`,
        `--log-file=${join(dir, 'ovs-vswitchd.log')}`,
      ],
      env,
    );
    await pollUntil(
      'ovs-vswitchd answers',
      async () => {
        if (processStartTicks(vswitchdPid!) === null) return `ovs-vswitchd exited: ${ovs.logTail()}`;
        const r = await exec(ovs.appctlArgv(['version']), { check: false });
        return r.exitCode === 0 ? true : r.stderr.trim();
      },
      START_TIMEOUT_MS,
    );
    if (options.dpdk) {
      await pollUntil(
        'OVS initialised DPDK',
        async () => {
          const r = await exec(ovs.vsctlArgv(['get', 'Open_vSwitch', '.', 'dpdk_initialized']), { check: false });
          if (r.stdout.trim() === 'true') return true;
          return processStartTicks(vswitchdPid!) === null
            ? `ovs-vswitchd exited: ${ovs.logTail()}`
            : `dpdk_initialized ${r.stdout.trim()}`;
        },
        START_TIMEOUT_MS,
      );
    }
    return ovs;
  }

  vsctlArgv(args: string[]): string[] {
    return ['ovs-vsctl', `--db=unix:${this.dbSocket}`, '--timeout=10', ...args];
  }

  appctlArgv(args: string[]): string[] {
    return ['ovs-appctl', '-t', this.vswitchdCtl, '--timeout=10', ...args];
  }

  async vsctl(args: string[]): Promise<string> {
    return (await exec(this.vsctlArgv(args))).stdout;
  }

  async appctl(args: string[]): Promise<string> {
    return (await exec(this.appctlArgv(args))).stdout;
  }

  /** A learning bridge on the netdev datapath: standalone, one flow `actions=NORMAL`. */
  async addBridge(resources: Resources, bridge: string): Promise<void> {
    // The netdev datapath makes the bridge's internal port a persistent tap named like the bridge:
    // it outlives ovs-vswitchd, so it is recorded and deleted like any link of ours.
    await resources.create(
      { kind: 'link', name: bridge },
      () =>
        this.vsctl(['add-br', bridge, '--', 'set', 'Bridge', bridge, 'datapath_type=netdev', 'fail-mode=standalone']),
      async () => {
        await exec(this.vsctlArgv(['--if-exists', 'del-br', bridge]), { check: false });
        await deleteLink(bridge);
      },
    );
    const mgmt = `unix:${join(this.dir, `${bridge}.mgmt`)}`;
    await exec(['ovs-ofctl', 'del-flows', mgmt]);
    await exec(['ovs-ofctl', 'add-flow', mgmt, 'priority=0,actions=NORMAL']);
    await pollUntil(`bridge ${bridge} on the netdev datapath with one NORMAL flow`, async () => {
      const dp = (
        await exec(this.vsctlArgv(['get', 'Bridge', bridge, 'datapath_type']), { check: false })
      ).stdout.trim();
      if (dp !== 'netdev') return `datapath_type ${dp || '(none)'}`;
      const flows = (await exec(['ovs-ofctl', 'dump-flows', '--no-stats', mgmt])).stdout
        .trim()
        .split('\n')
        .filter((l) => l.includes('actions='));
      return flows.length === 1 && / actions=NORMAL$/.test(` ${flows[0]!.trim()}`)
        ? true
        : `flows: ${flows.join(' | ')}`;
    });
  }

  /** Adds a port of `type` with `options`, then reads it back: an OpenFlow port number, no error. */
  async addPort(bridge: string, name: string, type: string, options: Record<string, string>): Promise<OvsInterface> {
    await this.vsctl([
      'add-port',
      bridge,
      name,
      '--',
      'set',
      'Interface',
      name,
      `type=${type}`,
      ...Object.entries(options).map(([k, v]) => `options:${k}=${v}`),
    ]);
    let found: OvsInterface | undefined;
    await pollUntil(`OVS port ${name} (${type}) on ${bridge}`, async () => {
      const ports = (await this.vsctl(['list-ports', bridge])).split('\n');
      if (!ports.includes(name)) return `ports: ${ports.join(' ')}`;
      found = (await this.interfaces()).find((i) => i.name === name);
      if (!found) return 'no Interface row';
      if (found.error) return `error: ${found.error}`;
      return found.type === type && found.ofport > 0 ? true : `type ${found.type}, ofport ${found.ofport}`;
    });
    return found!;
  }

  /** Every Interface row (`ovs-vsctl --format=json list Interface`). */
  async interfaces(): Promise<OvsInterface[]> {
    const out = await this.vsctl([
      '--format=json',
      '--columns=name,ofport,type,error,link_state,statistics',
      'list',
      'Interface',
    ]);
    const table = JSON.parse(out) as { headings: string[]; data: unknown[][] };
    const col = (row: unknown[], h: string) => row[table.headings.indexOf(h)];
    return table.data.map((row) => ({
      name: String(col(row, 'name')),
      ofport: typeof col(row, 'ofport') === 'number' ? (col(row, 'ofport') as number) : -1,
      type: String(col(row, 'type')),
      error: ovsdbOptional(col(row, 'error')),
      linkState: ovsdbOptional(col(row, 'link_state')),
      statistics: Object.fromEntries(ovsdbMap(col(row, 'statistics')).map(([k, v]) => [k, Number(v)])),
    }));
  }

  /** The bridge's MAC learning table (`ovs-appctl fdb/show`; it has no JSON form). */
  async fdb(bridge: string): Promise<FdbEntry[]> {
    const out = await this.appctl(['fdb/show', bridge]);
    // " port  VLAN  MAC                Age" then one row per entry: "    1     0  02:6e:…    4".
    return out
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && /^\d+$/.test(f[0]!))
      .map((f) => ({ port: Number(f[0]), vlan: Number(f[1]), mac: f[2]!.toLowerCase() }));
  }

  /** The PMD threads of ovs-vswitchd (`/proc/<pid>/task/*\/comm` = `pmd-c<core>/id:<n>`). */
  pmdThreads(): { name: string; pid: number; tid: number }[] {
    const pid = this.vswitchdPid();
    if (pid === undefined) return [];
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
    return tids.flatMap((tid) => {
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        return comm.startsWith('pmd') ? [{ name: `ovs-vswitchd ${comm}`, pid, tid: Number(tid) }] : [];
      } catch {
        return [];
      }
    });
  }

  /** The last lines of ovs-vswitchd's log, for error messages. */
  logTail(lines = 3): string {
    try {
      return readFileSync(join(this.dir, 'ovs-vswitchd.log'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => /\|(ERR|EMER|WARN)\|/.test(l))
        .slice(-lines)
        .join(' | ');
    } catch {
      return '(no log)';
    }
  }
}

/**
 * Starts one daemon as our child (its own process group, so a terminal's Ctrl-C reaches the
 * runner, which stops it in order) and records it by PID and start time; stopped with SIGTERM,
 * then SIGKILL.
 */
async function startDaemon(
  resources: Resources,
  name: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env, detached: true });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', (cause) => reject(new TestbedError(`cannot start ${name}`, { cause })));
  });
  const ticks = processStartTicks(pid) ?? undefined;
  resources.adoptProcess(name, pid, () => killProcess(pid, ticks, 3000), { vital: true });
  return pid;
}

/** An OVSDB optional value in JSON: `["set", []]` when empty, the value itself otherwise. */
function ovsdbOptional(v: unknown): string | null {
  if (Array.isArray(v) && v[0] === 'set') return (v[1] as unknown[]).length > 0 ? String((v[1] as unknown[])[0]) : null;
  return v === undefined || v === null ? null : String(v);
}

function ovsdbMap(v: unknown): [string, unknown][] {
  return Array.isArray(v) && v[0] === 'map' ? (v[1] as [string, unknown][]) : [];
}

/**
 * Joins the host's uplink to the case's OVS bridge (both OVS drivers run the netdev datapath):
 * the uplink becomes a `type=afxdp` port in native XDP mode, polled by the PMD thread like the
 * containers' veths of ovs-afxdp (a `type=system` port would be polled by the main thread,
 * ~60 kpps, and needs checksum offload off). The XDP program and the port go with
 * ovs-vswitchd; the undo step checks that they did and puts back the link state found.
 */
export async function joinOvsUplink({ names, uplink, sw }: UplinkContext): Promise<() => Promise<void>> {
  const { ovs } = sw as SwitchInstance & { ovs?: Ovs };
  if (!ovs) throw new Error(`the switch of ${names.bridge} is not an OVS instance`);
  const before = await readLink(uplink);
  if (!before) throw new Error(`the uplink ${uplink} does not exist on this host`);
  if (before.master) throw new Error(`the uplink ${uplink} is already a port of ${before.master}`);
  if (before.xdp)
    throw new Error(`the uplink ${uplink} already has an XDP program attached (mode ${before.xdp.mode}): it is in use`);
  const wasUp = isUp(before);
  await exec(['ip', 'link', 'set', uplink, 'up']);
  await ovs.addPort(names.bridge, uplink, 'afxdp', { 'xdp-mode': 'native' });
  return async () => {
    const now = await readLink(uplink);
    // ovs-vswitchd is stopped before this runs, and detaches its program as it goes; one left
    // behind (the daemon was killed) is ours, since the uplink had none when we joined it.
    if (now?.xdp) await exec(['ip', 'link', 'set', 'dev', uplink, 'xdp', 'off']);
    if (!wasUp) await exec(['ip', 'link', 'set', uplink, 'down']);
  };
}
