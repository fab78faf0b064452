// Link, IP and TCP header decoding for captured packets. Malformed or short packets come back as
// a CaptureWarning (never thrown); packets that are well-formed but not TCP over IP return null.
import { captureWarning, type CaptureWarning, type Packet } from './types.js';
import type { CaptureWarningCode } from './diagnostics.js';
import type { IpDefragmenter } from './defrag.js';
import type { DatagramSink } from './datagram.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_DLT12 = 12;
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_NS = 0x100;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  sack?: [number, number][];
  timestamp?: { value: number; echo: number };
}

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP_* bits (FIN 0x01 ... CWR 0x80, NS 0x100). */
  flags: number;
  window: number;
  options: TcpOptions;
  /** Captured payload bytes. */
  payload: Buffer;
  /** Payload length on the wire; larger than payload.length when the snap length cut the packet. */
  payloadLength: number;
}

export interface DecodedPacket {
  kind: 'tcp';
  ipVersion: 4 | 6;
  /** Source / destination address text (dotted IPv4, RFC 5952 IPv6). */
  src: string;
  dst: string;
  /** 802.1Q / QinQ VLAN ids, outermost first, when present. */
  vlans?: number[];
  tcp: TcpSegment;
}

/** Decodes a captured packet down to TCP. null: valid but not TCP/IP (ARP, UDP, ...). */
export function decodeLinkLayer(p: Packet, f?: FragmentContext): DecodedPacket | CaptureWarning | null {
  const d = p.data;
  const w = p.index; // warnings name the packet (see warning)
  switch (p.linkType) {
    case LINKTYPE_ETHERNET: {
      if (d.length < 14) return warning(w, `Ethernet header needs 14 bytes, packet has ${d.length}`);
      let type = d.readUInt16BE(12);
      let off = 14;
      let vlans: number[] | undefined;
      while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
        if (d.length < off + 4) return warning(w, `VLAN tag at offset ${off} is cut short`);
        (vlans ??= []).push(d.readUInt16BE(off) & 0x0fff);
        type = d.readUInt16BE(off + 2);
        off += 4;
        if (vlans.length > 8) return warning(w, 'more than 8 stacked VLAN tags');
      }
      const r = byEthertype(type, d, off, w, f);
      if (r && r.kind === 'tcp' && vlans) r.vlans = vlans;
      return r;
    }
    case LINKTYPE_LINUX_SLL:
      if (d.length < 16) return warning(w, `Linux cooked (SLL) header needs 16 bytes, packet has ${d.length}`);
      return byEthertype(d.readUInt16BE(14), d, 16, w, f);
    case LINKTYPE_LINUX_SLL2:
      if (d.length < 20) return warning(w, `Linux cooked v2 (SLL2) header needs 20 bytes, packet has ${d.length}`);
      return byEthertype(d.readUInt16BE(0), d, 20, w, f);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (d.length < 4) return warning(w, `loopback header needs 4 bytes, packet has ${d.length}`);
      // The address family is in the capturing host's byte order (NULL) or network order (LOOP);
      // accept either: a family value always fits in the low 16 bits.
      let family = d.readUInt32LE(0);
      if (family > 0xffff) family = d.readUInt32BE(0);
      if (family === 2) return ipv4(d, 4, w, f);
      if (family === 10 || family === 24 || family === 28 || family === 30) return ipv6(d, 4, w, f);
      return null;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14: {
      if (d.length < 1) return warning(w, 'empty raw IP packet');
      const version = d[0] >> 4;
      if (version === 4) return ipv4(d, 0, w, f);
      if (version === 6) return ipv6(d, 0, w, f);
      return warning(w, `raw IP packet has IP version ${version}`);
    }
    case LINKTYPE_IPV4:
      return ipv4(d, 0, w, f);
    case LINKTYPE_IPV6:
      return ipv6(d, 0, w, f);
    default:
      return warning(w, `link type ${p.linkType} is not supported`, 'CAPTURE_UNSUPPORTED');
  }
}

/** The packet index warnings name. Passed down rather than a closure that builds them: that would be made
 *  for every packet and used for almost none. */
type Warn = number;

function warning(index: Warn, msg: string, code: CaptureWarningCode = 'PACKET_MALFORMED'): CaptureWarning {
  return captureWarning(code, `packet ${index}: ${msg}`, index);
}

