// Remote plans refused before anything is touched: no testbed, local-only switches, bad testbed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PlanError } from '../../src/common/errors.js';
import { parseTestbed } from '../../src/hosts/testbed-file.js';
import { checkHostKey } from '../../src/hosts/known-hosts.js';
import { nfvperf, tempDir } from '../helpers/cli.js';

const TESTBED = `hosts:
  - name: a
    ssh: root@10.0.0.1:2222
    key: id
    knownHosts: kh
    cpus: [1]
    uplink: eth1
  - name: b
    local: true
    uplink: eth1
`;

test('a testbed file parses into two hosts, paths relative to it', () => {
  const tb = parseTestbed(TESTBED, '/lab/tb.yaml');
  assert.deepEqual(tb.hosts[0].access, {
    kind: 'ssh',
    user: 'root',
    address: '10.0.0.1',
    port: 2222,
    keyFile: '/lab/id',
    knownHostsFile: '/lab/kh',
  });
  assert.deepEqual(tb.hosts[0].agent, ['nfvperf', 'agent']);
  assert.deepEqual(tb.hosts[1].access, { kind: 'local' });
});

test('testbed errors are located as file:line:col path: message', () => {
  const bad = TESTBED.replace('    key: id\n', '')
    .replace('uplink: eth1\n  - name', 'uplink: eth1\n    agnt: [x]\n  - name')
    .replace('local: true', 'local: true\n    agent: [nfvperf, "agent; rm -rf /"]');
  assert.throws(
    () => parseTestbed(bad, 'tb.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof PlanError);
      const text = e.message;
      assert.match(text, /^tb\.yaml:2:5 hosts\[0\]\.key: required with ssh/m);
      assert.match(text, /tb\.yaml:7:5 hosts\[0\]\.agnt: unknown field; did you mean agent\?/);
      assert.match(text, /tb\.yaml:\d+:\d+ hosts\[1\]\.agent\[1\]: expected a word without spaces or shell characters/);
      return true;
    },
  );
  assert.throws(
    () => parseTestbed('hosts:\n  - name: a\n    local: true\n    uplink: e\n', 'one.yaml'),
    /one\.yaml:2:3 hosts: expected exactly two hosts/,
  );
});

test('known_hosts: a listed key passes, another key or an unlisted host is refused', () => {
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBlah', 'base64');
  const dir = tempDir({ kh: `[10.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')}\n` });
  assert.deepEqual(checkHostKey(join(dir, 'kh'), '10.0.0.1', 2222, key), { ok: true });
  assert.match(
    (checkHostKey(join(dir, 'kh'), '10.0.0.1', 2222, Buffer.from('other')) as { reason: string }).reason,
    /does not match/,
  );
  assert.match(
    (checkHostKey(join(dir, 'kh'), '10.0.0.1', 22, key) as { reason: string }).reason,
    /10\.0\.0\.1 is not in/,
  );
});

test('remote plans: no testbed, a local-only switch and a missing testbed file each exit 2 with file:line:col', async () => {
  const dir = tempDir({
    'a.yaml': 'name: a\nlocality: remote\n',
    'b.yaml':
      'name: b\nlocality: remote\ntestbed: tb.yaml\nswitches: [linux-bridge, veth, macvlan, tc-redirect, snabb]\n',
    'c.yaml': 'name: c\nlocality: remote\ntestbed: nothere.yaml\n',
    'tb.yaml': TESTBED,
  });
  const a = await nfvperf(['run', join(dir, 'a.yaml'), '--dry-run']);
  assert.equal(a.code, 2, a.stderr);
  assert.match(a.stderr, /a\.yaml:2:11 locality: locality remote needs a testbed file/);
  const b = await nfvperf(['run', join(dir, 'b.yaml'), '--dry-run']);
  assert.equal(b.code, 2, b.stderr);
  // Snabb is local-only as in the paper: its driver has no way to join an uplink.
  for (const [i, sw] of ['veth', 'macvlan', 'tc-redirect', 'snabb'].entries()) {
    assert.match(b.stderr, new RegExp(`b\\.yaml:4:\\d+ switches\\[${i + 1}\\]: switch ${sw} is local-only`));
  }
  assert.doesNotMatch(b.stderr, /switches\[0\]/);
  const c = await nfvperf(['run', join(dir, 'c.yaml'), '--dry-run']);
  assert.equal(c.code, 2, c.stderr);
  assert.match(c.stderr, /c\.yaml:3:10 testbed: cannot read testbed file .*nothere\.yaml: no such file/);
});
