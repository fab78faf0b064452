// The inspector on real libzmq traffic (zeromq.js), recorded by a relay and replayed as stream events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Inspector } from '../../../core/inspect/inspector.js';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { startRelay, toEvents, type Relay } from './relay.js';

function inspect(relay: Pick<Relay, 'chunks' | 'conns'>, split?: (b: Buffer) => Buffer[]) {
  const records: InspectRecord[] = [];
  const inspector = new Inspector({ onRecord: (r) => records.push(r) });
  for (const ev of toEvents(relay, split)) inspector.push(ev);
  inspector.end();
  return { records, inspector };
}

const of = <T extends InspectRecord['type']>(rs: InspectRecord[], t: T) =>
  rs.filter((r) => r.type === t) as Extract<InspectRecord, { type: T }>[];

async function waitForChunks(relay: Relay, pred: () => boolean) {
  while (!pred()) await new Promise((r) => setTimeout(r, 20));
}

test('REQ/REP over libzmq: greetings, READY, every request and reply byte for byte, pairs matched', async () => {
  const rep = new zmq.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  const port = Number(rep.lastEndpoint!.split(':').pop());
  const relay = await startRelay(port);
  const req = new zmq.Request({ linger: 0 });
  req.connect(`tcp://127.0.0.1:${relay.port}`);
  const sent: Buffer[][] = [];
  const replies: Buffer[][] = [];
  try {
    const server = (async () => {
      for (let i = 0; i < 5; i++) {
        const msg = await rep.receive();
        const reply = [Buffer.from(`reply-${i}`), Buffer.from([0, 1, 2, 255])];
        replies.push(reply);
        await rep.send(reply);
        assert.equal(msg.length, 2);
      }
    })();
    for (let i = 0; i < 5; i++) {
      const frames = [Buffer.from(`request ${i}`), Buffer.alloc(300 + i, i)];
      sent.push(frames);
      await req.send(frames);
      await req.receive();
    }
    await server;
    await waitForChunks(relay, () => relay.chunks.filter((c) => c.dir === 's2c').reduce((n, c) => n + c.data.length, 0) >= 64 + 5 * 20);
  } finally {
    req.close();
    rep.close();
    await relay.close();
  }
  for (const split of [undefined, (b: Buffer) => [...b].map((x) => Buffer.from([x]))]) {
    const { records, inspector } = inspect(relay, split);
    assert.deepEqual(of(records, 'error'), [], 'no decode errors');
    const greetings = of(records, 'greeting');
    assert.equal(greetings.length, 2);
    for (const dir of ['c2s', 's2c'] as const) {
      const g = greetings.find((x) => x.dir === dir)!;
      assert.deepEqual([g.version, g.mechanism, g.asServer], ['3.1', 'NULL', false]);
    }
    const readies = of(records, 'command').filter((c) => c.name === 'READY');
    assert.equal(readies.find((r) => r.dir === 'c2s')!.properties!['Socket-Type'], 'REQ');
    assert.equal(readies.find((r) => r.dir === 's2c')!.properties!['Socket-Type'], 'REP');
    const msgs = of(records, 'message');
    const requests = msgs.filter((m) => m.dir === 'c2s');
    const answers = msgs.filter((m) => m.dir === 's2c');
    // REQ puts an empty delimiter before the body on the wire; REP sends it back.
    assert.deepEqual(
      requests.map((m) => m.frames),
      sent.map((f) => ['', ...f.map((x) => x.toString('hex'))]),
    );
    assert.deepEqual(
      answers.map((m) => m.frames),
      replies.map((f) => ['', ...f.map((x) => x.toString('hex'))]),
    );
    for (const m of msgs) assert.deepEqual(m.envelope, []);
    for (let i = 0; i < 5; i++) {
      assert.ok(answers[i].replyTo, `reply ${i} matched`);
      assert.equal(answers[i].replyTo!.ts, requests[i].ts);
      // Rounded to the capture's microseconds: no float noise from subtracting epoch times.
      assert.equal(answers[i].replyTo!.latency, Math.round((answers[i].ts - requests[i].ts) * 1e6) / 1e6);
    }
    const info = inspector.connections()[0];
    assert.equal(info.state, 'closed');
    assert.equal(info.version, '3.1');
    assert.deepEqual(info.socketTypes, { c2s: 'REQ', s2c: 'REP' });
    assert.equal(info.counts.c2s.messages, 5);
    assert.equal(info.counts.s2c.messages, 5);
    assert.equal(info.pairs.matched, 5);
    assert.equal(inspector.stats().messages, 10);
    // Rate buckets add up to the totals, per connection and overall.
    const sum = (bs: { messages: number; bytes: number }[]) => bs.reduce((a, b) => [a[0] + b.messages, a[1] + b.bytes], [0, 0]);
    const payload = msgs.reduce((n, m) => n + m.sizes!.reduce((x, y) => x + y, 0), 0);
    assert.deepEqual(sum(inspector.stats().rate), [10, payload]);
    assert.deepEqual(sum(info.rate), [10, payload]);
    assert.equal(info.counts.c2s.payloadBytes + info.counts.s2c.payloadBytes, payload);
    assert.equal(
      info.counts.c2s.wireBytes,
      relay.chunks.filter((ch) => ch.dir === 'c2s').reduce((n, ch) => n + ch.data.length, 0),
    );
    assert.equal(info.pairs.pending, 0);
    assert.ok(info.pairs.maxLatency >= 0 && info.pairs.totalLatency >= info.pairs.maxLatency);
    assert.equal(records[0].type, 'open');
    assert.equal(records[records.length - 1].type, 'close');
  }
});

