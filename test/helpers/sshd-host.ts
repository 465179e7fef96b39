// Two "hosts" for the remote tests: network namespaces nfp-<token>-host1 and -host2, each running its
// own sshd (Debian's openssh-server, private config, host key made for the test), joined by a
// veth pair (the cable; each end is that host's uplink), and each reachable from the root
// namespace over a second veth (198.19.N.0/24, the control network the orchestrator's SSH uses).
// sshd is started with `nsenter --net` rather than `ip netns exec`: the latter also gives it a
// private mount namespace, where the `ip netns add` of the agents it starts would not be seen by
// anyone else (and would vanish with the agent).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, readLedgers, type Resource } from '../../src/testbed/ledger.js';
import { newRunToken } from '../../src/testbed/names.js';
import { NFVPERF } from './cli.js';

export interface LabHost {
  name: string;
  netns: string;
  address: string;
  port: number;
  uplink: string;
  /** The root namespace's end of the control link. */
  controlLink: string;
  sshd: ChildProcess;
  sshdLog: () => string;
}

export interface Lab {
  dir: string;
  hosts: [LabHost, LabHost];
  /** Writes a testbed file into the lab's directory; `edit` may change each host's YAML lines. */
  writeTestbed(name?: string, edit?: (host: LabHost, lines: Record<string, string>) => void): string;
  stop(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A control subnet number no other lab on this machine uses (engineers and CI jobs run these tests
 * side by side): it picks the control subnets and the sshd ports.
 */
function freeLabNumber(): number {
  const addrs = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let k = 1 + (process.pid % 20); ; k = (k % 60) + 1) {
    if (!addrs.includes(` 198.19.${2 * k + 1}.1/`)) return k;
  }
}

export async function startLab(): Promise<Lab> {
  const k = freeLabNumber();
  // The lab's namespaces and links carry a run token, listed in a ledger this process owns: a
  // `nfvperf cleanup` run meanwhile (another test) leaves them alone, and removes them if we die.
  const token = newRunToken(new Set(readLedgers().map((l) => l.token)));
  const ledger = Ledger.open(token);
  const made: Resource[] = [];
  const record = (r: Resource) => {
    ledger.recordCreate(r);
    made.push(r);
  };
  const dir = mkdtempSync(join(tmpdir(), 'nfvperf-lab-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nfvperf-test', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const hosts: LabHost[] = [];
  const known: string[] = [];
  const lab: Lab = {
    dir,
    hosts: hosts as [LabHost, LabHost],
    writeTestbed(name = 'lab.yaml', edit) {
      const lines = ['hosts:'];
      for (const h of hosts) {
        const fields: Record<string, string> = {
          name: h.name,
          ssh: `root@${h.address}:${h.port}`,
          key: 'client_key',
          knownHosts: 'known_hosts',
          agent: JSON.stringify([process.execPath, NFVPERF, 'agent']),
          uplink: h.uplink,
        };
        edit?.(h, fields);
        const entries = Object.entries(fields);
        lines.push(`  - ${entries[0]![0]}: ${entries[0]![1]}`, ...entries.slice(1).map(([k, v]) => `    ${k}: ${v}`));
      }
      writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
      return join(dir, name);
    },
    async stop() {
      for (const h of hosts) {
        if (h.sshd.exitCode === null && h.sshd.signalCode === null) {
          h.sshd.kill('SIGTERM');
          await new Promise((resolve) => {
            h.sshd.once('close', resolve);
            setTimeout(resolve, 3000).unref();
          });
        }
        try {
          ip('link', 'del', h.controlLink);
        } catch {
          /* gone with the namespace */
        }
        try {
          ip('netns', 'del', h.netns);
        } catch {
          /* already gone */
        }
      }
      for (const r of made.reverse()) ledger.recordRemove(r);
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const n of [1, 2]) {
      const netns = `nfp-${token}-host${n}`;
      const controlLink = `nfp${token}ctl${n}`;
      const subnet = `198.19.${2 * k + n}`;
      record({ kind: 'netns', name: netns });
      ip('netns', 'add', netns);
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      record({ kind: 'link', name: controlLink });
      ip('link', 'add', controlLink, 'type', 'veth', 'peer', 'name', 'ctl0', 'netns', netns);
      ip('addr', 'add', `${subnet}.1/24`, 'dev', controlLink);
      ip('link', 'set', controlLink, 'up');
      ip('-n', netns, 'addr', 'add', `${subnet}.2/24`, 'dev', 'ctl0');
      ip('-n', netns, 'link', 'set', 'ctl0', 'up');
      const hostKey = join(dir, `host${n}_key`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', netns, '-f', hostKey]);
      const port = 2200 + 10 * k + n;
      const address = `${subnet}.2`;
      const [type, blob] = readFileSync(`${hostKey}.pub`, 'utf8').split(' ');
      known.push(`[${address}]:${port} ${type} ${blob}`);
      const config = join(dir, `sshd${n}.conf`);
      writeFileSync(
        config,
        [
          `Port ${port}`,
          `ListenAddress ${address}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, `sshd${n}.pid`)}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          'PrintMotd no',
          'LogLevel ERROR',
          'MaxStartups 20',
          '',
        ].join('\n'),
      );
      const sshd = spawn('nsenter', [`--net=/run/netns/${netns}`, '/usr/sbin/sshd', '-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      sshd.stderr!.on('data', (d) => (log += d));
      hosts.push({
        name: `host${n}`,
        netns,
        address,
        port,
        uplink: `nfp${token}up${n}`,
        controlLink,
        sshd,
        sshdLog: () => log,
      });
    }
    // The cable: one veth pair, an end in each host; each end is that host's uplink.
    ip(
      'link',
      'add',
      hosts[0]!.uplink,
      'netns',
      hosts[0]!.netns,
      'type',
      'veth',
      'peer',
      'name',
      hosts[1]!.uplink,
      'netns',
      hosts[1]!.netns,
    );
    writeFileSync(join(dir, 'known_hosts'), `${known.join('\n')}\n`);
    for (const h of hosts) await waitForPort(h);
    return lab;
  } catch (e) {
    await lab.stop();
    throw e;
  }
}

async function waitForPort(h: LabHost, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: h.address, port: h.port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`sshd of ${h.name} never listened on ${h.address}:${h.port}: ${h.sshdLog()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Links inside a host namespace (its own: lo, ctl0 and the uplink, when it is clean). */
export function hostLinks(h: LabHost): { ifname: string; master?: string; xdp?: unknown }[] {
  return JSON.parse(execFileSync('ip', ['-n', h.netns, '-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
    master?: string;
    xdp?: unknown;
  }[];
}

/** PIDs in a host namespace whose command line contains every one of `words` (all of them when none). */
export function pidsIn(h: LabHost, ...words: string[]): number[] {
  const pids = execFileSync('ip', ['netns', 'pids', h.netns], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter((p) => p > 0);
  return pids.filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return words.every((w) => cmd.includes(w));
    } catch {
      return false;
    }
  });
}
