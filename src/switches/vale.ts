// vale: netmap's VALE software switch. Probe only: netmap is an out-of-tree kernel module.
import { existsSync } from 'node:fs';
import { kernelLoadsModules, type Missing } from '../testbed/probes.js';
import { probeOnlyDriver, unavailable } from './unavailable.js';

export const vale = probeOnlyDriver({
  name: 'vale',
  description: "netmap's VALE switch, containers on VALE ports (probe only)",
  busyThreads: 0,
  backends: [],
  async probe() {
    const missing: Missing[] = [];
    if (!existsSync('/dev/netmap')) {
      const build = 'build netmap from its source (the luigirizzo/netmap project: ./configure --no-drivers && make) and insmod netmap.ko';
      missing.push(kernelLoadsModules()
        ? { reason: 'the netmap kernel module is not loaded (/dev/netmap is missing)', fix: build }
        : {
          reason: 'the netmap kernel module is not loaded (/dev/netmap is missing) and this kernel cannot load modules (/proc/modules is absent)',
          fix: `boot a kernel built with CONFIG_MODULES=y and its headers, then ${build}`,
        });
    }
    missing.push({
      reason: 'nfvperf-app has no netmap backend',
      fix: 'add native/src/backends/opt/netmap.c (listed in native/src/registry.c) and a netmap entry in BACKENDS (src/apps/backends.ts)',
    });
    return unavailable(missing);
  },
});
