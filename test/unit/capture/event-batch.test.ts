// The capture thread's batches (event-batch.ts): every kind of item written comes back read, in order and
// byte for byte, also when a batch outgrows its first buffer; a batch that is not what the writer wrote is
// an EWORKER error, never a crash or a wrong event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_BYTES, BatchFormatError, BatchWriter, readBatch, type BatchHandler } from '../../../core/capture/event-batch.js';
import { captureWarning, type TcpConnection } from '../../../core/capture/types.js';
import type { IpDatagram } from '../../../core/capture/datagram.js';

/** Every item a batch gives, as plain values. */
function readAll(buffer: ArrayBuffer, length: number): unknown[] {
  const out: unknown[] = [];
  const h: BatchHandler = {
    packet: (ts) => out.push(['packet', ts]),
    nanoseconds: () => out.push(['nanoseconds']),
    open: (id, ts, client, server, midstream) => out.push(['open', id, ts, client, server, midstream]),
    data: (id, dir, ts, bytes, start, end) => out.push(['data', id, dir, ts, bytes.toString('hex', start, end)]),
    gap: (id, dir, ts, bytes) => out.push(['gap', id, dir, ts, bytes]),
    close: (id, ts, reason) => out.push(['close', id, ts, reason]),
    datagram: (d, ts) => out.push(['datagram', ts, { ...d, payload: d.payload.toString('hex') }]),
    warning: (w) => out.push(['warning', w]),
  };
  readBatch(buffer, length, h);
  return out;
}

const v4: TcpConnection = { id: 7, client: { ip: '10.1.2.3', port: 40000 }, server: { ip: '10.1.2.4', port: 5555 }, midstream: false };
const v6: TcpConnection = {
  id: 4294967295,
  client: { ip: '::ffff:192.168.100.200', port: 1 },
  server: { ip: 'fe80::1234:5678:9abc:def0', port: 65535 },
  midstream: true,
};

test('every item kind round-trips in order, with exact times and bytes', () => {
  const w = new BatchWriter();
  const payload = Buffer.from([0, 1, 2, 0xff, 0x80]);
  const datagram: IpDatagram = { ipVersion: 6, src: '2001:db8::1', dst: 'ff02::1', protocol: 17, payload, length: 1400 };
  const warning = captureWarning('PACKET_MALFORMED', 'packet 3: IPv4 header needs 20 bytes, 12 captured ✓', 3);
  const ts = 1733200000.1234567; // a nanosecond capture time, as a double keeps it
  w.nanoseconds();
  w.packet(ts);
  w.event({ kind: 'open', conn: v4, ts });
  w.event({ kind: 'open', conn: v6, ts: 0 });
  w.event({ kind: 'data', conn: v4, dir: 'c2s', ts, data: payload });
  w.event({ kind: 'data', conn: v6, dir: 's2c', ts: 1, data: Buffer.alloc(0) });
  w.event({ kind: 'gap', conn: v4, dir: 's2c', ts, bytes: 2 ** 40 });
  w.datagram(datagram, ts + 1);
  w.warning(warning);
  for (const reason of ['fin', 'rst', 'end-of-capture', 'evicted'] as const) w.event({ kind: 'close', conn: v4, ts, reason });
  assert.equal(w.packets, 1);
  const batch = w.take();
  assert.equal(batch.packets, 1);
  assert.equal(w.length, 0, 'the writer starts a new batch');
  assert.deepEqual(readAll(batch.buffer, batch.length), [
    ['nanoseconds'],
    ['packet', ts],
    ['open', 7, ts, v4.client, v4.server, false],
    ['open', 4294967295, 0, v6.client, v6.server, true],
    ['data', 7, 'c2s', ts, '000102ff80'],
    ['data', 4294967295, 's2c', 1, ''],
    ['gap', 7, 's2c', ts, 2 ** 40],
    ['datagram', ts + 1, { ...datagram, payload: '000102ff80' }],
    ['warning', warning],
    ['close', 7, ts, 'fin'],
    ['close', 7, ts, 'rst'],
    ['close', 7, ts, 'end-of-capture'],
    ['close', 7, ts, 'evicted'],
  ]);
});

test('a batch grows past its first buffer: a 1 MiB segment and thousands of packets come back whole', () => {
  const w = new BatchWriter();
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  for (let i = 0; i < 5000; i++) w.packet(i);
  w.event({ kind: 'data', conn: v4, dir: 'c2s', ts: 9, data: big });
  assert.ok(w.length > BATCH_BYTES);
  const batch = w.take();
  const items = readAll(batch.buffer, batch.length);
  assert.equal(items.length, 5001);
  assert.deepEqual(items[4999], ['packet', 4999]);
  assert.deepEqual(items[5000], ['data', 7, 'c2s', 9, big.toString('hex')]);
});

test('batches cut short or holding an unknown item are EWORKER errors', () => {
  const w = new BatchWriter();
  w.event({ kind: 'data', conn: v4, dir: 'c2s', ts: 1, data: Buffer.alloc(100, 1) });
  const batch = w.take();
  const isBatchError = (pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof BatchFormatError);
    assert.equal(e.code, 'EWORKER');
    assert.match(e.message, pattern);
    return true;
  };
  assert.throws(() => readAll(batch.buffer, batch.length - 1), isBatchError(/cut short at byte 18 of 117/));
  assert.throws(() => readAll(batch.buffer, 10), isBatchError(/cut short at byte 1 of 10/));
  const junk = new Uint8Array([99]).buffer;
  assert.throws(() => readAll(junk, 1), isBatchError(/item kind 99 at byte 0/));
  const reason = new BatchWriter();
  reason.event({ kind: 'close', conn: v4, ts: 1, reason: 'fin' });
  const r = reason.take();
  new Uint8Array(r.buffer)[13] = 9;
  assert.throws(() => readAll(r.buffer, r.length), isBatchError(/close reason 9/));
});

test("data given as a range of a packet (alone or as a packet's own) comes back byte for byte: every length up to well past the short-copy size, any offset, from several buffers", () => {
  const w = new BatchWriter();
  const expected: unknown[] = [];
  // Views at odd offsets into shared memory (as pcap-parser's packets are), and one buffer of its own.
  const pool = Buffer.alloc(4096);
  for (let i = 0; i < pool.length; i++) pool[i] = (i * 131 + 7) & 0xff;
  const sources = [pool.subarray(3), pool.subarray(1000, 1500), Buffer.from(pool.subarray(5, 400))];
  let ts = 0.5;
  for (let n = 0; n <= 600; n++) {
    for (const [k, src] of sources.entries()) {
      const start = (n * 7 + k) % Math.max(1, src.length - n);
      if (start + n > src.length) continue;
      // Every other one as a packet's own data (packetData: one item for both).
      const dir = k % 2 === 0 ? 'c2s' : 's2c';
      if ((n + k) % 2 === 0) w.data(n, dir, ts, src, start, start + n);
      else {
        w.packetData(n, dir, ts, src, start, start + n);
        expected.push(['packet', ts]);
      }
      expected.push(['data', n, dir, ts, src.subarray(start, start + n).toString('hex')]);
      ts += 0.25;
    }
  }
  assert.ok(w.length > BATCH_BYTES, 'the batch grew past its first buffer on the way');
  assert.equal(w.packets, expected.filter((e) => (e as unknown[])[0] === 'packet').length);
  const batch = w.take();
  assert.deepEqual(readAll(batch.buffer, batch.length), expected);
});
