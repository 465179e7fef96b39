// sriov: the NIC's embedded switch, each container given a virtual function. Probe only: it
// needs an SR-IOV capable NIC, which virtual machines rarely have.
import { sriovInterfaces, type Missing } from '../testbed/probes.js';
import { probeOnlyDriver, unavailable } from './unavailable.js';

export const sriov = probeOnlyDriver({
  name: 'sriov',
  description: 'SR-IOV: the NIC switches between virtual functions moved into the containers (probe only)',
  busyThreads: 0,
  backends: ['udp', 'udp-mmsg'],
  async probe() {
    const nics = sriovInterfaces();
    const missing: Missing[] = [];
    if (nics.length === 0) {
      missing.push({
        reason: 'no SR-IOV capable NIC (no /sys/class/net/*/device/sriov_totalvfs)',
        fix: 'give this machine an SR-IOV capable NIC (e.g. Intel 82599/X710/E810, NVIDIA ConnectX) with SR-IOV enabled in firmware/BIOS, then echo 4 > /sys/class/net/<pf>/device/sriov_numvfs',
      });
    }
    const version = nics.length > 0 ? nics.map((n) => `${n.ifname}: ${n.totalVfs} VFs`).join(', ') : undefined;
    return unavailable(missing, version);
  },
});
