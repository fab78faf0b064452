// PGM option extensions (RFC 3208 9, OpenPGM's layout). When the header's PGM_OPT_PRESENT bit is set, the
// type-specific fields are followed by an OPT_LENGTH (type 0x00, length 4, 16-bit total length of all
// options including itself), then the options, the last with the OPT_END bit (0x80) in its type byte.
// Each option is: type (1) | length (1, counting the whole option) | flags (F/OPX/U bits) | a fourth
// byte (reserved, or parity/congestion bits) | fields.
import {
  OPT_CRQST,
  OPT_CURR_TGSIZE,
  OPT_END,
  OPT_FIN,
  OPT_FRAGMENT,
  OPT_JOIN,
  OPT_LENGTH,
  OPT_LENGTH_SIZE,
  OPT_MIN_SIZE,
  OPT_NAK_BO_IVL,
  OPT_NAK_BO_RNG,
  OPT_NAK_LIST,
  OPT_NBR_UNREACH,
  OPT_PARITY_GRP,
  OPT_PARITY_PRM,
  OPT_PATH_NLA,
  OPT_PGMCC_DATA,
  OPT_PGMCC_FEEDBACK,
  OPT_REDIRECT,
  OPT_RST,
  OPT_SYN,
  OPT_TYPE_MASK,
  PARITY_PRM_ON_DEMAND,
  PARITY_PRM_PROACTIVE,
  PGM_MAX_OPTIONS,
  AFI_IP,
  AFI_IP6,
} from './constants.js';
import { malformed, type PgmMalformed } from './errors.js';
import { addressBytes, readAddress } from './nla.js';

/** Fields common to every option: the third byte (OpenPGM's F, OPX and U bits) and, where the fourth
 *  byte has no meaning of its own, its value (reserved, normally 0). Both default to 0 when encoding. */
interface OptionBits {
  flags?: number;
  reserved?: number;
}

export type PgmOption = OptionBits &
  /** One fragment of an APDU larger than a TSDU: the APDU's first sequence number, this fragment's byte
   *  offset in the APDU, and the APDU's whole length. */
  (
    | { name: 'fragment'; firstSqn: number; offset: number; apduLength: number }
    /** Further sequence numbers a NAK/NCF asks for or confirms (beyond the one in its fixed fields). */
    | { name: 'nak-list'; sqns: number[] }
    /** Late join: the lowest sequence number a new receiver may ask to be repaired. */
    | { name: 'join'; minSqn: number }
    | { name: 'nak-bo-ivl'; interval: number; intervalSqn: number }
    | { name: 'nak-bo-rng'; maxInterval: number; minInterval: number }
    | { name: 'redirect'; nla: string }
    /** FEC parameters: proactive and/or on-demand parity, transmission group size. */
    | { name: 'parity-prm'; proactive: boolean; onDemand: boolean; groupSize: number }
    | { name: 'parity-grp'; group: number }
    | { name: 'curr-tgsize'; size: number }
    | { name: 'nbr-unreach' }
    | { name: 'path-nla'; nla: string }
    /** Session start, end and reset. */
    | { name: 'syn' }
    | { name: 'fin' }
    | { name: 'rst' }
    | { name: 'crqst'; bits: number }
    | { name: 'pgmcc-data'; timestamp: number; nla: string }
    | { name: 'pgmcc-feedback'; timestamp: number; lossRate: number; nla: string }
    /** Any other option (OPT_CR, types PGM does not define): its bytes after type, length and flags. */
    | { name: 'other'; type: number; body: Buffer }
  );

export type PgmOptionName = PgmOption['name'];

const TYPE_OF: Record<Exclude<PgmOptionName, 'other'>, number> = {
  fragment: OPT_FRAGMENT,
  'nak-list': OPT_NAK_LIST,
  join: OPT_JOIN,
  'nak-bo-ivl': OPT_NAK_BO_IVL,
  'nak-bo-rng': OPT_NAK_BO_RNG,
  redirect: OPT_REDIRECT,
  'parity-prm': OPT_PARITY_PRM,
  'parity-grp': OPT_PARITY_GRP,
  'curr-tgsize': OPT_CURR_TGSIZE,
  'nbr-unreach': OPT_NBR_UNREACH,
  'path-nla': OPT_PATH_NLA,
  syn: OPT_SYN,
  fin: OPT_FIN,
  rst: OPT_RST,
  crqst: OPT_CRQST,
  'pgmcc-data': OPT_PGMCC_DATA,
  'pgmcc-feedback': OPT_PGMCC_FEEDBACK,
};

