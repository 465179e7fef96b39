// `nfvperf doctor --testbed FILE`: for every host of a testbed, whether it can serve a remote
// plan — reachable, its agent runs and speaks this protocol, its versions, its switches (and which
// of them can span hosts), its uplink — and what is missing where. Exit 0 when every host is
// ready, 1 otherwise.
import { AGENT_PROTOCOL, type HelloResult, type ProbeResult } from '../../agent/protocol.js';
import { AgentSession } from '../../agent/session.js';
import { NFVPERF_VERSION } from '../../common/version.js';
import { loadTestbedFile } from '../../hosts/testbed-file.js';
import { describeAccess, type HostSpec } from '../../hosts/types.js';

export interface HostReport {
  host: string;
  access: string;
  reachable: boolean;
  hello?: HelloResult;
  probe?: ProbeResult;
  /** What stops this host from serving a remote plan; empty when it is ready. */
  missing: string[];
}

export async function doctorHost(host: HostSpec): Promise<HostReport> {
  const report: HostReport = { host: host.name, access: describeAccess(host), reachable: false, missing: [] };
  let session: AgentSession | undefined;
  try {
    session = await AgentSession.open(host);
    report.reachable = true;
    report.hello = await session.request<HelloResult>({ op: 'hello' }, 15_000);
    report.probe = await session.request<ProbeResult>({ op: 'probe', uplink: host.uplink }, 15_000);
  } catch (e: unknown) {
    report.missing.push(e instanceof Error ? e.message : String(e));
  } finally {
    await session?.close(3000).catch(() => {});
  }
  const { hello, probe } = report;
  if (hello) {
    if (hello.protocol !== AGENT_PROTOCOL)
      report.missing.push(
        `agent protocol ${hello.protocol}, expected ${AGENT_PROTOCOL}: install nfvperf ${NFVPERF_VERSION}`,
      );
    if (hello.nfvperf !== NFVPERF_VERSION)
      report.missing.push(
        `nfvperf ${hello.nfvperf} there, ${NFVPERF_VERSION} here: install the same version on every host`,
      );
    if (hello.app.error) report.missing.push(`nfvperf-app: ${hello.app.error}`);
  }
  if (probe) {
    if (!probe.root)
      report.missing.push('the agent does not run as root (it creates namespaces and links): log in as root');
    if (probe.uplink && !probe.uplink.exists)
      report.missing.push(
        `the uplink ${probe.uplink.name} does not exist there (set \`uplink:\` to its physical interface)`,
      );
    if (!probe.switches.some((s) => s.available && s.remote))
      report.missing.push('no switch that can span hosts is available there (linux-bridge needs iproute2)');
  }
  return report;
}

export async function doctorTestbedCommand(file: string, opts: { json?: boolean }): Promise<number> {
  const testbed = await loadTestbedFile(file);
  const reports = await Promise.all(testbed.hosts.map(doctorHost));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const r of reports) {
      process.stdout.write(`${r.host} (${r.access}): ${r.missing.length === 0 ? 'ready' : 'NOT ready'}\n`);
      if (r.hello) {
        process.stdout.write(
          `  agent     nfvperf ${r.hello.nfvperf}, protocol ${r.hello.protocol}, node ${r.hello.node}, host ${r.hello.hostname}\n`,
        );
        process.stdout.write(`  app       ${r.hello.app.line ?? 'not runnable'}\n`);
        process.stdout.write(`  cpus      cores ${r.hello.cores.join(',')}\n`);
      }
      if (r.probe) {
        const remote = r.probe.switches.filter((s) => s.available && s.remote).map((s) => s.name);
        const local = r.probe.switches.filter((s) => s.available && !s.remote).map((s) => s.name);
        process.stdout.write(
          `  switches  remote-capable: ${remote.join(', ') || 'none'}; local-only: ${local.join(', ') || 'none'}\n`,
        );
        // Every switch that can span hosts, available or not, and why not: OVS-DPDK and OVS with
        // AF_XDP ports need their package (and hugepages) on this host, not only on the orchestrator.
        for (const sw of r.probe.switches.filter((x) => x.remote)) {
          process.stdout.write(
            `  ${sw.name.padEnd(9)} ${sw.available ? `available${sw.version ? ` (${sw.version})` : ''}` : `unavailable: ${sw.reason ?? 'no reason given'}${sw.fix ? ` (fix: ${sw.fix})` : ''}`}\n`,
          );
        }
        if (r.probe.uplink)
          process.stdout.write(
            `  uplink    ${r.probe.uplink.name}: ${r.probe.uplink.exists ? `present (${r.probe.uplink.operstate})` : 'missing'}\n`,
          );
      }
      for (const m of r.missing) process.stdout.write(`  missing   ${m}\n`);
    }
  }
  return reports.every((r) => r.missing.length === 0) ? 0 : 1;
}
