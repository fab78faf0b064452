// A real capture (two REQ clients, one REP, tcpdump) rewritten the ways captures go wrong: cut into
// tiny reordered and duplicated segments, started mid-connection, with a lost segment, and mutated at
// random (seeded). Decoding must recover what it can, flag what it cannot, and never throw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fragmentIpPacket,
  PcapWriter,
  TcpReassembler,
  CaptureError,
  TCP_SYN,
  TCP_FIN,
  LINKTYPE_ETHERNET,
  type DecodedPacket,
  type TcpStreamEvent,
} from '../../../core/capture/index.js';
import { decodeCapture } from '../../../core/inspect/decode-capture.js';
import { Inspector } from '../../../core/inspect/inspector.js';
import type { InspectRecord, MessageRecord } from '../../../core/inspect/records.js';
import { tempDir } from '../../helpers/capture.js';
import { captureTwoRequesters, decodeFile, messages, errors, zmtpConns, framesOf } from './helpers.js';
import { rng } from '../../unit/inspect/relay.js';
import { tshark } from '../capture/helpers.js';
import { readTcpPackets, writeTcpPackets, firstClientPort, nthDataPacket, tcpFrame, type TcpPacket } from '../../helpers/tcp-rewrite.js';

type Pkt = TcpPacket;

const t = tempDir();
let original: Pkt[] = [];
let baseline: InspectRecord[] = [];
let conns: number[] = [];
const N = 12;

before(async () => {
  const file = await captureTwoRequesters(t.dir, 'two.pcap', N);
  original = await readTcpPackets(file);
  const decoded = await decodeFile(file);
  baseline = decoded.records;
  conns = zmtpConns(baseline);
});

after(() => t.cleanup());

function write(pkts: Pkt[], name: string): string {
  const file = join(t.dir, name);
  writeTcpPackets(pkts, file);
  return file;
}

function withTcp(p: Pkt, changes: Partial<DecodedPacket['tcp']>): Pkt {
  const tcp = { ...p.d.tcp, ...changes };
  return { ts: p.ts, d: { ...p.d, tcp: { ...tcp, payloadLength: tcp.payload.length } } };
}

const msgs = (rs: InspectRecord[], conn: number, dir: 'c2s' | 's2c') => framesOf(messages(rs, conn, dir));

test('the baseline capture decodes cleanly: two connections, every message', () => {
  assert.deepEqual(errors(baseline), []);
  assert.equal(conns.length, 2);
  for (const conn of conns) {
    assert.equal(msgs(baseline, conn, 'c2s').length, N);
    assert.equal(msgs(baseline, conn, 's2c').length, N);
  }
});

test('cut into 1-7 byte segments, reordered and duplicated: the same records', async () => {
  const random = rng(42);
  const pieces: { key: number; p: Pkt }[] = [];
  original.forEach((p, index) => {
    const tcp = p.d.tcp;
    if (tcp.flags & TCP_SYN) {
      pieces.push({ key: index - 10, p });
      return;
    }
    if (tcp.payload.length === 0) {
      pieces.push({ key: index + random() * 3, p });
      return;
    }
    let off = 0;
    while (off < tcp.payload.length) {
      const n = Math.min(tcp.payload.length - off, 1 + Math.floor(random() * 7));
      const last = off + n === tcp.payload.length;
      const piece = withTcp(p, {
        seq: (tcp.seq + off) >>> 0,
        payload: tcp.payload.subarray(off, off + n),
        flags: last ? tcp.flags : tcp.flags & ~TCP_FIN,
      });
      pieces.push({ key: index + random() * 3, p: piece });
      if (random() < 0.2) pieces.push({ key: index + random() * 3, p: piece }); // retransmission
      off += n;
    }
  });
  pieces.sort((a, b) => a.key - b.key);
  assert.ok(pieces.length > original.length * 5);
  const file = write(
    pieces.map((x) => x.p),
    'resegmented.pcap',
  );
  const { records } = await decodeFile(file);
  assert.deepEqual(errors(records), []);
  for (const conn of conns) {
    for (const dir of ['c2s', 's2c'] as const) assert.deepEqual(msgs(records, conn, dir), msgs(baseline, conn, dir));
  }
});

