// send() and receive() that can complete at once resolve at once, but not forever: zeromq.js lets 512
// in a row per socket complete synchronously and makes the next one wait for the check phase
// (setImmediate), so a loop awaiting a socket with plenty queued (100,000 subscription notices on an
// XPUB) cannot hold off timers and I/O (zeromq.js's test 'should not starve event loop'). Here the
// operation itself still happens at once; only its Promise settles a turn later.

/** Operations one socket completes in a row before one settles after setImmediate (zeromq.js: 1 << 9). */
export const MAX_SYNC_COMPLETIONS = 512;

export class StarveGuard {
  private streak = 0;

  /** True while an operation that completed at once may settle at once; false once per MAX_SYNC_COMPLETIONS + 1. */
  mayResolveNow(): boolean {
    if (++this.streak <= MAX_SYNC_COMPLETIONS) return true;
    this.streak = 0;
    return false;
  }
}

/** A Promise for `value` that settles after the event loop has turned (its check phase). */
export function afterLoopTurn<T>(value: T): Promise<T> {
  return new Promise<T>((resolve) => setImmediate(resolve, value));
}
