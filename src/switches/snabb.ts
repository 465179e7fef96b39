// snabb: the Snabb software switch (snabbco/snabb) running our own program,
// native/forwarders/snabb-bridge.lua (upstream removed snabbnfv): one vhost-user port per
// container, Snabb the server of each socket and the app's virtio_user its client, all joined by
// Snabb's learning bridge, on the switch's CPU. Local only, as in the paper (no joinUplink).
//
// What Snabb does to the host, and how each is owned (every one in the ledger before it exists):
// - its hugetlbfs, at the fixed /var/run/snabb/hugetlbfs: mounted here (and /var/run/snabb made)
//   unless the host has it, unmounted afterwards;
// - hugepages: reserved here; the program refuses to raise vm.nr_hugepages by itself;
// - its shared-memory state (per-link counters, which the read-back uses): SNABB_SHM_ROOT in our
//   run directory;
// - a feature cache file per socket, /tmp/vhost_features_<socket path, / as __>: removed;
// - the sockets: in the run directory (Snabb leaves server sockets behind).
// Snabb forks a supervisor ("[snabb sup]") that frees the instance's state when it exits; the
// stop waits for it, so the teardown after it finds the hugetlbfs idle.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../apps/app.js';
import { TestbedError } from '../common/errors.js';
import { readTopology } from '../testbed/cpus.js';
import { ensureHugetlbfs, hugetlbfsMountAt, mountHugetlbfs, reserveHugepages } from '../testbed/hugepages.js';
import { processStartTicks } from '../testbed/ledger.js';
import { killProcess, removePath, type Resources } from '../testbed/resources.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { DPDK_APP_MEM_MB, needHugepagesWritable } from './dpdk-port.js';
import { needAppBackend, probeFrom, thirdPartyDir, versionLine, which, type Missing } from '../testbed/probes.js';
import { pollUntil } from './readback.js';
import type { SwitchDriver, SwitchInstance } from './types.js';

export const SNABB_PROGRAM = join(PACKAGE_ROOT, 'native', 'forwarders', 'snabb-bridge.lua');
/**
 * Snabb's packets come from its own hugepages (10 KB buffers, allocated 1,000 at a time), its
 * links hold up to 1,024 each: measured here, two ports with one receiver's link always full
 * used 34 MB. A base, and per port room for both its links full.
 */
const SNABB_BASE_MEM_MB = 64;
const SNABB_PORT_MEM_MB = 24;
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;

/** Where the snabb executable is, and how it was found; or why it was not. */
export function locateSnabb(): { path: string; how: string } | { missing: Missing } {
  const fix =
    'build Snabb (no distribution packages it): git clone https://github.com/snabbco/snabb, git checkout v2024.08, ' +
    'make -j (gcc and make suffice; ~1 min), then put src/snabb on the PATH or set NFVPERF_SNABB to it';
  const env = process.env.NFVPERF_SNABB;
  if (env) {
    return existsSync(env)
      ? { path: env, how: 'NFVPERF_SNABB' }
      : { missing: { reason: `NFVPERF_SNABB is ${env}, which does not exist`, fix } };
  }
  const onPath = which('snabb');
  if (onPath) return { path: onPath, how: 'PATH' };
  const shared = join(thirdPartyDir(), 'snabb', 'snabb');
  if (existsSync(shared)) return { path: shared, how: 'the shared build' };
  return { missing: { reason: `Snabb is not installed (no snabb on PATH, NFVPERF_SNABB unset, no ${shared})`, fix } };
}

/** `snabb --version`'s first line. Run with a throw-away SNABB_SHM_ROOT: even this makes Snabb's state directory. */
async function snabbVersion(path: string): Promise<string | undefined> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-snabb-probe-'));
  try {
    return await versionLine([path, '--version'], { ...process.env, SNABB_SHM_ROOT: root });
  } finally {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
}

