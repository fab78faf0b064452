// "Copy as code": a workbench socket (type, options, endpoints) as a short program in pyzmq, zeromq.js or
// this engine's own API, ending with one example exchange so it runs as it is. Option names map to each
// API's own (pyzmq's socket attributes from the option table's pyzmq column; zeromq.js's are the host's).
// Types only from the host protocol: its values bring zod, whose eval probe the page's CSP reports as an error.
import type { SocketInfo, SocketType } from '../../../../core/host/protocol.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE } from '../../../../core/engine/socket-type-table.js';
import { OPTIONS, isOptionName } from '../../../../core/engine/option-table.js';
import { SECRET_OPTIONS, savedOptions } from './workspace.js';

export type CodeLanguage = 'pyzmq' | 'zeromq.js' | 'engine';
export const CODE_LANGUAGES: { id: CodeLanguage; label: string }[] = [
  { id: 'pyzmq', label: 'Python (pyzmq)' },
  { id: 'zeromq.js', label: 'Node (zeromq.js v6)' },
  { id: 'engine', label: 'Node (this engine)' },
];

/** zeromq.js v6 class names (this engine exports the same), draft and single-part types: from the type table. */
const CLASS = (t: SocketType): string => SOCKET_TYPE_TABLE[t].className;
const DRAFT: ReadonlySet<SocketType> = new Set(SOCKET_TYPE_NAMES.filter((t) => SOCKET_TYPE_TABLE[t].draft));
const SINGLE: ReadonlySet<SocketType> = new Set(SOCKET_TYPE_NAMES.filter((t) => SOCKET_TYPE_TABLE[t].singlePart));

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

/**
 * The pyzmq statement that sets option `name` (its attribute from the option table), '' when the value is
 * null (unset: libzmq's default), or undefined when pyzmq has no attribute for it.
 */
function pyzmqSetting(name: string, value: unknown): string | undefined {
  if (!isOptionName(name)) return undefined;
  const spec: { pyzmq?: string | { readonly [value: string]: string }; kind: { type: string } } = OPTIONS[name];
  if (spec.pyzmq === undefined) return undefined;
  if (value === null) return '';
  // An enum is one libzmq option per value, set to 1 (XPUB verbosity: xpub_verbose or xpub_verboser).
  if (typeof spec.pyzmq !== 'string') return spec.pyzmq[String(value)] === undefined ? undefined : `sock.${spec.pyzmq[String(value)]} = 1`;
  const type = spec.kind.type;
  const literal = type === 'int' ? String(Math.trunc(Number(value))) : type === 'bool' ? (value ? '1' : '0') : pyBytes(String(value));
  return `sock.${spec.pyzmq} = ${literal}`;
}

/** Endpoints as the code should use them: binds as asked (a wildcard gets a free port), connects as made. */
function endpointsOf(socket: SocketInfo): { kind: 'bind' | 'connect'; endpoint: string }[] {
  return socket.endpoints.map((e) => ({ kind: e.kind, endpoint: e.kind === 'bind' ? e.requested : e.endpoint }));
}

const SENDS_FIRST: ReadonlySet<SocketType> = new Set(['REQ', 'PUSH', 'PUB', 'DEALER', 'PAIR', 'CLIENT', 'SCATTER', 'RADIO', 'CHANNEL']);
const RECEIVES: ReadonlySet<SocketType> = new Set([
  'REQ',
  'REP',
  'PULL',
  'SUB',
  'DEALER',
  'ROUTER',
  'PAIR',
  'SERVER',
  'CLIENT',
  'GATHER',
  'DISH',
  'XPUB',
  'STREAM',
  'PEER',
  'CHANNEL',
  'DGRAM',
]);