/** Fragment reassembly for a packet: the caller's defragmenter, the packet's time, and where warnings about
 *  datagrams given up on (while handling this packet) go. Without it fragments are reported and skipped. */
export interface FragmentContext {
  defrag: IpDefragmenter;
  ts: number;
  warn: (w: CaptureWarning) => void;
  /** Where whole IP datagrams that are not TCP (UDP, PGM, ...) go, when the caller wants them. */
  datagram?: DatagramSink;
}

// The IP and TCP decoders take the packet and the offset their header starts at (no views per layer).

function byEthertype(type: number, d: Buffer, off: number, w: Warn, f?: FragmentContext): DecodedPacket | CaptureWarning | null {
  if (type === ETHERTYPE_IPV4) return ipv4(d, off, w, f);
  if (type === ETHERTYPE_IPV6) return ipv6(d, off, w, f);
  return null;
}

/** Hands a fragment to the defragmenter; decodes the TCP segment once its datagram is whole. */
function defragment(
  f: FragmentContext,
  w: Warn,
  ipVersion: 4 | 6,
  src: string,
  dst: string,
  key: string,
  offset: number,
  more: boolean,
  data: Buffer,
  what: string,
): DecodedPacket | CaptureWarning | null {
  const r = f.defrag.add(key, offset, more, data, f.ts, what, (message) => f.warn(warning(w, message, 'IP_FRAGMENT_DROPPED')));
  if (r === null) return null; // waiting for the rest
  if (typeof r === 'string') return warning(w, r, 'IP_FRAGMENT_MALFORMED');
  return tcp(ipVersion, src, dst, r, 0, r.length, r.length, w);
}

/** Dotted text of the IPv4 address at d[o..o+4], from a small cache (captures repeat a few addresses). */
const v4Text = new Map<number, string>();
/** The last two addresses looked up, before the map: a conversation's packets name the same two. */
let v4KeyA = -1;
let v4TextA = '';
let v4KeyB = -1;
let v4TextB = '';
function ipv4Text(d: Buffer, o: number): string {
  const key = ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
  if (key === v4KeyA) return v4TextA;
  if (key === v4KeyB) return v4TextB;
  const text = cachedIpv4Text(d, o, key);
  v4KeyB = v4KeyA;
  v4TextB = v4TextA;
  v4KeyA = key;
  v4TextA = text;
  return text;
}

