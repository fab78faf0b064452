// Captures of real libzmq traffic (REQ/REP through the zeromq package, tcpdump on loopback, with the
// SYNs and FINs) rewritten into what captures from elsewhere look like:
// - cut into small segments, shuffled within windows that include the SYN and the FIN, with duplicates;
// - started mid-stream at random packets.
// Every message must come back byte for byte, and every record must carry the time of the packet that
// completed it: the latest-captured of the packets carrying its bytes and every byte before them. The
// test finds that packet itself, from the TCP sequence numbers of the rewritten file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { seqDiff, TCP_FIN, TCP_SYN } from '../../../core/capture/index.js';
import type { InspectRecord, MessageRecord } from '../../../core/inspect/records.js';
import { startCapture, tempDir, portOf } from '../../helpers/capture.js';
import { prng } from '../../helpers/random.js';
import { decodeFile, errors, framesOf, hexOf } from './helpers.js';
import { decodeCapture } from '../../../core/inspect/decode-capture.js';
import { encodeMessage, type Framing } from '../../../core/zmtp/index.js';
import net from 'node:net';
import { waitForFins } from '../capture/helpers.js';
import { readTcpPackets, writeTcpPackets, type TcpPacket } from '../../helpers/tcp-rewrite.js';

type Pkt = TcpPacket;

const t = tempDir();
let original: Pkt[] = [];
/** The file tcpdump wrote (microsecond timestamps). */
let capturedFile = '';
/** What each REQ client sent and got back, as hex frames per message. */
const sent: { requests: string[][]; replies: string[][] }[] = [];
const CLIENTS = 2;
const ROUNDS = 25;

before(async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, t.dir, 'order.pcap');
  const reqs = Array.from({ length: CLIENTS }, () => new zmq.Request({ linger: 0 }));
  try {
    reqs.forEach((r) => r.connect(`tcp://127.0.0.1:${port}`));
    for (let k = 0; k < CLIENTS; k++) sent.push({ requests: [], replies: [] });
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, req] of reqs.entries()) {
        // Mostly small messages, some spanning several loopback segments.
        const body = i % 9 === 4 ? Buffer.alloc(150_000 + k, 0x41 + k + i) : Buffer.alloc(i * 37 + k, k + i);
        const request = [Buffer.from(`client ${k} request ${i}`), body];
        await req.send(request);
        const [msg] = await rep.receive();
        const reply = [Buffer.from(`reply to ${msg}`), Buffer.from('x'.repeat(i))];
        await rep.send(reply);
        await req.receive();
        // REQ puts an empty delimiter frame first; REP sends it back.
        sent[k].requests.push(['', ...request.map(hexOf)]);
        sent[k].replies.push(['', ...reply.map(hexOf)]);
      }
    }
    reqs.forEach((r) => r.close());
    await waitForFins(cap.file, 2 * CLIENTS);
    await cap.stop();
  } finally {
    cap.kill();
    reqs.forEach((r) => {
      if (!r.closed) r.close();
    });
    rep.close();
  }
  original = await readTcpPackets(cap.file);
  capturedFile = cap.file;
});

after(() => t.cleanup());

function write(pkts: Pkt[], name: string): string {
  const file = join(t.dir, name);
  writeTcpPackets(pkts, file);
  return file;
}

/** ZMTP 3 encoding of a message's frames (short frames up to 255 bytes, long above). */
function encode(frames: string[]): Buffer {
  return Buffer.concat(
    frames.map((hex, i) => {
      const body = Buffer.from(hex, 'hex');
      const more = i < frames.length - 1 ? 1 : 0;
      if (body.length <= 255) return Buffer.concat([Buffer.from([more, body.length]), body]);
      const h = Buffer.alloc(9);
      h[0] = more | 2;
      h.writeBigUInt64BE(BigInt(body.length), 1);
      return Buffer.concat([h, body]);
    }),
  );
}

/**
 * Per direction ("ip:port>ip:port"), the byte stream the file carries from the lowest sequence number seen, and
 * for each byte the capture time of the packet that completed it: the latest (in file order) of the
 * first packets to carry each byte up to it.
 */
