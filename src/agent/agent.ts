// `nfvperf agent`: one host's half of a remote case, driven by the orchestrator over stdin/stdout
// (docs/agent-protocol.md). Each request is one step of the case runner's CaseHost, carried out by
// the same LocalHost a local case uses: it builds this host's containers and switch, joins the
// switch to the uplink, launches the apps with the argv it is sent and streams their lines back. It tears everything down on a `teardown` request, when its stdin
// ends (the orchestrator or the connection is gone), and on SIGTERM/SIGHUP/SIGINT.
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type AppProcess, appInfo } from '../apps/app.js';
import { isBackendName } from '../apps/backends.js';
import { NFVPERF_VERSION } from '../common/version.js';
import type { SwitchName } from '../plan/schema.js';
import { LocalHost } from '../runner/case-host.js';
import type { Endpoint } from '../runner/network.js';
import { driverFor, REMOTE_SWITCHES, SWITCH_DRIVERS } from '../switches/index.js';
import { readLink } from '../switches/readback.js';
import { removeLeftovers } from '../testbed/cleanup.js';
import { netnsContainers } from '../testbed/containers.js';
import { environmentManifest } from '../testbed/environment.js';
import { readTopology } from '../testbed/cpus.js';
import { Ledger, processStartTicks, readLedgers } from '../testbed/ledger.js';
import { NETNS_NAME, newRunToken, runNames } from '../testbed/names.js';
import {
  AGENT_PROTOCOL,
  type AgentEvent,
  type HelloResult,
  type LaunchParams,
  type LaunchResult,
  type ProbeResult,
  type Reply,
  type RecoverResult,
  type Request,
  type SetupParams,
  type SetupResult,
  type StopResult,
  type TeardownResult,
} from './protocol.js';

const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;

interface Session {
  ledger: Ledger;
  host: LocalHost;
  /** This host's containers, by namespace. */
  endpoints: Map<string, Endpoint>;
  apps: Map<string, AppProcess>;
}

export class Agent {
  private session?: Session;
  private tearingDown?: Promise<TeardownResult>;

  constructor(private readonly out: Writable) {}

  send(message: Reply | AgentEvent): void {
    this.out.write(`${JSON.stringify(message)}\n`);
  }

  async handle(request: Request): Promise<unknown> {
    switch (request.op) {
      case 'hello':
        return this.hello();
      case 'probe':
        return this.probe(request.uplink);
      case 'setup':
        return this.setup(request);
      case 'launch':
        return this.launch(request);
      case 'stop':
        return this.stop(request.label, request.graceMs);
      case 'teardown':
        return this.teardown();
      case 'recover':
        return recoverDeadAgents(request.host);
      case 'ping':
        return {};
      default:
        throw new Error(`unknown op ${JSON.stringify((request as { op?: unknown }).op)}`);
    }
  }

  /** Who this host is: versions, CPUs and its environment manifest (the one a local run stores). */
  async hello(): Promise<HelloResult> {
    const topology = readTopology();
    let app: HelloResult['app'];
    try {
      const info = appInfo();
      app = { line: info.line, backends: info.backends };
    } catch (e: unknown) {
      app = { backends: [], error: e instanceof Error ? e.message : String(e) };
    }
    const environment = await environmentManifest(topology, {
      nfvperf: NFVPERF_VERSION,
      app: app.line ?? `unavailable: ${app.error}`,
    });
    return {
      protocol: AGENT_PROTOCOL,
      nfvperf: NFVPERF_VERSION,
      node: process.version,
      app,
      cores: topology.cores,
      online: topology.online,
      hostname: os.hostname(),
      environment,
    };
  }

  async probe(uplink?: string): Promise<ProbeResult> {
    const probes = await Promise.all(
      SWITCH_DRIVERS.map((d) =>
        d.probe().catch((e: unknown) => ({
          available: false,
          reason: `probe failed: ${e instanceof Error ? e.message : String(e)}`,
          version: undefined,
          fix: undefined,
        })),
      ),
    );
    const switches = SWITCH_DRIVERS.map((d, i) => ({
      name: d.name,
      ...probes[i]!,
      remote: REMOTE_SWITCHES.includes(d.name),
    }));
    const link = uplink ? await readLink(uplink) : undefined;
    return {
      switches,
      root: process.getuid?.() === 0,
      ...(uplink ? { uplink: { name: uplink, exists: link !== undefined, operstate: link?.operstate } } : {}),
    };
  }

