// The whole-message path (fast-messages.ts: messages of short frames decoded straight from a chunk) gives
// what the frame-by-frame path gives: the same chunks decoded with it and without it (wholeMessages:
// false) make the same records (the record path) and the same JSON lines (the view path,
// RecordWriter.writeView), byte for byte. Where a stream has no malformed frames, they are also what the
// stream cut into one-byte pieces gives (no chunk then holds a whole frame). On real captures, and on made
// streams that put every reason to leave the whole-message path at a chunk's edge or inside one (a message
// split over chunks, long frames, commands between messages, a first frame that looks like a MESSAGE box,
// the message cap, the frame size limit, reserved flag bits, ZMTP 2.0 framing, a stream joined mid-way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { openCapture } from '../../../core/capture/open.js';
import { TcpReassembler } from '../../../core/capture/reassembly.js';
import type { TcpConnection, TcpStreamEvent } from '../../../core/capture/types.js';
import { Inspector, type InspectorOptions } from '../../../core/inspect/inspector.js';
import { RecordWriter } from '../../../core/inspect/output.js';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { encodeCommand, readyCommand } from '../../../core/zmtp/commands.js';
import { encodeFrame, encodeMessage, type Framing } from '../../../core/zmtp/frame.js';
import { encodeGreetingV2, encodeGreetingV3 } from '../../../core/zmtp/greeting.js';
import { REALCAPS } from '../../helpers/pgm.js';
import { rng } from './relay.js';

type Options = Omit<InspectorOptions, 'onRecord' | 'onMessage'>;

/** A capture file's reassembled stream events, data copied out of the read buffers. */
async function captureEvents(path: string): Promise<{ events: TcpStreamEvent[]; nanoseconds: boolean }> {
  const events: TcpStreamEvent[] = [];
  let ids = 1;
  let lastTs = 0;
  let nanoseconds = false;
  const reassembler = new TcpReassembler({ nextId: () => ids++ });
  const keep = (evs: TcpStreamEvent[]) => {
    for (const ev of evs) events.push(ev.kind === 'data' ? { ...ev, data: Buffer.from(ev.data) } : ev);
  };
  for await (const p of openCapture(path)) {
    if ('kind' in p) continue;
    lastTs = p.ts;
    if (p.tsNsec % 1000 !== 0) nanoseconds = true;
    const evs: TcpStreamEvent[] = [];
    reassembler.pushInto(p, evs);
    keep(evs);
  }
  keep(reassembler.end(lastTs));
  return { events, nanoseconds };
}

/** The events with each data event cut into pieces by `cut` (same connection, direction and time). */
function recut(events: TcpStreamEvent[], cut: (data: Buffer) => Buffer[]): TcpStreamEvent[] {
  return events.flatMap((ev): TcpStreamEvent[] => (ev.kind === 'data' ? cut(ev.data).map((data) => ({ ...ev, data })) : [ev]));
}

const bytewise = (data: Buffer) => [...data].map((b) => Buffer.from([b]));

function randomCuts(seed: number) {
  const random = rng(seed);
  return (data: Buffer) => {
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length;) {
      const n = 1 + Math.floor(random() * 60);
      parts.push(data.subarray(at, at + n));
      at += n;
    }
    return parts;
  };
}

/** What the inspector makes of the events: its records, and the JSON lines of the view path. */
function decode(events: TcpStreamEvent[], options: Options, nanoseconds = false) {
  const records: InspectRecord[] = [];
  const byRecords = new Inspector({ ...options, onRecord: (r) => records.push(r) });
  if (nanoseconds) byRecords.timeTicksPerSecond = 1e9;
  for (const ev of events) byRecords.push(ev);
  byRecords.end();

  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const writer = new RecordWriter(out, true);
  const byViews = new Inspector({ ...options, onRecord: (r) => writer.write(r), onMessage: (m) => writer.writeView(m) });
  if (nanoseconds) byViews.timeTicksPerSecond = 1e9;
  for (const ev of events) byViews.push(ev);
  byViews.end();
  writer.flush();
  return { records, json: Buffer.concat(chunks).toString('utf8'), stats: byRecords.stats(), connections: byRecords.connections() };
}

function assertSame(got: ReturnType<typeof decode>, want: ReturnType<typeof decode>, what: string): void {
  assert.deepEqual(got.records, want.records, `${what}: the same records`);
  assert.equal(got.json, want.json, `${what}: the same JSON lines`);
  assert.deepEqual(got.stats, want.stats, `${what}: the same totals`);
  assert.deepEqual(got.connections, want.connections, `${what}: the same connections and counts`);
}

/**
 * The events as they are and cut at random, decoded with and without the whole-message path; with
 * `bytewiseToo`, also against the events cut into single bytes (streams without malformed frames: how
 * the search for frame boundaries after one goes depends on where chunks end). The records.
 */
