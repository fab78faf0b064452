// IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200) for the TCP segments that got fragmented on
// their way (tunnels, links with path-MTU discovery off). A datagram is handed on once every byte from
// 0 to the end of its last fragment is in. Duplicated fragments are common and harmless (also one
// arriving after its datagram completed: recently completed datagrams are remembered by their fragment
// layout); where fragments overlap the first copy wins. Memory is bounded: at most MAX_DATAGRAMS datagrams and
// MAX_BYTES bytes wait, and a datagram not completed within TIMEOUT_SEC of capture time (Linux's
// ipfrag_time) is dropped, each with a warning saying so.
//
// Time is linear in the fragments' bytes: fragments start on 8-byte blocks (the unit of the offset
// field), so each datagram keeps a bitmap of the blocks it has and writes only new blocks straight into
// its assembly buffer. A duplicate costs a look at its own blocks and stores nothing; completion is a
// count, not a sort of the parts (which made 80,000 copies of one fragment take minutes).

const MAX_DATAGRAMS = 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const TIMEOUT_SEC = 30;
/** The largest IP datagram (16-bit total length); a fragment reaching past it is malformed. */
const MAX_DATAGRAM_BYTES = 65535;

/** Fragment offsets are in 8-byte units; only a datagram's last fragment may end inside a block. */
const BLOCK = 8;
/** Fragment layouts remembered per datagram (to recognise late copies); more are still reassembled. */
const MAX_LAYOUTS = 8192;

interface Datagram {
  firstTs: number;
  /** Assembly buffer, grown (up to 65535 bytes) as fragments reach further. */
  data: Buffer;
  /** One bit per 8-byte block already written. */
  have: Uint8Array;
  blocks: number;
  /** Distinct bytes received. */
  received: number;
  /** Furthest byte any fragment reached. */
  end: number;
  /** Payload length, known once the fragment without "more fragments" arrived. */
  total: number | undefined;
  /** Fragments as "offset:length", to recognise copies after completion. */
  layout: Set<string>;
  describe: string;
}

export class IpDefragmenter {
  private readonly waiting = new Map<string, Datagram>();
  /** Datagrams completed lately: when, and their fragments as "offset:length", to recognise late copies. */
  private readonly completed = new Map<string, { doneTs: number; layout: Set<string> }>();
  /** Bytes of assembly buffers held. */
  private bytes = 0;
  /** Blocks looked at and fragments handled so far: a measure of work that tests bound (linear in input). */
  work = 0;

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
    key: string,
    offset: number,
    more: boolean,
    data: Buffer,
    ts: number,
    describe: string,
    warn: (message: string) => void,
  ): Buffer | string | null {
    this.work++;
    this.expire(ts, warn);
    const done = this.completed.get(key);
    if (done) {
      // A copy of a fragment of a datagram already handed on: nothing new. Anything else with the same
      // id is a new datagram (the id was reused).
      if (ts - done.doneTs <= TIMEOUT_SEC && done.layout.has(`${offset}:${data.length}`)) return null;
      this.completed.delete(key);
    }
    const end = offset + data.length;
    if (end > MAX_DATAGRAM_BYTES) return `${describe}: fragment at offset ${offset} with ${data.length} bytes runs past 65535`;
    if (offset % BLOCK !== 0) return `${describe}: fragment offset ${offset} is not a multiple of 8`;
    if (more && data.length % BLOCK !== 0)
      return `${describe}: a fragment with more to follow has ${data.length} bytes, not a multiple of 8`;
    let d = this.waiting.get(key);
    if (!d) {
      d = {
        firstTs: ts,
        data: Buffer.alloc(0),
        have: new Uint8Array(Math.ceil(MAX_DATAGRAM_BYTES / BLOCK / 8)),
        blocks: 0,
        received: 0,
        end: 0,
        total: undefined,
        layout: new Set(),
        describe,
      };
      this.waiting.set(key, d);
    }
    if (!more) {
      if (d.total !== undefined && d.total !== end) {
        this.drop(key, d);
        return `${describe}: two last fragments disagree on the length (${d.total} and ${end}); datagram dropped`;
      }
      d.total = end;
    }
    if (d.total !== undefined && Math.max(end, d.end) > d.total) {
      this.drop(key, d);
      return `${describe}: a fragment reaches byte ${Math.max(end, d.end)}, past the datagram's end at ${d.total}; datagram dropped`;
    }
    // Only a fragment that brought new bytes joins the layout: a copy of it is then recognised, and
    // a flood of copies costs no string or set work each.
    if (this.write(d, offset, data) && d.layout.size < MAX_LAYOUTS) d.layout.add(`${offset}:${data.length}`);
    if (d.total !== undefined && d.blocks === Math.ceil(d.total / BLOCK)) {
      this.drop(key, d);
      this.completed.set(key, { doneTs: ts, layout: d.layout });
      if (this.completed.size > MAX_DATAGRAMS) this.completed.delete(this.completed.keys().next().value as string);
      return d.data.subarray(0, d.total);
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
      warn(`${d.describe}: incomplete at the end of the capture (${d.received} bytes of ${d.total ?? 'unknown'}); dropped`);
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
    this.bytes -= d.data.length;
  }

  /**
   * Copies the blocks of a fragment that the datagram does not have yet (the first copy of a byte
   * wins), one copy per run of new blocks; true when there were any. Copied: the packet's buffer is
   * reused by the capture reader.
   */
  private write(d: Datagram, offset: number, data: Buffer): boolean {
    const before = d.blocks;
    const end = offset + data.length;
    d.end = Math.max(d.end, end);
    const first = offset / BLOCK;
    const last = Math.ceil(end / BLOCK);
    let runStart = -1;
    for (let b = first; b <= last; b++) {
      const isNew = b < last && (d.have[b >> 3] & (1 << (b & 7))) === 0;
      if (isNew) {
        d.have[b >> 3] |= 1 << (b & 7);
        d.blocks++;
        if (runStart < 0) runStart = b;
      } else if (runStart >= 0) {
        const from = runStart * BLOCK;
        const to = Math.min(b * BLOCK, end);
        this.reserve(d, to);
        data.copy(d.data, from, from - offset, to - offset);
        d.received += to - from;
        runStart = -1;
      }
    }
    this.work += last - first + 1;
    return d.blocks > before || data.length === 0;
  }

  /** Grows the assembly buffer to hold `end` bytes (doubling, so growth costs linear time overall). */
  private reserve(d: Datagram, end: number): void {
    if (d.data.length >= end) return;
    const size = Math.min(MAX_DATAGRAM_BYTES, Math.max(end, d.data.length * 2, 1024));
    const next = Buffer.alloc(size);
    d.data.copy(next);
    this.work += d.data.length / BLOCK;
    this.bytes += size - d.data.length;
    d.data = next;
  }
}
