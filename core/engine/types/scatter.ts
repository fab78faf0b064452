// SCATTER (draft): round-robins single-part messages to GATHER peers; cannot receive; a multipart
// message is EINVAL (libzmq scatter.cpp).
import type { Msg } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { SendOnlyType } from './send-only.js';
import { requireSinglePart } from './single-part.js';

export class ScatterType extends SendOnlyType {
  constructor(host: SocketHost) {
    super(draftTypeName('SCATTER'), 'Scatter', host);
  }

  override send(msg: Msg): boolean {
    requireSinglePart(msg, 'SCATTER');
    return super.send(msg);
  }
}
