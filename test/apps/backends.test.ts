// The backend table (src/apps/backends.ts) against the C side: every source it names exists, the
// built app knows no backend the table lacks, and each built backend's flags (NFP_BACKEND_L2,
// _IFNAME, _EAL in its struct nfp_backend) are the table's ownFrames, needsInterface and eal, read
// from the option checks they drive (and _QUEUES, the table's queues). No host state: the app only
// parses its arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/apps/app.js';
import { BACKENDS, BACKEND_NAMES, backendInfo, KERNEL_BACKENDS, type BackendInfo } from '../../src/apps/backends.js';
import { planSchema } from '../../src/plan/schema.js';
import { tempDir } from '../helpers/cli.js';

const APP = join(PACKAGE_ROOT, 'native', 'build', 'nfvperf-app');

function app(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(APP, args, { encoding: 'utf8', timeout: 5000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const built = /backends (\S+)/.exec(app(['--version']).stdout)![1]!.split('|');

test('every backend names a C source that exists', () => {
  for (const b of BACKENDS as readonly BackendInfo[]) {
    assert.equal(existsSync(join(PACKAGE_ROOT, b.source)), b.sourceWritten !== false, `${b.name}: ${b.source}`);
  }
});

test('the built app has no backend the table lacks, and the plan accepts exactly the table', () => {
  assert.deepEqual(
    built.filter((b) => !(BACKEND_NAMES as string[]).includes(b)),
    [],
  );
  const accepted = planSchema.shape.backends.safeParse([...BACKEND_NAMES]);
  assert.equal(accepted.success, true);
  assert.equal(planSchema.shape.backends.safeParse(['carrier-pigeon']).success, false);
  assert.deepEqual(
    KERNEL_BACKENDS,
    BACKEND_NAMES.filter(
      (n) => !backendInfo(n).eal && backendInfo(n).sourceWritten !== false && backendInfo(n).onlySwitch === undefined,
    ),
  );
});

for (const name of built) {
  test(`${name}: the table's flags are the ones the app's option checks apply`, () => {
    const info = backendInfo(name);
    const local = ['recv', '--backend', name, '--local', '127.0.0.1:9'];
    // --queues is refused, by name, only by the backends whose ports have one queue (NFP_BACKEND_QUEUES).
    const queues = app([...local, '--queues', '2']);
    assert.equal(queues.code, 2, queues.stderr);
    assert.equal(/--queues: only for the backends whose ports have several queues/.test(queues.stderr), !info.queues);
    // --mem-mb is an EAL option: an EAL backend wants its --vdev next, any other refuses it.
    const eal = app([...local, '--mem-mb', '64']);
    assert.equal(eal.code, 2, eal.stderr);
    assert.match(eal.stderr, info.eal ? /--vdev: required/ : /--mem-mb: only for --backend dpdk/);
    if (info.eal) return;
    // --ifname is checked only by backends on an interface; the others refuse it.
    const onIf = app([...local, '--ifname', 'nfp-absent0']);
    assert.equal(onIf.code, 2, onIf.stderr);
    assert.match(
      onIf.stderr,
      info.needsInterface
        ? /--ifname: no interface 'nfp-absent0'/
        : /--ifname: only for the backends that build their own frames/,
    );
    if (info.needsInterface) assert.ok(info.ownFrames, `${name}: a backend on an interface builds its frames`);
    else assert.equal(info.ownFrames, false);
  });
}

test('doctor: an unbuilt backend whose source is in native/src/backends/opt/ is not "not written yet"', async () => {
  // An app that says it was built with the socket backends only (as on a host without libxdp or libdpdk).
  const dir = tempDir();
  const fake = join(dir, 'nfvperf-app');
  writeFileSync(fake, '#!/bin/sh\necho "nfvperf-app protocol 1 backends udp|udp-mmsg|raw|raw-mmsg"\n');
  chmodSync(fake, 0o755);
  process.env.NFVPERF_APP = fake;
  const { needAppBackend } = await import('../../src/testbed/probes.js');
  for (const name of ['af-xdp', 'dpdk'] as const) {
    const [missing, ...rest] = await needAppBackend(name);
    assert.equal(rest.length, 0);
    assert.match(
      missing!.reason,
      new RegExp(`no ${name} backend .*native/src/backends/opt/.* exists`),
      missing!.reason,
    );
    assert.doesNotMatch(missing!.reason, /not written yet/);
    assert.match(missing!.fix, /npm run build$/);
  }
  // netmap has no package: the reason is its header, the fix the build that finds it.
  const [netmap] = await needAppBackend('netmap');
  assert.match(netmap!.reason, /no netmap backend .*no net\/netmap_user\.h when it was built/, netmap!.reason);
  assert.match(netmap!.fix, /make -C native NETMAP_INCLUDE=<netmap>\/sys$/);
  assert.deepEqual(await needAppBackend('udp'), []);
});
