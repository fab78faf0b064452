// Endpoint strings ("tcp://127.0.0.1:5555", "ipc:///tmp/x", "inproc://name", ...) parsed into what a
// transport needs, with a clear error for every malformed or unsupported one (libzmq answers EINVAL
// for a malformed address and EPROTONOSUPPORT for an unknown transport).
import net from 'node:net';
import dns from 'node:dns/promises';
import { zmqError } from './errors.js';

export type Endpoint =
  | {
      transport: 'tcp';
      /** host as written ('*' for any), without IPv6 brackets */ host: string;
      /** 0 = any ('*' or 0) */ port: number;
      address: string;
    }
  | {
      transport: 'ipc';
      /** filesystem path, or '\0name' for a Linux abstract socket; '*' = pick one (bind) */ path: string;
      address: string;
    }
  | { transport: 'inproc'; name: string; address: string }
  | { transport: 'udp'; host: string; port: number; address: string }
  | { transport: 'ws'; host: string; port: number; path: string; address: string }
  | { transport: 'wss'; host: string; port: number; path: string; address: string }
  | PgmEndpoint;

/** pgm://IFACE;GROUP:PORT and epgm://IFACE;GROUP:PORT: the interface (address or name) and the IPv4 multicast group. */
export type PgmEndpoint = { iface: string; group: string; port: number; address: string } & ({ transport: 'pgm' } | { transport: 'epgm' });

const TRANSPORTS = ['tcp', 'ipc', 'inproc', 'udp', 'ws', 'wss', 'pgm', 'epgm'];

/** Splits "host:port" where host may be "[v6]" or "*"; throws EINVAL with the reason. */
function hostPort(rest: string, address: string, allowWildcardPort: boolean): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':')
      throw zmqError('EINVAL', `invalid endpoint ${address}: IPv6 host must be written [addr]:port`, address);
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (!net.isIPv6(host)) throw zmqError('EINVAL', `invalid endpoint ${address}: '${host}' is not an IPv6 address`, address);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon < 0) throw zmqError('EINVAL', `invalid endpoint ${address}: missing port, expected host:port`, address);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(':'))
      throw zmqError('EINVAL', `invalid endpoint ${address}: IPv6 host must be in brackets, e.g. tcp://[::1]:5555`, address);
  }
  if (host.length === 0) throw zmqError('EINVAL', `invalid endpoint ${address}: empty host`, address);
  if (host.includes(';')) throw zmqError('EINVAL', `invalid endpoint ${address}: source addresses (src;dst) are not supported`, address);
  let port: number;
  if (portText === '*' || portText === '0') {
    if (!allowWildcardPort)
      throw zmqError('EINVAL', `invalid endpoint ${address}: a wildcard port can only be bound, not connected to`, address);
    port = 0;
  } else if (/^[0-9]{1,5}$/.test(portText) && Number(portText) <= 65535) {
    port = Number(portText);
  } else {
    throw zmqError('EINVAL', `invalid endpoint ${address}: port '${portText}' is not a number from 1 to 65535 or '*'`, address);
  }
  if (host !== '*' && !net.isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?$/.test(host)) {
    throw zmqError('EINVAL', `invalid endpoint ${address}: '${host}' is not a valid host name or address`, address);
  }
  return { host, port };
}

/**
 * "transport://rest" split, with libzmq's errors for what no endpoint can be: EINVAL for a non-string, no
 * '://' or an empty address, EPROTONOSUPPORT for an unknown transport. unbind()/disconnect() check only
 * this much (libzmq's term_endpoint): anything else that matches no endpoint is ENOENT, not EINVAL.
 */
export function splitEndpoint(address: unknown): { transport: string; rest: string; address: string } {
  if (typeof address !== 'string') throw zmqError('EINVAL', `endpoint must be a string, got ${address === null ? 'null' : typeof address}`);
  const sep = address.indexOf('://');
  if (sep <= 0) throw zmqError('EINVAL', `invalid endpoint '${address}': expected transport://address, e.g. tcp://127.0.0.1:5555`, address);
  const transport = address.slice(0, sep);
  const rest = address.slice(sep + 3);
  if (!TRANSPORTS.includes(transport)) {
    throw zmqError(
      'EPROTONOSUPPORT',
      `unsupported transport '${transport}' in ${address} (supported: tcp, ipc, inproc, ws, wss, udp, epgm)`,
      address,
    );
  }
  if (rest.length === 0) throw zmqError('EINVAL', `invalid endpoint ${address}: empty address`, address);
  return { transport, rest, address };
}

/**
 * Parses an endpoint. `forBind` allows the wildcards ('*' host or port, 'ipc://*').
 * Throws a ZmqError (EINVAL / EPROTONOSUPPORT) naming the problem.
 */
