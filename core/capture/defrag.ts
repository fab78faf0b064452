// IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200) for the TCP segments that got fragmented on
// their way (tunnels, links with path-MTU discovery off). A datagram is handed on once every byte from
// 0 to the end of its last fragment is in. Duplicated fragments are common and harmless (also one
// arriving after its datagram completed: recently completed datagrams are remembered by their fragment
// layout); where fragments overlap the first copy wins. Memory is bounded: at most MAX_DATAGRAMS datagrams and
// MAX_BYTES bytes wait, and a datagram not completed within TIMEOUT_SEC of capture time (Linux's
// ipfrag_time) is dropped, each with a warning saying so.
import type { CaptureWarning } from './types.js';

const MAX_DATAGRAMS = 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const TIMEOUT_SEC = 30;
/** The largest IP datagram (16-bit total length); a fragment reaching past it is malformed. */
const MAX_DATAGRAM_BYTES = 65535;

interface Part { offset: number; data: Buffer }

interface Datagram {
  firstTs: number;
  parts: Part[];
  /** Payload length, known once the fragment without "more fragments" arrived. */
  total: number | undefined;
  bytes: number;
  describe: string;
}

export class IpDefragmenter {
  private readonly waiting = new Map<string, Datagram>();
  /** Datagrams completed lately: when, and their fragments as "offset:length", to recognise late copies. */
  private readonly completed = new Map<string, { doneTs: number; layout: Set<string> }>();
  private bytes = 0;

  /** Datagrams still incomplete. */
  get pendingCount(): number {
    return this.waiting.size;
  }

  /**
   * Adds the fragment `data` at `offset` of the datagram `key` (addresses, id, protocol). Returns the
   * whole payload when this fragment completed it, null while it waits, or a warning when the fragment
   * is unusable. `describe` names the datagram in warnings; `warn` reports datagrams given up on.
   */
  add(
    key: string, offset: number, more: boolean, data: Buffer, ts: number, describe: string,
    warn: (message: string) => void,
  ): Buffer | string | null {
    this.expire(ts, warn);
    const done = this.completed.get(key);
    if (done) {
      // A copy of a fragment of a datagram already handed on: nothing new. Anything else with the same
      // id is a new datagram (the id was reused).
      if (ts - done.doneTs <= TIMEOUT_SEC && done.layout.has(`${offset}:${data.length}`)) return null;
      this.completed.delete(key);
    }
    if (offset + data.length > MAX_DATAGRAM_BYTES) return `${describe}: fragment at offset ${offset} with ${data.length} bytes runs past 65535`;
    if (more && data.length % 8 !== 0) return `${describe}: a fragment with more to follow has ${data.length} bytes, not a multiple of 8`;
    let d = this.waiting.get(key);
    if (!d) {
      d = { firstTs: ts, parts: [], total: undefined, bytes: 0, describe };
      this.waiting.set(key, d);
    }
    if (!more) {
      const end = offset + data.length;
      if (d.total !== undefined && d.total !== end) {
        this.drop(key, d);
        return `${describe}: two last fragments disagree on the length (${d.total} and ${end}); datagram dropped`;
      }
      d.total = end;
    }
    // Copied: the packet's buffer is reused by the capture reader once the packet is handled.
    d.parts.push({ offset, data: Buffer.from(data) });
    d.bytes += data.length;
    this.bytes += data.length;
    const whole = this.complete(d);
    if (whole) {
      this.drop(key, d);
      this.completed.set(key, { doneTs: ts, layout: new Set(d.parts.map((p) => `${p.offset}:${p.data.length}`)) });
      if (this.completed.size > MAX_DATAGRAMS) this.completed.delete(this.completed.keys().next().value as string);
      return whole;
    }
    while (this.waiting.size > MAX_DATAGRAMS || this.bytes > MAX_BYTES) {
      const [oldestKey, oldest] = this.waiting.entries().next().value as [string, Datagram];
      this.drop(oldestKey, oldest);
      warn(`${oldest.describe}: given up (more than ${MAX_DATAGRAMS} datagrams or ${MAX_BYTES} bytes of fragments waiting)`);
    }
    return null;
  }

  /** Reports every datagram still incomplete (end of capture) and forgets them. */
  finish(warn: (message: string) => void): void {
    for (const [key, d] of this.waiting) {
      this.drop(key, d);
      warn(`${d.describe}: incomplete at the end of the capture (${d.bytes} bytes of ${d.total ?? 'unknown'}); dropped`);
    }
  }

  private expire(ts: number, warn: (message: string) => void): void {
    for (const [key, d] of this.waiting) {
      if (ts - d.firstTs <= TIMEOUT_SEC) break; // insertion order is arrival order
      this.drop(key, d);
      warn(`${d.describe}: not completed within ${TIMEOUT_SEC} s; dropped`);
    }
  }

  private drop(key: string, d: Datagram): void {
    this.waiting.delete(key);
    this.bytes -= d.bytes;
  }

  /** The assembled payload if every byte up to the known total is covered. */
  private complete(d: Datagram): Buffer | undefined {
    if (d.total === undefined) return undefined;
    const sorted = [...d.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of sorted) {
      if (p.offset > covered) return undefined;
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < d.total) return undefined;
    const out = Buffer.alloc(d.total);
    // Latest first, so the first copy of any overlapping byte is the one left standing.
    for (let i = d.parts.length - 1; i >= 0; i--) d.parts[i].data.copy(out, d.parts[i].offset);
    return out;
  }
}
