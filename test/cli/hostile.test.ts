// Hostile input through the real executable, with --dry-run (nothing on the host is touched, so
// no host lock): exit 2 with `file:line:col path: message` for files of every size up to the
// bound and past it, and for testbed files that a run would refuse only on connecting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NFVPERF, nfvperf, tempDir } from '../helpers/cli.js';

/** Not a speed target: a guard that fails a run which scans the file once per key (45 s and more for this one) instead of hanging the suite. */
const HANG_GUARD_MS = 20_000;

test('50,000 unknown keys (about 600 KB): the first 1,000 located, the rest counted at the next one, in one pass over the file', async () => {
  const keys = 50_000;
  const dir = tempDir({ 'plan.yaml': `name: a\n${Array.from({ length: keys }, (_, i) => `key${i}: 1\n`).join('')}` });
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--dry-run'], { timeoutMs: HANG_GUARD_MS });
  assert.equal(r.code, 2, r.stderr.slice(0, 500));
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1001);
  lines.slice(0, 1000).forEach((line, i) => assert.equal(line, `${dir}/plan.yaml:${i + 2}:1 key${i}: unknown field`));
  assert.equal(
    lines[1000],
    `${dir}/plan.yaml:1002:1: 49,000 more problems not listed, the next one here: fix the ones above first`,
  );
});

test('a file over 1 MiB, or one without end, is refused without being read whole; a 1 MiB value is quoted in 80 characters', async () => {
  const dir = tempDir({
    'big.yaml': `name: a\n# ${'x'.repeat(1 << 20)}\n`,
    'long.yaml': `name: a\ndimension: "${'y'.repeat((1 << 20) - 100)}"\n`,
  });
  for (const file of [join(dir, 'big.yaml'), '/dev/zero']) {
    const r = await nfvperf(['run', file, '--dry-run'], { timeoutMs: HANG_GUARD_MS });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `nfvperf: cannot read plan ${file}: larger than 1 MiB\n`);
  }
  const r = await nfvperf(['run', join(dir, 'long.yaml'), '--dry-run'], { timeoutMs: HANG_GUARD_MS });
  assert.equal(r.code, 2, r.stderr.slice(0, 500));
  assert.equal(
    r.stderr,
    `${dir}/long.yaml:2:12 dimension: expected one of "throughput", "latency", got "${'y'.repeat(80)}"… (1048476 characters)\n`,
  );
});

const PLAN = 'name: a\nlocality: remote\ntestbed: tb.yaml\n';
const HOST_A = ['  - name: a', '    ssh: root@10.0.0.1:2222', '    key: id', '    knownHosts: kh', '    uplink: eth1'];
const HOST_B = [
  '  - name: b',
  '    local: true',
  `    agent: [${process.execPath}, ${NFVPERF}, agent]`,
  '    cpus: [1]',
  '    uplink: eth1',
];

/** A testbed whose host a has the fields `a` replaced or added (null: removed), and host b `b`. */
function testbed(a: Record<string, string | null> = {}, b: Record<string, string | null> = {}): string {
  const edit = (lines: string[], changes: Record<string, string | null>) => {
    const keys = lines.map((line) => /^ {4}(\w+):/.exec(line)?.[1]);
    const added = Object.entries(changes)
      .filter(([key, value]) => value !== null && !keys.includes(key))
      .map(([key, value]) => `    ${key}: ${value}`);
    return [
      ...lines.flatMap((line, i) => {
        const key = keys[i];
        if (key === undefined || !(key in changes)) return [line];
        return changes[key] === null ? [] : [`    ${key}: ${changes[key]}`];
      }),
      ...added,
    ];
  };
  return ['hosts:', ...edit(HOST_A, a), ...edit(HOST_B, b), ''].join('\n');
}