  async setup(p: SetupParams): Promise<SetupResult> {
    if (this.session) throw new Error('this agent has a case set up: tear it down first');
    if (!HOST_NAME.test(p.host)) throw new Error(`bad host name ${JSON.stringify(p.host)}`);
    if (p.side !== 's' && p.side !== 'r') throw new Error(`bad side ${JSON.stringify(p.side)}`);
    if (!Number.isInteger(p.pairs) || p.pairs < 1 || p.pairs > 64) throw new Error(`bad pairs ${p.pairs}`);
    const cpuList = (what: string, v: number[] | undefined, length?: number) => {
      if (
        v !== undefined &&
        (!Array.isArray(v) ||
          !v.every((c) => Number.isInteger(c) && c >= 0) ||
          (length !== undefined && v.length !== length))
      ) {
        throw new Error(`bad ${what} ${JSON.stringify(v)}`);
      }
      return v ?? [];
    };
    const switchCpus = cpuList('switchCpus', p.switchCpus);
    const appCpus = cpuList('appCpus', p.appCpus, p.appCpus ? p.pairs : undefined);
    const started = Date.now();
    // Files of this host (run directory, DPDK file prefixes) take a token of its own: two hosts
    // that share a filesystem (namespace hosts) must not share an OVS database or a prefix.
    const taken = new Set([p.token, ...readLedgers().map((l) => l.token)]);
    const names = { ...runNames(p.token), fileToken: newRunToken(taken) };
    const driver = driverFor(p.switch as SwitchName);
    if (!driver?.joinUplink)
      throw new Error(
        `switch ${p.switch} cannot be joined to an uplink (remote switches: ${REMOTE_SWITCHES.join(', ')})`,
      );
    if (!(await readLink(p.uplink))) throw new Error(`the uplink ${p.uplink} does not exist on this host`);
    // Every agent of a run shares the run's token; its ledger file adds the host's name, so two
    // hosts that share a filesystem (namespace hosts) keep separate ledgers.
    const ledger = Ledger.open(p.token, undefined, `${p.token}-${p.host}`);
    const containers = netnsContainers(names);
    const host = new LocalHost({ names, ledger, topology: readTopology(), containers, sides: [p.side] });
    const session: Session = { ledger, host, endpoints: new Map(), apps: new Map() };
    this.session = session;
    if (p.backend !== undefined && !isBackendName(p.backend))
      throw new Error(`bad backend ${JSON.stringify(p.backend)}`);
    const endpoints = await host.build(
      {
        switch: p.switch as SwitchName,
        backend: p.backend ?? 'udp-mmsg',
        links: p.pairs,
        switchCpus,
        appCpu: (_, pair) => appCpus[pair] ?? 0,
        uplink: p.uplink,
      },
      new AbortController().signal,
    );
    for (const e of endpoints) session.endpoints.set(e.netns, e);
    return { endpoints, setupMs: Date.now() - started };
  }

  async launch(p: LaunchParams): Promise<LaunchResult> {
    const session = this.session;
    if (!session) throw new Error('launch before setup');
    const endpoint = session.endpoints.get(p.netns);
    if (!NETNS_NAME.test(p.netns) || !endpoint) throw new Error(`${p.netns} is not a container of this case`);
    if (session.apps.has(p.label)) throw new Error(`an app labelled ${p.label} already ran in this case`);
    // The orchestrator says "start in X ms"; this host's CLOCK_MONOTONIC turns that into the epoch.
    const epochNs = process.hrtime.bigint() + BigInt(Math.round(p.epochInMs * 1e6));
    const app = await session.host.launch(
      {
        role: p.role,
        pair: p.pair,
        label: p.label,
        netns: p.netns,
        ...(endpoint.exec ? { exec: endpoint.exec } : {}),
        args: p.args.map(String),
        epochNs,
      },
      (line) => this.send({ event: 'app-line', label: p.label, line }),
    );
    session.apps.set(p.label, app);
    void app.waitExit(2 ** 31 - 1).then(() =>
      this.send({
        event: 'app-exit',
        label: p.label,
        exitCode: app.exitCode,
        exitSignal: app.exitSignal,
        stderr: app.stderr,
      }),
    );
    return { pid: app.pid ?? -1, epochNs: String(epochNs) };
  }

  async stop(label: string, graceMs: number): Promise<StopResult> {
    const app = this.session?.apps.get(label);
    if (!app) throw new Error(`no app labelled ${label}`);
    await app.stop(graceMs);
    return { exitCode: app.exitCode, exitSignal: app.exitSignal };
  }

