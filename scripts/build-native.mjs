// Builds the C data plane (native/) with make. Runs on `npm ci` (the package's install script)
// and before the tests. A missing compiler or make is reported in one line, not a make trace.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const tool of ['make', 'cc']) {
  const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (probe.error) {
    console.error(
      `nfvperf: cannot build the native data plane: '${tool}' is not installed ` +
        `(on Debian: apt-get install build-essential)`,
    );
    process.exit(1);
  }
}
const jobs = String(Math.max(1, (await import('node:os')).availableParallelism()));
const result = spawnSync('make', ['-C', join(root, 'native'), '-j', jobs], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('nfvperf: building native/ failed (see the compiler output above)');
  process.exit(result.status ?? 1);
}

// The DPDK forwarders (native/forwarders/: nfvperf-basicfwd) need libdpdk-dev; without it they
// are skipped and the basicfwd switch's probe says what is missing.
if (spawnSync('pkg-config', ['--exists', 'libdpdk'], { stdio: 'ignore' }).status === 0) {
  const fwd = spawnSync('make', ['-C', join(root, 'native', 'forwarders'), '-j', jobs], { stdio: 'inherit' });
  if (fwd.status !== 0) {
    console.error('nfvperf: building native/forwarders/ failed (see the compiler output above)');
    process.exit(fwd.status ?? 1);
  }
}
