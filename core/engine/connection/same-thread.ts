// Both ends of a loopback tcp connection may live in this process (a PUSH and a PULL in one program, a
// test). They then share this one thread: what one end writes, the other reads on the same core right
// after, so writes small enough to still be in the CPU cache when read are much cheaper (measured: 64 KiB
// PUSH/PULL in one process 1.5-1.9 GB/s with 1 MiB writes, 2.0-2.3 GB/s with 64 KiB writes, when a
// setImmediate still ended every turn; SAME_THREAD_FLUSH_BUDGET has the later numbers). Across processes the opposite holds (fewer, larger writes: 2.2 vs 1.6 GB/s), so only such
// pairs write smaller.

export interface TcpEnd {
  /** Called when the other end of this connection turns out to be in this process too. */
  peerInThisThread(): void;
}

const ends = new Map<string, TcpEnd>();
const key = (local: string, remote: string): string => `${local} ${remote}`;

/** Registers one end (addresses as tcp://host:port); tells both ends when the other is here too. */
export function joinTcpEnd(local: string, remote: string, end: TcpEnd): void {
  ends.set(key(local, remote), end);
  const other = ends.get(key(remote, local));
  if (other && other !== end) {
    other.peerInThisThread();
    end.peerInThisThread();
  }
}

export function leaveTcpEnd(local: string, remote: string, end: TcpEnd): void {
  const k = key(local, remote);
  if (ends.get(k) === end) ends.delete(k);
}
