// TCP reassembly on synthetic segment sequences: order, retransmission, overlap, gaps with resync,
// FIN/RST, mid-stream pickup, SYN-ACK-first, 32-bit wrap-around, port reuse, eviction, snap-length cuts.
// (The interop tests do the same on real captured traffic.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  buildTcpPacket,
  TcpReassembler,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type Packet,
  type TcpStreamEvent,
  type TcpReassemblerOptions,
} from '../../../core/capture/index.js';
import { prng } from '../../helpers/random.js';

let index = 0;
function packet(data: Buffer, ts = index, origLen = data.length): Packet {
  index++;
  return { ts, tsSec: Math.floor(ts), tsNsec: 0, linkType: 1, data, origLen, interfaceId: 0, index };
}

/** One side of a synthetic connection. */
class Peer {
  seq: number;
  constructor(
    readonly ip: string,
    readonly port: number,
    isn: number,
    public other?: Peer,
  ) {
    this.seq = isn;
  }
  seg(flags: number, payload: Buffer = Buffer.alloc(0), seq = this.seq, ts?: number): Packet {
    const o = this.other!;
    return packet(buildTcpPacket({ src: this.ip, dst: o.ip, srcPort: this.port, dstPort: o.port, seq, ack: o.seq, flags, payload }), ts);
  }
  /** Next in-order segment carrying payload, advancing seq. */
  send(payload: Buffer, ts?: number): Packet {
    const p = this.seg(TCP_ACK | TCP_PSH, payload, this.seq, ts);
    this.seq = (this.seq + payload.length) >>> 0;
    return p;
  }
}

function pair(cIsn = 1000, sIsn = 50000, cPort = 40001, sPort = 5555, v6 = false) {
  const c = new Peer(v6 ? 'fd00::1' : '10.0.0.1', cPort, cIsn);
  const s = new Peer(v6 ? 'fd00::2' : '10.0.0.2', sPort, sIsn, c);
  c.other = s;
  return { c, s };
}

function handshake(c: Peer, s: Peer): Packet[] {
  const p = [c.seg(TCP_SYN, undefined, c.seq)];
  c.seq = (c.seq + 1) >>> 0;
  p.push(s.seg(TCP_SYN | TCP_ACK, undefined, s.seq));
  s.seq = (s.seq + 1) >>> 0;
  p.push(c.seg(TCP_ACK));
  return p;
}

function fin(p: Peer): Packet {
  const f = p.seg(TCP_FIN | TCP_ACK);
  p.seq = (p.seq + 1) >>> 0;
  return f;
}

function run(packets: Packet[], opts?: TcpReassemblerOptions) {
  const r = new TcpReassembler(opts);
  const events: TcpStreamEvent[] = [];
  for (const p of packets) events.push(...r.push(p));
  events.push(...r.end());
  return { r, events };
}

function streams(events: TcpStreamEvent[], id: number) {
  const pick = (dir: string) =>
    Buffer.concat(events.filter((e) => e.kind === 'data' && e.conn.id === id && e.dir === dir).map((e) => (e as { data: Buffer }).data));
  return { c2s: pick('c2s'), s2c: pick('s2c') };
}

/** Splits data into segments of random sizes between 1 and max bytes. */
function chop(data: Buffer, max: number, rnd: () => number): { off: number; data: Buffer }[] {
  const out: { off: number; data: Buffer }[] = [];
  for (let off = 0; off < data.length;) {
    const n = Math.min(data.length - off, 1 + Math.floor(rnd() * max));
    out.push({ off, data: data.subarray(off, off + n) });
    off += n;
  }
  return out;
}

test('handshake, data both ways, FIN both ways: open, ordered data, close fin', () => {
  const { c, s } = pair();
  const pk = [
    ...handshake(c, s),
    c.send(Buffer.from('hello ')),
    c.send(Buffer.from('world')),
    s.send(Buffer.from('hi!')),
    fin(c),
    fin(s),
    c.seg(TCP_ACK),
  ];
  const { r, events } = run(pk);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['open', 'data', 'data', 'data', 'close'],
  );
  const open = events[0] as Extract<TcpStreamEvent, { kind: 'open' }>;
  assert.deepEqual(open.conn, { id: 1, client: { ip: '10.0.0.1', port: 40001 }, server: { ip: '10.0.0.2', port: 5555 }, midstream: false });
  assert.deepEqual(streams(events, 1), { c2s: Buffer.from('hello world'), s2c: Buffer.from('hi!') });
  assert.equal((events.at(-1) as { reason: string }).reason, 'fin');
  assert.equal(events.at(-1)!.ts, pk[7].ts, 'closed when the second FIN was seen, not at the end');
  assert.equal(r.connectionCount, 0);
});

