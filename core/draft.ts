// zeromq.js's `zeromq/draft`: libzmq's draft socket types, exactly the names zeromq.js exports there.
// PEER and CHANNEL (not in zeromq.js 6) are in ./extras.ts.
export {
  Server,
  Client,
  Radio,
  Dish,
  Gather,
  Scatter,
  Datagram,
  type ServerRoutingOptions,
  type RadioGroupOptions,
  type DishGroupOptions,
  type GatherOptions,
  type RadioOptions,
  type ScatterOptions,
} from './engine/sockets-draft.js';
