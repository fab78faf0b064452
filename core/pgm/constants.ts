// PGM (RFC 3208) numbers: packet types, header option bits, option types, address families.
// Values as OpenPGM puts them on the wire (include/pgm/packet.h), which is what libzmq's pgm:// and
// epgm:// transports speak.

/** IANA protocol number of PGM directly over IP (pgm://). */
export const IPPROTO_PGM = 113;

/** Fixed PGM header: ports, type, options, checksum, GSI, TSDU length. */
export const PGM_HEADER_SIZE = 16;
export const PGM_GSI_SIZE = 6;

export const PGM_SPM = 0x00;
export const PGM_POLL = 0x01;
export const PGM_POLR = 0x02;
export const PGM_ODATA = 0x04;
export const PGM_RDATA = 0x05;
export const PGM_NAK = 0x08;
export const PGM_NNAK = 0x09;
export const PGM_NCF = 0x0a;
export const PGM_SPMR = 0x0c;
/** PGMCC congestion-control ACK (not in RFC 3208; OpenPGM's value, tcpdump prints 0x0b as ACK). */
export const PGM_ACK = 0x0d;

export type PgmTypeName = 'SPM' | 'POLL' | 'POLR' | 'ODATA' | 'RDATA' | 'NAK' | 'NNAK' | 'NCF' | 'SPMR' | 'ACK';

export const PGM_TYPE_NAMES: Readonly<Record<number, PgmTypeName>> = {
  [PGM_SPM]: 'SPM',
  [PGM_POLL]: 'POLL',
  [PGM_POLR]: 'POLR',
  [PGM_ODATA]: 'ODATA',
  [PGM_RDATA]: 'RDATA',
  [PGM_NAK]: 'NAK',
  [PGM_NNAK]: 'NNAK',
  [PGM_NCF]: 'NCF',
  [PGM_SPMR]: 'SPMR',
  [PGM_ACK]: 'ACK',
};

export const PGM_TYPE_VALUES: Readonly<Record<PgmTypeName, number>> = {
  SPM: PGM_SPM,
  POLL: PGM_POLL,
  POLR: PGM_POLR,
  ODATA: PGM_ODATA,
  RDATA: PGM_RDATA,
  NAK: PGM_NAK,
  NNAK: PGM_NNAK,
  NCF: PGM_NCF,
  SPMR: PGM_SPMR,
  ACK: PGM_ACK,
};

/**
 * Packets a receiver sends towards the source. Their header carries the TSI's source port in the
 * destination port field ("dport & sport reversed communicating upstream", OpenPGM).
 */
export function isUpstreamType(type: number): boolean {
  return type === PGM_NAK || type === PGM_NNAK || type === PGM_SPMR || type === PGM_POLR || type === PGM_ACK;
}

// Header option bits (the "Options" byte of the fixed header).
export const PGM_OPT_PRESENT = 0x01;
export const PGM_OPT_NETWORK = 0x02;
export const PGM_OPT_VAR_PKTLEN = 0x40;
export const PGM_OPT_PARITY = 0x80;

// Option types (low 7 bits of an option's first byte; bit 0x80 marks the last option).
export const OPT_LENGTH = 0x00;
export const OPT_FRAGMENT = 0x01;
export const OPT_NAK_LIST = 0x02;
export const OPT_JOIN = 0x03;
export const OPT_NAK_BO_IVL = 0x04;
export const OPT_NAK_BO_RNG = 0x05;
export const OPT_REDIRECT = 0x07;
export const OPT_PARITY_PRM = 0x08;
export const OPT_PARITY_GRP = 0x09;
export const OPT_CURR_TGSIZE = 0x0a;
export const OPT_NBR_UNREACH = 0x0b;
export const OPT_PATH_NLA = 0x0c;
export const OPT_SYN = 0x0d;
export const OPT_FIN = 0x0e;
export const OPT_RST = 0x0f;
export const OPT_CR = 0x10;
export const OPT_CRQST = 0x11;
export const OPT_PGMCC_DATA = 0x12;
export const OPT_PGMCC_FEEDBACK = 0x13;
export const OPT_END = 0x80;
export const OPT_TYPE_MASK = 0x7f;
/** An OPT_LENGTH is 4 bytes; every other option has at least type, length and two flag bytes. */
export const OPT_LENGTH_SIZE = 4;
export const OPT_MIN_SIZE = 4;
/** OpenPGM's limit (and RFC 3208 9.1): at most 16 options per packet. */
export const PGM_MAX_OPTIONS = 16;

// Bits of the third byte of an option (OpenPGM's opt_reserved): F, OPX and U.
export const OPT_FLAG_ENCODED = 0x08;
export const OPT_FLAG_OPX_MASK = 0x03;
export const OPT_FLAG_ENCODED_NULL = 0x80;

// OPT_PARITY_PRM bits (fourth byte).
export const PARITY_PRM_PROACTIVE = 0x01;
export const PARITY_PRM_ON_DEMAND = 0x02;

/** Address family indicators of NLAs (RFC 1700). */
export const AFI_IP = 1;
export const AFI_IP6 = 2;
