// The container runtimes a plan chooses between (`containers: netns | lxc`), behind one interface:
// each makes the container of one application and names its network namespace the same way, so
// the switch drivers and the address/neighbour code work on `Container` whatever made it.
import { iproute2Probe, versionLine, which, type Probe } from './probes.js';
import { createLxc, createLxcBase, lxcExec } from './lxc.js';
import type { AppSide, RunNames } from './names.js';
import { containerIn, createContainer, type Container } from './netns.js';
import type { Resources } from './resources.js';

export const CONTAINER_RUNTIME_NAMES = ['netns', 'lxc'] as const;
export type ContainerRuntimeName = (typeof CONTAINER_RUNTIME_NAMES)[number];

export interface ContainerRuntime {
  name: ContainerRuntimeName;
  /** One line for `nfvperf doctor`. */
  description: string;
  probe(): Promise<Probe>;
  /**
   * Once per run, before its first case: what all its containers share (LXC: the base container).
   * `resources` are the run's, undone when the run ends.
   */
  prepare(resources: Resources, names: RunNames): Promise<Containers>;
}

/** A runtime prepared for one run: makes the containers of its cases. */
export interface Containers {
  runtime: ContainerRuntimeName;
  /** Makes the container of (side, pair), its app to run on `cpu`; teardown goes to the case's `resources`. */
  create(resources: Resources, side: AppSide, pair: number, o: { cpu: number }): Promise<Container>;
}

export const netnsRuntime: ContainerRuntime = {
  name: 'netns',
  description: 'network namespaces (ip netns)',
  probe: () => iproute2Probe(),
  // A namespace has no cgroup: the app pins itself to its CPU (--cpu).
  async prepare(_, names) {
    return netnsContainers(names);
  },
};

/** Plain namespaces need nothing prepared (the agent's hosts use them directly). */
export function netnsContainers(names: RunNames): Containers {
  return { runtime: 'netns', create: (resources, side, pair) => createContainer(resources, names, side, pair) };
}

export const lxcRuntime: ContainerRuntime = {
  name: 'lxc',
  description: 'LXC busybox containers (lxc-create -t busybox), one per app, cpuset = its CPU',
  async probe() {
    const missing = [
      ['lxc-create', 'lxc'],
      ['lxc-attach', 'lxc'],
      ['busybox', 'busybox-static'],
    ].filter(([p]) => !which(p!));
    if (missing.length > 0) {
      return {
        available: false,
        reason: `${missing.map(([p]) => `\`${p}\``).join(', ')} not installed`,
        fix: `apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`,
      };
    }
    const ip = await iproute2Probe();
    if (!ip.available) return ip;
    return { available: true, version: await versionLine(['lxc-create', '--version']) };
  },
  async prepare(runResources, names) {
    const base = await createLxcBase(runResources, names.token);
    return {
      runtime: 'lxc',
      async create(resources, side, pair, { cpu }) {
        const name = names.netns(side, pair);
        await createLxc(resources, base, name, name, { cpu });
        return { ...(await containerIn(names, side, pair)), exec: lxcExec(name) };
      },
    };
  },
};

export const CONTAINER_RUNTIMES: readonly ContainerRuntime[] = [netnsRuntime, lxcRuntime];

export function runtimeFor(name: ContainerRuntimeName): ContainerRuntime {
  return CONTAINER_RUNTIMES.find((r) => r.name === name)!;
}
