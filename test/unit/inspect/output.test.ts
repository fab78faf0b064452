// RecordWriter (`zmtp decode --json` output): every line is exactly JSON.stringify of its record, whatever
// the stream does with the buffers it is given (kept for later, or written at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as zmq from 'zeromq';
import { Inspector } from '../../../core/inspect/inspector.js';
import { RecordWriter, recordToJson } from '../../../core/inspect/output.js';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { startRelay, toEvents } from './relay.js';

/** A stream that takes chunks synchronously (like a file), or keeps them and acknowledges later (like a busy pipe). */
function sink(mode: 'sync' | 'deferred') {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 4 * 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (mode === 'sync') {
        chunks.push(Buffer.from(chunk)); // what it held at write time
        cb();
      } else {
        chunks.push(chunk); // the same memory, read only when the test ends
        setImmediate(cb);
      }
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function writeAll(records: InspectRecord[], mode: 'sync' | 'deferred'): Promise<string> {
  const s = sink(mode);
  const w = new RecordWriter(s.stream, true);
  for (const r of records) {
    w.write(r);
    const wait = w.pace();
    if (wait) await wait;
  }
  await w.end();
  await new Promise<void>((resolve) => s.stream.end(resolve)); // until the stream has written it all
  return s.text();
}

/** Records of real libzmq traffic: ROUTER/DEALER (envelopes), multipart with empty and binary frames. */
async function libzmqRecords(): Promise<InspectRecord[]> {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const relay = await startRelay(Number(router.lastEndpoint!.split(':').pop()));
  const dealer = new zmq.Dealer({ linger: 0, routingId: 'dealer-1' });
  dealer.connect(`tcp://127.0.0.1:${relay.port}`);
  try {
    for (let i = 0; i < 20; i++) {
      await dealer.send([Buffer.alloc(0), Buffer.from(`request ${i}`), Buffer.alloc(i * 97, i)]);
      const [id, , body] = await router.receive();
      await router.send([id, Buffer.alloc(0), Buffer.from([0, 0xff, i]), body]);
      await dealer.receive();
    }
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    dealer.close();
    router.close();
    await relay.close();
  }
  const records: InspectRecord[] = [];
  const inspector = new Inspector({ onRecord: (r) => records.push(r) });
  for (const ev of toEvents(relay)) inspector.push(ev);
  inspector.end();
  return records;
}

const base = { ts: 1700000000.25, src: '10.0.0.1:5555', dst: '[::1]:6000', conn: 3, dir: 'c2s' as const };
const handMade: InspectRecord[] = [
  { type: 'message', ...base, frames: [], sizes: [] },
  // Larger than the writer's 1 MiB buffer, between small ones.
  { type: 'message', ...base, frames: ['00', 'ab'.repeat(700 * 1024), ''], sizes: [1, 700 * 1024, 0], truncated: true },
  { type: 'message', ...base, ts: 0, conn: 0, frames: ['01'], sizes: [1], subscription: { subscribe: true, topic: '' }, heuristic: true },
  {
    type: 'message',
    ...base,
    frames: ['aa', '', 'bb'],
    sizes: [1, 0, 1],
    envelope: ['aa'],
    replyTo: { ts: 1700000000.125, latency: 0.125 },
  },
  {
    type: 'error',
    ...base,
    message: 'bad "greeting": ünïcödé \u2028 and a tab\t',
    code: 'ZMTP_BAD_GREETING',
    severity: 'error',
    offset: 7,
  },
  { type: 'command', ...base, name: 'READY', properties: { 'Socket-Type': 'DEALER', Identity: 'naïve' } },
  { type: 'gap', ...base, dir: 's2c', bytes: 1460 },
];

test('RecordWriter --json: each line is JSON.stringify of its record, for streams that write at once or keep the chunks', async () => {
  const real = await libzmqRecords();
  const records = [...real, ...handMade];
  const messages = records.filter((r) => r.type === 'message');
  assert.ok(messages.length >= 40 + 4, `${messages.length} messages`);
  assert.ok(
    messages.some((r) => r.type === 'message' && r.envelope),
    'ROUTER/DEALER envelopes recognised',
  );
  const lines = (rs: InspectRecord[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const expected = lines(records);
  // Small records repeated until the output fills many of the writer's 1 MiB buffers.
  const many = [...Array.from({ length: 200 }, () => real).flat(), ...handMade];
  const expectedMany = lines(many);
  assert.ok(expectedMany.length > 4 * 1024 * 1024, `${expectedMany.length} bytes`);
  for (const mode of ['sync', 'deferred'] as const) {
    assert.equal(await writeAll(records, mode), expected, `${mode} stream`);
    assert.equal(await writeAll(many, mode), expectedMany, `${mode} stream, many buffers`);
  }
  for (const r of records) assert.equal(recordToJson(r), JSON.stringify(r));
});

test('RecordWriter text mode: one readable line per record', async () => {
  const s = sink('deferred');
  const w = new RecordWriter(s.stream, false);
  for (const r of handMade) w.write(r);
  await w.end();
  await new Promise<void>((resolve) => s.stream.end(resolve));
  const lines = s.text().split('\n');
  assert.equal(lines.length, handMade.length + 1);
  assert.equal(lines.at(-1), '');
  assert.match(lines[4], /ünïcödé/);
});
