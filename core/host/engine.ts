// The one place the host gets its ZeroMQ engine from: our pure TypeScript engine (core/index.ts).
// Everything else in core/host imports socket classes from here.
export {
  Push, Pull, Request, Reply, Dealer, Router, Publisher, Subscriber,
  XPublisher, XSubscriber, Pair, Stream,
  Server, Client, Radio, Dish, Gather, Scatter, Datagram, Peer, Channel,
} from '../index.js';
export { curveKeyPair } from '../zmtp/curve-keys.js';
export const ENGINE_NAME: string = 'zmq-inspector (TypeScript)';
