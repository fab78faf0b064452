// The "workbench" capture source: the engine's own wire tap (every tcp/ipc chunk our sockets read or
// write) fed through the same Inspector as packet captures, so the workbench's sockets can be watched
// without pcap. Each tap connection becomes one TCP-like connection; when both ends of a tcp
// connection are in this process (REQ and REP in the workbench), the bytes are seen twice, once per
// end, and only the first end seen is followed so every message appears once.
import { addWireTap, type WireTapChunk, type WireTapClose } from '../internal.js';
import { formatEndpoint, type Endpoint, type TcpConnection } from '../capture/types.js';
import { Inspector } from '../inspect/inspector.js';
import type { InspectRecord } from '../inspect/records.js';
import type { LiveSource, PipelineSink } from './pipeline.js';

/** Whether the local end of a tap connection is the listening (bound) side. */
export type IsBoundLocally = (localAddress: string) => boolean;

interface Followed {
  conn: TcpConnection;
  /** The local end is the TCP client (it connected). */
  localIsClient: boolean;
  key: string;
}

const TCP = /^tcp:\/\/\[?([^\]]*?)\]?:(\d+)$/;

function endpointOf(address: string): Endpoint {
  const m = TCP.exec(address);
  // ipc (and anything else) keeps its path as the "ip"; displayed without the port (see display()).
  return m ? { ip: m[1], port: Number(m[2]) } : { ip: address.replace(/^ipc:\/\//, ''), port: 0 };
}

export class WorkbenchTap {
  private followed = new Map<number, Followed | null>();
  /** tcp 4-tuple (both orders) -> the tap connection followed for it. */
  private byKey = new Map<string, number>();
  private inspector: Inspector;
  private remove?: () => void;
  private ipcNames = new Map<string, string>();
  private finish!: () => void;
  readonly done: Promise<void>;

  constructor(
    private sink: PipelineSink,
    private isBound: IsBoundLocally,
  ) {
    this.inspector = new Inspector({ onRecord: (r) => this.sink.record(this.display(r)) });
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  start(): LiveSource {
    this.remove = addWireTap(
      (c) => this.onChunk(c),
      (e) => this.onClose(e),
    );
    return { done: this.done, file: '', stop: async () => this.stop() };
  }

  stop(): void {
    if (!this.remove) return;
    this.remove();
    this.remove = undefined;
    const ts = Date.now() / 1000;
    for (const f of this.followed.values()) if (f) this.inspector.push({ kind: 'close', conn: f.conn, ts, reason: 'end-of-capture' });
    this.followed.clear();
    this.byKey.clear();
    this.finish();
  }

  private onChunk(c: WireTapChunk): void {
    let f = this.followed.get(c.connectionId);
    if (f === null) return; // the other end of a connection already followed
    const ts = c.ts / 1000;
    if (!f) {
      const isTcp = TCP.test(c.localAddress) && TCP.test(c.remoteAddress);
      const key = `${c.localAddress} ${c.remoteAddress}`;
      if (isTcp && this.byKey.has(key)) {
        this.followed.set(c.connectionId, null);
        return;
      }
      const local = endpointOf(c.localAddress);
      const remote = endpointOf(c.remoteAddress);
      if (!isTcp) {
        // Shown as the endpoint itself (ipc:///path, ws://host:port/path), not as "path:0".
        if (!TCP.test(c.localAddress)) this.ipcNames.set(formatEndpoint(local), c.localAddress);
        if (!TCP.test(c.remoteAddress)) this.ipcNames.set(formatEndpoint(remote), c.remoteAddress);
      }
      // A connected socket's end is the TCP client; an accepted one's (its address is a bound endpoint) the server.
      const localIsClient = !this.isBound(c.localAddress);
      // Watching began after this connection's greeting: let the inspector resynchronise on frames.
      const midstream = c.data.length > 0 && c.data[0] !== 0xff;
      const conn: TcpConnection = localIsClient
        ? { id: c.connectionId, client: local, server: remote, midstream }
        : { id: c.connectionId, client: remote, server: local, midstream };
      f = { conn, localIsClient, key };
      this.followed.set(c.connectionId, f);
      if (isTcp) {
        this.byKey.set(key, c.connectionId);
        this.byKey.set(`${c.remoteAddress} ${c.localAddress}`, c.connectionId);
      }
      this.inspector.push({ kind: 'open', conn, ts });
    }
    const fromLocal = c.direction === 'out';
    const dir = fromLocal === f.localIsClient ? 'c2s' : 's2c';
    this.inspector.push({ kind: 'data', conn: f.conn, dir, ts, data: c.data });
    // Counted after decoding, so the summary this reports includes the chunk's records.
    this.sink.packet();
  }

  /** The engine ended a tap connection: the inspector marks it closed (a reset if it failed with an error). */
  private onClose(e: WireTapClose): void {
    const f = this.followed.get(e.connectionId);
    if (f === undefined) return; // never seen (ended before any chunk reached this capture)
    this.followed.delete(e.connectionId);
    if (f === null) return; // the other end of a followed connection
    if (this.byKey.get(f.key) === e.connectionId) {
      this.byKey.delete(f.key);
      this.byKey.delete(f.key.split(' ').reverse().join(' '));
    }
    const reason = /^connection error: .*ECONNRESET/.test(e.reason) ? 'rst' : 'fin';
    this.inspector.push({ kind: 'close', conn: f.conn, ts: e.ts / 1000, reason });
  }

  /** ipc ends are shown as their endpoint (ipc:///path), not as "path:0". */
  private display(r: InspectRecord): InspectRecord {
    if (this.ipcNames.size === 0) return r;
    const src = this.ipcNames.get(r.src);
    const dst = this.ipcNames.get(r.dst);
    if (src === undefined && dst === undefined) return r;
    return { ...r, src: src ?? r.src, dst: dst ?? r.dst };
  }
}
