// `nfvperf reproduce`: bad input refused through the real executable (exit 2, one line, nothing
// written), and the quick plans derived from the examples keep every figure drawable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nfvperf, ROOT, tempDir } from '../helpers/cli.js';
import { derivePlan, EXPERIMENTS } from '../../src/cli/commands/reproduce.js';

test('reproduce refuses an unknown scale, a missing testbed, a testbed `doctor --testbed` finds not ready, an unknown experiment and an --out holding another run: exit 2, one line, nothing touched', async () => {
  const dir = tempDir();
  // Two hosts whose agents exit at once: loaded fine, refused by the checks of `doctor --testbed`.
  const agentDown = (name: string, uplink: string) =>
    `  - name: ${name}\n    local: true\n    agent: [/bin/false]\n    uplink: ${uplink}\n`;
  writeFileSync(join(dir, 'down.yaml'), `hosts:\n${agentDown('a', 'eth1')}${agentDown('b', 'eth2')}`);
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'results.sqlite'), 'not ours');
  const earlier = join(dir, 'earlier');
  mkdirSync(earlier);
  writeFileSync(
    join(earlier, 'reproduce.json'),
    JSON.stringify({ scale: 'paper', testbed: null, experiments: ['table2'] }),
  );
  const cases: [string[], string, string][] = [
    [
      ['--scale', 'huge', '--out', join(dir, 'a')],
      'nfvperf: unknown --scale huge: expected quick or paper',
      join(dir, 'a'),
    ],
    [
      ['--testbed', join(dir, 'none.yaml'), '--out', join(dir, 'b')],
      `${join(dir, 'none.yaml')}:1:1: cannot read testbed file`,
      join(dir, 'b'),
    ],
    [['--only', 'fig9', '--out', join(dir, 'c')], 'nfvperf: unknown --only fig9', join(dir, 'c')],
    [
      ['--testbed', join(dir, 'down.yaml'), '--only', 'remote', '--out', join(dir, 'd')],
      `nfvperf: the testbed ${join(dir, 'down.yaml')} is not ready: host a: connection to the agent lost (the agent exited with code 1); host b:`,
      join(dir, 'd'),
    ],
    [['--out', other], `nfvperf: ${other} holds something other than a reproduction`, other],
    [
      ['--scale', 'quick', '--out', earlier],
      `nfvperf: ${earlier} holds a reproduction at --scale paper without --testbed`,
      earlier,
    ],
  ];
  for (const [args, expected, out] of cases) {
    const before = existsSync(out) ? readdirSync(out).sort() : null;
    const r = await nfvperf(['reproduce', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(expected), `${expected} … in ${r.stderr}`);
    assert.deepEqual(existsSync(out) ? readdirSync(out).sort() : null, before, `${out} untouched`);
  }
});

test('quick plans: short trials, one repetition, at most two sizes and pairs and three rates and bursts, first and last kept', () => {
  for (const e of EXPERIMENTS) {
    const example = parse(readFileSync(join(ROOT, 'examples', `${e.name}.yaml`), 'utf8')) as Record<string, unknown>;
    const quick = parse(
      derivePlan(readFileSync(join(ROOT, 'examples', `${e.name}.yaml`), 'utf8'), e.name, 'quick', '/lab.yaml'),
    ) as Record<string, unknown>;
    assert.equal(quick.duration, 3, e.name);
    assert.equal(quick.repetitions, 1, e.name);
    for (const [key, n] of [
      ['packetSizes', 2],
      ['pairs', 2],
      ['rates', 3],
      ['bursts', 3],
    ] as const) {
      const was = example[key] as unknown[] | undefined;
      const now = quick[key] as unknown[] | undefined;
      if (!Array.isArray(was)) continue;
      assert.ok(now!.length === Math.min(n, was.length), `${e.name} ${key}: ${JSON.stringify(now)}`);
      assert.deepEqual([now![0], now!.at(-1)], [was[0], was.at(-1)], `${e.name} ${key} keeps its ends`);
    }
    if (e.remote) assert.equal(quick.testbed, '/lab.yaml');
    const paper = parse(
      derivePlan(readFileSync(join(ROOT, 'examples', `${e.name}.yaml`), 'utf8'), e.name, 'paper', null),
    ) as Record<string, unknown>;
    assert.ok((paper.repetitions as number) >= 3);
    assert.deepEqual(paper.packetSizes, example.packetSizes);
  }
});
