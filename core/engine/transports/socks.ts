// tcp:// connects through a SOCKS5 proxy (socksProxy, RFC 1928), with username/password authentication
// (socksUsername/socksPassword, RFC 1929), as libzmq's socks_connecter: we offer exactly one method (no
// authentication, or username/password when a user name is set), ask for a CONNECT to the endpoint's host
// as written (an IPv4 or IPv6 literal as an address, anything else as a domain name the proxy resolves),
// and once the proxy reports success the ZMTP stream continues on the same socket.
//
// Every byte the proxy sends is outside input: each reply is read to exactly its length (at most 262
// bytes), bytes the proxy sends out of turn are a protocol error, and every failure is a SocksError with
// a specific code. Bytes after the final reply (the peer's ZMTP greeting can share its packet) are left
// for the connection.
import net from 'node:net';
import type { SlabReader } from './reader.js';
import { timer as unrefTimer } from '../keepalive.js';
import type { Endpoint } from '../endpoint.js';
import type { CommonOptionValues } from '../option-table.js';

export type SocksErrorCode =
  /** socksProxy is not host:port (or an IPv6 proxy without the ipv6 option, which libzmq refuses too). */
  | 'ESOCKS_PROXY_ADDRESS'
  /** The endpoint's host does not fit a SOCKS5 request (a domain name over 255 bytes). */
  | 'ESOCKS_TARGET'
  /** The proxy closed the connection before the exchange finished. */
  | 'ESOCKS_CLOSED'
  /** The proxy accepts none of the methods we offered (0xFF), or picked one we did not offer. */
  | 'ESOCKS_METHOD'
  /** The proxy refused the user name and password. */
  | 'ESOCKS_AUTH'
  /** The proxy could not make the connection (its reply code is in `reply`). */
  | 'ESOCKS_CONNECT'
  /** The proxy sent bytes that are not SOCKS5 (wrong version, unknown address type, bytes out of turn). */
  | 'ESOCKS_PROTOCOL'
  /** The proxy did not finish the exchange in time. */
  | 'ESOCKS_TIMEOUT';

export class SocksError extends Error {
  constructor(
    readonly code: SocksErrorCode,
    message: string,
    /** ESOCKS_CONNECT: the proxy's reply code (RFC 1928 section 6). */
    readonly reply?: number,
  ) {
    super(message);
    this.name = 'SocksError';
  }
}

/** RFC 1928 section 6: what a CONNECT reply code means. */
const REPLY_TEXT: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const AUTH_VERSION = 1;
const CMD_CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_DOMAIN = 3;
const ATYP_IPV6 = 4;

export interface SocksProxyAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * socksProxy as libzmq reads it: host:port, an IPv6 host in brackets ([::1]:1080), a port 1 to 65535.
 * The text after the last ':' must be the port (libzmq reads digits only).
 */
export function parseSocksProxy(proxy: string, ipv6: boolean): SocksProxyAddress | SocksError {
  const bad = (why: string) => new SocksError('ESOCKS_PROXY_ADDRESS', `socksProxy ${JSON.stringify(proxy)} ${why}`);
  const colon = proxy.lastIndexOf(':');
  if (colon < 0) return bad('is not host:port');
  let host = proxy.slice(0, colon);
  const portText = proxy.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') return bad('has no host');
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return bad('has no port from 1 to 65535');
  if (net.isIPv6(host) && !ipv6) return bad('is an IPv6 address: set the ipv6 option');
  return { host, port: Number(portText) };
}

/** The CONNECT request for host:port (an address literal as an address, anything else as a domain name). */
export function connectRequest(host: string, port: number): Buffer | SocksError {
  let address: Buffer;
  if (net.isIPv4(host)) address = Buffer.from([ATYP_IPV4, ...host.split('.').map(Number)]);
  else if (net.isIPv6(host)) address = Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(host)]);
  else {
    const name = Buffer.from(host, 'utf8');
    if (name.length > 255)
      return new SocksError('ESOCKS_TARGET', `host name of ${name.length} bytes does not fit a SOCKS5 request (255 at most)`);
    address = Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
  }
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([VERSION, CMD_CONNECT, 0]), address, portBytes]);
}

