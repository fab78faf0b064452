// An opt-in tap on the engine's own tcp/ipc traffic, so the desktop app can show what its sockets
// send and receive without pcap. Zero cost when unset: connections test one variable per chunk.
// Several listeners may watch at once (addWireTap); setWireTap keeps its old single-slot meaning.

export interface WireTapChunk {
  /** Stable id of one transport connection within this process. */
  connectionId: number;
  localAddress: string;
  remoteAddress: string;
  direction: 'in' | 'out';
  /** The bytes exactly as read from or written to the socket (do not modify). */
  data: Buffer;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  ts: number;
}

export type WireTap = (chunk: WireTapChunk) => void;

/** A tapped connection ended: no more chunks will come for this id (ids are never reused). */
export interface WireTapClose {
  connectionId: number;
  localAddress: string;
  remoteAddress: string;
  /** Why it ended, in words (as the monitor's disconnect/handshake events give it). */
  reason: string;
  /** Milliseconds since the epoch, with sub-millisecond precision. */
  ts: number;
}

export type WireTapCloseListener = (close: WireTapClose) => void;

/** Set only while at least one listener is installed: what connections test before tapping. */
export let wireTap: WireTap | undefined;

/** Set only while at least one close listener is installed. */
export let wireTapClose: WireTapCloseListener | undefined;

let slot: WireTap | undefined;
const listeners = new Set<WireTap>();
const closeListeners = new Set<WireTapCloseListener>();

/** One function calling each of `fns` in turn; a listener that throws does not keep the others from hearing. */
function callEach<T>(fns: ((x: T) => void)[]): (x: T) => void {
  return (x) => {
    for (const fn of fns) {
      try {
        fn(x);
      } catch {
        // One faulty listener must not starve the others.
      }
    }
  };
}

function refresh(): void {
  const all = [...listeners];
  if (slot) all.unshift(slot);
  // A single chunk listener is called directly: it runs for every chunk on the hot path.
  wireTap = all.length === 0 ? undefined : all.length === 1 ? all[0] : callEach(all);
  const closers = [...closeListeners];
  wireTapClose = closers.length === 0 ? undefined : callEach(closers);
}

/** Installs (or with undefined removes) the process-wide single-slot wire tap; other listeners stay. */
export function setWireTap(fn: WireTap | undefined): void {
  if (fn !== undefined && typeof fn !== 'function') throw new TypeError('setWireTap expects a function or undefined');
  slot = fn;
  refresh();
}

/**
 * Adds one more listener to the wire tap, and optionally `onClose`, told once when a connection ends
 * (also for connections whose chunks began before this listener was added: ignore unknown ids).
 * Returns the function that removes both.
 */
export function addWireTap(fn: WireTap, onClose?: WireTapCloseListener): () => void {
  if (typeof fn !== 'function') throw new TypeError('addWireTap expects a function');
  if (onClose !== undefined && typeof onClose !== 'function')
    throw new TypeError('addWireTap expects onClose to be a function or undefined');
  // Wrapped so the same function added twice is two listeners, each removed by its own remover.
  const chunkFn: WireTap = (c) => fn(c);
  const closeFn: WireTapCloseListener | undefined = onClose && ((e) => onClose(e));
  listeners.add(chunkFn);
  if (closeFn) closeListeners.add(closeFn);
  refresh();
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    listeners.delete(chunkFn);
    if (closeFn) closeListeners.delete(closeFn);
    refresh();
  };
}

const origin = Date.now() - performance.now();

export function tapChunk(connectionId: number, localAddress: string, remoteAddress: string, direction: 'in' | 'out', data: Buffer): void {
  const fn = wireTap;
  if (!fn) return;
  try {
    fn({ connectionId, localAddress, remoteAddress, direction, data, ts: origin + performance.now() });
  } catch {
    // A faulty tap must not disturb the connection it watches.
  }
}

export function tapClose(connectionId: number, localAddress: string, remoteAddress: string, reason: string): void {
  const fn = wireTapClose;
  if (!fn) return;
  try {
    fn({ connectionId, localAddress, remoteAddress, reason, ts: origin + performance.now() });
  } catch {
    // A faulty tap must not disturb the connection it watches.
  }
}

/** A message a connection took from its pipe and wrote to its transport. */
export interface MessageWritten {
  /** The frames the socket queued: the same Buffer objects send() was given (do not modify). */
  msg: readonly Buffer[];
  /** The peer of the connection (tcp://ip:port, the ipc path). */
  remoteAddress: string;
}

/**
 * Listener for messages written to connections. The workbench uses it to tell "written to a peer" from
 * "still queued". Zero cost when unset: a connection tests one variable per message.
 */
export type MessageTap = (written: MessageWritten) => void;

/** Set only while at least one message listener is installed. */
export let messageTap: MessageTap | undefined;

const messageListeners = new Set<MessageTap>();

function refreshMessageTap(): void {
  const all = [...messageListeners];
  messageTap = all.length === 0 ? undefined : all.length === 1 ? all[0] : callEach(all);
}

/** Adds a listener for messages written to connections; returns the function that removes it. */
export function addMessageTap(fn: MessageTap): () => void {
  if (typeof fn !== 'function') throw new TypeError('addMessageTap expects a function');
  const own: MessageTap = (w) => fn(w);
  messageListeners.add(own);
  refreshMessageTap();
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    messageListeners.delete(own);
    refreshMessageTap();
  };
}

export function tapMessage(msg: readonly Buffer[], remoteAddress: string): void {
  const fn = messageTap;
  if (!fn) return;
  try {
    fn({ msg, remoteAddress });
  } catch {
    // A faulty tap must not disturb the connection it watches.
  }
}
