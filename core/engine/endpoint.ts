// Endpoint strings ("tcp://127.0.0.1:5555", "ipc:///tmp/x", "inproc://name", ...) parsed into what a
// transport needs, with a clear error for every malformed or unsupported one (libzmq answers EINVAL
// for a malformed address and EPROTONOSUPPORT for an unknown transport).
import net from 'node:net';
import { zmqError } from './errors.js';

export type Endpoint =
  | { transport: 'tcp'; /** host as written ('*' for any), without IPv6 brackets */ host: string; /** 0 = any ('*' or 0) */ port: number; address: string }
  | { transport: 'ipc'; /** filesystem path, or '\0name' for a Linux abstract socket; '*' = pick one (bind) */ path: string; address: string }
  | { transport: 'inproc'; name: string; address: string }
  | { transport: 'udp'; host: string; port: number; address: string }
  | { transport: 'ws'; host: string; port: number; path: string; address: string }
  | { transport: 'wss'; host: string; port: number; path: string; address: string };

const TRANSPORTS = ['tcp', 'ipc', 'inproc', 'udp', 'ws', 'wss'];

/** Splits "host:port" where host may be "[v6]" or "*"; throws EINVAL with the reason. */
function hostPort(rest: string, address: string, allowWildcardPort: boolean): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw zmqError('EINVAL', `invalid endpoint ${address}: IPv6 host must be written [addr]:port`, address);
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (!net.isIPv6(host)) throw zmqError('EINVAL', `invalid endpoint ${address}: '${host}' is not an IPv6 address`, address);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon < 0) throw zmqError('EINVAL', `invalid endpoint ${address}: missing port, expected host:port`, address);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(':')) throw zmqError('EINVAL', `invalid endpoint ${address}: IPv6 host must be in brackets, e.g. tcp://[::1]:5555`, address);
  }
  if (host.length === 0) throw zmqError('EINVAL', `invalid endpoint ${address}: empty host`, address);
  if (host.includes(';')) throw zmqError('EINVAL', `invalid endpoint ${address}: source addresses (src;dst) are not supported`, address);
  let port: number;
  if (portText === '*' || portText === '0') {
    if (!allowWildcardPort) throw zmqError('EINVAL', `invalid endpoint ${address}: a wildcard port can only be bound, not connected to`, address);
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
 * Parses an endpoint. `forBind` allows the wildcards ('*' host or port, 'ipc://*').
 * Throws a ZmqError (EINVAL / EPROTONOSUPPORT) naming the problem.
 */
export function parseEndpoint(address: unknown, forBind: boolean): Endpoint {
  if (typeof address !== 'string') throw zmqError('EINVAL', `endpoint must be a string, got ${address === null ? 'null' : typeof address}`);
  const sep = address.indexOf('://');
  if (sep <= 0) throw zmqError('EINVAL', `invalid endpoint '${address}': expected transport://address, e.g. tcp://127.0.0.1:5555`, address);
  const transport = address.slice(0, sep);
  const rest = address.slice(sep + 3);
  if (!TRANSPORTS.includes(transport)) {
    throw zmqError('EPROTONOSUPPORT', `unsupported transport '${transport}' in ${address} (supported: tcp, ipc, inproc, ws, wss, udp)`, address);
  }
  if (rest.length === 0) throw zmqError('EINVAL', `invalid endpoint ${address}: empty address`, address);
  switch (transport) {
    case 'tcp': {
      const { host, port } = hostPort(rest, address, forBind);
      if (!forBind && host === '*') throw zmqError('EINVAL', `invalid endpoint ${address}: cannot connect to '*', give the peer's address`, address);
      return { transport, host, port, address };
    }
    case 'udp': {
      const { host, port } = hostPort(rest, address, forBind);
      return { transport, host, port, address };
    }
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

/** The endpoint string libzmq reports for a bound tcp address (ZMQ_LAST_ENDPOINT). */
export function tcpEndpointString(host: string, port: number): string {
  return net.isIPv6(host) ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

export function ipcEndpointString(path: string): string {
  return path.startsWith('\0') ? `ipc://@${path.slice(1)}` : `ipc://${path}`;
}
