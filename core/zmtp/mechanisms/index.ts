// Picks and builds the security mechanism for one connection from the socket's options (zeromq.js names),
// the way libzmq does: curveServer / curveServerKey -> CURVE, plainServer / plainUsername -> PLAIN, else NULL.
import { curveKeyFrom } from '../z85.js';
import type { Mechanism, MechanismOptions } from './mechanism.js';
import { NullMechanism } from './null.js';
import { PlainClient, PlainServer } from './plain.js';
import { CurveClient, CurveServer } from './curve.js';

export type MechanismName = 'NULL' | 'PLAIN' | 'CURVE';

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(value instanceof Uint8Array && value.length === 0);
}

/** Which mechanism a socket with these options speaks, and whether it is the server (greeting as-server flag). */
export function selectMechanism(socketOptions: Record<string, unknown>): { name: MechanismName; asServer: boolean } {
  if (socketOptions.curveServer === true) return { name: 'CURVE', asServer: true };
  if (present(socketOptions.curveServerKey)) return { name: 'CURVE', asServer: false };
  if (socketOptions.plainServer === true) return { name: 'PLAIN', asServer: true };
  if (present(socketOptions.plainUsername)) return { name: 'PLAIN', asServer: false };
  return { name: 'NULL', asServer: false };
}

function invalid(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'EINVAL' });
}

function key(socketOptions: Record<string, unknown>, option: string): Buffer {
  const value = socketOptions[option];
  if (!present(value)) throw invalid(`CURVE needs the ${option} option (40 Z85 characters)`);
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw invalid(`${option} must be a Z85 string or 32 bytes`);
  try {
    return curveKeyFrom(value, option);
  } catch (err) {
    const message = (err as Error).message;
    throw invalid(message.startsWith(option) ? message : `${option}: ${message}`);
  }
}

function credential(socketOptions: Record<string, unknown>, option: string): string {
  const value = socketOptions[option] ?? '';
  if (typeof value !== 'string') throw invalid(`${option} must be a string`);
  if (Buffer.byteLength(value, 'utf8') > 255) throw invalid(`${option} is longer than 255 bytes`);
  return value;
}

/**
 * Builds the mechanism for one connection. Throws a RangeError with code 'EINVAL' and a message naming the
 * option when the options cannot work (missing or malformed CURVE keys, a public key that does not match
 * its secret key, PLAIN credentials over 255 bytes); call it (or `checkSecurityOptions`) when options are set.
 */
export function createMechanism(name: MechanismName, opts: MechanismOptions & { socketOptions: Record<string, unknown> }): Mechanism {
  const so = opts.socketOptions;
  switch (name) {
    case 'NULL':
      return new NullMechanism({ ...opts, zapEnforceDomain: so.zapEnforceDomain === true });
    case 'PLAIN':
      if (opts.asServer) return new PlainServer(opts);
      return new PlainClient({ ...opts, username: credential(so, 'plainUsername'), password: credential(so, 'plainPassword') });
    case 'CURVE':
      if (opts.asServer) {
        return new CurveServer({ ...opts, secretKey: key(so, 'curveSecretKey'), zapEnforceDomain: so.zapEnforceDomain === true });
      }
      return new CurveClient({
        ...opts,
        serverKey: key(so, 'curveServerKey'),
        publicKey: key(so, 'curvePublicKey'),
        secretKey: key(so, 'curveSecretKey'),
      });
    default:
      throw invalid(`unknown security mechanism '${String(name)}'`);
  }
}

/** Throws the error createMechanism would throw for these options; returns the selection otherwise. */
export function checkSecurityOptions(socketOptions: Record<string, unknown>): { name: MechanismName; asServer: boolean } {
  const selected = selectMechanism(socketOptions);
  createMechanism(selected.name, {
    asServer: selected.asServer,
    properties: {},
    zapDomain: '',
    peerAddress: '',
    socketOptions,
  });
  return selected;
}
