// The ledger: every host resource is written down *before* it is created, so that a crashed
// or killed run can be cleaned up exactly (`nfvperf cleanup`), and nothing else is touched.
// One JSON-lines file per run under /run/nfvperf/ledgers/<token>.jsonl.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_DIR } from './names.js';
import { statFields } from '../common/procfs.js';

/**
 * `dir`: a run directory under /run/nfvperf (removed with its contents); `mount`: a hugetlbfs we
 * mounted (unmounted); `hugepages`: the 2 MB hugepage count we raised (`previous` is written back);
 * `lxc`: an LXC container in our private lxcpath (stopped and destroyed).
 * `cpufreq`: governors and turbo we pinned under the sysfs root `name` (`saved` is written back).
 * `path`: a file or directory at a place a program of ours fixes, outside /run/nfvperf (Snabb's
 * /run/snabb and its /tmp/vhost_features_* files): removed if present, a directory only when empty.
 * `sriov`: a PF's VF count or one VF's driver, MAC, VLAN and netdev as found (`saved`, JSON of a
 * SriovSaved), written back.
 */
export type ResourceKind =
  | 'netns'
  | 'link'
  | 'process'
  | 'dir'
  | 'mount'
  | 'path'
  | 'hugepages'
  | 'lxc'
  | 'cpufreq'
  | 'sriov';

export interface Resource {
  kind: ResourceKind;
  name: string;
  /** For processes: the PID and its start time (clock ticks since boot), which guards PID reuse. */
  pid?: number;
  startTicks?: number;
  /** For hugepages: the count found before this change, restored when it is undone. */
  previous?: number;
  /** For cpufreq: the state found before this change (JSON of a CpufreqState), restored when it is undone. */
  saved?: string;
}

type Entry =
  | { op: 'open'; token: string; pid: number; startTicks: number | null; at: string }
  | ({ op: 'create' } & Resource)
  | ({ op: 'remove' } & Resource);

export class Ledger {
  readonly path: string;

  private constructor(
    readonly token: string,
    dir: string,
    file: string,
  ) {
    this.path = join(dir, `${file}.jsonl`);
  }

  /** `file`: the file name without `.jsonl` (default the token; an agent adds its host's name). */
  static open(token: string, dir = LEDGER_DIR, file = token): Ledger {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const ledger = new Ledger(token, dir, file);
    ledger.append({
      op: 'open',
      token,
      pid: process.pid,
      startTicks: processStartTicks(process.pid),
      at: new Date().toISOString(),
    });
    return ledger;
  }

  private openCount = 0;

  recordCreate(resource: Resource): void {
    this.append({ op: 'create', ...resource });
    this.openCount++;
  }

  recordRemove(resource: Resource): void {
    this.append({ op: 'remove', ...resource });
    this.openCount--;
  }

  /** Deletes the ledger if everything in it is gone; otherwise keeps it for `nfvperf cleanup`. */
  close(): boolean {
    if (this.openCount > 0) return false;
    rmSync(this.path, { force: true });
    return true;
  }

  private append(entry: Entry): void {
    // Synchronous on purpose: the entry must be on disk before the resource exists.
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

export interface LedgerState {
  token: string;
  path: string;
  ownerPid: number;
  ownerAlive: boolean;
  /** Resources created and not yet removed, in creation order. */
  open: Resource[];
}

/** Reads every ledger on this host. */
export function readLedgers(dir = LEDGER_DIR): LedgerState[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files.map((file) => parseLedger(join(dir, file)));
}

function parseLedger(path: string): LedgerState {
  const state: LedgerState = { token: '', path, ownerPid: 0, ownerAlive: false, open: [] };
  let ownerTicks: number | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let entry: Entry;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      continue; // a torn last line from a crash: the resource it named was never created
    }
    if (entry.op === 'open') {
      state.token = entry.token;
      state.ownerPid = entry.pid;
      ownerTicks = entry.startTicks;
    } else if (entry.op === 'create') {
      state.open.push({
        kind: entry.kind,
        name: entry.name,
        pid: entry.pid,
        startTicks: entry.startTicks,
        previous: entry.previous,
        saved: entry.saved,
      });
    } else {
      const i = state.open.findLastIndex((r) => r.kind === entry.kind && r.name === entry.name);
      if (i >= 0) state.open.splice(i, 1);
    }
  }
  state.ownerAlive = state.ownerPid > 0 && processStartTicks(state.ownerPid) === ownerTicks && ownerTicks !== null;
  return state;
}

/** Field 22 of /proc/PID/stat: when the process started. Null when there is no such process. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(statFields(stat)[19]);
  } catch {
    return null;
  }
}
