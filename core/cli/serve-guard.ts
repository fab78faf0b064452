// Who `zmtp serve` answers. Every request must name this server in its Host header (a DNS-rebinding page
// names its own domain), a browser's Origin must be that same host, and the API and WebSocket need the
// token stated in the request itself: a header, the query or a WebSocket subprotocol. The cookie only
// lets the page's own static assets load: cookies are not port-scoped, so another local web server the
// browser visits receives it too, and must get nothing but the UI's public files with it.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

/** The WebSocket subprotocol the page offers with `zmtp-token.<token>`; the server selects this one. */
export const WS_PROTOCOL = 'zmtp';
const WS_TOKEN_PREFIX = 'zmtp-token.';

export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The cookie's name carries the port, so two serve runs on one host do not overwrite each other's. */
export function cookieName(port: number): string {
  return `zmtp_token_${port}`;
}

function cookieToken(req: IncomingMessage, port: number): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${cookieName(port)}=([A-Za-z0-9_-]+)`).exec(req.headers.cookie ?? '');
  return m?.[1];
}

function subprotocolToken(req: IncomingMessage): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  return offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
}

/** The token stated by the request itself: x-zmtp-token header, ?token= or (WebSocket) subprotocol. */
export function statesToken(req: IncomingMessage, url: URL, token: string): boolean {
  return (
    tokenMatches(req.headers['x-zmtp-token'] as string | undefined, token) ||
    tokenMatches(url.searchParams.get('token'), token) ||
    tokenMatches(subprotocolToken(req), token)
  );
}

/** Static assets also come with the cookie the page set (a `<script src>` cannot carry a header). */
export function mayLoadAsset(req: IncomingMessage, url: URL, token: string, port: number): boolean {
  return statesToken(req, url, token) || tokenMatches(cookieToken(req, port), token);
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * The Host header values that name this server: the address it listens on, the name it was given with
 * --host, localhost, and every local address and the machine's host name when it listens on all of
 * them (0.0.0.0 or ::).
 */
export function allowedHosts(givenHost: string, address: string, port: number): Set<string> {
  const names = new Set<string>(['localhost', givenHost.toLowerCase(), bracketed(address)]);
  if (address === '0.0.0.0' || address === '::') {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracketed(a.address.toLowerCase()));
  }
  if (address === '127.0.0.1' || address === '::1' || givenHost === 'localhost') for (const n of ['127.0.0.1', '[::1]']) names.add(n);
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    if (port === 80) hosts.add(n);
  }
  return hosts;
}

/** Why a request is refused before its token is even looked at, or null when Host and Origin are ours. */
export function hostOrOriginProblem(req: IncomingMessage, hosts: Set<string>): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) return `this server does not answer for Host '${host}' (open the URL zmtp serve printed)`;
  const origin = req.headers.origin;
  // Browsers send Origin with every WebSocket and cross-site request; tools without one must state the token.
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return `requests from the page at ${origin} are not accepted`;
  return null;
}