test('reordered, duplicated and overlapping segments (seeded shuffles) yield the exact byte streams', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = prng(seed);
    const { c, s } = pair(Math.floor(rnd() * 2 ** 32), Math.floor(rnd() * 2 ** 32));
    const up = randomBytes(5000 + Math.floor(rnd() * 5000));
    const down = randomBytes(3000);
    const hs = handshake(c, s);
    const base = { c: c.seq, s: s.seq };
    const segs: Packet[] = [];
    for (const [peer, data, isn] of [
      [c, up, base.c],
      [s, down, base.s],
    ] as const) {
      for (const piece of chop(data, 700, rnd)) segs.push(peer.seg(TCP_ACK | TCP_PSH, piece.data, (isn + piece.off) >>> 0));
      // Retransmissions cut at different boundaries, overlapping the originals.
      for (const piece of chop(data, 1500, rnd))
        if (rnd() < 0.3) segs.push(peer.seg(TCP_ACK | TCP_PSH, piece.data, (isn + piece.off) >>> 0));
      peer.seq = (isn + data.length) >>> 0;
    }
    // Shuffle locally (windows of 8) so out-of-order stays within a realistic distance.
    for (let i = 0; i < segs.length; i++) {
      const j = Math.min(segs.length - 1, i + Math.floor(rnd() * 8));
      [segs[i], segs[j]] = [segs[j], segs[i]];
    }
    const { events } = run([...hs, ...segs, fin(c), fin(s)]);
    assert.deepEqual(streams(events, 1), { c2s: up, s2c: down }, `seed ${seed}`);
    assert.equal(events.filter((e) => e.kind === 'gap').length, 0, `seed ${seed}`);
    assert.equal((events.at(-1) as { reason: string }).reason, 'fin', `seed ${seed}`);
  }
});

test('sequence numbers wrapping past 2^32 in both directions', () => {
  const { c, s } = pair(0xfffff000, 0xffffffff);
  const up = randomBytes(20000);
  const down = randomBytes(9000);
  const pk = handshake(c, s);
  const isn = c.seq;
  const pieces = chop(up, 1000, prng(7));
  pieces.reverse(); // worst order: everything out of order until the first piece comes
  for (const piece of pieces) pk.push(c.seg(TCP_ACK | TCP_PSH, piece.data, (isn + piece.off) >>> 0));
  c.seq = (isn + up.length) >>> 0;
  for (const piece of chop(down, 1000, prng(8))) pk.push(s.send(piece.data));
  assert.ok(c.seq < 0x10000 && s.seq < 0x10000, 'both directions wrapped');
  const { events } = run([...pk, fin(c), fin(s)]);
  assert.deepEqual(streams(events, 1), { c2s: up, s2c: down });
  assert.equal(events.filter((e) => e.kind === 'gap').length, 0);
});

test('a lost segment becomes a gap of the exact size once the out-of-order bound is exceeded, then the stream resumes', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  pk.push(c.send(Buffer.from('A'.repeat(100))));
  const lost = c.send(Buffer.alloc(250)); // never delivered
  void lost;
  const after: Buffer[] = [];
  for (let i = 0; i < 12; i++) {
    const b = Buffer.alloc(100, 0x30 + i);
    after.push(b);
    pk.push(c.send(b));
  }
  const { events } = run(pk, { maxBufferedBytes: 1000 });
  const kinds = events.filter((e) => e.conn.id === 1).map((e) => (e.kind === 'gap' ? `gap${e.bytes}` : e.kind));
  assert.equal(kinds.filter((k) => k.startsWith('gap')).length, 1);
  assert.ok(kinds.includes('gap250'));
  const gapAt = events.findIndex((e) => e.kind === 'gap');
  // The gap was declared while packets were still arriving (bound hit), not only at the end.
  assert.ok(events.slice(gapAt).some((e) => e.kind === 'data'));
  assert.deepEqual(streams(events, 1).c2s, Buffer.concat([Buffer.from('A'.repeat(100)), ...after]));
});