function assertSameDecoding(events: TcpStreamEvent[], options: Options, nanoseconds = false, bytewiseToo = true): InspectRecord[] {
  const bytewiseRef = bytewiseToo ? decode(recut(events, bytewise), options, nanoseconds) : undefined;
  for (const [name, cut] of [
    ['as captured', (d: Buffer) => [d]],
    ['cut at random', randomCuts(13)],
    ['cut at random (another seed)', randomCuts(7)],
  ] as const) {
    const chunks = recut(events, cut);
    const got = decode(chunks, options, nanoseconds);
    assertSame(got, decode(chunks, { ...options, wholeMessages: false }, nanoseconds), `${name}, frame by frame`);
    if (bytewiseRef) assertSame(got, bytewiseRef, `${name}, against one-byte chunks`);
  }
  return decode(events, options, nanoseconds).records;
}

const captureDir = fileURLToPath(new URL('../../../resources/captures/', import.meta.url));
const samples = readdirSync(captureDir)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .map((f) => captureDir + f);
const realcaps = existsSync(REALCAPS) ? readdirSync(REALCAPS).filter((f) => /\.pcap(ng)?$/.test(f)) : [];

for (const path of [...samples, ...realcaps.map((f) => `${REALCAPS}/${f}`)]) {
  const name = path.split('/').pop()!;
  test(`${name}: whole messages from a chunk decode as frame by frame`, async () => {
    const { events, nanoseconds } = await captureEvents(path);
    assertSameDecoding(events, {}, nanoseconds);
    // Frames cut short in records, and a small message cap: both leave the whole-message path.
    assertSameDecoding(events, { maxFrameBytes: 8, maxMessageFrames: 2 }, nanoseconds);
  });
}

// ---- made streams ----

const client = { ip: '10.0.0.1', port: 40000 };
const server = { ip: '10.0.0.2', port: 5555 };

/** One connection: its open, then each direction's chunks in turns (c2s first), one millisecond apart. */
function connection(c2s: Buffer[], s2c: Buffer[], midstream = false): TcpStreamEvent[] {
  const conn: TcpConnection = { id: 1, client, server, midstream };
  let ts = 1700000000;
  const events: TcpStreamEvent[] = [{ kind: 'open', conn, ts }];
  for (let i = 0; i < Math.max(c2s.length, s2c.length); i++) {
    for (const [dir, chunks] of [
      ['c2s', c2s],
      ['s2c', s2c],
    ] as const) {
      if (i >= chunks.length) continue;
      ts = Math.round((ts + 0.001) * 1e6) / 1e6;
      events.push({ kind: 'data', conn, dir, ts, data: chunks[i] });
    }
  }
  events.push({ kind: 'close', conn, ts: ts + 1, reason: 'fin' });
  return events;
}

const text = (s: string) => Buffer.from(s, 'latin1');
const msg = (framing: Framing, ...frames: (string | Buffer)[]) =>
  encodeMessage(
    framing,
    frames.map((f) => (typeof f === 'string' ? text(f) : f)),
  );
const cmd = (body: Buffer) => encodeFrame('v3', body, false, true);

/** REQ/REP in ZMTP 3.1 whose chunks put a reason to leave the whole-message path at every place. */
function reqRepV3(): TcpStreamEvent[] {
  const requests = [
    Buffer.concat([msg('v3', '', 'one'), msg('v3', '', 'two'), msg('v3', '', 'three').subarray(0, 3)]),
    Buffer.concat([msg('v3', '', 'three').subarray(3), msg('v3', '', Buffer.alloc(300, 0x61))]), // a long frame
    Buffer.concat([
      msg('v3', '', text('\x07MESSAGE is not a box')),
      cmd(encodeCommand('PING', Buffer.from([0, 10]))),
      msg('v3', '', 'after ping'),
    ]),
    Buffer.concat([msg('v3', '', 'a', 'b', 'c', 'd'), msg('v3', '', ''), msg('v3', '', Buffer.alloc(255, 1))]),
    Buffer.concat([msg('v3', '', Buffer.alloc(100, 2)), msg('v3', '', 'small')]), // over a small frame size limit
    Buffer.concat([msg('v3', '', 'last')]),
  ];
  const replies = [
    msg('v3', '', 'one back'),
    Buffer.concat([msg('v3', '', 'two back'), msg('v3', '', 'three back')]),
    Buffer.concat([msg('v3', '', Buffer.alloc(300, 0x62)), cmd(encodeCommand('PONG', Buffer.from([])))]),
    Buffer.concat([msg('v3', '', 'box?'), msg('v3', '', 'after ping back')]),
    Buffer.concat([msg('v3', '', 'abcd back'), msg('v3', '', 'empty back'), msg('v3', '', '255 back')]),
    Buffer.concat([msg('v3', '', 'big back'), msg('v3', '', 'small back')]),
    // Reserved flag bits: an error, then a search for frame boundaries.
    Buffer.concat([msg('v3', '', 'last back'), Buffer.from([0x08, 2, 0x41, 0x42]), msg('v3', '', 'after the bad frame')]),
  ];
  return connection(
    [Buffer.concat([encodeGreetingV3('NULL', false), cmd(readyCommand({ 'Socket-Type': 'REQ' }))]), ...requests],
    [Buffer.concat([encodeGreetingV3('NULL', true), cmd(readyCommand({ 'Socket-Type': 'REP' }))]), ...replies],
  );
}

