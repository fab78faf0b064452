// The capture thread (ZMTP_CAPTURE_THREAD, core/capture/capture-worker.ts): a real tcpdump capture of
// libzmq traffic decodes to the same records, warnings and summary with the thread on and off, from a
// file, from a stream, and from a file still being written (an upload to zmtp serve); bad files give the same coded errors in both modes; a thread that
// dies is EWORKER with what it sent before kept; and a stalled consumer stops the thread's reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import * as zmq from 'zeromq';
import { decodeCapture, type DecodeCaptureOptions, type DecodeSummary } from '../../../core/inspect/decode-capture.js';
import { captureThreadMode, captureThreadWanted, THREAD_MIN_BYTES } from '../../../core/capture/capture-thread.js';
import type { CaptureWarning } from '../../../core/capture/types.js';
import type { InspectRecord } from '../../../core/inspect/records.js';
import { startCapture, tempDir, portOf } from '../../helpers/capture.js';
import { UploadFile } from '../../../core/cli/upload-file.js';
import { messages, zmtpConns, errors } from './helpers.js';

const t = tempDir();
test.after(() => t.cleanup());

/** DEALER/ROUTER traffic of many sizes (one frame up to 70 KB) under tcpdump; the capture's bytes. */
async function libzmqCapture(): Promise<{ file: string; sent: number }> {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, t.dir, 'dealer-router.pcap');
  const dealer = new zmq.Dealer({ linger: 0 });
  let sent = 0;
  try {
    dealer.connect(`tcp://127.0.0.1:${port}`);
    for (let i = 0; i < 200; i++) {
      await dealer.send([Buffer.from(`part ${i}`), Buffer.alloc((i * 677) % 70_000, i)]);
      const [id, ...frames] = await router.receive();
      await router.send([id, ...frames.reverse()]);
      await dealer.receive();
      sent++;
    }
    await dealer.send('END-OF-TRAFFIC');
    await router.receive();
    await cap.stopAfter(Buffer.from('END-OF-TRAFFIC'));
  } finally {
    cap.kill();
    dealer.close();
    router.close();
  }
  return { file: cap.file, sent };
}

interface Run {
  records: InspectRecord[];
  warnings: CaptureWarning[];
  summary: DecodeSummary;
}

async function decode(input: Parameters<typeof decodeCapture>[0], options: DecodeCaptureOptions): Promise<Run> {
  const records: InspectRecord[] = [];
  const warnings: CaptureWarning[] = [];
  const summary = await decodeCapture(input, { ...options, onRecord: (r) => records.push(r), onWarning: (w) => warnings.push(w) });
  return { records, warnings, summary };
}

/** What must not depend on the thread: all but `threads` and the thread's CPU time. */
function comparable(run: Run) {
  const { threads: _threads, captureThreadCpuSeconds: _cpu, ...summary } = run.summary;
  return { records: run.records, warnings: run.warnings, summary };
}

let capture: Promise<{ file: string; sent: number }> | undefined;
const realCapture = () => (capture ??= libzmqCapture());

test('a real libzmq capture decodes identically with the capture thread off, on (file) and on (stream)', async () => {
  const { file, sent } = await realCapture();
  const off = await decode(file, { captureThread: 'off' });
  const onFile = await decode(file, { captureThread: 'on' });
  const auto = await decode(file, { captureThread: 'auto' });
  const onStream = await decode(Readable.from([readFileSync(file)]), { captureThread: 'on' });
  assert.equal(off.summary.threads, 1);
  assert.equal(onFile.summary.threads, 2);
  assert.equal(onStream.summary.threads, 2);
  assert.equal(auto.summary.threads, readFileSync(file).length >= THREAD_MIN_BYTES ? 2 : 1);
  assert.equal(typeof onFile.summary.captureThreadCpuSeconds, 'number', 'Linux tells the thread its CPU time');
  // The capture itself is clean and whole: every round trip is there, in both directions.
  const [conn] = zmtpConns(off.records);
  assert.deepEqual(errors(off.records), []);
  assert.equal(messages(off.records, conn, 'c2s').length, sent + 1);
  assert.equal(messages(off.records, conn, 's2c').length, sent);
  assert.deepEqual(comparable(onFile), comparable(off));
  assert.deepEqual(comparable(onStream), comparable(off));
  assert.deepEqual(comparable(auto), comparable(off));
});

/** The bytes as an upload delivers them: uneven chunks, a pause now and then (so the decoder catches up
 *  with the file and waits for it to grow); failing after `failAt` bytes when given. */