test('bytes missing before FIN are a gap at close; data before and after the hole is kept', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  pk.push(c.send(Buffer.from('first')));
  c.send(Buffer.from('-missing-'));
  pk.push(c.send(Buffer.from('last')));
  pk.push(fin(c), fin(s));
  const { events } = run(pk);
  assert.deepEqual(
    events.filter((e) => e.conn.id === 1).map((e) => (e.kind === 'gap' ? `gap${e.bytes}` : e.kind === 'data' ? e.data.toString() : e.kind)),
    ['open', 'first', 'gap9', 'last', 'close'],
  );
  assert.equal((events.at(-1) as { reason: string }).reason, 'fin');
});

test('FIN seen before the last data segment still closes after that data, without a gap', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  pk.push(c.send(Buffer.from('one ')));
  const late = c.send(Buffer.from('two'));
  pk.push(fin(c), late, fin(s));
  const { events } = run(pk);
  assert.deepEqual(streams(events, 1).c2s, Buffer.from('one two'));
  assert.equal(events.filter((e) => e.kind === 'gap').length, 0);
  assert.equal(events.filter((e) => e.kind === 'close').length, 1);
});

test('RST closes the connection; a stray ACK afterwards opens nothing', () => {
  const { c, s } = pair();
  const pk = [...handshake(c, s), c.send(Buffer.from('x')), s.seg(TCP_RST), c.seg(TCP_ACK)];
  const { events } = run(pk);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['open', 'data', 'close'],
  );
  assert.equal((events[2] as { reason: string }).reason, 'rst');
});

test('a connection picked up mid-stream: the first sender is the client, midstream is set, end-of-capture closes', () => {
  const { c, s } = pair();
  c.seq = 777;
  s.seq = 888;
  const pk = [s.send(Buffer.from('server speaks first')), c.send(Buffer.from('reply')), s.send(Buffer.from(' again'))];
  const { events } = run(pk);
  const open = events[0] as Extract<TcpStreamEvent, { kind: 'open' }>;
  assert.equal(open.conn.midstream, true);
  assert.deepEqual(open.conn.client, { ip: '10.0.0.2', port: 5555 });
  const st = streams(events, 1);
  assert.deepEqual(st.c2s, Buffer.from('server speaks first again'));
  assert.deepEqual(st.s2c, Buffer.from('reply'));
  assert.equal((events.at(-1) as { reason: string }).reason, 'end-of-capture');
});

test('SYN-ACK seen without the SYN still makes the SYN sender the client', () => {
  const { c, s } = pair();
  c.seq = (c.seq + 1) >>> 0;
  const synAck = s.seg(TCP_SYN | TCP_ACK);
  s.seq = (s.seq + 1) >>> 0;
  const { events } = run([synAck, c.seg(TCP_ACK), c.send(Buffer.from('q')), s.send(Buffer.from('a'))]);
  const open = events[0] as Extract<TcpStreamEvent, { kind: 'open' }>;
  assert.deepEqual(open.conn.client, { ip: '10.0.0.1', port: 40001 });
  assert.equal(open.conn.midstream, false);
  assert.deepEqual(streams(events, 1), { c2s: Buffer.from('q'), s2c: Buffer.from('a') });
});

test('port reuse: a new SYN on the same 4-tuple is a new connection (after FIN, and without one)', () => {
  const a = pair(100, 200);
  const first = [...handshake(a.c, a.s), a.c.send(Buffer.from('one')), fin(a.c), fin(a.s), a.c.seg(TCP_ACK)];
  const b = pair(900000, 800000);
  const second = [...handshake(b.c, b.s), b.c.send(Buffer.from('two'))];
  const c = pair(5, 6);
  const third = [...handshake(c.c, c.s), c.c.send(Buffer.from('three'))]; // while the second never closed
  const { events } = run([...first, ...second, ...third]);
  const opens = events.filter((e) => e.kind === 'open');
  assert.deepEqual(
    opens.map((e) => e.conn.id),
    [1, 2, 3],
  );
  assert.deepEqual(
    events.filter((e) => e.kind === 'close').map((e) => [e.conn.id, (e as { reason: string }).reason]),
    [
      [1, 'fin'],
      [2, 'evicted'],
      [3, 'end-of-capture'],
    ],
  );
  assert.deepEqual(
    [1, 2, 3].map((id) => streams(events, id).c2s.toString()),
    ['one', 'two', 'three'],
  );
});

