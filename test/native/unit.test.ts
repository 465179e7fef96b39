// The C unit tests (wire format, checksum, sequence rules, option parsing) run under `make check`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

test('native unit tests pass (make -C native check)', () => {
  const r = spawnSync('make', ['-s', '-C', join(ROOT, 'native'), 'check'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