for (const ipVersion of [4, 6] as const) {
  test(`IPv${ipVersion}-fragmented (fragments of 256 bytes, shuffled, some twice): the same records, and tshark agrees on the bytes`, async () => {
    const random = rng(7 + ipVersion);
    const w = new PcapWriter({ linkType: LINKTYPE_ETHERNET, nanosecond: true });
    let id = 1;
    let fragmented = 0;
    for (const p of original) {
      const tcp = p.d.tcp;
      // IPv6: the same conversation between [::1] ports (both connections stay apart by port).
      const frame = ipVersion === 4 ? tcpFrame(p) : tcpFrame(p, '::1', '::1');
      let frames = tcp.payload.length > 256 ? fragmentIpPacket(frame, LINKTYPE_ETHERNET, 256, id++) : [frame];
      if (frames.length > 1) {
        fragmented++;
        frames = frames
          .map((f) => [random(), f] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, f]) => f);
        if (random() < 0.3) frames.splice(Math.floor(random() * frames.length), 0, frames[Math.floor(random() * frames.length)]);
      }
      const sec = Math.floor(p.ts);
      for (const data of frames) w.write({ tsSec: sec, tsNsec: Math.round((p.ts - sec) * 1e9), data });
    }
    assert.ok(fragmented >= 10, `${fragmented} segments fragmented`);
    const file = join(t.dir, `fragmented-v${ipVersion}.pcap`);
    writeFileSync(file, w.toBuffer());
    const { records } = await decodeFile(file);
    assert.deepEqual(errors(records), []);
    assert.equal(zmtpConns(records).length, 2);
    for (const [i, conn] of zmtpConns(records).entries()) {
      for (const dir of ['c2s', 's2c'] as const) assert.deepEqual(msgs(records, conn, dir), msgs(baseline, conns[i], dir));
    }
    // Wireshark's IP reassembly sees the same TCP bytes in the rewritten file as were in the original.
    const tcpBytes = (rows: string[][]) => rows.reduce((n, [len]) => n + Number(len || 0), 0);
    assert.equal(
      tcpBytes(tshark(file, ['tcp.len'], 'tcp')),
      original.reduce((n, p) => n + p.d.tcp.payload.length, 0),
    );
  });
}

test('capture started mid-connection: frames found heuristically, later messages recovered exactly', async () => {
  const [a, b] = conns;
  // Drop the first packets of every connection up to and including the 3rd request of connection a.
  const start = nthDataPacket(original, firstClientPort(original), 6);
  const file = write(original.slice(start + 1), 'midstream.pcap');
  const { records } = await decodeFile(file);
  const ids = [...new Set(records.filter((r) => r.type === 'message').map((r) => r.conn))];
  assert.equal(ids.length, 2, 'both connections decoded');
  for (const base of [a, b]) {
    const c2sSender = messages(baseline, base, 'c2s')[0].src;
    const conn = records.find((r) => r.type === 'message' && r.src === c2sSender)!.conn;
    for (const dir of ['c2s', 's2c'] as const) {
      // Seen mid-stream, the first packet's sender counts as the client: match directions by sender.
      const want = msgs(baseline, base, dir);
      const sender = messages(baseline, base, dir)[0].src;
      const got = records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.src === sender);
      assert.ok(got.length >= N - 4, `${dir}: ${got.length} messages recovered`);
      assert.ok(got.every((m: MessageRecord) => m.heuristic === true));
      // Everything after the first (possibly cut) message is exact.
      assert.deepEqual(framesOf(got.slice(1)), want.slice(want.length - got.length + 1));
    }
  }
});

test('a lost segment: one gap record, the other connection untouched, decoding resumes after it', async () => {
  const [a, b] = conns;
  const lost = nthDataPacket(original, firstClientPort(original), 8);
  const file = write(
    original.filter((_, i) => i !== lost),
    'lost.pcap',
  );
  const { records } = await decodeFile(file);
  const gaps = records.filter((r) => r.type === 'gap');
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0].conn, a);
  assert.equal(gaps[0].dir, 'c2s');
  for (const dir of ['c2s', 's2c'] as const) assert.deepEqual(msgs(records, b, dir), msgs(baseline, b, dir));
  assert.deepEqual(msgs(records, a, 's2c'), msgs(baseline, a, 's2c'));
  const up = messages(records, a, 'c2s');
  const want = msgs(baseline, a, 'c2s');
  assert.ok(up.length >= N - 2 && up.length < N, `${up.length} requests of connection a`);
  const resumed = up.filter((m) => m.heuristic);
  assert.ok(resumed.length >= 3);
  assert.deepEqual(framesOf(resumed), want.slice(want.length - resumed.length));
  assert.equal(records.filter((r) => r.type === 'error' && r.conn === b).length, 0);
});