export const snabb: SwitchDriver<'snabb'> = {
  name: 'snabb',
  description: 'Snabb (our program: a learning bridge of vhost-user ports), containers on vhost-user ports',
  busyThreads: 1,
  backends: ['dpdk'],

  async probe() {
    const found = locateSnabb();
    const missing: Missing[] = [];
    let version: string | undefined;
    if ('missing' in found) {
      missing.push(found.missing);
    } else {
      version = await snabbVersion(found.path);
      if (!version)
        missing.push({
          reason: `${found.path} (found from ${found.how}) does not run: \`snabb --version\` failed`,
          fix: 'rebuild Snabb for this machine (make in its source tree)',
        });
      else version = `${version} (${found.path}, from ${found.how})`;
    }
    if (!existsSync(SNABB_PROGRAM))
      missing.push({ reason: `nfvperf's Snabb program ${SNABB_PROGRAM} is missing`, fix: 'reinstall nfvperf' });
    missing.push(...needHugepagesWritable(), ...(await needAppBackend('dpdk')));
    return probeFrom(missing, version);
  },

  async start(ctx) {
    const found = locateSnabb();
    if ('missing' in found) throw new TestbedError(`switch snabb cannot run here: ${found.missing.reason}`);
    const { names, resources } = ctx;
    const cpu = ctx.cpus[0] ?? readTopology().online.at(-1)!;
    await ensureRunDir(resources, runPath(names.fileToken));
    const socketDir = await ensureRunDir(resources, runPath(names.fileToken, 'vhost'));
    const shmRoot = await ensureRunDir(resources, runPath(names.fileToken, 'snabb'));
    await reserveHugepages(resources, SNABB_BASE_MEM_MB);
    await ensureSnabbHugetlbfs(resources);
    // The apps' EAL looks for a hugetlbfs to learn the page size (their pages are memfd): Snabb's serves.
    await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.fileToken}`);
    const proc = await SnabbProcess.start(resources, found.path, cpu, shmRoot);
    const ports: string[] = [];
    const instance: SnabbInstance = {
      async attach(container) {
        const port = `${container.side}${container.pair}`;
        const socketPath = join(socketDir, `${port}.sock`);
        // The app's memory is hugepages too; reserve it with the port.
        await reserveHugepages(resources, SNABB_PORT_MEM_MB + DPDK_APP_MEM_MB);
        const cache = `/tmp/vhost_features_${socketPath.replace(/\//g, '__')}`;
        await resources.create(
          { kind: 'path', name: cache },
          async () => {},
          async () => removePath(cache),
        );
        ports.push(port);
        await proc.addPort(port, socketPath, ports.length);
        return { kind: 'vhost-user', socketPath, server: false, preallocateMemory: true };
      },
      cpuThreads: () => (proc.alive() ? [{ name: 'snabb', pid: proc.pid, tid: proc.pid }] : []),
      portCounters: () => ports.map((p) => proc.portCounters(p)),
      async stop() {
        /* Snabb, its mount, files and hugepages are undone by `resources`, newest first */
      },
    };
    return instance;
  },
};

/** Per port, what Snabb's link counters say: packets from the app into the bridge, from the bridge to the app. */
export interface SnabbPortCounters {
  port: string;
  fromApp: number;
  toApp: number;
  /** Frames the bridge could not hand to the port (its link to the app was full). */
  toAppDropped: number;
}

export type SnabbInstance = SwitchInstance & { portCounters(): SnabbPortCounters[] };

/** Snabb's fixed hugetlbfs, mounted (and its parent made) unless the host has it already. */
async function ensureSnabbHugetlbfs(resources: Resources): Promise<void> {
  // Snabb writes /var/run/snabb; /proc/mounts names it without the /var/run symlink.
  const root = join(realpathSync('/var/run'), 'snabb');
  const mount = join(root, 'hugetlbfs');
  if (hugetlbfsMountAt(mount)) return;
  if (!existsSync(root)) {
    await resources.create(
      { kind: 'path', name: root },
      async () => {
        mkdirSync(root, { mode: 0o755 });
      },
      async () => removePath(root),
    );
  }
  await mountHugetlbfs(resources, mount);
}

/** The running Snabb program: its control channel (stdin/stdout lines) and its shared-memory state. */
class SnabbProcess {
  private readonly lines: string[] = [];
  private readonly waiters: (() => void)[] = [];
  private exited: string | undefined;

  private constructor(
    readonly pid: number,
    private readonly ticks: number | undefined,
    private readonly shmDir: string,
    private readonly send: (line: string) => void,
  ) {}

