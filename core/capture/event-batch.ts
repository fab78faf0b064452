// What the capture thread (capture-worker.ts) sends the inspector's thread: packets, reassembly events,
// datagrams and warnings, in the order they happened, packed into one ArrayBuffer per batch so a batch
// crosses threads as a transfer (no copy, no structured clone of thousands of small objects).
// Connections travel as the worker's ids; the receiver maps them to its own TcpConnection objects.
import type { IpDatagram } from './datagram.js';
import type { CaptureWarning, Direction, Endpoint, TcpStreamEvent } from './types.js';

const PACKET = 1; // f64 ts
const NSEC = 2; // the capture's clock has nanosecond resolution (sent once, before the packet that showed it)
const OPEN = 3; // u32 id, f64 ts, u8 midstream, endpoint client, endpoint server
const DATA = 4; // u32 id, u8 dir, f64 ts, u32 length, bytes
const GAP = 5; // u32 id, u8 dir, f64 ts, f64 bytes
const CLOSE = 6; // u32 id, f64 ts, u8 reason
const DATAGRAM = 7; // f64 ts, u8 ipVersion, u8 protocol, u32 length, str src, str dst, u32 captured, bytes
const WARNING = 8; // u32 length, JSON text
const PACKET_DATA = 9; // a PACKET and its DATA (of the same time) in one, as DATA: most packets are this

const REASONS = ['fin', 'rst', 'end-of-capture', 'evicted'] as const;
type CloseReason = (typeof REASONS)[number];
const DIRS: readonly Direction[] = ['c2s', 's2c'];

/** A batch's bytes start this big; a batch is sent once it holds this much (or at the end of a read). */
export const BATCH_BYTES = 256 * 1024;

/** Returned batch buffers a writer keeps for reuse (as many as may be in flight is plenty). */
const MAX_SPARE_BATCHES = 20;

/** Packs items into a growing buffer; take() hands over the bytes so far as a transferable ArrayBuffer. */
export class BatchWriter {
  private buf = Buffer.allocUnsafeSlow(BATCH_BYTES);
  /** `buf` for the numbers and short payloads of 'data' items (DataView stores cost less than Buffer's). */
  private view = viewOf(this.buf);
  private at = 0;
  /** Packets in the current batch. */
  packets = 0;

  get length(): number {
    return this.at;
  }

  /** Batch buffers the reader gave back (recycle), taken before a new one is allocated. */
  private spare: ArrayBuffer[] = [];

  /** The batch so far (its ArrayBuffer is the writer's no more) and its length; the writer starts a new one. */
  take(): { buffer: ArrayBuffer; length: number; packets: number } {
    const out = { buffer: this.buf.buffer, length: this.at, packets: this.packets };
    const spare = this.spare.pop();
    this.buf = spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.view = viewOf(this.buf);
    this.at = 0;
    this.packets = 0;
    return out;
  }

