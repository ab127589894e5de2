/**
 * What a benchmark number depends on besides the code: CPU, cores, memory, Node, the compute backend, and
 * how busy the machine was (load average at start and end; other processes sharing the cores make
 * numbers noisy, so results carry it).
 */
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
}

/** 1/5/15-minute load averages, rounded to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Describes this machine; `loadAtStart` is the load average sampled before the bench ran. */
export function machineInfo(backend: string, loadAtStart: number[]): MachineInfo {
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
  };
}

/** One line for the top of a table: "AMD EPYC, 2 cores, 23.5 GiB, Node v20.19.2, linux-x64". */
export function describeMachine(m: MachineInfo): string {
  const load = `load ${m.loadAverage.start[0] ?? '?'} → ${m.loadAverage.end[0] ?? '?'}`;
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}-${m.arch}; ${load}`;
}