function streamsOf(pkts: Pkt[]): Map<string, { bytes: Buffer; doneTs: number[] }> {
  const bySender = new Map<string, { seq: number; payload: Buffer; pos: number }[]>();
  pkts.forEach((p, pos) => {
    if (p.d.tcp.payload.length === 0) return;
    const key = `${p.d.src}:${p.d.tcp.srcPort}>${p.d.dst}:${p.d.tcp.dstPort}`;
    if (!bySender.has(key)) bySender.set(key, []);
    bySender.get(key)!.push({ seq: p.d.tcp.seq, payload: p.d.tcp.payload, pos });
  });
  const out = new Map<string, { bytes: Buffer; doneTs: number[] }>();
  for (const [key, segs] of bySender) {
    const base = segs.reduce((m, s) => (seqDiff(s.seq, m) < 0 ? s.seq : m), segs[0].seq);
    const length = Math.max(...segs.map((s) => seqDiff(s.seq, base) + s.payload.length));
    const bytes = Buffer.alloc(length);
    const firstPos = new Array<number>(length).fill(Infinity);
    for (const s of segs) {
      const off = seqDiff(s.seq, base);
      s.payload.copy(bytes, off);
      for (let i = 0; i < s.payload.length; i++) if (firstPos[off + i] > s.pos) firstPos[off + i] = s.pos;
    }
    const doneTs: number[] = new Array(length);
    let latest = -1;
    for (let i = 0; i < length; i++) {
      assert.ok(firstPos[i] !== Infinity, `${key}: byte ${i} never captured`);
      latest = Math.max(latest, firstPos[i]);
      doneTs[i] = pkts[latest].ts;
    }
    out.set(key, { bytes, doneTs });
  }
  return out;
}

/** Checks every greeting, READY and message record's time against the packet that completed it. */
function checkTimes(records: InspectRecord[], pkts: Pkt[], framing: Framing = 'v3'): number {
  const streams = streamsOf(pkts);
  const cursor = new Map<string, number>();
  let checked = 0;
  for (const r of records) {
    const dir = `${r.src}>${r.dst}`;
    const s = streams.get(dir);
    if (!s) continue;
    let last: number | undefined;
    const from = cursor.get(dir) ?? 0;
    if (r.type === 'greeting') {
      assert.equal(s.bytes[0], 0xff, `${r.src}: greeting at the start of the stream`);
      last = 63;
    } else if (r.type === 'command' && r.name === 'READY') {
      const at = s.bytes.indexOf(Buffer.from('\x05READY', 'latin1'), from);
      assert.ok(at >= 2 && s.bytes[at - 2] === 0x04, `${r.src}: READY found`);
      last = at + s.bytes[at - 1] - 1;
    } else if (r.type === 'message') {
      const enc =
        framing === 'v3'
          ? encode(r.frames)
          : encodeMessage(
              framing,
              r.frames.map((f) => Buffer.from(f, 'hex')),
            );
      const at = s.bytes.indexOf(enc, from);
      assert.ok(
        at >= 0,
        `${r.src}: message ${JSON.stringify(r.frames.map((f) => f.slice(0, 40)))} found in the stream after offset ${from}`,
      );
      last = at + enc.length - 1;
    }
    if (last === undefined) continue;
    cursor.set(dir, last + 1);
    assert.equal(r.ts, s.doneTs[last], `${r.type} of ${r.src} ending at stream offset ${last}: time of the packet that completed it`);
    checked++;
  }
  return checked;
}

/** The client whose requests a connection carried (requests name their client). */
function clientOf(records: InspectRecord[], conn: number): number {
  const m = records.find(
    (r): r is MessageRecord =>
      r.type === 'message' &&
      r.conn === conn &&
      Buffer.from(r.frames[1] ?? '', 'hex')
        .toString()
        .startsWith('client '),
  );
  assert.ok(m, `connection ${conn} carried a request`);
  return Number(Buffer.from(m.frames[1], 'hex').toString().split(' ')[1]);
}

