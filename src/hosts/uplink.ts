// Joining a host's switch to its physical link, so that containers on two hosts share one L2
// segment. One joiner per switch that can span hosts; a switch without one is local-only and a
// remote plan naming it is refused (src/plan/check.ts).
import { exec } from '../common/exec.js';
import type { SwitchName } from '../plan/schema.js';
import type { OvsInstance } from '../switches/ovs.js';
import { pollUntil, readLink } from '../switches/readback.js';
import { SWITCH_DRIVERS } from '../switches/index.js';
import type { UplinkContext } from '../switches/types.js';

export type { UplinkContext };

/** Joins the uplink; returns the undo step (run after the switch is torn down). */
type UplinkJoiner = (ctx: UplinkContext) => Promise<() => Promise<void>>;

const JOINERS: Partial<Record<SwitchName, UplinkJoiner>> = {
  // The uplink becomes a port of the case's bridge. It is not ours, so it is not in the ledger
  // (cleanup must never delete it): deleting the bridge releases it, and the undo step puts
  // back its link state.
  'linux-bridge': async ({ names, uplink }) => {
    const before = await readLink(uplink);
    if (!before) throw new Error(`the uplink ${uplink} does not exist on this host`);
    if (before.master) throw new Error(`the uplink ${uplink} is already a port of ${before.master}`);
    const wasUp = isUp(before);
    await exec(['ip', 'link', 'set', uplink, 'master', names.bridge, 'up']);
    await pollUntil(`${uplink} is a port of ${names.bridge}`, async () => {
      const l = await readLink(uplink);
      return l?.master === names.bridge ? true : `master ${l?.master ?? 'none'}`;
    });
    return async () => {
      const now = await readLink(uplink);
      if (now?.master) await exec(['ip', 'link', 'set', uplink, 'nomaster']);
      if (!wasUp) await exec(['ip', 'link', 'set', uplink, 'down']);
    };
  },
  ovs: joinOvs,
  'ovs-afxdp': joinOvs,
};

/**
 * Both OVS drivers run the netdev (userspace) datapath: the uplink becomes a `type=afxdp` port in
 * native XDP mode, polled by the PMD thread like the containers' veths of ovs-afxdp (a
 * `type=system` port would be polled by the main thread, ~60 kpps, and needs checksum offload
 * off). The XDP program and the port go with ovs-vswitchd; the undo step checks that they did
 * and puts back the link state found.
 */
async function joinOvs({ names, uplink, sw }: UplinkContext): Promise<() => Promise<void>> {
  const { ovs } = sw as OvsInstance;
  if (!ovs) throw new Error(`the switch of ${names.bridge} is not an OVS instance`);
  const before = await readLink(uplink);
  if (!before) throw new Error(`the uplink ${uplink} does not exist on this host`);
  if (before.master) throw new Error(`the uplink ${uplink} is already a port of ${before.master}`);
  if (before.xdp) throw new Error(`the uplink ${uplink} already has an XDP program attached (mode ${before.xdp.mode}): it is in use`);
  const wasUp = isUp(before);
  await exec(['ip', 'link', 'set', uplink, 'up']);
  await ovs.addPort(names.bridge, uplink, 'afxdp', { 'xdp-mode': 'native' });
  return async () => {
    const now = await readLink(uplink);
    // ovs-vswitchd is stopped before this runs, and detaches its program as it goes; one left
    // behind (the daemon was killed) is ours, since the uplink had none when we joined it.
    if (now?.xdp) await exec(['ip', 'link', 'set', 'dev', uplink, 'xdp', 'off']);
    if (!wasUp) await exec(['ip', 'link', 'set', uplink, 'down']);
  };
}

function isUp(link: { flags?: string[] }): boolean {
  return (link.flags ?? []).includes('UP');
}

// Drivers that join the uplink themselves (SwitchDriver.joinUplink: VPP's af_packet interface).
for (const d of SWITCH_DRIVERS) if (d.joinUplink) JOINERS[d.name] ??= (ctx) => d.joinUplink!(ctx);

/** Switches whose driver can be joined to an uplink, i.e. that can run a remote plan. */
export const REMOTE_SWITCHES: readonly SwitchName[] = Object.keys(JOINERS) as SwitchName[];

export function uplinkJoiner(name: SwitchName): UplinkJoiner | undefined {
  return JOINERS[name];
}
