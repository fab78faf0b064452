// Numbers and names fixed by the ZMTP specifications (RFC 13, 15, 23, 37).

/** Frame flag bits. ZMTP 2.0 and 3.x: MORE, LONG; 3.x adds COMMAND. ZMTP 1.0 has MORE only. */
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

/** Socket types, with their ZMTP 2.0 greeting byte (RFC 15) where one exists. */
export const SOCKET_TYPES = ['PAIR', 'PUB', 'SUB', 'REQ', 'REP', 'DEALER', 'ROUTER', 'PULL', 'PUSH', 'XPUB', 'XSUB', 'STREAM'] as const;
export type SocketTypeName = (typeof SOCKET_TYPES)[number];

/** Draft socket types that ZMTP 3.1 peers may announce in READY. */
export const DRAFT_SOCKET_TYPES = ['SERVER', 'CLIENT', 'RADIO', 'DISH', 'GATHER', 'SCATTER', 'DGRAM', 'PEER', 'CHANNEL'] as const;

/** ZMTP 2.0 greeting socket-type byte -> name. */
export function socketTypeFromByte(byte: number): SocketTypeName | undefined {
  return SOCKET_TYPES[byte];
}

export function socketTypeToByte(name: SocketTypeName): number {
  return SOCKET_TYPES.indexOf(name);
}

/** Which peers a socket type may talk to (RFC 23 / RFC 37 and libzmq's mechanism_t::check_socket_type). */
const COMPATIBLE: Record<string, readonly string[]> = {
  PAIR: ['PAIR'],
  PUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  XPUB: ['SUB', 'XSUB'],
  XSUB: ['PUB', 'XPUB'],
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PULL: ['PUSH'],
  PUSH: ['PULL'],
  SERVER: ['CLIENT'],
  CLIENT: ['SERVER'],
  RADIO: ['DISH'],
  DISH: ['RADIO'],
  GATHER: ['SCATTER'],
  SCATTER: ['GATHER'],
  PEER: ['PEER'],
  CHANNEL: ['CHANNEL'],
};

export function socketTypesCompatible(ours: string, theirs: string): boolean {
  return COMPATIBLE[ours]?.includes(theirs) ?? false;
}

/** Greeting layout (RFC 23): signature 10 bytes, then revision at offset 10. */
export const SIGNATURE_SIZE = 10;
export const REVISION_OFFSET = 10;
export const V2_GREETING_SIZE = 12;
export const V3_GREETING_SIZE = 64;
export const MECHANISM_OFFSET = 12;
export const MECHANISM_SIZE = 20;
export const AS_SERVER_OFFSET = 32;
