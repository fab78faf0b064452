// v5's setsockopt/getsockopt by libzmq option number, onto the engine's option properties (zeromq.js v6
// names), and v5's short option names (`socket.linger = 0`, `options.linger`).
import * as c from './constants.js';

/** The engine socket as the adapter uses it: option properties by name, plus the few methods it calls. */
export type EngineSocket = Record<string, unknown> & {
  readonly type: number;
  readonly closed: boolean;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly securityMechanism: string | null;
  subscribe?(...topics: Array<string | Buffer>): void;
  unsubscribe?(...topics: Array<string | Buffer>): void;
};

/** v5's short option names, as `zmq.options` exported them. */
export const shortOptions = {
  _fd: c.ZMQ_FD,
  _ioevents: c.ZMQ_EVENTS,
  _receiveMore: c.ZMQ_RCVMORE,
  _subscribe: c.ZMQ_SUBSCRIBE,
  _unsubscribe: c.ZMQ_UNSUBSCRIBE,
  affinity: c.ZMQ_AFFINITY,
  backlog: c.ZMQ_BACKLOG,
  identity: c.ZMQ_IDENTITY,
  linger: c.ZMQ_LINGER,
  rate: c.ZMQ_RATE,
  rcvbuf: c.ZMQ_RCVBUF,
  last_endpoint: c.ZMQ_LAST_ENDPOINT,
  reconnect_ivl: c.ZMQ_RECONNECT_IVL,
  recovery_ivl: c.ZMQ_RECOVERY_IVL,
  sndbuf: c.ZMQ_SNDBUF,
  mechanism: c.ZMQ_MECHANISM,
  plain_server: c.ZMQ_PLAIN_SERVER,
  plain_username: c.ZMQ_PLAIN_USERNAME,
  plain_password: c.ZMQ_PLAIN_PASSWORD,
  curve_server: c.ZMQ_CURVE_SERVER,
  curve_publickey: c.ZMQ_CURVE_PUBLICKEY,
  curve_secretkey: c.ZMQ_CURVE_SECRETKEY,
  curve_serverkey: c.ZMQ_CURVE_SERVERKEY,
  zap_domain: c.ZMQ_ZAP_DOMAIN,
  heartbeat_ivl: c.ZMQ_HEARTBEAT_IVL,
  heartbeat_ttl: c.ZMQ_HEARTBEAT_TTL,
  heartbeat_timeout: c.ZMQ_HEARTBEAT_TIMEOUT,
  connect_timeout: c.ZMQ_CONNECT_TIMEOUT,
} as const;

export type ShortOption = keyof typeof shortOptions;

/** Options that are a plain property of the same meaning in v6 (value passed through both ways). */
const SAME: Record<number, string> = {
  [c.ZMQ_AFFINITY]: 'affinity',
  [c.ZMQ_IDENTITY]: 'routingId',
  [c.ZMQ_RATE]: 'rate',
  [c.ZMQ_RECOVERY_IVL]: 'recoveryInterval',
  [c.ZMQ_SNDBUF]: 'sendBufferSize',
  [c.ZMQ_RCVBUF]: 'receiveBufferSize',
  [c.ZMQ_LINGER]: 'linger',
  [c.ZMQ_RECONNECT_IVL]: 'reconnectInterval',
  [c.ZMQ_BACKLOG]: 'backlog',
  [c.ZMQ_RECONNECT_IVL_MAX]: 'reconnectMaxInterval',
  [c.ZMQ_MAXMSGSIZE]: 'maxMessageSize',
  [c.ZMQ_SNDHWM]: 'sendHighWaterMark',
  [c.ZMQ_RCVHWM]: 'receiveHighWaterMark',
  [c.ZMQ_MULTICAST_HOPS]: 'multicastHops',
  [c.ZMQ_RCVTIMEO]: 'receiveTimeout',
  [c.ZMQ_SNDTIMEO]: 'sendTimeout',
  [c.ZMQ_TCP_KEEPALIVE]: 'tcpKeepalive',
  [c.ZMQ_TCP_KEEPALIVE_CNT]: 'tcpKeepaliveCount',
  [c.ZMQ_TCP_KEEPALIVE_IDLE]: 'tcpKeepaliveIdle',
  [c.ZMQ_TCP_KEEPALIVE_INTVL]: 'tcpKeepaliveInterval',
  [c.ZMQ_PLAIN_USERNAME]: 'plainUsername',
  [c.ZMQ_PLAIN_PASSWORD]: 'plainPassword',
  [c.ZMQ_CURVE_PUBLICKEY]: 'curvePublicKey',
  [c.ZMQ_CURVE_SECRETKEY]: 'curveSecretKey',
  [c.ZMQ_CURVE_SERVERKEY]: 'curveServerKey',
  [c.ZMQ_ZAP_DOMAIN]: 'zapDomain',
  [c.ZMQ_HEARTBEAT_IVL]: 'heartbeatInterval',
  [c.ZMQ_HEARTBEAT_TTL]: 'heartbeatTimeToLive',
  [c.ZMQ_HEARTBEAT_TIMEOUT]: 'heartbeatTimeout',
  [c.ZMQ_CONNECT_TIMEOUT]: 'connectTimeout',
};

