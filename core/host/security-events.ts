// What a socket's monitor event means for its security, as extra timeline rows: the ZAP decision a server
// socket got (allowed or refused, mechanism, user or key, peer address), and for a failed handshake a hint
// in plain words (a CURVE client that used the wrong server key, a refused user). Derived from the socket's
// own event and options, so each row belongs to exactly the socket it is shown on.
import type { SocketOptions } from './protocol.js';

/** A timeline row in event-fold.ts's shape: type, endpoint, reason (part of its identity), detail. */
export interface SecurityRow {
  type: 'zap:allowed' | 'zap:refused' | 'hint';
  address?: string;
  reason: string;
  detail?: string;
}

export interface SecurityEventInput {
  type: string;
  address?: string;
  remoteAddress?: string;
  reason?: string;
}

/** The mechanism a socket speaks and whether it is the server side, from its options (libzmq's choice). */
export function securityOf(options: SocketOptions): { mechanism: 'NULL' | 'PLAIN' | 'CURVE'; server: boolean; asksZap: boolean } {
  if (options.curveServer === true) return { mechanism: 'CURVE', server: true, asksZap: true };
  if (typeof options.curveServerKey === 'string') return { mechanism: 'CURVE', server: false, asksZap: false };
  if (options.plainServer === true) return { mechanism: 'PLAIN', server: true, asksZap: true };
  if (typeof options.plainUsername === 'string' || typeof options.plainPassword === 'string')
    return { mechanism: 'PLAIN', server: false, asksZap: false };
  // A NULL socket asks ZAP only when it has a ZAP domain (libzmq 4.3).
  return { mechanism: 'NULL', server: false, asksZap: typeof options.zapDomain === 'string' && options.zapDomain !== '' };
}

/** "ZAP handler refused the PLAIN client: 400 wrong password..." (core/zmtp/mechanisms/common.ts zapFailure). */
const REFUSAL = /^ZAP handler refused the (\w+) client: (\d{3})(?: (.*))?$/s;

function who(mechanism: string, user: string | undefined): string {
  if (mechanism === 'PLAIN') return `PLAIN user '${user ?? ''}'`;
  if (mechanism === 'CURVE') return `CURVE key ${user ?? '(unknown)'}`;
  return `${mechanism} client`;
}

function shortKey(key: unknown): string {
  return typeof key === 'string' ? key : '(not set)';
}

/**
 * The rows to add after one monitor event of a socket with these options. `userId` is the accepted peer's
 * User-Id (the ZAP handler sets it to the PLAIN user or the CURVE key), read when the handshake completes.
 */
export function securityRows(options: SocketOptions, ev: SecurityEventInput, userId?: string): SecurityRow[] {
  const sec = securityOf(options);
  const from = ev.remoteAddress ? `from ${ev.remoteAddress}` : undefined;
  const at = ev.address !== undefined ? { address: ev.address } : {};
  const rows: SecurityRow[] = [];
  if (sec.asksZap && ev.type === 'handshake') {
    rows.push({ type: 'zap:allowed', ...at, reason: `ZAP allowed ${who(sec.mechanism, userId)}`, ...(from ? { detail: from } : {}) });
  }
  if (!ev.type.startsWith('handshake:error')) return rows;
  const reason = ev.reason ?? '';
  const refusal = REFUSAL.exec(reason);
  if (sec.server && ev.type === 'handshake:error:auth' && refusal) {
    const text = refusal[3] ? `: ${refusal[3]}` : '';
    rows.push({
      type: 'zap:refused',
      ...at,
      reason: `ZAP refused a ${refusal[1]} client (status ${refusal[2]})${text}`,
      ...(from ? { detail: from } : {}),
    });
    if (refusal[1] === 'PLAIN')
      rows.push({ type: 'hint', ...at, reason: 'Add the user and password under Authentication (ZAP) on this socket.' });
    if (refusal[1] === 'CURVE')
      rows.push({ type: 'hint', ...at, reason: "Add the client's public key under Authentication (ZAP), or allow any CURVE client." });
    return rows;
  }
  if (sec.server && sec.mechanism === 'CURVE' && /another server key/.test(reason)) {
    rows.push({
      type: 'hint',
      ...at,
      reason: `A client used a server key other than this socket's public key ${shortKey(options.curvePublicKey)}: give the client this key as its server key.`,
    });
    return rows;
  }
  if (!sec.server && ev.type === 'handshake:error:auth') {
    const refused =
      sec.mechanism === 'PLAIN'
        ? `user '${shortKey(options.plainUsername)}'`
        : sec.mechanism === 'CURVE'
          ? `this socket's public key ${shortKey(options.curvePublicKey)}`
          : 'this client';
    rows.push({
      type: 'hint',
      ...at,
      reason: `The server's ZAP handler refused ${refused}: check the credentials, or let them in on the server.`,
    });
    return rows;
  }
  if (!sec.server && sec.mechanism === 'CURVE') {
    rows.push({
      type: 'hint',
      ...at,
      reason: `CURVE handshake failed: check the server public key (this socket uses ${shortKey(options.curveServerKey)}); it must be the server's public key, not its secret key or another server's.`,
    });
  }
  return rows;
}
