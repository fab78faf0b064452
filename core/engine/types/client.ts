// CLIENT (draft, RFC 41): like DEALER (round-robin out, fair-queue in) but thread-safe in libzmq and
// single-part only: sending a multipart message is EINVAL, and multipart messages from a peer are dropped
// (libzmq client.cpp).
import type { Msg } from '../pipe.js';
import { draftTypeName } from './draft-name.js';
import { LbFqType } from './lb-fq.js';
import { requireSinglePart, singlePart } from './single-part.js';

export class ClientType extends LbFqType {
  readonly type = draftTypeName('CLIENT');

  override send(msg: Msg): boolean {
    requireSinglePart(msg, 'CLIENT');
    return super.send(msg);
  }
  override receive(): Msg | undefined {
    return singlePart(() => this.fq.recv());
  }
}