test('a testbed file is checked at --dry-run as a run would check it: SSH target, key and known_hosts files, agent, uplink, CPUs', async () => {
  const dir = tempDir({ 'plan.yaml': PLAN, kh: '' });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nfvperf-test', '-f', join(dir, 'id')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-C', 'nfvperf-test', '-f', join(dir, 'locked')]);
  const cases: [string, string, string[]][] = [
    [
      'ports out of range',
      testbed({ ssh: 'root@10.0.0.1:0' }, { local: null, ssh: 'root@10.0.0.2:70000', key: 'id', knownHosts: 'kh' }),
      [
        'tb.yaml:3:10 hosts[0].ssh: expected a port from 1 to 65535 after the address, got "0"',
        'tb.yaml:11:10 hosts[1].ssh: expected a port from 1 to 65535 after the address, got "70000"',
      ],
    ],
    [
      'addresses and users',
      testbed({ ssh: 'root@10.0.0.256' }, { local: null, ssh: 'Root@-x.example', key: 'id', knownHosts: 'kh' }),
      [
        'tb.yaml:3:10 hosts[0].ssh: expected an IPv4 address, a host name, or an IPv6 address in brackets after @, got "10.0.0.256"',
        'tb.yaml:11:10 hosts[1].ssh: expected a user name (1-32 lower-case letters, digits, _ or -) before @, got "Root"',
      ],
    ],
    [
      'agent words, uplinks, CPUs',
      testbed(
        { agent: '[nfvperf, "agent; reboot"]', uplink: 'lo' },
        { uplink: 'a-name-too-long-for-linux', cpus: '[1, 2, 1]' },
      ),
      [
        'tb.yaml:7:22 hosts[0].agent[1]: expected a word without spaces or shell characters, got "agent; reboot"',
        'tb.yaml:6:13 hosts[0].uplink: expected the physical link to the other host, not the loopback device',
        'tb.yaml:11:18 hosts[1].cpus[2]: expected each CPU once, got 1 again (first at [0])',
        'tb.yaml:12:13 hosts[1].uplink: expected an interface name (1-15 letters, digits, _ . or -), got "a-name-too-long-for-linux"',
      ],
    ],
    [
      'a key repeated',
      testbed({ uplink: 'eth1\n    uplink: eth2' }),
      ['tb.yaml:7:5: invalid YAML: key "uplink" appears twice in one mapping (first at 6:5)'],
    ],
    [
      'a misspelt field',
      testbed({ knownHosts: null, key: 'id\n    knownhost: kh' }),
      [
        'tb.yaml:5:5 hosts[0].knownhost: unknown field; did you mean knownHosts?',
        'tb.yaml:2:5 hosts[0].knownHosts: required with ssh: the known_hosts file that holds the host key',
      ],
    ],
    [
      'key files: missing, public; known_hosts a directory',
      testbed(
        { key: 'nokey', knownHosts: '.' },
        { local: null, ssh: 'root@[fd00::2]', key: 'id.pub', knownHosts: 'kh', agent: null },
      ),
      [
        'tb.yaml:4:10 hosts[0].key: cannot read the SSH key nokey: no such file',
        `tb.yaml:5:17 hosts[0].knownHosts: cannot read the known_hosts file ${dir}: not a regular file`,
        'tb.yaml:11:10 hosts[1].key: id.pub is not a private key ssh2 can use: a public key (name the private key file, without .pub)',
      ],
    ],
    [
      'a key with a passphrase; a local agent not found',
      testbed({ key: 'locked' }, { agent: '[no-such-nfvperf, agent]' }),
      [
        `tb.yaml:4:10 hosts[0].key: locked is not a private key ssh2 can use: Encrypted private OpenSSH key detected, but no passphrase given`,
        'tb.yaml:9:13 hosts[1].agent[0]: cannot start the agent: no-such-nfvperf is not a program on PATH',
      ],
    ],
  ];
  writeFileSync(join(dir, 'tb.yaml'), testbed());
  const valid = await nfvperf(['run', join(dir, 'plan.yaml'), '--dry-run']);
  assert.equal(valid.code, 0, `the unedited testbed is valid: ${valid.stderr}`);
  const failures: string[] = [];
  for (const [what, text, expected] of cases) {
    writeFileSync(join(dir, 'tb.yaml'), text);
    const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--dry-run']);
    const lines = r.stderr
      .trimEnd()
      .split('\n')
      .map((l) => l.replaceAll(`${dir}/`, ''));
    if (r.code !== 2) failures.push(`${what}: exit ${r.code}: ${r.stderr}`);
    else if (JSON.stringify(lines) !== JSON.stringify(expected))
      failures.push(
        `${what}:\n  expected ${expected.join('\n           ')}\n  got      ${lines.join('\n           ')}`,
      );
  }
  assert.deepEqual(failures, []);
  // doctor --testbed refuses the same file before connecting to anything.
  const doctor = await nfvperf(['doctor', '--testbed', join(dir, 'tb.yaml')]);
  assert.equal(doctor.code, 2, doctor.stderr + doctor.stdout);
  assert.match(doctor.stderr, /tb\.yaml:4:10 hosts\[0\]\.key: .*locked is not a private key/);
});
