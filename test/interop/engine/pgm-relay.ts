// A lossy PGM relay for the epgm loss tests: it stands between a source on GROUP_A:PORT_A and receivers on
// GROUP_B:PORT_B and drops a chosen share of the ODATA it forwards, so the receivers must NAK and the source
// must repair. Nothing in it imitates either end: it forwards real packets, rewriting only what ties a
// packet to its side (data-destination port, group NLA, and the source NLA, which it replaces with its own
// address so NAKs come to it), with the checksum recomputed by the project's PGM codec.
//   downstream: multicast on GROUP_A:PORT_A  ->  GROUP_B:PORT_B            (SPM, ODATA, RDATA, NCF)
//   upstream:   unicast to HOST:PORT_B      ->  source NLA:PORT_A        (NAK, NNAK, SPMR)
import dgram from 'node:dgram';
import { encodePgmPacket, parsePgmPacket, type PgmPacket } from '../../../core/pgm/index.js';

export interface RelaySide {
  group: string;
  port: number;
}

export interface PgmRelay {
  /** Sequence numbers of the ODATA packets it dropped. */
  readonly dropped: number[];
  readonly forwarded: Record<string, number>;
  close(): void;
}

function bound(address: string, port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address, port }, () => resolve(s));
  });
}

export async function startPgmRelay(o: {
  host: string;
  from: RelaySide;
  to: RelaySide;
  drop: (sqn: number) => boolean;
}): Promise<PgmRelay> {
  // Bound to the group address: it hears only the group's multicast, never the unicast meant for a session.
  const down = await bound(o.from.group, o.from.port);
  down.addMembership(o.from.group, o.host);
  const up = await bound(o.host, o.to.port);
  const out = await bound(o.host, 0);
  out.setMulticastInterface(o.host);
  out.setMulticastLoopback(true);
  out.setMulticastTTL(1);
  const dropped: number[] = [];
  const forwarded: Record<string, number> = {};
  let sourceNla: string | undefined;
  const count = (p: PgmPacket) => {
    forwarded[p.type] = (forwarded[p.type] ?? 0) + 1;
  };

  down.on('message', (data) => {
    const r = parsePgmPacket(data);
    if (!r.ok) return;
    const p = r.packet;
    if (p.type === 'ODATA' && o.drop(p.sqn)) {
      dropped.push(p.sqn);
      return;
    }
    let q: PgmPacket;
    switch (p.type) {
      case 'SPM':
        sourceNla = p.pathNla;
        q = { ...p, destPort: o.to.port, pathNla: o.host };
        break;
      case 'NCF':
        q = { ...p, destPort: o.to.port, sourceNla: o.host, groupNla: o.to.group };
        break;
      case 'ODATA':
      case 'RDATA':
        q = { ...p, destPort: o.to.port };
        break;
      default:
        return;
    }
    count(q);
    out.send(encodePgmPacket(q), o.to.port, o.to.group);
  });

  up.on('message', (data) => {
    const r = parsePgmPacket(data);
    if (!r.ok || sourceNla === undefined) return;
    const p = r.packet;
    let q: PgmPacket;
    if (p.type === 'NAK' || p.type === 'NNAK') q = { ...p, sourcePort: o.from.port, sourceNla, groupNla: o.from.group };
    else if (p.type === 'SPMR') q = { ...p, sourcePort: o.from.port };
    else return;
    count(q);
    out.send(encodePgmPacket(q), o.from.port, sourceNla);
  });

  return {
    dropped,
    forwarded,
    close() {
      for (const s of [down, up, out]) s.close();
    },
  };
}
