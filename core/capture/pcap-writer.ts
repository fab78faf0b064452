// Writers for classic pcap and pcapng, plus a TCP/IP packet builder. Used to save captures and by
// tests to rewrite real traffic (resegment, reorder, duplicate, shift sequence numbers).
import type { Writable } from 'node:stream';
import { isIPv4, isIPv6 } from 'node:net';
import { BT_EPB, BT_IDB, BT_PB, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC } from './pcapng.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './decode.js';

export interface WritablePacket {
  tsSec: number;
  /** Nanoseconds within the second. */
  tsNsec: number;
  data: Buffer;
  /** Defaults to data.length. */
  origLen?: number;
}

export interface PcapWriterOptions {
  linkType: number;
  /** Nanosecond-resolution file (magic 0xa1b23c4d); default microsecond. */
  nanosecond?: boolean;
  bigEndian?: boolean;
  snapLen?: number;
  /** When given, bytes are written to it as they are produced; otherwise collected for toBuffer(). */
  output?: Writable;
}

/** Classic pcap writer. */
export class PcapWriter {
  private readonly chunks: Buffer[] = [];
  private readonly opts: PcapWriterOptions;
  /** Packets written so far. */
  count = 0;

  constructor(opts: PcapWriterOptions) {
    this.opts = opts;
    const h = Buffer.alloc(24);
    const be = !!opts.bigEndian;
    const w32 = (v: number, o: number) => (be ? h.writeUInt32BE(v >>> 0, o) : h.writeUInt32LE(v >>> 0, o));
    const w16 = (v: number, o: number) => (be ? h.writeUInt16BE(v, o) : h.writeUInt16LE(v, o));
    w32(opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    w16(2, 4);
    w16(4, 6);
    w32(opts.snapLen ?? 262144, 16);
    w32(opts.linkType, 20);
    this.out(h);
  }

  write(p: WritablePacket): void {
    const h = Buffer.alloc(16);
    const be = !!this.opts.bigEndian;
    const w32 = (v: number, o: number) => (be ? h.writeUInt32BE(v >>> 0, o) : h.writeUInt32LE(v >>> 0, o));
    w32(p.tsSec, 0);
    w32(this.opts.nanosecond ? p.tsNsec : Math.floor(p.tsNsec / 1000), 4);
    w32(p.data.length, 8);
    w32(p.origLen ?? p.data.length, 12);
    this.out(h);
    this.out(p.data);
    this.count++;
  }

  /** Everything written, when no output stream was given. */
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private out(b: Buffer): void {
    if (this.opts.output) this.opts.output.write(b);
    else this.chunks.push(b);
  }
}

export interface PcapngInterface {
  linkType: number;
  snapLen?: number;
  /** Raw if_tsresol byte: 6 = microseconds (default), 9 = nanoseconds, 0x80|n = 2^-n seconds. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
  name?: string;
}

/** pcapng writer: sections, interfaces, enhanced/simple/obsolete packet blocks and arbitrary blocks. */
export class PcapngWriter {
  private readonly chunks: Buffer[] = [];
  private be = false;
  private interfaces: PcapngInterface[] = [];

  constructor(private readonly output?: Writable) {}

  section(opts: { bigEndian?: boolean } = {}): this {
    this.be = !!opts.bigEndian;
    this.interfaces = [];
    const body = Buffer.alloc(16);
    this.w32(body, BYTE_ORDER_MAGIC, 0);
    this.w16(body, 1, 4);
    this.w16(body, 0, 6);
    body.writeBigInt64LE(-1n, 8); // section length unknown (same bytes in both orders)
    return this.block(BT_SHB, body);
  }

  /** Adds an interface; returns its id within the current section. */
  addInterface(i: PcapngInterface): number {
    const opts: Buffer[] = [];
    if (i.name !== undefined) opts.push(this.option(2, Buffer.from(i.name)));
    if (i.tsresol !== undefined) opts.push(this.option(9, Buffer.from([i.tsresol])));
    if (i.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.be) v.writeBigInt64BE(i.tsoffset);
      else v.writeBigInt64LE(i.tsoffset);
      opts.push(this.option(14, v));
    }
    if (opts.length) opts.push(Buffer.alloc(4)); // opt_endofopt
    const fixed = Buffer.alloc(8);
    this.w16(fixed, i.linkType, 0);
    this.w32(fixed, i.snapLen ?? 262144, 4);
    this.block(BT_IDB, Buffer.concat([fixed, ...opts]));
    this.interfaces.push(i);
    return this.interfaces.length - 1;
  }

  /** Enhanced Packet Block; the timestamp is given in the interface's units (see tsUnits). */
  enhancedPacket(interfaceId: number, tsUnits: bigint, data: Buffer, origLen = data.length): this {
    const fixed = Buffer.alloc(20);
    this.w32(fixed, interfaceId, 0);
    this.w32(fixed, Number(tsUnits >> 32n), 4);
    this.w32(fixed, Number(tsUnits & 0xffffffffn), 8);
    this.w32(fixed, data.length, 12);
    this.w32(fixed, origLen, 16);
    return this.block(BT_EPB, Buffer.concat([fixed, pad4(data)]));
  }