test('the capture holds both connections from SYN to FIN, and decodes to exactly what was sent, on time', async () => {
  assert.equal(original.filter((p) => p.d.tcp.flags & TCP_SYN).length, 2 * CLIENTS);
  assert.ok(original.filter((p) => p.d.tcp.flags & TCP_FIN).length >= 2 * CLIENTS);
  const { records } = await decodeFile(write(original, 'original.pcap'));
  assert.deepEqual(errors(records), []);
  for (const conn of new Set(records.filter((r) => r.type === 'message').map((r) => r.conn))) {
    const k = clientOf(records, conn);
    assert.deepEqual(
      framesOf(records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.dir === 'c2s')),
      sent[k].requests,
    );
    assert.deepEqual(
      framesOf(records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.dir === 's2c')),
      sent[k].replies,
    );
  }
  assert.ok(checkTimes(records, original) >= 2 * CLIENTS * (ROUNDS + 2));
});

/** Segments with data captured before their direction's SYN, and FINs captured before data of theirs. */
function anomalies(pkts: Pkt[]): { dataBeforeSyn: number; finBeforeData: number } {
  const dirOf = (p: Pkt) => `${p.d.src}:${p.d.tcp.srcPort}>${p.d.dst}:${p.d.tcp.dstPort}`;
  const synSeen = new Set<string>();
  const finSeen = new Set<string>();
  let dataBeforeSyn = 0;
  let finBeforeData = 0;
  for (const p of pkts) {
    const dir = dirOf(p);
    if (p.d.tcp.flags & TCP_SYN) synSeen.add(dir);
    if (p.d.tcp.payload.length > 0) {
      if (!synSeen.has(dir)) dataBeforeSyn++;
      if (finSeen.has(dir)) finBeforeData++;
    }
    if (p.d.tcp.flags & TCP_FIN) finSeen.add(dir);
  }
  return { dataBeforeSyn, finBeforeData };
}

for (const [seed, window, minAnomalies] of [
  [1, 6, 0],
  [2, 6, 0],
  [3, 24, 1],
  [4, 400, 2],
] as const) {
  test(`cut into 1-300 byte segments, shuffled within windows of ${window} packets that include the SYNs and FINs, 20% duplicated (seed ${seed}): every message byte for byte, on time`, async () => {
    const random = prng(seed);
    const pieces: Pkt[] = [];
    for (const p of original) {
      const tcp = p.d.tcp;
      if (tcp.payload.length === 0) {
        pieces.push(p);
        continue;
      }
      for (let off = 0; off < tcp.payload.length;) {
        const n = Math.min(tcp.payload.length - off, 1 + Math.floor(random() * 300));
        const last = off + n === tcp.payload.length;
        const payload = tcp.payload.subarray(off, off + n);
        const piece = {
          ts: p.ts,
          d: {
            ...p.d,
            tcp: { ...tcp, seq: (tcp.seq + off) >>> 0, payload, payloadLength: n, flags: last ? tcp.flags : tcp.flags & ~TCP_FIN },
          },
        };
        pieces.push(piece);
        if (random() < 0.2) pieces.push(piece);
        off += n;
      }
    }
    const keyed = pieces.map((p, i) => ({ key: i + random() * window, p }));
    keyed.sort((a, b) => a.key - b.key);
    // A capture's clock runs forward in file order: time the shuffled packets 1 µs apart.
    const t0 = Math.floor(original[0].ts);
    const shuffled = keyed.map(({ p }, i) => ({ ts: t0 + i * 1e-6, d: p.d }));
    const { dataBeforeSyn, finBeforeData } = anomalies(shuffled);
    const file = write(shuffled, `shuffled-${seed}.pcap`);
    const back = await readTcpPackets(file);
    const { records } = await decodeFile(file);
    assert.deepEqual(errors(records), []);
    // On one thread (as live captures and small uploads decode: the same plain path, then events), the same.
    const oneThread: InspectRecord[] = [];
    await decodeCapture(file, { captureThread: 'off', onRecord: (r) => oneThread.push(r) });
    assert.deepEqual(oneThread, records, 'the same records with the capture thread off');
    const conns = [...new Set(records.filter((r) => r.type === 'message').map((r) => r.conn))];
    assert.equal(conns.length, CLIENTS);
    for (const conn of conns) {
      const k = clientOf(records, conn);
      assert.deepEqual(
        framesOf(records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.dir === 'c2s')),
        sent[k].requests,
      );
      assert.deepEqual(
        framesOf(records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.dir === 's2c')),
        sent[k].replies,
      );
      const close = records.find((r) => r.type === 'close' && r.conn === conn);
      assert.equal(close?.type === 'close' && close.reason, 'fin', `connection ${conn} closed by its FINs`);
    }
    assert.ok(
      records.every((r) => r.type !== 'open' || r.reason !== 'midstream'),
      'no connection taken for mid-stream',
    );
    assert.ok(checkTimes(records, back) >= 2 * CLIENTS * (ROUNDS + 2));
    assert.ok(
      dataBeforeSyn + finBeforeData >= minAnomalies,
      `the shuffle put data before a SYN (${dataBeforeSyn}) or a FIN before data (${finBeforeData})`,
    );
  });
}

