/** A made-up machine for bench report tests (so rendered tables never depend on the host). */
import type { MachineInfo } from '../../bench/lib/machine.js';

export const TEST_MACHINE: MachineInfo = {
  cpuModel: 'Test CPU',
  cores: 2,
  memoryGiB: 24,
  node: 'v20.0.0',
  platform: 'linux',
  arch: 'x64',
  backend: 'made-up backend',
  loadAverage: { start: [0.5, 0.4, 0.3], end: [1.5, 0.6, 0.4] },
};
