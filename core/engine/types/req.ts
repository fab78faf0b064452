// REQ: a DEALER that adds an empty delimiter frame, and enforces send/receive lock-step
// (RFC 28, libzmq req.cpp). `correlate` prefixes a 4-byte request id and drops replies whose id
// does not match; `relaxed` allows a new request before the reply came (the late reply is dropped).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { DealerType } from './dealer.js';
import { asBool, EMPTY, initialBool } from './options.js';

export class ReqType extends DealerType {
  override readonly type = 'REQ' as const;
  private receivingReply = false;
  /** The pipe the last request went to; replies from other pipes are dropped. */
  private replyPipe?: Pipe;
  private requestId: number;
  private correlate: boolean;
  private strict: boolean;

  constructor(host: SocketHost) {
    super(host);
    this.correlate = initialBool(host.options, 'correlate', false);
    this.strict = !initialBool(host.options, 'relaxed', false);
    // libzmq starts request ids at a random value.
    this.requestId = (Math.random() * 0x100000000) >>> 0;
  }

  override detach(pipe: Pipe): void {
    if (this.replyPipe === pipe) this.replyPipe = undefined;
    super.detach(pipe);
  }

  override send(msg: Msg): boolean {
    if (this.receivingReply && this.strict) {
      throw zmqError(
        'EFSM',
        'Operation cannot be accomplished in current state: a Request socket must receive the reply before sending again',
      );
    }
    let frames: Msg;
    let id = 0;
    if (this.correlate) {
      id = (this.requestId + 1) >>> 0;
      const idFrame = Buffer.alloc(4);
      // libzmq copies its uint32 in host byte order; every platform it runs on here is little-endian.
      idFrame.writeUInt32LE(id, 0);
      frames = [idFrame, EMPTY, ...msg];
    } else {
      frames = [EMPTY, ...msg];
    }
    const pipe = this.sendPipe(frames);
    if (pipe === undefined) return false;
    if (this.correlate) this.requestId = id;
    this.replyPipe = pipe;
    this.receivingReply = true;
    // Drop replies that were already waiting, so a late answer to an earlier request cannot be
    // taken for the answer to this one.
    while (this.fq.recv() !== undefined);
    return true;
  }

  override receive(): Msg | undefined {
    if (!this.receivingReply) {
      throw zmqError('EFSM', 'Operation cannot be accomplished in current state: a Request socket must send a request before receiving');
    }
    for (;;) {
      const got = this.recvPipe();
      if (!got) return undefined;
      const reply = this.accept(got.msg, got.pipe);
      if (reply) {
        this.receivingReply = false;
        return reply;
      }
    }
  }

  /** The reply body when `msg` is the answer to the outstanding request, else undefined. */
  private accept(msg: Msg, pipe: Pipe): Msg | undefined {
    if (this.replyPipe !== undefined && pipe !== this.replyPipe) return undefined;
    let i = 0;
    if (this.correlate) {
      const idFrame = msg[0];
      if (msg.length < 2 || idFrame.length !== 4 || idFrame.readUInt32LE(0) !== this.requestId) return undefined;
      i = 1;
    }
    // The delimiter must be there and must not be the last frame.
    if (msg.length < i + 2 || msg[i].length !== 0) return undefined;
    return msg.slice(i + 1);
  }

  override hasIn(): boolean {
    return this.receivingReply && super.hasIn();
  }

  override hasOut(): boolean {
    if (this.receivingReply && this.strict) return false;
    return super.hasOut();
  }

  override setOption(name: string, value: unknown): boolean {
    switch (name) {
      case 'correlate':
        this.correlate = asBool(name, value);
        return true;
      case 'relaxed':
        this.strict = !asBool(name, value);
        return true;
      default:
        return super.setOption(name, value);
    }
  }

  override getOption(name: string): unknown {
    switch (name) {
      case 'correlate':
        return this.correlate;
      case 'relaxed':
        return !this.strict;
      default:
        return super.getOption(name);
    }
  }
}