test('started mid-stream at random packets (seeded): every record found after the cut on time, later messages exact', async () => {
  const random = prng(99);
  for (let round = 0; round < 12; round++) {
    const cut = 1 + Math.floor(random() * (original.length - 20));
    const pkts = original.slice(cut);
    const { records } = await decodeFile(write(pkts, `midstream-${round}.pcap`));
    const checked = checkTimes(records, pkts);
    assert.ok(checked > 0 || records.filter((r) => r.type === 'message').length === 0, `round ${round}: cut at packet ${cut}`);
    // After the first message of each direction (which may be cut), the messages are exact.
    for (const conn of new Set(records.filter((r) => r.type === 'message').map((r) => r.conn))) {
      const k = clientOf(records, conn);
      for (const [want, isRequest] of [
        [sent[k].requests, true],
        [sent[k].replies, false],
      ] as const) {
        const got = framesOf(
          records.filter(
            (r): r is MessageRecord =>
              r.type === 'message' &&
              r.conn === conn &&
              Buffer.from(r.frames[1] ?? '', 'hex')
                .toString()
                .startsWith(isRequest ? 'client ' : 'reply '),
          ),
        );
        if (got.length < 2) continue;
        assert.deepEqual(got.slice(1), want.slice(want.length - got.length + 1), `round ${round}: cut at packet ${cut}`);
      }
    }
  }
});

test("no float noise in any JSON number: reply latencies and totals are rounded to the capture's microseconds", async () => {
  const records: InspectRecord[] = [];
  const summary = await decodeCapture(capturedFile, { onRecord: (r) => records.push(r) });
  const replies = records.filter((r): r is MessageRecord => r.type === 'message' && r.replyTo !== undefined);
  assert.equal(replies.length, CLIENTS * ROUNDS);
  for (const r of replies) assert.equal(r.replyTo!.latency, Math.round((r.ts - r.replyTo!.ts) * 1e6) / 1e6);
  // Every number in the JSON: at most 6 decimals (the capture's resolution).
  const json = [...records.map((r) => JSON.stringify(r)), JSON.stringify(summary.connections), JSON.stringify(summary.stats)].join('\n');
  const noisy = json.match(/(?<![0-9a-f"])\d+\.\d{7,}/g) ?? [];
  assert.deepEqual(noisy, []);
  assert.ok(summary.connections.some((c) => c.pairs.matched === ROUNDS && c.pairs.totalLatency > 0));
});

test('ZMTP 1.0 (a raw 1.0 peer and libzmq ROUTER falling back to it) started mid-stream at random packets: 1.0 framing found, messages exact, on time', async () => {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  const dir = tempDir();
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, dir.dir, 'zmtp10.pcap');
  const up: string[][] = [];
  const down: string[][] = [];
  let raw: net.Socket | undefined;
  try {
    raw = net.connect(port, '127.0.0.1');
    await new Promise((r) => raw!.once('connect', r));
    let received = Buffer.alloc(0);
    raw.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
    });
    // No signature: libzmq takes us for a 1.0 peer and answers in 1.0 framing.
    raw.write(encodeMessage('v1', [Buffer.from('v1-peer')]));
    for (let i = 0; i < 40; i++) {
      const msg = [Buffer.from(`one-oh request ${i}`), Buffer.alloc(i % 7 === 3 ? 300 + i : i * 5, i)];
      raw.write(encodeMessage('v1', msg));
      up.push(msg.map(hexOf));
      const got = await router.receive();
      const reply = [Buffer.from(`one-oh reply ${i}`), Buffer.alloc(i % 5 === 2 ? 1000 : i, 0x55)];
      await router.send([got[0], ...reply]);
      down.push(reply.map(hexOf));
      const marker = Buffer.from(`one-oh reply ${i}`);
      while (!received.includes(marker)) await new Promise((r) => setTimeout(r, 2));
    }
    await cap.stopAfter(Buffer.from('one-oh reply 39'));
  } finally {
    cap.kill();
    raw?.destroy();
    router.close();
  }
  const pkts = await readTcpPackets(cap.file);
  dir.cleanup();
  const random = prng(10);
  let recovered = 0;
  for (let round = 0; round < 8; round++) {
    const cut = 4 + Math.floor(random() * (pkts.length - 30));
    const part = pkts.slice(cut);
    const { records } = await decodeFile(write(part, `zmtp10-mid-${round}.pcap`));
    checkTimes(records, part, 'v1');
    for (const [want, prefix] of [
      [up, 'one-oh request'],
      [down, 'one-oh reply'],
    ] as const) {
      const got = framesOf(
        records.filter(
          (r): r is MessageRecord => r.type === 'message' && r.frames.some((f) => Buffer.from(f, 'hex').toString().startsWith(prefix)),
        ),
      );
      assert.ok(got.length >= 10, `round ${round} (cut at packet ${cut}): ${got.length} ${prefix} messages recovered`);
      // The first one found may be cut; every later one is exact.
      assert.deepEqual(got.slice(1), want.slice(want.length - got.length + 1), `round ${round}: cut at packet ${cut}`);
      assert.ok(records.filter((r): r is MessageRecord => r.type === 'message').every((m) => m.heuristic === true));
      recovered += got.length;
    }
  }
  assert.ok(recovered > 0);
});

