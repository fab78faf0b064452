// Ports for tests: the port of a bound tcp or ws endpoint ("tcp://127.0.0.1:40123" -> 40123; tests bind to port 0
// and read it back), and a port free a moment ago.
import net from 'node:net';

export function portOf(endpoint: string | null | undefined): number {
  // ws:// endpoints may end in a path ("ws://127.0.0.1:40123/zmq").
  const m = /:(\d+)(?:\/[^:]*)?$/.exec(endpoint ?? '');
  if (!m) throw new Error(`no port in endpoint ${JSON.stringify(endpoint)}`);
  return Number(m[1]);
}

/**
 * A port that was free a moment ago (bound to port 0, then released): for tests that must connect
 * before anything listens there.
 */
export async function freedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}
