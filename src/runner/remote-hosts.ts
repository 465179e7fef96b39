// The agents of a remote run: one per host, started at the run's first case and kept for every
// case after it, so a run opens one SSH connection per host, not one per case. A host whose agent
// or connection was lost gets a fresh agent, which first removes what the lost one left (its
// ledger) and then serves the next case.
import { AGENT_PROTOCOL, type HelloResult, type RecoverResult, type TeardownResult } from '../agent/protocol.js';
import { AgentSession } from '../agent/session.js';
import { NFVPERF_VERSION } from '../common/version.js';
import type { HostSpec, Testbed } from '../hosts/types.js';

const TEARDOWN_TIMEOUT_MS = 30_000;

export interface ConnectedHost {
  session: AgentSession;
  hello: HelloResult;
  /** Time to connect and greet the agent in this call: 0 when the run's agent was reused. */
  connectMs: number;
}

export class RemoteHosts {
  private readonly agents = new Map<string, { session: AgentSession; hello: HelloResult }>();
  /** Environment manifests of the hosts reached so far, by host name. */
  readonly environments = new Map<string, Record<string, string>>();

  constructor(readonly testbed: Testbed) {}

  /** The host's agent: the run's one if it is still up, otherwise a new one (SSH connect, hello). */
  async connect(spec: HostSpec, signal?: AbortSignal): Promise<ConnectedHost> {
    const kept = this.agents.get(spec.name);
    if (kept?.session.alive) return { ...kept, connectMs: 0 };
    const t0 = Date.now();
    const session = await AgentSession.open(spec, signal);
    let hello: HelloResult;
    try {
      hello = await session.request<HelloResult>({ op: 'hello' });
      if (hello.protocol !== AGENT_PROTOCOL) {
        throw session.error(
          `its agent speaks protocol ${hello.protocol}, this nfvperf ${AGENT_PROTOCOL}: install nfvperf ${NFVPERF_VERSION} there`,
        );
      }
    } catch (e: unknown) {
      await session.close(5000).catch(() => {});
      throw e;
    }
    this.agents.set(spec.name, { session, hello });
    this.environments.set(spec.name, hello.environment);
    return { session, hello, connectMs: Date.now() - t0 };
  }

  /**
   * Tears the host's case down and returns what went wrong. An agent that answers gets a
   * `teardown` and is kept; one that does not is closed (its stdin ends, so it tears down by
   * itself), and a host whose agent died gets a fresh agent that removes what its ledger lists.
   */
  async release(spec: HostSpec): Promise<string[]> {
    const kept = this.agents.get(spec.name);
    if (!kept) return [];
    const errors: string[] = [];
    if (kept.session.alive) {
      try {
        const r = await kept.session.request<TeardownResult>({ op: 'teardown' }, TEARDOWN_TIMEOUT_MS);
        errors.push(...r.errors.map((e) => `host ${spec.name}: ${e}`));
        return errors;
      } catch (e: unknown) {
        errors.push(e instanceof Error ? e.message : String(e));
        if (kept.session.alive) {
          // It answers no more: ending its stdin makes it tear down by itself.
          await kept.session.close(5000).catch(() => {});
          this.agents.delete(spec.name);
          return errors;
        }
      }
    }
    await kept.session.close(5000).catch(() => {});
    this.agents.delete(spec.name);
    try {
      const fresh = await this.connect(spec);
      const r = await fresh.session.request<RecoverResult>({ op: 'recover', host: spec.name }, TEARDOWN_TIMEOUT_MS);
      errors.push(...r.errors.map((e) => `host ${spec.name}: cleaning up after the dead agent: ${e}`));
    } catch (e: unknown) {
      errors.push(
        `host ${spec.name}: what its dead agent left is still in its ledger (run \`nfvperf cleanup\` there): ` +
          `${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return errors;
  }

  /** Ends every agent of the run (each exits once its stdin ends). */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.session.close(5000).catch(() => {})));
    this.agents.clear();
  }
}
