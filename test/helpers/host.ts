// What nfvperf may leave on a host: nfp-prefixed namespaces and links, app processes, LXC
// containers and mounts under /run/nfvperf.
// Tests snapshot it before and assert nothing new remains after.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { listLxc } from '../../src/testbed/lxc.js';

export interface HostState {
  netns: string[];
  links: string[];
  appPids: number[];
  ledgers: string[];
  /** LXC containers in nfvperf's private lxcpath. */
  lxc: string[];
  /** Mounts whose mount point is under /run/nfvperf (hugetlbfs, an LXC rootfs). */
  mounts: string[];
  /** 2 MB hugepages reserved (runs that reserve some must restore the count they found). */
  hugepages: number;
}

export function hostState(): HostState {
  const netns = (
    JSON.parse(execFileSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' }) || '[]') as { name: string }[]
  )
    .map((n) => n.name)
    .filter((n) => n.startsWith('nfp'))
    .sort();
  // (Every nfp-prefixed namespace and link counts, whoever made it: a leak check must not guess.)
  const links = (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[])
    .map((l) => l.ifname)
    .filter((n) => n.startsWith('nfp'))
    .sort();
  // Running nfvperf-app processes; a zombie (exited, not yet reaped by its new parent) holds nothing.
  const appPids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return (
          stat.includes('(nfvperf-app)') && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
        );
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort();
  let ledgers: string[] = [];
  try {
    ledgers = readdirSync('/run/nfvperf/ledgers').sort();
  } catch {
    /* none yet */
  }
  const hugepages = Number(readFileSync('/proc/sys/vm/nr_hugepages', 'utf8').trim());
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith('/run/nfvperf/'))
    .sort();
  return { netns, links, appPids, ledgers, lxc: listLxc().sort(), mounts, hugepages };
}

/** Fails if anything nfvperf-like exists now that did not exist in `before`. */
export function assertNoLeaks(before: HostState): void {
  const after = hostState();
  const added = (a: readonly (string | number)[], b: readonly (string | number)[]) => b.filter((x) => !a.includes(x));
  assert.deepEqual(
    {
      netns: added(before.netns, after.netns),
      links: added(before.links, after.links),
      appPids: added(before.appPids, after.appPids),
      ledgers: added(before.ledgers, after.ledgers),
      lxc: added(before.lxc, after.lxc),
      mounts: added(before.mounts, after.mounts),
      hugepages: after.hugepages,
    },
    { netns: [], links: [], appPids: [], ledgers: [], lxc: [], mounts: [], hugepages: before.hugepages },
    'resources leaked',
  );
}
