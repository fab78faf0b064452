// Whole PGM packets (RFC 3208 8, 13.6, 14.7; PGMCC ACK as OpenPGM sends it): parsed from bytes into one
// typed object per packet type, and serialised back byte for byte.
//
//   SPM          spm sqn | trail | lead | path NLA | options
//   ODATA/RDATA  data sqn | trail | options | data (TSDU length bytes)
//   NAK/NNAK/NCF requested sqn | source NLA | group NLA | options
//   SPMR         options
//   POLL         poll sqn | round | sub-type | path NLA | back-off interval | random | mask | options
//   POLR         polr sqn | round | reserved | options
//   ACK          rx max | bitmap | options
import { PGM_HEADER_SIZE, PGM_OPT_PRESENT, PGM_TYPE_NAMES, PGM_TYPE_VALUES, type PgmTypeName } from './constants.js';
import { pgmChecksum, writePgmChecksum } from './checksum.js';
import { malformed, type PgmMalformed } from './errors.js';
import { readPgmHeader, writePgmHeader, type PgmHeader } from './header.js';
import { nlaSize, readNla, writeNla } from './nla.js';
import { optionsSize, readOptions, writeOptions, type PgmOption } from './options.js';

interface Common {
  sourcePort: number;
  destPort: number;
  /** 6-byte global source id. */
  gsi: Buffer;
  /** Header option bits besides PGM_OPT_PRESENT (which follows `options`): NETWORK, VAR_PKTLEN, PARITY. */
  flags?: number;
  options?: PgmOption[];
}

export type PgmPacketFields =
  | { type: 'SPM'; sqn: number; trail: number; lead: number; pathNla: string }
  | { type: 'ODATA' | 'RDATA'; sqn: number; trail: number; data: Buffer }
  | { type: 'NAK' | 'NNAK' | 'NCF'; sqn: number; sourceNla: string; groupNla: string }
  | { type: 'SPMR' }
  | { type: 'POLL'; sqn: number; round: number; subType: number; pathNla: string; backoffInterval: number; random: number; mask: number }
  | { type: 'POLR'; sqn: number; round: number }
  | { type: 'ACK'; rxMax: number; bitmap: number };

/** A packet to serialise. */
export type PgmPacketInit = Common & PgmPacketFields;

/** A parsed packet: what was sent, with the header as it was on the wire. */
export type PgmPacket = Common & PgmPacketFields & { flags: number; options: PgmOption[]; header: PgmHeader };

export type PgmParse =
  { ok: true; packet: PgmPacket } | ({ ok: false; /** present when the 16-byte header was whole */ header?: PgmHeader } & PgmMalformed);

export interface PgmParseOptions {
  /** Check the checksum (default true). Off for packets whose checksum was already checked, or is known bad. */
  verifyChecksum?: boolean;
}

/** Fixed fields after the header, before NLAs and options. */
const FIXED: Record<PgmTypeName, number> = { SPM: 12, ODATA: 8, RDATA: 8, NAK: 4, NNAK: 4, NCF: 4, SPMR: 0, POLL: 8, POLR: 8, ACK: 8 };