/** The 16 bytes of an IPv6 literal (with :: and an IPv4 tail like ::ffff:1.2.3.4). */
function ipv6Bytes(text: string): Buffer {
  let s = text.split('%')[0];
  let tail: number[] = [];
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(2).map(Number);
    tail = [(a << 8) | b, (c << 8) | d];
    s = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const r = rest === undefined ? [] : words(rest);
  const zeros = rest === undefined ? 0 : 8 - tail.length - h.length - r.length;
  const out = Buffer.alloc(16);
  [...h, ...new Array<number>(zeros).fill(0), ...r, ...tail].forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

export interface SocksCredentials {
  readonly username: string;
  readonly password: string;
}

/** The greeting: one method, as libzmq offers it. */
function greeting(auth: SocksCredentials | null): Buffer {
  return Buffer.from([VERSION, 1, auth ? USER_PASS : NO_AUTH]);
}

/** RFC 1929's request (the option table holds both to 255 bytes). */
function authRequest(auth: SocksCredentials): Buffer {
  const u = Buffer.from(auth.username, 'utf8');
  const p = Buffer.from(auth.password, 'utf8');
  return Buffer.concat([Buffer.from([AUTH_VERSION, u.length]), u, Buffer.from([p.length]), p]);
}

type Step = 'choice' | 'auth' | 'reply';

/**
 * Runs the SOCKS5 exchange on a socket just connected to the proxy. Calls `done` once: with no error
 * and the socket ready for ZMTP (the reader holds any bytes after the reply), or with a SocksError
 * (the caller destroys the socket). Returns a function that abandons the exchange.
 */
export function socksHandshake(
  socket: net.Socket,
  reader: SlabReader,
  proxy: string,
  target: { host: string; port: number },
  auth: SocksCredentials | null,
  timeoutMs: number,
  done: (err?: SocksError) => void,
): () => void {
  const request = connectRequest(target.host, target.port);
  let step: Step = 'choice';
  let got: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (err?: SocksError, rest?: Buffer) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    socket.off('close', onClose);
    socket.off('error', onError);
    reader.detach(rest);
    done(err);
  };
  const fail = (code: SocksErrorCode, what: string, reply?: number) =>
    finish(new SocksError(code, `SOCKS5 proxy ${proxy}: ${what}`, reply));
  const onClose = () => fail('ESOCKS_CLOSED', `closed the connection while ${STEP_TEXT[step]}`);
  const onError = (e: Error) => fail('ESOCKS_CLOSED', `connection failed while ${STEP_TEXT[step]}: ${e.message}`);
  // 0: no limit (connectTimeout and handshakeInterval both 0), as libzmq, which never bounds the exchange.
  const timer =
    timeoutMs > 0
      ? unrefTimer(() => fail('ESOCKS_TIMEOUT', `no answer within ${timeoutMs} ms while ${STEP_TEXT[step]}`), timeoutMs)
      : undefined;
  socket.on('close', onClose);
  socket.on('error', onError);
  const abandon = () => finish(new SocksError('ESOCKS_CLOSED', 'abandoned'));
  if (request instanceof SocksError) {
    queueMicrotask(() => finish(request));
    return abandon;
  }

  /** The length of the reply being read, 0 while that is not known yet, -1 for an unknown address type. */
  const replyLength = (b: Buffer): number => {
    if (b.length < 4) return 0;
    if (b[3] === ATYP_IPV4) return 4 + 4 + 2;
    if (b[3] === ATYP_IPV6) return 4 + 16 + 2;
    if (b[3] === ATYP_DOMAIN) return b.length < 5 ? 0 : 4 + 1 + b[4] + 2;
    return -1;
  };

  const onChunk = (chunk: Buffer) => {
    if (finished) return;
    got = got.length ? Buffer.concat([got, chunk]) : chunk;
    if (step === 'choice') {
      if (got[0] !== VERSION) return fail('ESOCKS_PROTOCOL', `answered the greeting with version ${got[0]}, not 5`);
      if (got.length < 2) return;
      if (got.length > 2) return fail('ESOCKS_PROTOCOL', `sent ${got.length - 2} bytes more than its method choice`);
      const offered = auth ? USER_PASS : NO_AUTH;
      if (got[1] === NO_ACCEPTABLE)
        return fail(
          'ESOCKS_METHOD',
          auth ? 'does not accept username/password authentication' : 'requires authentication (set socksUsername and socksPassword)',
        );
      if (got[1] !== offered) return fail('ESOCKS_METHOD', `chose method ${got[1]}, which we did not offer (${offered})`);
      got = Buffer.alloc(0);
      if (auth) {
        step = 'auth';
        socket.write(authRequest(auth));
      } else {
        step = 'reply';
        socket.write(request);
      }
      return;
    }
    if (step === 'auth') {
      if (got[0] !== AUTH_VERSION) return fail('ESOCKS_PROTOCOL', `answered the username/password request with version ${got[0]}, not 1`);
      if (got.length < 2) return;
      if (got.length > 2) return fail('ESOCKS_PROTOCOL', `sent ${got.length - 2} bytes more than its authentication status`);
      if (got[1] !== 0) return fail('ESOCKS_AUTH', `refused user ${JSON.stringify(auth!.username)} (status ${got[1]})`);
      got = Buffer.alloc(0);
      step = 'reply';
      socket.write(request);
      return;
    }
    if (got[0] !== VERSION) return fail('ESOCKS_PROTOCOL', `answered the CONNECT request with version ${got[0]}, not 5`);
    if (got.length >= 2 && got[1] !== 0) {
      const text = REPLY_TEXT[got[1]] ?? 'an unassigned reply code';
      return fail('ESOCKS_CONNECT', `cannot connect to ${target.host}:${target.port}: ${text} (reply ${got[1]})`, got[1]);
    }
    if (got.length >= 3 && got[2] !== 0) return fail('ESOCKS_PROTOCOL', `reserved byte of its reply is ${got[2]}, not 0`);
    const length = replyLength(got);
    if (length < 0) return fail('ESOCKS_PROTOCOL', `reply has unknown address type ${got[3]}`);
    if (length === 0 || got.length < length) return;
    // The peer's first bytes may follow in the same read: they are ZMTP, for the connection.
    finish(undefined, got.length > length ? got.subarray(length) : undefined);
  };
  reader.attach({ directTarget: () => undefined, onDirect: (_n, data) => onChunk(data), onChunk });
  socket.write(greeting(auth));
  return abandon;
}

