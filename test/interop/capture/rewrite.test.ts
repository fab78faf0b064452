// Real captured traffic rewritten the hard way (PcapWriter/PcapngWriter): every payload cut into
// 1..300-byte segments, reordered, partly retransmitted with different boundaries, and with the
// initial sequence numbers moved just below 2^32 so both directions wrap. Reassembly must still give
// the exact bytes the sockets sent. tshark validates the rewritten files (checksums, counts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTcpPacket, decodeLinkLayer, PcapWriter, PcapngWriter, TCP_SYN, type Packet } from '../../../core/capture/index.js';
import {
  captureToFile,
  chunksFor,
  clientSession,
  readAll,
  reassemblePackets,
  recordingServer,
  tshark,
  waitForFins,
  type Session,
} from './helpers.js';
import { prng } from '../../helpers/random.js';

let captured: { packets: Packet[]; sessions: Session[]; port: number } | undefined;

/** One real capture shared by the tests in this file (two connections, 200 KB / 30 KB up). */
async function realCapture(t: { after: (fn: () => void | Promise<void>) => void }) {
  if (captured) return captured;
  const dir = mkdtempSync(join(tmpdir(), 'cap-rewrite-'));
  const server = await recordingServer('127.0.0.1');
  const file = join(dir, 'real.pcap');
  const cap = await captureToFile({ tool: 'tcpdump', filter: `tcp port ${server.port}`, file });
  try {
    const sessions = await Promise.all([
      clientSession('127.0.0.1', server.port, chunksFor(200_000, 11)),
      clientSession('127.0.0.1', server.port, chunksFor(30_000, 12)),
    ]);
    await waitForFins(file, 4);
    await cap.stop();
    const { packets, warnings } = await readAll(file);
    assert.deepEqual(warnings, []);
    captured = { packets, sessions, port: server.port };
  } finally {
    await cap.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  void t;
  return captured;
}

/** Rewrites packets: resegment, shift sequence numbers, duplicate with new boundaries, reorder. */
function rewrite(packets: Packet[], seed: number, targetIsn: number): Packet[] {
  const rnd = prng(seed);
  const shift = new Map<string, number>(); // per direction "src:port>dst:port"
  const key = (a: string, ap: number, b: string, bp: number) => `${a}:${ap}>${b}:${bp}`;
  const head: Packet[] = [];
  const body: Packet[] = [];
  let ts = packets[0].ts;
  const mk = (data: Buffer): Packet => {
    ts += 0.000001;
    return {
      ts,
      tsSec: Math.floor(ts),
      tsNsec: Math.round((ts % 1) * 1e9) % 1_000_000_000,
      linkType: 1,
      data,
      origLen: data.length,
      interfaceId: 0,
      index: 0,
    };
  };
  for (const p of packets) {
    const d = decodeLinkLayer(p);
    assert.ok(d && d.kind === 'tcp');
    const t = d.tcp;
    const fwd = key(d.src, t.srcPort, d.dst, t.dstPort);
    const back = key(d.dst, t.dstPort, d.src, t.srcPort);
    if (t.flags & TCP_SYN) shift.set(fwd, (targetIsn - t.seq) >>> 0);
    const s = shift.get(fwd) ?? 0;
    const a = shift.get(back) ?? 0;
    const base = { src: d.src, dst: d.dst, srcPort: t.srcPort, dstPort: t.dstPort, window: t.window };
    const seq = (t.seq + s) >>> 0;
    const ack = (t.ack + a) >>> 0;
    if (t.payload.length === 0) {
      (t.flags & TCP_SYN ? head : body).push(mk(buildTcpPacket({ ...base, seq, ack, flags: t.flags })));
      continue;
    }
    const cut = (max: number) => {
      const out: Packet[] = [];
      for (let off = 0; off < t.payload.length;) {
        const n = Math.min(t.payload.length - off, 1 + Math.floor(rnd() * max));
        out.push(mk(buildTcpPacket({ ...base, seq: (seq + off) >>> 0, ack, flags: t.flags, payload: t.payload.subarray(off, off + n) })));
        off += n;
      }
      return out;
    };
    body.push(...cut(300));
    if (rnd() < 0.25) body.push(...cut(2000).filter(() => rnd() < 0.5)); // retransmitted, other boundaries
  }
  for (let i = 0; i < body.length; i++) {
    const j = Math.min(body.length - 1, i + Math.floor(rnd() * 24));
    [body[i], body[j]] = [body[j], body[i]];
  }
  return [...head, ...body].map((p, i) => ({ ...p, index: i + 1 }));
}

function check(packets: Packet[], sessions: Session[]) {
  const r = reassemblePackets(packets);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.gaps, 0);
  assert.equal(r.conns.length, sessions.length);
  for (const s of sessions) {
    const conn = r.conns.find((c) => c.client.port === s.clientPort)!;
    assert.ok(conn, `connection from ${s.clientPort}`);
    assert.ok(r.stream(conn.id, 'c2s').equals(s.c2s), `c2s of ${s.clientPort}`);
    assert.ok(r.stream(conn.id, 's2c').equals(s.s2c), `s2c of ${s.clientPort}`);
    const close = r.events.find((e) => e.kind === 'close' && e.conn.id === conn.id);
    assert.equal(close?.kind === 'close' && close.reason, 'fin');
  }
}

test('the real capture itself reassembles to the bytes sent', async (t) => {
  const { packets, sessions } = await realCapture(t);
  check(packets, sessions);
});

for (const [seed, isn, format] of [
  [1, 0xffffff00, 'pcap'],
  [2, 0xfffe0000, 'pcapng'],
  [3, 0x7fffff00, 'pcap'],
] as const) {
  test(`rewritten into tiny, reordered, duplicated segments with ISN 0x${isn.toString(16)} (${format}, seed ${seed}): identical streams`, async (t) => {
    const { packets, sessions } = await realCapture(t);
    const rewritten = rewrite(packets, seed, isn);
    assert.ok(rewritten.length > packets.length * 5, 'many more, smaller segments');
    // The stream really crosses 2^32 in at least one direction.
    const seqs = rewritten.map((p) => (decodeLinkLayer(p) as { tcp: { seq: number } }).tcp.seq);
    if (isn > 0xf0000000) assert.ok(seqs.some((s) => s < 0x100000) && seqs.some((s) => s > 0xfff00000), 'sequence numbers wrap');

    const dir = mkdtempSync(join(tmpdir(), 'cap-rewrite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, `rewritten.${format}`);
    if (format === 'pcap') {
      const w = new PcapWriter({ linkType: 1, nanosecond: true });
      for (const p of rewritten) w.write(p);
      writeFileSync(file, w.toBuffer());
    } else {
      const w = new PcapngWriter().section({ bigEndian: true });
      w.addInterface({ linkType: 1, tsresol: 9 });
      for (const p of rewritten) w.packet(0, p);
      writeFileSync(file, w.toBuffer());
    }
    const back = await readAll(file);
    assert.deepEqual(back.warnings, []);
    assert.equal(back.packets.length, rewritten.length);
    check(back.packets, sessions);
    // tshark: same frame count, and every rewritten TCP checksum is valid.
    assert.equal(tshark(file, ['frame.number']).length, rewritten.length);
    // Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
    const status = tshark(file, ['tcp.checksum.status', 'ip.checksum.status']);
    assert.ok(
      status.every(([tcpOk, ipOk]) => tcpOk === '1' && ipOk === '1'),
      'all checksums verified good',
    );
  });
}
