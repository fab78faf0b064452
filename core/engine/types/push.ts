// PUSH: load-balances messages to PULL peers; cannot receive (RFC 30, libzmq push.cpp).
import type { SocketHost } from '../socket-type.js';
import { SendOnlyType } from './send-only.js';

export class PushType extends SendOnlyType {
  constructor(host: SocketHost) {
    super('PUSH', 'Push', host);
  }
}
