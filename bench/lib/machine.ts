/**
 * What a benchmark number depends on besides the code: CPU, cores, memory, Node, the compute backend, and
 * how busy the machine was (load average at start and end; other processes sharing the cores make
 * numbers noisy, so results carry it), and on a virtual machine how much CPU time the host took away
 * during the run (steal time, /proc/stat): a VM whose host is busy runs every column slower, unevenly.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** Machine description saved with every result. */
export interface MachineInfo {
  /** CPU model string as the OS reports it (e.g. "AMD EPYC"). */
  readonly cpuModel: string;
  /** Logical cores available to this process. */
  readonly cores: number;
  readonly memoryGiB: number;
  /** Node.js version, e.g. "v20.19.2". */
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** The compute backend(s) measured, as the bench describes them. */
  readonly backend: string;
  /** 1, 5 and 15-minute load averages when the run started and ended. */
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
  /**
   * Share of all CPU time during the run that the hypervisor gave to others (steal), in percent; null
   * where /proc/stat is not readable (not Linux). Absent in results saved before it was recorded.
   */
  readonly stealPercent?: number | null;
}

/** Cumulative CPU time counters of the whole machine, in clock ticks. */
export interface CpuTicks {
  readonly steal: number;
  readonly total: number;
}

/**
 * The aggregate "cpu" line of /proc/stat (user nice system idle iowait irq softirq steal guest
 * guest_nice; guest time is already counted in user, so it is left out of the total). Undefined when
 * the text has no such line.
 */
export function parseProcStatCpu(text: string): CpuTicks | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { steal: f[7]!, total };
}

/** This machine's CPU tick counters now; undefined off Linux. */
export function cpuTicks(): CpuTicks | undefined {
  try {
    return parseProcStatCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Steal between two samples, in percent of all CPU time; null without both samples or elapsed ticks. */
export function stealPercent(start: CpuTicks | undefined, end: CpuTicks | undefined): number | null {
  if (start === undefined || end === undefined || end.total <= start.total) return null;
  return Math.round(((end.steal - start.steal) / (end.total - start.total)) * 1000) / 10;
}

/** 1/5/15-minute load averages, rounded to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * Describes this machine; `loadAtStart` is the load average and `ticksAtStart` the CPU counters sampled
 * before the bench ran.
 */
export function machineInfo(backend: string, loadAtStart: number[], ticksAtStart?: CpuTicks): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    backend,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    stealPercent: stealPercent(ticksAtStart, cpuTicks()),
  };
}

/** Host steal (percent of CPU time) from which a run's timings are flagged as unreliable. */
export const NOISY_STEAL_PERCENT = 5;

/** Notes a result gets from its machine: a warning when the host took much of the CPU during the run. */
export function machineNotes(m: MachineInfo): string[] {
  return typeof m.stealPercent === 'number' && m.stealPercent >= NOISY_STEAL_PERCENT
    ? [
        `the hypervisor took ${m.stealPercent}% of this VM's CPU time during the run (steal, /proc/stat): timings, and ratios of timings taken seconds apart, are unreliable; rerun when the host is quieter.`,
      ]
    : [];
}

/** One line for the top of a table: "AMD EPYC, 2 cores, 23.5 GiB, Node v20.19.2, linux-x64". */
export function describeMachine(m: MachineInfo): string {
  const steal = typeof m.stealPercent === 'number' ? `, host steal ${m.stealPercent}% of CPU time` : '';
  const load = `load ${m.loadAverage.start[0] ?? '?'} → ${m.loadAverage.end[0] ?? '?'}${steal}`;
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}-${m.arch}; ${load}`;
}
