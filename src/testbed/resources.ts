// Teardown registered before set-up: each host resource is written to the ledger and given its
// undo step before it is created; `releaseAll` undoes everything in reverse order, even after a
// partial set-up, and keeps going past individual failures.
import { readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { exec } from '../common/exec.js';
import { type Ledger, processStartTicks, type Resource } from './ledger.js';
import { statFields } from '../common/procfs.js';

type Undo = () => Promise<void>;

export class Resources {
  private readonly stack: { resource: Resource; undo: Undo; vital?: boolean }[] = [];

  constructor(readonly ledger: Ledger) {}

  /** Records `resource`, registers `undo`, then runs `create`. */
  async create(resource: Resource, create: () => Promise<unknown>, undo: Undo): Promise<void> {
    this.ledger.recordCreate(resource);
    this.stack.push({ resource, undo });
    await create();
  }

  /**
   * Records a process that was just started (its PID exists only once it runs). A `vital` one
   * (a switch daemon) must live until teardown: `deadVitals()` names those that did not.
   */
  adoptProcess(name: string, pid: number, stop: Undo, options: { vital?: boolean } = {}): void {
    const resource: Resource = { kind: 'process', name, pid, startTicks: processStartTicks(pid) ?? undefined };
    this.ledger.recordCreate(resource);
    this.stack.push({ resource, undo: stop, vital: options.vital });
  }

  /** A vital process is about to be stopped on purpose (e.g. restarted): its end is no failure. */
  expectExit(pid: number): void {
    for (const e of this.stack) if (e.resource.pid === pid) e.vital = false;
  }

  /** Vital processes that have exited before teardown, as `name (pid N)`. */
  deadVitals(): string[] {
    return this.stack
      .filter((e) => e.vital)
      .map((e) => e.resource)
      .filter((r) => {
        const ticks = processStartTicks(r.pid!);
        return ticks === null || ticks !== r.startTicks || isZombie(r.pid!);
      })
      .map((r) => `${r.name} (pid ${r.pid})`);
  }

  get size(): number {
    return this.stack.length;
  }

  /** Undoes every resource, newest first. Returns the errors met (teardown never throws). */
  async releaseAll(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.stack.length > 0) {
      const { resource, undo } = this.stack.pop()!;
      try {
        await undo();
        this.ledger.recordRemove(resource);
      } catch (e: unknown) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return errors;
  }
}

/** `ip netns del`, tolerating a namespace that is already gone. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await exec(['ip', 'netns', 'del', name], { check: false });
  if (r.exitCode !== 0 && !/No such file/.test(r.stderr)) throw new Error(`ip netns del ${name}: ${r.stderr.trim()}`);
}

/** `ip link del`, tolerating a link that is already gone (deleting one veth end removes both). */
export async function deleteLink(name: string, netns?: string): Promise<void> {
  const argv = netns ? ['ip', '-n', netns, 'link', 'del', name] : ['ip', 'link', 'del', name];
  const r = await exec(argv, { check: false });
  if (r.exitCode !== 0 && !/Cannot find device|does not exist/.test(r.stderr)) {
    throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
  }
}

/**
 * Removes a file, or an empty directory, that a program of ours made at a place it fixes (a
 * `path` resource); tolerates it gone. A directory that is no longer empty is in use by someone
 * else (another Snabb on the host) and is left.
 */
export function removePath(path: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return;
  }
  if (!isDir) {
    rmSync(path, { force: true });
    return;
  }
  try {
    rmdirSync(path);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Ends a process we started, by PID, only if it is still the same process (start time matches). */
export async function killProcess(pid: number, startTicks: number | undefined, graceMs = 2000): Promise<void> {
  const same = () => {
    const t = processStartTicks(pid);
    return t !== null && (startTicks === undefined || t === startTicks);
  };
  if (!same()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!same() || isZombie(pid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return statFields(stat)[0] === 'Z';
  } catch {
    return true;
  }
}