  /** Enhanced Packet Block with the timestamp converted from seconds + nanoseconds. */
  packet(interfaceId: number, p: WritablePacket): this {
    return this.enhancedPacket(interfaceId, this.tsUnits(interfaceId, p.tsSec, p.tsNsec), p.data, p.origLen);
  }

  simplePacket(data: Buffer, origLen = data.length): this {
    const fixed = Buffer.alloc(4);
    this.w32(fixed, origLen, 0);
    return this.block(BT_SPB, Buffer.concat([fixed, pad4(data)]));
  }

  /** Obsolete Packet Block (type 2). */
  obsoletePacket(interfaceId: number, tsUnits: bigint, data: Buffer, origLen = data.length): this {
    const fixed = Buffer.alloc(20);
    this.w16(fixed, interfaceId, 0);
    this.w16(fixed, 0, 2); // drops count
    this.w32(fixed, Number(tsUnits >> 32n), 4);
    this.w32(fixed, Number(tsUnits & 0xffffffffn), 8);
    this.w32(fixed, data.length, 12);
    this.w32(fixed, origLen, 16);
    return this.block(BT_PB, Buffer.concat([fixed, pad4(data)]));
  }

  /** Any block (e.g. statistics or custom) with the given body (padded to 4 bytes). */
  block(type: number, body: Buffer): this {
    const b = pad4(body);
    const total = b.length + 12;
    const head = Buffer.alloc(8);
    this.w32(head, type, 0);
    this.w32(head, total, 4);
    const tail = Buffer.alloc(4);
    this.w32(tail, total, 0);
    this.out(Buffer.concat([head, b, tail]));
    return this;
  }

  /** Seconds + nanoseconds expressed in an interface's timestamp units. */
  tsUnits(interfaceId: number, sec: number, nsec: number): bigint {
    const i = this.interfaces[interfaceId];
    const r = i?.tsresol ?? 6;
    const ups = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
    const s = BigInt(sec) - (i?.tsoffset ?? 0n);
    return s * ups + (BigInt(nsec) * ups) / 1_000_000_000n;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private option(code: number, value: Buffer): Buffer {
    const h = Buffer.alloc(4);
    this.w16(h, code, 0);
    this.w16(h, value.length, 2);
    return Buffer.concat([h, pad4(value)]);
  }

  private w32(b: Buffer, v: number, o: number): void {
    if (this.be) b.writeUInt32BE(v >>> 0, o);
    else b.writeUInt32LE(v >>> 0, o);
  }

  private w16(b: Buffer, v: number, o: number): void {
    if (this.be) b.writeUInt16BE(v, o);
    else b.writeUInt16LE(v, o);
  }

  private out(b: Buffer): void {
    if (this.output) this.output.write(b);
    else this.chunks.push(b);
  }
}

function pad4(b: Buffer): Buffer {
  const r = b.length % 4;
  return r === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - r)]);
}

export interface TcpPacketSpec {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  /** TCP_* flags; default ACK|PSH when there is a payload, ACK otherwise. */
  flags?: number;
  window?: number;
  payload?: Buffer;
  /** Raw TCP option bytes (padded to 4). */
  tcpOptions?: Buffer;
  /** Link type to frame it for: Ethernet (default), NULL, LOOP, SLL, SLL2, RAW, IPV4/IPV6. */
  linkType?: number;
  /** 802.1Q VLAN ids to tag an Ethernet frame with (outermost first). */
  vlans?: number[];
  ttl?: number;
}

