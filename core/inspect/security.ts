// Fields of the PLAIN (RFC 24) and CURVE (RFC 26) handshake commands as a sniffer sees them.
// The engine's mechanisms validate and answer these; here we only name what is on the wire, and
// report a malformed command as a problem string instead of throwing.
import { decodeMetadata } from '../zmtp/metadata.js';

export interface SecurityFields {
  username?: string;
  password?: string;
  cleartextCredentials?: boolean;
  properties?: Record<string, string>;
  curve?: Record<string, string | number>;
  encrypted?: boolean;
  /** Set when the command does not have the layout its mechanism requires. */
  problem?: string;
}

const CURVE_HELLO_SIZE = 2 + 72 + 32 + 8 + 80;
const CURVE_WELCOME_SIZE = 16 + 144;
const CURVE_COOKIE_SIZE = 96;
const SHORT_NONCE = 8;
/** Smallest CURVE box: 16 bytes of Poly1305 tag. MESSAGE boxes carry a flags byte on top. */
const BOX_OVERHEAD = 16;

/** Names the fields of a PLAIN or CURVE command; undefined when the mechanism/name pair is not one of theirs. */
export function describeSecurity(mechanism: string, name: string, data: Buffer): SecurityFields | undefined {
  if (mechanism === 'PLAIN') return plain(name, data);
  if (mechanism === 'CURVE') return curve(name, data);
  return undefined;
}

function plain(name: string, data: Buffer): SecurityFields | undefined {
  switch (name) {
    case 'HELLO': {
      // username-length(1) username password-length(1) password
      if (data.length < 1) return { problem: 'PLAIN HELLO has no username length' };
      const ulen = data[0];
      if (1 + ulen + 1 > data.length) return { problem: `PLAIN HELLO username of ${ulen} bytes runs past the command` };
      const plen = data[1 + ulen];
      const end = 2 + ulen + plen;
      const out: SecurityFields = {
        username: data.toString('utf8', 1, 1 + ulen),
        password: data.toString('utf8', 2 + ulen, Math.min(end, data.length)),
        cleartextCredentials: true,
      };
      if (end > data.length) out.problem = `PLAIN HELLO password of ${plen} bytes runs past the command`;
      else if (end < data.length) out.problem = `PLAIN HELLO has ${data.length - end} extra bytes`;
      return out;
    }
    case 'WELCOME':
      return data.length === 0 ? {} : { problem: `PLAIN WELCOME should be empty, has ${data.length} bytes` };
    case 'INITIATE':
    case 'READY': {
      const md = decodeMetadata(data);
      return { properties: md.properties, problem: md.error ? `malformed ${name} metadata: ${md.error}` : undefined };
    }
    default:
      return undefined;
  }
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function curve(name: string, data: Buffer): SecurityFields | undefined {
  switch (name) {
    case 'HELLO': {
      if (data.length !== CURVE_HELLO_SIZE) return { problem: `CURVE HELLO must be ${CURVE_HELLO_SIZE} bytes, is ${data.length}` };
      return {
        curve: {
          version: `${data[0]}.${data[1]}`,
          clientTransientKey: hex(data.subarray(74, 106)),
          nonce: hex(data.subarray(106, 114)),
          signatureBox: 80,
        },
      };
    }
    case 'WELCOME': {
      if (data.length !== CURVE_WELCOME_SIZE) return { problem: `CURVE WELCOME must be ${CURVE_WELCOME_SIZE} bytes, is ${data.length}` };
      return { curve: { nonce: hex(data.subarray(0, 16)), box: 144 }, encrypted: true };
    }
    case 'INITIATE': {
      const min = CURVE_COOKIE_SIZE + SHORT_NONCE + BOX_OVERHEAD;
      if (data.length < min) return { problem: `CURVE INITIATE needs at least ${min} bytes, has ${data.length}` };
      return {
        curve: {
          cookie: hex(data.subarray(0, CURVE_COOKIE_SIZE)),
          nonce: hex(data.subarray(CURVE_COOKIE_SIZE, CURVE_COOKIE_SIZE + SHORT_NONCE)),
          box: data.length - CURVE_COOKIE_SIZE - SHORT_NONCE,
        },
        encrypted: true,
      };
    }
    case 'READY':
    case 'MESSAGE': {
      const min = SHORT_NONCE + BOX_OVERHEAD + (name === 'MESSAGE' ? 1 : 0);
      if (data.length < min) return { problem: `CURVE ${name} needs at least ${min} bytes, has ${data.length}` };
      return {
        curve: { nonce: hex(data.subarray(0, SHORT_NONCE)), box: data.length - SHORT_NONCE },
        encrypted: true,
      };
    }
    default:
      return undefined;
  }
}
