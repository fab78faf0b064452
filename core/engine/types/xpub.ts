// XPUB and PUB (RFC 29, libzmq xpub.cpp / pub.cpp). Messages go to every peer subscribed to a
// prefix of the first frame; a peer at its HWM misses the message (or, with noDrop, the send
// waits). Subscriptions arrive from peers as frames [\x01 topic] / [\x00 topic] (the connection
// turns ZMTP 3.1 SUBSCRIBE/CANCEL commands into these). As in libzmq, every frame of an upstream
// message is examined, not only single-frame messages: an XSUB may send several subscriptions in
// one multipart message (`onlyFirstSubscribe` restricts this to messages whose first frame is one).
// XPUB passes new subscriptions and unsubscriptions up to the application (all of them with
// verbose/verboser), and in `manual` mode lets the application decide which subscriptions to apply.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { Distributor } from '../strategies/dist.js';
import { MultiTrie } from '../strategies/trie.js';
import { asBool, asBytesOrNull, describe, EMPTY, initialBool } from './options.js';

export type Verbosity = null | 'allSubs' | 'allSubsUnsubs';

/** A frame waiting for receive(); libzmq's XPUB queues frames with their MORE flag, not messages. */
interface PendingFrame {
  frame: Buffer;
  more: boolean;
  pipe: Pipe;
}

function isSubscriptionFrame(frame: Buffer): boolean {
  return frame.length > 0 && (frame[0] === 0 || frame[0] === 1);
}

export class XPubType implements SocketType {
  readonly type: 'XPUB' | 'PUB';
  private readonly dist = new Distributor();
  private readonly subs = new MultiTrie();
  /** Manual mode: what each peer asked for, to report as unsubscriptions when it leaves. */
  private readonly manualSubs = new MultiTrie();
  /** Frames for receive(): subscription notices and user messages from XSUB peers, with their pipes. */
  private pending: PendingFrame[] = [];
  /** Index of the first unread entry of `pending`: taking from the front is O(1), not a splice of the
   *  whole queue (100,000 queued subscriptions made reading them all quadratic). */
  private pendingHead = 0;
  /** Frames for receive() that arrived while a departed peer's unsubscriptions were still being made:
   *  libzmq reports those at once when the peer leaves, so everything after waits behind them (else an
   *  application could see a new peer's subscription before the old peer's unsubscription of it). */
  private held: PendingFrame[] = [];
  /** Manual mode: the peer whose subscription was received last; subscribe() applies to it. */
  private lastPipe?: Pipe;
  private verboseSubs = false;
  private verboseUnsubs = false;
  private manual: boolean;
  private noDrop: boolean;
  private invert: boolean;
  private onlyFirst: boolean;
  private welcome: Buffer | null;

  constructor(
    private readonly host: SocketHost,
    type: 'XPUB' | 'PUB' = 'XPUB',
  ) {
    this.type = type;
    const o = host.options;
    this.manual = type === 'XPUB' && initialBool(o, 'manual', false);
    this.noDrop = initialBool(o, 'noDrop', false);
    this.invert = initialBool(o, 'invertMatching', false);
    this.onlyFirst = initialBool(o, 'onlyFirstSubscribe', false);
    this.welcome = type === 'XPUB' ? asBytesOrNull('welcomeMessage', o.welcomeMessage) : null;
    this.dist.conflate = type === 'PUB' && initialBool(o, 'conflate', false);
    if (type === 'XPUB' && o.verbosity !== undefined) this.setVerbosity(o.verbosity);
  }

  attach(pipe: Pipe): void {
    this.dist.attach(pipe);
    // PGM carries no subscriptions: an epgm pipe takes every message (libzmq's subscribe_to_all pipes).
    if (pipe.endpoint.startsWith('epgm://')) this.subs.add(EMPTY, pipe);
    if (this.welcome) pipe.write([this.welcome]);
    // Subscriptions the peer sent before we were watching the pipe.
    this.readActivated(pipe);
    this.host.notifyWritable();
  }

  detach(pipe: Pipe): void {
    // The pipe stops matching now; its subscriptions go over the next loop turns, and (XPUB) the
    // unsubscriptions libzmq reports for them reach the application in libzmq's order as they go.
    const report = (prefix: Buffer) => {
      if (this.type === 'XPUB') this.queue([Buffer.concat([Buffer.from([0]), prefix])], pipe);
    };
    const wake = () => {
      if (this.removingSubscriptions === 0 && this.held.length > 0) {
        for (const f of this.held) this.pending.push(f);
        this.held = [];
      }
      if (this.pending.length > this.pendingHead) this.host.notifyReadable();
    };
    if (this.manual) {
      this.manualSubs.rmPipe(pipe, report, false, wake);
      this.subs.rmPipe(pipe, () => {}, false, wake);
    } else {
      this.subs.rmPipe(pipe, report, !this.verboseUnsubs, wake);
    }
    this.dist.detach(pipe);
    if (this.lastPipe === pipe) this.lastPipe = undefined;
    wake();
  }

  /** Peers whose subscriptions are still being removed (tests watch this to know removal is over). */
  get removingSubscriptions(): number {
    return this.subs.removing + this.manualSubs.removing;
  }