function pyzmq(socket: SocketInfo): string {
  const t = socket.type;
  const lines = ['import zmq', ''];
  if (DRAFT.has(t)) lines.push(`# ${t} is a draft socket type: pyzmq and libzmq must be built with draft support`);
  lines.push('ctx = zmq.Context.instance()', `sock = ctx.socket(zmq.${t})`);
  for (const [name, value] of Object.entries(savedOptions(socket, true))) {
    if (CALL_OPTIONS.has(name) || value === undefined) continue;
    const setting = pyzmqSetting(name, value);
    if (setting === undefined) {
      lines.push(`# option ${name} = ${JSON.stringify(value)} has no pyzmq attribute here`);
      continue;
    }
    if (setting) lines.push(`${setting}${SECRETS.has(name) ? '  # a secret: keep it out of shared code' : ''}`);
  }
  for (const topic of (socket.options.subscriptions as string[] | undefined) ?? [])
    lines.push(`sock.setsockopt(zmq.SUBSCRIBE, ${pyBytes(topic)})`);
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

/**
 * The zeromq.js statement for an option zeromq.js v6 has no property for (the table's `zeromqJs: false`):
 * its numbered accessor, which libzmq behind it takes. Undefined for an option zeromq.js has as a property.
 */
function zeromqJsNumbered(name: string, value: unknown): string | undefined {
  if (!isOptionName(name)) return undefined;
  const spec: { id: number | null; zeromqJs?: false; kind: { type: string } } = OPTIONS[name];
  if (spec.zeromqJs !== false || spec.id === null) return undefined;
  const setter = spec.kind.type === 'bool' ? 'setBoolOption' : spec.kind.type === 'int' ? 'setInt32Option' : 'setStringOption';
  return `sock.${setter}(${spec.id}, ${JSON.stringify(value)}); // ${name}: zeromq.js has no property for it`;
}

function node(socket: SocketInfo, from: string, numbered: boolean): string {
  const t = socket.type;
  const cls = CLASS(t);
  const options: Record<string, unknown> = {};
  const settings: string[] = [];
  for (const [name, value] of Object.entries(savedOptions(socket, true))) {
    if (CALL_OPTIONS.has(name) || value === undefined) continue;
    const setting = numbered ? zeromqJsNumbered(name, value) : undefined;
    if (setting) settings.push(`${setting}${SECRETS.has(name) ? ' (a secret: keep it out of shared code)' : ''}`);
    else options[name] = value;
  }
  const lines = ['// An ES module (top-level await): save it as a .mjs file.', `import { ${cls} } from ${str(from)};`, ''];
  const opts = Object.keys(options).length
    ? `{\n${Object.entries(options)
        .map(([k, v]) => `  ${k}: ${JSON.stringify(v)},${SECRETS.has(k) ? ' // a secret: keep it out of shared code' : ''}`)
        .join('\n')}\n}`
    : '';
  lines.push(`const sock = new ${cls}(${opts});`, ...settings);
  const subs = (socket.options.subscriptions as string[] | undefined) ?? [];
  if (subs.length) lines.push(`sock.subscribe(${subs.map(str).join(', ')});`);
  const groups = (socket.options.groups as string[] | undefined) ?? [];
  if (groups.length) lines.push(`sock.join(${groups.map(str).join(', ')});`);
  for (const e of endpointsOf(socket))
    lines.push(e.kind === 'bind' ? `await sock.bind(${str(e.endpoint)});` : `sock.connect(${str(e.endpoint)});`);
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
  if (language === 'zeromq.js') return node(socket, DRAFT.has(socket.type) ? 'zeromq/draft' : 'zeromq', true);
  // The engine's entries mirror zeromq.js's: zeromq/draft's types from ./draft, PEER and CHANNEL (which
  // zeromq.js lacks) from ./extras.
  const t = socket.type;
  return node(
    socket,
    t === 'PEER' || t === 'CHANNEL' ? 'zmq-inspector/extras' : DRAFT.has(t) ? 'zmq-inspector/draft' : 'zmq-inspector',
    false,
  );
}