test('ZeroMQ over WebSocket (libzmq REQ/REP on ws://) started mid-stream after the HTTP upgrade: ZWS frames recognised by their shape, messages exact', async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('ws://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const req = new zmq.Request({ linger: 0 });
  const dir = tempDir();
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, dir.dir, 'ws.pcap');
  const up: string[][] = [];
  const down: string[][] = [];
  try {
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 30; i++) {
      const request = [Buffer.from(`ws request ${i}`), Buffer.alloc([0, 100, 200, 3000][i % 4], i)];
      // A copy: libzmq's ws encoder masks a large frame in place.
      up.push(['', ...request.map(hexOf)]);
      await req.send(request);
      await rep.receive();
      const reply = [Buffer.from(`ws reply ${i}`)];
      down.push(['', ...reply.map(hexOf)]);
      await rep.send(reply);
      await req.receive();
    }
    await cap.stopAfter(Buffer.from('ws reply 29'));
  } finally {
    cap.kill();
    req.close();
    rep.close();
  }
  const pkts = await readTcpPackets(cap.file);
  dir.cleanup();
  // Client frames are masked on the wire: the first reply marks where the messages begin.
  const firstData = pkts.findIndex((p) => p.d.tcp.payload.includes(Buffer.from('ws reply 0')));
  assert.ok(firstData > 0);
  const random = prng(5);
  for (let round = 0; round < 6; round++) {
    const cut = firstData + Math.floor(random() * (pkts.length - firstData - 30));
    const { records } = await decodeFile(write(pkts.slice(cut), `ws-mid-${round}.pcap`));
    assert.equal(records.filter((r) => r.type === 'upgrade').length, 0, 'the upgrade is not in the capture');
    for (const [want, dirName] of [
      [up, 'ws request'],
      [down, 'ws reply'],
    ] as const) {
      const got = records.filter(
        (r): r is MessageRecord =>
          r.type === 'message' &&
          Buffer.from(r.frames[1] ?? '', 'hex')
            .toString()
            .startsWith(dirName),
      );
      assert.ok(got.length >= 8, `round ${round} (cut at packet ${cut}): ${got.length} ${dirName} messages`);
      assert.ok(got.every((m) => m.heuristic === true));
      assert.deepEqual(framesOf(got.slice(1)), want.slice(want.length - got.length + 1), `round ${round}: cut at packet ${cut}`);
    }
  }
});
