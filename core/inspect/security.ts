// Fields of the PLAIN (RFC 24) and CURVE (RFC 26) handshake commands as a sniffer sees them.
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
  return undefined;
}
