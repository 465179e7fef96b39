// basicfwd: our small DPDK forwarder (native/forwarders/basicfwd.c, the shape of DPDK's skeleton
// sample): one net_vhost port per container, forwarded in fixed pairs (port 2i <-> 2i+1, a pair's
// sender and receiver), no switching logic, one polling thread on the switch's CPU. The forwarder
// serves the vhost-user sockets; the apps' virtio_user devices connect to them. Its ports are
// fixed when it starts, so each attached pair restarts it with every port so far (before any
// app runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../apps/app.js';
import { TestbedError } from '../common/errors.js';
import { readTopology } from '../testbed/cpus.js';
import { ensureHugetlbfs, reserveHugepages } from '../testbed/hugepages.js';
import { processStartTicks } from '../testbed/ledger.js';
import { killProcess } from '../testbed/resources.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { DPDK_APP_MEM_MB, dpdkMissing, needHugepagesWritable } from './dpdk-port.js';
import type { SwitchDriver } from './types.js';
import { needAppBackend, probeFrom } from '../testbed/probes.js';

export const BASICFWD_BINARY = join(PACKAGE_ROOT, 'native', 'build', 'nfvperf-basicfwd');
/** The forwarder's own hugepage memory (its mbuf pool). */
const FORWARDER_MEM_MB = 256;
const START_TIMEOUT_MS = 20_000;

export const basicfwd: SwitchDriver<'basicfwd'> = {
  name: 'basicfwd',
  description: 'DPDK forwarder between vhost-user ports in fixed pairs (the skeleton basicfwd)',
  busyThreads: 1,
  backends: ['dpdk'],

  async probe() {
    const { missing, version } = await dpdkMissing();
    if (!existsSync(BASICFWD_BINARY)) {
      missing.push({
        reason: `the forwarder is not built (${BASICFWD_BINARY} is missing)`,
        fix: 'apt-get install libdpdk-dev && npm run build',
      });
    }
    missing.push(...needHugepagesWritable(), ...(await needAppBackend('dpdk')));
    return probeFrom(missing, version);
  },

  async start(ctx) {
    const { names, resources } = ctx;
    const cpu = ctx.cpus[0] ?? readTopology().online.at(-1)!;
    await ensureRunDir(resources, runPath(names.fileToken));
    const socketDir = await ensureRunDir(resources, runPath(names.fileToken, 'vhost'));
    await reserveHugepages(resources, FORWARDER_MEM_MB);
    await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.fileToken}`);
    const sockets: string[] = [];
    let current: { child: ChildProcess; pid: number; ticks: number | undefined } | undefined;

    const restart = async () => {
      if (current) {
        resources.expectExit(current.pid);
        await killProcess(current.pid, current.ticks, 3000);
      }
      const argv = [
        BASICFWD_BINARY,
        '-l',
        String(cpu),
        '--file-prefix',
        `nfp${names.fileToken}fwd`,
        '--no-pci',
        '--in-memory',
        '-m',
        String(FORWARDER_MEM_MB),
        '--log-level',
        'lib.eal:error',
        ...sockets.flatMap((path, i) => ['--vdev', `net_vhost${i},iface=${path},queues=1`]),
      ];
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const stderr: string[] = [];
      createInterface({ input: child.stderr! }).on('line', (l) => {
        stderr.push(l);
        if (stderr.length > 5) stderr.shift();
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', (cause) => reject(new TestbedError('cannot start nfvperf-basicfwd', { cause })));
      });
      const ticks = processStartTicks(pid) ?? undefined;
      resources.adoptProcess('nfvperf-basicfwd', pid, () => killProcess(pid, ticks, 3000), { vital: true });
      current = { child, pid, ticks };
      // Read back: the forwarder says it started every port, and every socket exists.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new TestbedError(`nfvperf-basicfwd did not start within ${START_TIMEOUT_MS} ms: ${stderr.join(' | ')}`),
            ),
          START_TIMEOUT_MS,
        );
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line.includes('"type":"start"') && line.includes(`"ports":${sockets.length}`)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          reject(new TestbedError(`nfvperf-basicfwd exited (code ${code}): ${stderr.join(' | ')}`));
        });
      });
      const absent = sockets.filter((s) => !existsSync(s));
      if (absent.length > 0)
        throw new TestbedError(`nfvperf-basicfwd started without its sockets ${absent.join(', ')}`);
    };

    return {
      async attachPair(sender, receiver) {
        const s = join(socketDir, `s${sender.pair}.sock`);
        const r = join(socketDir, `r${receiver.pair}.sock`);
        sockets.push(s, r);
        await reserveHugepages(resources, 2 * DPDK_APP_MEM_MB);
        await restart();
        return [
          { kind: 'vhost-user', socketPath: s, server: false },
          { kind: 'vhost-user', socketPath: r, server: false },
        ];
      },
      cpuThreads: () =>
        current && processStartTicks(current.pid) === current.ticks
          ? [{ name: 'nfvperf-basicfwd', pid: current.pid, tid: current.pid }]
          : [],
      async stop() {
        /* the forwarder, its sockets and hugepages are undone by `resources`, newest first */
      },
    };
  },
};