export function optionType(o: PgmOption): number {
  return o.name === 'other' ? o.type : TYPE_OF[o.name];
}

export interface OptionsRead {
  options: PgmOption[];
  /** Offset just past the option area (where ODATA/RDATA data begins). */
  end: number;
}

/** Reads the option area starting at `pos` in `b[..end)`. */
export function readOptions(b: Buffer, pos: number, end: number): OptionsRead | PgmMalformed {
  if (pos + OPT_LENGTH_SIZE > end)
    return malformed('PGM_TRUNCATED', `options: OPT_LENGTH needs 4 bytes at offset ${pos}, packet ends at ${end}`);
  if ((b[pos] & OPT_TYPE_MASK) !== OPT_LENGTH)
    return malformed(
      'PGM_BAD_OPTIONS',
      `options: the first option is type 0x${(b[pos] & OPT_TYPE_MASK).toString(16).padStart(2, '0')}, not OPT_LENGTH`,
    );
  if (b[pos + 1] !== OPT_LENGTH_SIZE) return malformed('PGM_BAD_OPTIONS', `options: OPT_LENGTH has length ${b[pos + 1]}, not 4`);
  const total = b.readUInt16BE(pos + 2);
  if (total <= OPT_LENGTH_SIZE) return malformed('PGM_BAD_OPTIONS', `options: total length ${total} leaves no room for an option`);
  const area = pos + total;
  if (area > end)
    return malformed('PGM_TRUNCATED', `options: total length ${total} at offset ${pos} runs past the packet end (${end - pos} bytes left)`);
  const options: PgmOption[] = [];
  let p = pos + OPT_LENGTH_SIZE;
  for (;;) {
    if (options.length >= PGM_MAX_OPTIONS) return malformed('PGM_BAD_OPTIONS', `options: more than ${PGM_MAX_OPTIONS} options`);
    if (p + 2 > area)
      return malformed('PGM_BAD_OPTIONS', `options: option ${options.length + 1} at offset ${p} starts past the total length ${total}`);
    const typeByte = b[p];
    const len = b[p + 1];
    if (len < OPT_MIN_SIZE)
      return malformed(
        'PGM_BAD_OPTIONS',
        `options: option type 0x${(typeByte & OPT_TYPE_MASK).toString(16)} at offset ${p} has length ${len} (< ${OPT_MIN_SIZE})`,
      );
    if (p + len > area)
      return malformed(
        'PGM_BAD_OPTIONS',
        `options: option type 0x${(typeByte & OPT_TYPE_MASK).toString(16)} at offset ${p} (length ${len}) runs past the total length ${total}`,
      );
    const o = readOption(b, p, typeByte & OPT_TYPE_MASK, len);
    if ('code' in o) return o;
    options.push(o);
    p += len;
    if (typeByte & OPT_END) break;
  }
  if (p !== area) return malformed('PGM_BAD_OPTIONS', `options: the end marker comes after ${p - pos} bytes, OPT_LENGTH says ${total}`);
  return { options, end: area };
}

