// IP datagrams other than TCP (UDP, PGM), handed out by the link/IP decoder to whoever asked for them
// (FragmentContext.datagram): the sniffer's PGM/EPGM decoding, and any other UDP-borne protocol.
export interface IpDatagram {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** IP protocol number (17 UDP, 113 PGM, ...). */
  protocol: number;
  /** Captured bytes of the IP payload. */
  payload: Buffer;
  /** IP payload length on the wire; larger than payload.length when the snap length cut it. */
  length: number;
}

export type DatagramSink = (d: IpDatagram) => void;

export const IPPROTO_UDP = 17;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** Captured payload bytes. */
  payload: Buffer;
  /** Payload length the UDP header declares. */
  length: number;
}

/** The UDP header and payload of an IP datagram of protocol 17; a message when it is malformed. */
export function readUdp(d: IpDatagram): UdpDatagram | string {
  const b = d.payload;
  if (b.length < 8) return `UDP header needs 8 bytes, ${b.length} captured`;
  const total = b.readUInt16BE(4);
  // A length of 0 is a jumbogram (IPv6) or a TSO capture: trust the IP length.
  const declared = total === 0 ? d.length : total;
  if (declared < 8) return `UDP length ${declared} is below its 8-byte header`;
  if (declared > d.length) return `UDP length ${declared} exceeds the IP payload (${d.length} bytes)`;
  return {
    srcPort: b.readUInt16BE(0),
    dstPort: b.readUInt16BE(2),
    payload: b.subarray(8, Math.min(declared, b.length)),
    length: declared - 8,
  };
}
