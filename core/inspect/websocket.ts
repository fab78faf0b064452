// ZeroMQ over WebSocket (ZWS 2.0, RFC 45 as libzmq 4.3 speaks it) in a captured TCP stream: an HTTP
// upgrade whose Sec-WebSocket-Protocol names the mechanism ("ZWS2.0/NULL", "ZWS2.0/PLAIN", ...), then
// WebSocket frames (RFC 6455), each binary message holding one ZMTP frame as a flags byte (0x01 MORE,
// 0x02 COMMAND) and the body. There is no ZMTP greeting. Parsing never throws: problems come back as text.

/** An HTTP head longer than this is not a WebSocket upgrade worth waiting for. */
export const MAX_HTTP_HEAD = 16 * 1024;

export const WS_TEXT = 0x1;
export const WS_BINARY = 0x2;
export const WS_CLOSE = 0x8;

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Whether a stream's first bytes are an HTTP request (client) or response (server): 'yes', 'no', or
 * 'maybe' while fewer bytes than "GET " / "HTTP/" have arrived and they match so far.
 */
export function startsHttp(head: Buffer, dir: 'c2s' | 's2c'): 'yes' | 'no' | 'maybe' {
  const prefix = dir === 'c2s' ? 'GET ' : 'HTTP/';
  const n = Math.min(head.length, prefix.length);
  if (head.toString('latin1', 0, n) !== prefix.slice(0, n)) return 'no';
  return n === prefix.length ? 'yes' : 'maybe';
}

export interface HttpHead {
  /** "GET /path HTTP/1.1" or "HTTP/1.1 101 Switching Protocols". */
  startLine: string;
  /** Header names in lowercase; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Bytes of the head, including the blank line. */
  length: number;
}

export function parseHttpHead(buf: Buffer): HttpHead | 'more' | { error: string } {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return buf.length > MAX_HTTP_HEAD ? { error: `HTTP head longer than ${MAX_HTTP_HEAD} bytes` } : 'more';
  const [startLine, ...lines] = buf.toString('latin1', 0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `malformed HTTP header line ${JSON.stringify(line.slice(0, 80))}` };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { startLine, headers, length: end + CRLFCRLF.length };
}

/** The subprotocols in a Sec-WebSocket-Protocol header. */
export function protocolList(header: string | undefined): string[] {
  return header
    ? header
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0)
    : [];
}

/** The mechanism a ZWS subprotocol names; the bare "ZWS2.0" is libzmq's mechanism-less NULL. */
export function zwsMechanism(protocol: string): string | undefined {
  if (protocol === 'ZWS2.0') return 'NULL';
  return protocol.startsWith('ZWS2.0/') ? protocol.slice('ZWS2.0/'.length) : undefined;
}

/** Header bytes of a WebSocket frame at most: 2, 8 of extended length, 4 of mask key. */
const MAX_HEADER = 14;

/**
 * WebSocket frames of one direction, reassembled into whole messages (continuation frames joined,
 * client masking undone). Bytes of an unfinished frame are kept as a list of copied chunks and joined
 * once the frame is complete, so a large frame spread over many packets costs one copy, not one per packet.
 */
export class WsMessageReader {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Header of the frame in progress, once parsed. */
  private frame?: { fin: boolean; opcode: number; headerLength: number; length: number; key?: Buffer };
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private messageOpcode = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** Unfinished frame bytes held. */
  get buffered(): number {
    return this.chunkBytes + this.partsBytes;
  }