/** Parses one PGM packet: `b` holds exactly the packet (the IP payload of pgm://, the UDP payload of epgm://). */
export function parsePgmPacket(b: Buffer, opts: PgmParseOptions = {}): PgmParse {
  if (b.length < PGM_HEADER_SIZE) return fail(malformed('PGM_TRUNCATED', `header needs ${PGM_HEADER_SIZE} bytes, packet has ${b.length}`));
  const header = readPgmHeader(b);
  const bad = (m: PgmMalformed): PgmParse => fail(m, header);
  const type = PGM_TYPE_NAMES[header.type];
  if (type === undefined)
    return bad(malformed('PGM_UNKNOWN_TYPE', `packet type 0x${header.type.toString(16).padStart(2, '0')} is not a PGM type`));
  if (header.checksum === 0) {
    if (type === 'ODATA' || type === 'RDATA')
      return bad(malformed('PGM_NO_CHECKSUM', `${type} without a checksum (RFC 3208 requires one)`));
  } else if (opts.verifyChecksum !== false) {
    const sum = pgmChecksum(b);
    if (sum !== header.checksum)
      return bad(malformed('PGM_BAD_CHECKSUM', `checksum 0x${hex4(header.checksum)} does not match the bytes (0x${hex4(sum)})`));
  }
  const end = b.length;
  let p = PGM_HEADER_SIZE;
  if (p + FIXED[type] > end)
    return bad(malformed('PGM_TRUNCATED', `${type} needs ${FIXED[type]} bytes after the header, packet has ${end - p}`));
  const u32 = (at: number) => b.readUInt32BE(PGM_HEADER_SIZE + at);
  let fields: PgmPacketFields;
  switch (type) {
    case 'SPM': {
      const nla = readNla(b, p + 12, end, 'SPM path NLA');
      if ('code' in nla) return bad(nla);
      fields = { type, sqn: u32(0), trail: u32(4), lead: u32(8), pathNla: nla.address };
      p = nla.end;
      break;
    }
    case 'ODATA':
    case 'RDATA':
      fields = { type, sqn: u32(0), trail: u32(4), data: EMPTY };
      p += 8;
      break;
    case 'NAK':
    case 'NNAK':
    case 'NCF': {
      const src = readNla(b, p + 4, end, `${type} source NLA`);
      if ('code' in src) return bad(src);
      const grp = readNla(b, src.end, end, `${type} group NLA`);
      if ('code' in grp) return bad(grp);
      fields = { type, sqn: u32(0), sourceNla: src.address, groupNla: grp.address };
      p = grp.end;
      break;
    }
    case 'SPMR':
      fields = { type };
      break;
    case 'POLL': {
      const nla = readNla(b, p + 8, end, 'POLL path NLA');
      if ('code' in nla) return bad(nla);
      if (nla.end + 12 > end) return bad(malformed('PGM_TRUNCATED', `POLL needs 12 bytes after its path NLA, packet has ${end - nla.end}`));
      fields = {
        type,
        sqn: u32(0),
        round: b.readUInt16BE(p + 4),
        subType: b.readUInt16BE(p + 6),
        pathNla: nla.address,
        backoffInterval: b.readUInt32BE(nla.end),
        random: b.readUInt32BE(nla.end + 4),
        mask: b.readUInt32BE(nla.end + 8),
      };
      p = nla.end + 12;
      break;
    }
    case 'POLR':
      fields = { type, sqn: u32(0), round: b.readUInt16BE(p + 4) };
      p += 8;
      break;
    case 'ACK':
      fields = { type, rxMax: u32(0), bitmap: u32(4) };
      p += 8;
      break;
  }
  let options: PgmOption[] = [];
  if (header.flags & PGM_OPT_PRESENT) {
    const o = readOptions(b, p, end);
    if ('code' in o) return bad(o);
    options = o.options;
    p = o.end;
  }
  if (fields.type === 'ODATA' || fields.type === 'RDATA') {
    if (end - p !== header.tsduLength) {
      return bad(
        end - p < header.tsduLength
          ? malformed('PGM_TRUNCATED', `${type} declares ${header.tsduLength} data bytes, packet has ${end - p}`)
          : malformed('PGM_BAD_TSDU_LENGTH', `${type} declares ${header.tsduLength} data bytes, packet has ${end - p}`),
      );
    }
    fields.data = b.subarray(p, end);
  }
  const packet: PgmPacket = {
    sourcePort: header.sourcePort,
    destPort: header.destPort,
    gsi: header.gsi,
    flags: header.flags & ~PGM_OPT_PRESENT,
    options,
    header,
    ...fields,
  };
  return { ok: true, packet };
}

