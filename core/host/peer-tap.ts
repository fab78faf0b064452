// Learns what each peer of the workbench's sockets says about itself (Socket-Type, Identity and other
// READY metadata, or a ZMTP 2.0 greeting's socket type) by decoding the engine's own wire tap with the
// inspector. Only the start of each connection is decoded: once the peer's READY is seen (or 64 KiB
// passed) the connection is dropped from the tap, so busy sockets cost nothing.
import { addWireTap, type WireTapChunk, type WireTapClose } from '../index.js';
import type { Endpoint, TcpConnection } from '../capture/types.js';
import { Inspector } from '../inspect/inspector.js';
import type { InspectRecord } from '../inspect/records.js';

const FOLLOW_BYTES = 64 * 1024;
const MAX_KNOWN = 2000;

function endpointOf(address: string): Endpoint {
  const m = /^tcp:\/\/\[?([^\]]*)\]?:(\d+)$/.exec(address);
  return m ? { ip: m[1], port: Number(m[2]) } : { ip: address, port: 0 };
}

interface Followed {
  conn: TcpConnection;
  remote: string;
  bytes: number;
  done: boolean;
}

export class PeerTap {
  private followed = new Map<number, Followed>();
  private byConn = new Map<number, Followed>();
  private known = new Map<string, Record<string, string>>();
  private inspector: Inspector;

  constructor(private onMetadata: (remoteAddress: string, metadata: Record<string, string>) => void) {
    this.inspector = new Inspector({ onRecord: (r) => this.onRecord(r), maxPendingRequests: 1, maxClosedConnections: 1 });
  }

  private remove?: () => void;

  install(): void {
    this.remove ??= addWireTap((chunk) => this.onChunk(chunk), (e) => this.onClose(e));
  }

  uninstall(): void {
    this.remove?.();
    this.remove = undefined;
  }

  metadataFor(remoteAddress: string): Record<string, string> | undefined {
    return this.known.get(remoteAddress);
  }

  private onChunk(c: WireTapChunk): void {
    let f = this.followed.get(c.connectionId);
    if (f?.done) return;
    const ts = c.ts / 1000;
    if (!f) {
      // The local end plays the TCP client: what comes in is 's2c', from the peer.
      const conn: TcpConnection = { id: c.connectionId, client: endpointOf(c.localAddress), server: endpointOf(c.remoteAddress), midstream: false };
      f = { conn, remote: c.remoteAddress, bytes: 0, done: false };
      this.followed.set(c.connectionId, f);
      this.byConn.set(c.connectionId, f);
      this.inspector.push({ kind: 'open', conn, ts });
    }
    f.bytes += c.data.length;
    this.inspector.push({ kind: 'data', conn: f.conn, dir: c.direction === 'in' ? 's2c' : 'c2s', ts, data: c.data });
    if (f.bytes > FOLLOW_BYTES) this.stop(f, ts);
  }

  /** A connection ended: forget it (its id is never reused), telling the inspector if still followed. */
  private onClose(e: WireTapClose): void {
    const f = this.followed.get(e.connectionId);
    if (!f) return;
    if (!f.done) {
      f.done = true;
      this.inspector.push({ kind: 'close', conn: f.conn, ts: e.ts / 1000, reason: 'fin' });
    }
    this.followed.delete(e.connectionId);
    this.byConn.delete(e.connectionId);
  }

  private stop(f: Followed, ts: number): void {
    if (f.done) return;
    f.done = true;
    this.inspector.push({ kind: 'close', conn: f.conn, ts, reason: 'evicted' });
    this.byConn.delete(f.conn.id);
    // Keep only a bounded memory of finished connections (their ids are never reused).
    if (this.followed.size > MAX_KNOWN) {
      for (const [id, x] of this.followed) {
        if (x.done) this.followed.delete(id);
        if (this.followed.size <= MAX_KNOWN / 2) break;
      }
    }
  }

  private onRecord(r: InspectRecord): void {
    const f = this.byConn.get(r.conn);
    if (!f || r.dir !== 's2c') return;
    let metadata: Record<string, string> | undefined;
    if (r.type === 'command' && r.name === 'READY' && r.properties) metadata = { ...r.properties };
    else if (r.type === 'greeting' && r.socketType) {
      metadata = { 'Socket-Type': r.socketType, ...(r.identity ? { Identity: r.identity } : {}) };
    } else if (r.type === 'message' || r.type === 'error') {
      this.stop(f, r.ts);
      return;
    }
    if (!metadata) return;
    this.known.set(f.remote, metadata);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
    this.onMetadata(f.remote, metadata);
    if (r.type === 'command') this.stop(f, r.ts);
  }
}
