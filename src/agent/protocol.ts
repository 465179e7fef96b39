// The agent protocol (docs/agent-protocol.md): JSON lines over the agent's stdin/stdout. The
// orchestrator sends requests `{id, op, …}`; the agent answers each with `{id, ok, result | error}`
// and, between answers, sends events `{event, …}` (app output, app exits). Version 1.
import type { AppRole } from '../apps/protocol.js';
import type { Endpoint } from '../runner/network.js';
import type { AppSide } from '../testbed/names.js';

export const AGENT_PROTOCOL = 3;
/** How often the orchestrator pings each agent (id 0: the answer is not waited for). */
export const AGENT_PING_MS = 5000;

export interface HelloResult {
  protocol: number;
  nfvperf: string;
  node: string;
  /** `nfvperf-app --version`, or why it cannot run. */
  app: { line?: string; backends: string[]; error?: string };
  /** First CPU of each physical core, and all online CPUs. */
  cores: number[];
  online: number[];
  hostname: string;
  /** The host's environment manifest (src/testbed/environment.ts), stored per host with the run. */
  environment: Record<string, string>;
}

export interface ProbeResult {
  switches: { name: string; available: boolean; version?: string; reason?: string; fix?: string; remote: boolean }[];
  /** Whether the interface given in the request exists on this host. */
  uplink?: { name: string; exists: boolean; operstate?: string };
  root: boolean;
}

export interface SetupParams {
  /** The host's name in the testbed (names this agent's ledger file). */
  host: string;
  /** The run token shared by both hosts. */
  token: string;
  switch: string;
  /** The apps' backend (a switch whose ports differ by backend asks). */
  backend?: string;
  /** `s`: senders/clients (first host), `r`: receivers/servers (second host). */
  side: AppSide;
  pairs: number;
  uplink: string;
  /** CPUs the switch's busy threads (PMDs) run on; empty or absent for kernel switches. */
  switchCpus?: number[];
  /** The CPU of each pair's app on this host. */
  appCpus?: number[];
}

export interface SetupResult {
  /** This host's containers with the port each app uses (a vhost-user socket for the dpdk backend). */
  endpoints: Endpoint[];
  setupMs: number;
}

export interface LaunchParams {
  label: string;
  role: AppRole;
  pair: number;
  /** A container this agent built for the case. */
  netns: string;
  /** nfvperf-app arguments after the role (src/runner/app-argv.ts), without `--epoch-ns` (the agent adds it). */
  args: string[];
  /** The apps' interval epoch, as a delay from when the agent reads this request. */
  epochInMs: number;
}

export interface LaunchResult {
  pid: number;
  epochNs: string;
}

export interface StopResult {
  exitCode: number | null;
  exitSignal: string | null;
}

export interface TeardownResult {
  errors: string[];
}

/** What `recover` removed of dead agents' leftovers (`removed …` lines), and what it could not. */
export interface RecoverResult {
  removed: string[];
  errors: string[];
}

export type Request =
  | { id: number; op: 'hello' }
  | ({ id: number; op: 'probe' } & { uplink?: string })
  | ({ id: number; op: 'setup' } & SetupParams)
  | ({ id: number; op: 'launch' } & LaunchParams)
  | { id: number; op: 'stop'; label: string; graceMs: number }
  | { id: number; op: 'teardown' }
  | { id: number; op: 'recover'; host: string }
  /** A heartbeat (answered with {}): the agent tears its host down after AGENT_SILENCE_MS without a line. */
  | { id: number; op: 'ping' };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export type AgentEvent =
  | { event: 'app-line'; label: string; line: string }
  | { event: 'app-exit'; label: string; exitCode: number | null; exitSignal: string | null; stderr: string };

export type AgentMessage = Reply | AgentEvent;

/** Parses one line the agent wrote; undefined for anything that is not a protocol message. */
export function parseAgentMessage(text: string): AgentMessage | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.id === 'number' && typeof v.ok === 'boolean') return v as AgentMessage;
    if (v.event === 'app-line' || v.event === 'app-exit') return v as AgentMessage;
  } catch {
    /* not ours */
  }
  return undefined;
}
