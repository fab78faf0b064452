// One receiving UDP socket per epgm port in this process, shared by every session on it. Several sockets
// bound to one port would each get the group's multicast, but a unicast datagram (a NAK to a source)
// reaches only one of them, so a publisher and a subscriber of this process on one endpoint would take
// each other's NAKs. Sharing the socket hands every datagram to every session on the port; each keeps
// what is addressed to it. Group memberships are counted, so one session leaving keeps the others' groups.
import dgram from 'node:dgram';
import { zmqError } from '../../errors.js';

export type DatagramListener = (data: Buffer, from: string) => void;

interface SharedPort {
  sock: dgram.Socket;
  ready: Promise<void>;
  listeners: Set<DatagramListener>;
  memberships: Map<string, number>;
}

const ports = new Map<number, SharedPort>();

/** Receive buffer asked for each port (libzmq leaves the OS default; a Node thread stalls more often). */
const RECEIVE_BUFFER = 4 * 1024 * 1024;

export interface PortLease {
  ready: Promise<void>;
  release(): void;
}

/** Receives the datagrams of `port` (bound on all addresses, address reuse on) having joined `group` on `ifaceAddress`. */
export function leasePort(port: number, group: string, ifaceAddress: string, address: string, listener: DatagramListener): PortLease {
  let shared = ports.get(port);
  if (!shared) {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const entry: SharedPort = { sock, listeners: new Set(), memberships: new Map(), ready: Promise.resolve() };
    entry.ready = new Promise<void>((resolve, reject) => {
      sock.once('error', (err: NodeJS.ErrnoException) => {
        ports.delete(port);
        try {
          sock.close();
        } catch {
          /* not open */
        }
        const hint =
          err.code === 'EADDRINUSE' ? ' (an OpenPGM socket on this host holds the port with SO_REUSEPORT, which Node cannot share)' : '';
        reject(zmqError(err.code === 'EADDRINUSE' ? 'EADDRINUSE' : 'EINVAL', `cannot open ${address}: ${err.message}${hint}`, address));
      });
      sock.bind({ port, address: '0.0.0.0' }, () => {
        sock.removeAllListeners('error');
        // Room for bursts while this thread is busy: a PGM source sends at its rate whatever we do, and
        // what overflows must be repaired by NAK. Best effort: the kernel caps it at net.core.rmem_max.
        try {
          sock.setRecvBufferSize(RECEIVE_BUFFER);
        } catch {
          /* keep the default */
        }
        sock.on('error', () => {
          /* a datagram error does not stop the port */
        });
        resolve();
      });
    });
    sock.on('message', (data, rinfo) => {
      for (const l of entry.listeners) l(data, rinfo.address);
    });
    ports.set(port, entry);
    shared = entry;
  }
  const entry = shared;
  entry.listeners.add(listener);
  const membership = `${group}|${ifaceAddress}`;
  let released = false;
  let joined = false;
  const ready = entry.ready.then(() => {
    if (released) return;
    const n = entry.memberships.get(membership) ?? 0;
    if (n === 0) {
      try {
        entry.sock.addMembership(group, ifaceAddress);
      } catch (e) {
        throw zmqError(
          'EINVAL',
          `cannot join multicast group ${group} on ${ifaceAddress} for ${address}: ${(e as Error).message}`,
          address,
        );
      }
    }
    entry.memberships.set(membership, n + 1);
    joined = true;
  });
  return {
    ready,
    release() {
      if (released) return;
      released = true;
      entry.listeners.delete(listener);
      if (joined) {
        const n = (entry.memberships.get(membership) ?? 1) - 1;
        if (n === 0) {
          entry.memberships.delete(membership);
          try {
            entry.sock.dropMembership(group, ifaceAddress);
          } catch {
            /* already gone */
          }
        } else entry.memberships.set(membership, n);
      }
      if (entry.listeners.size === 0 && ports.get(port) === entry) {
        ports.delete(port);
        entry.ready.then(
          () => {
            try {
              entry.sock.close();
            } catch {
              /* closed */
            }
          },
          () => {},
        );
      }
    },
  };
}
