// memif: no switch at all. Each application pair shares one memif link (DPDK's net_memif PMD:
// rings in shared memory, handed over a unix socket), the reference for the cheapest
// container-to-container path. The receiver is the memif server (it starts first and creates
// the socket), the sender the client (the app waits for its server's socket to appear).
// Unlike virtio_user, net_memif needs EAL's shared files (it registers a multi-process action
// at probe, refused under --in-memory), so with hugepages EAL needs a hugetlbfs mount: the run
// mounts its own unless the host has one (native/src/backends/opt/dpdk.c, needs_ipc).
import { join } from 'node:path';
import { ensureHugetlbfs, reserveHugepages } from '../testbed/hugepages.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { DPDK_APP_MEM_MB, dpdkMissing, needHugepagesWritable } from './dpdk-port.js';
import { needAppBackend, probeFrom, type Probe } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

export const memif: SwitchDriver<'memif'> = {
  name: 'memif',
  description: 'a direct memif link per application pair (DPDK net_memif, shared memory, no switch)',
  busyThreads: 0,
  backends: ['dpdk'],
  appsLinkedDirectly: true,

  async probe(): Promise<Probe> {
    const { missing, version } = await dpdkMissing();
    return probeFrom([...missing, ...needHugepagesWritable(), ...(await needAppBackend('dpdk'))], version);
  },

  async start({ names, resources }) {
    await ensureRunDir(resources, runPath(names.fileToken));
    const socketDir = await ensureRunDir(resources, runPath(names.fileToken, 'memif'));
    // Every app's file prefix starts nfp<token> (appFilePrefix), so its page files go with the run.
    await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.token}`);
    return {
      async attachPair(sender, receiver) {
        // Nothing runs until the apps do: the link exists once both have opened their port, and
        // an app's start line appears only when its link is up (that is the read-back).
        await reserveHugepages(resources, 2 * DPDK_APP_MEM_MB);
        const socketPath = join(socketDir, `p${sender.pair}.sock`);
        return [
          { kind: 'memif', socketPath, role: 'client', id: 0 },
          { kind: 'memif', socketPath, role: 'server', id: 0 },
        ];
      },
      cpuThreads: () => [],
      async stop() {
        /* the socket directory, mount and hugepages are undone by `resources`, newest first */
      },
    };
  },
};
