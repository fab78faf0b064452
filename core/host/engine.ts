// The one place the host gets its ZeroMQ engine from: our pure TypeScript engine (core/internal.ts).
// Everything else in core/host imports socket classes from here.
export {
  Push, Pull, Request, Reply, Dealer, Router, Publisher, Subscriber,
  XPublisher, XSubscriber, Pair, Stream,
  Server, Client, Radio, Dish, Gather, Scatter, Datagram, Peer, Channel, Context,
} from '../internal.js';
export { curveKeyPair, curvePublicKey } from '../zmtp/curve-keys.js';
export { z85Encode } from '../zmtp/z85.js';
export const ENGINE_NAME: string = 'zmq-inspector (TypeScript)';
