// tcp:// transport: IPv4, IPv6, wildcard host and port, interface names and host names like libzmq.
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { zmqError } from '../errors.js';
import { tcpEndpointString, type Endpoint } from '../endpoint.js';
import { reportAcceptErrors, serverListening, type Listener } from './stream.js';
import { adoptAccepted, connectWithReader } from './reader.js';
import type { CommonOptionValues } from '../option-table.js';

type TcpEndpoint = Extract<Endpoint, { transport: 'tcp' }>;

async function resolveBindHost(host: string, ipv6: boolean, address: string): Promise<string> {
  if (host === '*') return ipv6 ? '::' : '0.0.0.0';
  if (net.isIP(host)) {
    if (net.isIPv6(host) && !ipv6) throw zmqError('EINVAL', `cannot bind ${address}: IPv6 address needs the ipv6 option`, address);
    return host;
  }
  // An interface name (libzmq accepts "eth0", "lo").
  const nic = os.networkInterfaces()[host];
  if (nic) {
    const pick = nic.find((a) => a.family === 'IPv4') ?? (ipv6 ? nic.find((a) => a.family === 'IPv6') : undefined);
    if (pick) return pick.address;
  }
  try {
    const r = await dns.lookup(host, { family: ipv6 ? 0 : 4 });
    return r.address;
  } catch {
    throw zmqError('ENODEV', `cannot bind ${address}: '${host}' is neither an interface nor a resolvable host`, address);
  }
}

export async function listenTcp(
  ep: TcpEndpoint,
  options: CommonOptionValues,
  onStream: (s: net.Socket, l: Listener) => void,
): Promise<Listener> {
  const host = await resolveBindHost(ep.host, options.ipv6, ep.address);
  const server = net.createServer({ noDelay: true, pauseOnConnect: true });
  await serverListening(server, ep.address, { host, port: ep.port, backlog: options.backlog, ipv6Only: false });
  const bound = server.address() as net.AddressInfo;
  // libzmq reports the wildcard host as 0.0.0.0 (or [::]) with the real port.
  // Open sockets do not keep the process alive by themselves (zeromq.js behaviour); see keepalive.ts.
  server.unref();
  const listener: Listener = {
    endpoint: tcpEndpointString(bound.address, bound.port),
    close: () => {
      server.close();
      return undefined;
    },
  };
  server.on('connection', (s) => onStream(adoptAccepted(s).socket, listener));
  // Accept errors are per connection; the server keeps listening.
  reportAcceptErrors(server, listener);
  return listener;
}

export function dialTcp(ep: TcpEndpoint, options: CommonOptionValues): net.Socket {
  const family = net.isIPv6(ep.host) ? 6 : net.isIPv4(ep.host) ? 4 : options.ipv6 ? 0 : 4;
  const s = connectWithReader({ host: ep.host, port: ep.port, family, noDelay: true });
  const ka = options.tcpKeepalive;
  if (ka === 1) s.setKeepAlive(true, Math.max(0, options.tcpKeepaliveIdle * 1000));
  return s;
}
