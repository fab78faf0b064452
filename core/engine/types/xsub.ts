// XSUB and SUB (RFC 29, libzmq xsub.cpp / sub.cpp). Subscriptions travel to every publisher as
// single-frame messages [\x01 topic] / [\x00 topic] and are re-sent to each new pipe, so a
// subscriber that reconnects gets its data again. SUB also filters locally by prefix (the
// publisher may be an old one that sends everything); XSUB passes all it gets, and may send
// user messages upstream.
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

  constructor(host: SocketHost, type: 'XSUB' | 'SUB' = 'XSUB') {
    super(host);
    this.type = type;
    this.invert = type === 'SUB' && initialBool(host.options, 'invertMatching', false);
    this.conflate = type === 'SUB' && initialBool(host.options, 'conflate', false);
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
    const first = msg[0];
    if (msg.length === 1 && first.length > 0 && first[0] === 1) {
      this.subscribe(first.subarray(1));
    } else if (msg.length === 1 && first.length > 0 && first[0] === 0) {
      this.unsubscribe(first.subarray(1));
    } else {
      // A user message travelling upstream to XPUB peers.
      this.dist.sendToAll(msg);
    }
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
    if (this.type !== 'SUB') return false;
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
    if (this.type !== 'SUB') return undefined;
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
