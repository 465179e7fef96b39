// Output into a pipe whose reader stops early (`nfvperf … | head -1`): the rest is dropped
// quietly (exit 0, nothing on stderr) instead of an EPIPE stack trace. A dry run: nothing touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NFVPERF, tempDir } from '../helpers/cli.js';

test('run --dry-run into a pipe closed after its first line: exit 0, no stack trace', async () => {
  const rates = Array.from({ length: 20_000 }, (_, i) => i + 1).join(', ');
  const dir = tempDir({ 'plan.yaml': `name: a\nrates: [${rates}]\n` });
  const child = spawn(process.execPath, [NFVPERF, 'run', join(dir, 'plan.yaml'), '--dry-run'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    // As `head -1` does: read one line, then close the pipe.
    if (stdout.includes('\n')) child.stdout.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stdout.split('\n')[0], '20000 cases (D, L, S, V, P, R, B) backend repetition:');
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
