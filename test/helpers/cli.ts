// Running the real `nfvperf` executable as a user would.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/store/summary.js';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const NFVPERF = join(ROOT, 'bin', 'nfvperf.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function nfvperf(
  args: string[],
  options: { user?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const argv = options.user
    ? ['runuser', '-u', options.user, '--', process.execPath, NFVPERF, ...args]
    : [process.execPath, NFVPERF, ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory with `files` written into it. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfvperf-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs the plan text through `nfvperf run` into a fresh directory; asserts exit 0 and returns
 * the output directory and its summary.json. */
export async function runPlan(
  plan: string,
  options: { args?: string[]; timeoutMs?: number } = {},
): Promise<{ out: string; summary: Summary }> {
  const dir = tempDir({ 'plan.yaml': plan });
  const out = join(dir, 'out');
  const r = await nfvperf(
    ['run', join(dir, 'plan.yaml'), '--out', out, ...(options.args ?? [])],
    options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {},
  );
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return { out, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary };
}