/** Flags: set as Boolean(value), read back as 1 or 0 (libzmq's int options). */
const FLAGS: Record<number, string> = {
  [c.ZMQ_ROUTER_MANDATORY]: 'mandatory',
  [c.ZMQ_DELAY_ATTACH_ON_CONNECT]: 'immediate',
  [c.ZMQ_IPV6]: 'ipv6',
  [c.ZMQ_PLAIN_SERVER]: 'plainServer',
  [c.ZMQ_CURVE_SERVER]: 'curveServer',
  [c.ZMQ_ROUTER_HANDOVER]: 'handover',
};

/** Options v5's API had that have no meaning without libzmq's file descriptors or raw routers. */
const UNSUPPORTED: Record<number, string> = {
  [c.ZMQ_ROUTER_RAW]: 'ZMQ_ROUTER_RAW is not supported in compatibility mode',
  [c.ZMQ_RCVMORE]: 'ZMQ_RCVMORE is not supported in compatibility mode',
  [c.ZMQ_FD]: 'ZMQ_FD is not supported in compatibility mode',
};

const MECHANISM_NUMBER: Record<string, number> = { null: 0, plain: 1, curve: 2, gssapi: 3 };

/** The option number for a number or short name; undefined when it is neither. */
export function optionNumber(option: number | string): number | undefined {
  if (typeof option === 'number') return option;
  return Object.prototype.hasOwnProperty.call(shortOptions, option) ? shortOptions[option as ShortOption] : undefined;
}

export function setOption(sock: EngineSocket, option: number | string, value: unknown): void {
  const n = optionNumber(option);
  if (n === undefined) throw new Error('Unknown option');
  if (SAME[n] !== undefined) {
    sock[SAME[n]] = value;
    return;
  }
  if (FLAGS[n] !== undefined) {
    sock[FLAGS[n]] = Boolean(value);
    return;
  }
  switch (n) {
    case c.ZMQ_SUBSCRIBE:
    case c.ZMQ_UNSUBSCRIBE: {
      const method = n === c.ZMQ_SUBSCRIBE ? sock.subscribe : sock.unsubscribe;
      if (typeof method !== 'function') throw new Error('Subscriber socket required');
      method.call(sock, value as string | Buffer);
      return;
    }
    case c.ZMQ_IPV4ONLY:
      sock.ipv6 = !value;
      return;
    case c.ZMQ_TCP_ACCEPT_FILTER:
      sock.tcpAcceptFilter = value;
      return;
    case c.ZMQ_XPUB_VERBOSE:
      sock.verbosity = value ? 'allSubs' : null;
      return;
  }
  if (n === c.ZMQ_ROUTER_RAW) throw new Error(UNSUPPORTED[n]);
  throw new Error('Unknown option');
}

export function getOption(sock: EngineSocket, option: number | string): unknown {
  const n = optionNumber(option);
  if (n === undefined) throw new Error('Unknown option');
  if (SAME[n] !== undefined) return sock[SAME[n]];
  if (FLAGS[n] !== undefined) return sock[FLAGS[n]] ? 1 : 0;
  if (UNSUPPORTED[n] !== undefined) throw new Error(UNSUPPORTED[n]);
  switch (n) {
    case c.ZMQ_EVENTS:
      return (sock.readable ? c.ZMQ_POLLIN : 0) | (sock.writable ? c.ZMQ_POLLOUT : 0);
    case c.ZMQ_TYPE:
      return sock.type;
    case c.ZMQ_IPV4ONLY:
      return !sock.ipv6;
    case c.ZMQ_LAST_ENDPOINT:
      return sock.lastEndpoint;
    case c.ZMQ_MECHANISM:
      return MECHANISM_NUMBER[sock.securityMechanism ?? 'null'] ?? 0;
    case c.ZMQ_XPUB_VERBOSE:
      throw new Error('Reading ZMQ_XPUB_VERBOSE is not supported');
  }
  throw new Error('Unknown option');
}
