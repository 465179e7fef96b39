// dpdk-testpmd as a peer of nfvperf-app or of a switch: the benchmarks' baseline and the DPDK
// tests' stand-in app (test/native/dpdk.test.ts, test/switches/*dpdk*.test.ts import it from here).
import { spawn, type ChildProcess } from 'node:child_process';
import { appFilePrefix, vdevFor } from '../src/switches/dpdk-port.js';
import type { PortSpec } from '../src/switches/types.js';
import type { RunNames } from '../src/testbed/names.js';
import type { Container } from '../src/testbed/netns.js';

/** One dpdk-testpmd, in a network namespace, its output kept; stopped with SIGINT (it prints totals). */
export class Testpmd {
  private readonly child: ChildProcess;
  output = '';
  private readonly exited: Promise<number | null>;

  /** `netns` undefined: in the caller's namespace (vhost-user and memif ports need none). */
  constructor(
    netns: string | undefined,
    opts: {
      cpu: number;
      filePrefix: string;
      /** One port, or several (a two-port tester: port 0 transmits to port 1's peer and so on). */
      vdev: string | readonly string[];
      mode: string;
      /** The peer MAC of port 0, or of each port in order. */
      ethPeer?: string | readonly string[];
      extraEal?: string[];
      /** More testpmd options (after the EAL's `--`). */
      extra?: string[];
    },
  ) {
    const vdevs = typeof opts.vdev === 'string' ? [opts.vdev] : opts.vdev;
    const peers = opts.ethPeer === undefined ? [] : typeof opts.ethPeer === 'string' ? [opts.ethPeer] : opts.ethPeer;
    const argv = [
      ...(netns ? ['ip', 'netns', 'exec', netns] : []),
      'dpdk-testpmd',
      '--lcores',
      `0@${opts.cpu},1@${opts.cpu}`,
      '--file-prefix',
      opts.filePrefix,
      '--no-pci',
      '--single-file-segments',
      '-m',
      '256',
      ...(opts.extraEal ?? []),
      ...vdevs.flatMap((v) => ['--vdev', v]),
      '--',
      `--forward-mode=${opts.mode}`,
      '--stats-period',
      '1',
      '--no-mlockall',
      '--total-num-mbufs=8192',
      ...peers.map((mac, port) => `--eth-peer=${port},${mac}`),
      ...(opts.extra ?? []),
    ];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => {
      this.output += String(d);
    });
    this.child.stderr!.on('data', (d) => {
      this.output += String(d);
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once testpmd forwards (its first statistics block), or rejects with its output. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes('Port statistics')) {
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`testpmd did not start:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** The final totals of port 0 (`Accumulated forward statistics` or the last statistics block). */
  totals(): { rx: number; tx: number } {
    const last = (re: RegExp) => {
      const all = [...this.output.matchAll(re)];
      return all.length ? Number(all.at(-1)![1]) : 0;
    };
    return { rx: last(/RX-packets:\s+(\d+)/g), tx: last(/TX-packets:\s+(\d+)/g) };
  }
}

/**
 * dpdk-testpmd on a pair's two ports, as the apps of a case: the receiver (`rxMode`) first, then
 * txonly towards its MAC; resolves once both forward. Each is pushed onto `apps` as it starts, so
 * the caller's `finally` stops whatever started.
 */
export async function startTestpmdPair(
  names: RunNames,
  sender: { c: Container; port: PortSpec; cpu: number },
  receiver: { c: Container; port: PortSpec; cpu: number },
  apps: Testpmd[],
  rxMode = 'rxonly',
): Promise<{ tx: Testpmd; rx: Testpmd }> {
  const rx = new Testpmd(receiver.c.netns, {
    cpu: receiver.cpu,
    filePrefix: appFilePrefix(names, 'r', receiver.c.pair),
    vdev: vdevFor(receiver.port, receiver.c.mac)!,
    mode: rxMode,
  });
  apps.push(rx);
  await rx.ready();
  const tx = new Testpmd(sender.c.netns, {
    cpu: sender.cpu,
    filePrefix: appFilePrefix(names, 's', sender.c.pair),
    vdev: vdevFor(sender.port, sender.c.mac)!,
    mode: 'txonly',
    ethPeer: receiver.c.mac,
  });
  apps.push(tx);
  await tx.ready();
  return { tx, rx };
}
