// The switch drivers, listed explicitly (no directory scan). The plan's switch names are theirs.
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
export const SWITCH_DRIVERS = [
  linuxBridge,
  veth,
  macvlan,
  tcRedirect,
  ovs,
  ovsAfxdp,
  basicfwd,
  memif,
  vpp,
  vppMemif,
  snabb,
  sriov,
  vale,
] as const satisfies readonly SwitchDriver<string>[];

export type SwitchName = (typeof SWITCH_DRIVERS)[number]['name'];
export const SWITCH_NAMES = SWITCH_DRIVERS.map((d) => d.name) as [SwitchName, ...SwitchName[]];

export function driverFor(name: SwitchName): SwitchDriver | undefined {
  return (SWITCH_DRIVERS as readonly SwitchDriver[]).find((d) => d.name === name);
}

/** Switches whose driver can join a host's uplink, i.e. that can run a remote plan. */
export const REMOTE_SWITCHES: readonly SwitchName[] = (SWITCH_DRIVERS as readonly SwitchDriver[])
  .filter((d) => d.joinUplink)
  .map((d) => d.name);
