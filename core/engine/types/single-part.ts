// Draft socket types (CLIENT, SERVER, GATHER, SCATTER, RADIO, DISH, CHANNEL) carry single-part messages
// only. A multipart message from a peer is dropped whole, like libzmq's xrecv loops that skip MORE frames.
import type { Msg } from '../pipe.js';
import { zmqError } from '../errors.js';

/** Incoming: the next single-part message, dropping multipart ones. */
export function singlePart(next: () => Msg | undefined): Msg | undefined {
  for (let msg = next(); msg !== undefined; msg = next()) if (msg.length === 1) return msg;
  return undefined;
}

/** Outgoing: a multipart message is EINVAL (libzmq's xsend of these types checks the MORE flag). */
export function requireSinglePart(msg: Msg, typeName: string): void {
  if (msg.length !== 1) throw zmqError('EINVAL', `${typeName} sockets do not allow multipart messages`);
}