  /**
   * Stops the apps and undoes everything, newest first; idempotent. The agent then takes the
   * run's next case: one agent (one SSH connection) serves every case of a run on its host.
   */
  teardown(): Promise<TeardownResult> {
    this.tearingDown ??= (async () => {
      const session = this.session;
      if (!session) return { errors: [] };
      await Promise.all([...session.apps.values()].map((a) => a.stop(1000)));
      const errors = await session.host.tearDown();
      session.ledger.close();
      this.session = undefined;
      return { errors };
    })().finally(() => {
      this.tearingDown = undefined;
    });
    return this.tearingDown;
  }
}

/**
 * Removes what dead agents of `host` left on this host: the resources their ledgers
 * (`<token>-<host>.jsonl`, owner no longer running) still list, newest first.
 */
export async function recoverDeadAgents(host: string, log: (line: string) => void = () => {}): Promise<RecoverResult> {
  if (!HOST_NAME.test(host)) throw new Error(`bad host name ${JSON.stringify(host)}`);
  const mine = new RegExp(`/[0-9a-f]{4}-${host}\\.jsonl$`);
  const dead = readLedgers().filter((l) => !l.ownerAlive && mine.test(l.path));
  const leftovers = dead.flatMap((l) =>
    [...l.open]
      .reverse()
      .filter(
        (r) => r.kind !== 'process' || (r.pid !== undefined && processStartTicks(r.pid) === (r.startTicks ?? null)),
      )
      .map((r) => ({ ...r, source: 'ledger' as const })),
  );
  const removed: string[] = [];
  const errors = await removeLeftovers({ leftovers, ledgers: dead.map((l) => l.path) }, (line) => {
    removed.push(line);
    log(line);
  });
  return { removed, errors: errors.map((e) => e.message) };
}

/**
 * How long the agent waits without a line from the orchestrator (which pings every
 * AGENT_PING_MS) before it takes the connection for dead. A cable cut or a vanished peer leaves
 * the SSH session open on this side (sshd sends no keepalives by default), so stdin alone would
 * never end and the host's switch, hugepages and apps would stay up for good.
 */
const AGENT_SILENCE_MS = Number(process.env.NFVPERF_AGENT_SILENCE_MS) || 30_000;

/** Runs the agent on stdin/stdout until stdin ends or the orchestrator falls silent; returns the exit code. */
export async function runAgent(input: Readable = process.stdin, output: Writable = process.stdout): Promise<number> {
  // The orchestrator may be gone (a dropped connection closes our stdout): writes then fail with
  // EPIPE, which must not kill the agent before it has torn its host down.
  output.on('error', () => {});
  const agent = new Agent(output);
  const pending = new Set<Promise<void>>();
  const finish = async (): Promise<number> => {
    await Promise.allSettled([...pending]);
    const { errors } = await agent.teardown();
    for (const e of errors) process.stderr.write(`nfvperf agent: teardown: ${e}\n`);
    return errors.length > 0 ? 1 : 0;
  };
  let tearingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (tearingDown) return;
    tearingDown = true;
    void finish().then((code) => {
      process.exit(code || (signal === 'SIGINT' ? 130 : 143));
    });
  };
  for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(s, onSignal);
  const lines = createInterface({ input });
  let heardAt = Date.now();
  const watchdog = setInterval(
    () => {
      if (Date.now() - heardAt <= AGENT_SILENCE_MS) return;
      process.stderr.write(
        `nfvperf agent: no word from the orchestrator for ${AGENT_SILENCE_MS} ms: tearing this host down\n`,
      );
      lines.close();
    },
    Math.min(1000, AGENT_SILENCE_MS / 2),
  );
  for await (const text of lines) {
    heardAt = Date.now();
    if (!text.trim()) continue;
    let request: Request;
    try {
      request = JSON.parse(text) as Request;
      if (typeof request.id !== 'number' || typeof request.op !== 'string') throw new Error('expected {id, op, …}');
    } catch (e: unknown) {
      agent.send({ id: -1, ok: false, error: `bad request: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const done: Promise<void> = Promise.resolve()
      .then(() => agent.handle(request))
      .then(
        (result) => agent.send({ id: request.id, ok: true, result: result ?? null }),
        (e: unknown) => agent.send({ id: request.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => pending.delete(done));
    pending.add(done);
  }
  // stdin ended (or went silent): the orchestrator is done or gone; either way this host is torn down.
  clearInterval(watchdog);
  return finish();
}
