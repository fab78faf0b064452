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

/** Set only while at least one listener is installed: what connections test before tapping. */
export let wireTap: WireTap | undefined;

let slot: WireTap | undefined;
const listeners = new Set<WireTap>();

function refresh(): void {
  const all = [...listeners];
  if (slot) all.unshift(slot);
  if (all.length === 0) wireTap = undefined;
  else if (all.length === 1) wireTap = all[0];
  else {
    wireTap = (chunk) => {
      for (const fn of all) {
        try {
          fn(chunk);
        } catch {
          // One faulty listener must not starve the others.
        }
      }
    };
  }
}

/** Installs (or with undefined removes) the process-wide single-slot wire tap; other listeners stay. */
export function setWireTap(fn: WireTap | undefined): void {
  if (fn !== undefined && typeof fn !== 'function') throw new TypeError('setWireTap expects a function or undefined');
  slot = fn;
  refresh();
}

/** Adds one more listener to the wire tap; returns the function that removes it. */
export function addWireTap(fn: WireTap): () => void {
  if (typeof fn !== 'function') throw new TypeError('addWireTap expects a function');
  listeners.add(fn);
  refresh();
  return () => {
    if (listeners.delete(fn)) refresh();
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
