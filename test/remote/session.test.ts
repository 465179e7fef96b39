// The agent protocol through a local host (`local: true`): the agent is a child process, spoken
// to exactly as a remote one is.
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentSession } from '../../src/agent/session.js';
import { AGENT_PROTOCOL, type HelloResult, type ProbeResult } from '../../src/agent/protocol.js';
import { NFVPERF_VERSION } from '../../src/common/version.js';
import type { HostSpec } from '../../src/hosts/types.js';
import { NFVPERF } from '../helpers/cli.js';

const local: HostSpec = {
  name: 'here',
  access: { kind: 'local' },
  agent: [process.execPath, NFVPERF, 'agent'],
  uplink: 'lo',
};

test('a local agent answers hello and probe, refuses what it cannot do, and exits when its stdin ends', async (t) => {
  const session = await AgentSession.open(local);
  // A failed assertion must not leave the agent running (its session's pings keep it alive): the file would hang.
  t.after(() => session.close());
  const hello = await session.request<HelloResult>({ op: 'hello' });
  assert.equal(hello.protocol, AGENT_PROTOCOL);
  assert.equal(hello.nfvperf, NFVPERF_VERSION);
  assert.ok(hello.cores.length > 0);
  const probe = await session.request<ProbeResult>({ op: 'probe', uplink: 'lo' });
  assert.deepEqual(probe.uplink, { name: 'lo', exists: true, operstate: 'UNKNOWN' });
  assert.deepEqual(
    probe.switches.filter((s) => s.remote).map((s) => s.name),
    ['linux-bridge', 'ovs', 'ovs-afxdp', 'vpp', 'vpp-memif'],
  );
  await assert.rejects(
    session.request({ op: 'launch', label: 'x', role: 'send', pair: 0, netns: 'nfp-0000-s0', args: [], epochInMs: 0 }),
    /^TestbedError: host here: launch before setup$/,
  );
  await assert.rejects(
    session.request({ op: 'setup', host: 'here', token: 'abcd', switch: 'veth', side: 's', pairs: 1, uplink: 'lo' }),
    /host here: switch veth cannot be joined to an uplink/,
  );
  await session.close();
  assert.match(session.lostReason ?? '', /the agent exited with code 0/);
  await assert.rejects(session.request({ op: 'hello' }), /host here: connection to the agent lost/);
});

test('an agent command that cannot start fails naming the host', async () => {
  const session = await AgentSession.open({ ...local, agent: ['/nonexistent/nfvperf', 'agent'] });
  await assert.rejects(
    session.request({ op: 'hello' }),
    /host here: connection to the agent lost \(cannot start the agent .*ENOENT/,
  );
});

test('an agent that hears nothing (no ping, stdin still open: a cut cable) tears down and exits', async () => {
  const agent = spawn(process.execPath, [NFVPERF, 'agent'], {
    env: { ...process.env, NFVPERF_AGENT_SILENCE_MS: '1500' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  agent.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  agent.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
  agent.stdin.write(`${JSON.stringify({ id: 1, op: 'ping' })}\n`);
  const started = Date.now();
  const timeout = setTimeout(() => agent.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timeout);
  agent.stdin.destroy();
  assert.equal(code, 0, `exit code (stderr: ${stderr})`);
  assert.match(stdout, /"id":1,"ok":true/, 'the ping was answered');
  assert.match(stderr, /no word from the orchestrator for 1500 ms: tearing this host down/);
  assert.ok(Date.now() - started >= 1400, 'not before the silence limit');
});
