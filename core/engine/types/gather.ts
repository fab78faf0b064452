// GATHER (draft): fair-queues single-part messages from SCATTER peers; cannot send; multipart messages
// are dropped (libzmq gather.cpp).
import type { Msg } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { ReceiveOnlyType } from './receive-only.js';
import { singlePart } from './single-part.js';

export class GatherType extends ReceiveOnlyType {
  constructor(host: SocketHost) {
    super(draftTypeName('GATHER'), 'Gather', host);
  }

  protected override next(): Msg | undefined {
    return singlePart(() => this.fq.recv());
  }
}
