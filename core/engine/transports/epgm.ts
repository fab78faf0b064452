// epgm:// for PUB/XPUB (sending) and SUB/XSUB (receiving), as libzmq offers it over OpenPGM: PGM packets
// inside UDP datagrams sent to GROUP:PORT from the interface IFACE, with the port as PGM's data-destination
// port. Bind and connect mean the same, as in libzmq. A PUB's pipe takes every message (libzmq's
// subscribe-to-all pipes: PGM carries no subscriptions) and a SUB filters what arrives.
//
// pgm:// (PGM directly over IP, protocol 113) needs a raw socket, which Node cannot open without a native
// addon; it fails with a clear error pointing at epgm://.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { zmqError, type ZmqError } from '../errors.js';
import type { PgmEndpoint } from '../endpoint.js';
import { PGM_NAK, PGM_SPMR, parsePgmPacket } from '../../pgm/index.js';
import type { Msg } from '../pipe.js';
import { messageTap, tapMessage } from '../wiretap.js';
import type { UdpHandle, UdpHost } from './udp.js';
import { PgmSender, type PgmSenderStats } from './epgm/sender.js';
import { PgmReceiver, type PgmReceiverStats } from './epgm/receiver.js';
import type { PeerStats } from './epgm/peer.js';
import { leasePort } from './epgm/shared-port.js';
import { FRAGMENT_OPTIONS_SIZE, IP_UDP_OVERHEAD, PGM_DATA_OVERHEAD, maxTsduFor, windowPackets } from './epgm/params.js';

/** What a session did so far: for diagnostics and tests. */
export interface PgmStats {
  sender?: PgmSenderStats;
  receiver?: PgmReceiverStats & { held: number; peers: PeerStats[] };
}

export interface PgmHandle extends UdpHandle {
  stats(): PgmStats;
}

/** Largest TPDU a UDP datagram can carry (65535 - IP header - UDP header, plus the headers counted in it). */
const MAX_TPDU = 65535;
/** Headers plus the 2-byte offset and one byte of data. */
const MIN_TPDU = IP_UDP_OVERHEAD + PGM_DATA_OVERHEAD + FRAGMENT_OPTIONS_SIZE + 3;
/** Messages held for a full pipe before further ones are dropped (a PGM receiver cannot push back). */
const MAX_HELD = 100_000;

/** The IPv4 address of IFACE: the address itself if this host has it, or the named interface's first one. */
export function interfaceAddress(iface: string, address: string): string {
  const all = os.networkInterfaces();
  const v4 = (name: string) => (all[name] ?? []).find((a) => a.family === 'IPv4')?.address;
  if (net.isIPv4(iface)) {
    const found = Object.values(all).some((list) => (list ?? []).some((a) => a.family === 'IPv4' && a.address === iface));
    if (!found) throw zmqError('EINVAL', `invalid endpoint ${address}: no interface of this host has the address ${iface}`, address);
    return iface;
  }
  const byName = v4(iface);
  if (byName === undefined) {
    const names = Object.keys(all)
      .filter((n) => v4(n) !== undefined)
      .join(', ');
    throw zmqError('EINVAL', `invalid endpoint ${address}: no IPv4 interface named '${iface}' (this host has: ${names})`, address);
  }
  return byName;
}

function pgmRefused(ep: PgmEndpoint): never {
  const epgm = `epgm://${ep.address.slice('pgm://'.length)}`;
  throw zmqError(
    'EPROTONOSUPPORT',
    `pgm:// sends PGM directly over IP (protocol 113), which needs a raw socket: Node cannot open one without a native addon, and this engine has none. Use ${epgm} instead: the same PGM packets inside UDP, which libzmq peers speak too`,
    ep.address,
  );
}

/**
 * Opens a pgm/epgm endpoint for the socket (bind and connect alike). The handle is usable at once;
 * `ready` settles once the UDP sockets are bound and the group joined (rejecting with the reason if not).
 */
