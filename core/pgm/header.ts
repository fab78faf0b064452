// The fixed 16-byte PGM header (RFC 3208 8) and the transport session identifier (TSI) it names.
//
//   source port (2) | destination port (2) | type (1) | options (1) | checksum (2) | GSI (6) | TSDU length (2)
//
// A session is the TSI: the source's 6-byte global source id (GSI) and its source port. Packets going
// downstream (SPM, ODATA, RDATA, NCF, POLL) carry that port as their source port; packets a receiver
// sends upstream (NAK, NNAK, SPMR, POLR, ACK) carry it as their destination port.
import { PGM_GSI_SIZE, PGM_HEADER_SIZE, isUpstreamType } from './constants.js';

export interface PgmHeader {
  sourcePort: number;
  destPort: number;
  /** Packet type (PGM_SPM ... PGM_ACK); unknown values are kept as they are. */
  type: number;
  /** The options byte: PGM_OPT_PRESENT, PGM_OPT_NETWORK, PGM_OPT_VAR_PKTLEN, PGM_OPT_PARITY. */
  flags: number;
  /** The checksum field as sent; 0 means none was sent. */
  checksum: number;
  gsi: Buffer;
  /** Length of the transport service data unit (the payload after options); 0 for non-data packets. */
  tsduLength: number;
}

export interface Tsi {
  /** The GSI as 12 lowercase hex digits, as tcpdump prints it. */
  gsi: string;
  sourcePort: number;
}

/** Reads the header at the start of `b` (which must hold PGM_HEADER_SIZE bytes). */
export function readPgmHeader(b: Buffer): PgmHeader {
  return {
    sourcePort: b.readUInt16BE(0),
    destPort: b.readUInt16BE(2),
    type: b[4],
    flags: b[5],
    checksum: b.readUInt16BE(6),
    gsi: b.subarray(8, 8 + PGM_GSI_SIZE),
    tsduLength: b.readUInt16BE(14),
  };
}

/** Writes a header with a zero checksum at the start of `b`. */
export function writePgmHeader(b: Buffer, h: Omit<PgmHeader, 'checksum'>): void {
  if (h.gsi.length !== PGM_GSI_SIZE) throw new RangeError(`PGM: a GSI is ${PGM_GSI_SIZE} bytes, got ${h.gsi.length}`);
  b.writeUInt16BE(h.sourcePort, 0);
  b.writeUInt16BE(h.destPort, 2);
  b[4] = h.type;
  b[5] = h.flags;
  b.writeUInt16BE(0, 6);
  h.gsi.copy(b, 8);
  b.writeUInt16BE(h.tsduLength, 14);
}

export const gsiText = (gsi: Uint8Array): string => Buffer.from(gsi.buffer, gsi.byteOffset, gsi.byteLength).toString('hex');

/** The session a packet belongs to, whichever way it travels. */
export function tsiOf(h: Pick<PgmHeader, 'type' | 'sourcePort' | 'destPort' | 'gsi'>): Tsi {
  return { gsi: gsiText(h.gsi), sourcePort: isUpstreamType(h.type) ? h.destPort : h.sourcePort };
}

/** "gsi.port", e.g. "b7c6d1bc038a.45646": one string per session, for maps and display. */
export function tsiKey(t: Tsi): string {
  return `${t.gsi}.${t.sourcePort}`;
}

export { PGM_HEADER_SIZE };
