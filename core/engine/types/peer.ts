// PEER (draft, libzmq peer.cpp): a SERVER that can also connect and knows at once which routing id the
// new connection has (connectPeer), so either side can start the conversation. PEER talks to PEER only.
import type { Pipe } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { ServerType } from './server.js';

export class PeerType extends ServerType {
  override readonly type = draftTypeName('PEER');
  /** Routing id given to the pipe attached last (libzmq's _peer_last_routing_id). */
  lastRoutingId = 0;

  constructor(host: SocketHost) {
    super(host);
  }

  override attach(pipe: Pipe): void {
    super.attach(pipe);
    this.lastRoutingId = this.routingIdOf(pipe) ?? 0;
  }
}
