// REP: a ROUTER that hides the envelope (RFC 28, libzmq rep.cpp). Receiving strips the routing
// frames up to and including the empty delimiter and keeps them; the reply is sent back with them.
// Lock-step: receive, then send, then receive... (EFSM otherwise). Requests without a delimiter
// are malformed and dropped.
import type { Msg } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { RouterType } from './router.js';

export class RepType extends RouterType {
  override readonly type = 'REP' as const;
  private sendingReply = false;
  private envelope: Msg = [];

  constructor(host: SocketHost) {
    super(host);
    // REP never reports unreachable peers: a reply to a peer that left is dropped.
    this.mandatory = false;
    this.handover = false;
    this.probeRouter = false;
  }

  override receive(): Msg | undefined {
    if (this.sendingReply) {
      throw zmqError(
        'EFSM',
        'Operation cannot be accomplished in current state: a Reply socket must send the reply before receiving again',
      );
    }
    for (;;) {
      const msg = super.receive();
      if (!msg) return undefined;
      // msg[0] is the routing id; the delimiter is the first empty frame that is not the last one.
      let bottom = -1;
      for (let i = 1; i < msg.length - 1; i++) {
        if (msg[i].length === 0) {
          bottom = i;
          break;
        }
      }
      if (bottom < 0) continue;
      this.envelope = msg.slice(0, bottom + 1);
      this.sendingReply = true;
      return msg.slice(bottom + 1);
    }
  }

  override send(msg: Msg): boolean {
    if (!this.sendingReply) {
      throw zmqError('EFSM', 'Operation cannot be accomplished in current state: a Reply socket must receive a request before sending');
    }
    const pipe = this.table.get(this.envelope[0]);
    // Unknown peer (gone) or full: the reply is dropped, as in libzmq; the state machine moves on.
    if (pipe && pipe.active) pipe.write([...this.envelope.slice(1), ...msg]);
    this.sendingReply = false;
    this.envelope = [];
    return true;
  }

  override hasIn(): boolean {
    return !this.sendingReply && super.hasIn();
  }
  override hasOut(): boolean {
    return this.sendingReply;
  }
  override setOption(name: string, value: unknown): boolean {
    // ROUTER's own options do not apply to REP.
    if (name === 'mandatory' || name === 'handover' || name === 'probeRouter') return false;
    return super.setOption(name, value);
  }
  override getOption(name: string): unknown {
    if (name === 'mandatory' || name === 'handover' || name === 'probeRouter') return undefined;
    return super.getOption(name);
  }
}