test('retransmitted SYN does not start a new connection', () => {
  const { c, s } = pair();
  const syn = c.seg(TCP_SYN, undefined, c.seq);
  const pk = [syn, ...handshake(c, s), c.send(Buffer.from('ok'))];
  const { events } = run(pk);
  assert.equal(events.filter((e) => e.kind === 'open').length, 1);
  assert.equal(streams(events, 1).c2s.toString(), 'ok');
});

test('too many connections: the least recently active one is evicted, flushed first', () => {
  const pk: Packet[] = [];
  const peers = [0, 1, 2].map((i) => pair(10, 20, 41000 + i));
  for (const { c, s } of peers) pk.push(...handshake(c, s));
  pk.push(peers[0].c.send(Buffer.from('keep me busy')));
  const lostHole = peers[1].c.send(Buffer.from('lost'));
  void lostHole;
  pk.push(peers[1].c.send(Buffer.from('after hole')));
  const extra = pair(10, 20, 42000);
  pk.push(...handshake(extra.c, extra.s)); // 4th connection: the 3rd (idle since its handshake) goes
  const { events } = run(pk, { maxConnections: 3 });
  const closes = events.filter((e) => e.kind === 'close');
  assert.equal(closes[0].conn.client.port, 41002);
  assert.equal((closes[0] as { reason: string }).reason, 'evicted');
  // Connection 2's buffered bytes were flushed with a gap when it was closed at the end.
  assert.deepEqual(
    events
      .filter((e) => e.conn.client.port === 41001 && e.kind !== 'open' && e.kind !== 'close')
      .map((e) => (e.kind === 'gap' ? `gap${e.bytes}` : (e as { data: Buffer }).data.toString())),
    ['gap4', 'after hole'],
  );
});

test('idle connections are evicted after the idle timeout (capture time)', () => {
  const a = pair(1, 2, 43000);
  const b = pair(1, 2, 43001);
  const pk = [
    ...handshake(a.c, a.s).map((p) => ({ ...p, ts: 0 })),
    ...handshake(b.c, b.s).map((p) => ({ ...p, ts: 100 })),
    { ...b.c.send(Buffer.from('z')), ts: 200 },
  ];
  const { events } = run(pk, { idleTimeoutSec: 150 });
  const evicted = events.find((e) => e.kind === 'close' && e.reason === 'evicted');
  assert.ok(evicted);
  assert.equal(evicted.conn.client.port, 43000);
  assert.equal(evicted.ts, 200);
});

test('payload cut by the snap length is delivered as data plus a gap for the missing bytes', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  const full = c.send(Buffer.alloc(1000, 0x61));
  const cut = { ...full, data: full.data.subarray(0, 54 + 300) };
  pk.push(cut, c.send(Buffer.from('next')));
  const { events } = run(pk);
  assert.deepEqual(
    events
      .filter((e) => e.kind === 'data' || e.kind === 'gap')
      .map((e) => (e.kind === 'gap' ? `gap${e.bytes}` : `data${(e as { data: Buffer }).data.length}`)),
    ['data300', 'gap700', 'data4'],
  );
});

test('IPv6 connections reassemble too; malformed packets go to onWarning', () => {
  const { c, s } = pair(1, 2, 40001, 5555, true);
  const warnings: string[] = [];
  const bad = packet(Buffer.alloc(10, 0x45));
  const pk = [...handshake(c, s), c.send(Buffer.from('over v6')), bad, fin(c), fin(s)];
  const { r, events } = run(pk, { onWarning: (w) => warnings.push(w.code) });
  assert.equal(events[0].conn.client.ip, 'fd00::1');
  assert.equal(streams(events, 1).c2s.toString(), 'over v6');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0], 'PACKET_MALFORMED');
  assert.equal(r.warnings, 1);
});

