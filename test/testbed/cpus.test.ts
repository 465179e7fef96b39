import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assignCpus, parseCpuList, readTopology } from '../../src/testbed/cpus.js';
import { tempDir } from '../helpers/cli.js';

test('parses sysfs CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList('0'), [0]);
});

test('one busy thread per physical core; hyperthread siblings are skipped', () => {
  const sysfs = tempDir();
  writeFileSync(join(sysfs, 'online'), '0-3\n');
  for (const [cpu, siblings] of [
    [0, '0,2'],
    [1, '1,3'],
    [2, '0,2'],
    [3, '1,3'],
  ] as const) {
    mkdirSync(join(sysfs, `cpu${cpu}`, 'topology'), { recursive: true });
    writeFileSync(join(sysfs, `cpu${cpu}`, 'topology', 'thread_siblings_list'), `${siblings}\n`);
  }
  const topology = readTopology(sysfs);
  assert.deepEqual(topology.cores, [0, 1]);
  assert.deepEqual(assignCpus(topology, 2), { cpus: [0, 1], shared: false });
  assert.deepEqual(assignCpus(topology, 4), { cpus: [0, 1, 0, 1], shared: true });
});
