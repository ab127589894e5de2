/**
 * Probe: how often this machine stops a running thread, with nothing else to do. A busy loop reads the
 * clock for `seconds` and counts the gaps between reads; a gap of milliseconds is the OS or the
 * hypervisor taking the core away (on a VM, compare the host steal printed beside it). A deadline miss
 * of the deploy loop that coincides with no GC is one of these.
 *
 *   npx tsx bench/probes/vm-stalls.ts [seconds=20]
 */
import { cpuTicks, stealPercent } from '../lib/machine.js';

const seconds = Number(process.argv[2] ?? 20);
const before = cpuTicks();
const end = performance.now() + seconds * 1000;
const gaps: number[] = [];
let last = performance.now();
for (;;) {
  const t = performance.now();
  if (t - last > 0.5) gaps.push(t - last);
  last = t;
  if (t > end) break;
}
const over = (ms: number): number => gaps.filter((g) => g > ms).length;
console.log(
  `busy loop ${seconds} s: gaps > 0.5 ms ${gaps.length}, > 1 ms ${over(1)}, > 2 ms ${over(2)}, ` +
    `max ${Math.max(0, ...gaps).toFixed(2)} ms; host steal during it ${stealPercent(before, cpuTicks()) ?? 'n/a'}%`,
);
