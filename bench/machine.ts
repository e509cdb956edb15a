/** The machine a benchmark ran on, recorded next to its figures. */
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** CPU, memory and OS of this machine. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly arch: string;
  /** 1-minute load average when the run started: other work on the machine skews timings. */
  readonly loadAverageAtStart: number;
}

/** Describes this machine. */
export function describeMachine(): Machine {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    arch: arch(),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The 1-minute load average now. */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}
