// SCATTER (draft): round-robins single-part messages to GATHER peers; cannot receive; a multipart
// message is EINVAL (libzmq scatter.cpp).
import type { Msg } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { SendOnlyType } from './send-only.js';

export class ScatterType extends SendOnlyType {
  constructor(host: SocketHost) {
    super(draftTypeName('SCATTER'), 'Scatter', host);
  }

  override send(msg: Msg): boolean {
    if (msg.length !== 1) throw zmqError('EINVAL', 'SCATTER sockets do not allow multipart messages');
    return super.send(msg);
  }
}