async function* arriving(bytes: Buffer, failAt = Infinity): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = [1, 7, 4096, 65536, 100_003, 333][i % 6];
    if (at + n > failAt) throw Object.assign(new Error('the upload broke off'), { code: 'ECONNRESET' });
    yield bytes.subarray(at, at + n);
    at += n;
    if (i % 5 === 0) await sleep(2);
  }
}

test('a file decoded as it is written (an upload) gives what the whole file gives, thread on and off', async () => {
  const { file } = await realCapture();
  const bytes = readFileSync(file);
  const whole = await decode(file, { captureThread: 'off' });
  for (const mode of ['off', 'on'] as const) {
    const upload = new UploadFile(Readable.from(arriving(bytes)), join(t.dir, `growing-${mode}.pcap`));
    const run = await decode(upload, { captureThread: mode });
    assert.equal(run.summary.threads, mode === 'on' ? 2 : 1);
    assert.equal(await upload.done, bytes.length);
    assert.deepEqual(comparable(run), comparable(whole), `thread ${mode}`);
  }
  // The upload breaking off ends the decoding with a read error naming the cause, in both modes, after
  // the records of the bytes that arrived.
  for (const mode of ['off', 'on'] as const) {
    const upload = new UploadFile(Readable.from(arriving(bytes, Math.floor(bytes.length / 2))), join(t.dir, `broken-${mode}.pcap`));
    const records: InspectRecord[] = [];
    await assert.rejects(
      decodeCapture(upload, { captureThread: mode, name: 'mine.pcap', onRecord: (r) => records.push(r) }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'EIO', `${mode}: ${e.message}`);
        assert.match(e.message, /^reading mine\.pcap failed after \d+ bytes: the upload broke off$/);
        return true;
      },
    );
    await assert.rejects(upload.done, { code: 'ECONNRESET' });
    assert.ok(
      records.some((r) => r.type === 'message'),
      `${mode}: the messages that arrived were decoded`,
    );
  }
});

test('a truncated capture gives the same records and warnings in both modes; bad files the same coded errors', async () => {
  const { file } = await realCapture();
  const bytes = readFileSync(file);
  const cut = join(t.dir, 'cut.pcap');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const off = await decode(cut, { captureThread: 'off' });
  const on = await decode(cut, { captureThread: 'on' });
  assert.ok(
    off.warnings.some((w) => /truncat|cut short/i.test(w.message)),
    `a truncation warning: ${off.warnings.map((w) => w.message).join('; ')}`,
  );
  assert.deepEqual(comparable(on), comparable(off));

  const notPcap = join(t.dir, 'not.pcap');
  writeFileSync(notPcap, 'GET / HTTP/1.1\r\n\r\n');
  const empty = join(t.dir, 'empty.pcap');
  writeFileSync(empty, '');
  const cases: [Parameters<typeof decodeCapture>[0] | (() => Parameters<typeof decodeCapture>[0]), string, RegExp][] = [
    [notPcap, 'EBADMAGIC', /not a pcap or pcapng capture \(magic 0x47455420/],
    [empty, 'EEMPTY', /is empty/],
    [join(t.dir, 'missing.pcap'), 'ENOENT', /capture file not found/],
    [() => Readable.from([Buffer.from('GET / HTTP/1.1\r\n\r\n')]), 'EBADMAGIC', /stream is not a pcap or pcapng capture/],
  ];
  for (const [input, code, message] of cases) {
    for (const mode of ['off', 'on'] as const) {
      await assert.rejects(
        decode(typeof input === 'function' ? input() : input, { captureThread: mode }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, code, `${mode}: ${e.message}`);
          assert.match(e.message, message);
          return true;
        },
      );
    }
  }
});

test('a capture thread that dies is EWORKER; the records it sent before stay delivered', async () => {
  const { file } = await realCapture();
  const records: InspectRecord[] = [];
  let stop: (() => void) | undefined;
  await assert.rejects(
    decodeCapture(file, {
      captureThread: 'on',
      onThread: (worker) => (stop = () => void worker.terminate()),
      onRecord: (r) => {
        records.push(r);
        if (records.length === 1) stop!();
      },
    }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'EWORKER');
      assert.match(e.message, /the capture thread exited \(code 1\) before the capture was read/);
      return true;
    },
  );
  assert.ok(records.length >= 1);
  assert.equal(records[0].type, 'open');
});