/** Builds a TCP/IP packet with valid checksums, framed for the requested link type. */
export function buildTcpPacket(s: TcpPacketSpec): Buffer {
  const payload = s.payload ?? Buffer.alloc(0);
  const opts = pad4(s.tcpOptions ?? Buffer.alloc(0));
  const tcp = Buffer.alloc(20 + opts.length + payload.length);
  tcp.writeUInt16BE(s.srcPort, 0);
  tcp.writeUInt16BE(s.dstPort, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  const flags = s.flags ?? (payload.length ? 0x18 : 0x10);
  tcp[12] = (((20 + opts.length) / 4) << 4) | ((flags >> 8) & 1);
  tcp[13] = flags & 0xff;
  tcp.writeUInt16BE(s.window ?? 65535, 14);
  opts.copy(tcp, 20);
  payload.copy(tcp, 20 + opts.length);

  let ip: Buffer;
  const v6 = isIPv6(s.src);
  if (!v6 && !isIPv4(s.src)) throw new TypeError(`buildTcpPacket: not an IP address: ${s.src}`);
  if (v6) {
    const src = ipv6Bytes(s.src);
    const dst = ipv6Bytes(s.dst);
    const pseudo = Buffer.alloc(40);
    src.copy(pseudo, 0);
    dst.copy(pseudo, 16);
    pseudo.writeUInt32BE(tcp.length, 32);
    pseudo[39] = 6;
    tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp])), 16);
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(tcp.length, 4);
    ip[6] = 6;
    ip[7] = s.ttl ?? 64;
    src.copy(ip, 8);
    dst.copy(ip, 24);
  } else {
    const src = Buffer.from(s.src.split('.').map(Number));
    const dst = Buffer.from(s.dst.split('.').map(Number));
    const pseudo = Buffer.alloc(12);
    src.copy(pseudo, 0);
    dst.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcp.length, 10);
    tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp])), 16);
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcp.length, 2);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = s.ttl ?? 64;
    ip[9] = 6;
    src.copy(ip, 12);
    dst.copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
  }
  const packet = Buffer.concat([ip, tcp]);
  const ethertype = v6 ? 0x86dd : 0x0800;
  switch (s.linkType ?? LINKTYPE_ETHERNET) {
    case LINKTYPE_ETHERNET: {
      const tags = (s.vlans ?? []).map((id, i, all) => {
        const t = Buffer.alloc(4);
        t.writeUInt16BE(id & 0x0fff, 0);
        t.writeUInt16BE(i + 1 < all.length ? 0x8100 : ethertype, 2);
        return t;
      });
      const eth = Buffer.alloc(14);
      Buffer.from([2, 0, 0, 0, 0, 2]).copy(eth, 0);
      Buffer.from([2, 0, 0, 0, 0, 1]).copy(eth, 6);
      eth.writeUInt16BE(tags.length ? (tags.length > 1 ? 0x88a8 : 0x8100) : ethertype, 12);
      return Buffer.concat([eth, ...tags, packet]);
    }
    case LINKTYPE_NULL: {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(v6 ? 30 : 2, 0);
      return Buffer.concat([h, packet]);
    }
    case LINKTYPE_LOOP: {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(v6 ? 24 : 2, 0);
      return Buffer.concat([h, packet]);
    }
    case LINKTYPE_LINUX_SLL: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0); // to us
      h.writeUInt16BE(772, 2); // ARPHRD_LOOPBACK
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(ethertype, 14);
      return Buffer.concat([h, packet]);
    }
    case LINKTYPE_LINUX_SLL2: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(ethertype, 0);
      h.writeUInt32BE(1, 4); // interface index
      h.writeUInt16BE(772, 8);
      h[11] = 6;
      return Buffer.concat([h, packet]);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return packet;
    default:
      throw new TypeError(`buildTcpPacket: cannot frame for link type ${s.linkType}`);
  }
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** Internet checksum (RFC 1071). */
export function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Splits an Ethernet (no VLAN tags) or raw-IP frame into IP fragments carrying at most `maxData` bytes of
 * the IP payload each (rounded down to a multiple of 8), as a router on a small-MTU link would: IPv4
 * fragments get offsets, MF and a fresh header checksum (DF cleared); IPv6 gets a fragment header with
 * `id`. For tests and sample captures of the defragmenter.
 */
export function fragmentIpPacket(frame: Buffer, linkType: number, maxData: number, id: number): Buffer[] {
  const link = linkType === LINKTYPE_ETHERNET ? 14 : linkType === LINKTYPE_RAW ? 0 : -1;
  if (link < 0) throw new TypeError(`fragmentIpPacket: link type ${linkType} is not Ethernet or raw IP`);
  const step = Math.floor(maxData / 8) * 8;
  if (step < 8) throw new RangeError('fragmentIpPacket: maxData must be at least 8');
  const linkHeader = frame.subarray(0, link);
  const ip = frame.subarray(link);
  const out: Buffer[] = [];
  if (ip[0] >> 4 === 4) {
    const ihl = (ip[0] & 0x0f) * 4;
    const payload = ip.subarray(ihl, ip.readUInt16BE(2));
    for (let off = 0; off < payload.length; off += step) {
      const chunk = payload.subarray(off, off + step);
      const header = Buffer.from(ip.subarray(0, ihl));
      header.writeUInt16BE(ihl + chunk.length, 2);
      header.writeUInt16BE(id & 0xffff, 4);
      header.writeUInt16BE((off + step < payload.length ? 0x2000 : 0) | (off / 8), 6);
      header.writeUInt16BE(0, 10);
      header.writeUInt16BE(checksum(header), 10);
      out.push(Buffer.concat([linkHeader, header, chunk]));
    }
    return out;
  }
  const payload = ip.subarray(40, 40 + ip.readUInt16BE(4));
  for (let off = 0; off < payload.length; off += step) {
    const chunk = payload.subarray(off, off + step);
    const header = Buffer.from(ip.subarray(0, 40));
    header[6] = 44;
    header.writeUInt16BE(8 + chunk.length, 4);
    const frag = Buffer.alloc(8);
    frag[0] = ip[6];
    frag.writeUInt16BE(off | (off + step < payload.length ? 1 : 0), 2);
    frag.writeUInt32BE(id >>> 0, 4);
    out.push(Buffer.concat([linkHeader, header, frag, chunk]));
  }
  return out;
}
