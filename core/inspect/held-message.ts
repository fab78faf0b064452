// The frames of a multipart message that the inspector holds until its last frame arrives, under a cap:
// a stream can send frames with MORE forever (empty ones cost it two bytes each), and without a cap each
// would be kept. Past the cap the frames are counted, not kept, and the message is reported as cut.
// Also remembers how many held frames are already owned (copied off the capture's read buffer), so
// owning them after each chunk costs only the new ones, not every frame held.

/** What one direction keeps: its frames list (replaced, never cleared in place, when a message ends). */
export interface Holder {
  frames: Buffer[];
  held?: HeldState;
}

export interface MessageCap {
  /** Frames of one message kept at most. */
  frames: number;
  /** Body bytes of one message kept at most. */
  bytes: number;
}

export interface HeldState {
  /** The frames list this state describes: when the holder has a new list, the state is stale. */
  list: Buffer[];
  owned: number;
  bytes: number;
  /** Set once the message went past the cap: what was seen of it, frames no longer kept. */
  over?: { frames: number; bytes: number };
}

/** The state of the holder's current list: its own object, made once and reset for each new list. */
function stateOf(h: Holder): HeldState {
  const s = h.held;
  if (s === undefined) return (h.held = { list: h.frames, owned: 0, bytes: 0, over: undefined });
  if (s.list !== h.frames) reset(s, h.frames);
  return s;
}

function reset(s: HeldState, list: Buffer[]): void {
  s.list = list;
  s.owned = 0;
  s.bytes = 0;
  s.over = undefined;
}

export type HoldResult =
  | { kind: 'held' }
  | { kind: 'complete'; frames: Buffer[] }
  /** This frame took the message past the cap (reported once, ZMTP_MESSAGE_OVER_CAP); later frames are
   *  only counted. `ended`: it was the message's last frame too. Frames and bytes seen so far. */
  | { kind: 'capped'; frames: number; bytes: number; ended: boolean }
  | { kind: 'counted' }
  /** The last frame of a message that went past the cap before (ZMTP_MESSAGE_OVER_CAP_ENDED). */
  | { kind: 'ended'; frames: number; bytes: number };

/** Adds a message frame; says whether a whole message is ready, or what to report. */
/** The result for a frame held or counted, the same object each time (one per frame would be garbage). */
const HELD: HoldResult = Object.freeze({ kind: 'held' });
const COUNTED: HoldResult = Object.freeze({ kind: 'counted' });

export function holdFrame(h: Holder, body: Buffer, more: boolean, cap: MessageCap): HoldResult {
  const s = stateOf(h);
  if (s.over) {
    s.over.frames++;
    s.over.bytes += body.length;
    if (more) return COUNTED;
    const { frames, bytes } = s.over;
    h.frames = [];
    return { kind: 'ended', frames, bytes };
  }
  if (s.list.length + 1 > cap.frames || s.bytes + body.length > cap.bytes) {
    const frames = s.list.length + 1;
    const bytes = s.bytes + body.length;
    // A fresh list for what follows, so the frames held so far can be freed.
    h.frames = [];
    const next = stateOf(h);
    next.over = { frames, bytes };
    if (!more) h.frames = [];
    return { kind: 'capped', frames, bytes, ended: !more };
  }
  s.list.push(body);
  s.bytes += body.length;
  if (more) return HELD;
  h.frames = [];
  return { kind: 'complete', frames: s.list };
}

/** The frames seen of an unfinished message (held or only counted past the cap). */
export function heldCount(h: Holder): number {
  const s = h.held;
  return s && s.list === h.frames && s.over ? s.over.frames : h.frames.length;
}

/**
 * Copies the frames held since the last call with `own` (which keeps a frame as it is when that is safe).
 * Frames already owned are not looked at again.
 */
export function ownHeld(h: Holder, own: (b: Buffer) => Buffer): void {
  if (h.frames.length === 0) {
    // Nothing held (the usual case between messages). A state left from the message that just ended
    // still lists its frames, views of read buffers or decoder slabs: let them go.
    if (h.held !== undefined && h.held.list !== h.frames) reset(h.held, h.frames);
    return;
  }
  const s = stateOf(h);
  const frames = s.list;
  for (let i = s.owned; i < frames.length; i++) frames[i] = own(frames[i]);
  s.owned = frames.length;
}
