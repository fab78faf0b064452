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
