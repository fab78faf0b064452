// Receive-side ZMQ_CONFLATE: only the newest message counts, so take everything queued and keep the last.
import type { Msg } from '../pipe.js';

export function newest(next: () => Msg | undefined): Msg | undefined {
  let last: Msg | undefined;
  for (let msg = next(); msg !== undefined; msg = next()) last = msg;
  return last;
}
