// Real captures rewritten the ways captures go wrong (a lost segment, a start mid-connection, tiny
// reordered pieces): a file's TCP packets read into a list, edited there, and written back as a pcap.
import { writeFileSync } from 'node:fs';
import {
  openCapture,
  decodeLinkLayer,
  buildTcpPacket,
  PcapWriter,
  TCP_SYN,
  LINKTYPE_ETHERNET,
  type DecodedPacket,
} from '../../core/capture/index.js';

/** One captured TCP packet: when, and what it carried. */
export interface TcpPacket {
  ts: number;
  d: DecodedPacket;
}

/** The TCP packets of a capture file, in file order (other packets and the file's notes left out). */
export async function readTcpPackets(file: string): Promise<TcpPacket[]> {
  const out: TcpPacket[] = [];
  for await (const p of openCapture(file)) {
    if ('kind' in p) continue;
    const d = decodeLinkLayer(p);
    if (d && d.kind === 'tcp') out.push({ ts: p.ts, d });
  }
  return out;
}

/** The Ethernet frame of `p`, built anew; `src`/`dst` move it to other addresses (IPv6 too). */
export function tcpFrame(p: TcpPacket, src = p.d.src, dst = p.d.dst): Buffer {
  const tcp = p.d.tcp;
  return buildTcpPacket({
    src,
    dst,
    srcPort: tcp.srcPort,
    dstPort: tcp.dstPort,
    seq: tcp.seq,
    ack: tcp.ack,
    flags: tcp.flags,
    payload: tcp.payload,
  });
}

/** Writes `packets` to `file` as an Ethernet pcap with nanosecond times, each packet built anew. */
export function writeTcpPackets(packets: TcpPacket[], file: string): void {
  const w = new PcapWriter({ linkType: LINKTYPE_ETHERNET, nanosecond: true });
  for (const p of packets) {
    const sec = Math.floor(p.ts);
    w.write({ tsSec: sec, tsNsec: Math.round((p.ts - sec) * 1e9), data: tcpFrame(p) });
  }
  writeFileSync(file, w.toBuffer());
}

/** The client port of the capture's first connection (the source of its first SYN). */
export function firstClientPort(packets: TcpPacket[]): number {
  const syn = packets.find((p) => p.d.tcp.flags === TCP_SYN);
  if (!syn) throw new Error('the capture holds no SYN');
  return syn.d.tcp.srcPort;
}

/** The index of the `n`th packet (from 1) that carries payload from `srcPort`, or -1. */
export function nthDataPacket(packets: TcpPacket[], srcPort: number, n: number): number {
  let seen = 0;
  return packets.findIndex((p) => p.d.tcp.srcPort === srcPort && p.d.tcp.payload.length > 0 && ++seen === n);
}