  /** Parses `data`; calls onMessage per whole message (control frames included). Returns an error text. */
  push(data: Buffer, onMessage: (opcode: number, payload: Buffer) => void): string | undefined {
    if (data.length > 0) {
      this.chunks.push(data);
      this.chunkBytes += data.length;
    }
    let error: string | undefined;
    for (;;) {
      if (!this.frame) {
        const header = this.peek(MAX_HEADER);
        const parsed = parseHeader(header, this.partsBytes, this.maxMessageSize);
        if (parsed === undefined) break;
        if (typeof parsed === 'string') {
          error = parsed;
          break;
        }
        this.frame = parsed;
      }
      const f = this.frame;
      if (this.chunkBytes < f.headerLength + f.length) break;
      this.frame = undefined;
      const bytes = this.take(f.headerLength + f.length);
      let payload = bytes.subarray(f.headerLength);
      if (f.key) {
        const clear = Buffer.allocUnsafe(payload.length);
        for (let i = 0; i < payload.length; i++) clear[i] = payload[i] ^ f.key[i & 3];
        payload = clear;
      }
      error = this.onFrame(f.fin, f.opcode, payload, onMessage);
      if (error) break;
    }
    // What stays is kept past this packet: copy what is still a view of its (shared, large) read buffer.
    // Chunks kept from earlier packets were copied then; this packet's bytes can only be the last chunk
    // (or, when the chunks before it were consumed, the first).
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last].buffer === data.buffer) this.chunks[last] = Buffer.from(this.chunks[last]);
    if (last > 0 && this.chunks[0].buffer === data.buffer) this.chunks[0] = Buffer.from(this.chunks[0]);
    return error;
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer, onMessage: (opcode: number, payload: Buffer) => void): string | undefined {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) return `WebSocket control frame (opcode ${opcode}) fragmented or longer than 125 bytes`;
      onMessage(opcode, payload);
      return undefined;
    }
    if (opcode === 0) {
      if (this.parts.length === 0) return 'WebSocket continuation frame without a message to continue';
    } else {
      if (this.parts.length > 0) return `WebSocket message (opcode ${opcode}) started inside an unfinished one`;
      if (opcode !== WS_TEXT && opcode !== WS_BINARY) return `WebSocket frame with unknown opcode ${opcode}`;
      this.messageOpcode = opcode;
    }
    if (!fin) {
      // Kept across packets: copied so the capture's read buffer is not.
      this.parts.push(Buffer.from(payload));
      this.partsBytes += payload.length;
      return undefined;
    }
    let message = payload;
    if (this.parts.length > 0) {
      message = Buffer.concat([...this.parts, payload]);
      this.parts = [];
      this.partsBytes = 0;
    }
    onMessage(this.messageOpcode, message);
    return undefined;
  }

  /** Up to `n` leading bytes (joined from the first chunks when the first is shorter). */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (!first || first.length >= n || this.chunks.length === 1) return first ?? Buffer.alloc(0);
    return Buffer.concat(this.chunks, Math.min(n, this.chunkBytes));
  }

  /** Removes and returns the first `n` bytes (no copy when the first chunk holds them). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.chunkBytes -= n;
    return out;
  }
}

/** A frame header from its first bytes: undefined while incomplete, a problem as text. */
function parseHeader(
  buf: Buffer,
  partsBytes: number,
  maxMessageSize: number,
): { fin: boolean; opcode: number; headerLength: number; length: number; key?: Buffer } | string | undefined {
  if (buf.length < 2) return undefined;
  const b0 = buf[0];
  const b1 = buf[1];
  if (b0 & 0x70) return `WebSocket frame with reserved bits 0x${(b0 & 0x70).toString(16)} set (no extension was negotiated)`;
  let length = b1 & 0x7f;
  let pos = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    pos = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    const high = buf.readUInt32BE(2);
    if (high > 0x1fffff) return 'WebSocket frame length above 2^53';
    length = high * 0x100000000 + buf.readUInt32BE(6);
    pos = 10;
  }
  if (length + partsBytes > maxMessageSize)
    return `WebSocket message of ${length + partsBytes} bytes exceeds the ${maxMessageSize}-byte limit`;
  let key: Buffer | undefined;
  if (b1 & 0x80) {
    if (buf.length < pos + 4) return undefined;
    key = Buffer.from(buf.subarray(pos, pos + 4));
    pos += 4;
  }
  return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, headerLength: pos, length, key };
}
