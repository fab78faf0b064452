// PULL: fair-queues messages from PUSH peers; cannot send (RFC 30, libzmq pull.cpp).
import type { SocketHost } from '../socket-type.js';
import { ReceiveOnlyType } from './receive-only.js';

export class PullType extends ReceiveOnlyType {
  constructor(host: SocketHost) {
    super('PULL', 'Pull', host);
  }
}
