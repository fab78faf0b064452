// The ZAP client (RFC 27): a server-side mechanism asks the handler bound at inproc://zeromq.zap.01
// whether to accept a peer. Like libzmq, the request travels as a REQ-style message (empty delimiter
// first) over an inproc pipe, and with no handler bound the answer is "none" (undefined).
import type { Context } from './context.js';
import { Pipe, type Msg } from './pipe.js';
import type { ZapClient, ZapReply } from '../zmtp/mechanisms/mechanism.js';
import { encodeZapRequest, parseZapReply, ZAP_ENDPOINT } from '../zmtp/mechanisms/zap.js';
import type { ZapProtocolError } from '../zmtp/mechanisms/protocol-errors.js';

// One ZAP codec (core/zmtp/mechanisms/zap.ts) serves the engine, ZAP handlers and tests.
const ZAP_NAME = ZAP_ENDPOINT.slice('inproc://'.length);

let nextRequestId = 1;

/** A reply libzmq's zap_client would refuse; `code` is its reason (read by askZap for the monitor event). */
export class ZapError extends Error {
  constructor(
    message: string,
    readonly code: ZapProtocolError,
  ) {
    super(message);
    this.name = 'ZapError';
  }
}

/** Makes the ZapClient a socket's mechanisms use. */
export function zapClientFor(context: Context): ZapClient {
  return (req) => {
    const handler = context.lookupInproc(ZAP_NAME);
    if (!handler) return Promise.resolve(undefined);
    const requestId = String(nextRequestId++);
    return new Promise<ZapReply | undefined>((resolve, reject) => {
      const [ours, theirs] = Pipe.pair(0, 0);
      ours.endpoint = ZAP_ENDPOINT;
      theirs.endpoint = ZAP_ENDPOINT;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        ours.terminateNow();
        fn();
      };
      const onReply = () => {
        const msg: Msg | undefined = ours.read();
        if (!msg) return;
        // In libzmq's order (zap_client.cpp): the frame count, then the delimiter, then the rest.
        if (msg.length !== 7) {
          finish(() =>
            reject(new ZapError(`ZAP reply must have 6 frames after the delimiter, got ${msg.length - 1}`, 'ERR_ZAP_MALFORMED_REPLY')),
          );
          return;
        }
        if (msg[0].length !== 0) {
          finish(() => reject(new ZapError('ZAP reply does not start with an empty delimiter frame', 'ERR_ZAP_UNSPECIFIED')));
          return;
        }
        const reply = parseZapReply(msg, requestId);
        if ('error' in reply) finish(() => reject(new ZapError(reply.error, reply.code)));
        else finish(() => resolve(reply));
      };
      ours.owner = {
        readActivated: onReply,
        writeActivated: () => {},
        pipeTerminated: () => finish(() => reject(new ZapError('ZAP handler went away before replying', 'ERR_ZAP_UNSPECIFIED'))),
      };
      handler.attachInprocPipe(theirs, ZAP_ENDPOINT, 'REQ', undefined);
      ours.write(encodeZapRequest(req, { requestId, withDelimiter: true }));
    });
  };
}
