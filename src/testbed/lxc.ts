// LXC containers (the paper's runtime): a busybox container per application, in a private
// lxcpath (/run/nfvperf/lxc, never the user's), named like the namespace it gets. The container
// has no network of its own (`lxc.net.0.type = empty`): its network namespace is given the usual
// `nfp-<token>-<side><pair>` name (`ip netns attach`), so every switch driver attaches it exactly
// as it attaches a plain namespace. The app runs inside with `lxc-attach` (the container's
// namespaces and cgroups, so the container's cpuset binds it), from the host's own binary,
// bind-mounted read-only, with /run/nfvperf (vhost-user and memif sockets, run hugetlbfs) and the
// host's hugetlbfs mounted in.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appBinary } from '../apps/app.js';
import { TestbedError } from '../common/errors.js';
import { exec } from '../common/exec.js';
import { hugetlbfsMount } from './hugepages.js';
import { RUN_DIR } from './names.js';
import { deleteNetns, type Resources } from './resources.js';

/** Our private lxcpath: every container in it is nfvperf's (one ledgered run's, found by its token). */
export const LXC_DIR = `${RUN_DIR}/lxc`;
const LXC_NAME = /^nfp-[0-9a-f]{4}-[a-z0-9-]{1,24}$/;
const START_TIMEOUT_S = 10;

/** `-P LXC_DIR -n name`: every lxc-* call names our lxcpath. */
function at(name: string): string[] {
  return ['-P', LXC_DIR, '-n', name];
}

export interface LxcOptions {
  /** The CPU the container's app is pinned to: the container's cpuset is exactly this CPU. */
  cpu: number;
}

/**
 * The container's configuration from the one `lxc-create -t busybox` wrote: its network and
 * AppArmor lines replaced (no network of its own; unconfined, as the host may have no AppArmor),
 * our cpuset and mounts added. Pure, so it is tested without a container.
 */
export function lxcConfig(
  templateConfig: string,
  o: { cpu: number; cgroupV1: boolean; binDir: string; hugetlbfs?: string },
): string {
  const kept = templateConfig.split('\n').filter((l) => !/^\s*lxc\.(net\.|apparmor\.)/.test(l));
  const bind = (path: string, opts: string) => {
    if (/\s/.test(path))
      throw new TestbedError(`cannot mount ${JSON.stringify(path)} into an LXC container: the path has white space`);
    return `lxc.mount.entry = ${path} ${path.slice(1)} none ${opts},create=dir 0 0`;
  };
  const mounts = [bind(RUN_DIR, 'rbind'), bind(o.binDir, 'ro,bind')];
  // A hugetlbfs under /run/nfvperf already comes with the rbind above.
  if (o.hugetlbfs && !o.hugetlbfs.startsWith(`${RUN_DIR}/`)) mounts.push(bind(o.hugetlbfs, 'bind'));
  return [
    ...kept,
    '# nfvperf: the switch drivers give the container its interface (see src/testbed/lxc.ts)',
    'lxc.net.0.type = empty',
    'lxc.apparmor.profile = unconfined',
    `lxc.${o.cgroupV1 ? 'cgroup' : 'cgroup2'}.cpuset.cpus = ${o.cpu}`,
    ...mounts,
    '',
  ].join('\n');
}

/**
 * The template's rcS starts syslogd (a process on the measured CPU) and udhcpc (which would
 * replace the static address the switch driver gives eth0): the container's init only mounts.
 */
const RC_S = '#!/bin/sh\n/bin/mount -a\n';

/**
 * The run's base container: `lxc-create -t busybox` once per run (~0.7 s here), never started;
 * each app's container is a copy of its rootfs (~30 ms). Returns its name.
 */
export async function createLxcBase(resources: Resources, token: string): Promise<string> {
  const name = `nfp-${token}-base`;
  if (!LXC_NAME.test(name)) throw new TypeError(`bad run token ${token}`);
  mkdirSync(LXC_DIR, { recursive: true, mode: 0o755 });
  await resources.create(
    { kind: 'lxc', name },
    async () => {
      await exec(['lxc-create', ...at(name), '-t', 'busybox']);
      writeFileSync(join(LXC_DIR, name, 'rootfs', 'etc', 'init.d', 'rcS'), RC_S, { mode: 0o755 });
    },
    () => destroyLxc(name),
  );
  return name;
}

/**
 * Creates container `name` as a copy of `base`, starts it, and names its network namespace
 * `netns`; returns init's PID.
 */
export async function createLxc(
  resources: Resources,
  base: string,
  name: string,
  netns: string,
  o: LxcOptions,
): Promise<number> {
  if (!LXC_NAME.test(name)) throw new TypeError(`bad LXC container name ${name}`);
  const dir = join(LXC_DIR, name);
  let initPid = 0;
  await resources.create(
    { kind: 'lxc', name },
    async () => {
      mkdirSync(dir, { mode: 0o750 });
      await exec(['cp', '-a', join(LXC_DIR, base, 'rootfs'), join(dir, 'rootfs')]);
      const baseConfig = readFileSync(join(LXC_DIR, base, 'config'), 'utf8')
        .replaceAll(join(LXC_DIR, base, 'rootfs'), join(dir, 'rootfs'))
        .replace(/^lxc\.uts\.name = .*$/m, `lxc.uts.name = ${name}`);
      const cgroupV1 = existsSync('/sys/fs/cgroup/cpuset/cpuset.cpus');
      writeFileSync(
        join(dir, 'config'),
        lxcConfig(baseConfig, { cpu: o.cpu, cgroupV1, binDir: dirname(appBinary()), hugetlbfs: hugetlbfsMount() }),
      );
      await exec(['lxc-start', ...at(name), '-d', '-l', 'ERROR', '-o', join(dir, 'start.log')]);
      await exec(['lxc-wait', ...at(name), '-s', 'RUNNING', '-t', String(START_TIMEOUT_S)]);
      initPid = await lxcInitPid(name);
    },
    () => destroyLxc(name),
  );
  await resources.create(
    { kind: 'netns', name: netns },
    () => exec(['ip', 'netns', 'attach', netns, String(initPid)]),
    () => deleteNetns(netns),
  );
  return initPid;
}

/** The host PID of the container's init (`lxc-info -p`). */
export async function lxcInitPid(name: string): Promise<number> {
  const r = await exec(['lxc-info', ...at(name), '-p', '-H']);
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new TestbedError(`lxc-info gave no PID for running container ${name}: ${r.stdout.trim()}`);
  return pid;
}

/** Stops (kills: nothing in it needs a clean shutdown) and destroys a container; tolerates it gone. */
export async function destroyLxc(name: string): Promise<void> {
  if (!LXC_NAME.test(name)) throw new TypeError(`refusing to destroy ${name}: not an nfvperf container`);
  const dir = join(LXC_DIR, name);
  if (!existsSync(dir)) return;
  // A run killed while it copied the rootfs leaves a directory LXC does not know (no config yet,
  // so it never started): only the files are left to remove.
  if (!existsSync(join(dir, 'config'))) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  await exec(['lxc-destroy', ...at(name), '-f']);
}

/** The containers in our lxcpath (nfp-named directories). */
export function listLxc(): string[] {
  try {
    return readdirNames(LXC_DIR).filter((n) => LXC_NAME.test(n));
  } catch {
    return [];
  }
}

function readdirNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

/** argv prefix that runs a program inside the container, in its namespaces and cgroups. */
export function lxcExec(name: string): string[] {
  return ['lxc-attach', ...at(name), '--'];
}
