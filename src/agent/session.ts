// The orchestrator's side of one agent: requests with answers, events as they come, and the
// connection's loss — every failure names the host.
import { createInterface } from 'node:readline';
import { TestbedError } from '../common/errors.js';
import { startLocalAgent } from '../hosts/local.js';
import { startRemoteAgent } from '../hosts/remote.js';
import type { AgentTransport, HostSpec } from '../hosts/types.js';
import { AGENT_PING_MS, parseAgentMessage, type AgentEvent, type Request } from './protocol.js';

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const STDERR_LINES_KEPT = 10;
export const REQUEST_TIMEOUT_MS = 30_000;

export class AgentSession {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners: ((e: AgentEvent) => void)[] = [];
  private readonly stderrTail: string[] = [];
  /** Why the connection is gone; undefined while it is up. */
  lostReason?: string;
  /** Resolves when the agent or its connection is gone. */
  readonly lost: Promise<string>;

  private constructor(
    readonly host: HostSpec,
    private readonly transport: AgentTransport,
  ) {
    createInterface({ input: transport.stdout }).on('line', (text) => this.onLine(text));
    createInterface({ input: transport.stderr }).on('line', (text) => {
      this.stderrTail.push(text);
      if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    });
    transport.stdin.on('error', () => {
      /* `lost` says why */
    });
    // The agent takes a silent orchestrator for gone and tears its host down (agent.ts).
    const heartbeat = setInterval(() => {
      if (this.alive) transport.stdin.write(`${JSON.stringify({ id: 0, op: 'ping' })}\n`);
    }, AGENT_PING_MS);
    heartbeat.unref();
    this.lost = transport.closed.then((reason) => {
      clearInterval(heartbeat);
      const tail = this.stderrTail.slice(-2).join(' | ');
      this.lostReason = `${reason}${tail ? `: ${tail}` : ''}`;
      for (const w of this.waiting.values()) w.reject(this.error(`connection to the agent lost (${this.lostReason})`));
      this.waiting.clear();
      return this.lostReason;
    });
  }

  /** Starts the host's agent (over SSH, or as a child process for a local host). */
  static async open(host: HostSpec, signal?: AbortSignal): Promise<AgentSession> {
    const transport = host.access.kind === 'local' ? startLocalAgent(host) : await startRemoteAgent(host, signal);
    return new AgentSession(host, transport);
  }

  get alive(): boolean {
    return this.lostReason === undefined;
  }

  /** Adds an event listener; returns the call that removes it (a case's listener goes with the case). */
  onEvent(listener: (e: AgentEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  request<T>(body: RequestBody, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    if (!this.alive) return Promise.reject(this.error(`connection to the agent lost (${this.lostReason})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(this.error(`the agent did not answer ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.transport.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  /** Ends the agent's stdin (it tears down and exits) and waits for it to go. */
  async close(graceMs = 5000): Promise<void> {
    await this.transport.close(graceMs);
    await this.lost;
  }

  error(message: string): TestbedError {
    return new TestbedError(`host ${this.host.name}: ${message}`);
  }

  private onLine(text: string): void {
    const message = parseAgentMessage(text);
    if (!message) return;
    if ('event' in message) {
      for (const l of this.listeners) l(message);
      return;
    }
    const w = this.waiting.get(message.id);
    if (!w) return;
    this.waiting.delete(message.id);
    if (message.ok) w.resolve(message.result);
    else w.reject(this.error(message.error));
  }
}