  readActivated(pipe: Pipe): void {
    const before = this.pending.length;
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) this.process(msg, pipe);
    if (this.pending.length > before) this.host.notifyReadable();
  }

  private process(msg: Msg, pipe: Pipe): void {
    const out = this.removingSubscriptions > 0 ? this.held : this.pending;
    const before = out.length;
    // libzmq examines the first frame always, and later ones unless onlyFirstSubscribe is set and the
    // first frame was a user frame.
    let examine = true;
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i];
      const isSub: boolean = examine && isSubscriptionFrame(frame);
      if (i === 0) examine = !this.onlyFirst || isSub;
      if (!isSub) {
        // A user frame sent upstream by an XSUB; PUB never delivers these.
        if (this.type === 'XPUB') out.push({ frame, more: i < msg.length - 1, pipe });
        continue;
      }
      const subscribe = frame[0] === 1;
      const topic = frame.subarray(1);
      let notify = false;
      if (this.manual) {
        if (subscribe) this.manualSubs.add(topic, pipe);
        else this.manualSubs.rm(topic, pipe);
      } else if (subscribe) {
        notify = this.subs.add(topic, pipe) || this.verboseSubs;
      } else {
        notify = this.subs.rm(topic, pipe) !== 'values_remain' || this.verboseUnsubs;
      }
      // A notice is a message of its own (libzmq queues it without MORE).
      if (this.type === 'XPUB' && (this.manual || notify)) out.push({ frame, more: false, pipe });
    }
    // Trailing subscription frames that were not reported must not glue this message to the next one
    // (libzmq would leave the MORE flag of the last user frame dangling).
    if (out.length > before) out[out.length - 1].more = false;
  }

  private queue(msg: Msg, pipe: Pipe): void {
    for (let i = 0; i < msg.length; i++) this.pending.push({ frame: msg[i], more: i < msg.length - 1, pipe });
  }

  writeActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
    this.host.notifyWritable();
  }

  send(msg: Msg): boolean {
    const topic = msg.length > 0 ? msg[0] : EMPTY;
    this.subs.match(topic, (pipe) => this.dist.match(pipe));
    if (this.invert) this.dist.reverseMatch();
    return this.dist.sendToMatchingOrWait(msg, this.noDrop);
  }

  receive(): Msg | undefined {
    if (this.type === 'PUB') throw zmqError('ENOTSUP', 'Publisher sockets cannot receive');
    const pending = this.pending;
    const head = this.pendingHead;
    if (pending.length === head) return undefined;
    let end = head;
    while (pending[end].more && end < pending.length - 1) end++;
    const taken = pending.slice(head, end + 1);
    this.pendingHead = end + 1;
    if (this.pendingHead === pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > pending.length) {
      // Drop the consumed half now and then, so memory follows the unread entries.
      this.pending = pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.manual) this.lastPipe = taken[taken.length - 1].pipe;
    return taken.map((p) => p.frame);
  }

  hasIn(): boolean {
    return this.type === 'XPUB' && this.pending.length > this.pendingHead;
  }

  hasOut(): boolean {
    return true;
  }

  /** Manual mode: apply a subscription for the peer whose subscription was received last. */
  subscribe(topic: Buffer): void {
    if (this.manual && this.lastPipe) this.subs.add(topic, this.lastPipe);
  }

  unsubscribe(topic: Buffer): void {
    if (this.manual && this.lastPipe) this.subs.rm(topic, this.lastPipe);
  }

  private setVerbosity(value: unknown): void {
    if (value === null || value === 'none') {
      this.verboseSubs = false;
      this.verboseUnsubs = false;
    } else if (value === 'allSubs') {
      this.verboseSubs = true;
      this.verboseUnsubs = false;
    } else if (value === 'allSubsUnsubs') {
      this.verboseSubs = true;
      this.verboseUnsubs = true;
    } else {
      throw zmqError('EINVAL', `Option "verbosity" must be null, "allSubs" or "allSubsUnsubs", got ${describe(value)}`);
    }
  }

  setOption(name: string, value: unknown): boolean {
    switch (name) {
      case 'noDrop':
        this.noDrop = asBool(name, value);
        return true;
      case 'invertMatching':
        this.invert = asBool(name, value);
        return true;
    }
    if (this.type === 'PUB') {
      if (name !== 'conflate') return false;
      this.dist.conflate = asBool(name, value);
      return true;
    }
    switch (name) {
      case 'manual':
        this.manual = asBool(name, value);
        return true;
      case 'onlyFirstSubscribe':
        this.onlyFirst = asBool(name, value);
        return true;
      case 'welcomeMessage':
        this.welcome = asBytesOrNull(name, value);
        return true;
      case 'verbosity':
        this.setVerbosity(value);
        return true;
      case 'subscribe':
        this.subscribe(asBytesOrNull(name, value) ?? EMPTY);
        return true;
      case 'unsubscribe':
        this.unsubscribe(asBytesOrNull(name, value) ?? EMPTY);
        return true;
      default:
        return false;
    }
  }

  getOption(name: string): unknown {
    switch (name) {
      case 'noDrop':
        return this.noDrop;
      case 'invertMatching':
        return this.invert;
      case 'conflate':
        return this.type === 'PUB' ? this.dist.conflate : undefined;
      case 'manual':
        return this.type === 'XPUB' ? this.manual : undefined;
      case 'onlyFirstSubscribe':
        return this.type === 'XPUB' ? this.onlyFirst : undefined;
      case 'welcomeMessage':
        return this.type === 'XPUB' ? (this.welcome?.toString('utf8') ?? null) : undefined;
      case 'verbosity':
        if (this.type !== 'XPUB') return undefined;
        return this.verboseUnsubs ? 'allSubsUnsubs' : this.verboseSubs ? 'allSubs' : null;
      default:
        return undefined;
    }
  }
}

export class PubType extends XPubType {
  constructor(host: SocketHost) {
    super(host, 'PUB');
  }
}
