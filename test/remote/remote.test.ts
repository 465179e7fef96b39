// Two hosts for real: network namespaces nfp-host1 and nfp-host2, each with its own sshd, joined
// by a veth cable. `nfvperf run` reaches both over SSH (ssh2), starts an agent on each, and runs
// remote throughput and latency cases through linux-bridge joined to each host's uplink.
import { after, before, test, type TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf } from '../helpers/cli.js';
import { assertNoLeaks, hostState, type HostState } from '../helpers/host.js';
import { assertRunTotals } from '../helpers/results.js';
import { startRun } from '../helpers/spawn.js';
import { hostLinks, pidsIn, startLab, type Lab, type LabHost } from '../helpers/sshd-host.js';

let lab: Lab;
let initial: HostState;
let withLab: HostState;

before(async () => {
  initial = hostState();
  lab = await startLab();
  withLab = hostState();
});

after(async () => {
  await lab?.stop();
  const now = hostState();
  const labNames = lab ? lab.hosts.flatMap((h) => [h.netns, h.controlLink, h.uplink]) : [];
  assert.deepEqual(
    [...now.netns, ...now.links].filter((n) => labNames.includes(n)),
    [],
    'the host namespaces and control links are removed',
  );
  // Strict when nothing else runs here (as in CI): the host as the tests found it.
  if (now.netns.every((n) => initial.netns.includes(n)) && now.appPids.every((p) => initial.appPids.includes(p)))
    assertNoLeaks(initial);
});

/**
 * Each host holds only its own links again (uplink released from any bridge), no agent runs, and
 * the root namespace has nothing new. Other engineers' runs on this machine may add their own nfp
 * resources meanwhile: when the strict check fails, only what carries this test's run tokens
 * (from the runs' output) counts, and the test says so.
 */
