// udp:// transport for RADIO (connect: sends) and DISH (bind: receives), as libzmq's udp_engine does it:
// one datagram per message, laid out as [group length (1 byte)][group][body]. Unicast and multicast
// (a DISH bound to a multicast address joins that group on all interfaces; a RADIO connected to one
// sends with multicastHops as TTL, loopback on). No handshake, no JOIN/LEAVE: a DISH gets every
// datagram and filters on its joined groups; a RADIO sends every group. Datagrams beyond libzmq's
// 8192-byte receive buffer are not sent (a libzmq DISH would read them truncated); short or
// inconsistent datagrams are dropped. Like the udp engine, nothing is queued for an absent peer.
//
// DGRAM (libzmq's raw udp mode) binds or connects a plain UDP socket: a message is [address, body], the
// address "ip:port" saying where a datagram came from or goes to, and the datagram is the body alone.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { zmqError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketEvent } from '../monitor.js';
import type { CommonOptionValues } from '../option-table.js';

type UdpEndpoint = Extract<Endpoint, { transport: 'udp' }>;

/** libzmq's MAX_UDP_MSG. */
export const MAX_UDP_MESSAGE = 8192;

/** What the udp transport needs from its socket. */
export interface UdpHost {
  readonly typeName: string;
  readonly options: CommonOptionValues;
  makePipe(): [Pipe, Pipe];
  attachPipe(socketEnd: Pipe): void;
  emit(event: SocketEvent): void;
}

export interface UdpHandle {
  /** The endpoint as lastEndpoint reports it (wildcard port resolved). */
  readonly endpoint: string;
  close(): void;
}

export function encodeDatagram(group: Buffer, body: Buffer): Buffer | undefined {
  if (group.length > 255 || 1 + group.length + body.length > MAX_UDP_MESSAGE) return undefined;
  const out = Buffer.allocUnsafe(1 + group.length + body.length);
  out[0] = group.length;
  group.copy(out, 1);
  body.copy(out, 1 + group.length);
  return out;
}

/** [group, body], or undefined for a datagram too short for the group length it announces. */
export function decodeDatagram(data: Buffer): Msg | undefined {
  if (data.length < 1) return undefined;
  const len = data[0];
  if (data.length - 1 < len) return undefined;
  return [Buffer.from(data.subarray(1, 1 + len)), Buffer.from(data.subarray(1 + len))];
}

function isMulticast(host: string): boolean {
  if (net.isIPv4(host)) {
    const first = Number(host.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return net.isIPv6(host) && /^ff/i.test(host);
}

async function resolve(host: string, address: string, ipv6: boolean): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await dns.lookup(host, { family: ipv6 ? 0 : 4 })).address;
  } catch {
    throw zmqError('EINVAL', `cannot resolve host '${host}' in ${address}`, address);
  }
}

function endpointString(host: string, port: number): string {
  return net.isIPv6(host) ? `udp://[${host}]:${port}` : `udp://${host}:${port}`;
}

function socketFor(host: string, reuseAddr: boolean): dgram.Socket {
  return dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr });
}

/** "ip:port" of a datagram's sender, as DGRAM sockets receive it: NUL-terminated, exactly as libzmq gives it. */
function addressFrame(rinfo: dgram.RemoteInfo): Buffer {
  return Buffer.from(rinfo.family === 'IPv6' ? `[${rinfo.address}]:${rinfo.port}\0` : `${rinfo.address}:${rinfo.port}\0`, 'latin1');
}

/** Parses a DGRAM address frame "ip:port" / "[ipv6]:port"; undefined when it is not one (the message is dropped). */
export function parseAddressFrame(frame: Buffer): { host: string; port: number } | undefined {
  // A received address frame can be sent back as it is: its NUL terminator is allowed.
  const text = frame.toString('latin1').replace(/\0$/, '');
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return undefined;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (!net.isIP(host) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** DGRAM: sends [address, body] messages as datagrams from `sock`, dropping those with a bad address. */
function dgramSender(sock: dgram.Socket, ipv6: boolean, engineEnd: Pipe, isClosed: () => boolean): () => void {
  return () => {
    for (let msg = engineEnd.read(); msg !== undefined; msg = engineEnd.read()) {
      if (isClosed() || msg.length !== 2) continue;
      const to = parseAddressFrame(msg[0]);
      if (!to || msg[1].length > 65507) continue;
      if (net.isIPv6(to.host) !== ipv6) continue;
      sock.send(msg[1], to.port, to.host);
    }
  };
}

/** The pipe between the socket and one udp socket, and how to close both once. */
function udpPipe(host: UdpHost, sock: dgram.Socket, endpoint: string, peerSocketType: string) {
  const [socketEnd, engineEnd] = host.makePipe();
  socketEnd.endpoint = endpoint;
  engineEnd.endpoint = endpoint;
  socketEnd.peerSocketType = peerSocketType;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      sock.close();
    } catch {
      /* already closed */
    }
    engineEnd.terminate();
  };
  return { socketEnd, engineEnd, close, isClosed: () => closed };
}

