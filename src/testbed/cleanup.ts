// Finding and removing what earlier runs left behind: the resources their ledgers list (when the
// run that wrote the ledger is gone), and any nfp-prefixed namespace or link of no live run.
// Processes are ended by PID only: those a ledger names (start time checked) and those still
// inside one of our namespaces.
import { rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { exec } from '../common/exec.js';
import { readLedgers, processStartTicks, type Resource } from './ledger.js';
import { tokenOf } from './names.js';
import { deleteLink, deleteNetns, killProcess, removePath } from './resources.js';
import { removeHugepageFiles, setHugepages, unmountHugetlbfs } from './hugepages.js';
import { removeRunDir } from './rundir.js';
import { destroyLxc, listLxc } from './lxc.js';
import { restoreCpufreq, type CpufreqState } from './cpufreq.js';
import { restoreSriov, type SriovSaved } from './sriov.js';

export interface Leftover extends Resource {
  /** Why it is considered ours. */
  source: 'ledger' | 'prefix';
}

export async function findLeftovers(): Promise<{ leftovers: Leftover[]; ledgers: string[] }> {
  const ledgers = readLedgers();
  const live = new Set(ledgers.filter((l) => l.ownerAlive).map((l) => l.token));
  const leftovers: Leftover[] = [];
  const seen = new Set<string>();
  const add = (r: Leftover) => {
    // Each hugepage change is its own entry (same name, its own previous count): restored newest
    // first, the last one written back is the count found before the run's first reservation.
    const key = `${r.kind}:${r.name}:${r.pid ?? ''}:${r.previous ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      leftovers.push(r);
    }
  };
  for (const l of ledgers.filter((x) => !x.ownerAlive)) {
    for (const r of [...l.open].reverse()) {
      if (r.kind === 'process' && (r.pid === undefined || processStartTicks(r.pid) !== (r.startTicks ?? null)))
        continue;
      add({ ...r, source: 'ledger' });
    }
  }
  const namespaces = await listNetns();
  for (const ns of namespaces.filter((n) => n.startsWith('nfp-') && !live.has(tokenOf(n) ?? ''))) {
    for (const pid of await netnsPids(ns))
      add({
        kind: 'process',
        name: `pid ${pid} in ${ns}`,
        pid,
        startTicks: processStartTicks(pid) ?? undefined,
        source: 'prefix',
      });
  }
  for (const link of (await listLinks()).filter((n) => n.startsWith('nfp') && !live.has(tokenOf(n) ?? ''))) {
    add({ kind: 'link', name: link, source: 'prefix' });
  }
  for (const ns of namespaces.filter((n) => n.startsWith('nfp-') && !live.has(tokenOf(n) ?? ''))) {
    add({ kind: 'netns', name: ns, source: 'prefix' });
  }
  for (const name of listLxc().filter((n) => !live.has(tokenOf(n) ?? ''))) add({ kind: 'lxc', name, source: 'prefix' });
  // Processes first, then containers (stopping one ends what runs in it), links, namespaces (a
  // namespace with a process in it lingers), then what the processes used: mounts before the
  // directories holding them (ours, then those at places a program fixes), the hugepage count,
  // cpufreq last (the sort is stable: ledger entries of one kind stay newest first).
  // VFs after namespaces (a deleted namespace hands its VF netdev back to the host).
  const order = {
    process: 0,
    lxc: 1,
    link: 2,
    netns: 3,
    sriov: 4,
    mount: 5,
    dir: 6,
    path: 7,
    hugepages: 8,
    cpufreq: 9,
  } as const;
  leftovers.sort((a, b) => order[a.kind] - order[b.kind]);
  return { leftovers, ledgers: ledgers.filter((l) => !l.ownerAlive).map((l) => l.path) };
}

export async function removeLeftovers(
  found: { leftovers: Leftover[]; ledgers: string[] },
  log: (line: string) => void,
): Promise<Error[]> {
  const errors: Error[] = [];
  for (const r of found.leftovers) {
    try {
      if (r.kind === 'process') await killProcess(r.pid!, r.startTicks, 1000);
      else if (r.kind === 'link') await deleteLink(r.name);
      else if (r.kind === 'netns') await deleteNetns(r.name);
      else if (r.kind === 'lxc') await destroyLxc(r.name);
      else if (r.kind === 'mount') await unmountHugetlbfs(r.name);
      // `<hugetlbfs>/<prefix>*`: the page files of our DPDK processes in the host's hugetlbfs.
      else if (r.kind === 'dir' && r.name.endsWith('*'))
        removeHugepageFiles(dirname(r.name), basename(r.name).slice(0, -1));
      else if (r.kind === 'dir') removeRunDir(r.name);
      else if (r.kind === 'path') removePath(r.name);
      else if (r.kind === 'sriov' && r.saved) await restoreSriov(JSON.parse(r.saved) as SriovSaved);
      else if (r.kind === 'cpufreq' && r.saved) restoreCpufreq(JSON.parse(r.saved) as CpufreqState);
      else if (r.previous !== undefined) setHugepages(r.previous);
      log(`removed ${describe(r)}`);
    } catch (e: unknown) {
      errors.push(e instanceof Error ? e : new Error(String(e)));
    }
  }
  if (errors.length === 0) for (const path of found.ledgers) rmSync(path, { force: true });
  return errors;
}

export function describe(r: Leftover): string {
  if (r.kind === 'process') return `process ${r.pid} (${r.name})`;
  if (r.kind === 'hugepages') return `hugepages ${r.name} (count restored to ${r.previous ?? '?'})`;
  if (r.kind === 'sriov') return `SR-IOV state of ${r.name} (restored as found)`;
  if (r.kind === 'cpufreq') return `cpufreq under ${r.name} (governors and turbo restored as found)`;
  return `${r.kind} ${r.name}`;
}

async function listNetns(): Promise<string[]> {
  const r = await exec(['ip', '-j', 'netns', 'list'], { check: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name);
}

async function listLinks(): Promise<string[]> {
  const r = await exec(['ip', '-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

async function netnsPids(ns: string): Promise<number[]> {
  const r = await exec(['ip', 'netns', 'pids', ns], { check: false });
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
