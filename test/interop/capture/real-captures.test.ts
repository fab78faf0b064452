// Real traffic captured by tcpdump and dumpcap on loopback (Ethernet pcap, pcapng, Linux cooked
// SLL and SLL2 on "any", nanosecond pcap, IPv6): reassembled streams must equal the bytes the Node
// sockets really sent, and packet counts/timestamps must match tshark's reading of the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  captureToFile,
  chunksFor,
  clientSession,
  readAll,
  reassemblePackets,
  recordingServer,
  tshark,
  waitForFins,
  type Tool,
} from './helpers.js';

const flavours: {
  name: string;
  tool: Tool;
  iface: string;
  args: string[];
  host: string;
  linkType: number;
  format: string;
  nano: boolean;
}[] = [
  {
    name: 'tcpdump on lo (Ethernet pcap)',
    tool: 'tcpdump',
    iface: 'lo',
    args: [],
    host: '127.0.0.1',
    linkType: 1,
    format: 'pcap',
    nano: false,
  },
  { name: 'dumpcap on lo (pcapng)', tool: 'dumpcap', iface: 'lo', args: [], host: '127.0.0.1', linkType: 1, format: 'pcapng', nano: true },
  {
    name: 'tcpdump on any (Linux cooked SLL)',
    tool: 'tcpdump',
    iface: 'any',
    args: ['-y', 'LINUX_SLL'],
    host: '127.0.0.1',
    linkType: 113,
    format: 'pcap',
    nano: false,
  },
  {
    name: 'tcpdump on any -y LINUX_SLL2',
    tool: 'tcpdump',
    iface: 'any',
    args: ['-y', 'LINUX_SLL2'],
    host: '127.0.0.1',
    linkType: 276,
    format: 'pcap',
    nano: false,
  },
  {
    name: 'tcpdump --time-stamp-precision=nano',
    tool: 'tcpdump',
    iface: 'lo',
    args: ['--time-stamp-precision=nano'],
    host: '127.0.0.1',
    linkType: 1,
    format: 'pcap',
    nano: true,
  },
  { name: 'dumpcap on lo over IPv6 (::1)', tool: 'dumpcap', iface: 'lo', args: [], host: '::1', linkType: 1, format: 'pcapng', nano: true },
];

for (const f of flavours) {
  test(`${f.name}: reassembled streams equal the bytes sent; packets and timestamps match tshark`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cap-real-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, `capture.${f.format}`);
    const server = await recordingServer(f.host);
    t.after(() => server.close());
    const cap = await captureToFile({ tool: f.tool, iface: f.iface, filter: `tcp port ${server.port}`, file, args: f.args });
    t.after(() => cap.stop());

    // Three connections: two at once, one after them; up to 300 KB each way in random-sized writes.
    const sessions = await Promise.all([
      clientSession(f.host, server.port, chunksFor(300_000, 1)),
      clientSession(f.host, server.port, chunksFor(50_000, 2)),
    ]);
    sessions.push(await clientSession(f.host, server.port, chunksFor(1, 3)));
    await waitForFins(file, 2 * sessions.length);
    await cap.stop();

    const { packets, warnings } = await readAll(file);
    assert.deepEqual(warnings, []);
    assert.ok(
      packets.every((p) => p.linkType === f.linkType),
      `link type ${f.linkType}`,
    );
    const r = reassemblePackets(packets);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.gaps, 0);
    assert.equal(r.conns.length, sessions.length);
    for (const s of sessions) {
      const conn = r.conns.find((c) => c.client.port === s.clientPort);
      assert.ok(conn, `connection from client port ${s.clientPort}`);
      assert.equal(conn.midstream, false);
      assert.equal(conn.server.port, server.port);
      assert.equal(conn.client.ip, f.host);
      assert.ok(
        r.stream(conn.id, 'c2s').equals(s.c2s),
        `client -> server bytes of port ${s.clientPort} (${r.stream(conn.id, 'c2s').length} vs ${s.c2s.length})`,
      );
      assert.ok(r.stream(conn.id, 's2c').equals(s.s2c), `server -> client bytes of port ${s.clientPort}`);
      const close = r.events.find((e) => e.kind === 'close' && e.conn.id === conn.id);
      assert.equal(close && close.kind === 'close' && close.reason, 'fin');
    }

    // tshark reads the same file: same packet count, same lengths, same timestamps to the nanosecond.
    const rows = tshark(file, ['frame.time_epoch', 'frame.cap_len', 'frame.len', 'tcp.len', 'tcp.stream']);
    assert.equal(rows.length, packets.length);
    rows.forEach((row, i) => {
      const p = packets[i];
      assert.equal(row[0], `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`, `packet ${i + 1} time`);
      assert.equal(Number(row[1]), p.data.length);
      assert.equal(Number(row[2]), p.origLen);
    });
    assert.equal(new Set(rows.map((row) => row[4])).size, sessions.length, 'tshark sees the same number of TCP streams');
    const tsharkPayload = rows.reduce((n, row) => n + Number(row[3] || 0), 0);
    const ours = r.events.reduce((n, e) => n + (e.kind === 'data' ? e.data.length : 0), 0);
    assert.ok(tsharkPayload >= ours, 'tshark counts at least the payload we delivered (it includes retransmissions)');
    if (!f.nano)
      assert.ok(
        packets.every((p) => p.tsNsec % 1000 === 0),
        'microsecond file',
      );
  });
}
