// Running external commands: always an argv array, never a shell string.
import { spawn } from 'node:child_process';
import { TestbedError } from './errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  /** Text written to the command's standard input. */
  input?: string;
  /** Reject when the command exits non-zero (default true). */
  check?: boolean;
  timeoutMs?: number;
  /** The command's environment (default: ours). */
  env?: NodeJS.ProcessEnv;
}

/** Runs `argv` to completion and returns its output; a non-zero exit is a TestbedError. */
export function exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('exec: empty argv');
  const check = options.check ?? true;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env,
      timeout: options.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (cause) => reject(new TestbedError(`cannot run ${file}`, { cause })));
    child.on('close', (code, signal) => {
      const exitCode = code ?? (signal ? 128 : 1);
      if (check && exitCode !== 0) {
        const detail = stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${exitCode}`;
        reject(new TestbedError(`command failed: ${argv.join(' ')}: ${detail}`));
        return;
      }
      resolve({ stdout, stderr, exitCode });
    });
    child.stdin.on('error', () => {}); // a command that exits early closes its stdin
    child.stdin.end(options.input ?? '');
  });
}
