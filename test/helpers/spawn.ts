// Driving a running `nfvperf run` from a test: wait for its progress, then interrupt or kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { NFVPERF } from './cli.js';

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves once stderr matches `pattern`; rejects (and kills the run) after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit(): Promise<number | null>;
}

export function startRun(args: string[]): Running {
  const child = spawn(process.execPath, [NFVPERF, 'run', ...args, '--plain'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error(`never saw ${pattern}: ${text}`));
        }, timeoutMs);
        const poll = setInterval(() => {
          if (pattern.test(text)) {
            clearInterval(poll);
            clearTimeout(deadline);
            resolve();
          }
        }, 25);
      }),
    exit: () => exited,
  };
}

/** PIDs of running nfvperf-app processes whose command line contains `word`. */
export function appPids(word: string): number[] {
  return readdirSync('/proc')
    .filter((d: string) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid: number) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return cmdline[0]!.endsWith('nfvperf-app') && cmdline.includes(word);
      } catch {
        return false;
      }
    });
}