test('an abort stops the capture thread: the summary says aborted, and open connections are ended', async () => {
  const { file } = await realCapture();
  const all = await decode(file, { captureThread: 'off' });
  const abort = new AbortController();
  const records: InspectRecord[] = [];
  const summary = await decodeCapture(file, {
    captureThread: 'on',
    signal: abort.signal,
    onRecord: (r) => {
      records.push(r);
      if (r.type === 'message') abort.abort();
    },
  });
  assert.equal(summary.aborted, true);
  assert.equal(summary.threads, 2);
  assert.ok(summary.packets < all.summary.packets, `${summary.packets} of ${all.summary.packets} packets`);
  // What was decoded before the abort is what the full decode has first; the connection is then ended.
  const first = records.findIndex((r) => r.type === 'message');
  assert.deepEqual(records.slice(0, first + 1), all.records.slice(0, first + 1));
  assert.equal(records.at(-1)?.type, 'close');
});

test('a stalled consumer stops the thread reading: bounded memory while a big upload streams', async () => {
  const { file } = await realCapture();
  const bytes = readFileSync(file);
  const header = bytes.subarray(0, 24);
  const body = bytes.subarray(24);
  const copies = Math.ceil((64 * 1024 * 1024) / body.length);
  let pulled = 0;
  // The same packets again and again (a 64 MiB upload), in 64 KiB chunks, counting what is taken.
  async function* upload() {
    yield header;
    for (let i = 0; i < copies; i++)
      for (let at = 0; at < body.length; at += 65536) {
        const chunk = body.subarray(at, at + 65536);
        pulled += chunk.length;
        yield chunk;
      }
  }
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  let packets = 0;
  const done = decodeCapture(upload(), {
    captureThread: 'on',
    pace: () => (packets++ === 0 ? stalled : undefined),
  });
  try {
    await stalledReading();
  } finally {
    release();
  }
  const summary = await done;
  const perCopy = (await decode(file, { captureThread: 'off' })).summary.packets;
  assert.equal(summary.packets, perCopy * copies);
  assert.equal(summary.aborted, false);

  async function stalledReading() {
    // Wait until the thread has started, then until it has taken no bytes for a second (its batches all in flight).
    for (let i = 0; i < 600 && pulled === 0; i++) await sleep(100);
    let last = -1;
    let still = 0;
    for (let i = 0; i < 600 && still < 10; i++) {
      still = pulled === last ? still + 1 : 0;
      last = pulled;
      await sleep(100);
    }
    assert.equal(still, 10, 'the thread stopped reading');
    assert.ok(pulled > 512 * 1024, `the thread read ahead while the consumer stalled (${pulled} bytes)`);
    if (process.env.SHOW_READ_AHEAD) console.log(`read ahead of a stalled consumer: ${pulled} bytes`);
    assert.ok(
      pulled < 16 * 1024 * 1024,
      `at most 16 MiB read ahead of a stalled consumer, read ${pulled} bytes of ${copies * body.length}`,
    );
  }
});

test('ZMTP_CAPTURE_THREAD: 0, 1, auto (files and uploads of 4 MiB or more, pipes); anything else is EINVAL', () => {
  assert.equal(captureThreadMode(undefined), 'auto');
  assert.equal(captureThreadMode('auto'), 'auto');
  assert.equal(captureThreadMode('1'), 'on');
  assert.equal(captureThreadMode('0'), 'off');
  assert.throws(
    () => captureThreadMode('yes'),
    (e: Error & { code?: string }) => e.code === 'EINVAL' && /must be 0, 1 or auto, not "yes"/.test(e.message),
  );
  const stream = Readable.from([]);
  // Files by their size: a small one decodes before the thread would have started.
  const small = join(t.dir, 'small.pcap');
  const big = join(t.dir, 'big.pcap');
  writeFileSync(small, Buffer.alloc(THREAD_MIN_BYTES - 1));
  writeFileSync(big, Buffer.alloc(THREAD_MIN_BYTES));
  assert.equal(captureThreadWanted(small, undefined, 'auto'), false);
  assert.equal(captureThreadWanted(big, undefined, 'auto'), true);
  assert.equal(captureThreadWanted(small, undefined, 'on'), true);
  // A named pipe's size says nothing about what comes through it; a missing file's error comes from the thread as before.
  execFileSync('mkfifo', [join(t.dir, 'fifo')]);
  assert.equal(captureThreadWanted(join(t.dir, 'fifo'), undefined, 'auto'), true);
  assert.equal(captureThreadWanted('/x.pcap', undefined, 'auto'), true);
  assert.equal(captureThreadWanted(stream, THREAD_MIN_BYTES, 'auto'), true);
  assert.equal(captureThreadWanted(stream, THREAD_MIN_BYTES - 1, 'auto'), false);
  assert.equal(captureThreadWanted(stream, undefined, 'auto'), false);
  assert.equal(captureThreadWanted(stream, undefined, 'on'), true);
  assert.equal(captureThreadWanted('/x.pcap', undefined, 'off'), false);
});
