// The sniffer on PGM and EPGM: the two tcpdump test captures decode to the messages tcpdump shows; pyzmq
// epgm:// and pgm:// traffic captured by tcpdump in the test decodes byte for byte (multipart, larger than
// a packet, thousands of messages). Copies of that real capture with packets dropped, moved, repeated,
// turned into repairs or corrupted show late joins, losses, repairs, duplicates and malformed packets
// becoming records, never a crash.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCapture, type InspectRecord } from '../../../core/inspect/index.js';
import type { ErrorRecord, LossRecord, MessageRecord, PgmRecord } from '../../../core/inspect/records.js';
import { decodeLinkLayer, IpDefragmenter, openCapture, PcapWriter, type Packet } from '../../../core/capture/index.js';
import { encodePgmPacket, parsePgmPacket, writePgmChecksum, PGM_OPT_PRESENT, PGM_RDATA } from '../../../core/pgm/index.js';
import {
  capturePyzmqPgm,
  capturePyzmqEpgmRepairs,
  freeUdpPort,
  pgmPacketsOf,
  runPyzmqPubSub,
  testGroup,
  type PgmRun,
  REALCAPS,
  realcapsMissing,
} from '../../helpers/pgm.js';
import { tempDir } from '../../helpers/capture.js';
import { prng } from '../../helpers/random.js';

async function decode(file: string) {
  const records: InspectRecord[] = [];
  const summary = await decodeCapture(file, { onRecord: (r) => records.push(r) });
  const of = <T extends InspectRecord>(type: T['type']) => records.filter((r) => r.type === type) as T[];
  return {
    records,
    summary,
    messages: of<MessageRecord>('message'),
    pgm: of<PgmRecord>('pgm'),
    losses: of<LossRecord>('loss'),
    errors: of<ErrorRecord>('error'),
  };
}

/** Messages as lists of hex frames. */
const hexes = (ms: MessageRecord[]) => ms.map((m) => m.frames);

// ---- the tcpdump test captures ----

/** The ZMTP/1.0 frames tcpdump's pgm_zmtp1 printer shows starting in ODATA packets: body size and the bytes it dumps. */
function tcpdumpFrames(ref: string): { size: number; hex: string }[] {
  const out: { size: number; hex: string }[] = [];
  let cur: { size: number; hex: string } | undefined;
  for (const line of ref.split('\n')) {
    const start = /frame flags\+body\s+\((?:8|64)-bit\) length (\d+)/.exec(line);
    if (start) {
      cur = { size: Number(start[1]) - 1, hex: '' };
      out.push(cur);
      continue;
    }
    const dump = /^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4} ?)+)/.exec(line);
    if (dump && cur) cur.hex += dump[1].replace(/ /g, '');
    else cur = undefined;
  }
  return out;
}

for (const [name, ref] of [
  ['tcpdump_epgm_zmtp1.pcap', 'epgm_zmtp1v.out'],
  ['tcpdump_pgm_zmtp1.pcap', 'pgm_zmtp1v.out'],
]) {
  test(
    `real capture ${name}: the messages tcpdump shows, one PGM session, a record per PGM packet`,
    { skip: realcapsMissing },
    async () => {
      const refText = readFileSync(`${REALCAPS}/tcpdump-ref/${ref}`, 'utf8');
      const expected = tcpdumpFrames(refText);
      const d = await decode(`${REALCAPS}/${name}`);
      assert.equal(d.messages.length, expected.length);
      d.messages.forEach((m, i) => {
        assert.equal(m.frames.length, 1);
        assert.equal(m.sizes?.[0], expected[i].size, `message ${i} size`);
        assert.ok(m.frames[0].startsWith(expected[i].hex), `message ${i} bytes as tcpdump dumps them`);
      });
      // tcpdump prints the whole body of the frames that fit their packet.
      assert.deepEqual(
        d.messages.filter((_, i) => expected[i].hex.length === expected[i].size * 2).map((m) => m.frames[0]),
        expected.filter((e) => e.hex.length === e.size * 2).map((e) => e.hex),
      );
      assert.equal(d.pgm.length, (refText.match(/PGM, length/g) ?? []).length);
      assert.deepEqual(d.errors, []);
      const sessions = d.summary.connections.filter((c) => c.pgm);
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0].pgm!.transport, name.includes('epgm') ? 'epgm' : 'pgm');
      assert.equal(sessions[0].server, '239.255.0.16:5563');
      assert.equal(sessions[0].counts.c2s.messages, expected.length);
    },
  );
}

// ---- pyzmq epgm:// captured here, and copies of it ----

