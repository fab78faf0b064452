// Malformed PGM input is reported with one of these codes (Wireshark style: a record, never an exception).

export type PgmErrorCode =
  /** Fewer bytes than the header, the type's fixed fields or the declared options need. */
  | 'PGM_TRUNCATED'
  /** The checksum field does not match the bytes. */
  | 'PGM_BAD_CHECKSUM'
  /** ODATA/RDATA with a zero checksum field: RFC 3208 and OpenPGM require one. */
  | 'PGM_NO_CHECKSUM'
  /** A packet type PGM does not define. */
  | 'PGM_UNKNOWN_TYPE'
  /** A network-layer address whose family is neither IPv4 (1) nor IPv6 (2). */
  | 'PGM_BAD_AFI'
  /** The option area: no OPT_LENGTH first, lengths that do not add up, no end marker, too many options. */
  | 'PGM_BAD_OPTIONS'
  /** One option whose length does not fit its type. */
  | 'PGM_BAD_OPTION'
  /** ODATA/RDATA whose data length differs from the TSDU length in the header. */
  | 'PGM_BAD_TSDU_LENGTH';

export interface PgmMalformed {
  code: PgmErrorCode;
  message: string;
}

export function malformed(code: PgmErrorCode, message: string): PgmMalformed {
  return { code, message };
}
