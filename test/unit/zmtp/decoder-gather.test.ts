// The decoder's gathering of large split frames (one buffer per body, carved from a slab up to 256 KiB)
// must give the same frames as the plain path under any chunking, in every framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeMessage } from '../../../core/zmtp/index.js';
import { prng } from '../../helpers/random.js';

for (const framing of ['v1', 'v2', 'v3'] as const) {
  test(`${framing}: large and small frames survive random chunking byte for byte`, () => {
    const rand = prng(framing.charCodeAt(1) * 7919);
    const sizes = [0, 5, 300, 8191, 8192, 20000, 70000, 300000];
    for (let round = 0; round < 60; round++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 6; i++) {
        const b = Buffer.alloc(sizes[Math.floor(rand() * sizes.length)]);
        for (let j = 0; j < b.length; j += 61) b[j] = (j + i + round) & 0xff;
        frames.push(b);
      }
      const wire = encodeMessage(framing, frames);
      const decoder = new FrameDecoder(framing);
      const out: Buffer[] = [];
      for (let pos = 0; pos < wire.length;) {
        const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 64 : 40000));
        const err = decoder.push(wire.subarray(pos, pos + n), (_m, _c, body) => out.push(Buffer.from(body)));
        assert.equal(err, undefined);
        pos += n;
        if (pos < wire.length) assert.ok(decoder.buffered > 0 || decoder.offset === pos, 'buffered counts the bytes held back');
      }
      assert.equal(out.length, frames.length);
      out.forEach((b, i) => assert.ok(b.equals(frames[i]), `round ${round} frame ${i}`));
      assert.equal(decoder.offset, wire.length);
      assert.equal(decoder.buffered, 0);
    }
  });
}

test('gathered bodies do not overlap: each frame keeps its own bytes after later frames arrive', () => {
  const a = Buffer.alloc(10000, 0xaa);
  const b = Buffer.alloc(12000, 0xbb);
  const wire = encodeMessage('v3', [a, b]);
  const decoder = new FrameDecoder('v3');
  const out: Buffer[] = [];
  for (let pos = 0; pos < wire.length; pos += 1000) decoder.push(wire.subarray(pos, pos + 1000), (_m, _c, body) => out.push(body));
  assert.ok(out[0].equals(a));
  assert.ok(out[1].equals(b));
});

test('a declared size is not allocated up front: the body buffer grows with the bytes that arrive', () => {
  for (const declared of [2 ** 31 - 1, 2 ** 40]) {
    // The second as a user allowing any size would see it (maxMessageSize up to 2^53-1).
    const decoder = new FrameDecoder('v3', declared > 2 ** 31 ? Number.MAX_SAFE_INTEGER : -1);
    const header = Buffer.alloc(9);
    header[0] = 0x02; // LONG
    header.writeBigUInt64BE(BigInt(declared), 1);
    assert.equal(
      decoder.push(Buffer.concat([header, Buffer.alloc(100)]), () => assert.fail('no frame yet')),
      undefined,
    );
    let received = 100;
    for (let i = 0; i < 40; i++) {
      // A transport reading straight into the body (as SlabReader does) and one pushing chunks, in turn.
      const target = decoder.directTarget()!;
      assert.ok(
        received + target.length <= Math.max(256 * 1024, 2 * received),
        `buffer ${received + target.length} for ${received} bytes received`,
      );
      if (i % 2) {
        const n = Math.min(target.length, 50_000);
        target.fill(1, 0, n);
        assert.equal(
          decoder.directFilled(n, () => assert.fail('no frame yet')),
          undefined,
        );
        received += n;
      } else {
        assert.equal(
          decoder.push(Buffer.alloc(70_000, 1), () => assert.fail('no frame yet')),
          undefined,
        );
        received += 70_000;
      }
    }
    assert.equal(decoder.buffered, 9 + received);
  }
});

test('a large body grown over many reads and pushes arrives byte for byte', () => {
  const body = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < body.length; i += 4093) body[i] = i & 0xff;
  const wire = encodeMessage('v3', [body, Buffer.from('after')]);
  const rand = prng(11);
  const decoder = new FrameDecoder('v3');
  const out: Buffer[] = [];
  const sink = (_m: boolean, _c: boolean, b: Buffer) => out.push(Buffer.from(b));
  for (let pos = 0; pos < wire.length;) {
    const target = decoder.directTarget();
    const n = Math.min(wire.length - pos, 1 + Math.floor(rand() * 300_000));
    if (target && rand() < 0.5) {
      const k = Math.min(n, target.length);
      wire.copy(target, 0, pos, pos + k);
      assert.equal(decoder.directFilled(k, sink), undefined);
      pos += k;
    } else {
      assert.equal(decoder.push(wire.subarray(pos, pos + n), sink), undefined);
      pos += n;
    }
  }
  assert.equal(out.length, 2);
  assert.ok(out[0].equals(body));
  assert.equal(out[1].toString(), 'after');
});