test('a global bound on buffered bytes makes the direction holding the most give up its hole first', () => {
  const a = pair(1, 2, 44000);
  const b = pair(1, 2, 44001);
  const pk = [...handshake(a.c, a.s), ...handshake(b.c, b.s)];
  a.c.send(Buffer.alloc(10)); // hole of 10 in a
  b.c.send(Buffer.alloc(20)); // hole of 20 in b
  pk.push(a.c.send(Buffer.alloc(300, 1)), b.c.send(Buffer.alloc(500, 2)), a.c.send(Buffer.alloc(300, 3)));
  const r = new TcpReassembler({ maxTotalBufferedBytes: 1000 });
  const events: TcpStreamEvent[] = [];
  for (const p of pk) events.push(...r.push(p));
  // 1100 bytes were buffered after the last packet: b (500) is not the largest, a (600) is.
  const gaps = events.filter((e) => e.kind === 'gap');
  assert.deepEqual(
    gaps.map((e) => [e.conn.client.port, (e as { bytes: number }).bytes]),
    [[44000, 10]],
  );
  assert.equal(r.bufferedBytes, 500);
  events.push(...r.end());
  assert.equal(r.bufferedBytes, 0);
  assert.deepEqual(
    events.filter((e) => e.kind === 'gap').map((e) => [e.conn.client.port, (e as { bytes: number }).bytes]),
    [
      [44000, 10],
      [44001, 20],
    ],
  );
});

// ---- capture-order anomalies ----

/** Data events of one direction as [text, ts]. */
const timed = (events: TcpStreamEvent[], dir: string) =>
  events.filter((e) => e.kind === 'data' && e.dir === dir).map((e) => [(e as { data: Buffer }).data.toString(), e.ts]);

test('data captured before the SYN (both directions, SYN-ACK before SYN) is held and placed once the handshake gives the ISNs', () => {
  const { c, s } = pair(7000, 9000);
  const [syn, synAck, ack] = handshake(c, s);
  const hello = c.send(Buffer.from('hello'));
  const there = c.send(Buffer.from(' there'));
  const reply = s.send(Buffer.from('hi'));
  // Captured within a few milliseconds, in this order:
  const order = [there, reply, synAck, hello, syn, ack, fin(c), fin(s)].map((p, i) => ({ ...p, ts: 1 + i / 1000 }));
  const { events } = run(order);
  assert.equal(events.filter((e) => e.kind === 'open').length, 1);
  const open = events[0] as Extract<TcpStreamEvent, { kind: 'open' }>;
  assert.equal(open.conn.midstream, false);
  assert.deepEqual(open.conn.client, { ip: '10.0.0.1', port: 40001 });
  assert.deepEqual(streams(events, 1), { c2s: Buffer.from('hello there'), s2c: Buffer.from('hi') });
  // Each piece is timed by the latest-captured packet behind it; the SYN itself carries no bytes.
  assert.deepEqual(timed(events, 'c2s'), [
    ['hello', 1.003],
    [' there', 1.003],
  ]);
  assert.deepEqual(timed(events, 's2c'), [['hi', 1.001]]);
  assert.equal(events.filter((e) => e.kind === 'gap').length, 0);
  assert.equal((events.at(-1) as { reason: string }).reason, 'fin');
});

test('without a SYN within the hold window, held segments become a mid-stream connection starting at the lowest sequence number', () => {
  const { c, s } = pair(7000, 9000);
  c.seq = 5000;
  s.seq = 6000;
  const a = c.send(Buffer.from('first '));
  const b = c.send(Buffer.from('second'));
  const x = s.send(Buffer.from('answer'));
  const others = Array.from({ length: 5 }, (_, i) => pair(1, 2, 45000 + i)).flatMap(({ c: oc, s: os }) => handshake(oc, os));
  const { events } = run([b, x, a, ...others], { holdPackets: 4 });
  const open = events.find((e) => e.kind === 'open' && e.conn.client.port === 40001) as Extract<TcpStreamEvent, { kind: 'open' }>;
  assert.equal(open.conn.midstream, true);
  // Released by the window (before the end of the capture), not at the end.
  assert.ok(events.indexOf(open) < events.findIndex((e) => e.kind === 'open' && e.conn.client.port === 45004));
  assert.deepEqual(streams(events, open.conn.id), { c2s: Buffer.from('first second'), s2c: Buffer.from('answer') });
  assert.equal(events.filter((e) => e.kind === 'gap').length, 0);
});

