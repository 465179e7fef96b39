// One search trial's figures from its apps' whole-trial summaries (the runner's `measure`, after
// the traffic stopped). Pure: the runner finds the counts, this decides what they mean.
import { InternalError } from '../common/errors.js';
import type { RefusalOwner, TrialResult } from './search.js';

/** One origin's (sender's or tester's) whole-trial counts. */
export interface OriginCounts {
  /** Frames its tx port accepted. */
  txPackets: number;
  /** Frames its send calls refused. */
  unsent: number;
  stalls: number;
  /** How long its schedule ran, in seconds (the trial's traffic time from the epoch). */
  sendingS: number;
  /** Whose its refused frames are: by its tx port's kind (switches/types.ts, REFUSED_FRAMES_COUNT_AS). */
  unsentCountsAs: RefusalOwner;
}

/**
 * A trial at `ratePps` per sender: intended = rate × each origin's sending time; offered = the
 * frames the ports accepted, plus the frames refused by a ring the switch empties (the path did
 * not take them at the offered rate: its loss, as RFC 2544 and CSIT count a DUT's); path loss =
 * 1 − received ÷ offered. Frames the pacer never offered, and frames refused by the sender's own
 * port, are the generator's shortfall (intended − offered), never the path's loss.
 */
export function trialResult(
  ratePps: number,
  pairs: number,
  origins: readonly OriginCounts[],
  received: number,
): TrialResult {
  if (origins.length === 0) throw new InternalError('a search trial with no sender');
  const owners = new Set(origins.map((o) => o.unsentCountsAs));
  if (owners.size > 1) throw new InternalError("a search trial's senders send on ports of different kinds");
  const unsentCountsAs = origins[0]!.unsentCountsAs;
  const sum = (of: (o: OriginCounts) => number) => origins.reduce((n, o) => n + of(o), 0);
  const sent = sum((o) => o.txPackets);
  const unsent = sum((o) => o.unsent);
  const offered = sent + (unsentCountsAs === 'path-loss' ? unsent : 0);
  const measuredS = Math.max(...origins.map((o) => o.sendingS));
  return {
    intendedPps: ratePps,
    offeredPps: offered / pairs / measuredS,
    receivedPps: received / pairs / measuredS,
    lossRatio: offered > 0 ? Math.max(0, 1 - received / offered) : 1,
    durationS: measuredS,
    packets: {
      intended: Math.round(sum((o) => ratePps * o.sendingS)),
      sent,
      received,
      unsent,
      stalls: sum((o) => o.stalls),
      unsentCountsAs,
    },
  };
}
