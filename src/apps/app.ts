// Launching `nfvperf-app` inside a container and reading its JSON-lines stream.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TestbedError, UsageError } from '../common/errors.js';
import { parseAppLine, type AppRole, type IntervalLine, type StartLine, type SummaryLine } from './protocol.js';

/** The package root, from dist/src/apps/app.js (or src/apps/app.ts). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where nfvperf-app is: `NFVPERF_APP` (another build, a test's stand-in) or this package's native build. */
function appPath(): string {
  return process.env.NFVPERF_APP ?? join(PACKAGE_ROOT, 'native', 'build', 'nfvperf-app');
}

function notBuilt(path: string): string {
  return `the native app is not built (${path} is missing): run \`npm run build\``;
}

export function appBinary(): string {
  const path = appPath();
  if (!existsSync(path)) throw new TestbedError(notBuilt(path));
  return path;
}

/**
 * Refuses a command that runs the app (exit 2) when it is not built, naming the fix: checked
 * before anything is written or touched, where a missing build would fail each case instead.
 */
export function requireAppBuilt(): void {
  const path = appPath();
  if (!existsSync(path)) throw new UsageError(notBuilt(path));
}

export interface AppInfo {
  /** The app's protocol version (docs/app-protocol.md). */
  protocol: number;
  /** I/O backends compiled into this build. */
  backends: string[];
  /** The version line as printed. */
  line: string;
}

let cachedInfo: AppInfo | undefined;

/** What the built app says of itself (`nfvperf-app --version`). */
export function appInfo(): AppInfo {
  if (cachedInfo) return cachedInfo;
  const r = spawnSync(appBinary(), ['--version'], { encoding: 'utf8', timeout: 5000 });
  const m = /protocol (\d+) backends (\S+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m)
    throw new TestbedError(`${appBinary()} --version gave no version line (rebuild with \`npm run build\`)`);
  cachedInfo = { protocol: Number(m[1]), backends: m[2]!.split('|'), line: r.stdout.trim() };
  return cachedInfo;
}

export interface AppOptions {
  role: AppRole;
  /** Network namespace to run in; undefined runs in the caller's namespace. */
  netns?: string;
  /**
   * Instead of `ip netns exec netns`: an argv prefix that runs the app inside its container by
   * forking it (`lxc-attach`); signals then go to that prefix process's child, the app.
   */
  exec?: string[];
  /** Arguments after the role, as an argv array. */
  args: string[];
  /** A label for messages, e.g. `sender 0`. */
  label: string;
  /** Which application pair of the case this app belongs to. */
  pair: number;
  /** Called with every stdout line as it arrives (the agent streams them to the orchestrator). */
  onLine?: (line: string) => void;
  /** The CLOCK_MONOTONIC instant its intervals count from (`--epoch-ns`); absent: its own start. */
  epochNs?: bigint;
}

const STDERR_LINES_KEPT = 20;

/** One running app. Lines are collected as they arrive; nothing is lost if nobody waits. */
export class AppProcess {
  readonly intervals: IntervalLine[] = [];
  start?: StartLine;
  summary?: SummaryLine;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  private readonly stderrTail: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readyWaiters: (() => void)[] = [];

  constructor(readonly options: AppOptions) {
    const argv = [
      appBinary(),
      options.role,
      ...options.args,
      ...(options.epochNs !== undefined ? ['--epoch-ns', String(options.epochNs)] : []),
    ];
    // `ip netns exec` execs the app in place, so the child's PID is the app's PID.
    const prefix = options.exec ?? (options.netns ? ['ip', 'netns', 'exec', options.netns] : []);
    const [file, ...args] = [...prefix, ...argv];
    this.child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.onLine(line);
      options.onLine?.(line);
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.stderrTail.push(String(e.message));
        this.exitCode = 127;
        resolve();
      });
      this.child.on('close', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
        this.wakeReady();
      });
    });
  }

  get epochNs(): bigint {
    return this.options.epochNs ?? 0n;
  }

  /** The PID of the process we spawned: the app, or the `exec` prefix that forked it. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * The app's own PID: with an `exec` prefix, the prefix process's child (lxc-attach does not
   * pass SIGTERM on, so the app must be signalled itself to print its summary); undefined until
   * it has been forked.
   */
  get appPid(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || !this.options.exec) return pid;
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
      return children.length === 1 ? children[0] : undefined;
    } catch {
      return undefined;
    }
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  /** The last lines the app wrote to stderr, for failure messages. */
  get stderr(): string {
    return this.stderrTail.join('\n');
  }

  /** Resolves when the app has printed its start line (it is bound and pinned). */
  async waitReady(timeoutMs: number): Promise<void> {
    if (!this.start) {
      await Promise.race([new Promise<void>((resolve) => this.readyWaiters.push(resolve)), delay(timeoutMs)]);
    }
    if (!this.start)
      throw this.failure(this.running ? `not ready after ${timeoutMs} ms` : 'exited before it was ready');
  }

  /** Resolves when the app exits; false if it did not within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    await Promise.race([this.exited, delay(timeoutMs)]);
    return !this.running;
  }

  /** SIGTERM (the app prints its summary and exits), then SIGKILL after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    if (await this.waitExit(graceMs)) return;
    this.signal('SIGKILL');
    await this.waitExit(graceMs);
  }

  /** Signals the app (not its `exec` prefix, unless the app is not forked yet); then its prefix exits with it. */
  private signal(sig: NodeJS.Signals): void {
    const app = this.appPid;
    if (app === undefined || app === this.child.pid) {
      this.child.kill(sig);
      return;
    }
    try {
      process.kill(app, sig);
    } catch {
      this.child.kill(sig);
    }
  }

  /** An error naming the app, its exit status and its last stderr lines. */
  failure(what: string): TestbedError {
    const status = this.exitSignal
      ? `killed by ${this.exitSignal}`
      : this.exitCode !== null
        ? `exit code ${this.exitCode}`
        : 'still running';
    const tail = this.stderrTail.slice(-3).join(' | ');
    return new TestbedError(`${this.options.label} ${what} (${status})${tail ? `: ${tail}` : ''}`);
  }

  private onLine(text: string): void {
    const line = parseAppLine(text);
    if (!line) return;
    if (line.type === 'start') {
      this.start = line;
      this.wakeReady();
    } else if (line.type === 'interval') this.intervals.push(line);
    else this.summary = line;
  }

  private wakeReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    waiters.forEach((w) => w());
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
