// The capture store keeps records in columns (envelope, reply pairing, heuristic flag, a REQ/REP message's
// empty delimiter too): each record it gives back must be the Inspector's record exactly, as JSON text, and
// its frame count, bytes and joined hex must match it, on captures made by others (pyzmq
// REQ/REP with envelopes and replies, mid-stream connections, ZMTP 1.0/2.0, PGM); also when messages come
// as the inspector's views, their bytes kept in the arena (the host's way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { decodeCapture } from '../../core/inspect/decode-capture.js';
import type { InspectRecord } from '../../core/inspect/records.js';
import { RecordColumns } from '../../core/host/record-columns.js';
import { CaptureStore } from '../../core/host/capture-store.js';
import { MessageView } from '../../core/inspect/message-view.js';
import { REALCAPS } from '../helpers/pgm.js';

const files = existsSync(REALCAPS) ? readdirSync(REALCAPS).filter((f) => /\.pcap(ng)?$/.test(f)) : [];

test(
  'records kept in columns come back as the Inspector made them, key order included',
  { skip: files.length === 0 && `no captures at ${REALCAPS}` },
  async () => {
    let inColumns = 0;
    let replies = 0;
    let delimited = 0;
    for (const name of files) {
      const records: InspectRecord[] = [];
      await decodeCapture(`${REALCAPS}/${name}`, { onRecord: (r) => records.push(r) });
      const cols = new RecordColumns();
      for (const r of records) cols.push(r);
      for (let i = 0; i < records.length; i++) {
        assert.equal(JSON.stringify(cols.get(i)), JSON.stringify(records[i]), `${name} record ${i}`);
        // What the table and search read without making the record: frame count, bytes, the joined hex.
        const r = records[i];
        if (r.type === 'message') {
          assert.equal(cols.frameCount(i), r.frames.length, `${name} record ${i} frames`);
          assert.equal(
            cols.bytes(i),
            (r.sizes ?? r.frames.map((f) => f.length / 2)).reduce((a, b) => a + b, 0),
            `${name} record ${i} bytes`,
          );
          assert.equal(cols.joinedFrames(i), r.frames.join(','), `${name} record ${i} joined`);
          if (r.frames.length === 2 && r.frames[0] === '') delimited++;
        } else assert.equal(cols.frameCount(i), 0);
        if (records[i].type === 'message' && cols.extraOf(i) === undefined) inColumns++;
        if ((records[i] as { replyTo?: unknown }).replyTo) replies++;
      }
    }
    assert.ok(
      inColumns > 100 && replies > 10 && delimited > 10,
      `messages kept without an object: ${inColumns}, replies: ${replies}, empty delimiter then one frame: ${delimited}`,
    );
  },
);