export function openPgm(host: UdpHost, ep: PgmEndpoint): { handle: PgmHandle; ready: Promise<void> } {
  if (ep.transport === 'pgm') pgmRefused(ep);
  const type = host.typeName;
  const sending = type === 'PUB' || type === 'XPUB';
  if (!sending && type !== 'SUB' && type !== 'XSUB') {
    throw zmqError('ENOCOMPATPROTO', `${ep.transport}:// carries PUB/XPUB to SUB/XSUB only, not ${type}: ${ep.address}`, ep.address);
  }
  const maxTpdu = host.options.multicastMaxTransportDataUnit;
  if (maxTpdu < MIN_TPDU || maxTpdu > MAX_TPDU) {
    throw zmqError(
      'EINVAL',
      `multicastMaxTransportDataUnit ${maxTpdu} does not fit ${ep.transport}:// (${MIN_TPDU} to ${MAX_TPDU} bytes: IP, UDP and PGM headers and room for data)`,
      ep.address,
    );
  }
  const ifaceAddress = interfaceAddress(ep.iface, ep.address);
  const rateKbit = host.options.rate;
  const recoveryMs = host.options.recoveryInterval;
  const window = windowPackets(rateKbit, recoveryMs, maxTpdu);

  const [socketEnd, engineEnd] = host.makePipe();
  socketEnd.endpoint = ep.address;
  engineEnd.endpoint = ep.address;
  socketEnd.peerSocketType = sending ? 'SUB' : 'PUB';

  const sendSock = dgram.createSocket({ type: 'udp4' });
  sendSock.on('error', () => {
    /* a send error (no route, ICMP) does not end the session */
  });
  const sendReady = new Promise<void>((resolve, reject) => {
    sendSock.once('error', (err) =>
      reject(zmqError('EINVAL', `cannot send from ${ifaceAddress} for ${ep.address}: ${err.message}`, ep.address)),
    );
    sendSock.bind({ address: ifaceAddress, port: 0 }, () => {
      try {
        sendSock.setMulticastInterface(ifaceAddress);
        // A receiver only sends SPMRs to the group, to its neighbours on the link (OpenPGM: TTL 1).
        sendSock.setMulticastTTL(sending ? Math.max(1, Math.min(255, host.options.multicastHops)) : 1);
        sendSock.setMulticastLoopback(host.options.multicastLoop !== false);
        resolve();
      } catch (e) {
        reject(zmqError('EINVAL', `cannot send multicast from ${ifaceAddress} for ${ep.address}: ${(e as Error).message}`, ep.address));
      }
    });
  });
  let closed = false;
  const send = (packet: Buffer, to: string) => {
    if (!closed) sendSock.send(packet, ep.port, to);
  };

  let onDatagram: (data: Buffer, from: string) => void;
  let pumpIfReady: () => void = () => {};
  let finish: () => void;
  let stats: () => PgmStats;
  const held: Msg[] = [];

  if (sending) {
    const sourcePort = randomPort(ep.port);
    const gsi = crypto.randomBytes(6);
    const sender = new PgmSender({
      gsi,
      sourcePort,
      destPort: ep.port,
      group: ep.group,
      nla: ifaceAddress,
      maxTsdu: maxTsduFor(maxTpdu),
      rateBytesPerSec: (rateKbit * 1000) / 8,
      windowPackets: window,
      send: (packet) => send(packet, ep.group),
      next: () => {
        const msg = closed ? undefined : engineEnd.read();
        // Taken to be sent now (at most one rate wait away): what the workbench shows as written, to the group.
        if (msg && messageTap) tapMessage(msg, `${ep.group}:${ep.port}`);
        return msg;
      },
    });
    onDatagram = (data) => {
      // Only upstream packets for our session matter; our own multicast comes back here too.
      if (data.length < 16 || (data[4] !== PGM_NAK && data[4] !== PGM_SPMR)) return;
      if (data.readUInt16BE(2) !== sourcePort || data.readUInt16BE(0) !== ep.port || !data.subarray(8, 14).equals(gsi)) return;
      const parsed = parsePgmPacket(data);
      if (parsed.ok) sender.onUpstream(parsed.packet);
    };
    let started = false;
    // Deferred to the end of this turn, so messages sent together share packets (libzmq's encoder batches
    // whatever the pipe holds into each TSDU the same way).
    let pumpQueued = false;
    pumpIfReady = () => {
      if (!started || pumpQueued) return;
      pumpQueued = true;
      setImmediate(() => {
        pumpQueued = false;
        sender.pump();
      });
    };
    engineEnd.owner = {
      readActivated: () => pumpIfReady(),
      writeActivated: () => {},
      // After the last message was read; deferred so the read that ended the pipe finishes first.
      pipeTerminated: () => setImmediate(() => handle.close()),
    };
    finish = () => sender.close();
    stats = () => ({ sender: { ...sender.stats } });
    sendReady.then(
      () => {
        if (closed) return;
        started = true;
        sender.start();
        sender.pump();
      },
      () => {},
    );
  } else {
    const flush = () => {
      while (held.length > 0 && engineEnd.write(held[0])) held.shift();
    };
    const receiver = new PgmReceiver({
      destPort: ep.port,
      group: ep.group,
      windowPackets: Math.max(window, 4096),
      maxMessageSize: host.options.maxMessageSize,
      send,
      deliver: (msg) => {
        if (held.length > 0 || !engineEnd.write(msg)) {
          // The pipe is at its HWM: keep the message for when it drains, within a bound.
          if (held.length < MAX_HELD) held.push(msg);
        }
      },
    });
    onDatagram = (data, from) => receiver.onDatagram(data, from);
    engineEnd.owner = {
      // Subscriptions are not sent over PGM: the SUB filters what arrives.
      readActivated: () => {
        while (engineEnd.read() !== undefined);
      },
      writeActivated: flush,
      pipeTerminated: () => handle.close(),
    };
    finish = () => receiver.close();
    stats = () => ({
      receiver: { ...receiver.stats, held: held.length, peers: [...receiver.peers.values()].map((p) => ({ ...p.stats })) },
    });
  }

  const lease = leasePort(ep.port, ep.group, ifaceAddress, ep.address, (data, from) => onDatagram(data, from));
  const handle: PgmHandle = {
    endpoint: ep.address,
    stats: () => stats(),
    close() {
      if (closed) return;
      finish();
      closed = true;
      lease.release();
      // Let the last packets (OPT_FIN SPMs) leave before the socket goes.
      setImmediate(() => {
        try {
          sendSock.close();
        } catch {
          /* closed */
        }
      });
      engineEnd.terminate();
    },
  };
  host.attachPipe(socketEnd);
  const ready = Promise.all([sendReady, lease.ready]).then(
    () => {},
    (e) => {
      handle.close();
      throw e;
    },
  );
  return { handle, ready };
}

/** A random TSI source port, as OpenPGM picks one, never the data-destination port. */
function randomPort(dport: number): number {
  for (;;) {
    const p = crypto.randomInt(1024, 65536);
    if (p !== dport) return p;
  }
}

/** bind(): the endpoint once its sockets are bound and the group joined. */
export async function bindPgm(host: UdpHost, ep: PgmEndpoint): Promise<UdpHandle> {
  const { handle, ready } = openPgm(host, ep);
  await ready;
  return handle;
}

/** connect(): synchronous like libzmq's; a failure to bind the port later is reported as a bind:error event. */
export function connectPgm(host: UdpHost, ep: PgmEndpoint): UdpHandle {
  const { handle, ready } = openPgm(host, ep);
  ready.catch((error: ZmqError) => host.emit({ type: 'bind:error', address: ep.address, error, reason: error.message }));
  return handle;
}
