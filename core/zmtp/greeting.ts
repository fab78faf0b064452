// The ZMTP greeting (RFC 23 for 3.0, RFC 37 for 3.1, RFC 15 for 2.0, RFC 13 for 1.0) and the
// version detection libzmq performs on a peer's first bytes.
//
// libzmq 4 writes its greeting in steps: the 10-byte signature first, then its major revision once it
// has seen the peer's signature, then the rest once it knows the peer's revision. Facing a 2.0 or 1.0
// peer it falls back: after revision byte 3 it sends a 2.0-style socket-type byte (2.0 peer), or, for a
// 1.0 peer that sent no signature, only its identity body (its signature doubled as a 1.0 length
// prefix). So the bytes one side sends after the revision depend on the other side's revision:
// parseGreeting takes that as `peerRevision`.

import {
  AS_SERVER_OFFSET,
  MECHANISM_OFFSET,
  MECHANISM_SIZE,
  REVISION_OFFSET,
  SIGNATURE_SIZE,
  V2_GREETING_SIZE,
  V3_GREETING_SIZE,
  socketTypeFromByte,
  socketTypeToByte,
  type SocketTypeName,
} from './constants.js';

export type ZmtpVersion = '1.0' | '2.0' | '3.0' | '3.1';

export interface Greeting {
  /** The framing this side will use from here on. */
  version: ZmtpVersion;
  /** The revision byte it sent (3 even when it falls back to 2.0 framing); undefined for 1.0 without signature. */
  revision?: number;
  minor?: number;
  /** ZMTP 3.x mechanism name (NUL padding removed). 1.0/2.0 have none: 'NULL'. */
  mechanism: string;
  asServer?: boolean;
  /** ZMTP 2.0 socket type byte, named. */
  socketType?: SocketTypeName;
  socketTypeByte?: number;
  /** Bytes of the greeting, not counting a 1.0/2.0 identity frame which is framed traffic. */
  length: number;
}

export type GreetingParse =
  | { status: 'more'; /** at least this many bytes are needed in total */ need: number }
  /** The rest of the greeting depends on the peer's revision, not known yet. */
  | { status: 'need-peer' }
  | { status: 'done'; greeting: Greeting }
  | { status: 'error'; message: string };

/** Revision bytes as the two sides see them: 0 = ZMTP 1.0 (or no signature), 1 = 2.0, 3 = 3.x. */
export const REVISION_1_0 = 0;
export const REVISION_2_0 = 1;
export const REVISION_3 = 3;

/**
 * True for a revision byte that announces ZMTP 2.0 framing: 1 (RFC 15), and 2, which RFC 23's backwards
 * interoperability also reads as a 2.0 peer ("if the peer version number is 1 or 2"). libzmq master sent 2
 * for a few weeks in 2013 (a draft ZMTP/2.1 with 2.0's greeting and framing) before 3.0; no release did.
 */
export function isV2Revision(revision: number | undefined): boolean {
  return revision === REVISION_2_0 || revision === REVISION_2_0 + 1;
}

/**
 * True once `data` can no longer be a ZMTP signature: libzmq's test, a first byte other than 0xFF or a
 * 10th byte without bit 0 means the peer speaks ZMTP 1.0 (its first bytes are a length-prefixed frame).
 */
export function looksLikeV1(data: Buffer): boolean | undefined {
  if (data.length === 0) return undefined;
  if (data[0] !== 0xff) return true;
  if (data.length < SIGNATURE_SIZE) return undefined;
  return (data[SIGNATURE_SIZE - 1] & 0x01) === 0;
}

/**
 * Reads the greeting at the start of one direction of a stream.
 * @param peerRevision the other side's revision byte once known (REVISION_1_0 if it sent no signature).
 */
