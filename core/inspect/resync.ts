// Finding frame boundaries in a stream seen without its start (capture begun mid-connection) or after
// lost bytes: look for an offset from which several consecutive frames parse plausibly. This is a
// guess, so records decoded this way are marked `heuristic`.
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from '../zmtp/constants.js';
import type { Framing } from '../zmtp/frame.js';

/** Frames in a row that must parse before we trust an offset. */
export const RESYNC_MIN_FRAMES = 3;
/** Largest frame a probe will believe in; bigger claims are taken as noise. */
export const RESYNC_MAX_FRAME = 256 * 1024;

/** What a stream may be framed as: ZMTP framings, or ZeroMQ over WebSocket (ZWS) frames. */
export type StreamFraming = Framing | 'ws';

export type ResyncResult =
  | { status: 'found'; offset: number; framing: StreamFraming }
  /** Something plausible starts at `offset` but more bytes are needed to be sure. */
  | { status: 'wait'; offset: number }
  /** Nothing plausible starts before `discard`: those bytes can be dropped. */
  | { status: 'none'; discard: number };

type Probe = 'ok' | 'partial' | 'bad';

const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Probes frames from `start`: 'ok' when enough plausible frames follow, 'partial' when data ran out first. */
export function probeFrames(buf: Buffer, start: number, framing: Framing, final = false): Probe {
  let pos = start;
  let count = 0;
  // Runs of zero bytes parse as empty single-frame messages, which real traffic rarely holds: they
  // add no confidence, and more than two in a row is taken as noise.
  let empties = 0;
  const end = buf.length;
  while (count < RESYNC_MIN_FRAMES) {
    if (pos === end) {
      // Running exactly to the end of what we have is a good sign when it is more than one frame.
      if (count >= 2 || (final && count >= 1)) return 'ok';
      return final ? 'bad' : 'partial';
    }
    let header: number;
    let size: number;
    let command = false;
    if (framing === 'v1') {
      let length: number;
      if (buf[pos] === 0xff) {
        if (end - pos < 10) return final ? 'bad' : 'partial';
        if (buf.readUInt32BE(pos + 1) !== 0) return 'bad';
        length = buf.readUInt32BE(pos + 5);
        if (length <= 0xff) return 'bad';
        header = 9;
      } else {
        length = buf[pos];
        header = 1;
      }
      if (length === 0) return 'bad';
      if (end - pos < header + 1) return final ? 'bad' : 'partial';
      if ((buf[pos + header] & ~FLAG_MORE) !== 0) return 'bad';
      header += 1;
      size = length - 1;
    } else {
      const flags = buf[pos];
      const reserved = framing === 'v3' ? 0xf8 : 0xfc;
      if ((flags & reserved) !== 0) return 'bad';
      command = framing === 'v3' && (flags & FLAG_COMMAND) !== 0;
      if (command && (flags & FLAG_MORE) !== 0) return 'bad';
      if (flags & FLAG_LONG) {
        if (end - pos < 9) return final ? 'bad' : 'partial';
        if (buf.readUInt32BE(pos + 1) !== 0) return 'bad';
        size = buf.readUInt32BE(pos + 5);
        // Senders use the long form only when they must.
        if (size <= 0xff) return 'bad';
        header = 9;
      } else {
        if (end - pos < 2) return final ? 'bad' : 'partial';
        size = buf[pos + 1];
        header = 2;
      }
    }
    if (size > RESYNC_MAX_FRAME) return 'bad';
    if (end - pos < header + size) return final ? 'bad' : 'partial';
    if (command) {
      const nameLength = buf[pos + header];
      if (size < 1 || nameLength === 0 || 1 + nameLength > size) return 'bad';
      if (!COMMAND_NAME.test(buf.toString('latin1', pos + header + 1, pos + header + 1 + nameLength))) return 'bad';
    }
    pos += header + size;
    if (size === 0 && framing !== 'v1' && buf[pos - header] === 0) {
      // Never start on one: a run of zeros would otherwise become a burst of empty messages.
      if (pos - header === start || ++empties > 2) return 'bad';
      continue;
    }
    empties = 0;
    count++;
  }
  return 'ok';
}

/**
 * Looks for the first offset in `buf` where frames of one of `framings` line up.
 * @param final no more bytes will come (end of stream): accept shorter runs, never wait.
 */
export function findResync(buf: Buffer, framings: readonly StreamFraming[], final = false): ResyncResult {
  for (let offset = 0; offset < buf.length; offset++) {
    let partial = false;
    for (const framing of framings) {
      const p = framing === 'ws' ? probeWsFrames(buf, offset, final) : probeFrames(buf, offset, framing, final);
      if (p === 'ok') return { status: 'found', offset, framing };
      if (p === 'partial') partial = true;
    }
    if (partial) return { status: 'wait', offset };
  }
  return { status: 'none', discard: buf.length };
}

const WS_BINARY_FIN = 0x82;

/**
 * Probes ZWS WebSocket frames from `start` (a ws connection seen without its HTTP upgrade): whole
 * frames (FIN set, no reserved bits), binary ones holding a ZWS flags byte (0..3) and control ones
 * (close, ping, pong) of at most 125 bytes, all masked or all unmasked (clients mask, servers do not).
 */
export function probeWsFrames(buf: Buffer, start: number, final = false): Probe {
  let pos = start;
  let count = 0;
  let masked: boolean | undefined;
  const end = buf.length;
  while (count < RESYNC_MIN_FRAMES) {
    if (pos === end) {
      if (count >= 2 || (final && count >= 1)) return 'ok';
      return final ? 'bad' : 'partial';
    }
    const b0 = buf[pos];
    const opcode = b0 & 0x0f;
    const control = b0 === 0x88 || b0 === 0x89 || b0 === 0x8a;
    if (b0 !== WS_BINARY_FIN && !control) return 'bad';
    if (end - pos < 2) return final ? 'bad' : 'partial';
    const b1 = buf[pos + 1];
    const isMasked = (b1 & 0x80) !== 0;
    if (masked !== undefined && masked !== isMasked) return 'bad';
    masked = isMasked;
    let length = b1 & 0x7f;
    let header = 2;
    if (length === 126) {
      if (end - pos < 4) return final ? 'bad' : 'partial';
      length = buf.readUInt16BE(pos + 2);
      if (length < 126) return 'bad'; // senders use the shortest length form
      header = 4;
    } else if (length === 127) {
      if (end - pos < 10) return final ? 'bad' : 'partial';
      if (buf.readUInt32BE(pos + 2) !== 0) return 'bad';
      length = buf.readUInt32BE(pos + 6);
      if (length < 0x10000) return 'bad';
      header = 10;
    }
    if (control ? length > 125 : length < 1 || length > RESYNC_MAX_FRAME) return 'bad';
    const keyAt = pos + header;
    if (isMasked) header += 4;
    if (end - pos < header + Math.min(length, 1)) return final ? 'bad' : 'partial';
    if (opcode === 0x2) {
      const flags = buf[pos + header] ^ (isMasked ? buf[keyAt] : 0);
      if (flags > 0x03) return 'bad';
    }
    if (end - pos < header + length) return final ? 'bad' : 'partial';
    pos += header + length;
    count++;
  }
  return 'ok';
}