const EMPTY = Buffer.alloc(0);

function fail(m: PgmMalformed, header?: PgmHeader): PgmParse {
  return header ? { ok: false, ...m, header } : { ok: false, ...m };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** Bytes `encodePgmPacket` will produce for `p`. */
export function pgmPacketSize(p: PgmPacketInit): number {
  let n = PGM_HEADER_SIZE + FIXED[p.type] + optionsSize(p.options ?? []);
  switch (p.type) {
    case 'SPM':
    case 'POLL':
      n += nlaSize(p.pathNla) + (p.type === 'POLL' ? 12 : 0);
      break;
    case 'NAK':
    case 'NNAK':
    case 'NCF':
      n += nlaSize(p.sourceNla) + nlaSize(p.groupNla);
      break;
    case 'ODATA':
    case 'RDATA':
      n += p.data.length;
      break;
    default:
      break;
  }
  return n;
}

/**
 * Serialises a packet with its checksum. Throws RangeError for values that cannot be encoded (a GSI that is
 * not 6 bytes, an address that is not IPv4/IPv6 text, data over 65535 bytes): those are programming errors.
 * `checksum: false` leaves the field 0 ("none sent"), which RFC 3208 allows for all but ODATA/RDATA.
 */
export function encodePgmPacket(p: PgmPacketInit, o: { checksum?: boolean } = {}): Buffer {
  const options = p.options ?? [];
  const tsduLength = p.type === 'ODATA' || p.type === 'RDATA' ? p.data.length : 0;
  if (tsduLength > 0xffff) throw new RangeError(`PGM: a TSDU is at most 65535 bytes, got ${tsduLength}`);
  const b = Buffer.alloc(pgmPacketSize(p));
  const flags = ((p.flags ?? 0) & ~PGM_OPT_PRESENT) | (options.length ? PGM_OPT_PRESENT : 0);
  writePgmHeader(b, { sourcePort: p.sourcePort, destPort: p.destPort, type: PGM_TYPE_VALUES[p.type], flags, gsi: p.gsi, tsduLength });
  let pos = PGM_HEADER_SIZE;
  switch (p.type) {
    case 'SPM':
      b.writeUInt32BE(p.sqn, pos);
      b.writeUInt32BE(p.trail, pos + 4);
      b.writeUInt32BE(p.lead, pos + 8);
      pos = writeNla(b, pos + 12, p.pathNla);
      break;
    case 'ODATA':
    case 'RDATA':
      b.writeUInt32BE(p.sqn, pos);
      b.writeUInt32BE(p.trail, pos + 4);
      pos += 8;
      break;
    case 'NAK':
    case 'NNAK':
    case 'NCF':
      b.writeUInt32BE(p.sqn, pos);
      pos = writeNla(b, writeNla(b, pos + 4, p.sourceNla), p.groupNla);
      break;
    case 'SPMR':
      break;
    case 'POLL':
      b.writeUInt32BE(p.sqn, pos);
      b.writeUInt16BE(p.round, pos + 4);
      b.writeUInt16BE(p.subType, pos + 6);
      pos = writeNla(b, pos + 8, p.pathNla);
      b.writeUInt32BE(p.backoffInterval, pos);
      b.writeUInt32BE(p.random, pos + 4);
      b.writeUInt32BE(p.mask, pos + 8);
      pos += 12;
      break;
    case 'POLR':
      b.writeUInt32BE(p.sqn, pos);
      b.writeUInt16BE(p.round, pos + 4);
      pos += 8;
      break;
    case 'ACK':
      b.writeUInt32BE(p.rxMax, pos);
      b.writeUInt32BE(p.bitmap, pos + 4);
      pos += 8;
      break;
  }
  pos = writeOptions(b, pos, options);
  if (p.type === 'ODATA' || p.type === 'RDATA') p.data.copy(b, pos);
  if (o.checksum !== false) writePgmChecksum(b);
  return b;
}
