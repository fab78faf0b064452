// The ZAP client (RFC 27): a server-side mechanism asks the handler bound at inproc://zeromq.zap.01
// whether to accept a peer. Like libzmq, the request travels as a REQ-style message (empty delimiter
// first) over an inproc pipe, and with no handler bound the answer is "none" (undefined).
import type { Context } from './context.js';
import { Pipe, type Msg } from './pipe.js';
import type { ZapClient, ZapReply, ZapRequest } from '../zmtp/mechanisms/mechanism.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
const ZAP_NAME = 'zeromq.zap.01';

let nextRequestId = 1;

export class ZapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZapError';
  }
}

/** Frames of a ZAP request, after the REQ delimiter. */
export function zapRequestFrames(req: ZapRequest, requestId: string): Buffer[] {
  return [
    Buffer.from('1.0'), Buffer.from(requestId), Buffer.from(req.domain), Buffer.from(req.address),
    Buffer.from(req.identity), Buffer.from(req.mechanism), ...req.credentials.map((c) => Buffer.from(c)),
  ];
}

/** Parses a ZAP reply (after the delimiter); throws ZapError naming what is wrong. */
export function parseZapReply(frames: Buffer[], requestId: string): ZapReply {
  if (frames.length !== 6) throw new ZapError(`ZAP reply must have 6 frames, got ${frames.length}`);
  const [version, id, status, text, userId, metadata] = frames;
  if (version.toString() !== '1.0') throw new ZapError(`ZAP reply has version ${JSON.stringify(version.toString())}, expected "1.0"`);
  if (id.toString() !== requestId) throw new ZapError(`ZAP reply is for request ${JSON.stringify(id.toString())}, expected ${requestId}`);
  const code = status.toString();
  if (!['200', '300', '400', '500'].includes(code)) throw new ZapError(`ZAP reply has invalid status code ${JSON.stringify(code)}`);
  return { statusCode: code, statusText: text.toString(), userId: userId.toString(), metadata };
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
        if (msg.length < 1 || msg[0].length !== 0) {
          finish(() => reject(new ZapError('ZAP reply does not start with an empty delimiter frame')));
          return;
        }
        try {
          const reply = parseZapReply(msg.slice(1), requestId);
          finish(() => resolve(reply));
        } catch (e) {
          finish(() => reject(e));
        }
      };
      ours.owner = {
        readActivated: onReply,
        writeActivated: () => {},
        pipeTerminated: () => finish(() => reject(new ZapError('ZAP handler went away before replying'))),
      };
      handler.attachInprocPipe(theirs, ZAP_ENDPOINT, 'REQ', undefined);
      ours.write([Buffer.alloc(0), ...zapRequestFrames(req, requestId)]);
    });
  };
}
