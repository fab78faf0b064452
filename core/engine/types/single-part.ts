// Draft socket types (CLIENT, SERVER, GATHER, SCATTER, RADIO, DISH) carry single-part messages only.
// A multipart message from a peer is dropped whole, like libzmq's xrecv loops that skip MORE frames.
import type { Msg } from '../pipe.js';

export function singlePart(next: () => Msg | undefined): Msg | undefined {
  for (let msg = next(); msg !== undefined; msg = next()) if (msg.length === 1) return msg;
  return undefined;
}