  /**
   * A batch's buffer back from the reader, once nothing there refers to it, to be written again: batches
   * made fresh each time are ~140 MB of new memory a million packets, and the receiving thread's V8 answers
   * that much external memory with full collections. Only buffers of the first size are kept, a few.
   */
  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === BATCH_BYTES && this.spare.length < MAX_SPARE_BATCHES) this.spare.push(buffer);
  }

  packet(ts: number): void {
    this.room(9);
    this.buf[this.at] = PACKET;
    this.view.setFloat64(this.at + 1, ts, true);
    this.at += 9;
    this.packets++;
  }

  nanoseconds(): void {
    this.room(1);
    this.buf[this.at++] = NSEC;
  }

  event(ev: TcpStreamEvent): void {
    switch (ev.kind) {
      case 'open': {
        const { client, server } = ev.conn;
        this.room(14 + 2 * 3 + client.ip.length + server.ip.length + 4);
        this.buf[this.at++] = OPEN;
        this.u32(ev.conn.id);
        this.f64(ev.ts);
        this.buf[this.at++] = ev.conn.midstream ? 1 : 0;
        this.endpoint(client);
        this.endpoint(server);
        return;
      }
      case 'data':
        this.data(ev.conn.id, ev.dir, ev.ts, ev.data, 0, ev.data.length);
        return;
      case 'gap':
        this.room(22);
        this.buf[this.at++] = GAP;
        this.u32(ev.conn.id);
        this.buf[this.at++] = ev.dir === 'c2s' ? 0 : 1;
        this.f64(ev.ts);
        this.f64(ev.bytes);
        return;
      case 'close':
        this.room(14);
        this.buf[this.at++] = CLOSE;
        this.u32(ev.conn.id);
        this.f64(ev.ts);
        this.buf[this.at++] = REASONS.indexOf(ev.reason);
        return;
    }
  }

  /** A 'data' event of connection `id` whose bytes are data[start, end). */
  data(id: number, dir: Direction, ts: number, data: Buffer, start: number, end: number): void {
    this.dataItem(DATA, id, dir, ts, data, start, end);
  }

  /** A packet captured at `ts` whose only event is data[start, end) for connection `id` at that time:
   *  packet() and data() in one item (TcpReassembler.pushPlain's packets). */
  packetData(id: number, dir: Direction, ts: number, data: Buffer, start: number, end: number): void {
    this.dataItem(PACKET_DATA, id, dir, ts, data, start, end);
    this.packets++;
  }

  private dataItem(kind: number, id: number, dir: Direction, ts: number, data: Buffer, start: number, end: number): void {
    const n = end - start;
    this.room(18 + n);
    const v = this.view;
    const at = this.at;
    this.buf[at] = kind;
    v.setUint32(at + 1, id, true);
    this.buf[at + 5] = dir === 'c2s' ? 0 : 1;
    v.setFloat64(at + 6, ts, true);
    v.setUint32(at + 14, n, true);
    if (n <= SHORT_COPY) copyShort(data, start, end, v, at + 18);
    else data.copy(this.buf, at + 18, start, end);
    this.at = at + 18 + n;
  }

  datagram(d: IpDatagram, ts: number): void {
    this.room(27 + d.src.length + d.dst.length + d.payload.length);
    this.buf[this.at++] = DATAGRAM;
    this.f64(ts);
    this.buf[this.at++] = d.ipVersion;
    this.buf[this.at++] = d.protocol;
    this.u32(d.length);
    this.str(d.src);
    this.str(d.dst);
    this.u32(d.payload.length);
    d.payload.copy(this.buf, this.at);
    this.at += d.payload.length;
  }

  warning(w: CaptureWarning): void {
    const text = Buffer.from(JSON.stringify(w), 'utf8');
    this.room(5 + text.length);
    this.buf[this.at++] = WARNING;
    this.u32(text.length);
    text.copy(this.buf, this.at);
    this.at += text.length;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
    this.view = viewOf(bigger);
  }

  private u32(v: number): void {
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }

  private f64(v: number): void {
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }

  /** Address text: ASCII, at most 45 characters (IPv6 with an embedded IPv4). */
  private str(s: string): void {
    this.buf[this.at++] = s.length;
    this.at += this.buf.write(s, this.at, 'latin1');
  }

  private endpoint(e: Endpoint): void {
    this.str(e.ip);
    this.buf.writeUInt16LE(e.port, this.at);
    this.at += 2;
  }
}

/** Payloads up to this long are copied by copyShort, longer ones by copy(), whose call costs as much as
 *  ~90 bytes copied so. */
const SHORT_COPY = 96;

/** A DataView over a buffer's bytes. */
function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Copies from[start, end) to `to` at `at`, eight bytes a turn. Reads the bytes by index: a packet's
 *  `buffer` and `byteOffset`, which a DataView of its memory needs, each cost as much as ~10 bytes copied. */
function copyShort(from: Buffer, start: number, end: number, to: DataView, at: number): void {
  let i = start;
  for (; i + 8 <= end; i += 8, at += 8) {
    to.setInt32(at, (from[i] << 24) | (from[i + 1] << 16) | (from[i + 2] << 8) | from[i + 3]);
    to.setInt32(at + 4, (from[i + 4] << 24) | (from[i + 5] << 16) | (from[i + 6] << 8) | from[i + 7]);
  }
  for (; i < end; i++, at++) to.setUint8(at, from[i]);
}