test(
  'messages taken as the inspector hands them out (bytes in the arena, no record made) come back as the records it would have made',
  { skip: files.length === 0 && `no captures at ${REALCAPS}` },
  async () => {
    let inArena = 0;
    let replies = 0;
    let enveloped = 0;
    for (const name of files) {
      const records: InspectRecord[] = [];
      await decodeCapture(`${REALCAPS}/${name}`, { onRecord: (r) => records.push(r) });
      // The host's way: messages as views, everything else as records, into one store in arrival order.
      const store = new CaptureStore();
      await decodeCapture(`${REALCAPS}/${name}`, { onRecord: (r) => store.add(r), onMessage: (m) => store.addMessage(m) });
      const cols = store.records;
      assert.equal(cols.length, records.length, `${name} record count`);
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        assert.equal(JSON.stringify(cols.get(i)), JSON.stringify(r), `${name} record ${i}`);
        if (r.type !== 'message') continue;
        assert.equal(cols.frameCount(i), r.frames.length, `${name} record ${i} frames`);
        assert.equal(
          cols.bytes(i),
          r.sizes!.reduce((a, b) => a + b, 0),
          `${name} record ${i} bytes`,
        );
        assert.equal(cols.joinedFrames(i), r.frames.join(','), `${name} record ${i} joined`);
        if (cols.extraOf(i) === undefined) inArena++;
        if (r.replyTo) replies++;
        if (r.envelope) enveloped++;
      }
      // The connection summaries count what records would have counted.
      const byRecords = new CaptureStore();
      for (const r of records) byRecords.add(r);
      assert.deepEqual(store.connections(), byRecords.connections(), `${name} connections`);
      assert.equal(store.messages, byRecords.messages, `${name} messages`);
      // Searches read the arena's bytes where the records' store reads hex: the same records match. Needles
      // from the capture's own frames (whole, a middle slice, an odd hex digit count) and text.
      const needles = new Set<string>(['', '00', 'ff01', 'abc']);
      for (const r of records.filter((x) => x.type === 'message').slice(0, 40)) {
        const f = (r as { frames: string[] }).frames.at(-1)!;
        needles.add(f);
        needles.add(f.slice(2, 8));
        needles.add(f.slice(0, 3));
      }
      for (const search of needles)
        for (const searchHex of [true, false]) {
          const filter = { search: searchHex ? search : Buffer.from(search, 'hex').toString('latin1'), searchHex };
          assert.deepEqual(store.filtered(filter), byRecords.filtered(filter), `${name} search ${JSON.stringify(filter)}`);
        }
    }
    assert.ok(inArena > 100 && replies > 10 && enveloped > 10, `in the arena: ${inArena}, replies: ${replies}, enveloped: ${enveloped}`);
  },
);

/**
 * A view that outlives its onMessage call, as the inspector would hand it out again: its fields, and its
 * frames' bytes copied. Frames are set with setFrames where MessageView holds them as ranges of sources
 * (its frames a getter), or as the field they were.
 */
function keptView(m: MessageView): MessageView {
  const { ts, src, dst, conn, dir, maxFrameBytes, heuristic, envelopeFrames, subscription, replied, replyTs, latency } = m;
  const copy = Object.assign(new MessageView(), {
    ts,
    src,
    dst,
    conn,
    dir,
    maxFrameBytes,
    heuristic,
    envelopeFrames,
    subscription,
    replied,
    replyTs,
    latency,
  });
  const frames = m.frames.map((f) => Buffer.from(f));
  const ranged = copy as unknown as { setFrames?: (list: Buffer[]) => void };
  if (typeof ranged.setFrames === 'function') ranged.setFrames(frames);
  else Object.assign(copy, { frames });
  return copy;
}

test(
  'columns keep records across their pages: more than two pages of records and views, each as the Inspector made it',
  { skip: files.length === 0 && `no captures at ${REALCAPS}` },
  async () => {
    // The capture with the most records, replayed until the columns span three pages (64 Ki records
    // each): its records as records, its messages as the views the inspector handed out (their frames
    // copied, as a view is valid only during its call).
    const path = `${REALCAPS}/${files.reduce((a, b) => (statSync(`${REALCAPS}/${a}`).size >= statSync(`${REALCAPS}/${b}`).size ? a : b))}`;
    const records: InspectRecord[] = [];
    const arrived: (InspectRecord | MessageView)[] = [];
    await decodeCapture(path, {
      onRecord: (r) => {
        records.push(r);
        arrived.push(r);
      },
      onMessage: (m) => {
        records.push(m.toRecord());
        arrived.push(keptView(m));
      },
    });
    assert.ok(arrived.some((a) => a instanceof MessageView) && arrived.some((a) => !(a instanceof MessageView)), 'views and records');
    const cols = new RecordColumns();
    const total = 2 * 65536 + 777;
    for (let i = 0; i < total; i++) {
      const a = arrived[i % arrived.length];
      if (a instanceof MessageView) cols.pushView(a);
      else cols.push(a);
    }
    assert.equal(cols.length, total);
    for (let i = 0; i < total; i++) {
      const r = records[i % records.length];
      assert.equal(JSON.stringify(cols.get(i)), JSON.stringify(r), `record ${i}`);
      if (r.type === 'message') assert.equal(cols.joinedFrames(i), r.frames.join(','), `record ${i} joined`);
    }
  },
);
