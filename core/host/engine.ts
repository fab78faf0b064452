// The one place the host gets its ZeroMQ engine from. Everything else in core/host imports
// socket classes from here, so switching engines is a one-line change.
// TEMPORARY: the native `zeromq` package stands in until core/engine exports its classes from
// core/index.ts; then this becomes `export { ... } from '../index.js'`.
export {
  Push, Pull, Request, Reply, Dealer, Router, Publisher, Subscriber,
  XPublisher, XSubscriber, Pair, Stream, curveKeyPair,
} from 'zeromq';
export const ENGINE_NAME: string = 'zeromq (native, temporary)';
