// Every socket option, declared once: zeromq.js's name, libzmq's id, pyzmq's name, the kind and range of
// value libzmq 4.3.5 accepts (as zeromq.js sets it), the default, the socket types it applies to, and what
// it does. Everything else is derived from this table: the engine's validation and accessors (options.ts,
// socket.ts, sockets.ts), the Socket classes' typed properties, the host's zod schemas
// (core/host/option-schema.ts), the workbench form's fields and its pyzmq "copy as code". Plain data
// without Node's types, so the renderer can import it.
import type { SocketTypeName } from './socket-type-table.js';

export type OptionKind =
  /** An integer (a fraction is truncated first, as zeromq.js does); `step`: rounded toward zero to a multiple. */
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly step?: number }
  | { readonly type: 'bool' }
  /** UTF-8 text of minBytes..maxBytes bytes; `nullable`: null is accepted (it unsets the option). */
  | { readonly type: 'string'; readonly minBytes: number; readonly maxBytes: number; readonly nullable: boolean }
  /** A CURVE key: 40 Z85 characters (text or bytes) or 32 raw bytes. */
  | { readonly type: 'curveKey' }
  /** Bytes given as UTF-8 text or a Buffer, minBytes..maxBytes long; `nullable` as for string. */
  | { readonly type: 'bytes'; readonly minBytes: number; readonly maxBytes: number; readonly nullable: boolean }
  /** PEM text (a Buffer is taken as its text), or null. */
  | { readonly type: 'pem' }
  /** One of a fixed set of values. */
  | { readonly type: 'enum'; readonly values: readonly (string | null)[] };

export interface OptionSpec {
  /** libzmq's option number (zmq.h ZMQ_*); null for this engine's own options. */
  readonly id: number | null;
  /**
   * pyzmq's socket attribute for it (libzmq's ZMQ_ name in lower case: `sock.sndhwm = 10`), which the
   * workbench's "copy as code" writes; for an enum, the attribute each value sets to 1 (libzmq has one
   * option per value). Absent: pyzmq has none.
   */
  readonly pyzmq?: string | { readonly [value: string]: string };
  readonly kind: OptionKind;
  /** libzmq's default, as zeromq.js reads it back. */
  readonly default: unknown;
  /** 'all', or the socket types (zeromq.js's classes) that have this option. */
  readonly types: 'all' | readonly SocketTypeName[];
  readonly doc: string;
  /** The workbench's New socket form offers this option under this label (with `doc` beside a checkbox). */
  readonly label?: string;
  /**
   * false: zeromq.js v6 has no property for it (its draft options, and wss: which its libzmq is built
   * without); the workbench's zeromq.js "copy as code" writes its numbered accessor (setStringOption(id, ...)).
   * Held to zeromq.js by test/interop/engine/option-compat.ts.
   */
  readonly zeromqJs?: false;
  /** false: set through setOption() only, not a property (Subscriber.subscribe() is a method). */
  readonly property?: false;
  /**
   * true: takes effect on a socket already bound or connected. Setting any other option then warns
   * "Socket option will not take effect until next connect/bind." (zeromq.js's list, socket.cc).
   */
  readonly immediate?: true;
}

const INT32_MAX = 2 ** 31 - 1;
const int = (min: number, max = INT32_MAX) => ({ type: 'int', min, max }) as const;
const bool = { type: 'bool' } as const;
/** libzmq's string options take 1 to 255 bytes; the empty string is EINVAL. */
const text = (nullable: boolean) => ({ type: 'string', minBytes: 1, maxBytes: 255, nullable }) as const;
const pem = { type: 'pem' } as const;
const curveKey = { type: 'curveKey' } as const;

/** The types with a conflate option in zeromq.js (libzmq's single-message queue). */
const CONFLATING = ['PUSH', 'PULL', 'DEALER', 'PUB', 'SUB', 'GATHER', 'SCATTER'] as const;

