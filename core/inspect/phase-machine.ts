// The phases of one direction of a connection: greeting (detected on any port by its signature, or a
// ZMTP 1.0 identity frame), then frames in the framing its greeting chose (handshake commands, then
// traffic), handed to semantics.ts. A stream seen without its start, or after lost bytes, goes to
// resync (resync-stream.ts); an HTTP upgrade instead of a greeting to ZWS (zws-stream.ts).
import { diagnose } from '../capture/diagnostics.js';
import { framingFor } from '../zmtp/frame.js';
import { looksLikeV1, parseGreeting, REVISION_1_0, REVISION_3, type Greeting } from '../zmtp/greeting.js';
import { REVISION_OFFSET, SIGNATURE_SIZE } from '../zmtp/constants.js';
import { holdBytes, own, ownPendingFrames, replay, takeHeadTimes, timeAt } from './held-bytes.js';
import { heldCount } from './held-message.js';
import type { ZmtpVersion } from './records.js';
import { takeWholeMessages } from './fast-messages.js';
import { tryResync } from './resync-stream.js';
import { onFrame } from './semantics.js';
import type { SniffCore } from './sniff-core.js';
import { EMPTY, frameDecoder, failDirection, notZmtp, OTHER, recordBase, type ConnState, type DirState } from './stream-state.js';
import { startsHttp } from './websocket.js';
import { decodeWs, tryUpgrade } from './zws-stream.js';

const VERSION_ORDER: ZmtpVersion[] = ['1.0', '2.0', '3.0', '3.1'];

/**
 * Bytes `start` to `end` of `bytes` for a direction: as feed(), but a chunk decoded whole as messages
 * (fast-messages.ts) needs no Buffer view of its own.
 */
