// Pieces shared by the NULL, PLAIN and CURVE mechanisms: handshake results, asking ZAP, and libzmq's
// reading of ERROR.
import { errorCommand } from '../commands.js';
import type { HandshakeStep, MechanismOptions } from './mechanism.js';
import { askZap, type ZapVerdict } from './zap.js';
import type { ProtocolErrorCode } from './protocol-errors.js';

/** A protocol failure: `code` is the reason libzmq reports for the same fault (see protocol-errors.ts). */
export function protocolError(reason: string, code: ProtocolErrorCode, send: Buffer[] = []): HandshakeStep {
  return { status: 'error', send, reason, kind: 'protocol', protocolCode: code };
}

/** True when `body` is a command called `name` (name-length byte, then the name). */
export function isCommand(body: Buffer, name: string): boolean {
  if (body.length < 1 + name.length || body[0] !== name.length) return false;
  return body.toString('latin1', 1, 1 + name.length) === name;
}

/** Name of the command in `body` for error messages, or a short description when it has none. */
export function commandName(body: Buffer): string {
  if (body.length < 1 || body[0] === 0 || 1 + body[0] > body.length) return `malformed command (${body.length} bytes)`;
  return body.toString('latin1', 1, 1 + body[0]).replace(/[^\x20-\x7e]/g, '?');
}

/**
 * libzmq (4.3.0 and later, to this day) writes the PLAIN ERROR command name as the C string "\x05ERROR",
 * whose hex escape swallows the 'E': the command goes out as the 5 bytes 0x5E "RROR", then the reason
 * length and reason, and its PLAIN client only recognises that form. Our PLAIN server sends the same bytes
 * so libzmq clients report the refusal as an auth failure with the ZAP status, exactly as against a libzmq
 * server; our PLAIN client accepts both forms.
 */
export const LIBZMQ_PLAIN_ERROR_PREFIX = Buffer.from([0x5e, 0x52, 0x52, 0x4f, 0x52]);

export function isLibzmqPlainError(body: Buffer): boolean {
  return body.length >= 5 && body.subarray(0, 5).equals(LIBZMQ_PLAIN_ERROR_PREFIX);
}

export function libzmqPlainErrorCommand(reason: string): Buffer {
  const r = Buffer.from(reason.slice(0, 255), 'latin1');
  return Buffer.concat([LIBZMQ_PLAIN_ERROR_PREFIX, Buffer.from([r.length]), r]);
}

/**
 * A peer that receives ERROR stops (`sender` names the side that sent it). Like libzmq's
 * handle_error_reason, a reason that is a ZAP status code 300/400/500 means the other side's ZAP
 * handler refused us (an auth failure with that status).
 */
export function errorReceived(body: Buffer, mechanism: string, sender = 'server'): HandshakeStep {
  // body = 5 "ERROR" reason-length reason, or libzmq's PLAIN form 0x5E "RROR" reason-length reason
  const at = isLibzmqPlainError(body) ? 5 : 6;
  if (body.length < at + 1 || 1 + body[at] > body.length - at) {
    return protocolError(`malformed ${mechanism} ERROR command: reason length runs past the frame`, 'ERR_ZMTP_MALFORMED_COMMAND_ERROR');
  }
  const reason = body.toString('latin1', at + 1, at + 1 + body[at]);
  const status = /^[345]00$/.test(reason) ? Number(reason) : undefined;
  return {
    status: 'error',
    send: [],
    kind: 'auth',
    zapStatus: status,
    reason: status ? `${mechanism} ${sender} refused the handshake: ZAP status ${reason}` : `${mechanism} ${sender} sent ERROR: ${reason}`,
  };
}

/**
 * Turns a ZAP refusal or invalid reply into the step a server takes, as libzmq does: 300 (temporary)
 * closes without a word, 400/500 send ERROR with the status code as reason, an invalid reply is a
 * protocol failure.
 */
export function zapFailure(
  verdict: Extract<ZapVerdict, { outcome: 'refused' | 'invalid' }>,
  mechanism: string,
  encodeError: (reason: string) => Buffer = errorCommand,
): HandshakeStep {
  if (verdict.outcome === 'invalid') return protocolError(verdict.reason, verdict.code);
  const code = verdict.statusCode;
  return {
    status: 'error',
    send: code === '300' ? [] : [encodeError(code)],
    kind: 'auth',
    zapStatus: Number(code),
    reason: `ZAP handler refused the ${mechanism} client: ${code}${verdict.statusText ? ` ${verdict.statusText}` : ''}`,
  };
}

/** libzmq's ZAP request carries the server socket's own routing id (ZMQ_ROUTING_ID), empty by default. */
function ownIdentity(properties: Record<string, string | Uint8Array>): Buffer {
  const id = properties['Identity'];
  if (id === undefined) return Buffer.alloc(0);
  return typeof id === 'string' ? Buffer.from(id, 'utf8') : Buffer.from(id);
}

/** Asks the ZAP handler about this connection's peer, with the request libzmq's zap_client sends. */
export function askZapFor(options: MechanismOptions, mechanism: string, credentials: Buffer[]): Promise<ZapVerdict> {
  return askZap(options.zap, {
    domain: options.zapDomain,
    address: options.peerAddress,
    identity: ownIdentity(options.properties),
    mechanism,
    credentials,
  });
}

/** ZMQ_ZAP_ENFORCE_DOMAIN with no ZAP handler bound: the peer is refused without a word (libzmq's no-detail failure). */
export function enforcedWithoutHandler(mechanism: string): HandshakeStep {
  return {
    status: 'error',
    send: [],
    kind: 'no-detail',
    reason: `${mechanism} server enforces its ZAP domain but no ZAP handler is bound at inproc://zeromq.zap.01`,
  };
}
