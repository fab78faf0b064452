// What happens when the program has nothing left to do, as in zeromq.js. There, open sockets do not keep
// Node running (only pending operations and event listeners do); when the process ends, every context is
// terminated: its sockets close with their linger and the process waits for the messages still queued,
// and when that takes longer than 500 ms it prints
//   (node:PID) WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour.
// (the last sentence only while the context is blocky). Here that moment is 'beforeExit': the event loop
// is empty. A context with messages still to deliver (queued on an open socket, or a closed socket still
// lingering) closes all its sockets and holds the loop until they are done; a context with nothing to
// deliver is left alone, so the process exits at once.

/** What the exit flush needs from a context. */
export interface FlushableContext {
  readonly blocky: boolean;
  /** Some socket of this context has messages it has not handed to a peer yet, or is closed and lingering. */
  hasUndelivered(): boolean;
  /** Closes every open socket (each lingers per its own linger option). */
  closeAllForExit(): void;
  /** Resolves once every socket is closed and done lingering (keeps the process alive meanwhile). */
  term(): Promise<void>;
}

/** How long the exit waits before saying why it waits (zeromq.js's Terminator). */
export const EXIT_WARNING_DELAY_MS = 500;

/** Contexts with sockets open or lingering; a context leaves once it has neither (so it can be collected). */
const live = new Set<FlushableContext>();
let listening = false;

export function contextInUse(ctx: FlushableContext, inUse: boolean): void {
  if (inUse) {
    live.add(ctx);
    if (!listening) {
      listening = true;
      process.on('beforeExit', flushAtExit);
    }
  } else {
    live.delete(ctx);
  }
}

function flushAtExit(): void {
  for (const ctx of [...live]) {
    if (!ctx.hasUndelivered()) continue;
    ctx.closeAllForExit();
    let done = false;
    const warning = setTimeout(() => {
      if (done) return;
      const hint = ctx.blocky ? " Set 'context.blocky = false' to change this behaviour." : '';
      process.stderr.write(`(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered.${hint}\n`);
    }, EXIT_WARNING_DELAY_MS);
    warning.unref();
    void ctx.term().then(() => {
      done = true;
      clearTimeout(warning);
    });
  }
}
