// A direction seen without its start (capture begun mid-connection) or after lost bytes: its bytes are
// held and searched for frame boundaries (resync.ts findResync), then decoded from there, marked heuristic.
import { diagnose } from '../capture/diagnostics.js';
import { own, replay, takeHeadTimes, timeAt } from './held-bytes.js';
import { findResync, type ResyncResult, type StreamFraming } from './resync.js';
import type { SniffCore } from './sniff-core.js';
import { EMPTY, frameDecoder, notZmtp, OTHER, updateState, type ConnState, type DirState } from './stream-state.js';
import { WsMessageReader } from './websocket.js';

/** Framings tried when neither side's greeting or upgrade was seen: ZMTP 3.x/2.0, then 1.0's
 *  (length-first), then ZWS WebSocket frames (a ws connection seen without its HTTP upgrade). */
const UNKNOWN_FRAMINGS: readonly StreamFraming[] = ['v3', 'v1', 'ws'];
const WS_ONLY: readonly StreamFraming[] = ['ws'];

/** Looks for frame boundaries in the bytes `d` holds; once found, decodes from there. */
export function tryResync(x: SniffCore, c: ConnState, d: DirState, final: boolean): void {
  const peer = c.dirs[OTHER[d.dir]];
  const framings: readonly StreamFraming[] = d.ws
    ? WS_ONLY
    : d.framing
      ? [d.framing]
      : peer.ws
        ? WS_ONLY
        : peer.framing
          ? [peer.framing]
          : UNKNOWN_FRAMINGS;
  let r: ResyncResult;
  for (;;) {
    r = findResync(d.head, framings, final);
    if (r.status !== 'wait' || r.offset === 0) break;
    d.skipped += r.offset;
    d.head = d.head.subarray(r.offset);
  }
  if (r.status === 'none') {
    d.skipped += r.discard;
    d.head = EMPTY;
    if (d.skipped > x.opts.resyncGiveUpBytes && !c.decodedAny) {
      notZmtp(x, c, d, diagnose('NOT_ZMTP_NO_FRAMES', d.skipped));
    }
    return;
  }
  if (r.status === 'wait') {
    // Copy what we keep so the rest of a big buffer can be freed.
    d.head = own(d.head);
    return;
  }
  const skipped = d.skipped + r.offset;
  d.skipped = 0;
  const rest = d.head.subarray(r.offset);
  const times = takeHeadTimes(d);
  if (skipped > 0) {
    // Timed by the packet of the last byte skipped.
    const latest = d.ts;
    d.ts = timeAt(times, d.offset - rest.length - 1, latest);
    x.error(c, d, diagnose('ZMTP_RESYNC_SKIPPED', skipped), d.offset - rest.length - skipped);
    d.ts = latest;
  }
  d.heuristic = true;
  d.ready = true;
  d.head = EMPTY;
  if (r.framing === 'ws') {
    d.phase = 'ws';
    d.ws = new WsMessageReader(x.opts.maxFrameSize);
    if (c.info.websocket === undefined) c.info.websocket = {};
  } else {
    d.framing = r.framing;
    d.phase = 'frames';
    d.decoder = frameDecoder(r.framing, x.opts.maxFrameSize);
  }
  d.decoderBase = d.offset - rest.length;
  c.decodedAny = true;
  updateState(c);
  replay(x, c, d, rest, times);
}