const STEP_TEXT: Record<Step, string> = {
  choice: 'we waited for its method choice',
  auth: 'we waited for its authentication status',
  reply: 'we waited for its CONNECT reply',
};

type TcpEndpoint = Extract<Endpoint, { transport: 'tcp' }>;

/** How one tcp connect goes through the proxy, from the socket's options at connect() time. */
export interface SocksRoute {
  /** socksProxy as written. */
  readonly proxy: string;
  /** What monitor events carry for this connect (libzmq names the proxy: tcp:// + socksProxy). */
  readonly eventAddress: string;
  /** The proxy to dial (unset when `problem` says why it cannot be). */
  readonly proxyEndpoint: TcpEndpoint;
  readonly target: { readonly host: string; readonly port: number };
  /** null: no authentication (no socksUsername, or an empty one, as libzmq). */
  readonly auth: SocksCredentials | null;
  /** Why no connect can be made (an unusable socksProxy); each attempt then fails and is retried. */
  readonly problem?: SocksError;
}

export function socksRoute(ep: TcpEndpoint, options: CommonOptionValues): SocksRoute {
  const proxy = options.socksProxy ?? '';
  const parsed = parseSocksProxy(proxy, options.ipv6);
  const username = options.socksUsername ?? '';
  const route = {
    proxy,
    eventAddress: `tcp://${proxy}`,
    target: { host: ep.host, port: ep.port },
    auth: username ? { username, password: options.socksPassword ?? '' } : null,
  };
  if (parsed instanceof SocksError)
    return { ...route, proxyEndpoint: { transport: 'tcp', host: '', port: 0, address: route.eventAddress }, problem: parsed };
  return { ...route, proxyEndpoint: { transport: 'tcp', host: parsed.host, port: parsed.port, address: route.eventAddress } };
}
