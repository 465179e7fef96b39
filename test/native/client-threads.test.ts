// The two-thread client (--rx-cpu, the paper's `client`): a second, pinned thread receives; the
// counts stay exact. The app alone over a veth pair, then a latency plan through the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { l2Args, vethPairForFile } from '../helpers/veth-pair.js';

interface ClientSummary { txPackets: number; rxPackets: number; lost: number; late: number; unmatched: number; rtt: { count: number } }

const pair = vethPairForFile();

test('--rx-cpu is refused for roles other than client, exit 2 naming it', () => {
  const r = spawnSync(appBinary(), ['recv', '--local', '198.18.0.1:1', '--rx-cpu', '0'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--rx-cpu/);
});

const BUILT = spawnSync(appBinary(), ['--version'], { encoding: 'utf8' }).stdout;
const RUNS: [string, string[]][] = [['udp-mmsg', []], ['udp-mmsg', ['--blocking']], ['raw-mmsg', []],
  ...(BUILT.includes('af-xdp') ? [['af-xdp', []] as [string, string[]]] : [])];

for (const [backend, extra] of RUNS) {
  test(`${backend} client --rx-cpu 1 ${extra.join(' ')}: every echo matched once, intervals add up to the summary`, async () => {
    const count = 3000;
    const server = new AppProcess({ role: 'server', netns: pair.receiver.netns, label: 'server', pair: 0,
      args: ['--backend', backend, '--local', `${pair.receiver.ip}:7101`, ...l2Args(backend, pair.receiver), ...extra] });
    await server.waitReady(5000);
    const client = new AppProcess({ role: 'client', netns: pair.sender.netns, label: 'client', pair: 0,
      args: ['--backend', backend, '--local', `${pair.sender.ip}:7100`, '--remote', `${pair.receiver.ip}:7101`, ...l2Args(backend, pair.sender, pair.receiver), '--rate', '10000',
        '--burst', '4', '--count', String(count), '--cpu', '0', '--rx-cpu', '1', '--interval-ms', '100', ...extra] });
    assert.ok(await client.waitExit(10_000));
    await server.stop();
    assert.equal(client.exitCode, 0, client.stderr);
    assert.equal((client.start as { rxCpu?: number }).rxCpu, 1);
    const s = client.summary! as unknown as ClientSummary;
    assert.equal(s.txPackets, count);
    // Every echo that came back is one RTT sample, and what did not is `lost`, exactly. The
    // kernel UDP path here loses nothing; af-xdp's copy mode drops echoes when the receive
    // thread is kept off its CPU long enough to empty the fill ring (its stderr note says so).
    assert.equal(s.rtt.count, s.rxPackets, 'an RTT for every echo');
    assert.equal(s.rtt.count + s.lost, count, 'every frame sent is answered or lost');
    assert.deepEqual([s.unmatched, s.late], [0, 0]);
    if (backend.startsWith('udp')) assert.equal(s.lost, 0, client.stderr);
    const intervals = client.intervals as unknown as { rxPackets: number; rtt: { count: number } }[];
    assert.equal(intervals.reduce((n, i) => n + i.rtt.count, 0), s.rtt.count, 'interval histograms add up');
    assert.equal(intervals.reduce((n, i) => n + i.rxPackets, 0), s.rxPackets);
  });
}

test('a latency plan with clientThreads [2] runs a two-thread client: RTT samples = echoes, 0 unmatched', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': 'name: lat2\ndimension: latency\nclientThreads: [2]\nrates: [2000]\nbursts: [4]\nduration: 1\nwarmup: 1\ncooldown: 0\n' });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.cases.length, 1);
  const c = summary.cases[0]!;
  assert.equal(c.status, 'ok', c.error);
  assert.equal(c.clientThreads, 2);
  assert.match(c.id, /\/2t\//);
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const row = db.prepare(`SELECT s.summary_json, c.cpus_json FROM app_summaries s JOIN cases c ON c.id = s.case_id WHERE s.role = 'client'`)
      .get() as { summary_json: string; cpus_json: string };
    const s = JSON.parse(row.summary_json) as ClientSummary;
    assert.ok(s.txPackets > 0);
    assert.equal(s.rtt.count + s.late, s.rxPackets, 'every echo is an RTT sample (or late)');
    assert.equal(s.rtt.count, s.txPackets - s.lost - s.late);
    assert.equal(s.unmatched, 0);
    const cpus = JSON.parse(row.cpus_json) as { send: number[]; clientRx?: number[] };
    assert.equal(cpus.clientRx?.length, 1, 'the receive thread got a CPU of its own');
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});
