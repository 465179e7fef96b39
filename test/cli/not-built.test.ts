// A missing native build (the app at NFVPERF_APP, here a path that does not exist) is refused
// by `run` (dry or not) and `reproduce` up front: exit 2, one line naming the fix, nothing
// written. Without the check each case (each experiment of a reproduction) failed with exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nfvperf, tempDir } from '../helpers/cli.js';

test('run and reproduce refuse a missing native build before anything: exit 2, one line naming `npm run build`', async () => {
  const dir = tempDir({ 'plan.yaml': 'name: a\nswitches: [linux-bridge]\nbackends: [udp]\nduration: 1\n' });
  const app = join(dir, 'native', 'build', 'nfvperf-app');
  const out = join(dir, 'out');
  for (const args of [
    ['run', join(dir, 'plan.yaml'), '--dry-run'],
    ['run', join(dir, 'plan.yaml'), '--out', out],
    ['reproduce', '--only', 'table2', '--out', out],
  ]) {
    const r = await nfvperf(args, { env: { NFVPERF_APP: app } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(
      r.stderr,
      `nfvperf: the native app is not built (${app} is missing): run \`npm run build\`\n`,
      args.join(' '),
    );
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(existsSync(out), false, `${args.join(' ')} wrote nothing`);
  }
});
