// "Copy as code": a workbench socket (type, options, endpoints) as a short program in pyzmq, zeromq.js or
// this engine's own API, ending with one example exchange so it runs as it is. Option names map to each
// API's own (pyzmq's socket attributes are libzmq's option names; zeromq.js's are the host's).
import type { SocketInfo, SocketType } from '../../../../core/host/protocol.js';
import { SECRET_OPTIONS, savedOptions } from './workspace.js';

export type CodeLanguage = 'pyzmq' | 'zeromq.js' | 'engine';
export const CODE_LANGUAGES: { id: CodeLanguage; label: string }[] = [
  { id: 'pyzmq', label: 'Python (pyzmq)' },
  { id: 'zeromq.js', label: 'Node (zeromq.js v6)' },
  { id: 'engine', label: 'Node (this engine)' },
];

/** zeromq.js v6 class names; this engine exports the same. */
const CLASS: Record<SocketType, string> = {
  PAIR: 'Pair', PUB: 'Publisher', SUB: 'Subscriber', REQ: 'Request', REP: 'Reply', DEALER: 'Dealer', ROUTER: 'Router',
  PULL: 'Pull', PUSH: 'Push', XPUB: 'XPublisher', XSUB: 'XSubscriber', STREAM: 'Stream',
  SERVER: 'Server', CLIENT: 'Client', RADIO: 'Radio', DISH: 'Dish', GATHER: 'Gather', SCATTER: 'Scatter',
  DGRAM: 'Datagram', PEER: 'Peer', CHANNEL: 'Channel',
};
const DRAFT: ReadonlySet<SocketType> = new Set(['SERVER', 'CLIENT', 'RADIO', 'DISH', 'GATHER', 'SCATTER', 'DGRAM', 'PEER', 'CHANNEL']);

/** pyzmq socket attribute (libzmq option name in lower case) per host option, and whether it takes bytes. */
const PYZMQ_OPTION: Record<string, [string, 'int' | 'bool' | 'bytes']> = {
  linger: ['linger', 'int'], sendHighWaterMark: ['sndhwm', 'int'], receiveHighWaterMark: ['rcvhwm', 'int'],
  reconnectInterval: ['reconnect_ivl', 'int'], reconnectMaxInterval: ['reconnect_ivl_max', 'int'],
  heartbeatInterval: ['heartbeat_ivl', 'int'], heartbeatTimeout: ['heartbeat_timeout', 'int'], heartbeatTimeToLive: ['heartbeat_ttl', 'int'],
  handshakeInterval: ['handshake_ivl', 'int'], immediate: ['immediate', 'bool'], sendTimeout: ['sndtimeo', 'int'], receiveTimeout: ['rcvtimeo', 'int'],
  plainServer: ['plain_server', 'bool'], plainUsername: ['plain_username', 'bytes'], plainPassword: ['plain_password', 'bytes'],
  curveServer: ['curve_server', 'bool'], curvePublicKey: ['curve_publickey', 'bytes'], curveSecretKey: ['curve_secretkey', 'bytes'],
  curveServerKey: ['curve_serverkey', 'bytes'], zapDomain: ['zap_domain', 'bytes'], routingId: ['routing_id', 'bytes'],
  conflate: ['conflate', 'bool'], mandatory: ['router_mandatory', 'bool'], probeRouter: ['probe_router', 'bool'],
  handover: ['router_handover', 'bool'], correlate: ['req_correlate', 'bool'], relaxed: ['req_relaxed', 'bool'],
  verbose: ['xpub_verbose', 'bool'], manual: ['xpub_manual', 'bool'], welcomeMessage: ['xpub_welcome_msg', 'bytes'],
  noDrop: ['xpub_nodrop', 'bool'],
};
/** Applied by calls, not as options. */
const CALL_OPTIONS = new Set(['subscriptions', 'groups']);
const SECRETS: ReadonlySet<string> = new Set(SECRET_OPTIONS);

/** A string literal valid in both Python and JavaScript. */
function str(s: string): string {
  return JSON.stringify(s);
}

function pyBytes(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? `b${str(s)}` : `${str(s)}.encode()`;
}

function pyValue(v: unknown, kind: 'int' | 'bool' | 'bytes'): string {
  if (kind === 'bytes') return pyBytes(String(v));
  if (kind === 'bool') return v ? '1' : '0';
  return String(v);
}

/** Endpoints as the code should use them: binds as asked (a wildcard gets a free port), connects as made. */
function endpointsOf(socket: SocketInfo): { kind: 'bind' | 'connect'; endpoint: string }[] {
  return socket.endpoints.map((e) => ({ kind: e.kind, endpoint: e.kind === 'bind' ? e.requested : e.endpoint }));
}

