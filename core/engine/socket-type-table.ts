// Every socket type, declared once: libzmq's number, whether it sends and receives (zeromq.js's Writable
// and Readable), whether its messages are single-part (the draft types), and a line for the workbench.
// The engine's type registry (types/by-number.ts), the Socket classes' send/receive typing (sockets.ts),
// the host's type list and the workbench form are derived from it. Plain data, importable by the renderer.
// In the workbench's order: pattern pairs together, then the drafts.

export const SOCKET_TYPE_TABLE = {
  REQ: {
    className: 'Request',
    number: 3,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'sends a request, waits for the reply',
  },
  REP: {
    className: 'Reply',
    number: 4,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'receives a request, sends the reply',
  },
  DEALER: {
    className: 'Dealer',
    number: 5,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'asynchronous request/reply, load-balanced',
  },
  ROUTER: {
    className: 'Router',
    number: 6,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'addresses peers by routing id',
  },
  PUB: {
    className: 'Publisher',
    number: 1,
    sends: true,
    receives: false,
    singlePart: false,
    draft: false,
    hint: 'publishes to subscribers',
  },
  SUB: {
    className: 'Subscriber',
    number: 2,
    sends: false,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'receives topics it subscribed to',
  },
  XPUB: {
    className: 'XPublisher',
    number: 9,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'PUB that sees subscriptions',
  },
  XSUB: {
    className: 'XSubscriber',
    number: 10,
    sends: true,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'SUB that sends subscriptions as messages',
  },
  PUSH: {
    className: 'Push',
    number: 8,
    sends: true,
    receives: false,
    singlePart: false,
    draft: false,
    hint: 'pipeline: sends round-robin',
  },
  PULL: {
    className: 'Pull',
    number: 7,
    sends: false,
    receives: true,
    singlePart: false,
    draft: false,
    hint: 'pipeline: fair-queued receive',
  },
  PAIR: { className: 'Pair', number: 0, sends: true, receives: true, singlePart: false, draft: false, hint: 'exclusive pair' },
  STREAM: { className: 'Stream', number: 11, sends: true, receives: true, singlePart: false, draft: false, hint: 'raw TCP peers' },
  SERVER: {
    className: 'Server',
    number: 12,
    sends: true,
    receives: true,
    singlePart: true,
    draft: true,
    hint: 'draft: replies to CLIENTs by routing id',
  },
  CLIENT: {
    className: 'Client',
    number: 13,
    sends: true,
    receives: true,
    singlePart: true,
    draft: true,
    hint: 'draft: single-part requests to a SERVER',
  },
  RADIO: {
    className: 'Radio',
    number: 14,
    sends: true,
    receives: false,
    singlePart: true,
    draft: true,
    hint: 'draft: publishes to groups (tcp, udp)',
  },
  DISH: {
    className: 'Dish',
    number: 15,
    sends: false,
    receives: true,
    singlePart: true,
    draft: true,
    hint: 'draft: receives the groups it joined',
  },
  SCATTER: {
    className: 'Scatter',
    number: 17,
    sends: true,
    receives: false,
    singlePart: true,
    draft: true,
    hint: 'draft: single-part PUSH',
  },
  GATHER: { className: 'Gather', number: 16, sends: false, receives: true, singlePart: true, draft: true, hint: 'draft: single-part PULL' },
  PEER: {
    className: 'Peer',
    number: 19,
    sends: true,
    receives: true,
    singlePart: true,
    draft: true,
    hint: 'draft: SERVER that can also connect',
  },
  CHANNEL: {
    className: 'Channel',
    number: 20,
    sends: true,
    receives: true,
    singlePart: true,
    draft: true,
    hint: 'draft: single-part PAIR',
  },
  // Datagram frames are [address, body]: two parts, not single-part.
  DGRAM: {
    className: 'Datagram',
    number: 18,
    sends: true,
    receives: true,
    singlePart: false,
    draft: true,
    hint: 'draft: raw UDP datagrams (udp://)',
  },
} as const satisfies Record<string, SocketTypeInfo>;

export interface SocketTypeInfo {
  /** The class (zeromq.js's name): Request, Publisher, ... */
  readonly className: string;
  /** libzmq's number (ZMQ_PAIR = 0 ... ZMQ_CHANNEL = 20), zeromq.js's `socket.type`. */
  readonly number: number;
  readonly sends: boolean;
  readonly receives: boolean;
  /** One frame per message (DGRAM carries an address frame and a body). */
  readonly singlePart: boolean;
  /** libzmq's ZMQ_BUILD_DRAFT_API types (zeromq.js's `zeromq/draft`). */
  readonly draft: boolean;
  readonly hint: string;
}

/** Every socket type name, the drafts included. */
export type SocketTypeName = keyof typeof SOCKET_TYPE_TABLE;

/** The names ordered by libzmq's number (PAIR, PUB, SUB, ..., CHANNEL). */
export const SOCKET_TYPE_NAMES: readonly SocketTypeName[] = (Object.keys(SOCKET_TYPE_TABLE) as SocketTypeName[]).sort(
  (a, b) => SOCKET_TYPE_TABLE[a].number - SOCKET_TYPE_TABLE[b].number,
);

/** The types that send (zeromq.js's Writable) / receive (Readable). */
export type SendingType = { [T in SocketTypeName]: (typeof SOCKET_TYPE_TABLE)[T]['sends'] extends true ? T : never }[SocketTypeName];
export type ReceivingType = { [T in SocketTypeName]: (typeof SOCKET_TYPE_TABLE)[T]['receives'] extends true ? T : never }[SocketTypeName];