/** DISH: receives datagrams on the endpoint (udp://*:port, udp://ip:port, udp://multicast-ip:port); DGRAM also sends. */
export async function bindUdp(host: UdpHost, ep: UdpEndpoint): Promise<UdpHandle> {
  const raw = host.typeName === 'DGRAM';
  if (host.typeName !== 'DISH' && !raw) {
    throw zmqError(
      'ENOCOMPATPROTO',
      `udp:// binds are for DISH and DGRAM sockets only (RADIO connects), not ${host.typeName}: ${ep.address}`,
      ep.address,
    );
  }
  const ipv6 = host.options.ipv6;
  const target = ep.host === '*' ? (ipv6 ? '::' : '0.0.0.0') : await resolve(ep.host, ep.address, ipv6);
  const multicast = isMulticast(target);
  const sock = socketFor(target, multicast);
  await new Promise<void>((resolveBind, reject) => {
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code === 'EADDRINUSE' ? 'EADDRINUSE' : err.code === 'EADDRNOTAVAIL' ? 'EADDRNOTAVAIL' : 'EINVAL';
      reject(zmqError(code, `cannot bind ${ep.address}: ${err.message}`, ep.address));
    });
    // A multicast group is joined on a socket bound to the wildcard address, as libzmq does.
    sock.bind({ port: ep.port, address: multicast ? (net.isIPv6(target) ? '::' : '0.0.0.0') : target }, () => resolveBind());
  });
  sock.removeAllListeners('error');
  if (multicast) {
    try {
      sock.addMembership(target);
    } catch (e) {
      sock.close();
      throw zmqError('EINVAL', `cannot join multicast group ${target} for ${ep.address}: ${(e as Error).message}`, ep.address);
    }
  }
  const port = sock.address().port;
  const endpoint = endpointString(ep.host === '*' ? target : ep.host, port);
  const { socketEnd, engineEnd, close, isClosed } = udpPipe(host, sock, endpoint, raw ? 'DGRAM' : 'RADIO');
  engineEnd.owner = {
    // The DISH's JOIN/LEAVE messages have no meaning on udp: every datagram arrives and the DISH filters.
    readActivated: raw
      ? dgramSender(sock, net.isIPv6(target), engineEnd, isClosed)
      : () => {
          while (engineEnd.read() !== undefined);
        },
    writeActivated: () => {},
    pipeTerminated: close,
  };
  sock.on('message', (data, rinfo) => {
    const msg = raw ? [addressFrame(rinfo), data] : decodeDatagram(data);
    // Lossy like libzmq's udp engine: malformed datagrams and datagrams finding the pipe full are dropped.
    if (msg) engineEnd.write(msg);
  });
  sock.on('error', () => {
    /* a datagram error does not stop the socket */
  });
  host.attachPipe(socketEnd);
  engineEnd.owner.readActivated(engineEnd);
  return { endpoint, close };
}

/** RADIO: sends every message as a datagram to the endpoint (unicast or multicast). Synchronous, like connect(). */
export function connectUdp(host: UdpHost, ep: UdpEndpoint): UdpHandle {
  const raw = host.typeName === 'DGRAM';
  if (host.typeName !== 'RADIO' && !raw) {
    throw zmqError(
      'ENOCOMPATPROTO',
      `udp:// connects are for RADIO and DGRAM sockets only (DISH binds), not ${host.typeName}: ${ep.address}`,
      ep.address,
    );
  }
  if (ep.host === '*' || ep.port === 0)
    throw zmqError('EINVAL', `invalid endpoint ${ep.address}: a udp destination needs a host and a port`, ep.address);
  // A host name is resolved by dgram on each send; IPv6 only when written as an IPv6 address.
  const sock = socketFor(ep.host, false);
  sock.on('listening', () => {
    if (!isMulticast(ep.host)) return;
    try {
      sock.setMulticastTTL(Math.max(1, host.options.multicastHops));
      sock.setMulticastLoopback(true);
    } catch {
      /* not fatal: defaults apply */
    }
  });
  sock.bind(0);
  // RadioType sends every group to a pipe whose endpoint is udp:// (libzmq's subscribe-to-all udp pipes).
  const { socketEnd, engineEnd, close, isClosed } = udpPipe(host, sock, ep.address, raw ? 'DGRAM' : 'DISH');
  const drain = () => {
    for (let msg = engineEnd.read(); msg !== undefined; msg = engineEnd.read()) {
      if (isClosed() || msg.length !== 2) continue;
      const datagram = encodeDatagram(msg[0], msg[1]);
      if (datagram) sock.send(datagram, ep.port, ep.host);
    }
  };
  engineEnd.owner = {
    readActivated: raw ? dgramSender(sock, net.isIPv6(ep.host), engineEnd, isClosed) : drain,
    writeActivated: () => {},
    pipeTerminated: close,
  };
  // DGRAM: answers to what it sent come back to its ephemeral port.
  if (raw)
    sock.on('message', (data, rinfo) => {
      engineEnd.write([addressFrame(rinfo), data]);
    });
  sock.on('error', () => {
    /* e.g. ICMP port unreachable on a later send: datagrams are fire and forget */
  });
  host.attachPipe(socketEnd);
  return { endpoint: ep.address, close };
}