function readOption(b: Buffer, p: number, type: number, len: number): PgmOption | PgmMalformed {
  const flags = b[p + 2];
  const fourth = b[p + 3];
  const v = p + 4; // first field
  const bits = (o: PgmOption): PgmOption => {
    if (flags) o.flags = flags;
    if (fourth && o.name !== 'parity-prm' && o.name !== 'crqst' && o.name !== 'other') o.reserved = fourth;
    return o;
  };
  const need = (name: string, size: number): PgmMalformed | undefined =>
    len === size ? undefined : malformed('PGM_BAD_OPTION', `${name} at offset ${p} has length ${len}, not ${size}`);
  const u32 = (at: number) => b.readUInt32BE(v + at);
  switch (type) {
    case OPT_LENGTH:
      return malformed('PGM_BAD_OPTIONS', `options: a second OPT_LENGTH at offset ${p}`);
    case OPT_FRAGMENT:
      return need('OPT_FRAGMENT', 16) ?? bits({ name: 'fragment', firstSqn: u32(0), offset: u32(4), apduLength: u32(8) });
    case OPT_NAK_LIST: {
      if ((len - 4) % 4 !== 0 || len === 4)
        return malformed('PGM_BAD_OPTION', `OPT_NAK_LIST at offset ${p} has length ${len}, not 4 + a multiple of 4`);
      const sqns: number[] = [];
      for (let i = 0; i < len - 4; i += 4) sqns.push(u32(i));
      return bits({ name: 'nak-list', sqns });
    }
    case OPT_JOIN:
      return need('OPT_JOIN', 8) ?? bits({ name: 'join', minSqn: u32(0) });
    case OPT_NAK_BO_IVL:
      return need('OPT_NAK_BO_IVL', 12) ?? bits({ name: 'nak-bo-ivl', interval: u32(0), intervalSqn: u32(4) });
    case OPT_NAK_BO_RNG:
      return need('OPT_NAK_BO_RNG', 12) ?? bits({ name: 'nak-bo-rng', maxInterval: u32(0), minInterval: u32(4) });
    case OPT_REDIRECT: {
      if (len < 8) return malformed('PGM_BAD_OPTION', `OPT_REDIRECT at offset ${p} has length ${len} (< 8)`);
      const a = readSizedAddress(b, v + 4, p + len, b.readUInt16BE(v), 'OPT_REDIRECT');
      return typeof a === 'string' ? bits({ name: 'redirect', nla: a }) : a;
    }
    case OPT_PARITY_PRM: {
      const bad = need('OPT_PARITY_PRM', 8);
      if (bad) return bad;
      const o: PgmOption = {
        name: 'parity-prm',
        proactive: (fourth & PARITY_PRM_PROACTIVE) !== 0,
        onDemand: (fourth & PARITY_PRM_ON_DEMAND) !== 0,
        groupSize: u32(0),
      };
      if (fourth & ~(PARITY_PRM_PROACTIVE | PARITY_PRM_ON_DEMAND)) o.reserved = fourth & ~(PARITY_PRM_PROACTIVE | PARITY_PRM_ON_DEMAND);
      return bits(o);
    }
    case OPT_PARITY_GRP:
      return need('OPT_PARITY_GRP', 8) ?? bits({ name: 'parity-grp', group: u32(0) });
    case OPT_CURR_TGSIZE:
      return need('OPT_CURR_TGSIZE', 8) ?? bits({ name: 'curr-tgsize', size: u32(0) });
    case OPT_NBR_UNREACH:
      return need('OPT_NBR_UNREACH', 4) ?? bits({ name: 'nbr-unreach' });
    case OPT_PATH_NLA: {
      // No family field: the length tells IPv4 (8) from IPv6 (20).
      const afi = len === 8 ? AFI_IP : len === 20 ? AFI_IP6 : 0;
      if (!afi) return malformed('PGM_BAD_OPTION', `OPT_PATH_NLA at offset ${p} has length ${len}, not 8 or 20`);
      const a = readSizedAddress(b, v, p + len, afi, 'OPT_PATH_NLA');
      return typeof a === 'string' ? bits({ name: 'path-nla', nla: a }) : a;
    }
    case OPT_SYN:
      return need('OPT_SYN', 4) ?? bits({ name: 'syn' });
    case OPT_FIN:
      return need('OPT_FIN', 4) ?? bits({ name: 'fin' });
    case OPT_RST:
      return need('OPT_RST', 4) ?? bits({ name: 'rst' });
    case OPT_CRQST:
      return need('OPT_CRQST', 4) ?? bits({ name: 'crqst', bits: fourth });
    case OPT_PGMCC_DATA:
    case OPT_PGMCC_FEEDBACK: {
      const name = type === OPT_PGMCC_DATA ? 'OPT_PGMCC_DATA' : 'OPT_PGMCC_FEEDBACK';
      if (len < 12) return malformed('PGM_BAD_OPTION', `${name} at offset ${p} has length ${len} (< 12)`);
      const a = readSizedAddress(b, v + 8, p + len, b.readUInt16BE(v + 4), name);
      if (typeof a !== 'string') return a;
      return type === OPT_PGMCC_DATA
        ? bits({ name: 'pgmcc-data', timestamp: u32(0), nla: a })
        : bits({ name: 'pgmcc-feedback', timestamp: u32(0), lossRate: b.readUInt16BE(v + 6), nla: a });
    }
    default:
      return bits({ name: 'other', type, body: b.subarray(p + 3, p + len) });
  }
}

/** An address that must fill exactly the rest of its option. */
function readSizedAddress(b: Buffer, pos: number, optEnd: number, afi: number, what: string): string | PgmMalformed {
  const a = readAddress(b, pos, optEnd, afi, what);
  if ('code' in a) return a.code === 'PGM_TRUNCATED' ? malformed('PGM_BAD_OPTION', a.message) : a;
  if (a.end !== optEnd) return malformed('PGM_BAD_OPTION', `${what}: ${optEnd - a.end} bytes after the address`);
  return a.address;
}

