// A capture that cannot be decoded fails with an error naming the user's file: an upload is decoded
// from a stream and kept under a temporary path, yet its error says neither "stream" nor that path.
// decodeFile is given the name (the capture layer builds its messages with it); the host no longer
// rewrites error texts, which broke on names with "$&" or "stream" in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CaptureError } from '../../core/capture/index.js';
import { decodeFile, type PipelineSink } from '../../core/host/pipeline.js';
import { Host } from '../../core/host/index.js';
import { UploadFile } from '../../core/cli/upload-file.js';

const NOT_A_CAPTURE = Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
const ignore: PipelineSink = { record() {}, message() {}, packet() {}, progress() {}, warning() {} };
const signal = new AbortController().signal;

async function decodeError(input: string | Readable, name?: string): Promise<CaptureError> {
  const err: unknown = await decodeFile(input, ignore, { signal, name }).then(
    () => assert.fail('decoding a non-capture succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CaptureError, `a CaptureError, not ${String(err)}`);
  return err;
}

test('decodeFile names a stream by `name`, and by "stream" without one', async () => {
  const named = await decodeError(Readable.from([NOT_A_CAPTURE]), 'trace from the lab.pcap');
  assert.equal(named.code, 'EBADMAGIC');
  assert.match(named.message, /^trace from the lab\.pcap is not a pcap or pcapng capture \(magic 0x47455420/);
  const unnamed = await decodeError(Readable.from([NOT_A_CAPTURE]));
  assert.match(unnamed.message, /^stream is not a pcap or pcapng capture/);
});

test('decodeFile names a file by `name` instead of its path, for every way opening it fails', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-error-name-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, Buffer, string, RegExp][] = [
    ['upload-1.tmp', NOT_A_CAPTURE, 'EBADMAGIC', /^mine\.pcap is not a pcap or pcapng capture/],
    ['upload-2.tmp', Buffer.alloc(0), 'EEMPTY', /^capture mine\.pcap is empty \(0 bytes\)$/],
    ['upload-3.tmp', Buffer.from([0xd4, 0xc3]), 'EBADMAGIC', /^mine\.pcap is too short to be a capture \(2 bytes\)$/],
  ];
  for (const [file, bytes, code, message] of cases) {
    const path = join(dir, file);
    writeFileSync(path, bytes);
    const err = await decodeError(path, 'mine.pcap');
    assert.equal(err.code, code);
    assert.match(err.message, message);
    assert.ok(!err.message.includes(dir), `no temporary path in "${err.message}"`);
  }
  const missing = await decodeError(join(dir, 'gone.tmp'), 'mine.pcap');
  assert.equal(missing.code, 'ENOENT');
  assert.equal(missing.message, 'capture file not found: mine.pcap');
  assert.match((await decodeError(join(dir, 'upload-1.tmp'))).message, new RegExp(`^${join(dir, 'upload-1.tmp')} is not a pcap`));
});

test("an upload that is no capture fails with the user's file name exactly, whatever characters it has", async (t) => {
  const host = new Host();
  t.after(() => host.close());
  const dir = mkdtempSync(join(tmpdir(), 'capture-error-upload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // "$&" and "stream" are what rewriting the message's text got wrong.
  for (const name of ['a stream of $& bytes.pcap', 'plain.pcapng']) {
    // The upload as zmtp serve receives one: written to its file, decoded as the file grows.
    const upload = new UploadFile(Readable.from([NOT_A_CAPTURE]), join(dir, `upload-${name.length}.tmp`));
    const opened = host.captures.openStream(upload, name, NOT_A_CAPTURE.length);
    let summary = opened;
    while (summary.state === 'loading') {
      await new Promise((r) => setImmediate(r));
      summary = host.captures.list().find((c) => c.id === opened.id)!;
    }
    assert.equal(summary.state, 'failed');
    assert.equal(
      summary.error,
      `${name} is not a pcap or pcapng capture (magic 0x${NOT_A_CAPTURE.subarray(0, 4).toString('hex')}; expected a1b2c3d4, a1b23c4d or 0a0d0d0a) (EBADMAGIC)`,
    );
    await host.request('capture.close', { id: opened.id });
  }
});
