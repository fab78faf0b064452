// The tcp/ipc read path: SlabReader hands Node the memory for each read, and a large frame split at the
// end of a read grows in place in the slab (the decoder's BodyInPlace) instead of being copied. Reads are
// driven here exactly as Node's onread drives them (buffer(), then callback(n, buffer)), with the bytes of
// real encoded frames cut at random read sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeMessage } from '../../../core/zmtp/index.js';
import { SlabReader } from '../../../core/engine/transports/reader.js';
import { prng } from '../../helpers/random.js';

/** Feeds `wire` through a SlabReader into a decoder as a socket would; returns the frames as delivered. */
function readThrough(wire: Buffer, readSize: () => number): { bodies: Buffer[]; slabs: Set<ArrayBufferLike>; cuts: number[] } {
  const reader = new SlabReader();
  const decoder = new FrameDecoder('v3', -1, reader.bodyInPlace);
  const bodies: Buffer[] = [];
  const slabs = new Set<ArrayBufferLike>();
  /** Wire offsets where one read ended and the next began. */
  const cuts: number[] = [];
  const sink = (_more: boolean, _command: boolean, body: Buffer) => bodies.push(body);
  reader.attach({
    directTarget: () => decoder.directTarget(),
    onDirect: (n) => assert.equal(decoder.directFilled(n, sink), undefined),
    onChunk: (chunk) => assert.equal(decoder.push(chunk, sink), undefined),
  });
  for (let pos = 0; pos < wire.length;) {
    const target = reader.next();
    // Slab reads only: a read straight into a frame body already being gathered does not count.
    if (target.buffer !== decoder.directTarget()?.buffer) slabs.add(target.buffer);
    const n = Math.min(target.length, readSize(), wire.length - pos);
    wire.copy(target, 0, pos, pos + n);
    reader.onread(n, target);
    pos += n;
    cuts.push(pos);
  }
  return { bodies, slabs, cuts };
}

test('frames read through the slab arrive byte for byte under random read sizes, and stay intact', () => {
  const rand = prng(4242);
  const frames: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const size = [3, 100, 5000, 65536, 70000, 200000][Math.floor(rand() * 6)];
    const b = Buffer.allocUnsafe(size);
    for (let j = 0; j < size; j++) b[j] = (j * 7 + i) & 0xff;
    frames.push(b);
  }
  const wire = Buffer.concat(frames.map((f) => encodeMessage('v3', [f])));
  const { bodies } = readThrough(wire, () => 1 + Math.floor(rand() * 150000));
  // Compared only at the end: a body that a later read overwrote (a slab region reused too early) fails.
  assert.equal(bodies.length, frames.length);
  bodies.forEach((b, i) => assert.ok(b.equals(frames[i]), `frame ${i} (${frames[i].length} bytes)`));
});

test('a 64 KiB frame cut by a read grows in place in the slab instead of being copied', () => {
  const frames = Array.from({ length: 200 }, (_, i) => Buffer.alloc(65536, i & 0xff));
  const wire = Buffer.concat(frames.map((f) => encodeMessage('v3', [f])));
  // A fast peer: every read gets all it offers, as reads of a busy loopback connection do.
  const { bodies, slabs, cuts } = readThrough(wire, () => Infinity);
  assert.equal(bodies.length, frames.length);
  bodies.forEach((b, i) => assert.ok(b.equals(frames[i])));
  // The frames a read boundary falls inside: their bodies should lie in the memory the socket read into
  // (the bytes before the cut and after it contiguous there), not in a buffer the decoder copied them to.
  const cut = frames.map((_, i) => i).filter((i) => cuts.some((c) => c > i * 65545 + 9 && c < (i + 1) * 65545));
  const inPlace = cut.filter((i) => slabs.has(bodies[i].buffer));
  assert.ok(cut.length >= 5, `reads cut ${cut.length} frames`);
  // All but the first: the reader keeps room after each read once it has seen a frame of that size.
  assert.ok(inPlace.length >= cut.length - 1, `${inPlace.length} of ${cut.length} cut frames grew in place`);
});

test('without room in the slab the split body is copied into a buffer of its own, still intact', () => {
  // 700 KiB frames do not fit the rest of a slab sized for smaller reads.
  const frames = Array.from({ length: 3 }, (_, i) => Buffer.alloc(700 * 1024, 0x41 + i));
  const wire = Buffer.concat(frames.map((f) => encodeMessage('v3', [f])));
  const { bodies, slabs } = readThrough(wire, () => 40000);
  assert.equal(bodies.length, 3);
  bodies.forEach((b, i) => assert.ok(b.equals(frames[i])));
  assert.ok(
    bodies.some((b) => !slabs.has(b.buffer)),
    'at least one body was gathered by copying',
  );
});
