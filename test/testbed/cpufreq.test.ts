// cpufreq pinning against fake sysfs trees in a temp dir (this host has no cpufreq): the state
// found goes to the ledger first, the run's release restores it, and so does `nfvperf cleanup`
// after a crash; both turbo controls (intel_pstate/no_turbo, cpufreq/boost). Then the real host:
// its manifest says it has no cpufreq.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCpufreq, pinPerformance, readCpufreq } from '../../src/testbed/cpufreq.js';
import { removeLeftovers } from '../../src/testbed/cleanup.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { environmentManifest } from '../../src/testbed/environment.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { Resources } from '../../src/testbed/resources.js';

const VERSIONS = { nfvperf: 'test', app: 'test' };
const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function tempTree(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A sysfs tree with `governors` (one per CPU) and, if given, a turbo control file. */
function fakeSysfs(
  governors: string[],
  turbo?: { control: 'intel_pstate/no_turbo' | 'cpufreq/boost'; value: string },
): string {
  const root = tempTree('nfp-sysfs-');
  governors.forEach((g, i) => {
    mkdirSync(join(root, 'devices/system/cpu', `cpu${i}`, 'cpufreq'), { recursive: true });
    writeFileSync(join(root, 'devices/system/cpu', `cpu${i}`, 'cpufreq/scaling_governor'), `${g}\n`);
  });
  mkdirSync(join(root, 'devices/system/cpu/cpuidle'), { recursive: true }); // not a CPU: ignored
  if (turbo) {
    mkdirSync(join(root, 'devices/system/cpu', turbo.control, '..'), { recursive: true });
    writeFileSync(join(root, 'devices/system/cpu', turbo.control), `${turbo.value}\n`);
  }
  return root;
}

const file = (root: string, rel: string) => readFileSync(join(root, 'devices/system/cpu', rel), 'utf8').trim();

function openLedger(): { ledger: Ledger; dir: string } {
  const dir = tempTree('nfp-ledger-');
  return { ledger: Ledger.open('c0f1', dir), dir };
}

test('intel_pstate: performance and no_turbo=1 for the run, restored on release; the manifest says so', async () => {
  const root = fakeSysfs(['powersave', 'powersave'], { control: 'intel_pstate/no_turbo', value: '0' });
  const { ledger, dir } = openLedger();
  const resources = new Resources(ledger);
  const found = await pinPerformance(resources, root);
  assert.deepEqual(found?.governors, { cpu0: 'powersave', cpu1: 'powersave' });
  assert.deepEqual(
    [
      file(root, 'cpu0/cpufreq/scaling_governor'),
      file(root, 'cpu1/cpufreq/scaling_governor'),
      file(root, 'intel_pstate/no_turbo'),
    ],
    ['performance', 'performance', '1'],
  );
  const [saved] = readLedgers(dir)[0]!.open;
  assert.equal(saved?.kind, 'cpufreq');
  assert.deepEqual(JSON.parse(saved!.saved!), found, 'the state found is in the ledger');
  const manifest = await environmentManifest(readTopology(), VERSIONS, { sysRoot: root, cpufreqPinned: true });
  assert.equal(manifest.cpufreqGovernor, 'performance');
  assert.equal(manifest.cpufreqTurbo, 'off (intel_pstate/no_turbo=1)');
  assert.match(manifest.cpufreqPinned!, /^yes/);

  assert.deepEqual(await resources.releaseAll(), []);
  assert.deepEqual(readCpufreq(root), found, 'restored as found');
  assert.deepEqual(describeCpufreq(found), {
    cpufreqGovernor: 'powersave',
    cpufreqTurbo: 'on (intel_pstate/no_turbo=0)',
  });
  assert.equal(ledger.close(), true, 'nothing left open');
});

test('cpufreq/boost: boost=0 for the run; after a crash, cleanup restores it from the ledger', async () => {
  const root = fakeSysfs(['schedutil', 'ondemand', 'schedutil'], { control: 'cpufreq/boost', value: '1' });
  const { ledger, dir } = openLedger();
  const found = await pinPerformance(new Resources(ledger), root);
  assert.equal(file(root, 'cpufreq/boost'), '0');
  assert.equal(describeCpufreq(readCpufreq(root)).cpufreqTurbo, 'off (cpufreq/boost=0)');
  // The run dies here without releasing: what `nfvperf cleanup` reads back from its ledger.
  const open = readLedgers(dir)[0]!.open;
  const errors = await removeLeftovers(
    { leftovers: open.map((r) => ({ ...r, source: 'ledger' as const })), ledgers: [] },
    () => {},
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(readCpufreq(root), found);
  assert.deepEqual([file(root, 'cpu1/cpufreq/scaling_governor'), file(root, 'cpufreq/boost')], ['ondemand', '1']);
});

test('no cpufreq (a fake tree, then this host): nothing changed, nothing recorded, the manifest says so', async (t) => {
  const root = fakeSysfs([]);
  const { ledger } = openLedger();
  const resources = new Resources(ledger);
  assert.equal(await pinPerformance(resources, root), null);
  assert.equal(resources.size, 0);
  const governorsOnly = fakeSysfs(['performance']);
  assert.equal(describeCpufreq(readCpufreq(governorsOnly)).cpufreqTurbo, 'no turbo control');

  if (existsSync('/sys/devices/system/cpu/cpu0/cpufreq')) {
    t.diagnostic('this host has cpufreq: its manifest is not checked');
    return;
  }
  const manifest = await environmentManifest(readTopology(), VERSIONS);
  assert.deepEqual(
    [manifest.cpufreqGovernor, manifest.cpufreqTurbo, manifest.cpufreqPinned],
    ['no cpufreq', 'no cpufreq', 'no cpufreq'],
  );
});
