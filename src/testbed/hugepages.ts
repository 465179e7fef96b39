// 2 MB hugepages for DPDK processes (switches and apps): raised for a run and restored after, and a
// hugetlbfs mounted only when the host has none. Each change is written to the ledger, with the
// count found before it, before it is made; undoing changes in reverse order restores the host.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../common/exec.js';
import { TestbedError } from '../common/errors.js';
import type { Resources } from './resources.js';

export const HUGEPAGE_MB = 2;
const SYSFS = '/sys/kernel/mm/hugepages/hugepages-2048kB';

export interface HugepageCount {
  total: number;
  free: number;
}

export function readHugepages(): HugepageCount {
  const read = (f: string) => {
    try {
      return Number(readFileSync(join(SYSFS, f), 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  };
  return { total: read('nr_hugepages'), free: read('free_hugepages') };
}

/** Writes the total count of 2 MB hugepages (the kernel may grant fewer: read it back). */
export function setHugepages(total: number): void {
  writeFileSync(join(SYSFS, 'nr_hugepages'), `${total}\n`);
}

/**
 * Adds `megabytes` of 2 MB hugepages to the host's total for a consumer about to start (DPDK
 * processes allocate lazily, so the free count says nothing about what is already promised).
 * The count found is recorded first and written back when `resources` is released.
 */
export async function reserveHugepages(resources: Resources, megabytes: number): Promise<void> {
  const pages = Math.ceil(megabytes / HUGEPAGE_MB);
  const found = readHugepages();
  const target = found.total + pages;
  let added = pages;
  await resources.create(
    { kind: 'hugepages', name: '2048kB', previous: found.total },
    async () => {
      setHugepages(target);
      const now = readHugepages();
      added = Math.max(0, Math.min(pages, now.total - found.total));
      if (now.total < target) {
        throw new TestbedError(
          `asked the kernel for ${target} hugepages of 2 MB (${megabytes} MB more), ` +
            `it granted ${now.total}: free some memory, or run fewer pairs`,
        );
      }
    },
    // Give back our pages, not the count found: another reserver (a second namespace host's
    // OVS-DPDK, another run) may have raised the total since, and must keep its pages.
    async () => releasePages(added),
  );
}

/**
 * Pages this process gave back that the kernel has not dropped yet: it keeps pages still mapped
 * (an app's reservation is undone before the OVS that mapped them has stopped), so the total read
 * next time is that much too high, and the next release must not count them twice.
 */
let pagesOwed = 0;

function releasePages(pages: number): void {
  const want = Math.max(0, readHugepages().total - pages - pagesOwed);
  setHugepages(want);
  pagesOwed = Math.max(0, readHugepages().total - want);
}

/** The mount point of a hugetlbfs of 2 MB pages, if the host has one (from /proc/mounts). */
export function hugetlbfsMount(): string | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of mounts.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type !== 'hugetlbfs' || !dir) continue;
    const size = /pagesize=(\w+)/.exec(options ?? '')?.[1];
    if (size === undefined || size === '2M' || size === '2048k') return dir.replace(/\\040/g, ' ');
  }
  return undefined;
}

/**
 * A hugetlbfs for DPDK's page files: the host's own if it has one (then files named with
 * `filePrefix` are removed from it afterwards), else one mounted at `dir` and unmounted afterwards.
 */
export async function ensureHugetlbfs(resources: Resources, dir: string, filePrefix: string): Promise<string> {
  const existing = hugetlbfsMount();
  if (existing) {
    await resources.create(
      { kind: 'dir', name: join(existing, `${filePrefix}*`) },
      async () => {},
      async () => removeHugepageFiles(existing, filePrefix),
    );
    return existing;
  }
  await mountHugetlbfs(resources, dir);
  return dir;
}

/** Mounts a hugetlbfs of 2 MB pages at `dir` (made if absent); unmounted, and `dir` removed, on release. */
export async function mountHugetlbfs(resources: Resources, dir: string): Promise<void> {
  await resources.create(
    { kind: 'mount', name: dir },
    async () => {
      mkdirSync(dir, { recursive: true });
      await exec(['mount', '-t', 'hugetlbfs', '-o', 'pagesize=2M', 'nodev', dir]);
    },
    () => unmountHugetlbfs(dir),
  );
}

/** Unmounts a hugetlbfs we mounted and removes its (empty) mount point; tolerates either gone. */
export async function unmountHugetlbfs(dir: string): Promise<void> {
  if (hugetlbfsMountAt(dir)) await exec(['umount', dir]);
  try {
    rmdirSync(dir);
  } catch {
    /* already gone */
  }
}

/** Whether a hugetlbfs is mounted at `dir` (as /proc/mounts spells it: no symlinks). */
export function hugetlbfsMountAt(dir: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[1] === dir && l.split(' ')[2] === 'hugetlbfs');
  } catch {
    return false;
  }
}

/** Removes DPDK page files named `prefix…` (what a killed DPDK process leaves in hugetlbfs). */
export function removeHugepageFiles(mount: string, prefix: string): void {
  if (!prefix.startsWith('nfp')) throw new TypeError(`refusing to remove hugepage files not named nfp…: ${prefix}`);
  let files: string[];
  try {
    files = readdirSync(mount);
  } catch {
    return;
  }
  for (const f of files.filter((x) => x.startsWith(prefix))) rmSync(join(mount, f), { force: true, recursive: true });
}
