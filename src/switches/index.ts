// The switch drivers, listed explicitly (no directory scan).
import type { SwitchName } from '../plan/schema.js';
import { linuxBridge } from './linux-bridge.js';
import type { SwitchDriver } from './types.js';

export const SWITCH_DRIVERS: readonly SwitchDriver[] = [linuxBridge];

export function driverFor(name: SwitchName): SwitchDriver | undefined {
  return SWITCH_DRIVERS.find((d) => d.name === name);
}
