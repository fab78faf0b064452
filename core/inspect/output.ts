// Writing records to a stream (the CLI's stdout) as JSON lines or readable lines, batching writes
// and honouring back-pressure so a slow reader (a pipe to `less`) does not make us buffer the capture.
import type { Writable } from 'node:stream';
import type { DecodeSummary } from './decode-capture.js';
import { formatRecord } from './format.js';
import type { InspectRecord, MessageRecord } from './records.js';

/** Output is gathered in buffers of this size and written when one is full. */
const CHUNK = 1024 * 1024;

/** Node's Buffer methods under buf.write(text, offset, encoding), without its argument checks, which cost
 *  more than the copy for short strings. Checked once: buf.write when a runtime lacks them. */
type RawWrite = (this: Buffer, text: string, offset: number) => number;
const proto = Buffer.prototype as unknown as { latin1Write?: RawWrite; utf8Write?: RawWrite };
const latin1Write: RawWrite = typeof proto.latin1Write === 'function' ? proto.latin1Write : function (this: Buffer, text, offset) { return this.write(text, offset, 'latin1'); };
const utf8Write: RawWrite = typeof proto.utf8Write === 'function' ? proto.utf8Write : function (this: Buffer, text, offset) { return this.write(text, offset, 'utf8'); };
/** Strings known to need no JSON escaping (addresses, directions), with their JSON text. */
const jsonStrings = new Map<string, string>();

function jsonString(s: string): string {
  let j = jsonStrings.get(s);
  if (j === undefined) {
    j = JSON.stringify(s);
    if (jsonStrings.size >= 10000) jsonStrings.clear();
    jsonStrings.set(s, j);
  }
  return j;
}

/** JSON text of a number, as JSON.stringify writes it (non-finite numbers become null). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** JSON text of recent times: a reply's replyTo.ts is its request's time, printed a few lines before. */
const recentTimes = new Map<number, string>();

function timeText(ts: number): string {
  let t = recentTimes.get(ts);
  if (t === undefined) {
    t = jsonNumber(ts);
    if (recentTimes.size >= 256) recentTimes.clear();
    recentTimes.set(ts, t);
  }
  return t;
}

/** The fields of a message record after `frames`, in the record's own key order, as JSON text. The usual
 *  ones (REQ/REP envelopes and pairing, heuristic) are written here; the rest through JSON.stringify. */
function messageTail(r: MessageRecord): string {
  let out = '';
  for (const key in r) {
    switch (key) {
      case 'type': case 'ts': case 'src': case 'dst': case 'conn': case 'dir': case 'frames':
        break;
      case 'sizes':
        if (r.sizes !== undefined) out += `,"sizes":[${r.sizes.join(',')}]`;
        break;
      case 'envelope':
        // Hex strings: no escaping.
        if (r.envelope !== undefined) out += r.envelope.length ? `,"envelope":["${r.envelope.join('","')}"]` : ',"envelope":[]';
        break;
      case 'replyTo': {
        const p = r.replyTo;
        if (p !== undefined) out += `,"replyTo":{"ts":${timeText(p.ts)},"latency":${jsonNumber(p.latency)}}`;
        break;
      }
      case 'heuristic':
        if (r.heuristic !== undefined) out += `,"heuristic":${r.heuristic}`;
        break;
      default: {
        const v = (r as unknown as Record<string, unknown>)[key];
        if (v !== undefined) out += `,${JSON.stringify(key)}:${JSON.stringify(v)}`;
      }
    }
  }
  return out;
}

// Consecutive messages mostly share their packet's time and their connection and direction: the text of
// those fields is kept from the previous message rather than made again (number to text is costly).
let lastTs = NaN;
let lastTsText = 'null';
let lastTsBytes = Buffer.from('null');
let lastSrc = '';
let lastDst = '';
let lastConn = NaN;
let lastDir = '';
let lastRoute = '';
let lastRouteBytes = Buffer.alloc(0);

