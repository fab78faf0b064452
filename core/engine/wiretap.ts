// An opt-in tap on the engine's own tcp/ipc traffic, so the desktop app can show what its sockets
// send and receive without pcap. Zero cost when unset: connections test one variable per chunk.

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

export let wireTap: WireTap | undefined;

/** Installs (or with undefined removes) the process-wide wire tap. */
export function setWireTap(fn: WireTap | undefined): void {
  if (fn !== undefined && typeof fn !== 'function') throw new TypeError('setWireTap expects a function or undefined');
  wireTap = fn;
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
