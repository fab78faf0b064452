// Names the fields of security-handshake commands for the sniffer, without any keys: what a Wireshark
// dissector would show. Every size problem is reported in a `malformed` field, never thrown.
import { decodeMetadata } from '../metadata.js';
import { z85Encode } from '../z85.js';
import { isLibzmqPlainError } from './common.js';
import {
  CURVE_HELLO_SIZE,
  CURVE_INITIATE_MIN_SIZE,
  CURVE_MESSAGE_MIN_SIZE,
  CURVE_READY_MIN_SIZE,
  CURVE_WELCOME_SIZE,
} from './curve-layout.js';

export type SecurityFields = Record<string, string | number>;

/** An 8-byte big-endian counter: a number when exact, else its decimal string. */
function counter(data: Buffer, offset: number): number | string {
  const value = data.readBigUInt64BE(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function printable(b: Buffer): string {
  const text = b.toString('utf8');
  return /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd') ? text : `0x${b.toString('hex')}`;
}

function metadataFields(data: Buffer, out: SecurityFields): SecurityFields {
  const md = decodeMetadata(data);
  for (const [name, value] of Object.entries(md.raw)) out[`property ${name}`] = printable(value);
  if (md.error) out.malformed = `metadata: ${md.error}`;
  return out;
}

function errorFields(data: Buffer): SecurityFields {
  if (data.length < 1) return { malformed: 'ERROR has no reason length' };
  const length = data[0];
  if (1 + length > data.length) {
    return { reason: data.toString('latin1', 1), malformed: `ERROR reason claims ${length} bytes, only ${data.length - 1} present` };
  }
  const out: SecurityFields = { reason: data.toString('latin1', 1, 1 + length) };
  if (1 + length < data.length) out.malformed = `${data.length - 1 - length} extra bytes after the ERROR reason`;
  return out;
}

function plainFields(name: string, data: Buffer): SecurityFields {
  switch (name) {
    case 'HELLO': {
      const out: SecurityFields = {};
      let pos = 0;
      if (pos >= data.length) return { malformed: 'HELLO has no username length' };
      const userLength = data[pos++];
      if (pos + userLength > data.length) {
        return {
          username: printable(data.subarray(pos)),
          malformed: `username claims ${userLength} bytes, only ${data.length - pos} present`,
        };
      }
      out.username = printable(data.subarray(pos, pos + userLength));
      pos += userLength;
      if (pos >= data.length) return { ...out, malformed: 'HELLO has no password length' };
      const passLength = data[pos++];
      if (pos + passLength > data.length) {
        return {
          ...out,
          password: printable(data.subarray(pos)),
          malformed: `password claims ${passLength} bytes, only ${data.length - pos} present`,
        };
      }
      out.password = printable(data.subarray(pos, pos + passLength));
      pos += passLength;
      if (pos < data.length) out.malformed = `${data.length - pos} extra bytes after the password`;
      return out;
    }
    case 'WELCOME':
      return data.length === 0 ? {} : { malformed: `WELCOME carries ${data.length} unexpected bytes` };
    case 'INITIATE':
    case 'READY':
      return metadataFields(data, {});
    case 'ERROR':
      return errorFields(data);
    default:
      return { malformed: `${name} is not a PLAIN handshake command` };
  }
}

/** Sizes below include the command name, as RFC 26 counts them. */
function curveFields(name: string, data: Buffer): SecurityFields {
  const size = 1 + name.length + data.length;
  switch (name) {
    case 'HELLO': {
      if (size !== CURVE_HELLO_SIZE) return { size, malformed: `CURVE HELLO is ${size} bytes, expected ${CURVE_HELLO_SIZE}` };
      // offsets in `data` are RFC offsets minus the 6-byte name
      const padding = data.subarray(2, 74);
      return {
        version: `${data[0]}.${data[1]}`,
        padding: padding.every((b) => b === 0) ? '72 zero bytes' : '72 bytes, not all zero',
        "client short-term key C'": z85Encode(data.subarray(74, 106)),
        'short nonce': counter(data, 106),
        'signature box length': data.length - 114,
      };
    }
    case 'WELCOME': {
      if (size !== CURVE_WELCOME_SIZE) return { size, malformed: `CURVE WELCOME is ${size} bytes, expected ${CURVE_WELCOME_SIZE}` };
      return { nonce: data.subarray(0, 16).toString('hex'), 'box length': data.length - 16 };
    }
    case 'INITIATE': {
      if (size < CURVE_INITIATE_MIN_SIZE)
        return { size, malformed: `CURVE INITIATE is ${size} bytes, at least ${CURVE_INITIATE_MIN_SIZE} needed` };
      return {
        'cookie nonce': data.subarray(0, 16).toString('hex'),
        'cookie length': 80,
        'short nonce': counter(data, 96),
        'box length': data.length - 104,
        'metadata length': data.length - 104 - 16 - 128,
      };
    }
    case 'READY': {
      if (size < CURVE_READY_MIN_SIZE) return { size, malformed: `CURVE READY is ${size} bytes, at least ${CURVE_READY_MIN_SIZE} needed` };
      return { 'short nonce': counter(data, 0), 'box length': data.length - 8, 'metadata length': data.length - 8 - 16 };
    }
    case 'MESSAGE': {
      if (size < CURVE_MESSAGE_MIN_SIZE)
        return { size, malformed: `CURVE MESSAGE is ${size} bytes, at least ${CURVE_MESSAGE_MIN_SIZE} needed` };
      return { 'short nonce': counter(data, 0), 'box length': data.length - 8, 'payload length': data.length - 8 - 16 - 1 };
    }
    case 'ERROR':
      return errorFields(data);
    default:
      return { malformed: `${name} is not a CURVE command` };
  }
}

/**
 * Fields of one security command. `name` is the command name, `data` what follows it in the frame body
 * (as splitCommand returns). `mechanism` is the one announced in the greeting.
 */
export function describeSecurityCommand(mechanism: string, name: string, data: Buffer): SecurityFields {
  switch (mechanism) {
    case 'PLAIN':
      return plainFields(name, data);
    case 'CURVE':
      return curveFields(name, data);
    case 'NULL':
      if (name === 'READY') return metadataFields(data, {});
      if (name === 'ERROR') return errorFields(data);
      return { malformed: `${name} is not a NULL handshake command` };
    default:
      return { malformed: `unknown mechanism '${mechanism}'` };
  }
}

/**
 * Like describeSecurityCommand but from a whole command frame body, so it can also name libzmq's PLAIN
 * ERROR (0x5E "RROR", see LIBZMQ_PLAIN_ERROR_PREFIX), whose name byte does not parse as a command.
 * Returns the command name it settled on with the fields.
 */
export function describeSecurityBody(mechanism: string, body: Buffer): { name: string; fields: SecurityFields } {
  if (mechanism === 'PLAIN' && isLibzmqPlainError(body)) {
    return { name: 'ERROR', fields: { ...errorFields(body.subarray(5)), note: 'libzmq PLAIN ERROR form: name bytes 0x5E "RROR"' } };
  }
  if (body.length < 1 || body[0] === 0 || 1 + body[0] > body.length) {
    return { name: '', fields: { malformed: `command name length ${body[0] ?? 'missing'} runs past the ${body.length}-byte frame` } };
  }
  const name = body.toString('latin1', 1, 1 + body[0]);
  return { name, fields: describeSecurityCommand(mechanism, name, body.subarray(1 + body[0])) };
}