/** What a batch's items are given to, in order. `id` is the worker's connection id. */
export interface BatchHandler {
  packet(ts: number): void;
  nanoseconds(): void;
  open(id: number, ts: number, client: Endpoint, server: Endpoint, midstream: boolean): void;
  /** The bytes are `start` to `end` of `bytes`, a view of the whole batch (no Buffer made per item):
   *  a handler that keeps them copies them (Inspector.pushData does). */
  data(id: number, dir: Direction, ts: number, bytes: Buffer, start: number, end: number): void;
  gap(id: number, dir: Direction, ts: number, bytes: number): void;
  close(id: number, ts: number, reason: CloseReason): void;
  datagram(d: IpDatagram, ts: number): void;
  warning(w: CaptureWarning): void;
}

/** A batch that is not what BatchWriter writes (a bug, or memory gone bad): never expected. */
export class BatchFormatError extends Error {
  readonly code = 'EWORKER';
}

/** Reads the items of a batch (its first `length` bytes) into `h`. Data are ranges of `buffer`, valid
 *  during the call (the buffer is given back to the writer afterwards); datagram payloads are copies. */
export function readBatch(buffer: ArrayBuffer, length: number, h: BatchHandler): void {
  const b = Buffer.from(buffer, 0, length);
  // Numbers through a DataView: several times cheaper than Buffer's read methods.
  const v = new DataView(buffer, 0, length);
  let at = 0;
  const need = (n: number) => {
    if (at + n > length) throw new BatchFormatError(`capture thread batch cut short at byte ${at} of ${length}`);
  };
  const str = () => {
    need(1);
    const n = b[at++];
    need(n);
    const s = b.toString('latin1', at, at + n);
    at += n;
    return s;
  };
  const endpoint = (): Endpoint => {
    const ip = str();
    need(2);
    const port = v.getUint16(at, true);
    at += 2;
    return { ip, port };
  };
  while (at < length) {
    const kind = b[at++];
    // The items of nearly every packet first.
    if (kind === PACKET_DATA || kind === DATA) {
      need(17);
      const id = v.getUint32(at, true);
      const dir = DIRS[b[at + 4]];
      const ts = v.getFloat64(at + 5, true);
      const n = v.getUint32(at + 13, true);
      at += 17;
      need(n);
      if (kind === PACKET_DATA) h.packet(ts);
      h.data(id, dir, ts, b, at, at + n);
      at += n;
      continue;
    }
    if (kind === PACKET) {
      need(8);
      h.packet(v.getFloat64(at, true));
      at += 8;
      continue;
    }
    switch (kind) {
      case NSEC:
        h.nanoseconds();
        break;
      case OPEN: {
        need(13);
        const id = v.getUint32(at, true);
        const ts = v.getFloat64(at + 4, true);
        const midstream = b[at + 12] === 1;
        at += 13;
        const client = endpoint();
        const server = endpoint();
        h.open(id, ts, client, server, midstream);
        break;
      }
      case GAP:
        need(21);
        h.gap(v.getUint32(at, true), DIRS[b[at + 4]], v.getFloat64(at + 5, true), v.getFloat64(at + 13, true));
        at += 21;
        break;
      case CLOSE: {
        need(13);
        const reason = REASONS[b[at + 12]];
        if (reason === undefined) throw new BatchFormatError(`capture thread batch has close reason ${b[at + 12]}`);
        h.close(v.getUint32(at, true), v.getFloat64(at + 4, true), reason);
        at += 13;
        break;
      }
      case DATAGRAM: {
        need(14);
        const ts = v.getFloat64(at, true);
        const ipVersion = b[at + 8] as 4 | 6;
        const protocol = b[at + 9];
        const wire = v.getUint32(at + 10, true);
        at += 14;
        const src = str();
        const dst = str();
        need(4);
        const n = v.getUint32(at, true);
        at += 4;
        need(n);
        // A copy: the batch's buffer goes back to the writer after the batch (BatchWriter.recycle).
        h.datagram({ ipVersion, src, dst, protocol, payload: Buffer.from(b.subarray(at, at + n)), length: wire }, ts);
        at += n;
        break;
      }
      case WARNING: {
        need(4);
        const n = v.getUint32(at, true);
        at += 4;
        need(n);
        h.warning(JSON.parse(b.toString('utf8', at, at + n)) as CaptureWarning);
        at += n;
        break;
      }
      default:
        throw new BatchFormatError(`capture thread batch has item kind ${kind} at byte ${at - 1}`);
    }
  }
}