test('a RST captured before the data it ends waits for that data; late copies after a close open nothing', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  const last = c.send(Buffer.from('last words'));
  const rst = c.seg(TCP_RST | TCP_ACK);
  const { events } = run([...pk, rst, last, last, s.seg(TCP_ACK)]);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['open', 'data', 'close'],
  );
  assert.equal((events[2] as { reason: string }).reason, 'rst');
  assert.equal(streams(events, 1).c2s.toString(), 'last words');
});

test('a RST whose missing data never comes closes after the hold window, the hole a gap', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  c.send(Buffer.from('lost'));
  const rst = c.seg(TCP_RST | TCP_ACK);
  const others = pair(1, 2, 46000);
  const { events } = run([...pk, rst, ...handshake(others.c, others.s), others.c.send(Buffer.from('z'))], { holdPackets: 2 });
  const close = events.find((e) => e.kind === 'close' && e.conn.id === 1);
  assert.equal((close as { reason: string }).reason, 'rst');
  assert.ok(
    events.indexOf(close!) < events.findIndex((e) => e.kind === 'data' && e.conn.client.port === 46000),
    'closed within the window',
  );
});

test('FIN then the final data, then duplicates of both after the close: one connection, every byte once', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  const d1 = c.send(Buffer.from('abc'));
  const d2 = c.send(Buffer.from('def'));
  const f = fin(c);
  const fs = fin(s);
  const { events } = run([...pk, d1, f, fs, d2, d2, d1, f, fs].map((p, i) => ({ ...p, ts: i / 1000 })));
  assert.deepEqual(
    events.map((e) => e.kind),
    ['open', 'data', 'data', 'close'],
  );
  assert.equal(streams(events, 1).c2s.toString(), 'abcdef');
});

test('keep-alives (one old byte or none, at seq - 1) and zero-window probes (the next byte alone, sent again later) add nothing', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  pk.push(c.send(Buffer.from('ab')));
  pk.push(c.seg(TCP_ACK, Buffer.from([0]), (c.seq - 1) >>> 0)); // keep-alive with a garbage byte
  pk.push(c.seg(TCP_ACK, undefined, (c.seq - 1) >>> 0)); // keep-alive without data
  pk.push(c.seg(TCP_ACK, Buffer.from('c'), c.seq)); // zero-window probe: the next byte
  pk.push(c.send(Buffer.from('cde'))); // the same byte again with what follows
  const { events } = run(pk);
  assert.equal(streams(events, 1).c2s.toString(), 'abcde');
  assert.equal(events.filter((e) => e.kind === 'gap').length, 0);
});

test('data released after a hole fills carries the time of the packet that filled it; bytes after a declared gap keep their own', () => {
  const { c, s } = pair();
  const pk = handshake(c, s);
  const a = c.send(Buffer.from('A'), 10);
  const b = c.send(Buffer.from('B'), 11);
  const { events } = run([...pk, { ...b, ts: 10 }, { ...a, ts: 10.5 }]);
  assert.deepEqual(timed(events, 'c2s'), [
    ['A', 10.5],
    ['B', 10.5],
  ]);
  const p2 = pair(1, 2, 47000);
  const q = handshake(p2.c, p2.s);
  p2.c.send(Buffer.from('lost'));
  const after = p2.c.send(Buffer.from('after'));
  const late = p2.c.send(Buffer.from('later'));
  // The hole is given up on when 'later' overflows the buffer; 'after' keeps its own time.
  const { events: ev2 } = run([...q.map((p) => ({ ...p, ts: 20 })), { ...after, ts: 21 }, { ...late, ts: 30 }], { maxBufferedSegments: 1 });
  const gap = ev2.find((e) => e.kind === 'gap')!;
  assert.equal(gap.ts, 21, 'the gap is timed by the bytes after it');
  assert.deepEqual(timed(ev2, 'c2s'), [
    ['after', 21],
    ['later', 30],
  ]);
});
