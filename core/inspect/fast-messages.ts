// Whole messages of short data frames, decoded straight from a chunk: the shape of nearly every packet of
// busy traffic (REQ/REP, PUSH/PULL: one message of a few small frames per TCP segment). The general path
// (FrameDecoder -> onFrame -> holdFrame) makes a Buffer view per frame, calls a sink per frame and keeps
// a frames list per message; here the frames go into the inspector's MessageView as offsets of the chunk
// and the message to semantics' onMessage directly, with the same counts and records.
//
// Only what needs no decision of the general path is taken: ZMTP 2.0/3.x frames with a one-byte length,
// no COMMAND or reserved flag, inside the chunk, under the frame size limit and the message cap, and a
// message's first frame that cannot be a security mechanism's MESSAGE box (those start 0x07). Anything
// else, from the start of the message it is in, is left to the general path.
import { FLAG_LONG, FLAG_MORE } from '../zmtp/constants.js';
import type { FrameDecoder } from '../zmtp/decoder.js';
import { onMessage } from './semantics.js';
import type { SniffCore } from './sniff-core.js';
import type { ConnState, DirState } from './stream-state.js';

/** First frames this long that start with 0x07 may be a MESSAGE box (semantics.ts onFrame looks at them). */
const BOX_MIN = 12;
const BOX_FIRST_BYTE = 0x07;

/**
 * Decodes the whole messages at the start of data[start..end) for `d` (in the 'frames' phase, its decoder
 * idle, no message held), advancing the decoder's offset past them; returns where they end (a message
 * boundary, `start` when none was taken). The caller gives the rest to the decoder.
 */
export function takeWholeMessages(
  x: SniffCore,
  c: ConnState,
  d: DirState,
  decoder: FrameDecoder,
  data: Buffer,
  start: number,
  end: number,
): number {
  // ZMTP 1.0 frames are laid out otherwise (length, then flags): all of them take the general path.
  const framing = decoder.framing;
  if (framing === 'v1') return start;
  // ZMTP 3.x: every flag bit but MORE needs the general path (LONG, COMMAND, reserved bits: an error).
  // ZMTP 2.0 has no COMMAND and ignores the reserved bits: only LONG does.
  const slowFlags = framing === 'v3' ? ~FLAG_MORE & 0xff : FLAG_LONG;
  const limit = decoder.maxFrameSize;
  const capFrames = x.messageCap.frames;
  const capBytes = x.messageCap.bytes;
  const m = x.view;
  let taken = start;
  while (taken < end) {
    m.clearFrames();
    let p = taken;
    let bytes = 0;
    for (;;) {
      if (end - p < 2) return taken;
      const flags = data[p];
      const size = data[p + 1];
      if ((flags & slowFlags) !== 0 || end - p - 2 < size || (limit >= 0 && size > limit)) return taken;
      if (m.count === 0 && size >= BOX_MIN && data[p + 2] === BOX_FIRST_BYTE) return taken;
      bytes += size;
      if (m.count + 1 > capFrames || bytes > capBytes) return taken;
      m.addFrame(data, p + 2, p + 2 + size);
      p += 2 + size;
      if ((flags & FLAG_MORE) === 0) break;
    }
    decoder.offset += p - taken;
    taken = p;
    d.counts.frames += m.count;
    onMessage(x, c, d);
  }
  return taken;
}
