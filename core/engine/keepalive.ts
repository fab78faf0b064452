// Process liveness like zeromq.js: open sockets alone do not keep Node running; a pending send() or
// receive(), an events listener or pending events.receive(), or a pending Context.term() do. The engine's
// own handles (servers, connections, timers) are unref'd; this one ref'd timer stands for all holds.
// The timer is made once and then only ref'd and unref'd: a receive() that waits (every one, on a socket
// that keeps up with its peer) would otherwise create and cancel a timer each time.
let holds = 0;
let holdTimer: NodeJS.Timeout | undefined;

export function hold(): void {
  if (holds++ === 0) (holdTimer ??= setInterval(() => {}, 0x7fffffff)).ref();
}

export function release(): void {
  if (holds === 0) return;
  if (--holds === 0) holdTimer?.unref();
}

/** A hold that can be switched on and off idempotently (one per owner). */
export class Hold {
  private on = false;
  set(active: boolean): void {
    if (active === this.on) return;
    this.on = active;
    if (active) hold();
    else release();
  }
}

/** Unrefs a timer or handle when it supports it (returns it for chaining). */
export function unref<T extends { unref?: () => unknown }>(h: T): T {
  h.unref?.();
  return h;
}

/** setTimeout that does not keep the process alive. */
export function timer(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

/** setInterval that does not keep the process alive. */
export function interval(fn: () => void, ms: number): NodeJS.Timeout {
  const t = setInterval(fn, ms);
  t.unref();
  return t;
}