/** Bytes of the whole option area (OPT_LENGTH included) for `options`; 0 when there are none. */
export function optionsSize(options: readonly PgmOption[]): number {
  if (options.length === 0) return 0;
  let n = OPT_LENGTH_SIZE;
  for (const o of options) n += optionSize(o);
  return n;
}

function optionSize(o: PgmOption): number {
  switch (o.name) {
    case 'fragment':
      return 16;
    case 'nak-list':
      return 4 + 4 * o.sqns.length;
    case 'join':
    case 'parity-prm':
    case 'parity-grp':
    case 'curr-tgsize':
      return 8;
    case 'nak-bo-ivl':
    case 'nak-bo-rng':
      return 12;
    case 'redirect':
      return 8 + addressBytes(o.nla).bytes.length;
    case 'path-nla':
      return 4 + addressBytes(o.nla).bytes.length;
    case 'pgmcc-data':
    case 'pgmcc-feedback':
      return 12 + addressBytes(o.nla).bytes.length;
    case 'other':
      return 3 + o.body.length;
    default:
      return 4;
  }
}

/** Writes the option area for `options` at `pos` (the OPT_END bit goes on the last); returns the end. */
export function writeOptions(b: Buffer, pos: number, options: readonly PgmOption[]): number {
  if (options.length === 0) return pos;
  if (options.length > PGM_MAX_OPTIONS) throw new RangeError(`PGM: at most ${PGM_MAX_OPTIONS} options per packet, got ${options.length}`);
  const total = optionsSize(options);
  if (total > 0xffff) throw new RangeError(`PGM: options of ${total} bytes do not fit a 16-bit length`);
  b[pos] = OPT_LENGTH;
  b[pos + 1] = OPT_LENGTH_SIZE;
  b.writeUInt16BE(total, pos + 2);
  let p = pos + OPT_LENGTH_SIZE;
  options.forEach((o, i) => {
    const len = optionSize(o);
    if (len > 0xff) throw new RangeError(`PGM: option ${o.name} of ${len} bytes does not fit an 8-bit length`);
    b[p] = optionType(o) | (i === options.length - 1 ? OPT_END : 0);
    b[p + 1] = len;
    b[p + 2] = o.flags ?? 0;
    b[p + 3] = o.reserved ?? 0;
    writeFields(b, p + 4, o);
    p += len;
  });
  return p;
}

function writeFields(b: Buffer, v: number, o: PgmOption): void {
  const nla = (at: number, text: string, afiAt?: number) => {
    const { afi, bytes } = addressBytes(text);
    if (afiAt !== undefined) b.writeUInt16BE(afi, afiAt);
    bytes.copy(b, at);
  };
  switch (o.name) {
    case 'fragment':
      b.writeUInt32BE(o.firstSqn, v);
      b.writeUInt32BE(o.offset, v + 4);
      b.writeUInt32BE(o.apduLength, v + 8);
      break;
    case 'nak-list':
      o.sqns.forEach((s, i) => b.writeUInt32BE(s, v + 4 * i));
      break;
    case 'join':
      b.writeUInt32BE(o.minSqn, v);
      break;
    case 'nak-bo-ivl':
      b.writeUInt32BE(o.interval, v);
      b.writeUInt32BE(o.intervalSqn, v + 4);
      break;
    case 'nak-bo-rng':
      b.writeUInt32BE(o.maxInterval, v);
      b.writeUInt32BE(o.minInterval, v + 4);
      break;
    case 'redirect':
      b.writeUInt16BE(0, v + 2);
      nla(v + 4, o.nla, v);
      break;
    case 'parity-prm':
      b[v - 1] = (o.reserved ?? 0) | (o.proactive ? PARITY_PRM_PROACTIVE : 0) | (o.onDemand ? PARITY_PRM_ON_DEMAND : 0);
      b.writeUInt32BE(o.groupSize, v);
      break;
    case 'parity-grp':
      b.writeUInt32BE(o.group, v);
      break;
    case 'curr-tgsize':
      b.writeUInt32BE(o.size, v);
      break;
    case 'path-nla':
      nla(v, o.nla);
      break;
    case 'crqst':
      b[v - 1] = o.bits;
      break;
    case 'pgmcc-data':
    case 'pgmcc-feedback':
      b.writeUInt32BE(o.timestamp, v);
      b.writeUInt16BE(o.name === 'pgmcc-feedback' ? o.lossRate : 0, v + 6);
      nla(v + 8, o.nla, v + 4);
      break;
    case 'other':
      o.body.copy(b, v - 1);
      break;
    default:
      break; // syn, fin, rst, nbr-unreach: no fields
  }
}