export const OPTIONS = {
  affinity: {
    id: 4,
    pyzmq: 'affinity',
    kind: int(0, Number.MAX_SAFE_INTEGER),
    default: 0,
    types: 'all',
    doc: 'I/O thread affinity bitmask (kept for compatibility; this engine has no I/O threads).',
  },
  routingId: {
    id: 5,
    pyzmq: 'routing_id',
    kind: { type: 'bytes', minBytes: 1, maxBytes: 255, nullable: false },
    default: null,
    types: 'all',
    doc: 'The routing id this socket announces to ROUTER peers (1 to 255 bytes).',
    label: 'Routing id',
  },
  subscribe: {
    id: 6,
    pyzmq: 'subscribe',
    immediate: true,
    kind: { type: 'bytes', minBytes: 0, maxBytes: INT32_MAX, nullable: true },
    default: null,
    types: ['SUB', 'XPUB'],
    property: false,
    doc: 'Adds a subscription (a topic prefix; null or empty: everything). XPUB: in manual mode, for the last subscriber heard.',
  },
  unsubscribe: {
    id: 7,
    pyzmq: 'unsubscribe',
    immediate: true,
    kind: { type: 'bytes', minBytes: 0, maxBytes: INT32_MAX, nullable: true },
    default: null,
    types: ['SUB', 'XPUB'],
    property: false,
    doc: 'Removes a subscription added with subscribe.',
  },
  rate: { id: 8, pyzmq: 'rate', kind: int(1), default: 100, types: 'all', doc: 'Multicast data rate in kbit/s (pgm://, epgm://).' },
  recoveryInterval: {
    id: 9,
    pyzmq: 'recovery_ivl',
    kind: int(0),
    default: 10000,
    types: 'all',
    doc: 'Multicast recovery interval in ms (pgm://, epgm://).',
  },
  sendBufferSize: {
    id: 11,
    pyzmq: 'sndbuf',
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'Kernel send buffer size in bytes; -1 leaves the OS default.',
  },
  receiveBufferSize: {
    id: 12,
    pyzmq: 'rcvbuf',
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'Kernel receive buffer size in bytes; -1 leaves the OS default.',
  },
  linger: {
    id: 17,
    pyzmq: 'linger',
    immediate: true,
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'How long close() keeps delivering queued messages, in ms; -1 until done, 0 drops them.',
    label: 'Linger (ms)',
  },
  reconnectInterval: {
    id: 18,
    pyzmq: 'reconnect_ivl',
    kind: int(-1),
    default: 100,
    types: 'all',
    doc: 'Delay before reconnecting, in ms; -1 (or 0, as in libzmq) never reconnects.',
    label: 'Reconnect interval (ms)',
  },
  backlog: {
    id: 19,
    pyzmq: 'backlog',
    kind: int(0),
    default: 100,
    types: 'all',
    doc: 'Queue length of pending incoming connections on a bound endpoint.',
  },
  reconnectMaxInterval: {
    id: 21,
    pyzmq: 'reconnect_ivl_max',
    kind: int(0),
    default: 0,
    types: 'all',
    doc: 'Upper bound of the doubling reconnect delay, in ms; 0 keeps reconnectInterval.',
  },
  maxMessageSize: {
    id: 22,
    pyzmq: 'maxmsgsize',
    kind: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    default: -1,
    types: 'all',
    doc: 'Largest inbound message in bytes; a peer sending more is disconnected. Negative: no limit.',
  },
  sendHighWaterMark: {
    id: 23,
    pyzmq: 'sndhwm',
    immediate: true,
    kind: int(0),
    default: 1000,
    types: 'all',
    doc: 'Outbound messages queued per peer before the socket blocks or drops; 0: no limit.',
    label: 'Send HWM',
  },
  receiveHighWaterMark: {
    id: 24,
    pyzmq: 'rcvhwm',
    immediate: true,
    kind: int(0),
    default: 1000,
    types: 'all',
    doc: 'Inbound messages queued per peer; 0: no limit.',
    label: 'Receive HWM',
  },
  multicastHops: { id: 25, pyzmq: 'multicast_hops', kind: int(1), default: 1, types: 'all', doc: 'Multicast TTL (epgm://, udp://).' },
  receiveTimeout: {
    id: 27,
    pyzmq: 'rcvtimeo',
    immediate: true,
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'receive() fails with EAGAIN after this many ms; -1 waits forever.',
  },
  sendTimeout: {
    id: 28,
    pyzmq: 'sndtimeo',
    immediate: true,
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'send() fails with EAGAIN after this many ms; -1 waits forever.',
  },
  mandatory: {
    id: 33,
    pyzmq: 'router_mandatory',
    immediate: true,
    kind: bool,
    default: false,
    types: ['ROUTER'],
    doc: 'ROUTER: a message to an unknown routing id fails with EHOSTUNREACH instead of being dropped.',
    label: 'Mandatory routing',
  },
  tcpKeepalive: {
    id: 34,
    pyzmq: 'tcp_keepalive',
    kind: int(-1, 1),
    default: -1,
    types: 'all',
    doc: 'SO_KEEPALIVE: 1 on, 0 off, -1 the OS default.',
  },
  tcpKeepaliveCount: {
    id: 35,
    pyzmq: 'tcp_keepalive_cnt',
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'TCP_KEEPCNT; -1 the OS default.',
  },
  tcpKeepaliveIdle: {
    id: 36,
    pyzmq: 'tcp_keepalive_idle',
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'TCP_KEEPIDLE in seconds; -1 the OS default.',
  },
  tcpKeepaliveInterval: {
    id: 37,
    pyzmq: 'tcp_keepalive_intvl',
    kind: int(-1),
    default: -1,
    types: 'all',
    doc: 'TCP_KEEPINTVL in seconds; -1 the OS default.',
  },
  immediate: {
    id: 39,
    pyzmq: 'immediate',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Queue messages only for peers whose connection is complete.',
  },
  verbosity: {
    id: 40,
    pyzmq: { allSubs: 'xpub_verbose', allSubsUnsubs: 'xpub_verboser' },
    immediate: true,
    kind: { type: 'enum', values: [null, 'allSubs', 'allSubsUnsubs'] },
    default: null,
    types: ['XPUB'],
    doc: 'XPUB: pass on repeated subscriptions (allSubs, ZMQ_XPUB_VERBOSE) and unsubscriptions too (allSubsUnsubs, ZMQ_XPUB_VERBOSER).',
  },
  ipv6: {
    id: 42,
    pyzmq: 'ipv6',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Use IPv6 as well as IPv4 (dual-stack wildcards, IPv6 names).',
  },
  plainServer: {
    id: 44,
    pyzmq: 'plain_server',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Act as a PLAIN server (the ZAP handler checks user names and passwords).',
  },
  plainUsername: {
    id: 45,
    pyzmq: 'plain_username',
    kind: text(true),
    default: null,
    types: 'all',
    doc: 'PLAIN client user name (null: no PLAIN).',
  },
  plainPassword: { id: 46, pyzmq: 'plain_password', kind: text(true), default: null, types: 'all', doc: 'PLAIN client password.' },
  curveServer: {
    id: 47,
    pyzmq: 'curve_server',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Act as a CURVE server (needs curveSecretKey).',
  },
  curvePublicKey: {
    id: 48,
    pyzmq: 'curve_publickey',
    kind: curveKey,
    default: null,
    types: 'all',
    doc: 'Our CURVE public key (Z85 or 32 bytes).',
  },
  curveSecretKey: {
    id: 49,
    pyzmq: 'curve_secretkey',
    kind: curveKey,
    default: null,
    types: 'all',
    doc: 'Our CURVE secret key (Z85 or 32 bytes).',
  },
  curveServerKey: {
    id: 50,
    pyzmq: 'curve_serverkey',
    kind: curveKey,
    default: null,
    types: 'all',
    doc: "CURVE client: the server's public key (Z85 or 32 bytes).",
  },
  probeRouter: {
    id: 51,
    pyzmq: 'probe_router',
    immediate: true,
    kind: bool,
    default: false,
    types: ['DEALER', 'REQ', 'ROUTER'],
    doc: 'Send an empty message to each new ROUTER peer so it learns our routing id.',
  },
  correlate: {
    id: 52,
    pyzmq: 'req_correlate',
    immediate: true,
    kind: bool,
    default: false,
    types: ['REQ'],
    doc: 'REQ: prefix requests with an id and accept only the reply carrying it.',
  },
  relaxed: {
    id: 53,
    pyzmq: 'req_relaxed',
    immediate: true,
    kind: bool,
    default: false,
    types: ['REQ'],
    doc: 'REQ: allow a new request before the reply came (the old one is abandoned).',
  },
  conflate: {
    id: 54,
    pyzmq: 'conflate',
    kind: bool,
    default: false,
    types: CONFLATING,
    doc: 'Keep only the last message in each queue (single-part messages only).',
    label: 'Conflate',
  },
  zapDomain: {
    id: 55,
    pyzmq: 'zap_domain',
    kind: text(false),
    default: null,
    types: 'all',
    doc: 'The ZAP domain given to the authentication handler.',
  },
  handover: {
    id: 56,
    pyzmq: 'router_handover',
    immediate: true,
    kind: bool,
    default: false,
    types: ['ROUTER'],
    doc: 'ROUTER: a new peer with a routing id in use takes it over (the old one is disconnected).',
  },
  typeOfService: { id: 57, pyzmq: 'tos', kind: int(0), default: 0, types: 'all', doc: 'IP_TOS / IPV6_TCLASS on outgoing packets.' },
  handshakeInterval: {
    id: 66,
    pyzmq: 'handshake_ivl',
    kind: int(0),
    default: 30000,
    types: 'all',
    doc: 'A peer must finish its handshake within this many ms; 0: no limit.',
  },
  // libzmq refuses the empty string (EINVAL) but takes any longer text; it is parsed only at connect time.
  socksProxy: {
    id: 68,
    pyzmq: 'socks_proxy',
    kind: { type: 'string', minBytes: 1, maxBytes: INT32_MAX, nullable: true },
    default: null,
    types: 'all',
    doc: 'tcp:// connects go through this SOCKS5 proxy (host:port); the target host is sent as given, names unresolved.',
    label: 'SOCKS5 proxy (host:port)',
  },
  noDrop: {
    id: 69,
    pyzmq: 'xpub_nodrop',
    kind: bool,
    default: false,
    types: ['PUB', 'XPUB', 'RADIO'],
    doc: 'When a subscriber is full, fail send() with EAGAIN instead of dropping.',
    label: 'No drop',
  },
  manual: {
    id: 71,
    pyzmq: 'xpub_manual',
    kind: bool,
    default: false,
    types: ['XPUB'],
    doc: 'XPUB: subscriptions are applied by the application (subscribe()), not automatically.',
  },
  welcomeMessage: {
    id: 72,
    pyzmq: 'xpub_welcome_msg',
    kind: { type: 'bytes', minBytes: 0, maxBytes: INT32_MAX, nullable: true },
    default: null,
    types: ['XPUB'],
    doc: 'XPUB: a message sent to each new subscriber.',
  },
  notify: {
    id: 73,
    pyzmq: 'stream_notify',
    kind: bool,
    default: true,
    types: ['STREAM'],
    doc: 'STREAM: deliver an empty message when a peer connects or disconnects.',
  },
  invertMatching: {
    id: 74,
    pyzmq: 'invert_matching',
    kind: bool,
    default: false,
    types: ['PUB', 'SUB', 'XPUB'],
    doc: 'Deliver messages that match no subscription instead of those that match one.',
  },
  heartbeatInterval: {
    id: 75,
    pyzmq: 'heartbeat_ivl',
    kind: int(0),
    default: 0,
    types: 'all',
    doc: 'Send a ZMTP PING every this many ms; 0: no heartbeats.',
    label: 'Heartbeat interval (ms)',
  },
  // libzmq stores the TTL in deciseconds (value / 100 must fit 16 bits) and reads it back in ms.
  heartbeatTimeToLive: {
    id: 76,
    pyzmq: 'heartbeat_ttl',
    kind: { type: 'int', min: -99, max: 6553599, step: 100 },
    default: 0,
    types: 'all',
    doc: 'The TTL sent in our PINGs (ms, kept in deciseconds): the peer drops us after this long without traffic.',
  },
  // libzmq refuses -1 although -1 is its default (the heartbeat interval is used then).
  heartbeatTimeout: {
    id: 77,
    pyzmq: 'heartbeat_timeout',
    kind: int(0),
    default: -1,
    types: 'all',
    doc: 'Drop a peer that sends nothing for this many ms after our PING; default: the heartbeat interval.',
    label: 'Heartbeat timeout (ms)',
  },
  connectTimeout: {
    id: 79,
    pyzmq: 'connect_timeout',
    kind: int(0),
    default: 0,
    types: 'all',
    doc: 'A TCP connect attempt is abandoned after this many ms; 0: the OS timeout.',
  },
  tcpMaxRetransmitTimeout: {
    id: 80,
    pyzmq: 'tcp_maxrt',
    kind: int(0),
    default: 0,
    types: 'all',
    doc: 'TCP_USER_TIMEOUT in ms; 0: the OS default.',
  },
  multicastMaxTransportDataUnit: {
    id: 84,
    pyzmq: 'multicast_maxtpdu',
    kind: int(1),
    default: 1500,
    types: 'all',
    doc: 'Largest packet (IP header included) epgm:// sends.',
  },
  // libzmq's BINDDEVSIZ: an interface name is at most 16 bytes.
  interface: {
    id: 92,
    pyzmq: 'bindtodevice',
    kind: { type: 'string', minBytes: 1, maxBytes: 16, nullable: true },
    default: null,
    types: 'all',
    doc: 'Bind outgoing connections to this network interface (SO_BINDTODEVICE).',
  },
  zapEnforceDomain: {
    id: 93,
    pyzmq: 'zap_enforce_domain',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Ask the ZAP handler even with no zapDomain (RFC 27 strictly).',
  },
  loopbackFastPath: {
    id: 94,
    pyzmq: 'loopback_fastpath',
    kind: bool,
    default: false,
    types: 'all',
    doc: 'Windows loopback fast path (no effect here).',
  },
  multicastLoop: {
    id: 96,
    pyzmq: 'multicast_loop',
    kind: bool,
    default: true,
    types: 'all',
    zeromqJs: false,
    doc: 'Multicast sent by this socket is also delivered on this host (epgm://, udp://).',
  },
  // zeromq.js v6 has no property for these two (draft options there; its libzmq takes setStringOption(99/100, ...)).
  socksUsername: {
    id: 99,
    pyzmq: 'socks_username',
    kind: { type: 'string', minBytes: 0, maxBytes: 255, nullable: true },
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: 'SOCKS5 user name (RFC 1929); null or empty: the proxy is asked for no authentication.',
    label: 'SOCKS username',
  },
  socksPassword: {
    id: 100,
    pyzmq: 'socks_password',
    kind: { type: 'string', minBytes: 0, maxBytes: 255, nullable: true },
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: 'SOCKS5 password, sent with socksUsername.',
    label: 'SOCKS password',
  },
  wssKeyPem: {
    id: 103,
    pyzmq: 'wss_key_pem',
    kind: pem,
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: 'wss://: our private key (PEM; needed to bind).',
  },
  wssCertPem: {
    id: 104,
    pyzmq: 'wss_cert_pem',
    kind: pem,
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: 'wss://: our certificate (PEM; needed to bind).',
  },
  wssTrustPem: {
    id: 105,
    pyzmq: 'wss_trust_pem',
    kind: pem,
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: 'wss://: the CA certificates a server must be signed by (PEM).',
  },
  wssHostname: {
    id: 106,
    pyzmq: 'wss_hostname',
    kind: text(true),
    default: null,
    types: 'all',
    zeromqJs: false,
    doc: "wss://: the name expected in the server's certificate (default: the endpoint's host).",
  },
  wssTrustSystem: {
    id: 107,
    pyzmq: 'wss_trust_system',
    kind: bool,
    default: false,
    types: 'all',
    zeromqJs: false,
    doc: "wss://: also trust the system's CA certificates.",
  },
  onlyFirstSubscribe: {
    id: 108,
    pyzmq: 'only_first_subscribe',
    kind: bool,
    default: false,
    types: ['XPUB', 'XSUB'],
    zeromqJs: false,
    doc: 'Only the first frame of a multipart message can be a subscription.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
type Spec<N extends OptionName> = (typeof OPTIONS)[N];

/** The JavaScript type an option of kind K reads back as. */
export type ValueOfKind<K extends OptionKind> = K extends { type: 'int' }
  ? number
  : K extends { type: 'bool' }
    ? boolean
    : K extends { type: 'bytes' }
      ? string | Uint8Array | null
      : K extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : string | null;

export type OptionValue<N extends OptionName> = ValueOfKind<Spec<N>['kind']>;

/** Options every socket type has. */
export type CommonOptionName = { [N in OptionName]: Spec<N>['types'] extends 'all' ? N : never }[OptionName];

/** Options that only some types have, as properties, and which types have them. */
type TypeOptionName<T extends SocketTypeName> = {
  [N in OptionName]: Spec<N> extends { property: false }
    ? never
    : Spec<N>['types'] extends readonly (infer U)[]
      ? T extends U
        ? N
        : never
      : never;
}[OptionName];

/** The common options as values: the live option bag every socket keeps (Socket.options). */
export type CommonOptionValues = { -readonly [N in CommonOptionName]: OptionValue<N> };

/** The options only socket type T has, as the properties of T's class. */
export type TypeOptionValues<T extends SocketTypeName> = { -readonly [N in TypeOptionName<T>]: OptionValue<N> };

/** All options socket type T takes (its constructor's option object, all optional). */
export type OptionsOf<T extends SocketTypeName> = Partial<CommonOptionValues & TypeOptionValues<T>>;

export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

/** Whether socket type `type` has option `name`. */
export function appliesTo(name: OptionName, type: string): boolean {
  const types: 'all' | readonly string[] = OPTIONS[name].types;
  return types === 'all' || types.includes(type);
}

/** The option with libzmq's number `id` (zmq.h ZMQ_*), for zeromq.js's numeric accessors. */
export function optionById(id: number): OptionName | undefined {
  return OPTION_NAMES.find((name) => OPTIONS[name].id === id);
}

export function isOptionName(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}

/** The common options with their defaults: a new socket's option bag. */
export function defaultOptions(): CommonOptionValues {
  const out: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) if (OPTIONS[name].types === 'all') out[name] = OPTIONS[name].default;
  return out as CommonOptionValues;
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Why 40 characters are not a Z85 CURVE key (a character outside Z85, a block above 32 bits, as zmq_z85_decode), or null. */
export function z85KeyProblem(key: string): string | null {
  if (key.length !== 40) return `a Z85 key has 40 characters, got ${key.length}`;
  for (let i = 0; i < 40; i += 5) {
    let value = 0;
    for (let j = i; j < i + 5; j++) {
      const digit = Z85.indexOf(key[j]);
      if (digit < 0) return `'${key[j]}' at ${j} is not a Z85 character`;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return `the Z85 block at ${i} is larger than 32 bits`;
  }
  return null;
}

/** UTF-8 length of a string, without Node's Buffer (for the renderer). */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
