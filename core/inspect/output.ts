// Writing records to a stream (the CLI's stdout) as JSON lines or readable lines, batching writes
// and honouring back-pressure so a slow reader (a pipe to `less`) does not make us buffer the capture.
import type { Writable } from 'node:stream';
import type { CaptureWarning } from '../capture/types.js';
import type { DecodeSummary } from './decode-capture.js';
import { formatRecord } from './format.js';
import type { MessageView } from './message-view.js';
import type { InspectRecord, MessageRecord } from './records.js';
import { writeInteger, writeMicroTime } from './number-text.js';
import { ByteWords, putWords, WORD_SLACK } from './byte-words.js';
import { hexOf } from './hex-of.js';

/** Output is gathered in buffers of this size and written when one is full. Small enough to stay in the
 *  CPU's cache while it is filled (1 MiB cost ~5% more CPU on a packet-heavy capture), and a pipe's size. */
const CHUNK = 64 * 1024;

/** Node's Buffer methods under buf.write(text, offset, encoding), without its argument checks, which cost
 *  more than the copy for short strings. Checked once: buf.write when a runtime lacks them. */
type RawWrite = (this: Buffer, text: string, offset: number) => number;
const proto = Buffer.prototype as unknown as { latin1Write?: RawWrite; utf8Write?: RawWrite };
const latin1Write: RawWrite =
  typeof proto.latin1Write === 'function'
    ? proto.latin1Write
    : function (this: Buffer, text, offset) {
        return this.write(text, offset, 'latin1');
      };
const utf8Write: RawWrite =
  typeof proto.utf8Write === 'function'
    ? proto.utf8Write
    : function (this: Buffer, text, offset) {
        return this.write(text, offset, 'utf8');
      };
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
      case 'type':
      case 'ts':
      case 'src':
      case 'dst':
      case 'conn':
      case 'dir':
      case 'frames':
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

function messageHead(r: MessageRecord): string {
  return `{"type":"message","ts":${timeText(r.ts)},"src":${jsonString(r.src)},"dst":${jsonString(r.dst)},"conn":${jsonNumber(r.conn)},"dir":${jsonString(r.dir)}`;
}

const HEAD = Buffer.from('{"type":"message","ts":', 'latin1');
const SIZES = Buffer.from('],"sizes":[', 'latin1');
const HEURISTIC_TRUE = Buffer.from(',"heuristic":true', 'latin1');
const HEURISTIC_FALSE = Buffer.from(',"heuristic":false', 'latin1');
const ENVELOPE = Buffer.from(',"envelope":[', 'latin1');
const REPLY_TS = Buffer.from(',"replyTo":{"ts":', 'latin1');
const LATENCY = Buffer.from(',"latency":', 'latin1');
/** The same as words, for writeView (byte-words.ts). */
const HEAD_WORDS = new ByteWords(HEAD);
const SIZES_WORDS = new ByteWords(SIZES);
const HEURISTIC_WORDS = new ByteWords(HEURISTIC_TRUE);
const ENVELOPE_WORDS = new ByteWords(ENVELOPE);
const REPLY_TS_WORDS = new ByteWords(REPLY_TS);
const LATENCY_WORDS = new ByteWords(LATENCY);
/** Hex strings up to this long are copied by a loop here rather than a call into Node. */
const SHORT_HEX = 48;

/** The two hex digits of each byte value as one little-endian 16-bit number (first digit in the low byte):
 *  hexFrameList writes two bytes' hex with one DataView store, a quarter of the stores digit by digit. */
const HEX_PAIRS = new Uint16Array(256);
for (let i = 0; i < 256; i++) HEX_PAIRS[i] = '0123456789abcdef'.charCodeAt(i >> 4) | ('0123456789abcdef'.charCodeAt(i & 15) << 8);
/** Frames up to this long are turned into hex here; longer ones by Node (hexOf, then copied), which
 *  costs more per call and less per byte. */
const SHORT_FRAME = 256;

/**
 * The first `count` frames of `m` as a JSON list's items of lowercase hex ("0a","") at b[p] (`dv` a
 * DataView of b), room known to be there; the position after.
 */
function hexFrameList(b: Buffer, dv: DataView, p: number, m: MessageView, count: number): number {
  const { sources, starts, ends } = m;
  for (let i = 0; i < count; i++) {
    const f = sources[i];
    const start = starts[i];
    const end = ends[i];
    if (i > 0) b[p++] = 0x2c; // ,
    b[p++] = 0x22; // "
    if (end - start <= SHORT_FRAME) {
      // Two bytes' hex in one store.
      let j = start;
      for (; j + 1 < end; j += 2) {
        dv.setUint32(p, HEX_PAIRS[f[j]] | (HEX_PAIRS[f[j + 1]] << 16), true);
        p += 4;
      }
      if (j < end) {
        dv.setUint16(p, HEX_PAIRS[f[j]], true);
        p += 2;
      }
    } else {
      p += latin1Write.call(b, hexOf(f, start, end), p);
    }
    b[p++] = 0x22;
  }
  return p;
}

