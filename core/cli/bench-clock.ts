// Wall time and CPU time around a measured loop. On a shared machine wall time stretches with the
// load (other processes take the cores), while the CPU time this process spends per operation mostly
// does not, so the bench prints both and a ratio can be judged even when the machine is busy.
// process.cpuUsage() counts every thread of the process: zeromq.js's libzmq I/O thread is included.
import { performance } from 'node:perf_hooks';

export interface ClockReading {
  /** Wall-clock seconds since the clock started. */
  seconds: number;
  /** CPU microseconds (user + system, all threads of this process) since the clock started. */
  cpuUs: number;
}

/** Starts a clock; the returned function reads it (it can be read more than once). */
export function startClock(): () => ClockReading {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuUs: used.user + used.system };
  };
}
