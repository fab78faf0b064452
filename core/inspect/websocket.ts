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
  return header ? header.split(',').map((p) => p.trim()).filter((p) => p.length > 0) : [];
}

/** The mechanism a ZWS subprotocol names; the bare "ZWS2.0" is libzmq's mechanism-less NULL. */
export function zwsMechanism(protocol: string): string | undefined {
  if (protocol === 'ZWS2.0') return 'NULL';
  return protocol.startsWith('ZWS2.0/') ? protocol.slice('ZWS2.0/'.length) : undefined;
}

/**
 * WebSocket frames of one direction, reassembled into whole messages (continuation frames joined,
 * client masking undone). Keeps only the bytes of an unfinished frame, copied.
 */
export class WsMessageReader {
  private rest: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private messageOpcode = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** Unfinished frame bytes held. */
  get buffered(): number {
    return this.rest.length + this.partsBytes;
  }

  /** Parses `data`; calls onMessage per whole message (control frames included). Returns an error text. */
  push(data: Buffer, onMessage: (opcode: number, payload: Buffer) => void): string | undefined {
    let buf = this.rest.length ? Buffer.concat([this.rest, data]) : data;
    for (;;) {
      if (buf.length < 2) break;
      const b0 = buf[0];
      const b1 = buf[1];
      if (b0 & 0x70) return `WebSocket frame with reserved bits 0x${(b0 & 0x70).toString(16)} set (no extension was negotiated)`;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      let len = b1 & 0x7f;
      let pos = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        pos = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        const high = buf.readUInt32BE(2);
        if (high > 0x1fffff) return 'WebSocket frame length above 2^53';
        len = high * 0x100000000 + buf.readUInt32BE(6);
        pos = 10;
      }
      if (len + this.partsBytes > this.maxMessageSize) return `WebSocket message of ${len + this.partsBytes} bytes exceeds the ${this.maxMessageSize}-byte limit`;
      const masked = (b1 & 0x80) !== 0;
      const keyAt = pos;
      if (masked) pos += 4;
      if (buf.length < pos + len) break;
      let payload = buf.subarray(pos, pos + len);
      if (masked) {
        const key = buf.subarray(keyAt, keyAt + 4);
        const clear = Buffer.allocUnsafe(len);
        for (let i = 0; i < len; i++) clear[i] = payload[i] ^ key[i & 3];
        payload = clear;
      }
      buf = buf.subarray(pos + len);
      if (opcode >= 0x8) {
        if (!fin || len > 125) return `WebSocket control frame (opcode ${opcode}) fragmented or longer than 125 bytes`;
        onMessage(opcode, payload);
        continue;
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
        continue;
      }
      let message = payload;
      if (this.parts.length > 0) {
        message = Buffer.concat([...this.parts, payload]);
        this.parts = [];
        this.partsBytes = 0;
      }
      onMessage(this.messageOpcode, message);
    }
    this.rest = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return undefined;
  }
}