  static async start(resources: Resources, snabbPath: string, cpu: number, shmRoot: string): Promise<SnabbProcess> {
    const argv = [snabbPath, 'snsh', SNABB_PROGRAM, String(cpu)];
    // Its own process group, so a terminal's Ctrl-C reaches the runner, which stops it in order.
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, SNABB_SHM_ROOT: shmRoot },
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (cause) => reject(new TestbedError(`cannot start ${snabbPath}`, { cause })));
    });
    const ticks = processStartTicks(pid) ?? undefined;
    const proc = new SnabbProcess(pid, ticks, join(shmRoot, String(pid)), (line) => child.stdin!.write(`${line}\n`));
    child.stdin!.on('error', () => {}); // a Snabb that died closes its stdin; the read-back names it
    resources.adoptProcess('snabb', pid, () => proc.stop(), { vital: true });
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (l) => proc.heard(l));
    child.once('close', (code, signal) => {
      proc.exited = `snabb exited (${signal ?? `code ${code}`})`;
      proc.heard('');
    });
    await proc.waitFor('Snabb started', (l) => l.startsWith('{"type":"start"'));
    // Read back from Snabb's own state: its engine loaded its (empty) configuration.
    await pollUntil(
      "Snabb's engine configured",
      async () => (proc.counter('engine/configs') >= 1 ? true : 'engine/configs.counter is 0'),
      START_TIMEOUT_MS,
    );
    return proc;
  }

  private heard(line: string): void {
    if (line) this.lines.push(line);
    if (this.lines.length > 50) this.lines.shift();
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitFor(what: string, match: (line: string) => boolean): Promise<string> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const i = this.lines.findIndex(match);
      if (i >= 0) return this.lines.splice(0, i + 1).at(-1)!;
      const error = this.lines.find((l) => l.startsWith('{"type":"error"'));
      if (error) throw new TestbedError(`snabb refused: ${error}`);
      if (this.exited) throw new TestbedError(`${this.exited} before ${what}: ${this.tail()}`);
      if (Date.now() > deadline)
        throw new TestbedError(`${what} did not happen within ${START_TIMEOUT_MS} ms: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  private tail(): string {
    return this.lines.slice(-5).join(' | ') || '(no output)';
  }

  /** Adds a port; returns once Snabb says it has `count` ports and its own state shows the port's links and socket. */
  async addPort(port: string, socketPath: string, count: number): Promise<void> {
    const configs = this.counter('engine/configs');
    this.send(`port ${port} ${socketPath}`);
    await this.waitFor(`Snabb port ${port}`, (l) => l === `{"type":"ports","ports":${count}}`);
    await pollUntil(`Snabb port ${port} (links and socket)`, async () => {
      if (this.counter('engine/configs') <= configs) return 'engine/configs.counter did not move';
      const links = readdirSafe(join(this.shmDir, 'links'));
      const want = [`${port}.tx -> bridge.${port}`, `bridge.${port} -> ${port}.rx`];
      const absent = want.filter((l) => !links.includes(l));
      if (absent.length > 0) return `no link ${absent.join(', ')} (links: ${links.join(', ')})`;
      return existsSync(socketPath) ? true : `no socket ${socketPath}`;
    });
  }

  /** A counter of Snabb's shared-memory state: a raw little-endian u64 (what `snabb top` reads); 0 if absent. */
  counter(name: string): number {
    try {
      return Number(readFileSync(join(this.shmDir, `${name}.counter`)).readBigUInt64LE(0));
    } catch {
      return 0;
    }
  }

  portCounters(port: string): SnabbPortCounters {
    const toApp = `links/bridge.${port} -> ${port}.rx`;
    return {
      port,
      fromApp: this.counter(`links/${port}.tx -> bridge.${port}/txpackets`),
      toApp: this.counter(`${toApp}/txpackets`),
      toAppDropped: this.counter(`${toApp}/txdrop`),
    };
  }

  alive(): boolean {
    return processStartTicks(this.pid) === this.ticks && this.exited === undefined;
  }

  /** SIGTERM (Snabb stops at once), then waits for its supervisor to free the instance's state. */
  private async stop(): Promise<void> {
    const supervisor = childrenOf(this.pid).find((c) => c.comm === '[snabb sup]');
    await killProcess(this.pid, this.ticks, STOP_GRACE_MS);
    if (supervisor) {
      await pollUntil(
        "Snabb's supervisor cleaned up and exited",
        async () => (gone(supervisor.pid, supervisor.ticks) ? true : 'running'),
        STOP_GRACE_MS,
      ).catch(() => killProcess(supervisor.pid, supervisor.ticks, 0));
    }
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The live children of `pid` with their command names and start times (/proc/PID/task/PID/children). */
function childrenOf(pid: number): { pid: number; comm: string; ticks: number | undefined }[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .flatMap((c) => {
      try {
        return [
          { pid: c, comm: readFileSync(`/proc/${c}/comm`, 'utf8').trim(), ticks: processStartTicks(c) ?? undefined },
        ];
      } catch {
        return [];
      }
    });
}

/** The process has exited (or is a zombie: it holds nothing), or the PID is another process now. */
function gone(pid: number, ticks: number | undefined): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return processStartTicks(pid) !== ticks || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
