// UploadTee (zmtp serve's uploads: into a file and to the decoder at once) against real files: the file's
// own failures and an upload that breaks off while a write is in flight end the upload with an error,
// never an uncaught 'error' event (which would end zmtp serve, and every capture and socket with it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadTee } from '../../core/cli/upload-tee.js';

async function* chunks(count: number, size: number, failAt = -1, pauseMs = 0): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw Object.assign(new Error('the upload broke off'), { code: 'ECONNRESET' });
    yield Buffer.alloc(size, i & 255);
    // Let the file's writes run meanwhile, as a network upload does.
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    else if (i % 4 === 0) await new Promise((r) => setImmediate(r));
  }
}

/** Reads the tee as the decoder does; resolves with the bytes read, or the error it ended with. */
async function drain(tee: UploadTee): Promise<number | Error> {
  let n = 0;
  try {
    for await (const c of tee) n += c.length;
    return n;
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

test('every byte goes to the file and to the reader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-tee-'));
  try {
    const path = join(dir, 'up.pcap');
    const tee = new UploadTee(chunks(64, 65536), createWriteStream(path), 256 * 1024);
    const [read, written] = await Promise.all([drain(tee), tee.done]);
    assert.equal(read, 64 * 65536);
    assert.equal(written, 64 * 65536);
    const file = readFileSync(path);
    assert.equal(file.length, 64 * 65536);
    for (let i = 0; i < 64; i++) assert.equal(file[i * 65536], i & 255);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that cannot be written ends the upload and its reader with the file error', async () => {
  await noUncaught(async () => {
    // Small chunks a while apart: the file takes each at once (under its buffer size), so its open fails
    // while nothing waits on it, as a disk that fills up or a folder removed under the server would.
    const tee = new UploadTee(chunks(8, 1000, -1, 20), createWriteStream(join(tmpdir(), 'no-such-folder-upload-tee', 'x.pcap')));
    const read = drain(tee);
    await assert.rejects(tee.done, { code: 'ENOENT' });
    const r = await read;
    assert.ok(r instanceof Error && (r as NodeJS.ErrnoException).code === 'ENOENT', `the reader ends with ENOENT, got ${String(r)}`);
  });
});

test('an upload that breaks off while file writes are in flight: the input error, nothing uncaught (50 cuts)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upload-tee-'));
  try {
    await noUncaught(async () => {
      for (let cut = 1; cut <= 50; cut++) {
        // Chunks under the file's buffer size are taken at once, so the input fails with a write in flight.
        const tee = new UploadTee(chunks(200, 1000 + cut * 97, cut), createWriteStream(join(dir, `cut-${cut}.pcap`)));
        const read = drain(tee);
        await assert.rejects(tee.done, { code: 'ECONNRESET' });
        assert.ok((await read) instanceof Error);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
