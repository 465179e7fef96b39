// The paper's findings (/work/shared/paper.md, §4), one entry per claim, with the section it
// comes from and the check that compares it with a run's figure data (paper-compare.ts). The
// numbers are the paper's own; orderings are written as tiers, best first: a switch in an earlier
// tier must do at least as well as one in a later tier. '*' is every paper switch not named.

/** The switches the paper measured (Table 1, V). A run's other switches are not compared. */
export const PAPER_SWITCHES = ['linux-bridge', 'basicfwd', 'ovs', 'snabb', 'sriov', 'vpp', 'vale'] as const;

export type FactCheck =
  /** Per backend, the paper's value of `field`; compared by ordering (hardware differs), numbers shown beside. */
  | { kind: 'values'; field: string; unit: string; by: 'backend'; values: Record<string, number> }
  /** Switches ranked in tiers by `field` at the smallest `at` of the figure. */
  | {
      kind: 'tiers';
      field: string;
      higherIsBetter: boolean;
      at?: string;
      tiers: string[][];
      unit: string;
      paperValues?: Record<string, number>;
    }
  /** Every series: `y` moves in `direction` as `x` grows. */
  | { kind: 'trend'; x: string; y: string; direction: 'up' | 'down' }
  /** Every series delivers what was asked for at its lowest rate and never falls as the rate rises. */
  | { kind: 'plateau' }
  /** From the fewest to the most pairs: `scales` grow by ≥ half the pair ratio, the other paper switches by less. */
  | { kind: 'scaling'; scales: string[] }
  /** Per number of pairs, `lighter` use at least `fewer` CPU less than every other paper switch. */
  | { kind: 'cpu'; lighter: string[]; fewer: number }
  /** The paper states it in words only; nothing here can check it. */
  | { kind: 'qualitative' };

export interface PaperFact {
  /** Figure ids of the report this fact is about. */
  figures: string[];
  section: string;
  /** The paper's finding in one line. */
  claim: string;
  check: FactCheck;
}

export const PAPER_FACTS: PaperFact[] = [
  {
    figures: ['table2'],
    section: '§4.2, Table 2',
    claim:
      'linux-bridge, 1vs1, 64 B: UDP send/recv 338, UDP sendmmsg 409, raw send/recv 360, raw sendmmsg 440 kpps — raw sockets with batching peak at 0.440 Mpps',
    check: {
      kind: 'values',
      field: 'maxRxKpps',
      unit: 'kpps',
      by: 'backend',
      values: { udp: 338, 'udp-mmsg': 409, raw: 360, 'raw-mmsg': 440 },
    },
  },
  {
    figures: ['fig4a'],
    section: '§4.3, Fig. 4a',
    claim: 'each path delivers the requested rate until it reaches a plateau of its own',
    check: { kind: 'plateau' },
  },
  {
    figures: ['fig4b'],
    section: '§4.3, Fig. 4b',
    claim: 'maximum Mpps falls as packets grow (64 → 1500 B)',
    check: { kind: 'trend', x: 'packetSizeBytes', y: 'maxRxMpps', direction: 'down' },
  },
  {
    figures: ['fig4b'],
    section: '§4.2–4.3, Figs. 4b–c',
    claim:
      'at 64 B: SR-IOV fastest, then basicfwd and VPP, then VALE, OVS and Snabb; kernel sockets on linux-bridge far below (≤ 0.44 vs > 2 Mpps)',
    check: {
      kind: 'tiers',
      field: 'maxRxMpps',
      higherIsBetter: true,
      at: 'packetSizeBytes',
      unit: 'Mpps',
      tiers: [['sriov'], ['basicfwd', 'vpp'], ['vale', 'ovs', 'snabb'], ['linux-bridge']],
    },
  },
  {
    figures: ['fig4c'],
    section: '§4.3, Fig. 4c',
    claim: 'maximum Gbps grows with the packet size (best at 1500 B)',
    check: { kind: 'trend', x: 'packetSizeBytes', y: 'maxRxGbps', direction: 'up' },
  },
  {
    figures: ['fig4d'],
    section: '§4.3, Fig. 4d',
    claim:
      'remote: Gbps grows with the packet size up to the 10 GbE line rate; SR-IOV best for small packets, software switches for large',
    check: { kind: 'trend', x: 'packetSizeBytes', y: 'maxRxGbps', direction: 'up' },
  },
  {
    figures: ['fig4e'],
    section: '§4.4, Fig. 4e',
    claim: "at 64 B only VALE's total throughput grows (almost linearly) with pairs; the others stay flat",
    check: { kind: 'scaling', scales: ['vale'] },
  },
  {
    figures: ['fig4f'],
    section: '§4.4, Fig. 4f',
    claim:
      'at 1500 B VALE and SR-IOV grow almost linearly with pairs (per-packet drop at 4 senders: 0 % and 17.8 %); virtio-based switches stay flat',
    check: { kind: 'scaling', scales: ['vale', 'sriov'] },
  },
  {
    figures: ['fig4g', 'fig4h'],
    section: '§4.4, Figs. 4g–h',
    claim: 'remote, up to 8vs8: line rate limits from 256 B up; at 64 B the CPU limits, software switches most',
    check: { kind: 'qualitative' },
  },
  {
    figures: ['fig5a', 'fig5b', 'fig5c'],
    section: '§4.5, Figs. 5a–c',
    claim: 'Snabb is the slowest: its minimum average RTT is about 64 µs where the others average well under 40 µs',
    check: {
      kind: 'tiers',
      field: 'rttAvgUs',
      higherIsBetter: false,
      at: 'burstPackets',
      unit: 'µs',
      tiers: [['*'], ['snabb']],
      paperValues: { snabb: 64 },
    },
  },
  {
    figures: ['fig5a', 'fig5b', 'fig5c'],
    section: '§4.5, Figs. 5a–c',
    claim:
      'at small bursts SR-IOV is the only path without single-digit µs RTT (12.4 µs at best); VALE is the lightest',
    check: {
      kind: 'tiers',
      field: 'rttAvgUs',
      higherIsBetter: false,
      at: 'burstPackets',
      unit: 'µs',
      tiers: [['vale'], ['*'], ['sriov']],
      paperValues: { sriov: 12.4 },
    },
  },
  {
    figures: ['fig5d', 'fig5e', 'fig5f'],
    section: '§4.5, Figs. 5d–f',
    claim: 'remote: SR-IOV always beats OVS and VPP; VALE stays around 85 µs whatever the packet or burst size',
    check: {
      kind: 'tiers',
      field: 'rttAvgUs',
      higherIsBetter: false,
      at: 'burstPackets',
      unit: 'µs',
      tiers: [['sriov'], ['ovs', 'vpp']],
      paperValues: { vale: 85 },
    },
  },
  {
    figures: ['fig6'],
    section: '§4.6, Fig. 6',
    claim: 'SR-IOV and VALE need one CPU less than the polling software switches for the same pairs (local)',
    check: { kind: 'cpu', lighter: ['sriov', 'vale'], fewer: 1 },
  },
];
