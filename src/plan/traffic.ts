// What varies from frame to frame of a throughput case: its frame sizes (a `packetSizes` entry may
// be a mix) and its flows (the `flows` axis). The plan's shapes, the app's arguments for them and
// the numbers a report derives (mean frame size) live here; the sender's pattern is
// native/include/traffic.h.
import { z } from 'zod';

/** One size of a mix: a whole frame without FCS, as every size in a plan, and its integer weight. */
export interface MixEntry {
  size: number;
  weight: number;
}

/** A frame-size mix: `label` names it in case ids and reports (`imix`, or `mix-<name>` for a plan's own). */
export interface SizeMix {
  label: string;
  frames: MixEntry[];
}

/**
 * The named mixes. `imix` is the simple IMIX, 7:4:1 of 64, 570 and 1518-byte frames as IMIX is
 * quoted (with the 4-byte FCS); sizes here are without FCS (as every plan size, 64 = 22 bytes of
 * UDP payload), so 60, 566 and 1514 B: the largest fits a 1500-byte MTU. The sender cycles the 12
 * frames 60 566 60 60 566 60 1514 60 566 60 566 60 (traffic.h); the mean frame is 349.8 B.
 */
export const NAMED_MIXES = {
  imix: [
    { size: 60, weight: 7 },
    { size: 566, weight: 4 },
    { size: 1514, weight: 1 },
  ],
} as const satisfies Record<string, readonly MixEntry[]>;

export const MIX_NAMES = Object.keys(NAMED_MIXES) as [keyof typeof NAMED_MIXES];

/** The pattern the sender builds holds at most this many frames (the weights' sum, less their gcd). */
export const MIX_WEIGHT_MAX = 65_536;
/** At most this many sizes in one mix (native NFP_MIX_SIZES_MAX). */
export const MIX_SIZES_MAX = 16;
/** The `flows` axis: 5-tuples one sender cycles through (native NFP_FLOWS_MAX). */
export const FLOWS_MAX = 1_000_000;
/** The `queues` axis: receive and transmit queues per port (native NFP_QUEUES_MAX). */
export const QUEUES_MAX = 8;
/** Source ports per source address (1024..65535, native NFP_FLOW_PORTS): beyond, addresses vary too. */
export const FLOW_PORTS = 64_512;

const intIn = (min: number, max: number, unit: string) =>
  z
    .number()
    .int(`expected an integer number of ${unit}`)
    .min(min, `expected at least ${min} ${unit}`)
    .max(max, `expected at most ${max} ${unit}`);

export const frameSize = intIn(60, 9000, 'bytes');

const namedMix = z.enum(MIX_NAMES).transform((name): SizeMix => ({ label: name, frames: [...NAMED_MIXES[name]] }));

const customMix = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'expected 1-32 letters, digits, dots, dashes or underscores')
      .optional()
      .describe('Names the mix in case ids (as mix-<name>); default: its sizes and weights, e.g. 64x7-1518x1.'),
    mix: z
      .array(
        z.strictObject({
          size: frameSize.describe('Whole Ethernet frame in bytes, without FCS.'),
          weight: z
            .number()
            .int('expected an integer weight')
            .min(0, 'expected a weight of at least 0')
            .max(MIX_WEIGHT_MAX, `expected a weight of at most ${MIX_WEIGHT_MAX}`),
        }),
      )
      .min(1, 'expected at least one size')
      .max(MIX_SIZES_MAX, `expected at most ${MIX_SIZES_MAX} sizes`),
  })
  .superRefine((m, ctx) => {
    // Weights already refused one by one are not summed again.
    if (m.mix.length === 0 || m.mix.some((e) => !Number.isInteger(e.weight) || e.weight < 0)) return;
    const sum = m.mix.reduce((s, e) => s + e.weight, 0);
    if (sum < 1 || sum > MIX_WEIGHT_MAX)
      ctx.addIssue({
        code: 'custom',
        path: ['mix'],
        message: `expected weights that sum to a positive number (at most ${MIX_WEIGHT_MAX}), got ${sum}`,
      });
  })
  .transform(
    (m): SizeMix => ({
      label: `mix-${m.name ?? m.mix.map((e) => `${e.size}x${e.weight}`).join('-')}`,
      frames: m.mix.map((e) => ({ size: e.size, weight: e.weight })),
    }),
  );

/** One `packetSizes` entry: a frame size, a named mix, or `{mix: [{size, weight}, ...], name?}`. */
export const packetSizeEntry = z.union([frameSize, namedMix, customMix]);

export type PacketSizeEntry = number | SizeMix;

/** What a size entry is called in case ids, messages and duplicate checks: 64 → 64, a mix → its label. */
export function sizeKey(entry: PacketSizeEntry): number | string {
  return typeof entry === 'number' ? entry : entry.label;
}

/** The weighted mean frame size of a mix, bytes (what Gbps per Mpps means for it). */
export function meanFrameBytes(mix: SizeMix): number {
  const total = mix.frames.reduce((s, e) => s + e.weight, 0);
  return mix.frames.reduce((s, e) => s + e.size * e.weight, 0) / total;
}

/** The largest frame a mix sends (weight above 0): the room and MTU it needs. */
export function largestFrameBytes(mix: SizeMix): number {
  return Math.max(...mix.frames.filter((e) => e.weight > 0).map((e) => e.size));
}

/** The sender's `--size-mix` value: SIZE:WEIGHT,... */
export function sizeMixArg(mix: SizeMix): string {
  return mix.frames.map((e) => `${e.size}:${e.weight}`).join(',');
}