/** Hex strings as a JSON list's items ("a","b") at b[p], room known to be there; the position after. */
function hexList(b: Buffer, p: number, list: string[]): number {
  for (let i = 0; i < list.length; i++) {
    const hex = list[i];
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
  return p;
}

/** `,"src":..,"dst":..,"conn":..,"dir":..,"frames":[` of each connection direction, as bytes (the Inspector hands
 *  every record of a direction the same address strings, so checking them is a pointer compare). */
interface Route {
  src: string;
  dst: string;
  conn: number;
  dir: string;
  json: ByteWords;
}
const routes = new Map<number, Route>();

function routeJson(r: Pick<MessageRecord, 'src' | 'dst' | 'conn' | 'dir'>): ByteWords {
  const key = r.conn * 2 + (r.dir === 's2c' ? 1 : 0);
  let route = routes.get(key);
  if (route === undefined || route.src !== r.src || route.dst !== r.dst || route.conn !== r.conn || route.dir !== r.dir) {
    if (routes.size >= 10000) routes.clear();
    const text = `,"src":${jsonString(r.src)},"dst":${jsonString(r.dst)},"conn":${jsonNumber(r.conn)},"dir":${jsonString(r.dir)},"frames":[`;
    route = { src: r.src, dst: r.dst, conn: r.conn, dir: r.dir, json: new ByteWords(Buffer.from(text, 'utf8')) };
    routes.set(key, route);
  }
  return route.json;
}

/** A view's route: kept on its direction's tag, made once per direction (routeJson without a tag). */
function viewRouteJson(m: MessageView): ByteWords {
  const tag = m.tag;
  if (tag === undefined) return routeJson(m);
  return (tag.routeJson ??= routeJson(m));
}

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
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  /** A DataView of `buf` (see hexBytesList), made again whenever `buf` is replaced (setBuffer). */
  private dv: DataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private pos = 0;
  private blocked: Promise<void> | undefined;
  /** Set when the reader went away (EPIPE): stop decoding, it is not an error. */
  closed = false;
  /** A write error other than the reader going away. */
  failure?: Error;

  constructor(
    private readonly out: Writable,
    private readonly json: boolean,
  ) {
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
   * copy), without building the line as a string first, and so do times, sizes, envelopes and reply
   * pairing (the fields of nearly every message). Fields go in the order the Inspector makes them (type,
   * ts, src, dst, conn, dir, frames, sizes, heuristic, envelope, replyTo); a record with other fields
   * goes through messageTail, which follows the record's own key order.
   */
  private writeMessage(r: MessageRecord): void {
    const frames = r.frames;
    const sizes = r.sizes;
    const envelope = r.envelope;
    const replyTo = r.replyTo;
    const route = routeJson(r).bytes;
    const usual =
      sizes !== undefined &&
      r.truncated === undefined &&
      r.subscription === undefined &&
      r.sqn === undefined &&
      r.group === undefined &&
      r.repaired === undefined;
    // Room for the whole line, worked out once: a number's JSON text takes at most 24 bytes.
    let need = HEAD.length + 24 + route.length + 2;
    for (let i = 0; i < frames.length; i++) need += frames[i].length + 3;
    if (usual) {
      need += SIZES.length + 24 * sizes.length + 20;
      if (envelope !== undefined) for (let i = 0; i < envelope.length; i++) need += envelope[i].length + 3;
      if (replyTo !== undefined) need += REPLY_TS.length + LATENCY.length + 2 * 24 + 1;
    }
    if (this.pos + need > this.buf.length) this.room(need);
    const b = this.buf;
    let p = this.pos;
    b.set(HEAD, p);
    p += HEAD.length;
    p = this.time(p, r.ts);
    b.set(route, p);
    p += route.length;
    p = hexList(b, p, frames);
    if (!usual) {
      this.pos = p;
      this.ascii(']' + messageTail(r) + '}');
      return;
    }
    b.set(SIZES, p);
    p += SIZES.length;
    for (let i = 0; i < sizes.length; i++) {
      if (i > 0) b[p++] = 0x2c;
      const n = sizes[i];
      if (n >= 0 && n < 1e15 && n === Math.floor(n)) p = writeInteger(b, p, n);
      else p += latin1Write.call(b, jsonNumber(n), p); // not a byte count; never from the Inspector
    }
    b[p++] = 0x5d; // ]
    if (r.heuristic !== undefined) {
      b.set(r.heuristic ? HEURISTIC_TRUE : HEURISTIC_FALSE, p);
      p += r.heuristic ? HEURISTIC_TRUE.length : HEURISTIC_FALSE.length;
    }
    if (envelope !== undefined) {
      b.set(ENVELOPE, p);
      p += ENVELOPE.length;
      p = hexList(b, p, envelope);
      b[p++] = 0x5d; // ]
    }
    if (replyTo !== undefined) p = this.replyTo(p, replyTo.ts, replyTo.latency);
    b[p++] = 0x7d; // }
    this.pos = p;
  }

  /**
   * A message from the inspector's onMessage, as writeMessage would write its record, but with the hex
   * written straight from the frame buffers. Messages with a subscription or a frame cut short (rare)
   * go through their record.
   */
  writeView(m: MessageView): void {
    if (this.closed) return;
    if (!this.json || m.subscription !== undefined || (m.maxFrameBytes !== Infinity && m.truncated)) {
      this.write(m.toRecord());
      return;
    }
    const count = m.count;
    const { starts, ends } = m;
    const route = viewRouteJson(m);
    const envelope = m.envelopeFrames;
    // Room for the whole line: a number's JSON text takes at most 24 bytes; a frame's size, 16 digits;
    // words may write WORD_SLACK bytes past the end.
    let need = HEAD.length + 24 + route.length + SIZES.length + 2 + HEURISTIC_TRUE.length + 1 + WORD_SLACK;
    need += ENVELOPE.length + 1 + REPLY_TS.length + LATENCY.length + 2 * 24 + 1;
    for (let i = 0; i < count; i++) need += (i < envelope ? 2 : 1) * (2 * (ends[i] - starts[i]) + 3) + 17;
    if (this.pos + need > this.buf.length) this.room(need);
    const b = this.buf;
    const dv = this.dv;
    let p = putWords(b, dv, this.pos, HEAD_WORDS);
    p = this.time(p, m.ts);
    p = putWords(b, dv, p, route);
    p = hexFrameList(b, dv, p, m, count);
    p = putWords(b, dv, p, SIZES_WORDS);
    for (let i = 0; i < count; i++) {
      if (i > 0) b[p++] = 0x2c;
      p = writeInteger(b, p, ends[i] - starts[i]);
    }
    b[p++] = 0x5d; // ]
    if (m.heuristic) p = putWords(b, dv, p, HEURISTIC_WORDS);
    if (envelope >= 0) {
      p = putWords(b, dv, p, ENVELOPE_WORDS);
      p = hexFrameList(b, dv, p, m, envelope);
      b[p++] = 0x5d; // ]
    }
    if (m.replied) {
      p = putWords(b, dv, p, REPLY_TS_WORDS);
      p = this.time(p, m.replyTs);
      p = putWords(b, dv, p, LATENCY_WORDS);
      p = this.time(p, m.latency);
      b[p++] = 0x7d; // }
    }
    b[p++] = 0x7d; // }
    b[p++] = 0x0a; // \n
    this.pos = p;
  }

  /** `,"replyTo":{"ts":..,"latency":..}` at buf[p], room known to be there; the position after. */
  private replyTo(p: number, ts: number, latency: number): number {
    const b = this.buf;
    b.set(REPLY_TS, p);
    p += REPLY_TS.length;
    p = this.time(p, ts);
    b.set(LATENCY, p);
    p += LATENCY.length;
    p = this.time(p, latency);
    b[p++] = 0x7d; // }
    return p;
  }

  /** A time as JSON at buf[p] (room for 24 bytes is there): digits from the microseconds when exact. */
  private time(p: number, ts: number): number {
    const end = writeMicroTime(this.buf, p, ts, this.dv);
    return end >= 0 ? end : p + latin1Write.call(this.buf, timeText(ts), p);
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
    if (n + 1 > this.buf.length) this.setBuffer(Buffer.allocUnsafe(n + 1));
  }

  private setBuffer(buf: Buffer): void {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
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
    if (this.out.writableLength !== 0 || this.buf.length !== CHUNK) this.setBuffer(Buffer.allocUnsafe(CHUNK));
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

  /** "zmtp decode: warning: [CODE] text", as records read in text output (the text names its packet itself). */
  print(w: CaptureWarning): void {
    this.count++;
    if (this.count <= MAX_WARNINGS) process.stderr.write(`${this.prefix}: warning: [${w.code}] ${w.message}\n`);
  }

  finish(): void {
    if (this.count > MAX_WARNINGS) process.stderr.write(`${this.prefix}: ${this.count - MAX_WARNINGS} more warnings not shown\n`);
  }
}

export function summaryLine(s: Omit<DecodeSummary, 'format'>): string {
  const tcp = s.connections.filter((c) => !c.pgm);
  const zmtp = tcp.filter(
    (c) => c.state !== 'not-zmtp' && (c.versions.c2s || c.versions.s2c || c.counts.c2s.messages + c.counts.s2c.messages > 0),
  ).length;
  const pgm = s.connections.length - tcp.length;
  return (
    `${s.packets} packets, ${s.stats.connections - pgm} TCP connections (${zmtp} ZMTP), ${pgm ? `${pgm} PGM sessions, ` : ''}${s.stats.messages} messages, ` +
    `${s.stats.commands} commands, ${s.stats.errors} decode problems${s.warnings ? `, ${s.warnings} capture warnings` : ''}\n`
  );
}