test('made ZMTP 3.1 REQ/REP: messages split over chunks, long frames, commands, box-like frames, bad flags', () => {
  const events = reqRepV3();
  const records = assertSameDecoding(events, {}, false, false);
  const messages = records.filter((r) => r.type === 'message');
  assert.equal(messages.length, 25, 'every message is there (12 requests, 13 replies)');
  assert.ok(
    messages.some((r) => r.type === 'message' && r.replyTo),
    'replies are paired',
  );
  assert.ok(
    records.some((r) => r.type === 'error' && r.code === 'ZMTP_MALFORMED_FRAME'),
    'the bad flags are reported',
  );
});

test('made ZMTP 3.1 REQ/REP under limits: frame size, message cap (frames and bytes), frame bytes shown', () => {
  const events = reqRepV3();
  for (const options of [{ maxFrameSize: 64 }, { maxMessageFrames: 3 }, { maxMessageBytes: 40 }, { maxFrameBytes: 4 }]) {
    const records = assertSameDecoding(events, options, false, false);
    assert.ok(records.length > 0);
  }
  const limited = assertSameDecoding(events, { maxFrameSize: 64 }, false, false);
  assert.ok(
    limited.some((r) => r.type === 'error' && r.code === 'ZMTP_MALFORMED_FRAME' && /exceeds/.test(r.message)),
    'the frame over the size limit is reported',
  );
  const capped = assertSameDecoding(events, { maxMessageFrames: 3 }, false, false);
  assert.ok(
    capped.some((r) => r.type === 'error' && r.code === 'ZMTP_MESSAGE_OVER_CAP'),
    'the message over the cap is reported',
  );
});

test('made ZMTP 2.0 DEALER/ROUTER: the identity frame, envelopes, the COMMAND bit (meaningless in 2.0)', () => {
  const v2 = (more: boolean, body: string) => Buffer.concat([Buffer.from([more ? 1 : 0, body.length]), text(body)]);
  const events = connection(
    [
      Buffer.concat([encodeGreetingV2('DEALER'), v2(false, '')]),
      Buffer.concat([msg('v2', '', 'hello'), msg('v2', '', 'again').subarray(0, 4)]),
      Buffer.concat([msg('v2', '', 'again').subarray(4), Buffer.from([0x05, 0]), Buffer.from([0x04, 3]), text('cmd')]),
    ],
    [
      Buffer.concat([encodeGreetingV2('ROUTER'), v2(false, 'peer')]),
      Buffer.concat([msg('v2', '', 'hello back'), msg('v2', '', 'again back')]),
    ],
  );
  const records = assertSameDecoding(events, {});
  assert.equal(records.filter((r) => r.type === 'message').length, 5);
  assert.deepEqual(
    records.filter((r) => r.type === 'error'),
    [],
  );
});

test('made stream joined mid-way: found frame boundaries, then whole messages (heuristic)', () => {
  const requests = Array.from({ length: 12 }, (_, i) => msg('v3', `id-${i}`, '', `request ${i}`));
  const replies = Array.from({ length: 12 }, (_, i) => msg('v3', `id-${i}`, '', `reply ${i}`));
  const events = connection(
    [Buffer.concat(requests.slice(0, 6)), Buffer.concat(requests.slice(6))],
    [Buffer.concat(replies.slice(0, 5)), Buffer.concat(replies.slice(5))],
    true,
  );
  const records = assertSameDecoding(events, {});
  assert.ok(
    records.some((r) => r.type === 'message' && r.heuristic),
    'messages decoded without a greeting',
  );
});

test('pushData: bytes given as a range of a larger buffer decode as data events do; a range outside it is refused', async () => {
  const { events } = await captureEvents(captureDir + 'req-rep-null.pcapng');
  // Every data event's bytes laid end to end in one buffer, as the capture thread's batches hold them.
  const all = Buffer.concat(events.flatMap((ev) => (ev.kind === 'data' ? [ev.data] : [])));
  const byRanges: InspectRecord[] = [];
  const inspector = new Inspector({ onRecord: (r) => byRanges.push(r) });
  let at = 0;
  for (const ev of events) {
    if (ev.kind !== 'data') {
      inspector.push(ev);
      continue;
    }
    inspector.pushData(ev.conn, ev.dir, ev.ts, all, at, at + ev.data.length);
    at += ev.data.length;
  }
  inspector.end();
  assert.deepEqual(byRanges, decode(events, {}).records);
  assert.equal(byRanges.filter((r) => r.type === 'message').length, 10, "the capture's 10 messages");
  const conn: TcpConnection = { id: 99, client, server, midstream: false };
  for (const [start, end] of [
    [-1, 2],
    [3, 2],
    [0, all.length + 1],
    [NaN, 1],
  ]) {
    assert.throws(
      () => inspector.pushData(conn, 'c2s', 1, all, start, end),
      (e: NodeJS.ErrnoException) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE',
    );
  }
});
