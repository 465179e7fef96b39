// VALE without netmap (this project's machines cannot load kernel modules, and nfvperf-app is
// built without its netmap backend unless net/netmap_user.h is found): what can be checked is that
// nothing pretends to run. The probe names each missing piece with how to get it, start() refuses
// with the reason, and a plan naming vale or the netmap backend is refused, located, before
// anything is touched. The driver's VALE steps are not verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vale, valeMissing } from '../../src/switches/vale.js';
import { runNames } from '../../src/testbed/names.js';
import { Ledger } from '../../src/testbed/ledger.js';
import { Resources } from '../../src/testbed/resources.js';
import { nfvperf, tempDir } from '../helpers/cli.js';

const netmapHere = existsSync('/dev/netmap');

test('vale probe: each missing piece with its fix (the module, vale-ctl, the app backend)', async (t) => {
  if (netmapHere) {
    t.skip('netmap is loaded here: the missing-module reason cannot be checked');
    return;
  }
  const p = await vale.probe();
  assert.equal(p.available, false);
  assert.match(p.reason!, /no netmap module \(\/dev\/netmap is missing\)/);
  assert.match(p.reason!, /nfvperf-app has no netmap backend/);
  assert.match(p.fix!, /luigirizzo\/netmap.*configure --no-drivers; make.*insmod netmap\.ko/);
  // With /dev/netmap present (a stand-in file), the module is no longer what is missing.
  const dev = join(tempDir({ netmap: '' }), 'netmap');
  const rest = (await valeMissing(dev)).map((m) => m.reason).join('; ');
  assert.doesNotMatch(rest, /netmap module/);
  assert.match(rest, /nfvperf-app has no netmap backend/);
});

test('vale start refuses with the reason, touching nothing', async (t) => {
  if (netmapHere) {
    t.skip('netmap is loaded here');
    return;
  }
  const dir = tempDir();
  const ledger = Ledger.open('abcd', dir);
  const resources = new Resources(ledger);
  await assert.rejects(
    vale.start({ names: runNames('abcd'), resources, cpus: [] }),
    /switch vale cannot run here: no netmap module/,
  );
  assert.equal(resources.size, 0, 'nothing was created');
  ledger.close();
});

test('plans naming vale or the netmap backend are refused, located, exit 2', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'p.yaml'), 'name: v\nswitches: [vale]\nbackends: [netmap]\n');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--dry-run']);
  assert.equal(r.code, 2, r.stderr);
  if (!netmapHere)
    assert.match(r.stderr, /p\.yaml:2:12 switches\[0\]: switch vale is unavailable here: no netmap module/);
  assert.match(r.stderr, /p\.yaml:3:12 backends\[0\]: backend netmap is not built into nfvperf-app/);
  const doctor = JSON.parse((await nfvperf(['doctor', '--json'])).stdout) as {
    backends: { name: string; available: boolean; reason: string; fix: string }[];
  };
  const netmap = doctor.backends.find((b) => b.name === 'netmap')!;
  // Written, but built in only where net/netmap_user.h is found (test/native/netmap.test.ts).
  assert.equal(netmap.available, false);
  assert.match(netmap.reason, /no net\/netmap_user\.h when it was built/);
  assert.match(netmap.fix, /NETMAP_INCLUDE=/);
});
