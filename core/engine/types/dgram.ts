// DGRAM (draft): raw UDP datagrams over udp:// only. A message is exactly two frames, [address, body],
// the address "ip:port" naming the destination (send) or the sender (receive). One pipe, to the udp
// transport (libzmq dgram.cpp); a second one is refused.
import type { Msg } from '../pipe.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { ExclusivePipeType } from './exclusive.js';

export class DgramType extends ExclusivePipeType {
  readonly type = draftTypeName('DGRAM');

  override send(msg: Msg): boolean {
    if (msg.length !== 2) throw zmqError('EINVAL', `DGRAM messages are [address, body], got ${msg.length} frame(s)`);
    return super.send(msg);
  }
}
