// A pipe joins a socket to one peer: two bounded queues of whole multipart messages, seen from two
// ends. The socket holds one end; the other end is held by a connection (tcp/ipc: the ZMTP session
// that reads and writes the wire) or directly by another socket (inproc). Like libzmq's pipe_t, but a
// queue item is a whole message, so a multipart message is delivered all-or-nothing.
import type { Properties } from '../zmtp/metadata.js';
import { messageTap } from './wiretap.js';

/** One multipart message: its frames in order. */
export type Msg = Buffer[];

/** Callbacks from a pipe end to whoever holds it. */
export interface PipeOwner {
  /** The queue this end reads from became non-empty. */
  readActivated(pipe: Pipe): void;
  /** The queue this end writes to has room again after `write` returned false. */
  writeActivated(pipe: Pipe): void;
  /** The other end went away and everything it had sent has been read. */
  pipeTerminated(pipe: Pipe): void;
  /**
   * True while this owner takes what is written to it soon (a connection writing to its peer). Frames
   * written to any other reader (a session still dialing, an inproc socket) may wait in the queue for
   * long: small ones are copied.
   */
  readonly drainsPromptly?: boolean;
}

/**
 * Frames up to this size are copied when they may wait in a queue (zeromq.js's zero-copy threshold,
 * 1 << 7): a small Buffer given to send() is the caller's again at once, free to be reused or collected
 * while the message waits for a peer. Larger ones are queued by reference, as in zeromq.js. A message
 * for a connection that is writing is taken soon, so it is not copied (the hot path); nor is anything
 * while a message tap is installed, which names the very Buffers send() was given.
 */
const COPY_MAX = 128;

function copySmallFrames(msg: Msg): void {
  for (let i = 0; i < msg.length; i++) if (msg[i].length <= COPY_MAX) msg[i] = Buffer.from(msg[i]);
}

/**
 * A FIFO of messages in a ring that doubles when full: no allocation per message and no periodic
 * compaction copies, which at high HWMs (thousands of queued messages) fed the young-generation GC.
 */
class MsgQueue {
  private ring: Array<Msg | undefined> = new Array<Msg | undefined>(INITIAL_RING).fill(undefined);
  private mask = INITIAL_RING - 1;
  private head = 0;
  private count = 0;
  /** Writer found it full and waits for room. */
  writerBlocked = false;
  constructor(public hwm: number) {}
  get size(): number {
    return this.count;
  }
  full(): boolean {
    return this.hwm > 0 && this.count >= this.hwm;
  }
  push(msg: Msg): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & this.mask] = msg;
    this.count++;
  }
  shift(): Msg | undefined {
    if (this.count === 0) return undefined;
    const msg = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    // A queue that once held a burst gives the memory back when it empties.
    if (this.count === 0 && this.ring.length > MAX_IDLE_RING) this.reset();
    return msg;
  }
  peek(): Msg | undefined {
    return this.count > 0 ? this.ring[this.head] : undefined;
  }
  /** Whether a queued message has `frame` (the same Buffer) as its last frame. O(size). */
  holdsFrame(frame: Buffer): boolean {
    for (let i = 0; i < this.count; i++) {
      const msg = this.ring[(this.head + i) & this.mask]!;
      if (msg[msg.length - 1] === frame) return true;
    }
    return false;
  }
  clear(): Msg[] {
    const rest: Msg[] = [];
    for (let i = 0; i < this.count; i++) rest.push(this.ring[(this.head + i) & this.mask]!);
    this.reset();
    return rest;
  }
  private grow(): void {
    const old = this.ring;
    const ring = new Array<Msg | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) ring[i] = old[(this.head + i) & this.mask];
    this.ring = ring;
    this.mask = ring.length - 1;
    this.head = 0;
  }
  private reset(): void {
    this.ring = new Array<Msg | undefined>(INITIAL_RING).fill(undefined);
    this.mask = INITIAL_RING - 1;
    this.head = 0;
    this.count = 0;
  }
}

/** Ring sizes are powers of two. */
const INITIAL_RING = 16;
/** Largest ring kept once a queue is empty again. */
const MAX_IDLE_RING = 16384;

let nextPipeId = 1;

export class Pipe {
  readonly id = nextPipeId++;
  /** The other end. */
  peer!: Pipe;
  owner?: PipeOwner;
  /** Routing id the socket uses for this peer (ROUTER, STREAM); from the peer's Identity or generated. */
  routingId?: Buffer;
  /** What the peer announced in its handshake (Socket-Type, Identity, User-Id, ...). */
  peerSocketType?: string;
  peerProperties: Properties = {};
  /** Endpoint this pipe came from (for monitor events and disconnect()). */
  endpoint = '';
  /** The peer's address ("tcp://host:port", the ipc path, the inproc name). */
  remoteAddress = '';
  /** Set once the other end terminated; this end reports pipeTerminated once drained. */
  private peerGone = false;
  private terminated = false;
  /** Free-form slot for the socket type's per-pipe state (e.g. XPUB's subscriptions). */
  data: unknown;

