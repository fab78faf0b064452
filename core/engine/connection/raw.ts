// Raw mode, for STREAM sockets (libzmq's raw_engine_t with its raw encoder and decoder): no greeting,
// no handshake, no framing. Each chunk read is one message, each message written is its bytes, and an
// empty message is a notice: the socket gets one when the peer connects and one when it goes, and
// sending one closes the connection.
import type { Msg, Pipe } from '../pipe.js';
import { messageTap, tapMessage } from '../wiretap.js';
import type { PeerInfo } from './connection-host.js';

/** The empty message that tells a STREAM socket a peer came or went (it drops it unless `notify`). */
export const RAW_NOTICE = Buffer.alloc(0);

/** What a raw connection tells its socket about the peer: nothing was negotiated. */
export function rawPeer(remoteAddress: string): PeerInfo {
  return { version: '3.1', socketType: 'STREAM', properties: {}, identity: Buffer.alloc(0), remoteAddress };
}

/**
 * Writes every message the pipe holds as raw bytes. Returns true when an empty message asked for the
 * connection to close (what came before it is written; what comes after it is not).
 */
export function writeRaw(pipe: Pipe, send: (bytes: Buffer) => void, remoteAddress: string): boolean {
  let msg: Msg | undefined;
  while ((msg = pipe.read()) !== undefined) {
    if (messageTap) tapMessage(msg, remoteAddress);
    const data = msg.length === 1 ? msg[0] : Buffer.concat(msg);
    if (data.length === 0) return true;
    send(data);
  }
  return false;
}