test('readable lines: every record type gets a one-line summary with previews', async () => {
  const { formatRecord, summarize } = await import('../../../core/inspect/format.js');
  const base = { ts: 1700000000.25, src: '10.0.0.1:5', dst: '[::1]:6', conn: 7, dir: 'c2s' as const };
  const lines: [InspectRecord, RegExp][] = [
    [{ ...base, type: 'open' }, /^connection$/],
    [
      { ...base, type: 'greeting', version: '2.0', mechanism: 'NULL', socketType: 'ROUTER', identity: '', offered: '3.0' },
      /^ZMTP 2\.0 socket ROUTER identity "" \(offered ZMTP 3, fell back for the peer\)$/,
    ],
    [{ ...base, type: 'command', name: 'SUBSCRIBE', topic: '' }, /^SUBSCRIBE topic "" \(everything\)$/],
    [
      { ...base, type: 'command', name: 'HELLO', username: 'u', password: 'p', cleartextCredentials: true },
      /^HELLO username="u" password="p" \[credentials in clear text\]$/,
    ],
    [
      { ...base, type: 'message', frames: ['', '68656c6c6f', 'ff00'], envelope: [], replyTo: { ts: 1, latency: 0.0015 } },
      /^\[3\] "" \| "hello" \| 0xff00 envelope \(delimiter only\) reply after 1\.500 ms$/,
    ],
    [
      { ...base, type: 'message', frames: ['0174'], subscription: { subscribe: true, topic: '74' } },
      /^\[1\] subscribe "t" \(subscription message\)$/,
    ],
    [{ ...base, type: 'gap', bytes: 10 }, /^10 bytes never captured; resynchronising$/],
    [
      { ...base, type: 'error', message: 'bad', code: 'ZMTP_MALFORMED_FRAME', severity: 'error', offset: 3 },
      /^\[ZMTP_MALFORMED_FRAME\] bad \(at byte 3\)$/,
    ],
  ];
  for (const [r, re] of lines) assert.match(summarize(r), re);
  assert.match(formatRecord(lines[0][0]), /^2023-11-14 22:13:20\.250000  #7 +10\.0\.0\.1:5 -> \[::1\]:6 +OPEN +connection$/);
});
