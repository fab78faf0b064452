// UploadFile (zmtp serve's uploads: written to a file that the decoder reads as it grows) against real
// files: a reader of the growing file gets every byte, in order, and never one the writer has not
// finished writing; the file's own failures and an upload that breaks off while a write is in flight end
// the upload and its reader with an error, never an uncaught 'error' event (which would end zmtp serve,
// and every capture and socket with it).
import { test } from 'node:test';
import { Readable, Writable } from 'node:stream';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UPLOAD_WRITE_AHEAD, UploadFile } from '../../core/cli/upload-file.js';
import { GROWTH_STEP, growingFileBytes } from '../../core/capture/growing-file.js';

async function* chunks(count: number, size: number, failAt = -1, pauseMs = 0): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw Object.assign(new Error('the upload broke off'), { code: 'ECONNRESET' });
    yield Buffer.alloc(size, i & 255);
    // Let the file's writes run meanwhile, as a network upload does.
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    else if (i % 4 === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Reads the growing file as the decoder does; resolves with the bytes read, or the error it ended with. */
async function drain(upload: UploadFile, chunkBytes?: number): Promise<Buffer | Error> {
  const got: Buffer[] = [];
  let read = 0;
  try {
    for await (const c of growingFileBytes(upload, { chunkBytes })) {
      read += c.length;
      // Never past what the writer has finished writing.
      assert.ok(read <= upload.size, `read ${read} bytes of a file with ${upload.size} written`);
      got.push(c);
    }
    return Buffer.concat(got);
  } catch (e) {
    return e as Error;
  }
}

/** Fails the test if an uncaught exception happens within `during` and a little after it. */
async function noUncaught(during: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onUncaught = (e: unknown) => seen.push(e);
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onUncaught);
  try {
    await during();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('uncaughtException', onUncaught);
    for (const l of saved) process.on('uncaughtException', l);
  }
  assert.deepEqual(
    seen.map((e) => (e as Error).message),
    [],
    'no uncaught exception',
  );
}

test('every byte goes to the file, and a reader of the file as it grows reads all of them in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-file-'));
  try {
    // Readers in chunks smaller than, equal to and larger than the upload's, one reading while the upload is
    // slow (it waits for the file to grow), one starting before the file exists.
    for (const [chunkBytes, pauseMs] of [
      [1000, 0],
      [65536, 0],
      [300_000, 0],
      [40_000, 3],
    ]) {
      const path = join(dir, `up-${chunkBytes}-${pauseMs}.pcap`);
      const upload = new UploadFile(Readable.from(chunks(48, 65536, -1, pauseMs)), path);
      const [read, written] = await Promise.all([drain(upload, chunkBytes), upload.done]);
      const file = readFileSync(path);
      assert.equal(written, 48 * 65536);
      assert.equal(file.length, 48 * 65536);
      for (let i = 0; i < 48; i++) assert.equal(file[i * 65536 + 65535], i & 255);
      assert.ok(Buffer.isBuffer(read), `the reader ended with ${String(read)}`);
      assert.ok(read.equals(file), `the reader (chunks of ${chunkBytes}) read the file's bytes exactly`);
      assert.ok(upload.complete);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that caught up with the file reads on once it has grown by a step, not by each chunk written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-file-'));
  try {
    // 3 MiB arriving 64 KiB at a time, slowly: the reader is always caught up.
    const upload = new UploadFile(Readable.from(chunks(48, 65536, -1, 3)), join(dir, 'slow.pcap'));
    const sizes: number[] = [];
    for await (const c of growingFileBytes(upload, { chunkBytes: 1 << 20, waitMs: 60_000 })) sizes.push(c.length);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      48 * 65536,
    );
    // Every read but the last is at least a step; a read per chunk written would be 48 reads of 64 KiB.
    assert.ok(
      sizes.slice(0, -1).every((n) => n >= GROWTH_STEP),
      `reads of ${sizes.join(', ')} bytes`,
    );
    assert.ok(sizes.length <= Math.ceil((48 * 65536) / GROWTH_STEP), `${sizes.length} reads`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that grows slowly (an upload over a slow link) is read without waiting for a whole step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-file-'));
  try {
    let firstRead: (() => void) | undefined;
    const readFirst = new Promise<void>((resolve) => (firstRead = resolve));
    // 1000 bytes, then nothing more until the reader has read them (or 5 s, so that a reader waiting for a
    // whole step fails the test rather than hanging it), then the rest.
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 1);
      await Promise.race([readFirst, new Promise((r) => setTimeout(r, 5000))]);
      yield Buffer.alloc(GROWTH_STEP, 2);
    }
    const upload = new UploadFile(Readable.from(slow()), join(dir, 'slow-link.pcap'));
    const sizes: number[] = [];
    for await (const c of growingFileBytes(upload)) {
      sizes.push(c.length);
      firstRead?.();
    }
    assert.equal(sizes[0], 1000, `the first 1000 bytes are read while nothing more arrives (reads: ${sizes.join(', ')})`);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      1000 + GROWTH_STEP,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file slower than the upload pauses the upload: no more than the write-ahead waits for the file', async () => {
  let most = 0;
  let bytes = 0;
  const slowFile = new Writable({
    highWaterMark: UPLOAD_WRITE_AHEAD,
    write(chunk: Buffer, _encoding, done) {
      most = Math.max(most, this.writableLength);
      bytes += chunk.length;
      setTimeout(done, 1);
    },
  });
  // 25 MiB offered as fast as it is taken.
  const upload = new UploadFile(Readable.from(chunks(400, 65536)), join(tmpdir(), 'unused-upload-file.pcap'), slowFile);
  assert.equal(await upload.done, 400 * 65536);
  assert.equal(bytes, 400 * 65536);
  assert.equal(upload.size, 400 * 65536);
  assert.ok(most <= UPLOAD_WRITE_AHEAD + 65536, `${most} bytes waited for the file at most`);
  assert.ok(most > 65536, 'the upload ran ahead of the file');
});

test('a file that cannot be written ends the upload and its reader with the file error', async () => {
  await noUncaught(async () => {
    // Small chunks a while apart: the file takes each at once (under its buffer size), so its open fails
    // while nothing waits on it, as a disk that fills up or a folder removed under the server would.
    const path = join(tmpdir(), 'no-such-folder-upload-file', 'x.pcap');
    const upload = new UploadFile(Readable.from(chunks(8, 1000, -1, 20)), path, createWriteStream(path));
    const read = drain(upload);
    await assert.rejects(upload.done, { code: 'ENOENT' });
    const r = await read;
    assert.ok(r instanceof Error && (r as NodeJS.ErrnoException).code === 'ENOENT', `the reader ends with ENOENT, got ${String(r)}`);
  });
});

test('an upload that breaks off while file writes are in flight: the input error, nothing uncaught (50 cuts)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-file-'));
  try {
    await noUncaught(async () => {
      for (let cut = 1; cut <= 50; cut++) {
        // Chunks under the file's buffer size are taken at once, so the input fails with a write in flight.
        const upload = new UploadFile(Readable.from(chunks(200, 1000 + cut * 97, cut)), join(dir, `cut-${cut}.pcap`));
        const read = drain(upload);
        await assert.rejects(upload.done, { code: 'ECONNRESET' });
        const r = await read;
        assert.ok(
          r instanceof Error && (r as NodeJS.ErrnoException).code === 'ECONNRESET',
          `the reader ends with the input's error, got ${String(r)}`,
        );
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
