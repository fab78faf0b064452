// Fields of the PLAIN (RFC 24), CURVE (RFC 26) and GSSAPI (RFC 38) handshake commands as a sniffer sees them.
// The field layouts come from core/zmtp's describeSecurityCommand (one codec); this adapts them to the
// record shape and reports a malformed command as a problem string instead of throwing.
import { decodeMetadata } from '../zmtp/metadata.js';
import { describeSecurityCommand } from '../zmtp/mechanisms/describe.js';

export interface SecurityFields {
  username?: string;
  password?: string;
  cleartextCredentials?: boolean;
  properties?: Record<string, string>;
  curve?: Record<string, string | number>;
  /** GSSAPI: the opaque token of an INITIATE or MESSAGE (hex) and its length. */
  gssapi?: { tokenLength: number; token: string };
  encrypted?: boolean;
  /** Set when the command does not have the layout its mechanism requires. */
  problem?: string;
}

/** Names the fields of a PLAIN or CURVE command; undefined when the mechanism/name pair is not one of theirs. */
export function describeSecurity(mechanism: string, name: string, data: Buffer): SecurityFields | undefined {
  if (mechanism === 'PLAIN') {
    if (name === 'INITIATE' || name === 'READY') {
      const md = decodeMetadata(data);
      return { properties: md.properties, problem: md.error ? `malformed ${name} metadata: ${md.error}` : undefined };
    }
    if (name !== 'HELLO' && name !== 'WELCOME') return undefined;
    const f = describeSecurityCommand(mechanism, name, data);
    const out: SecurityFields = { problem: f.malformed === undefined ? undefined : `PLAIN ${name}: ${f.malformed}` };
    if (name === 'HELLO') {
      out.username = String(f.username ?? '');
      out.password = String(f.password ?? '');
      out.cleartextCredentials = true;
    }
    return out;
  }
  if (mechanism === 'CURVE') {
    if (!['HELLO', 'WELCOME', 'INITIATE', 'READY', 'MESSAGE'].includes(name)) return undefined;
    const { malformed, ...curve } = describeSecurityCommand(mechanism, name, data);
    return {
      curve,
      encrypted: name !== 'HELLO',
      problem: malformed === undefined ? undefined : String(malformed),
    };
  }
  if (mechanism === 'GSSAPI') return describeGssapi(name, data);
  return undefined;
}

/**
 * GSSAPI as libzmq speaks it, checked on real MIT Kerberos captures (RFC 38's text, a HELLO and
 * space-padded names, is not what libzmq sends; it leaves the bodies to GSS-API): INITIATE carries a context token
 * and MESSAGE a wrapped (gss_wrap) message, each as a 4-byte big-endian length and the token, opaque to a
 * sniffer; READY carries metadata in clear when the peers chose no encryption, and goes wrapped as a
 * MESSAGE otherwise.
 */
function describeGssapi(name: string, data: Buffer): SecurityFields | undefined {
  if (name === 'READY') {
    const md = decodeMetadata(data);
    return { properties: md.properties, problem: md.error ? `malformed GSSAPI READY metadata: ${md.error}` : undefined };
  }
  if (name !== 'INITIATE' && name !== 'MESSAGE') return undefined;
  const out: SecurityFields = { encrypted: name === 'MESSAGE' };
  if (data.length < 4) {
    out.problem = `GSSAPI ${name}: ${data.length} bytes, too short for its 4-byte token length`;
    return out;
  }
  const declared = data.readUInt32BE(0);
  const token = data.subarray(4);
  out.gssapi = { tokenLength: declared, token: token.toString('hex') };
  if (declared !== token.length) out.problem = `GSSAPI ${name}: token length says ${declared} bytes, the command holds ${token.length}`;
  return out;
}