const rnd = prng(42);
const big = Buffer.from(Array.from({ length: 20000 }, () => Math.floor(rnd() * 256)));
const sent: Buffer[][] = [
  [Buffer.from('topic'), Buffer.from('multi'), Buffer.from('part'), Buffer.alloc(0)],
  [big],
  ...Array.from({ length: 2000 }, (_, i) => [Buffer.from('t'), Buffer.from(`message ${i}`)]),
  [Buffer.from('the end')],
];
const sentHex = sent.map((m) => m.map((f) => f.toString('hex')));

describe('pyzmq epgm:// captured by tcpdump here, and copies of that capture', () => {
  let run: PgmRun;
  let full: Awaited<ReturnType<typeof decode>>;
  const tmp = tempDir();

  before(async () => {
    run = await capturePyzmqPgm('epgm', sent);
    full = await decode(run.file);
  });
  after(() => {
    run?.cleanup();
    tmp.cleanup();
  });

  test('pyzmq epgm://: every message decodes byte for byte, in order, in one session without loss', () => {
    assert.deepEqual(run.received, sentHex, 'the pyzmq SUB got them all');
    assert.deepEqual(hexes(full.messages), sentHex);
    assert.deepEqual(full.errors, []);
    assert.deepEqual(full.losses, []);
    const sessions = full.summary.connections.filter((c) => c.pgm);
    assert.equal(sessions.length, 1);
    const s = sessions[0];
    assert.equal(s.pgm!.transport, 'epgm');
    assert.equal(s.server, `${run.group}:${run.port}`);
    assert.equal(s.counts.c2s.messages, sent.length);
    assert.equal(s.pgm!.lost, 0);
    assert.ok(s.pgm!.packets.ODATA > 10);
    // One 'pgm' record per PGM packet tcpdump sees on the port.
    const tcpdumpLines = execFileSync('tcpdump', ['-nr', run.file, `udp port ${run.port}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n');
    assert.equal(full.pgm.length, tcpdumpLines.length);
    // The large message spans packets: some ODATA name no message start.
    assert.ok(full.pgm.some((r) => r.packet === 'ODATA' && r.firstMessage === null));
  });

  interface Pkt {
    p: Packet;
    /** The PGM bytes inside p.data (a view: edits change the packet). */
    pgm?: Buffer;
  }

  async function packetsOf(file: string): Promise<Pkt[]> {
    const out: Pkt[] = [];
    for await (const p of openCapture(file)) {
      if ('kind' in p) continue;
      const packet = { ...p, data: Buffer.from(p.data) };
      let pgm: Buffer | undefined;
      decodeLinkLayer(packet, {
        defrag: new IpDefragmenter(),
        ts: 0,
        warn: () => {},
        datagram: (d) => {
          if (d.protocol === 17 && d.payload.readUInt16BE(2) === run.port) pgm = d.payload.subarray(8);
        },
      });
      out.push({ p: packet, pgm });
    }
    return out;
  }

  function writeCapture(name: string, pkts: Pkt[]): string {
    const w = new PcapWriter({ linkType: pkts[0].p.linkType, nanosecond: true });
    pkts.forEach(({ p }, i) => w.write({ tsSec: pkts[0].p.tsSec, tsNsec: i * 1000, data: p.data }));
    const file = join(tmp.dir, name);
    writeFileSync(file, w.toBuffer());
    return file;
  }

  const typeOf = (k: Pkt) => (k.pgm ? k.pgm[4] : -1);
  const sqnOf = (k: Pkt) => k.pgm!.readUInt32BE(16);
  const isOdata = (k: Pkt) => typeOf(k) === 0x04;

  test('late join: a capture that starts inside a message skips to the next message start', async () => {
    const pkts = await packetsOf(run.file);
    // Start the capture at an ODATA in the middle of the large message (no message starts in it).
    const cut = pkts.findIndex((k) => isOdata(k) && k.pgm!.readUInt16BE(24) === 0xffff);
    assert.ok(cut > 0);
    const d = await decode(writeCapture('late.pcap', pkts.slice(cut)));
    assert.deepEqual(hexes(d.messages), sentHex.slice(2));
    const s = d.summary.connections.find((c) => c.pgm)!;
    assert.equal(s.pgm!.lateJoin, true);
    assert.ok(s.pgm!.skippedBytes > 0);
    assert.deepEqual(d.losses, []);
    assert.deepEqual(d.errors, []);
  });

  test('a lost packet: a loss record, the messages it carried are missing, decoding resumes at the next message start', async () => {
    const pkts = await packetsOf(run.file);
    const odata = pkts.filter(isOdata);
    const victim = odata[odata.length - 5];
    const lostSqn = sqnOf(victim);
    const d = await decode(
      writeCapture(
        'lost.pcap',
        pkts.filter((k) => k !== victim),
      ),
    );
    assert.deepEqual(
      d.losses.map((l) => [l.first, l.last, l.count, l.reason]),
      [[lostSqn, lostSqn, 1, 'end-of-capture']],
    );
    const nextOffset = full.pgm.find((r) => r.packet === 'ODATA' && r.sqn === lostSqn + 1)!.firstMessage;
    const after = full.messages.filter((m) => m.sqn! > lostSqn);
    const expected = [...full.messages.filter((m) => m.sqn! < lostSqn), ...after.slice(nextOffset! > 0 ? 1 : 0)];
    assert.deepEqual(hexes(d.messages), hexes(expected));
    assert.ok(d.messages.length < full.messages.length);
    assert.equal(d.summary.connections.find((c) => c.pgm)!.pgm!.lost, 1);
  });

  test('reordered, repeated and repaired packets: every message once, in order; copies and repairs counted', async () => {
    const pkts = await packetsOf(run.file);
    const odata = pkts.filter(isOdata);
    const [a, b, c] = [odata[5], odata[9], odata[14]];
    // a arrives two packets late; b twice; c is lost and comes back as RDATA three packets later.
    const repair = { p: { ...c.p, data: Buffer.from(c.p.data) } } as Pkt;
    repair.pgm = repair.p.data.subarray(c.pgm!.byteOffset - c.p.data.byteOffset, c.pgm!.byteOffset - c.p.data.byteOffset + c.pgm!.length);
    repair.pgm[4] = PGM_RDATA;
    writePgmChecksum(repair.pgm);
    const out: Pkt[] = [];
    const pos = (k: Pkt) => pkts.indexOf(k);
    for (const k of pkts) {
      if (k === a || k === c) continue;
      out.push(k);
      if (k === b) out.push(b);
      if (pos(k) === pos(a) + 2) out.push(a);
      if (pos(k) === pos(c) + 3) out.push(repair);
    }
    const d = await decode(writeCapture('shuffled.pcap', out));
    assert.deepEqual(hexes(d.messages), sentHex);
    assert.deepEqual(d.losses, []);
    const s = d.summary.connections.find((x) => x.pgm)!.pgm!;
    assert.equal(s.duplicates, 1);
    assert.equal(s.repaired, 1);
    assert.equal(s.lost, 0);
    const status = (sqn: number, packet = 'ODATA') => d.pgm.filter((r) => r.sqn === sqn && r.packet === packet).map((r) => r.status);
    assert.deepEqual(status(sqnOf(b)), ['in-order', 'duplicate']);
    assert.deepEqual(status(sqnOf(c), 'RDATA'), ['repair']);
    assert.ok(d.pgm.some((r) => r.status === 'ahead'));
    assert.ok(d.messages.some((m) => m.repaired && m.sqn! >= sqnOf(c)));
  });

  test('malformed PGM: bad checksum, cut options, absurd sequence jump and a cut header become error records', async () => {
    const pkts = await packetsOf(run.file);
    const odata = pkts.filter(isOdata);
    // (An SPM after the first data: until a port has carried valid PGM, what fails to parse there is just UDP.)
    const spm = pkts.find((k, i) => typeOf(k) === 0x00 && i > pkts.indexOf(odata[0]))!;
    // Bad checksum: a data byte changed, checksum left as it was.
    odata[3].pgm![odata[3].pgm!.length - 1] ^= 0xff;
    // Options announced but none there.
    spm.pgm![5] |= PGM_OPT_PRESENT;
    writePgmChecksum(spm.pgm!);
    // A sequence number 2^30 ahead, checksum fixed so only the number is wrong.
    const jumped = odata[7];
    const jumpedSqn = sqnOf(jumped);
    jumped.pgm!.writeUInt32BE((jumpedSqn + 2 ** 30) >>> 0, 16);
    writePgmChecksum(jumped.pgm!);
    // A datagram on the EPGM port too short for a PGM header.
    const stub = { p: { ...odata[10].p, data: Buffer.from(odata[10].p.data) } } as Pkt;
    const off = odata[10].pgm!.byteOffset - odata[10].p.data.byteOffset;
    stub.p.data = stub.p.data.subarray(0, off + 10);
    stub.p.data.writeUInt16BE(stub.p.data.length - 14, 14 + 2); // IPv4 total length
    stub.p.data.writeUInt16BE(18, 14 + 20 + 4); // UDP length
    const d = await decode(
      writeCapture('malformed.pcap', [...pkts.slice(0, pkts.indexOf(odata[10])), stub, ...pkts.slice(pkts.indexOf(odata[10]))]),
    );
    const codes = d.errors.map((e) => e.code).sort();
    assert.deepEqual(codes, ['PGM_BAD_CHECKSUM', 'PGM_SEQUENCE_JUMP', 'PGM_TRUNCATED', 'PGM_TRUNCATED']);
    const session = d.summary.connections.find((c) => c.pgm)!;
    // Errors with a readable header go to the session; the 10-byte datagram names none (conn 0).
    assert.deepEqual(
      d.errors.map((e) => e.conn),
      d.errors.map((e) => (e.message.includes('header needs') ? 0 : session.id)),
    );
    assert.equal(session.pgm!.malformed, 2, 'the bad checksum and the cut options');
    // The packets refused are lost; everything else still decodes.
    assert.deepEqual(d.losses.map((l) => l.first).sort(), [sqnOf(odata[3]), jumpedSqn].sort());
    assert.ok(d.messages.length > full.messages.length - 40);
    const sentSet = new Set(sentHex.map((m) => m.join(',')));
    for (const m of d.messages) assert.ok(sentSet.has(m.frames.join(',')), 'only messages that were sent');
  });
});

test('pyzmq pgm:// (PGM right over IP, as root): every message decodes byte for byte', async () => {
  const messages = [
    [Buffer.from('raw'), Buffer.from('pgm')],
    [big.subarray(0, 5000)],
    ...Array.from({ length: 50 }, (_, i) => [Buffer.from(`m${i}`)]),
  ];
  const r = await capturePyzmqPgm('pgm', messages);
  try {
    const expected = messages.map((m) => m.map((f) => f.toString('hex')));
    assert.deepEqual(r.received, expected);
    const d = await decode(r.file);
    const mine = d.summary.connections.filter((c) => c.pgm && c.server === `${r.group}:${r.port}`);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].pgm!.transport, 'pgm');
    assert.deepEqual(hexes(d.messages.filter((m) => m.conn === mine[0].id)), expected);
    assert.deepEqual(
      d.errors.filter((e) => e.conn === mine[0].id),
      [],
    );
  } finally {
    r.cleanup();
  }
});

test('real losses: a pyzmq SUB that loses packets NAKs them (NAK lists), OpenPGM confirms (NCF) and repairs (RDATA); all decoded', async () => {
  const messages = Array.from({ length: 900 }, (_, i) => [Buffer.from('topic'), Buffer.from(`payload ${i} `.padEnd(200, '.'))]);
  // The loss comes from the SUB's tiny receive buffer overflowing under the burst; when the machine lets
  // the SUB keep up, nothing is lost and nothing is NAKed, so the run is taken again (at most 3 times).
  let r = await capturePyzmqEpgmRepairs(messages);
  let d = await decode(r.file);
  for (let attempt = 1; attempt < 3 && !d.pgm.some((x) => x.packet === 'NAK'); attempt++) {
    r.cleanup();
    r = await capturePyzmqEpgmRepairs(messages);
    d = await decode(r.file);
  }
  try {
    const expected = messages.map((m) => m.map((f) => f.toString('hex')));
    // The capture was taken on the way out, so it holds every ODATA: every message, once, in order.
    assert.deepEqual(hexes(d.messages), expected);
    assert.deepEqual(d.errors, []);
    const s = d.summary.connections.find((c) => c.pgm)!.pgm!;
    const naks = d.pgm.filter((x) => x.packet === 'NAK');
    assert.ok(naks.length > 0 && s.naks > 0, 'the SUB NAKed');
    assert.ok(
      naks.every((x) => x.dir === 's2c' && x.sourceNla === '127.0.0.1' && x.groupNla === r.group),
      'NAKs name the source and the group',
    );
    // Whether OpenPGM's source gets to confirm and repair before the test ends depends on timing; when it
    // does (most runs), its NCFs go downstream and its repairs answer NAKs.
    assert.ok(d.pgm.filter((x) => x.packet === 'NCF').every((x) => x.dir === 'c2s' && x.groupNla === r.group));
    const rdata = d.pgm.filter((x) => x.packet === 'RDATA');
    // Every repair resends a sequence number some NAK asked for (in its own field or its NAK list).
    const asked = new Set(
      naks.flatMap((x) => [x.sqn!, ...(x.options ?? []).flatMap((o) => (o.name === 'nak-list' ? (o.sqns as number[]) : []))]),
    );
    assert.ok(rdata.every((x) => asked.has(x.sqn!)));
    // The capture saw the originals, so repairs are copies here.
    assert.ok(rdata.every((x) => x.status === 'duplicate'));
    assert.equal(s.lost, 0);
    // OpenPGM's NAKs (with NAK lists), NCFs and RDATA serialise back to the very bytes it sent.
    const packets = await pgmPacketsOf(r.file, r.port);
    for (const c of packets) {
      const p = parsePgmPacket(c.bytes);
      assert.ok(p.ok, `packet ${c.index}: ${!p.ok && p.message}`);
      assert.ok(encodePgmPacket(p.packet).equals(c.bytes), `packet ${c.index} (${p.packet.type}) round-trips`);
    }
    assert.ok(
      packets.some((c) => c.bytes[4] === 0x08 && c.bytes[5] & PGM_OPT_PRESENT),
      'a NAK with options (its NAK list) among them',
    );
  } finally {
    r.cleanup();
  }
});

test(
  'zmtp decode --json on an EPGM capture: open, a pgm record per packet, the messages, close; PGM sessions in the summary',
  { skip: realcapsMissing },
  async () => {
    const cli = fileURLToPath(new URL('./zmtp-cli.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'decode', '--json', `${REALCAPS}/tcpdump_epgm_zmtp1.pcap`], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InspectRecord);
    assert.deepEqual([...new Set(lines.map((l) => l.type))], ['open', 'pgm', 'message', 'close']);
    assert.equal(lines.filter((l) => l.type === 'pgm').length, 15);
    const odata = lines.find((l) => l.type === 'pgm' && l.packet === 'ODATA') as PgmRecord;
    assert.deepEqual(
      { ...odata, ts: 0 },
      {
        type: 'pgm',
        ts: 0,
        src: '10.0.0.45:40251',
        dst: '239.255.0.16:5563',
        conn: 1,
        dir: 'c2s',
        packet: 'ODATA',
        transport: 'epgm',
        tsi: '47e3fdad9a9c.39236',
        sqn: 282,
        trail: 0,
        tsduLength: 1428,
        firstMessage: 0,
        status: 'in-order',
      },
    );
    assert.equal(lines.filter((l) => l.type === 'message').length, 4);
    const readable = spawnSync(process.execPath, ['--import', 'tsx', cli, 'decode', `${REALCAPS}/tcpdump_epgm_zmtp1.pcap`], {
      encoding: 'utf8',
    });
    assert.equal(readable.status, 0, readable.stderr);
    assert.match(readable.stdout, /PGM +ODATA sqn 284 trail 0 121B first message at 82 tsi 47e3fdad9a9c\.39236/);
    assert.match(readable.stdout + readable.stderr, /0 TCP connections \(0 ZMTP\), 1 PGM sessions, 4 messages/);
  },
);

test('zmtp capture -i lo --json: live EPGM from pyzmq decodes as it flows', async () => {
  const port = await freeUdpPort();
  const dir = tempDir();
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const probePort = probe.address().port;
  const cli = fileURLToPath(new URL('./zmtp-cli.ts', import.meta.url));
  const saved = join(dir.dir, 'live-epgm.pcapng');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'capture', '-i', 'lo', '-f', `udp port ${port} or udp port ${probePort}`, '--json', '-w', saved],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    while (!/capturing on lo/.test(stderr)) {
      assert.equal(child.exitCode, null, stderr);
      await sleep(50);
    }
    // The tool reports readiness a little early: wait until a UDP probe reaches the saved file.
    const probeText = Buffer.from(`zmtp-pgm-probe-${probePort}`);
    while (!(existsSync(saved) && readFileSync(saved).includes(probeText))) {
      probe.send(probeText, probePort, '127.0.0.1');
      await sleep(50);
    }
    const messages = [[Buffer.from('live'), Buffer.from('epgm')], [big.subarray(0, 3000)], [Buffer.from('LIVE-END')]];
    await runPyzmqPubSub(`epgm://127.0.0.1;${testGroup(port)}:${port}`, messages, dir.dir);
    const end = Buffer.from('LIVE-END').toString('hex');
    while (!stdout.includes(end)) {
      assert.equal(child.exitCode, null, stderr);
      await sleep(50);
    }
    child.kill('SIGINT');
    assert.equal(await done, 0, stderr);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InspectRecord);
    assert.deepEqual(
      lines.filter((l) => l.type === 'message').map((l) => l.frames),
      messages.map((m) => m.map((f) => f.toString('hex'))),
    );
    assert.ok(lines.some((l) => l.type === 'pgm' && l.packet === 'SPM'));
    assert.deepEqual(
      lines.filter((l) => l.type === 'error'),
      [],
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    probe.close();
    dir.cleanup();
  }
});
