// Joining a host's switch to its physical link, so that containers on two hosts share one L2
// segment. One joiner per switch that can span hosts; a switch without one is local-only and a
// remote plan naming it is refused (src/plan/check.ts).
import { exec } from '../common/exec.js';
import type { SwitchName } from '../plan/schema.js';
import { readLink } from '../switches/readback.js';
import { pollUntil } from '../switches/readback.js';
import type { RunNames } from '../testbed/names.js';
import type { Resources } from '../testbed/resources.js';

export interface UplinkContext {
  names: RunNames;
  resources: Resources;
  uplink: string;
}

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
    const wasUp = /\bUP\b/.test(JSON.stringify((before as { flags?: string[] }).flags ?? []));
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
  // ovs / ovs-afxdp: add the uplink as a port of the case's OVS bridge (`ovs-vsctl add-port`, type
  // afxdp for the netdev datapath) here; the plan check then accepts them for remote plans.
};

/** Switches whose driver can be joined to an uplink, i.e. that can run a remote plan. */
export const REMOTE_SWITCHES: readonly SwitchName[] = Object.keys(JOINERS) as SwitchName[];

export function uplinkJoiner(name: SwitchName): UplinkJoiner | undefined {
  return JOINERS[name];
}
