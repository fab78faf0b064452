// An upload's bytes reach the decoder and the file unchanged and in order; chunks that queued up while the
// decoder was busy reach it joined (fewer hand-overs to the capture thread), never past 1 MiB unless one
// chunk alone is bigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { UploadTee } from '../../core/cli/upload-tee.js';

function chunks(sizes: number[]): Buffer[] {
  let seed = 1;
  return sizes.map((n) => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff)));
}

async function* slowly(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    yield p;
    await tick();
  }
}

function memoryFile(): { file: Writable; bytes: () => Buffer } {
  const got: Buffer[] = [];
  const file = new Writable({
    write(chunk: Buffer, _enc, done) {
      got.push(chunk);
      done();
    },
  });
  return { file, bytes: () => Buffer.concat(got) };
}

test('chunks queued behind a busy decoder come out joined, bytes and order kept, at most 1 MiB a piece', async () => {
  const sizes = [...Array.from({ length: 300 }, (_, i) => 100 + i), 700_000, 600_000, 2_000_000, 5, 6];
  const parts = chunks(sizes);
  const { file, bytes } = memoryFile();
  const tee = new UploadTee(slowly(parts), file, 64 * 1024 * 1024);
  // The decoder is busy until the whole upload has queued.
  const received = await tee.done;
  const out: Buffer[] = [];
  for await (const c of tee) out.push(c);
  const all = Buffer.concat(parts);
  assert.equal(received, all.length);
  assert.ok(Buffer.concat(out).equals(all), 'the decoder got every byte in order');
  assert.ok(bytes().equals(all), 'the file got every byte in order');
  assert.ok(out.length < 10, `the ${parts.length} chunks came out as ${out.length}`);
  for (const c of out) assert.ok(c.length <= 1024 * 1024 || c.length === 2_000_000, `a joined chunk of ${c.length} bytes`);
});

test('a decoder that keeps up gets each chunk as it came', async () => {
  const parts = chunks([10, 20, 30, 40]);
  const { file } = memoryFile();
  const tee = new UploadTee(slowly(parts), file);
  const out: Buffer[] = [];
  for await (const c of tee) out.push(c);
  assert.deepEqual(
    out.map((c) => c.length),
    [10, 20, 30, 40],
  );
  await tee.done;
});