test("seeded mutations of one connection's bytes: never a throw, the other connection decoded exactly", () => {
  const [a, b] = conns;
  const events: TcpStreamEvent[] = [];
  const r = new TcpReassembler();
  for (const p of original) events.push(...r.pushDecoded(p.d, p.ts));
  events.push(...r.end());
  for (let seed = 1; seed <= 300; seed++) {
    const random = rng(seed);
    const records: InspectRecord[] = [];
    const inspector = new Inspector({ onRecord: (x) => records.push(x) });
    for (const ev of events) {
      if (ev.kind === 'data' && ev.conn.id === a && random() < 0.3) {
        const data = Buffer.from(ev.data);
        const flips = 1 + Math.floor(random() * 4);
        for (let k = 0; k < flips; k++) {
          const at = Math.floor(random() * data.length);
          const kind = random();
          data[at] = kind < 0.5 ? Math.floor(random() * 256) : kind < 0.75 ? 0xff : data[at] ^ 0x02;
        }
        inspector.push({ ...ev, data: random() < 0.1 ? data.subarray(0, Math.floor(data.length / 2)) : data });
      } else {
        inspector.push(ev);
      }
    }
    inspector.end();
    for (const dir of ['c2s', 's2c'] as const) assert.deepEqual(msgs(records, b, dir), msgs(baseline, b, dir), `seed ${seed}`);
    assert.ok(
      records.some((x) => x.type === 'close' && x.conn === b),
      `seed ${seed}: b closed`,
    );
    // The damaged one is closed too, unless its first bytes no longer look like ZMTP at all.
    assert.ok(
      records.some((x) => x.conn === a && (x.type === 'close' || (x.type === 'error' && x.code.startsWith('NOT_ZMTP_')))),
      `seed ${seed}: a closed or dismissed`,
    );
  }
});

test('seeded mutations of the capture file itself: records or a CaptureError, never a crash', async () => {
  const file = write(original, 'fuzz-base.pcap');
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(file);
  let decodedSome = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const random = rng(1000 + seed);
    const m = Buffer.from(bytes);
    const flips = 1 + Math.floor(random() * 20);
    for (let k = 0; k < flips; k++) m[Math.floor(random() * m.length)] = Math.floor(random() * 256);
    const cut = random() < 0.2 ? m.subarray(0, Math.floor(random() * m.length)) : m;
    let messagesSeen = 0;
    try {
      await decodeCapture(
        (async function* () {
          yield cut;
        })(),
        {
          onRecord: (r) => {
            if (r.type === 'message') messagesSeen++;
          },
        },
      );
      if (messagesSeen > 0) decodedSome++;
    } catch (e) {
      assert.ok(e instanceof CaptureError, `seed ${seed}: ${(e as Error).stack}`);
    }
  }
  assert.ok(decodedSome > 30, `most mutated files still yield messages (${decodedSome})`);
});

test('decodeCapture stops when its signal aborts, and reports progress against the file size', async () => {
  const file = write(original, 'abort.pcap');
  const { statSync } = await import('node:fs');
  const size = statSync(file).size;
  const abort = new AbortController();
  let seen = 0;
  const progress: { bytesRead: number; totalBytes?: number }[] = [];
  const summary = await decodeCapture(file, {
    signal: abort.signal,
    progressStepBytes: 1,
    onProgress: (p) => progress.push(p),
    onRecord: (r) => {
      if (r.type === 'message' && ++seen === 3) abort.abort();
    },
  });
  assert.equal(summary.aborted, true);
  assert.ok(summary.packets < original.length, `${summary.packets} of ${original.length} packets read`);
  assert.ok(summary.stats.messages < 4 * N);
  assert.ok(progress.length > 0 && progress.every((p) => p.totalBytes === size && p.bytesRead <= size));
  const full = await decodeCapture(file, { progressStepBytes: 1, onProgress: (p) => progress.push(p) });
  assert.equal(full.aborted, false);
  assert.equal(full.packets, original.length);
  assert.equal(progress[progress.length - 1].bytesRead, size);
});