function cacheHead(r: MessageRecord): void {
  if (r.ts !== lastTs) {
    lastTs = r.ts;
    lastTsText = timeText(r.ts);
    lastTsBytes = Buffer.from(lastTsText, 'latin1');
  }
  if (r.src !== lastSrc || r.dst !== lastDst || r.conn !== lastConn || r.dir !== lastDir) {
    lastSrc = r.src;
    lastDst = r.dst;
    lastConn = r.conn;
    lastDir = r.dir;
    lastRoute = `,"src":${jsonString(r.src)},"dst":${jsonString(r.dst)},"conn":${jsonNumber(r.conn)},"dir":${jsonString(r.dir)}`;
    lastRouteBytes = Buffer.from(lastRoute, 'utf8');
  }
}

function messageHead(r: MessageRecord): string {
  cacheHead(r);
  return `{"type":"message","ts":${lastTsText}${lastRoute}`;
}

const HEAD = Buffer.from('{"type":"message","ts":', 'latin1');
const FRAMES = Buffer.from(',"frames":[', 'latin1');
const SIZES = Buffer.from('],"sizes":[', 'latin1');
/** Hex strings up to this long are copied by a loop here rather than a call into Node. */
const SHORT_HEX = 48;

/**
 * JSON text of a record, the same as JSON.stringify gives. Messages, by far the most frequent and the
 * biggest (hex frames), are written by hand: hex needs no escaping.
 */
export function recordToJson(r: InspectRecord): string {
  if (r.type !== 'message' || !Array.isArray(r.frames)) return JSON.stringify(r);
  const frames = r.frames.length ? `,"frames":["${r.frames.join('","')}"]` : ',"frames":[]';
  return messageHead(r) + frames + messageTail(r) + '}';
}

