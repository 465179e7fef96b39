// The switch drivers, listed explicitly (no directory scan).
import type { SwitchName } from '../plan/schema.js';
import { basicfwd } from './basicfwd.js';
import { linuxBridge } from './linux-bridge.js';
import { macvlan } from './macvlan.js';
import { memif } from './memif.js';
import { ovsAfxdp } from './ovs-afxdp.js';
import { ovs } from './ovs.js';
import { snabb } from './snabb.js';
import { sriov } from './sriov.js';
import { tcRedirect } from './tc-redirect.js';
import type { SwitchDriver } from './types.js';
import { vale } from './vale.js';
import { veth } from './veth.js';
import { vpp } from './vpp.js';
import { vppMemif } from './vpp-memif.js';

/** Kernel data paths that run here first, then the switches that only probe (unavailable here). */
export const SWITCH_DRIVERS: readonly SwitchDriver[] = [
  linuxBridge, veth, macvlan, tcRedirect,
  ovs, ovsAfxdp, basicfwd, memif, vpp, vppMemif, snabb, sriov, vale,
];

export function driverFor(name: SwitchName): SwitchDriver | undefined {
  return SWITCH_DRIVERS.find((d) => d.name === name);
}

/** Switches whose driver can join a host's uplink, i.e. that can run a remote plan. */
export const REMOTE_SWITCHES: readonly SwitchName[] = SWITCH_DRIVERS.filter((d) => d.joinUplink).map((d) => d.name);
