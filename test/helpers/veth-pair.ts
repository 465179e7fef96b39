// Two namespace containers joined by one veth cable, built with the testbed's own code, for tests
// of the native app alone. `close()` tears them down and fails the test if anything leaked.
import { after, before } from 'node:test';
import { backendInfo } from '../../src/apps/backends.js';
import { exec } from '../../src/common/exec.js';
import { Ledger } from '../../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../../src/testbed/names.js';
import {
  addNeighbor,
  configureInterface,
  createContainer,
  vethQueueArgs,
  type Container,
} from '../../src/testbed/netns.js';
import { deleteLink, Resources } from '../../src/testbed/resources.js';
import { assertNoLeaks, hostState } from './host.js';

export interface VethPair {
  sender: Container;
  receiver: Container;
  /** The run's names and resources, for tests that add their own (a run directory, hugepages). */
  names: RunNames;
  resources: Resources;
  close(): Promise<void>;
}

/** `queues`: receive and transmit queues of each end (numrxqueues/numtxqueues), default 1. */
export interface VethPairOptions {
  queues?: number;
}

export async function vethPair(options: VethPairOptions = {}): Promise<VethPair> {
  const queues = options.queues ?? 1;
  const state = hostState();
  const names = runNames(newRunToken());
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const sender = await createContainer(resources, names, 's', 0);
  const receiver = await createContainer(resources, names, 'r', 0);
  const link = names.hostLink('s', 0);
  await resources.create(
    { kind: 'link', name: link },
    () =>
      exec([
        'ip',
        'link',
        'add',
        link,
        'netns',
        sender.netns,
        'address',
        sender.mac,
        ...vethQueueArgs(queues),
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        receiver.netns,
        'address',
        receiver.mac,
        ...vethQueueArgs(queues),
      ]),
    () => deleteLink(link, sender.netns),
  );
  await configureInterface(sender, link);
  await configureInterface(receiver, 'eth0');
  await addNeighbor(sender, receiver);
  await addNeighbor(receiver, sender);
  return {
    sender,
    receiver,
    names,
    resources,
    async close() {
      await resources.releaseAll();
      ledger.close();
      assertNoLeaks(state);
    },
  };
}

/**
 * One pair for a whole test file: built before its first test, closed (and leak-checked) after its
 * last. Read its fields inside tests only — they are filled in by the `before` hook.
 */
export function vethPairForFile(options: VethPairOptions = {}): VethPair {
  const pair = {} as VethPair;
  before(async () => {
    Object.assign(pair, await vethPair(options));
  });
  after(() => pair.close());
  return pair;
}

/** The options a backend on a kernel interface that builds its own frames (raw, raw-mmsg, af-xdp)
 * needs on one end: its interface, and for an end that sends, the peer's MAC. None for the others. */
export function l2Args(backend: string, self: Container, peer?: Container): string[] {
  if (!backendInfo(backend).needsInterface) return [];
  return ['--ifname', self.ifname!, ...(peer ? ['--remote-mac', peer.mac] : [])];
}