export function parseEndpoint(given: unknown, forBind: boolean): Endpoint {
  const { transport, rest, address } = splitEndpoint(given);
  switch (transport) {
    case 'tcp': {
      const { host, port } = hostPort(rest, address, forBind);
      if (!forBind && host === '*')
        throw zmqError('EINVAL', `invalid endpoint ${address}: cannot connect to '*', give the peer's address`, address);
      return { transport, host, port, address };
    }
    case 'udp': {
      const { host, port } = hostPort(rest, address, forBind);
      return { transport, host, port, address };
    }
    case 'pgm':
    case 'epgm':
      return parsePgmEndpoint(transport, rest, address);
    case 'ws':
    case 'wss': {
      const slash = rest.indexOf('/');
      const hp = slash < 0 ? rest : rest.slice(0, slash);
      const { host, port } = hostPort(hp, address, forBind);
      return { transport, host, port, path: slash < 0 ? '/' : rest.slice(slash), address };
    }
    case 'ipc': {
      if (rest === '*') {
        if (!forBind) throw zmqError('EINVAL', `invalid endpoint ${address}: cannot connect to ipc://*`, address);
        return { transport, path: '*', address };
      }
      if (rest.includes('\0')) throw zmqError('EINVAL', `invalid endpoint ${address}: NUL byte in path`, address);
      // libzmq: a leading '@' names a Linux abstract socket.
      const path = rest.startsWith('@') ? '\0' + rest.slice(1) : rest;
      if (Buffer.byteLength(path) > 107) throw zmqError('EINVAL', `invalid endpoint ${address}: ipc path longer than 107 bytes`, address);
      return { transport, path, address };
    }
    default: {
      return { transport: 'inproc', name: rest, address };
    }
  }
}

/**
 * "IFACE;GROUP:PORT" as libzmq's pgm_socket_t reads it (the port after the last ':', the network before it
 * handed to OpenPGM): IFACE an IPv4 address or an interface name, GROUP an IPv4 multicast address.
 * Bind and connect mean the same on these transports, so there is no wildcard.
 */
function parsePgmEndpoint(transport: 'pgm' | 'epgm', rest: string, address: string): PgmEndpoint {
  const example = `${transport}://eth0;239.192.1.1:5555 or ${transport}://192.168.1.2;239.192.1.1:5555`;
  const colon = rest.lastIndexOf(':');
  const semi = rest.indexOf(';');
  if (semi < 0 || colon < semi)
    throw zmqError('EINVAL', `invalid endpoint ${address}: expected IFACE;GROUP:PORT, e.g. ${example}`, address);
  const iface = rest.slice(0, semi);
  const group = rest.slice(semi + 1, colon);
  const portText = rest.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw zmqError('EINVAL', `invalid endpoint ${address}: port '${portText}' is not a number from 1 to 65535`, address);
  }
  if (iface.length === 0 || !(net.isIPv4(iface) || /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}$/.test(iface))) {
    throw zmqError(
      'EINVAL',
      `invalid endpoint ${address}: '${iface}' is neither an IPv4 address nor an interface name, e.g. ${example}`,
      address,
    );
  }
  if (!net.isIPv4(group) || Number(group.split('.')[0]) < 224 || Number(group.split('.')[0]) > 239) {
    throw zmqError(
      'EINVAL',
      `invalid endpoint ${address}: '${group}' is not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)`,
      address,
    );
  }
  return { transport, iface, group, port: Number(portText), address };
}

/** The endpoint string libzmq reports for a bound tcp address (ZMQ_LAST_ENDPOINT). */
export function tcpEndpointString(host: string, port: number): string {
  return net.isIPv6(host) ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

export function ipcEndpointString(path: string): string {
  return path.startsWith('\0') ? `ipc://@${path.slice(1)}` : `ipc://${path}`;
}

/**
 * libzmq's term_endpoint looks an unbind/disconnect address up as given, then (tcp only) as the address it
 * resolves to, written the way a bound endpoint is: so "tcp://localhost:P" or "tcp://127.0.0.1:0P" unbinds
 * "tcp://127.0.0.1:P", while "tcp://*:P" and "tcp://lo:P" name no single address and match only as given.
 * This is that second form for numeric hosts and 'localhost' (no lookup needed); undefined otherwise.
 */
export function resolvedTcpEndpoint(address: string, ipv6: boolean): string | undefined {
  const hp = tcpHostPort(address);
  if (!hp) return undefined;
  if (hp.host === 'localhost' && !ipv6) return tcpEndpointString('127.0.0.1', hp.port);
  const numeric = canonicalIp(hp.host, ipv6);
  return numeric === undefined ? undefined : tcpEndpointString(numeric, hp.port);
}

/** resolvedTcpEndpoint, looking host names up (IPv4 only unless `ipv6`, as libzmq resolves them). */
export async function lookUpTcpEndpoint(address: string, ipv6: boolean): Promise<string | undefined> {
  const known = resolvedTcpEndpoint(address, ipv6);
  const hp = tcpHostPort(address);
  if (known !== undefined || !hp || hp.host === '*' || net.isIP(hp.host) || hp.host.includes(':')) return known;
  try {
    const found = await dns.lookup(hp.host, { family: ipv6 ? 0 : 4 });
    return tcpEndpointString(found.address, hp.port);
  } catch {
    return undefined;
  }
}

/**
 * Host and port of "tcp://host:port"; undefined when not that. The port is read as libzmq reads it here
 * (strtoul): leading zeros allowed, and whatever follows the digits ignored ("tcp://127.0.0.1:5555/x").
 */
function tcpHostPort(address: string): { host: string; port: number } | undefined {
  if (!address.startsWith('tcp://')) return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]+)/.exec(address.slice(6));
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

/** An IP address in the form Node reports a bound one; undefined when `host` is not one (or IPv6 is off). */
function canonicalIp(host: string, ipv6: boolean): string | undefined {
  if (net.isIPv4(host)) return host;
  if (!ipv6 || !net.isIPv6(host)) return undefined;
  try {
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}