function assertHostsClean(t: TestContext, output = ''): void {
  for (const h of lab.hosts) {
    const links = hostLinks(h);
    assert.deepEqual(
      links.map((l) => l.ifname).sort(),
      ['ctl0', 'lo', h.uplink].sort(),
      `${h.name} holds only its own links`,
    );
    assert.equal(links.find((l) => l.ifname === h.uplink)?.master, undefined, `${h.name}'s uplink is in no bridge`);
    assert.equal(
      links.find((l) => l.ifname === h.uplink)?.xdp,
      undefined,
      `${h.name}'s uplink has no XDP program left`,
    );
    assert.deepEqual(pidsIn(h, 'agent'), [], `no agent left on ${h.name}`);
  }
  try {
    assertNoLeaks(withLab);
  } catch (e) {
    const tokens = [...new Set([...output.matchAll(/remote case, run ([0-9a-f]{4})/g)].map((m) => m[1]!))];
    const now = hostState();
    const ours = (name: string) => tokens.some((tok) => name.includes(tok));
    const appNetns = (pid: number) => {
      try {
        return execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    const mine = {
      netns: now.netns.filter((n) => !withLab.netns.includes(n) && ours(n)),
      links: now.links.filter((n) => !withLab.links.includes(n) && ours(n)),
      ledgers: now.ledgers.filter((n) => !withLab.ledgers.includes(n) && ours(n)),
      appPids: now.appPids.filter((p) => !withLab.appPids.includes(p) && ours(appNetns(p))),
    };
    assert.deepEqual(
      mine,
      { netns: [], links: [], ledgers: [], appPids: [] },
      `resources of runs ${tokens.join(', ')} leaked`,
    );
    t.diagnostic(
      `other runs on this machine hold nfp resources; checked only this test's runs (${tokens.join(', ')}): ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** Both hosts' environment manifests are in summary.json (senders' host first) and in the report. */
function assertHostManifests(summary: Summary, html: string): void {
  const hosts = summary.run.hosts ?? [];
  assert.deepEqual(
    hosts.map((h) => [h.name, h.role]),
    [
      ['host1', 'senders'],
      ['host2', 'receivers'],
    ],
  );
  for (const h of hosts) {
    assert.match(h.environment.kernel ?? '', /^Linux /, `${h.name}: kernel`);
    assert.equal(
      h.environment.physicalCores,
      summary.run.environment.physicalCores,
      `${h.name}: same machine, same cores`,
    );
    assert.match(
      html,
      new RegExp(`<h3>Host ${h.name} \\(${h.role}\\)</h3>\\s*<table id="environment-host-${h.name}">`),
    );
  }
}

function writePlan(name: string, body: string): string {
  const file = join(lab.dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nlocality: remote\ntestbed: lab.yaml\n${body}`);
  return file;
}

function setupTimes(output: string): string[] {
  return [...output.matchAll(/remote set-up: (.*)/g)].map((m) => m[1]!);
}

test('doctor --testbed checks every host over SSH', async (t) => {
  lab.writeTestbed();
  const r = await nfvperf(['doctor', '--testbed', join(lab.dir, 'lab.yaml')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const h of lab.hosts) assert.match(r.stdout, new RegExp(`${h.name} \\(root@${h.address}:${h.port}\\): ready`));
  assert.match(r.stdout, /remote-capable: linux-bridge/);
  // Each host says whether its OVS (DPDK, and with AF_XDP ports) can run, and why not.
  for (const sw of ['ovs', 'ovs-afxdp']) {
    assert.equal(
      [...r.stdout.matchAll(new RegExp(`^  ${sw} +(available|unavailable: ).*$`, 'gm'))].length,
      2,
      `${sw} reported per host:\n${r.stdout}`,
    );
  }
  assertHostsClean(t, r.stderr + r.stdout);
});

test('remote throughput, 1vs1 and 2vs2 across two hosts, over SSH', async (t) => {
  lab.writeTestbed();
  const plan = writePlan(
    'tput',
    'pairs: [1, 2]\nbackends: [udp-mmsg]\nrates: [20000]\nduration: 1\nwarmup: 1\ncooldown: 0\n',
  );
  const out = join(lab.dir, 'out-tput');
  const r = await nfvperf(['run', plan, '--out', out, '--plain']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.deepEqual(
    summary.cases.map((c) => [c.locality, c.pairs, c.status]),
    [
      ['remote', 1, 'ok'],
      ['remote', 2, 'ok'],
    ],
  );
  for (const c of summary.cases) {
    const tp = c.throughput!;
    assert.ok(tp.rxPps > 0, `${c.id}: packets crossed the cable`);
  }
  assertRunTotals(join(out, 'results.sqlite'));
  const times = setupTimes(r.stderr);
  assert.equal(times.length, 2);
  // One agent, one SSH connection per host for the whole run: the second case connects nothing.
  assert.doesNotMatch(times[0]!, /agent 0 ms/);
  assert.match(times[1]!, /^host1 \d+ ms \(agent 0 ms, build \d+ ms\), host2 \d+ ms \(agent 0 ms, build \d+ ms\)$/);
  assertHostManifests(summary, readFileSync(join(out, 'report.html'), 'utf8'));
  times.forEach((line, i) =>
    t.diagnostic(`set-up over SSH, case ${i + 1} (${summary.cases[i]!.pairs}vs${summary.cases[i]!.pairs}): ${line}`),
  );
  assertHostsClean(t, r.stderr + r.stdout);
});

test('remote latency across two hosts, over SSH', async (t) => {
  lab.writeTestbed();
  const plan = writePlan(
    'lat',
    'dimension: latency\nbackends: [udp]\nrates: [2000]\nbursts: [1]\nduration: 1\nwarmup: 1\ncooldown: 0\n',
  );
  const out = join(lab.dir, 'out-lat');
  const r = await nfvperf(['run', plan, '--out', out, '--plain']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  const l = c!.latency!;
  assert.ok(l.samples > 0, 'round trips measured');
  assert.ok(
    l.minUs <= l.p50Us && l.p50Us <= l.p90Us && l.p90Us <= l.p99Us && l.p99Us <= l.p999Us && l.p999Us <= l.maxUs,
    `percentiles ordered: ${JSON.stringify(l)}`,
  );
  for (const line of setupTimes(r.stderr)) t.diagnostic(`set-up over SSH, latency case: ${line}`);
  assertHostsClean(t, r.stderr + r.stdout);
});

// The same case code path on one host or two: a closed-loop client (`inflight: 1`) holds one frame
// in flight across the cable too (Little's law: frames in flight = send rate × mean RTT), and its
// median RTT stays within 2× of the same plan run on one host (two bridges and a cable more).
test('remote ping-pong (inflight: 1) is closed loop, its p50 within 2× of the same plan run locally', async (t) => {
  lab.writeTestbed();
  const body =
    'dimension: latency\ninflight: 1\nbackends: [udp-mmsg]\nrates: [max]\nbursts: [1]\nduration: 2\nwarmup: 1\ncooldown: 0\n';
  const remoteOut = join(lab.dir, 'out-pingpong-remote');
  const r = await nfvperf(['run', writePlan('pingpong', body), '--out', remoteOut, '--plain']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const localPlan = join(lab.dir, 'pingpong-local.yaml');
  writeFileSync(localPlan, `name: pingpong-local\n${body}`);
  const localOut = join(lab.dir, 'out-pingpong-local');
  const l = await nfvperf(['run', localPlan, '--out', localOut, '--plain']);
  assert.equal(l.code, 0, l.stderr + l.stdout);
  const [remote, local] = [remoteOut, localOut].map(
    (out) => (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases[0]!,
  );
  for (const c of [remote!, local!]) {
    assert.equal(c.status, 'ok', c.error);
    const lat = c.latency!;
    const inFlight = (lat.txPackets / 2) * (lat.avgUs / 1e6); // 2 steady seconds (duration: 2)
    t.diagnostic(
      `${c.locality}: ${lat.txPackets} sent in the steady window, mean RTT ${lat.avgUs.toFixed(1)} µs, p50 ${lat.p50Us.toFixed(1)} µs, ` +
        `frames in flight ${inFlight.toFixed(3)}`,
    );
    assert.ok(lat.txPackets > 100, `${c.locality}: a ping-pong ran (${lat.txPackets} frames)`);
    assert.ok(
      inFlight <= 1.2,
      `${c.locality}: closed loop, ${inFlight.toFixed(3)} frames in flight (sent rate × mean RTT)`,
    );
  }
  assert.ok(
    remote!.latency!.p50Us <= 2 * local!.latency!.p50Us,
    `remote p50 ${remote!.latency!.p50Us} µs within 2× of local ${local!.latency!.p50Us} µs`,
  );
  assertHostsClean(t, r.stderr + r.stdout);
});

// Plan fields that used to be local-only reach a remote case through the same runner: a client's
// second (receive) thread on the senders' host, and a throughput search whose trials each run
// on both hosts.
test('remote two-thread client and remote NDR/PDR search, over SSH', async (t) => {
  lab.writeTestbed();
  const common = 'backends: [udp-mmsg]\nbursts: [1]\nduration: 1\nwarmup: 1\ncooldown: 0\n';
  const latOut = join(lab.dir, 'out-2t');
  const lat = await nfvperf([
    'run',
    writePlan('twothreads', `dimension: latency\nclientThreads: [2]\nrates: [2000]\n${common}`),
    '--out',
    latOut,
    '--plain',
  ]);
  assert.equal(lat.code, 0, lat.stderr + lat.stdout);
  const [c] = (JSON.parse(readFileSync(join(latOut, 'summary.json'), 'utf8')) as Summary).cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.equal(c!.clientThreads, 2);
  assert.equal(c!.cpus?.clientRx?.length, 1, 'the receive thread has a CPU of its own');
  assert.ok(c!.latency!.samples > 0, 'echoes matched by the second thread');
  const searchOut = join(lab.dir, 'out-search');
  const s = await nfvperf([
    'run',
    writePlan('search', `search: { preset: quick, maxRatePps: 20000, minRatePps: 2000 }\n${common}`),
    '--out',
    searchOut,
    '--plain',
  ]);
  assert.equal(s.code, 0, s.stderr + s.stdout);
  const [sc] = (JSON.parse(readFileSync(join(searchOut, 'summary.json'), 'utf8')) as Summary).cases;
  assert.equal(sc?.status, 'ok', sc?.error);
  assert.equal(sc!.locality, 'remote');
  // Which bounds the search finds depends on the machine's load (a short generator makes every
  // trial fail); that it ran its trials across both hosts and judged every goal does not.
  const goals = Object.entries(sc!.search!);
  assert.deepEqual(
    goals.map(([name]) => name),
    ['ndr', 'pdr'],
  );
  assert.ok(
    goals.reduce((n, [, g]) => n + g.trials, 0) > 0 && goals.every(([, g]) => g.status),
    `trials run: ${JSON.stringify(sc!.search)}`,
  );
  assertHostsClean(t, lat.stderr + lat.stdout + s.stderr + s.stdout);
});

// OVS on both hosts (each host its own private OVS, PMD thread and all), the uplink an afxdp port;
// VPP likewise (a private VPP per host, the uplink an af_packet interface in bridge domain 1).
// Namespace hosts share this machine's CPUs: the cases say so (cpuShared).
for (const [sw, backend] of [
  ['ovs-afxdp', 'udp'],
  ['ovs', 'dpdk'],
  ['vpp', 'dpdk'],
] as const) {
  test(`remote throughput and latency through ${sw} (${backend}) on both hosts, over SSH`, async (t) => {
    const doctor = await nfvperf(['doctor', '--testbed', lab.writeTestbed()]);
    if (!new RegExp(`remote-capable: .*\\b${sw}\\b`).test(doctor.stdout)) {
      t.skip(`${sw} is not available on these hosts: ${doctor.stdout}`);
      return;
    }
    const common = `switches: [${sw}]\nbackends: [${backend}]\nbursts: [1]\nduration: 1\nwarmup: 1\ncooldown: 0\n`;
    const runs = [
      ['tput', `rates: [20000]\n${common}`],
      ['lat', `dimension: latency\nrates: [2000]\n${common}`],
    ] as const;
    for (const [kind, body] of runs) {
      const out = join(lab.dir, `out-${sw}-${kind}`);
      const r = await nfvperf(['run', writePlan(`${sw}-${kind}`, body), '--out', out, '--plain']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const [c] = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases;
      assert.equal(c?.status, 'ok', c?.error);
      assert.equal(c!.cpuShared, true, 'two OVS PMDs and two apps on one 2-core machine share CPUs');
      if (kind === 'tput') {
        assert.ok(c!.throughput!.rxPps > 0, 'packets crossed both OVS instances and the cable');
        // rx ≤ tx on the apps' run totals: at a few kpps a steady window's edges (two hosts, two
        // epochs) can shift a packet or two between seconds.
        assertRunTotals(join(out, 'results.sqlite'));
      } else {
        assert.ok(
          c!.latency!.samples > 0 && c!.latency!.p50Us <= c!.latency!.p99Us,
          `round trips measured: ${JSON.stringify(c!.latency)}`,
        );
      }
      for (const line of setupTimes(r.stderr)) t.diagnostic(`${sw} ${kind} set-up over SSH: ${line}`);
      assertHostsClean(t, r.stderr + r.stdout);
    }
  });
}

test('an unreachable host fails the case naming it, exit 1, and the other host is torn down', async (t) => {
  lab.writeTestbed('unreachable.yaml', (h, f) => {
    if (h.name === 'host2') f.ssh = `root@${h.address}:2299`;
  });
  const plan = writePlan('unreach', 'rates: [1000]\nduration: 1\nwarmup: 0\ncooldown: 0\n');
  writeFileSync(plan, readFileSync(plan, 'utf8').replace('testbed: lab.yaml', 'testbed: unreachable.yaml'));
  const out = join(lab.dir, 'out-unreach');
  const r = await nfvperf(['run', plan, '--out', out, '--plain']);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.cases[0]?.status, 'failed');
  assert.ok(
    summary.cases[0]!.error!.startsWith(`host host2: cannot connect over SSH to root@${lab.hosts[1].address}:2299`),
    summary.cases[0]!.error,
  );
  t.diagnostic(summary.cases[0]!.error!);
  assertHostsClean(t, r.stderr + r.stdout);
});

test('a host key that does not match known_hosts is refused, naming the host', async (t) => {
  // host1's line holds host2's key: what answers at host1's address is not the host we know.
  const [line1, line2] = readFileSync(join(lab.dir, 'known_hosts'), 'utf8').trim().split('\n');
  writeFileSync(
    join(lab.dir, 'swapped_known_hosts'),
    `${line1!.split(' ')[0]} ${line2!.split(' ').slice(1).join(' ')}\n`,
  );
  lab.writeTestbed('badkey.yaml', (h, f) => {
    if (h.name === 'host1') f.knownHosts = 'swapped_known_hosts';
  });
  const r = await nfvperf(['doctor', '--testbed', join(lab.dir, 'badkey.yaml')]);
  assert.equal(r.code, 1, r.stdout);
  const { address, port } = lab.hosts[0];
  assert.ok(
    r.stdout.includes(`host1 (root@${address}:${port}): NOT ready\n  missing   host host1: cannot connect over SSH`),
    r.stdout,
  );
  assert.ok(r.stdout.includes(`host key refused: the host key of [${address}]:${port} does not match`), r.stdout);
  assert.match(r.stdout, /host2 \(.*\): ready/);
  assertHostsClean(t, r.stderr + r.stdout);
});

test('an agent killed mid-case fails the case naming its host; both hosts end clean', async (t) => {
  lab.writeTestbed();
  // Two cases: the first loses host2's agent; the second gets a fresh one (after it cleaned up
  // what the dead one left) and runs; both are kept.
  const plan = writePlan('kill', 'rates: [10000, 5000]\nduration: 2\nwarmup: 0\ncooldown: 0\n');
  const out = join(lab.dir, 'out-kill');
  const run = startRun([plan, '--out', out]);
  await run.waitFor(/remote set-up/, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 800));
  const host2: LabHost = lab.hosts[1];
  const agents = pidsIn(host2, 'agent');
  assert.equal(agents.length, 1, `one agent on host2: ${agents.join(', ')}`);
  process.kill(agents[0]!, 'SIGKILL');
  const code = await run.exit();
  assert.equal(code, 1, run.output());
  assert.match(run.output(), /failed: host host2: /);
  t.diagnostic(/failed: (host host2: .*)/.exec(run.output())![1]!);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.deepEqual(
    summary.cases.map((c) => [c.rate, c.status]),
    [
      [10000, 'failed'],
      [5000, 'ok'],
    ],
    run.output(),
  );
  assert.ok(summary.cases[1]!.throughput!.rxPps > 0, 'the case after the lost agent measured');
  assertHostsClean(t, run.output());
});

test('a dropped SSH connection fails the case naming the host; the agent tears its host down by itself', async (t) => {
  lab.writeTestbed();
  const plan = writePlan('drop', 'rates: [10000]\nduration: 4\nwarmup: 0\ncooldown: 0\n');
  const run = startRun([plan, '--out', join(lab.dir, 'out-drop')]);
  await run.waitFor(/remote set-up/, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 800));
  // The connection's own sshd processes on host1 (not the listener, not the agent): the agent
  // stays alive, sees its stdin end, and must tear down on its own.
  const host1 = lab.hosts[0];
  const sessions = pidsIn(host1).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sshd: root'));
  assert.ok(sessions.length > 0, 'the SSH session processes were found');
  for (const pid of sessions) process.kill(pid, 'SIGKILL');
  const code = await run.exit();
  assert.equal(code, 1, run.output());
  assert.match(run.output(), /failed: host host1: /);
  t.diagnostic(/failed: (host host1: .*)/.exec(run.output())![1]!);
  // The orphaned agent tears down after the run has ended: wait for it.
  const deadline = Date.now() + 10_000;
  while (pidsIn(host1, 'agent').length > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assertHostsClean(t, run.output());
});