export function feedRange(x: SniffCore, c: ConnState, d: DirState, bytes: Buffer, start: number, end: number): void {
  if (d.phase === 'frames') decodeFrames(x, c, d, bytes, start, end);
  else feed(x, c, d, start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}

/** Bytes of a direction, in the phase it is in. */
export function feed(x: SniffCore, c: ConnState, d: DirState, data: Buffer): void {
  switch (d.phase) {
    case 'start':
      // Mid-stream connection: a greeting if it starts like one, otherwise find frame boundaries.
      d.phase = data[0] === 0xff && (data.length < SIGNATURE_SIZE || (data[SIGNATURE_SIZE - 1] & 1) === 1) ? 'greeting' : 'resync';
      feed(x, c, d, data);
      return;
    case 'greeting': {
      holdBytes(d, data);
      const http = startsHttp(d.head, d.dir);
      if (http === 'maybe') {
        d.head = own(d.head);
        return;
      }
      if (http === 'yes') {
        // ZeroMQ over WebSocket: an HTTP upgrade instead of a greeting.
        d.phase = 'http';
        const head = d.head;
        d.head = EMPTY;
        feed(x, c, d, head);
        return;
      }
      tryGreeting(x, c, d);
      if (d.phase === 'greeting') d.head = own(d.head); // waits for more: don't hold a large read buffer
      const peer = c.dirs[OTHER[d.dir]];
      // Our revision may be what the peer's greeting was waiting for.
      if (!c.ignored && peer.phase === 'greeting' && peer.head.length > 0) tryGreeting(x, c, peer);
      return;
    }
    case 'identity':
    case 'frames':
      decodeFrames(x, c, d, data, 0, data.length);
      return;
    case 'resync':
      holdBytes(d, data);
      tryResync(x, c, d, false);
      return;
    case 'http':
      holdBytes(d, data);
      tryUpgrade(x, c, d);
      return;
    case 'ws':
      decodeWs(x, c, d, data);
      return;
    case 'dead':
      return;
  }
}

/** Bytes that never arrived: reported, and whatever was being parsed is given up for a resync. */
export function onGap(x: SniffCore, c: ConnState, d: DirState, ts: number, bytes: number): void {
  d.ts = ts;
  x.emit({ ...recordBase(c, d, 'gap'), bytes });
  if (c.ignored || d.phase === 'dead') return;
  if (d.frames.length > 0) x.error(c, d, diagnose('ZMTP_GAP_IN_MESSAGE', d.frames.length));
  d.frames = [];
  d.offset += bytes;
  // Whatever was being parsed is now incomplete: look for frame boundaries again.
  if (d.phase === 'identity') d.ready = true;
  d.phase = 'resync';
  d.decoder = undefined;
  d.head = EMPTY;
  d.headTimes = [];
}

/** Reports what a direction left unfinished when its connection ends. */
export function finishDirection(x: SniffCore, c: ConnState, d: DirState): void {
  if (d.phase === 'resync' && d.head.length > 0) tryResync(x, c, d, true);
  if (c.ignored) return;
  if (d.phase === 'greeting' && d.head.length > 0) {
    // Joined mid-stream, the bytes only looked like the start of a greeting.
    if (c.conn.midstream) x.error(c, d, diagnose('ZMTP_ENDED_UNDECIDED', d.head.length));
    else x.error(c, d, diagnose('ZMTP_ENDED_IN_GREETING', d.head.length), 0);
  } else if (d.phase === 'identity' && (d.decoder?.buffered ?? 0) === 0) {
    x.error(c, d, diagnose('ZMTP_ENDED_BEFORE_IDENTITY'));
  }
  if (d.phase === 'http' && d.head.length > 0) x.error(c, d, diagnose('ZWS_ENDED_IN_UPGRADE', d.head.length));
  if (d.ws && d.ws.buffered > 0) x.error(c, d, diagnose('ZWS_ENDED_IN_MESSAGE', d.ws.buffered));
  if (d.decoder && !d.decoder.error && d.decoder.buffered > 0) {
    x.error(c, d, diagnose('ZMTP_ENDED_IN_FRAME', d.decoder.buffered), d.decoderBase + d.decoder.offset);
  }
  if (heldCount(d) > 0) {
    x.error(c, d, diagnose('ZMTP_ENDED_IN_MESSAGE', heldCount(d)));
    d.frames = [];
  }
  d.phase = 'dead';
  d.decoder = undefined;
  d.head = EMPTY;
  d.headTimes = [];
}

// ---- greeting ----

/** The revision byte a direction sent, as far as its bytes show it. */
function knownRevision(d: DirState): number | undefined {
  if (d.revision !== undefined) return d.revision;
  if (d.phase !== 'greeting' || d.head.length === 0) return undefined;
  const v1 = looksLikeV1(d.head);
  if (v1) return REVISION_1_0;
  if (v1 === false && d.head.length > REVISION_OFFSET) return d.head[REVISION_OFFSET];
  return undefined;
}

function tryGreeting(x: SniffCore, c: ConnState, d: DirState): void {
  const head = d.head;
  const v1 = looksLikeV1(head);
  if (v1 === undefined) return;
  if (v1) {
    // No signature: a ZMTP 1.0 peer, whose first bytes are its identity frame (length, flags 0, body).
    const long = head[0] === 0xff;
    const flagsAt = long ? 9 : 1;
    if (head.length <= flagsAt) return;
    const length = long ? -1 : head[0];
    if (length === 0 || (head[flagsAt] & 0xfe) !== 0) {
      notZmtp(x, c, d, diagnose('NOT_ZMTP_FIRST_BYTES', head.subarray(0, 12).toString('hex')));
      return;
    }
    startFraming(x, c, d, { version: '1.0', mechanism: 'NULL', length: 0 });
    return;
  }
  const peerRevision = knownRevision(c.dirs[OTHER[d.dir]]);
  // libzmq facing a 1.0 peer sends only its signature, then its identity body: the signature is the
  // header of a 1.0 identity frame. Don't let the identity's first byte pass for a revision.
  const view = peerRevision === REVISION_1_0 && head.length > SIGNATURE_SIZE ? head.subarray(0, SIGNATURE_SIZE) : head;
  if (head.length > REVISION_OFFSET && peerRevision !== REVISION_1_0) d.revision = head[REVISION_OFFSET];
  const r = parseGreeting(view, peerRevision);
  if (r.status === 'more' || r.status === 'need-peer') return;
  // A ZMTP 3 sender that fell back to 1.0 still sent its signature: remember it offered more.
  if (r.status === 'done' && r.greeting.version === '1.0') r.greeting.revision = REVISION_3;
  if (r.status === 'error') {
    if (c.conn.midstream) {
      // Joined mid-stream, a 0xFF byte only suggested a greeting: look for frames instead.
      d.phase = 'resync';
      tryResync(x, c, d, false);
      return;
    }
    failDirection(x, c, d, diagnose('ZMTP_BAD_GREETING', r.message), r.message, 0);
    return;
  }
  startFraming(x, c, d, r.greeting);
}

function startFraming(x: SniffCore, c: ConnState, d: DirState, g: Greeting): void {
  d.greeting = g;
  d.revision = g.version === '1.0' ? REVISION_1_0 : (g.revision ?? REVISION_1_0);
  d.framing = framingFor(g.version);
  const info = c.info;
  info.versions[d.dir] = g.version;
  const other = info.versions[OTHER[d.dir]];
  info.version = other ? lower(other, g.version) : g.version;
  const rest = d.head.subarray(g.length);
  const times = takeHeadTimes(d);
  d.head = EMPTY;
  d.decoder = frameDecoder(d.framing, x.opts.maxFrameSize);
  d.decoderBase = d.offset - rest.length;
  c.decodedAny = true;
  // The greeting's time is that of its last byte's packet, whatever bytes came after it.
  const latest = d.ts;
  d.ts = timeAt(times, d.offset - rest.length - 1, latest);
  if (g.version === '3.0' || g.version === '3.1') {
    const peerMech = c.dirs[OTHER[d.dir]].greeting?.mechanism;
    if (info.mechanism === undefined) info.mechanism = g.mechanism;
    x.emit({ ...recordBase(c, d, 'greeting'), version: g.version, mechanism: g.mechanism, asServer: g.asServer === true });
    if (peerMech !== undefined && peerMech !== g.mechanism && c.dirs[OTHER[d.dir]].greeting!.version >= '3.0') {
      x.error(c, d, diagnose('ZMTP_MECHANISM_MISMATCH', peerMech, g.mechanism));
    }
    d.phase = 'frames';
  } else {
    if (g.socketType) info.socketTypes[d.dir] = g.socketType;
    if (info.mechanism === undefined) info.mechanism = 'NULL';
    // The greeting record waits for the identity frame so it can carry it.
    d.phase = 'identity';
  }
  d.ts = latest;
  if (rest.length > 0) replay(x, c, d, rest, times);
}

function lower(a: ZmtpVersion, b: ZmtpVersion): ZmtpVersion {
  return VERSION_ORDER.indexOf(a) <= VERSION_ORDER.indexOf(b) ? a : b;
}

// ---- frames ----

function decodeFrames(x: SniffCore, c: ConnState, d: DirState, bytes: Buffer, start: number, end: number): void {
  let decoder = d.decoder;
  if (!decoder) {
    // Parked while the stream was quiet (see ConnectionTable.sweep): a fresh decoder continues where it stopped.
    decoder = d.decoder = frameDecoder(d.framing!, x.opts.maxFrameSize);
    decoder.offset = d.parkedOffset;
  }
  if (d.phase === 'frames' && x.opts.wholeMessages && decoder.idle && heldCount(d) === 0) {
    // Whole messages of short frames straight from the chunk (fast-messages.ts); the decoder gets the rest.
    start = takeWholeMessages(x, c, d, decoder, bytes, start, end);
    if (start === end) {
      ownPendingFrames(d); // lets go of the frames of a message the decoder completed before, if any
      return;
    }
  }
  const data = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  const chunkStart = d.offset - data.length - d.decoderBase;
  const sink = (d.sink ??= (more: boolean, command: boolean, body: Buffer) => onFrame(x, c, d, more, command, body));
  const err = decoder.push(data, sink);
  ownPendingFrames(d);
  if (!err || c.ignored || d.decoder !== decoder) return;
  if (err.kind === 'memory') {
    // Not the stream's fault, and its frame boundaries are lost with the frame: stop following it.
    d.frames = [];
    d.decoder = undefined;
    failDirection(x, c, d, diagnose('ZMTP_FRAME_DROPPED', err.message), 'out of memory for a frame', d.decoderBase + err.offset);
    return;
  }
  x.error(c, d, diagnose('ZMTP_MALFORMED_FRAME', err.message), d.decoderBase + err.offset);
  // Resynchronise on what follows the bad header's first byte, also when that header began in an earlier
  // chunk (the decoder held those bytes): where decoding resumes must not depend on how bytes were cut.
  const at = err.offset - chunkStart;
  d.frames = [];
  d.decoder = undefined;
  d.phase = 'resync';
  if (at >= 0) d.head = at + 1 < data.length ? data.subarray(at + 1) : EMPTY;
  else if (err.held?.length === -at) d.head = Buffer.concat([err.held.subarray(1), data]);
  else d.head = data;
  d.headTimes = d.head.length ? [{ end: d.offset, ts: d.ts }] : [];
  d.skipped += 1;
  if (d.head.length) tryResync(x, c, d, false);
}