function cachedIpv4Text(d: Buffer, o: number, key: number): string {
  let text = v4Text.get(key);
  if (text === undefined) {
    text = `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
    if (v4Text.size >= 4096) v4Text.clear();
    v4Text.set(key, text);
  }
  return text;
}

function ipv4(d: Buffer, o: number, w: Warn, f?: FragmentContext): DecodedPacket | CaptureWarning | null {
  const captured = d.length - o;
  if (captured < 20) return warning(w, `IPv4 header needs 20 bytes, ${captured} captured`);
  const version = d[o] >> 4;
  if (version !== 4) return warning(w, `IPv4 header has version ${version}`);
  const ihl = (d[o] & 0x0f) * 4;
  if (ihl < 20) return warning(w, `IPv4 header length ${ihl} is below 20`);
  if (captured < ihl) return warning(w, `IPv4 header with options needs ${ihl} bytes, ${captured} captured`);
  let total = d.readUInt16BE(o + 2);
  // Total length 0 appears in captures of TSO-offloaded packets: trust the captured length.
  if (total === 0) total = captured;
  if (total < ihl) return warning(w, `IPv4 total length ${total} is smaller than its header (${ihl})`);
  const fragField = d.readUInt16BE(o + 6);
  const moreFragments = (fragField & 0x2000) !== 0;
  const fragOffset = (fragField & 0x1fff) * 8;
  const proto = d[o + 9];
  if (moreFragments || fragOffset !== 0) {
    if (proto !== 6) return null;
    const id = d.readUInt16BE(o + 4);
    const src = ipv4Text(d, o + 12);
    const dst = ipv4Text(d, o + 16);
    const what = `IPv4 datagram (id ${id}) from ${src} to ${dst}`;
    if (!f) return warning(w, `${what}: fragment at offset ${fragOffset} is not reassembled; skipped`, 'IP_FRAGMENT_SKIPPED');
    if (captured < total)
      return warning(
        w,
        `${what}: fragment at offset ${fragOffset} was cut by the snap length (${captured} of ${total} bytes); cannot reassemble`,
        'IP_FRAGMENT_SKIPPED',
      );
    return defragment(f, w, 4, src, dst, `4 ${src} ${dst} ${id}`, fragOffset, moreFragments, d.subarray(o + ihl, o + total), what);
  }
  // Bytes past `total` are link-layer padding (short Ethernet frames); bytes missing were cut by the snap length.
  const end = o + Math.min(total, captured);
  if (proto !== 6) {
    f?.datagram?.({
      ipVersion: 4,
      src: ipv4Text(d, o + 12),
      dst: ipv4Text(d, o + 16),
      protocol: proto,
      payload: d.subarray(o + ihl, end),
      length: total - ihl,
    });
    return null;
  }
  return tcp(4, ipv4Text(d, o + 12), ipv4Text(d, o + 16), d, o + ihl, end, total - ihl, w);
}

const V6_HOP_BY_HOP = 0;
const V6_ROUTING = 43;
const V6_FRAGMENT = 44;
const V6_ESP = 50;
const V6_AH = 51;
const V6_NO_NEXT = 59;
const V6_DEST_OPTS = 60;
const V6_MOBILITY = 135;
const V6_HIP = 139;
const V6_SHIM6 = 140;

function ipv6(p: Buffer, o: number, w: Warn, f?: FragmentContext): DecodedPacket | CaptureWarning | null {
  // Extension headers are walked with offsets relative to the IPv6 header (as the messages report them).
  const d = o === 0 ? p : p.subarray(o);
  if (d.length < 40) return warning(w, `IPv6 header needs 40 bytes, ${d.length} captured`);
  const version = d[0] >> 4;
  if (version !== 6) return warning(w, `IPv6 header has version ${version}`);
  let payloadLen = d.readUInt16BE(4);
  if (payloadLen === 0) payloadLen = d.length - 40; // jumbogram or TSO capture: trust the captured length
  const src = ipv6Text(d.subarray(8, 24));
  const dst = ipv6Text(d.subarray(24, 40));
  const end = 40 + payloadLen;
  let next = d[6];
  let off = 40;
  for (let hops = 0; ; hops++) {
    if (hops > 16) return warning(w, 'more than 16 IPv6 extension headers');
    if (next === 6) break;
    if (
      next === V6_HOP_BY_HOP ||
      next === V6_ROUTING ||
      next === V6_DEST_OPTS ||
      next === V6_MOBILITY ||
      next === V6_HIP ||
      next === V6_SHIM6
    ) {
      if (d.length < off + 2) return warning(w, `IPv6 extension header ${next} at offset ${off} is cut short`);
      const len = (d[off + 1] + 1) * 8;
      next = d[off];
      off += len;
    } else if (next === V6_AH) {
      if (d.length < off + 2) return warning(w, `IPv6 authentication header at offset ${off} is cut short`);
      const len = (d[off + 1] + 2) * 4;
      next = d[off];
      off += len;
    } else if (next === V6_FRAGMENT) {
      if (d.length < off + 8) return warning(w, `IPv6 fragment header at offset ${off} is cut short`);
      const field = d.readUInt16BE(off + 2);
      const fragOffset = field & 0xfff8;
      const more = (field & 1) !== 0;
      if (fragOffset !== 0 || more) {
        const id = d.readUInt32BE(off + 4);
        const what = `IPv6 datagram (id ${id}) from ${src} to ${dst}`;
        // Only the first fragment names the upper protocol; later ones are taken on trust until the
        // datagram is whole, and one that is not TCP is then dropped without a word (as UDP is).
        if (!f) return warning(w, `${what}: fragment at offset ${fragOffset} is not reassembled; skipped`, 'IP_FRAGMENT_SKIPPED');
        if (fragOffset === 0 && d[off] !== 6) return null;
        if (d.length < end)
          return warning(
            w,
            `${what}: fragment at offset ${fragOffset} was cut by the snap length; cannot reassemble`,
            'IP_FRAGMENT_SKIPPED',
          );
        return defragment(f, w, 6, src, dst, `6 ${src} ${dst} ${id}`, fragOffset, more, d.subarray(off + 8, end), what);
      }
      next = d[off]; // atomic fragment: the whole packet is here
      off += 8;
    } else if (next === V6_ESP || next === V6_NO_NEXT) {
      return null;
    } else {
      // another upper-layer protocol (UDP, PGM, ICMPv6, ...)
      if (f?.datagram && d.length >= off && off <= end) {
        f.datagram({
          ipVersion: 6,
          src,
          dst,
          protocol: next,
          payload: p.subarray(o + off, o + Math.min(end, d.length)),
          length: end - off,
        });
      }
      return null;
    }
    if (off > end) return warning(w, `IPv6 extension headers (${off - 40} bytes) run past the payload length ${payloadLen}`);
  }
  if (d.length < off) return warning(w, `IPv6 extension headers end at ${off}, ${d.length} bytes captured`);
  return tcp(6, src, dst, p, o + off, o + Math.min(end, d.length), end - off, w);
}

function tcp(
  ipVersion: 4 | 6,
  src: string,
  dst: string,
  p: Buffer,
  o: number,
  end: number,
  wireLength: number,
  w: Warn,
): DecodedPacket | CaptureWarning {
  const captured = end - o;
  if (captured < 20) return warning(w, `${tcpWhere(ipVersion, src, dst)}: header needs 20 bytes, ${captured} captured`);
  const hlen = (p[o + 12] >> 4) * 4;
  if (hlen < 20) return warning(w, `${tcpWhere(ipVersion, src, dst)}: data offset ${hlen} is below 20`);
  if (hlen > wireLength)
    return warning(w, `${tcpWhere(ipVersion, src, dst)}: header length ${hlen} exceeds the segment length ${wireLength}`);
  if (hlen > captured) return warning(w, `${tcpWhere(ipVersion, src, dst)}: header with options needs ${hlen} bytes, ${captured} captured`);
  return { kind: 'tcp', ipVersion, src, dst, tcp: new TcpHeader(p, o, hlen, end, wireLength) };
}

function tcpWhere(ipVersion: 4 | 6, src: string, dst: string): string {
  return `TCP ${ipVersion === 6 ? `[${src}]` : src} -> ${ipVersion === 6 ? `[${dst}]` : dst}`;
}

/** A decoded TCP header. Its options are parsed when first asked for: reassembly never asks, and parsing
 *  them for every packet (an object or two each) was a noticeable part of a packet's cost. */
class TcpHeader implements TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly payload: Buffer;
  readonly payloadLength: number;
  private parsedOptions: TcpOptions | undefined;

  constructor(
    private readonly packet: Buffer,
    private readonly start: number,
    private readonly hlen: number,
    end: number,
    wireLength: number,
  ) {
    this.srcPort = (packet[start] << 8) | packet[start + 1];
    this.dstPort = (packet[start + 2] << 8) | packet[start + 3];
    this.seq = packet.readUInt32BE(start + 4);
    this.ack = packet.readUInt32BE(start + 8);
    this.flags = ((packet[start + 12] & 1) << 8) | packet[start + 13];
    this.window = (packet[start + 14] << 8) | packet[start + 15];
    this.payload = packet.subarray(start + hlen, end);
    this.payloadLength = wireLength - hlen;
  }

  get options(): TcpOptions {
    return (this.parsedOptions ??= tcpOptions(this.packet, this.start + 20, this.start + this.hlen));
  }
}

/** Parses the TCP options (bytes start..end of p) reassembly and display care about; stops quietly at a
 *  malformed option. */
function tcpOptions(p: Buffer, start: number, end: number): TcpOptions {
  const out: TcpOptions = {};
  let i = start;
  while (i < end) {
    const kind = p[i];
    if (kind === 0) break; // end of options
    if (kind === 1) {
      i++; // no-op
      continue;
    }
    if (i + 1 >= end) break;
    const len = p[i + 1];
    if (len < 2 || i + len > end) break;
    const v = i + 2;
    if (kind === 2 && len === 4) out.mss = p.readUInt16BE(v);
    else if (kind === 3 && len === 3) out.windowScale = p[v];
    else if (kind === 4 && len === 2) out.sackPermitted = true;
    else if (kind === 5 && (len - 2) % 8 === 0) {
      out.sack = [];
      for (let j = v; j < i + len; j += 8) out.sack.push([p.readUInt32BE(j), p.readUInt32BE(j + 4)]);
    } else if (kind === 8 && len === 10) out.timestamp = { value: p.readUInt32BE(v), echo: p.readUInt32BE(v + 4) };
    i += len;
  }
  return out;
}

/** RFC 5952 text for a 16-byte IPv6 address: lowercase, no leading zeros, longest zero run as "::". */
export function ipv6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