const SENDS_FIRST: ReadonlySet<SocketType> = new Set(['REQ', 'PUSH', 'PUB', 'DEALER', 'PAIR', 'CLIENT', 'SCATTER', 'RADIO', 'CHANNEL']);
const RECEIVES: ReadonlySet<SocketType> = new Set(['REQ', 'REP', 'PULL', 'SUB', 'DEALER', 'ROUTER', 'PAIR', 'SERVER', 'CLIENT', 'GATHER', 'DISH', 'XPUB', 'STREAM', 'PEER', 'CHANNEL', 'DGRAM']);

function pyzmq(socket: SocketInfo): string {
  const t = socket.type;
  const lines = ['import zmq', ''];
  if (DRAFT.has(t)) lines.push(`# ${t} is a draft socket type: pyzmq and libzmq must be built with draft support`);
  lines.push('ctx = zmq.Context.instance()', `sock = ctx.socket(zmq.${t})`);
  for (const [name, value] of Object.entries(savedOptions(socket, true))) {
    if (CALL_OPTIONS.has(name) || value === undefined) continue;
    const map = PYZMQ_OPTION[name];
    if (!map) { lines.push(`# option ${name} = ${JSON.stringify(value)} has no pyzmq attribute here`); continue; }
    lines.push(`sock.${map[0]} = ${pyValue(value, map[1])}${SECRETS.has(name) ? '  # a secret: keep it out of shared code' : ''}`);
  }
  for (const topic of (socket.options.subscriptions as string[] | undefined) ?? []) lines.push(`sock.setsockopt(zmq.SUBSCRIBE, ${pyBytes(topic)})`);
  for (const g of (socket.options.groups as string[] | undefined) ?? []) lines.push(`sock.join(${pyBytes(g)})`);
  for (const e of endpointsOf(socket)) lines.push(`sock.${e.kind}(${str(e.endpoint)})`);
  lines.push('');
  if (t === 'RADIO') lines.push(`sock.send(b"hello", group=${str(((socket.options.groups as string[] | undefined) ?? [])[0] ?? 'news')})`);
  else if (SENDS_FIRST.has(t)) lines.push(SINGLE.has(t) ? 'sock.send(b"hello")' : 'sock.send_multipart([b"hello"])');
  if (RECEIVES.has(t)) lines.push(SINGLE.has(t) ? 'print(sock.recv())' : 'print(sock.recv_multipart())');
  if (t === 'REP') lines.push('sock.send_multipart([b"world"])');
  lines.push('sock.close()');
  return lines.join('\n') + '\n';
}

const SINGLE: ReadonlySet<SocketType> = new Set(['SERVER', 'CLIENT', 'RADIO', 'DISH', 'GATHER', 'SCATTER', 'PEER', 'CHANNEL']);

function node(socket: SocketInfo, from: string): string {
  const t = socket.type;
  const cls = CLASS[t];
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(savedOptions(socket, true))) if (!CALL_OPTIONS.has(name) && value !== undefined) options[name] = value;
  const lines = ['// An ES module (top-level await): save it as a .mjs file.', `import { ${cls} } from ${str(from)};`, ''];
  const opts = Object.keys(options).length ? `{\n${Object.entries(options).map(([k, v]) => `  ${k}: ${JSON.stringify(v)},${SECRETS.has(k) ? ' // a secret: keep it out of shared code' : ''}`).join('\n')}\n}` : '';
  lines.push(`const sock = new ${cls}(${opts});`);
  const subs = (socket.options.subscriptions as string[] | undefined) ?? [];
  if (subs.length) lines.push(`sock.subscribe(${subs.map(str).join(', ')});`);
  const groups = (socket.options.groups as string[] | undefined) ?? [];
  if (groups.length) lines.push(`sock.join(${groups.map(str).join(', ')});`);
  for (const e of endpointsOf(socket)) lines.push(e.kind === 'bind' ? `await sock.bind(${str(e.endpoint)});` : `sock.connect(${str(e.endpoint)});`);
  lines.push('');
  if (t === 'RADIO') lines.push(`await sock.send("hello", { group: ${str(groups[0] ?? 'news')} });`);
  else if (SENDS_FIRST.has(t)) lines.push(SINGLE.has(t) ? 'await sock.send("hello");' : 'await sock.send(["hello"]);');
  if (RECEIVES.has(t)) lines.push('console.log((await sock.receive()).map(String));');
  if (t === 'REP') lines.push('await sock.send(["world"]);');
  lines.push('sock.close();');
  return lines.join('\n') + '\n';
}

export function socketAsCode(socket: SocketInfo, language: CodeLanguage): string {
  if (language === 'pyzmq') return pyzmq(socket);
  if (language === 'zeromq.js') return node(socket, DRAFT.has(socket.type) ? 'zeromq/draft' : 'zeromq');
  // The engine's entries mirror zeromq.js's: zeromq/draft's types from ./draft, PEER and CHANNEL (which
  // zeromq.js lacks) from ./extras.
  const t = socket.type;
  return node(socket, t === 'PEER' || t === 'CHANNEL' ? 'zmq-inspector/extras' : DRAFT.has(t) ? 'zmq-inspector/draft' : 'zmq-inspector');
}