export function parseGreeting(data: Buffer, peerRevision?: number): GreetingParse {
  const v1 = looksLikeV1(data);
  if (v1 === undefined) return { status: 'more', need: data.length === 0 ? 1 : SIGNATURE_SIZE };
  if (v1) return { status: 'done', greeting: { version: '1.0', mechanism: 'NULL', length: 0 } };
  if (data.length <= REVISION_OFFSET) {
    // A libzmq sender facing a 1.0 peer stops after the signature: its signature is the length of a
    // 1.0 identity frame (flags 0x7F), and the identity body follows.
    if (peerRevision === REVISION_1_0) return { status: 'done', greeting: { version: '1.0', mechanism: 'NULL', length: 0 } };
    return { status: 'more', need: REVISION_OFFSET + 1 };
  }
  const revision = data[REVISION_OFFSET];
  if (peerRevision === REVISION_1_0 && revision >= REVISION_3) {
    return { status: 'error', message: 'a ZMTP 3 sender facing a ZMTP 1.0 peer should not send a revision byte' };
  }
  if (revision === REVISION_1_0 || isV2Revision(revision)) {
    // RFC 15: signature, revision, socket-type; 1.0-with-signature is framed as 2.0 by libzmq.
    if (data.length < V2_GREETING_SIZE) return { status: 'more', need: V2_GREETING_SIZE };
    return { status: 'done', greeting: v2Greeting(data, revision) };
  }
  // Revision 3 or newer: the rest depends on the peer's revision.
  const peerIsLegacy = peerRevision === REVISION_1_0 || isV2Revision(peerRevision);
  if (peerIsLegacy) {
    if (data.length < V2_GREETING_SIZE) return { status: 'more', need: V2_GREETING_SIZE };
    return { status: 'done', greeting: v2Greeting(data, revision) };
  }
  if (data.length < V3_GREETING_SIZE) {
    if (peerRevision === undefined && data.length >= V2_GREETING_SIZE) return { status: 'need-peer' };
    return { status: 'more', need: V3_GREETING_SIZE };
  }
  return v3Greeting(data, revision);
}

function v2Greeting(data: Buffer, revision: number): Greeting {
  const byte = data[REVISION_OFFSET + 1];
  return {
    version: '2.0',
    revision,
    mechanism: 'NULL',
    socketType: socketTypeFromByte(byte),
    socketTypeByte: byte,
    length: V2_GREETING_SIZE,
  };
}

function v3Greeting(data: Buffer, revision: number): GreetingParse {
  const minor = data[REVISION_OFFSET + 1];
  const mechBytes = data.subarray(MECHANISM_OFFSET, MECHANISM_OFFSET + MECHANISM_SIZE);
  const nul = mechBytes.indexOf(0);
  const mechanism = mechBytes.toString('latin1', 0, nul < 0 ? MECHANISM_SIZE : nul);
  if (!/^[A-Z0-9\-_.+]*$/.test(mechanism) || mechanism.length === 0) {
    return { status: 'error', message: `invalid mechanism name in greeting: ${JSON.stringify(mechanism)}` };
  }
  // Versions newer than 3.1 speak 3.1 to us (RFC 37: the lower version wins).
  const version: ZmtpVersion = revision > REVISION_3 || minor >= 1 ? '3.1' : '3.0';
  return {
    status: 'done',
    greeting: {
      version,
      revision,
      minor,
      mechanism,
      asServer: data[AS_SERVER_OFFSET] === 1,
      length: V3_GREETING_SIZE,
    },
  };
}

/** The 10-byte signature. libzmq puts identity-length+1 in the last padding byte so a 1.0 peer reads it as a frame length. */
export function encodeSignature(identityLength = 0): Buffer {
  const sig = Buffer.alloc(SIGNATURE_SIZE);
  sig[0] = 0xff;
  sig[8] = identityLength + 1;
  sig[9] = 0x7f;
  return sig;
}

/** The full 64-byte ZMTP 3.x greeting. */
export function encodeGreetingV3(mechanism: string, asServer: boolean, minor = 1): Buffer {
  if (mechanism.length === 0 || mechanism.length > MECHANISM_SIZE) {
    throw new RangeError(`mechanism name must be 1..20 characters: ${mechanism}`);
  }
  const g = Buffer.alloc(V3_GREETING_SIZE);
  encodeSignature().copy(g, 0);
  g[REVISION_OFFSET] = REVISION_3;
  g[REVISION_OFFSET + 1] = minor;
  g.write(mechanism, MECHANISM_OFFSET, 'latin1');
  g[AS_SERVER_OFFSET] = asServer ? 1 : 0;
  return g;
}

/** The 12-byte ZMTP 2.0 greeting (the identity frame follows as ordinary 2.0 traffic). */
export function encodeGreetingV2(socketType: SocketTypeName, revision = REVISION_2_0): Buffer {
  const g = Buffer.alloc(V2_GREETING_SIZE);
  encodeSignature().copy(g, 0);
  g[REVISION_OFFSET] = revision;
  g[REVISION_OFFSET + 1] = socketTypeToByte(socketType);
  return g;
}

/** The version two sides settle on: the lower of the two (RFC 23 "backwards interoperability"). */
export function negotiatedVersion(ours: ZmtpVersion, theirs: ZmtpVersion): ZmtpVersion {
  return ours < theirs ? ours : theirs;
}
