// vale: netmap's VALE software switch. Per case one VALE switch, `vale<token>` (netmap wants VALE
// names to start with "vale"); each container joins it through a veth pair whose host end is
// attached with `vale-ctl -a`, and its app opens the container end in netmap mode (the netmap
// backend: `netmap:eth0`). Detached with `vale-ctl -d`; deleting the veth (the ledger's link, also
// what `nfvperf cleanup` removes) takes the port off the switch if that did not happen.
//
// NOT VERIFIED: netmap is an out-of-tree kernel module, and this project's machines cannot load
// modules; nfvperf-app's netmap backend (native/src/backends/opt/netmap.c) is built only where
// net/netmap_user.h is found. Tested here: the probe's reasons and fixes, the refusal of plans that
// name it (test/switches/vale.test.ts), and the backend's build against netmap's header
// (test/native/netmap.test.ts, skipped without one).
import { existsSync } from 'node:fs';
import { exec } from '../common/exec.js';
import { TestbedError } from '../common/errors.js';
import { configureInterface, CONTAINER_IFNAME, vethIntoContainer } from '../testbed/netns.js';
import { kernelLoadsModules, needAppBackend, probeFrom, which, type Missing } from '../testbed/probes.js';
import { pollUntil } from './readback.js';
import type { SwitchDriver } from './types.js';

export const VALE_NOT_VERIFIED = 'not verified: no machine with netmap has run it';
/** How to get netmap (its README has the details; it builds against the running kernel's headers). */
const NETMAP_BUILD =
  'build netmap (github.com/luigirizzo/netmap: LINUX/configure --no-drivers; make; make install), then insmod netmap.ko';

/** The prerequisites of VALE on this host, as `Missing` entries (none: it can run). */
export async function valeMissing(devNetmap = '/dev/netmap'): Promise<Missing[]> {
  const missing: Missing[] = [];
  if (!existsSync(devNetmap)) {
    missing.push(
      kernelLoadsModules()
        ? { reason: `the netmap kernel module is not loaded (${devNetmap} is missing)`, fix: NETMAP_BUILD }
        : {
            reason: `no netmap module (${devNetmap} is missing), and this kernel cannot load modules`,
            fix: `boot a kernel with CONFIG_MODULES=y, then ${NETMAP_BUILD}`,
          },
    );
  }
  if (!which('vale-ctl')) {
    const reason = 'no vale-ctl on PATH';
    // The same build installs it: one fix for both.
    if (missing.length > 0) missing[0] = { ...missing[0]!, reason: `${missing[0]!.reason}; ${reason}` };
    else missing.push({ reason, fix: NETMAP_BUILD });
  }
  missing.push(...(await needAppBackend('netmap')));
  return missing;
}

export const vale: SwitchDriver<'vale'> = {
  name: 'vale',
  description: `netmap's VALE switch, containers on veths attached with vale-ctl (${VALE_NOT_VERIFIED})`,
  busyThreads: 0,
  backends: ['netmap'],

  async probe() {
    return probeFrom(await valeMissing(), undefined);
  },

  async start({ names, resources }) {
    const missing = await valeMissing();
    if (missing.length > 0)
      throw new TestbedError(`switch vale cannot run here: ${missing.map((m) => m.reason).join('; ')}`);
    const bridge = `vale${names.token}`;
    return {
      async attach(container) {
        const hostEnd = await vethIntoContainer(resources, names, container);
        await exec(['ip', 'link', 'set', hostEnd, 'up']);
        const port = `${bridge}:${hostEnd}`;
        // Recorded under the veth's name: deleting the veth (what cleanup does) takes its port off the switch.
        await resources.create(
          { kind: 'link', name: hostEnd },
          () => exec(['vale-ctl', '-a', port]),
          async () => {
            await exec(['vale-ctl', '-d', port], { check: false });
          },
        );
        // Read back: vale-ctl with no argument lists every VALE port.
        await pollUntil(`${port} attached`, async () => {
          const r = await exec(['vale-ctl'], { check: false });
          return r.stdout.split('\n').some((l) => l.trim().endsWith(port))
            ? true
            : `vale-ctl lists: ${r.stdout.trim() || r.stderr.trim()}`;
        });
        await configureInterface(container, CONTAINER_IFNAME);
        return { kind: 'kernel', ifname: CONTAINER_IFNAME };
      },
      cpuThreads: () => [],
      async stop() {
        /* ports are detached and veths deleted by `resources`, newest first */
      },
    };
  },
};
