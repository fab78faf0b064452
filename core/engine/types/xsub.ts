// XSUB and SUB (RFC 29, libzmq xsub.cpp / sub.cpp). Subscriptions travel to every publisher as
// frames [\x01 topic] / [\x00 topic] and are re-sent to each new pipe, so a subscriber that
// reconnects gets its data again. SUB also filters locally by prefix (the publisher may be an old
// one that sends everything); XSUB passes all it gets, and may send user messages upstream. Like
// libzmq, XSUB treats every frame of a message it sends as a possible subscription (an application
// may subscribe to several topics in one multipart message), unless `onlyFirstSubscribe` is set.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { Trie } from '../strategies/trie.js';
import { asBool, asBytesOrNull, EMPTY, initialBool } from './options.js';
import { SubscriberType } from './subscriber.js';

const SUBSCRIBE = Buffer.from([1]);
const CANCEL = Buffer.from([0]);

export class XSubType extends SubscriberType {
  readonly type: 'XSUB' | 'SUB';
  private readonly subs = new Trie();
  private invert: boolean;
  private conflate: boolean;
  private onlyFirst: boolean;

  constructor(host: SocketHost, type: 'XSUB' | 'SUB' = 'XSUB') {
    super(host);
    this.type = type;
    this.invert = type === 'SUB' && initialBool(host.options, 'invertMatching', false);
    this.conflate = type === 'SUB' && initialBool(host.options, 'conflate', false);
    this.onlyFirst = type === 'XSUB' && initialBool(host.options, 'onlyFirstSubscribe', false);
  }

  protected resend(pipe: Pipe): void {
    this.subs.forEach((prefix) => pipe.force([Buffer.concat([SUBSCRIBE, prefix])]));
  }

  subscribe(prefix: Buffer): void {
    // Sent every time (not only the first): an XPUB in verbose mode upstream wants to see each one.
    this.subs.add(prefix);
    this.dist.forceToAll([Buffer.concat([SUBSCRIBE, prefix])]);
  }

  unsubscribe(prefix: Buffer): void {
    if (this.subs.rm(prefix)) this.dist.forceToAll([Buffer.concat([CANCEL, prefix])]);
  }

  send(msg: Msg): boolean {
    if (this.type === 'SUB') throw zmqError('ENOTSUP', 'Subscriber sockets cannot send; use subscribe() and unsubscribe()');
    // libzmq examines the first frame, and later ones unless onlyFirstSubscribe is set and no earlier
    // frame was a subscription. A cancel of something not subscribed is left out, as there. A message
    // with no subscription in it is a user message travelling upstream to XPUB peers.
    const out: Buffer[] = [];
    let examine = true;
    let subscriptions = false;
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i];
      if (i === 0) examine = !this.onlyFirst;
      else if (!examine) {
        out.push(frame);
        continue;
      }
      if (frame.length > 0 && frame[0] === 1) {
        // Forwarded every time (not only the first): an XPUB in verbose mode upstream wants each one.
        this.subs.add(frame.subarray(1));
        examine = subscriptions = true;
        out.push(frame);
      } else if (frame.length > 0 && frame[0] === 0) {
        examine = true;
        if (this.subs.rm(frame.subarray(1))) {
          subscriptions = true;
          out.push(frame);
        }
      } else {
        out.push(frame);
      }
    }
    if (out.length === 0) return true;
    // Subscriptions are never dropped at the HWM, as subscribe() and unsubscribe() do not drop them.
    if (subscriptions) this.dist.forceToAll(out);
    else this.dist.sendToAll(out);
    return true;
  }

  protected matches(msg: Msg): boolean {
    if (this.type === 'XSUB') return true;
    return this.subs.check(msg.length > 0 ? msg[0] : EMPTY) !== this.invert;
  }

  override receive(): Msg | undefined {
    if (!this.conflate) return this.next();
    let last: Msg | undefined;
    for (let msg = this.next(); msg !== undefined; msg = this.next()) last = msg;
    return last;
  }

  hasOut(): boolean {
    return this.type === 'XSUB';
  }

  setOption(name: string, value: unknown): boolean {
    if (this.type === 'XSUB') {
      if (name !== 'onlyFirstSubscribe') return false;
      this.onlyFirst = asBool(name, value);
      return true;
    }
    switch (name) {
      case 'subscribe':
        this.subscribe(asBytesOrNull(name, value) ?? EMPTY);
        return true;
      case 'unsubscribe':
        this.unsubscribe(asBytesOrNull(name, value) ?? EMPTY);
        return true;
      case 'invertMatching':
        this.invert = asBool(name, value);
        return true;
      case 'conflate':
        this.conflate = asBool(name, value);
        return true;
      default:
        return false;
    }
  }

  getOption(name: string): unknown {
    if (this.type === 'XSUB') return name === 'onlyFirstSubscribe' ? this.onlyFirst : undefined;
    if (name === 'invertMatching') return this.invert;
    if (name === 'conflate') return this.conflate;
    return undefined;
  }
}

export class SubType extends XSubType {
  constructor(host: SocketHost) {
    super(host, 'SUB');
  }
}
