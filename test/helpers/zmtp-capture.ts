// Builds a pcap of TCP connections carrying given bytes (handshake, data in MSS-sized segments, no
// FIN unless asked), for tests whose traffic no real peer would send: hostile declared sizes, endless
// multipart messages, fuzz seeds. The bytes are ZMTP built with the project's encoder or by hand.
import { buildTcpPacket, PcapWriter } from '../../core/capture/index.js';
import { encodeFrame, encodeGreetingV3, readyCommand } from '../../core/zmtp/index.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const MSS = 1448;

export interface CapturedConnection {
  c2s: Buffer;
  s2c?: Buffer;
  /** Close both directions with FIN at the end (default false: the capture stops mid-stream). */
  fin?: boolean;
}

/** A ZMTP 3.1 NULL greeting and READY as a peer of `socketType` sends them. */
export function zmtpOpening(socketType: string, asServer = false): Buffer {
  return Buffer.concat([encodeGreetingV3('NULL', asServer), encodeFrame('v3', readyCommand({ 'Socket-Type': socketType }), false, true)]);
}

/** One pcap (Ethernet) with each connection from 10.0.x.y to 10.1.0.1:5555, its packets in turn. */
export function buildCapture(conns: CapturedConnection[]): Buffer {
  const w = new PcapWriter({ linkType: 1 });
  let t = 0;
  const write = (data: Buffer) => {
    t++;
    w.write({ tsSec: 1_700_000_000 + Math.floor(t / 1000), tsNsec: (t % 1000) * 1_000_000, data });
  };
  conns.forEach((c, i) => {
    const cli = { ip: `10.0.${(i >> 8) & 255}.${(i & 255) + 1}`, port: 40000 + (i % 20000) };
    const srv = { ip: '10.1.0.1', port: 5555 };
    let cseq = 1000;
    let sseq = 5000;
    const pkt = (from: 'c' | 's', flags: number, payload?: Buffer) => {
      const [a, b] = from === 'c' ? [cli, srv] : [srv, cli];
      write(
        buildTcpPacket({
          src: a.ip,
          dst: b.ip,
          srcPort: a.port,
          dstPort: b.port,
          seq: from === 'c' ? cseq : sseq,
          ack: from === 'c' ? sseq : cseq,
          flags,
          payload,
        }),
      );
      const n = (payload?.length ?? 0) + (flags & (SYN | FIN) ? 1 : 0);
      if (from === 'c') cseq += n;
      else sseq += n;
    };
    pkt('c', SYN);
    pkt('s', SYN | ACK);
    pkt('c', ACK);
    const s2c = c.s2c ?? Buffer.alloc(0);
    for (let off = 0; off < Math.max(c.c2s.length, s2c.length); off += MSS) {
      if (off < c.c2s.length) pkt('c', ACK | 0x08, c.c2s.subarray(off, off + MSS));
      if (off < s2c.length) pkt('s', ACK | 0x08, s2c.subarray(off, off + MSS));
    }
    if (c.fin) {
      pkt('c', FIN | ACK);
      pkt('s', FIN | ACK);
    }
  });
  return w.toBuffer();
}
