// The common captured packet read by offsets, with no objects made: TCP in IPv4 with a 20-byte header,
// not a fragment, captured whole, over Ethernet (no VLAN tag), Linux cooked (SLL, SLL2), BSD loopback or
// raw IP. The capture thread's hot path (TcpReassembler.pushPlain) reads nearly every packet this way;
// anything else (IPv6, options, fragments, VLANs, snap-cut or malformed packets) is left to decode.ts,
// which decodes it as before and reports what is wrong with it. Every check here is one decode.ts makes
// on the way to the same fields, so a packet read here decodes there to the same segment.
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_DLT12,
  LINKTYPE_RAW_DLT14,
} from './decode.js';

/** A plain TCP segment's fields: filled in place by readPlainTcp, one object used for every packet. */
export interface PlainTcp {
  /** IPv4 addresses as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  /** TCP_* bits, as TcpSegment.flags. */
  flags: number;
  /** The payload is data[payloadStart, payloadEnd), all of it captured. */
  payloadStart: number;
  payloadEnd: number;
}

export function newPlainTcp(): PlainTcp {
  return { src: 0, dst: 0, srcPort: 0, dstPort: 0, seq: 0, flags: 0, payloadStart: 0, payloadEnd: 0 };
}

const ETHERTYPE_IPV4 = 0x0800;
const AF_INET = 2;

/** Where the IPv4 header starts in a packet of `linkType`, or -1 when the link header does not say IPv4. */
function ipv4Start(linkType: number, d: Buffer): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return d.length >= 14 && ((d[12] << 8) | d[13]) === ETHERTYPE_IPV4 ? 14 : -1;
    case LINKTYPE_LINUX_SLL:
      return d.length >= 16 && ((d[14] << 8) | d[15]) === ETHERTYPE_IPV4 ? 16 : -1;
    case LINKTYPE_LINUX_SLL2:
      return d.length >= 20 && ((d[0] << 8) | d[1]) === ETHERTYPE_IPV4 ? 20 : -1;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (d.length < 4) return -1;
      // Host or network byte order, as decode.ts reads it.
      let family = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
      if (family > 0xffff) family = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
      return family === AF_INET ? 4 : -1;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
    case LINKTYPE_IPV4:
      return 0;
    default:
      return -1;
  }
}

/** Fills `out` from `d` when it is a plain TCP/IPv4 packet (see the top); false, `out` meaningless, otherwise. */
export function readPlainTcp(linkType: number, d: Buffer, out: PlainTcp): boolean {
  const o = ipv4Start(linkType, d);
  if (o < 0 || d.length - o < 40) return false;
  // Version 4, header length 20 (no options).
  if (d[o] !== 0x45) return false;
  // Total length: covers both headers, and is all captured (0, a TSO capture, is left to decode.ts).
  const total = (d[o + 2] << 8) | d[o + 3];
  if (total < 40 || total > d.length - o) return false;
  // Not a fragment (neither "more fragments" nor an offset), and TCP.
  if ((((d[o + 6] << 8) | d[o + 7]) & 0x3fff) !== 0 || d[o + 9] !== 6) return false;
  const t = o + 20;
  const hlen = (d[t + 12] >> 4) * 4;
  if (hlen < 20 || hlen > total - 20) return false;
  out.src = ((d[o + 12] << 24) | (d[o + 13] << 16) | (d[o + 14] << 8) | d[o + 15]) >>> 0;
  out.dst = ((d[o + 16] << 24) | (d[o + 17] << 16) | (d[o + 18] << 8) | d[o + 19]) >>> 0;
  out.srcPort = (d[t] << 8) | d[t + 1];
  out.dstPort = (d[t + 2] << 8) | d[t + 3];
  out.seq = ((d[t + 4] << 24) | (d[t + 5] << 16) | (d[t + 6] << 8) | d[t + 7]) >>> 0;
  out.flags = ((d[t + 12] & 1) << 8) | d[t + 13];
  out.payloadStart = t + hlen;
  out.payloadEnd = o + total;
  return true;
}

/** The number readPlainTcp gives an IPv4 address, from its dotted text; -1 for anything else (IPv6). */
export function ipv4Number(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!(Number.isInteger(v) && v >= 0 && v <= 255) || p === '') return -1;
    n = n * 256 + v;
  }
  return n;
}
