// A socket's messages per second over the last minute, for the workbench's rate chart: one counter per
// whole second and direction in a ring of 60, so a flood costs an increment per message and memory stays
// fixed. Seconds with nothing are zeros, not gaps: the chart shows a quiet socket as quiet.

export const RATE_HISTORY_SECONDS = 60;

export interface SocketRateSeries {
  /** The start of each second (seconds since the epoch), oldest first; the last is the current second. */
  t: number[];
  in: number[];
  out: number[];
}

export class RateHistory {
  private readonly counts = { in: new Uint32Array(RATE_HISTORY_SECONDS), out: new Uint32Array(RATE_HISTORY_SECONDS) };
  /** The second (since the epoch) each slot counts; a slot of an older second is stale and reads as 0. */
  private readonly second = new Float64Array(RATE_HISTORY_SECONDS).fill(-1);

  constructor(private readonly now: () => number = Date.now) {}

  add(dir: 'in' | 'out'): void {
    const sec = Math.floor(this.now() / 1000);
    const slot = sec % RATE_HISTORY_SECONDS;
    if (this.second[slot] !== sec) {
      this.second[slot] = sec;
      this.counts.in[slot] = 0;
      this.counts.out[slot] = 0;
    }
    this.counts[dir][slot]++;
  }

  /** The last minute, one entry per second, ending with the current (still counting) second. */
  series(): SocketRateSeries {
    const current = Math.floor(this.now() / 1000);
    const out: SocketRateSeries = { t: [], in: [], out: [] };
    for (let sec = current - RATE_HISTORY_SECONDS + 1; sec <= current; sec++) {
      const slot = sec % RATE_HISTORY_SECONDS;
      const fresh = this.second[slot] === sec;
      out.t.push(sec);
      out.in.push(fresh ? this.counts.in[slot] : 0);
      out.out.push(fresh ? this.counts.out[slot] : 0);
    }
    return out;
  }
}
