import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseCpu, irqInTaskTimeOf } from '../../src/analysis/cpu.js';
import type { SteadyCpuSample, SteadySample } from '../../src/store/run-data.js';

const close = (a: number | null, b: number, what: string) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

/** Three steady seconds of one pair: sender 0.9 CPU, receiver 0.7 CPU, 100 kpps received. */
function apps(): SteadySample[] {
  return [0, 1, 2].flatMap((second): SteadySample[] => [
    {
      pair: 0,
      role: 'send',
      second,
      durationNs: 1e9,
      partial: false,
      txPackets: 120_000,
      rxPackets: null,
      cpuUserUs: 100_000,
      cpuSysUs: 800_000,
    },
    {
      pair: 0,
      role: 'recv',
      second,
      durationNs: 1e9,
      partial: false,
      txPackets: null,
      rxPackets: 100_000,
      cpuUserUs: 200_000,
      cpuSysUs: 500_000,
    },
  ]);
}

function component(
  component: string,
  kind: SteadyCpuSample['kind'],
  cpu: number | null,
  busyUs: number[],
): SteadyCpuSample[] {
  return busyUs.map((b, second) => ({ component, kind, cpu, second, durationNs: 1e9, busyUs: b }));
}

test('apps alone: total cores = app CPUs, cycles per packet = cores × TSC Hz ÷ received pps', () => {
  const cpu = caseCpu(apps(), 2e9);
  close(cpu.totalCpus, 1.6, 'app CPUs');
  close(cpu.totalCores, 1.6, 'total cores');
  assert.deepEqual(
    cpu.components.map((c) => c.name),
    ['recv 0', 'send 0'],
  );
  close(cpu.cyclesPerPacket, (1.6 * 2e9) / 100_000, 'cycles per packet');
  assert.equal(caseCpu(apps(), null).cyclesPerPacket, null, 'no TSC Hz, no cycles');
});

test('a polling switch thread adds its CPU; kernel time on an app CPU is not added twice when the kernel charges it to the task', () => {
  const components = [
    ...component('ovs-vswitchd pmd-c01/id:8', 'switch', null, [990_000, 1_000_000, 1_010_000]),
    ...component('softirq cpu0', 'softirq', 0, [300_000, 300_000, 300_000]),
    ...component('softirq cpu2', 'softirq', 2, [100_000, 100_000, 100_000]),
    ...component('irq cpu0', 'irq', 0, [0, 0, 0]),
  ];
  const charged = caseCpu(apps(), 2e9, components, { irqInTaskTime: true, busyCpus: [0, 1] });
  assert.deepEqual(
    charged.components.map((c) => [c.name, c.inTotal]),
    [
      ['recv 0', true],
      ['send 0', true],
      ['ovs-vswitchd pmd-c01/id:8', true],
      ['softirq cpu0', false],
      ['softirq cpu2', true],
      ['irq cpu0', false],
    ],
  );
  close(charged.components.find((c) => c.kind === 'switch')!.cpus, 1.0, 'PMD');
  close(charged.totalCores, 1.6 + 1.0 + 0.1, 'apps + PMD + softirq on a CPU no task of the case runs on');
  const apart = caseCpu(apps(), 2e9, components, { irqInTaskTime: false, busyCpus: [0, 1] });
  close(apart.totalCores, 1.6 + 1.0 + 0.3 + 0.1, 'with irq time accounted apart, all kernel time adds');
  close(apart.cyclesPerPacket, (3.0 * 2e9) / 100_000, 'cycles per packet over every counted component');
});

test('partial app intervals are left out; the environment decides the accounting', () => {
  const samples = apps();
  samples.push({
    pair: 0,
    role: 'send',
    second: 3,
    durationNs: 4e8,
    partial: true,
    txPackets: 1,
    rxPackets: null,
    cpuUserUs: 400_000,
    cpuSysUs: 0,
  });
  close(caseCpu(samples, null).totalCpus, 1.6, 'a partial second does not inflate the share');
  assert.equal(irqInTaskTimeOf({ irqTimeAccounting: 'yes' }), false);
  assert.equal(irqInTaskTimeOf({ irqTimeAccounting: 'no' }), true);
  assert.equal(irqInTaskTimeOf({}), true, 'unknown: assume the tick-based default');
});

test('a chain: the tester counts what came back, forwarders are apps, the switch cost is per hop', () => {
  // One tester (0.5 CPU, 100 kpps back) and one forwarder (0.4 CPU); a PMD at 1 CPU: two switch hops per packet.
  const samples = [0, 1, 2].flatMap((second): SteadySample[] => [
    {
      pair: 0,
      role: 'tester',
      second,
      durationNs: 1e9,
      partial: false,
      txPackets: 100_000,
      rxPackets: 100_000,
      cpuUserUs: 500_000,
      cpuSysUs: 0,
    },
    {
      pair: 0,
      role: 'forwarder',
      second,
      durationNs: 1e9,
      partial: false,
      txPackets: 100_000,
      rxPackets: 100_000,
      cpuUserUs: 400_000,
      cpuSysUs: 0,
    },
  ]);
  const pmd = component('ovs-vswitchd pmd-c01/id:8', 'switch', null, [1e6, 1e6, 1e6]);
  const cpu = caseCpu(samples, 2e9, pmd, { irqInTaskTime: true, busyCpus: [0, 1] }, 2);
  close(cpu.totalCores, 1.9, 'tester + forwarder + PMD');
  close(cpu.cyclesPerPacket, (1.9 * 2e9) / 100_000, 'cycles per packet received by the tester');
  close(cpu.switchCyclesPerHop ?? null, (1 * 2e9) / (100_000 * 2), 'the PMD per packet per hop');
  assert.equal(caseCpu(samples, 2e9, pmd).switchCyclesPerHop, undefined, 'pairs cases carry no per-hop figure');
});