  private constructor(
    private readonly inbound: MsgQueue,
    private readonly outbound: MsgQueue,
  ) {}

  /**
   * Creates a connected pair. `hwmA` bounds what A may write (A -> B), `hwmB` what B may write.
   * 0 means no limit. For inproc, libzmq sums the writer's SNDHWM and the reader's RCVHWM.
   */
  static pair(hwmA: number, hwmB: number): [Pipe, Pipe] {
    const aToB = new MsgQueue(hwmA);
    const bToA = new MsgQueue(hwmB);
    const a = new Pipe(bToA, aToB);
    const b = new Pipe(aToB, bToA);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get active(): boolean {
    return !this.terminated && !this.peerGone;
  }

  /** Messages waiting to be read at this end. */
  get readable(): number {
    return this.inbound.size;
  }

  /** Messages written by this end not yet read by the other. */
  get queued(): number {
    return this.outbound.size;
  }

  canWrite(): boolean {
    return this.active && !this.outbound.full();
  }

  /**
   * Like canWrite(), but a full queue also arms writeActivated for when it drains (libzmq's
   * check_write): for callers that wait for room without attempting a write (XPUB noDrop).
   */
  checkWrite(): boolean {
    if (!this.active) return false;
    if (this.outbound.full()) {
      this.outbound.writerBlocked = true;
      return false;
    }
    return true;
  }

  /** Queues a whole message; false (and nothing queued) when the queue is at its HWM or the pipe is gone. */
  write(msg: Msg): boolean {
    if (!this.active) return false;
    if (this.outbound.full()) {
      this.outbound.writerBlocked = true;
      return false;
    }
    if (!this.peer.owner?.drainsPromptly && !messageTap) copySmallFrames(msg);
    const wasEmpty = this.outbound.size === 0;
    this.outbound.push(msg);
    if (wasEmpty) this.peer.owner?.readActivated(this.peer);
    return true;
  }

  /** Queues a message even past the HWM (transport side delivering what the wire already carried). */
  force(msg: Msg): void {
    if (this.terminated) return;
    const wasEmpty = this.outbound.size === 0;
    this.outbound.push(msg);
    // A forced writer wants writeActivated once the reader has made room, like a refused one.
    if (this.outbound.full()) this.outbound.writerBlocked = true;
    if (wasEmpty) this.peer.owner?.readActivated(this.peer);
  }

  /** True when the writer of this end's outbound queue would be refused (transport pauses reading). */
  get outboundFull(): boolean {
    return this.outbound.full();
  }

  canRead(): boolean {
    return this.inbound.size > 0;
  }

  peek(): Msg | undefined {
    return this.inbound.peek();
  }

  read(): Msg | undefined {
    const msg = this.inbound.shift();
    if (msg === undefined) return undefined;
    const q = this.inbound;
    // Wake a blocked writer once the queue has drained to half (libzmq's low-water mark idea).
    if (q.writerBlocked && (q.hwm === 0 || q.size <= Math.floor(q.hwm / 2))) {
      q.writerBlocked = false;
      if (!this.peer.terminated) this.peer.owner?.writeActivated(this.peer);
    }
    if (this.peerGone && q.size === 0) this.finish();
    return msg;
  }

  /** Whether a message this end wrote, ending with `frame` (the same Buffer), waits unread (not on the hot path). */
  holdsOutbound(frame: Buffer): boolean {
    return this.outbound.holdsFrame(frame);
  }

  /** Drops what this end wrote and the peer has not read (used when reconnecting without keeping messages). */
  discardOutbound(): Msg[] {
    return this.outbound.clear();
  }

  /**
   * inproc only: the peer socket's RCVHWM and SNDHWM when the pipe was made, added to this end's own
   * SNDHWM and RCVHWM (libzmq's hwm boost), also when those change later (Socket.updatePipeHwms).
   */
  hwmBoost?: readonly [outbound: number, inbound: number];

  setHwms(outbound: number, inbound: number): void {
    this.outbound.hwm = outbound;
    this.inbound.hwm = inbound;
    // A writer refused at the old limit may go on now (libzmq wakes it when the reader next reads).
    const out = this.outbound;
    if (out.writerBlocked && !out.full()) {
      out.writerBlocked = false;
      this.owner?.writeActivated(this);
    }
    const inn = this.inbound;
    if (inn.writerBlocked && !inn.full() && !this.peer.terminated) {
      inn.writerBlocked = false;
      this.peer.owner?.writeActivated(this.peer);
    }
  }

  /**
   * Closes this end. The other end is told once it has read what is still queued for it,
   * so messages already accepted are not lost (unless it discards them itself).
   */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    const other = this.peer;
    if (other.terminated) return;
    other.peerGone = true;
    if (other.inbound.size === 0) other.finish();
  }

  /** Closes this end and drops everything queued in both directions. */
  terminateNow(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.terminate();
  }

  private finish(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.owner?.pipeTerminated(this);
  }
}
