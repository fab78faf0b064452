// MessageView (InspectorOptions.onMessage, what `zmtp decode --json` takes): on real libzmq captures, each
// view carries what the record path's message record says, and RecordWriter.writeView writes the very
// bytes RecordWriter.write writes for that record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { decodeCapture } from '../../../core/inspect/decode-capture.js';
import type { MessageView } from '../../../core/inspect/message-view.js';
import { RecordWriter } from '../../../core/inspect/output.js';
import type { InspectRecord, MessageRecord } from '../../../core/inspect/records.js';

const dir = fileURLToPath(new URL('../../../resources/captures/', import.meta.url));
const captures = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f));

/** A RecordWriter into memory; text() once ended. */
function memoryWriter() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const writer = new RecordWriter(stream, true);
  return { writer, text: async () => (await writer.end(), Buffer.concat(chunks).toString('utf8')) };
}

/** What a view says, read while it is valid (during the onMessage call), the frames' hex made here. */
function readView(m: MessageView, maxFrameBytes: number) {
  const frames = m.frames.map((f) => f.toString('hex', 0, Math.min(f.length, maxFrameBytes)));
  return {
    ts: m.ts,
    src: m.src,
    dst: m.dst,
    conn: m.conn,
    dir: m.dir,
    frames,
    sizes: m.frames.map((f) => f.length),
    truncated: m.truncated,
    heuristic: m.heuristic,
    envelope: m.envelopeFrames >= 0 ? frames.slice(0, m.envelopeFrames) : undefined,
    subscription: m.subscription,
    replyTo: m.replied ? { ts: m.replyTs, latency: m.latency } : undefined,
  };
}

for (const name of captures) {
  for (const maxFrameBytes of [Infinity, 8]) {
    test(`${name}${maxFrameBytes < Infinity ? ` (frames cut at ${maxFrameBytes} bytes)` : ''}: views match the message records`, async () => {
      // The record path: every record through onRecord, written by write().
      const records: InspectRecord[] = [];
      const byRecords = memoryWriter();
      await decodeCapture(dir + name, {
        maxFrameBytes,
        onRecord: (r) => {
          records.push(r);
          byRecords.writer.write(r);
        },
      });
      // The view path: messages through onMessage, written by writeView(); other records as before.
      const seen: (ReturnType<typeof readView> | InspectRecord)[] = [];
      const byViews = memoryWriter();
      const summary = await decodeCapture(dir + name, {
        maxFrameBytes,
        onRecord: (r) => {
          seen.push(r);
          byViews.writer.write(r);
        },
        onMessage: (m) => {
          seen.push(readView(m, maxFrameBytes));
          byViews.writer.writeView(m);
        },
      });
      assert.equal(seen.length, records.length, 'as many views and records as records alone');
      assert.equal(summary.records, records.length, 'views count as records in the summary');
      let messages = 0;
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        const s = seen[i];
        if (r.type !== 'message') {
          assert.deepEqual(s, r, `record ${i} is the same`);
          continue;
        }
        messages++;
        assert.ok(!('type' in s), `record ${i} (a message) came as a view`);
        const want: MessageRecord = r;
        assert.equal(s.ts, want.ts);
        assert.equal(s.src, want.src);
        assert.equal(s.dst, want.dst);
        assert.equal(s.conn, want.conn);
        assert.equal(s.dir, want.dir);
        assert.deepEqual(s.frames, want.frames, `message ${i}: frames`);
        assert.deepEqual(s.sizes, want.sizes, `message ${i}: sizes`);
        assert.equal(s.truncated, want.truncated === true, `message ${i}: truncated`);
        assert.equal(s.heuristic, want.heuristic === true, `message ${i}: heuristic`);
        assert.deepEqual(s.envelope, want.envelope, `message ${i}: envelope`);
        assert.deepEqual(s.subscription, want.subscription, `message ${i}: subscription`);
        assert.deepEqual(s.replyTo, want.replyTo, `message ${i}: replyTo`);
      }
      // CURVE's messages are encrypted MESSAGE commands: no message records there.
      if (!name.startsWith('curve')) assert.ok(messages > 0, `${name} has messages`);
      if (maxFrameBytes === 8 && name.startsWith('dealer-router')) {
        assert.ok(
          records.some((r) => r.type === 'message' && r.truncated),
          'a cut frame is in the test',
        );
      }
      if (name.startsWith('req-rep'))
        assert.ok(
          records.some((r) => r.type === 'message' && r.replyTo && r.envelope),
          'REQ/REP pairing and envelopes are in the test',
        );
      assert.equal(await byViews.text(), await byRecords.text(), 'writeView writes the bytes write writes for the record');
    });
  }
}
