// What happened to a message the workbench sent, from facts the engine gives (pure, tested without
// sockets): refused by send() (EAGAIN, EHOSTUNREACH...), written to a peer's connection, still queued in a
// pipe (with or without a connected peer), or dropped (a PUB with no subscriber, a full queue at the HWM).
// "Sent" is never claimed for bytes that only sit in a queue.

export type SendState =
  | { kind: 'refused'; code?: string; message: string }
  | { kind: 'written'; to: string[] }
  | { kind: 'queued'; peers: number }
  | { kind: 'dropped'; reason: string };

export interface SendFacts {
  /** send() rejected with this error. */
  error?: { code?: string; message: string };
  /** Remote addresses of the connections the engine wrote it to (so far). */
  writtenTo: readonly string[];
  /** The message still waits in one of the socket's pipes. */
  queued: boolean;
  /** Peers whose handshake completed when the facts were taken. */
  readyPeers: number;
  socketType: string;
  /** The socket's inproc endpoints: an inproc peer takes a message straight from the pipe, unseen by the tap. */
  inproc?: readonly string[];
}

/** Types that drop a message nobody can take instead of queueing it (libzmq's dist: PUB, XPUB, RADIO). */
const DROPPING = new Set(['PUB', 'XPUB', 'RADIO']);
/** Types whose message goes to one known peer (a REP's reply, a routing id). */
const ADDRESSED = new Set(['REP', 'ROUTER', 'SERVER', 'PEER', 'STREAM']);

export function deriveSendState(f: SendFacts): SendState {
  if (f.error) return { kind: 'refused', ...(f.error.code !== undefined ? { code: f.error.code } : {}), message: f.error.message };
  if (f.writtenTo.length > 0) return { kind: 'written', to: [...f.writtenTo] };
  if (f.queued) return { kind: 'queued', peers: f.readyPeers };
  // A load-balancing send that succeeded put the message in a pipe; gone from it unwritten, an inproc peer took it.
  if (f.inproc?.length && !DROPPING.has(f.socketType) && !ADDRESSED.has(f.socketType)) return { kind: 'written', to: [...f.inproc] };
  if (DROPPING.has(f.socketType) && f.readyPeers === 0) return { kind: 'dropped', reason: 'no subscriber connected' };
  // A reply or an addressed message goes to one peer: gone (or full), it is dropped, as in libzmq.
  if (ADDRESSED.has(f.socketType)) return { kind: 'dropped', reason: 'the peer it is addressed to has gone, or its queue was full' };
  return { kind: 'dropped', reason: 'the queue was at its high-water mark (sendHighWaterMark)' };
}

/** A later write of a message already reported queued (the peer came up): it becomes written. */
export function withWrite(state: SendState, remoteAddress: string): SendState {
  if (state.kind === 'written') return state.to.includes(remoteAddress) ? state : { kind: 'written', to: [...state.to, remoteAddress] };
  if (state.kind === 'queued') return { kind: 'written', to: [remoteAddress] };
  return state;
}

/** The state in plain words, e.g. "queued: no peer connected yet". */
export function describeSendState(s: SendState): string {
  switch (s.kind) {
    case 'refused':
      return `refused${s.code ? ` (${s.code})` : ''}: ${s.message}`;
    case 'written':
      return `written to ${s.to.join(', ') || 'a peer'}`;
    case 'queued':
      return s.peers === 0 ? 'queued: no peer connected yet' : 'queued: waiting for the connection to take it';
    case 'dropped':
      return `dropped: ${s.reason}`;
  }
}
