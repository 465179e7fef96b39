// The netmap backend without netmap's module (these machines cannot load it): what can run is the
// build against netmap's own header and the app's refusal to open a port without /dev/netmap.
// Nothing that moves a frame is verified. The header comes from NFVPERF_NETMAP_INCLUDE (a
// directory holding net/netmap_user.h and net/netmap.h, e.g. <netmap sources>/sys) or the
// system's /usr/include; with neither the test is skipped (the repository vendors no netmap).
// The app is built into a temporary directory, so native/build stays the default build. The open
// fails at its first step (the /dev/netmap check), before any socket: no host state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/apps/app.js';
import { tempDir } from '../helpers/cli.js';

const include =
  process.env.NFVPERF_NETMAP_INCLUDE ?? (existsSync('/usr/include/net/netmap_user.h') ? '/usr/include' : undefined);
const skip =
  include === undefined
    ? 'no netmap header: set NFVPERF_NETMAP_INCLUDE=<netmap sources>/sys (or install net/netmap_user.h)'
    : undefined;

test('nfvperf-app builds with net/netmap_user.h and lists netmap; without /dev/netmap it refuses clearly', {
  skip,
  timeout: 300_000,
}, () => {
  const build = tempDir();
  const app = join(build, 'nfvperf-app');
  const make = spawnSync(
    'make',
    ['-C', join(PACKAGE_ROOT, 'native'), `BUILD=${build}`, `NETMAP_INCLUDE=${include}`, app],
    { encoding: 'utf8' },
  );
  assert.equal(make.status, 0, make.stderr);
  assert.doesNotMatch(make.stderr, /warning/, 'the backend compiles without warnings');

  const version = spawnSync(app, ['--version'], { encoding: 'utf8' });
  assert.match(version.stdout, /backends \S*\bnetmap\b/);

  // Its flags are the table's: an interface is required and checked when parsed.
  const noIf = spawnSync(app, ['recv', '--backend', 'netmap', '--local', '127.0.0.1:9', '--ifname', 'nfp-absent0'], {
    encoding: 'utf8',
  });
  assert.equal(noIf.status, 2, noIf.stderr);
  assert.match(noIf.stderr, /--ifname: no interface 'nfp-absent0'/);

  if (existsSync('/dev/netmap')) return; // the module is loaded: the refusal below cannot be seen
  const open = spawnSync(app, ['recv', '--backend', 'netmap', '--local', '127.0.0.1:9', '--ifname', 'lo'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.notEqual(open.status, 0, open.stderr);
  assert.notEqual(open.status, null, 'it exits, not hangs');
  assert.match(
    open.stderr,
    /netmap: \/dev\/netmap: No such file or directory \(the netmap kernel module is not loaded/,
  );
  assert.equal(open.stdout, '');
});