export class RecordWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private blocked: Promise<void> | undefined;
  /** Set when the reader went away (EPIPE): stop decoding, it is not an error. */
  closed = false;
  /** A write error other than the reader going away. */
  failure?: Error;

  constructor(private readonly out: Writable, private readonly json: boolean) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      // EPIPE: the reader went away (`| head`), which is how such output normally ends.
      this.closed = true;
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') this.failure = e;
    });
  }

  write(r: InspectRecord): void {
    if (this.closed) return;
    if (this.json && r.type === 'message' && Array.isArray(r.frames)) this.writeMessage(r);
    else this.text(this.json ? JSON.stringify(r) : formatRecord(r));
    this.buf[this.pos++] = 0x0a; // room for it is always kept
  }

  /**
   * A message record as JSON straight into the output buffer: the frames' hex goes in as it is (one
   * copy), without building the line as a string first. Fields go in the order the Inspector makes them
   * (type, ts, src, dst, conn, dir, frames, sizes, then the optional ones).
   */
  private writeMessage(r: MessageRecord): void {
    cacheHead(r);
    const frames = r.frames;
    const sizes = r.sizes;
    const ts = lastTsBytes;
    const route = lastRouteBytes;
    if (this.pos + HEAD.length + ts.length + route.length + FRAMES.length + 2 > this.buf.length) this.room(HEAD.length + ts.length + route.length + FRAMES.length + 1);
    let b = this.buf;
    let p = this.pos;
    b.set(HEAD, p);
    p += HEAD.length;
    b.set(ts, p);
    p += ts.length;
    b.set(route, p);
    p += route.length;
    b.set(FRAMES, p);
    p += FRAMES.length;
    for (let i = 0; i < frames.length; i++) {
      const hex = frames[i];
      if (p + hex.length + 4 > b.length) {
        this.pos = p;
        this.room(hex.length + 4);
        b = this.buf;
        p = this.pos;
      }
      if (i > 0) b[p++] = 0x2c; // ,
      b[p++] = 0x22; // "
      if (hex.length <= SHORT_HEX) {
        for (let j = 0; j < hex.length; j++) b[p + j] = hex.charCodeAt(j);
        p += hex.length;
      } else {
        p += latin1Write.call(b, hex, p);
      }
      b[p++] = 0x22;
    }
    this.pos = p;
    const plain = r.truncated === undefined && r.heuristic === undefined && r.subscription === undefined && r.envelope === undefined &&
      r.replyTo === undefined && sizes !== undefined;
    if (!plain) {
      this.ascii(']' + messageTail(r) + '}');
      return;
    }
    // The usual message: sizes and nothing else; the numbers go in without making text of them.
    if (p + SIZES.length + 16 * sizes.length + 3 > b.length) {
      this.room(SIZES.length + 16 * sizes.length + 2);
      b = this.buf;
      p = this.pos;
    }
    b.set(SIZES, p);
    p += SIZES.length;
    for (let i = 0; i < sizes.length; i++) {
      if (i > 0) b[p++] = 0x2c;
      const n = sizes[i];
      if (n >= 0 && n < 1e15 && n === Math.floor(n)) {
        let digits = 1;
        for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
        for (let k = p + digits - 1, x = n; k >= p; k--, x = Math.floor(x / 10)) b[k] = 0x30 + (x % 10);
        p += digits;
      } else {
        this.pos = p;
        this.ascii(jsonNumber(n)); // not a byte count; never from the Inspector, but written as JSON would
        b = this.buf;
        p = this.pos;
        if (p + 16 * (sizes.length - i) + 3 > b.length) {
          this.room(16 * (sizes.length - i) + 2);
          b = this.buf;
          p = this.pos;
        }
      }
    }
    b[p++] = 0x5d; // ]
    b[p++] = 0x7d; // }
    this.pos = p;
  }

  /** Appends text known to be ASCII (one byte per character). */
  private ascii(s: string): void {
    if (this.pos + s.length + 1 > this.buf.length) this.room(s.length + 1);
    this.pos += latin1Write.call(this.buf, s, this.pos);
  }

  /** Appends any text as UTF-8. */
  private text(s: string): void {
    const most = s.length * 3 + 1;
    if (this.pos + most > this.buf.length) this.room(most);
    this.pos += utf8Write.call(this.buf, s, this.pos);
  }

  /** Makes room for `n` more bytes (plus the newline): writes out what is gathered, and grows for huge lines. */
  private room(n: number): void {
    this.flush();
    if (n + 1 > this.buf.length) this.buf = Buffer.allocUnsafe(n + 1);
  }

  /** A promise while the stream is full, for the decode loop to wait on. */
  pace(): Promise<void> | undefined {
    return this.blocked;
  }

  flush(): void {
    if (this.closed) this.pos = 0; // the reader is gone: what is left has nowhere to go
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.pos = 0;
    const taken = this.out.write(chunk);
    // A stream with nothing queued wrote the chunk out at once (a file, /dev/null, a pipe with room) and
    // holds no reference to it: gather the next one in the same buffer. Otherwise in a new one.
    if (this.out.writableLength !== 0 || this.buf.length !== CHUNK) this.buf = Buffer.allocUnsafe(CHUNK);
    if (!taken && !this.blocked) {
      this.blocked = new Promise<void>((resolve) => {
        const done = () => {
          this.blocked = undefined;
          this.out.off('drain', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }

  /** Flushes and waits until the stream has taken everything. */
  async end(): Promise<void> {
    this.flush();
    if (this.blocked) await this.blocked;
  }
}

const MAX_WARNINGS = 20;

export class WarningPrinter {
  private count = 0;
  constructor(private readonly prefix: string) {}

  print(message: string): void {
    this.count++;
    if (this.count <= MAX_WARNINGS) process.stderr.write(`${this.prefix}: warning: ${message}\n`);
  }

  finish(): void {
    if (this.count > MAX_WARNINGS) process.stderr.write(`${this.prefix}: ${this.count - MAX_WARNINGS} more warnings not shown\n`);
  }
}

export function summaryLine(s: Omit<DecodeSummary, 'format'>): string {
  const tcp = s.connections.filter((c) => !c.pgm);
  const zmtp = tcp.filter((c) => c.state !== 'not-zmtp' && (c.versions.c2s || c.versions.s2c || c.counts.c2s.messages + c.counts.s2c.messages > 0)).length;
  const pgm = s.connections.length - tcp.length;
  return `${s.packets} packets, ${s.stats.connections - pgm} TCP connections (${zmtp} ZMTP), ${pgm ? `${pgm} PGM sessions, ` : ''}${s.stats.messages} messages, ` +
    `${s.stats.commands} commands, ${s.stats.errors} decode problems${s.warnings ? `, ${s.warnings} capture warnings` : ''}\n`;
}
