// The hosts of a two-host testbed, as the testbed file describes them, and the one thing the
// orchestrator needs from each: a byte stream to an `nfvperf agent` running there.
import type { Readable, Writable } from 'node:stream';

/** How the orchestrator reaches a host. */
export type HostAccess =
  | { kind: 'local' }
  | {
      kind: 'ssh';
      user: string;
      address: string;
      port: number;
      /** Private key file (absolute path). */
      keyFile: string;
      /** known_hosts file the host key is checked against (absolute path); never skipped. */
      knownHostsFile: string;
    };

export interface HostSpec {
  /** Short name used in messages and in the agent's ledger file name. */
  name: string;
  access: HostAccess;
  /** The agent command, as an argv array (run directly locally; over SSH, the remote command). */
  agent: string[];
  /** CPUs the apps of this host may be pinned to; undefined: the host's physical cores. */
  cpus?: number[];
  /** The host's physical link, joined to the switch so that the two hosts share one L2 segment. */
  uplink: string;
}

export interface Testbed {
  file: string;
  /** Senders (clients) run on hosts[0], receivers (servers) on hosts[1]. */
  hosts: [HostSpec, HostSpec];
}

/** A running agent's standard streams, whatever carries them (a child process or an SSH channel). */
export interface AgentTransport {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves once the agent (or its connection) is gone, with a one-line reason. */
  closed: Promise<string>;
  /** Ends the agent's stdin and, after `graceMs`, forces the transport shut. */
  close(graceMs?: number): Promise<void>;
}

export function describeAccess(host: HostSpec): string {
  return host.access.kind === 'local' ? 'local' : `${host.access.user}@${host.access.address}:${host.access.port}`;
}
